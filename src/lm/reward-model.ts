/**
 * A reward model learned from preference pairs, as in RLHF (Christiano et al. 2017; Stiennon et
 * al. 2020; Ouyang et al. 2022): a causal transformer over prompt + completion with a scalar head
 * (read at the last token, or averaged over the completion), trained with the Bradley-Terry loss
 *
 *   loss = -log sigmoid(r(x, y_chosen) - r(x, y_rejected))
 *
 * (the negative log-likelihood of the labels if P(chosen preferred) = sigmoid(r_c - r_r)).
 */
import { tf, type Tensor } from "../nn/tf.js";
import { Adam } from "../nn/optimizers.js";
import { Rng } from "../core/rng.js";
import { resolveConfig, type IterationResult, type Trainable } from "../algos/base.js";
import { encodeTexts, ScalarTransformer, type TokenEncoder } from "./scalar-head.js";
import type { PreferencePair } from "./preference.js";
import { TrainerCheckpoint, saveTrainer } from "./trainer-checkpoint.js";

/** Mean Bradley-Terry loss of a batch: -log sigmoid(rChosen - rRejected), each [B]. */
export function bradleyTerryLoss(rChosen: Tensor, rRejected: Tensor): Tensor {
  // -log sigmoid(x) = softplus(-x), computed stably.
  return tf.tidy(() => tf.mean(tf.softplus(tf.sub(rRejected, rChosen))));
}

/** Fraction of pairs whose chosen completion gets the higher reward (ties count half). */
export function pairwiseAccuracy(rChosen: ArrayLike<number>, rRejected: ArrayLike<number>): number {
  if (rChosen.length !== rRejected.length) throw new RangeError(`pairwiseAccuracy: ${rChosen.length} chosen rewards but ${rRejected.length} rejected ones`);
  if (rChosen.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < rChosen.length; i++) s += rChosen[i] > rRejected[i] ? 1 : rChosen[i] === rRejected[i] ? 0.5 : 0;
  return s / rChosen.length;
}

/** Settings of a {@link RewardModel}; defaults sized for the miniature tasks. */
export interface RewardModelConfig {
  /** Transformer width (default 32). */
  dModel: number;
  /** Attention heads (default 2). */
  nHeads: number;
  /** Transformer blocks (default 2). */
  nLayers: number;
  /** Longest prompt + completion in tokens (default 32). */
  maxLength: number;
  /** Adam step size (default 1e-3). */
  lr: number;
  /** Pairs per gradient step (default 64). */
  batchSize: number;
  /** Gradient steps per `learnIteration` (one record of train()); default 10. */
  updatesPerIteration: number;
  /** Global gradient-norm clip (default 1). */
  maxGradNorm: number;
  /**
   * How the per-token scalars become one reward: "last" reads the last token (as the RLHF papers'
   * reward models); "mean" averages over the completion's tokens, which a tiny model learns from
   * far fewer pairs when the preference is a sum over tokens, as in the synthetic task (default;
   * an empty completion is read at the prompt's last token).
   */
  pooling: RewardPooling;
  /** Seed of the initial weights and minibatch order. */
  seed: number;
}

/** How a reward model pools its per-token scalars (see {@link RewardModelConfig.pooling}). */
export type RewardPooling = "last" | "mean";

export const REWARD_MODEL_DEFAULTS: Readonly<RewardModelConfig> = Object.freeze({ dModel: 32, nHeads: 2, nLayers: 2, maxLength: 32, lr: 1e-3, batchSize: 64, updatesPerIteration: 10, maxGradNorm: 1, pooling: "mean", seed: 0 });

/**
 * A reward model: r(prompt + completion) from a causal transformer's scalar at the last token,
 * fitted to preference pairs with the Bradley-Terry loss. `fit` / `learnIteration` train it;
 * `score` reads rewards of texts; `accuracy` is the pairwise accuracy on (held-out) pairs.
 */
export class RewardModel implements Trainable {
  readonly algo = "RewardModel";
  readonly config: Readonly<RewardModelConfig>;
  readonly model: ScalarTransformer;
  /** Gradient steps taken (what train() counts as steps). */
  numTimesteps = 0;
  /** Added to every score (see {@link RewardModel.normalize}). */
  offset = 0;
  /** Scores are divided by this (see {@link RewardModel.normalize}). */
  scale = 1;
  private readonly optimizer: Adam;
  private readonly rng: Rng;
  private pairs: PreferencePair[] = [];
  private order: number[] = [];
  private cursor = 0;

  constructor(
    readonly tokenizer: TokenEncoder,
    config: Partial<RewardModelConfig> = {},
  ) {
    this.config = resolveConfig("RewardModel", REWARD_MODEL_DEFAULTS, config, (c) => {
      c.number("dModel", { min: 1, integer: true });
      c.number("nHeads", { min: 1, integer: true });
      c.number("nLayers", { min: 1, integer: true });
      c.number("maxLength", { min: 1, integer: true });
      c.number("lr", { min: 0, gtMin: true });
      c.number("batchSize", { min: 1, integer: true });
      c.number("updatesPerIteration", { min: 1, integer: true });
      c.number("maxGradNorm", { min: 0, gtMin: true });
      c.number("seed", { min: 0, integer: true });
      c.oneOf("pooling", ["last", "mean"]);
    });
    const c = this.config;
    if (!Number.isInteger(c.dModel / c.nHeads)) throw new RangeError(`RewardModel config: dModel ${c.dModel} must be divisible by nHeads ${c.nHeads}`);
    this.rng = new Rng(c.seed);
    this.model = new ScalarTransformer({ vocabSize: tokenizer.vocabSize, maxLength: c.maxLength, dModel: c.dModel, nHeads: c.nHeads, nLayers: c.nLayers, rng: this.rng.split(), name: "reward_model" });
    this.optimizer = new Adam(this.model.variables, { lr: c.lr, maxGradNorm: c.maxGradNorm });
  }

  /**
   * Writes a checkpoint: the network, Adam's moments and step, the normalization (offset, scale),
   * the generator, minibatch order and cursor, so that {@link RewardModel.load} continues training
   * exactly (the pairs are given to `load` again).
   */
  async save(dir: string): Promise<void> {
    await saveTrainer(dir, {
      algo: this.algo,
      config: this.config,
      models: {},
      weights: { model: this.model.variables },
      optimizers: { adam: this.optimizer },
      rng: this.rng.state,
      numTimesteps: this.numTimesteps,
      extra: { offset: this.offset, scale: this.scale, order: this.order, cursor: this.cursor, pairs: this.pairs.length },
    });
  }

  /**
   * A reward model saved by {@link save}, with the tokenizer it was built with; `pairs` (the
   * same training pairs) only to train it further.
   */
  static async load(dir: string, tokenizer: TokenEncoder, pairs?: readonly PreferencePair[]): Promise<RewardModel> {
    const ck = await TrainerCheckpoint.open(dir, "RewardModel");
    const extra = ck.extra as { offset: number; scale: number; order: number[]; cursor: number; pairs: number };
    const rm = new RewardModel(tokenizer, ck.config as Partial<RewardModelConfig>);
    try {
      if (pairs !== undefined) {
        if (pairs.length !== extra.pairs) throw new RangeError(`RewardModel.load: ${dir} was trained on ${extra.pairs} pairs, but ${pairs.length} were given; pass the same pairs to resume`);
        rm.setPairs(pairs);
        rm.order = [...extra.order];
        rm.cursor = extra.cursor;
      }
      ck.restoreWeights("model", rm.model.variables);
      ck.restoreOptimizer("adam", rm.optimizer);
      rm.rng.state = ck.rng;
      rm.offset = extra.offset;
      rm.scale = extra.scale;
      rm.numTimesteps = ck.numTimesteps;
      return rm;
    } catch (e) {
      rm.dispose();
      throw e;
    }
  }

  /** Sets the training pairs (checked: strings whose tokens are in the vocabulary and fit maxLength). */
  setPairs(pairs: readonly PreferencePair[]): this {
    if (!Array.isArray(pairs) || pairs.length === 0) throw new RangeError("RewardModel.setPairs: expected a non-empty array of {prompt, chosen, rejected}");
    pairs.forEach((p, i) => {
      if (!p || typeof p.prompt !== "string" || typeof p.chosen !== "string" || typeof p.rejected !== "string") {
        throw new RangeError(`RewardModel.setPairs: pair ${i} should be {prompt, chosen, rejected} strings, got ${JSON.stringify(p)}`);
      }
    });
    // Encoding every text once checks the vocabulary and the length.
    encodeTexts(this.tokenizer, pairs.flatMap((p) => [p.prompt + p.chosen, p.prompt + p.rejected]), this.config.maxLength, "RewardModel.setPairs");
    this.pairs = [...pairs];
    this.order = this.rng.shuffle(Array.from({ length: pairs.length }, (_, i) => i));
    this.cursor = 0;
    return this;
  }

  /** Called by train() before its first iteration. */
  beginTraining(_steps: number): void {
    if (this.pairs.length === 0) throw new RangeError("RewardModel: no training pairs; call setPairs(pairs) first");
  }

  private nextBatch(): PreferencePair[] {
    const out: PreferencePair[] = [];
    for (let k = 0; k < Math.min(this.config.batchSize, this.pairs.length); k++) {
      if (this.cursor >= this.order.length) {
        this.rng.shuffle(this.order);
        this.cursor = 0;
      }
      out.push(this.pairs[this.order[this.cursor++]]);
    }
    return out;
  }

  /** Raw rewards of completions of prompts as a tensor [B] (before offset / scale); differentiable. */
  rewardTensor(prompts: readonly string[], completions: readonly string[]): Tensor {
    if (prompts.length !== completions.length) throw new RangeError(`RewardModel: ${prompts.length} prompts but ${completions.length} completions`);
    const e = encodeTexts(this.tokenizer, prompts.map((p, i) => p + completions[i]), this.config.maxLength, "RewardModel");
    const w = e.last;
    if (this.config.pooling === "mean") {
      // Weights 1 / (completion tokens) on the completion's positions (the prompt's length in tokens is where it starts).
      w.fill(0);
      prompts.forEach((p, b) => {
        const start = this.tokenizer.encode(p).length;
        const n = e.lengths[b] - start;
        // An empty completion (a policy that stopped at once) is read at the prompt's last token.
        if (n <= 0) w[b * e.T + e.lengths[b] - 1] = 1;
        else for (let t = start; t < e.lengths[b]; t++) w[b * e.T + t] = 1 / n;
      });
    }
    return tf.tidy(() => this.model.applyLast(tf.tensor2d(e.ids, [e.B, e.T], "int32"), tf.tensor2d(w, [e.B, e.T])));
  }

  /** `updatesPerIteration` Bradley-Terry steps on minibatches of the pairs; the mean loss and batch accuracy. */
  async learnIteration(): Promise<IterationResult> {
    const stats: Tensor[] = [];
    for (let u = 0; u < this.config.updatesPerIteration; u++) {
      const batch = this.nextBatch();
      const prompts = [...batch.map((p) => p.prompt), ...batch.map((p) => p.prompt)];
      const completions = [...batch.map((p) => p.chosen), ...batch.map((p) => p.rejected)];
      const n = batch.length;
      const { value, grads } = tf.variableGrads(() => {
        const r = this.rewardTensor(prompts, completions);
        const [rc, rr] = tf.split(r, [n, n]);
        const loss = bradleyTerryLoss(rc, rr);
        stats.push(tf.keep(tf.stack([loss, tf.mean(tf.cast(tf.greater(rc, rr), "float32")), tf.mean(tf.sub(rc, rr))])));
        return loss as tf.Scalar;
      }, this.model.variables);
      tf.dispose(this.optimizer.apply(this.model.variables.map((v) => grads[v.name])));
      tf.dispose([value, ...Object.values(grads)]);
      this.numTimesteps++;
    }
    const m = tf.tidy(() => tf.mean(tf.stack(stats), 0));
    const v = await m.data();
    tf.dispose([m, ...stats]);
    return { steps: this.config.updatesPerIteration, episodes: [], losses: { loss: v[0], accuracy: v[1], margin: v[2] } };
  }

  /** Fits for `updates` gradient steps without train() (returns the last iteration's losses). */
  async fit(updates: number): Promise<Record<string, number>> {
    this.beginTraining(updates);
    let last: Record<string, number> = {};
    const end = this.numTimesteps + updates;
    while (this.numTimesteps < end) last = (await this.learnIteration()).losses;
    return last;
  }

  /** Rewards of completions of prompts (same-length lists), after {@link normalize}'s offset and scale. */
  async score(prompts: readonly string[], completions: readonly string[]): Promise<Float32Array> {
    if (prompts.length !== completions.length) throw new RangeError(`RewardModel.score: ${prompts.length} prompts but ${completions.length} completions`);
    const out = new Float32Array(prompts.length);
    const chunk = 512;
    for (let i = 0; i < prompts.length; i += chunk) {
      const t = tf.tidy(() => tf.div(tf.add(this.rewardTensor(prompts.slice(i, i + chunk), completions.slice(i, i + chunk)), this.offset), this.scale));
      out.set(await t.data(), i);
      t.dispose();
    }
    return out;
  }

  /**
   * Shifts and scales scores so that these completions (e.g. the reference policy's samples) have mean 0 and
   * standard deviation 1, as Stiennon et al. 2020 and Ouyang et al. 2022 normalize their reward
   * models before RL. Pairwise accuracy is unchanged.
   */
  async normalize(prompts: readonly string[], completions: readonly string[]): Promise<{ mean: number; std: number }> {
    this.offset = 0;
    this.scale = 1;
    const s = await this.score(prompts, completions);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length) || 1;
    this.offset = -mean;
    this.scale = std;
    return { mean, std };
  }

  /** Pairwise accuracy on pairs: the fraction whose chosen completion scores higher. */
  async accuracy(pairs: readonly PreferencePair[]): Promise<number> {
    const prompts = pairs.map((p) => p.prompt);
    const s = await this.score([...prompts, ...prompts], [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)]);
    return pairwiseAccuracy(s.subarray(0, pairs.length), s.subarray(pairs.length));
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
