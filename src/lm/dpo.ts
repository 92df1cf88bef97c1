/**
 * Direct Preference Optimization (Rafailov et al. 2023) and its IPO variant (Azar et al. 2023).
 *
 * DPO fits the policy to preference pairs directly, without a reward model or sampling: with
 * h = [log pi(y_w|x) - log pi(y_l|x)] - [log ref(y_w|x) - log ref(y_l|x)] (chosen y_w, rejected
 * y_l, sequence log-probabilities), the loss is -log sigmoid(beta * h) (the paper's eq. 7);
 * beta is the strength of the implicit KL constraint to the reference. IPO replaces it with
 * (h - 1/(2 beta))^2 (Azar et al. eq. 17), which does not push h to infinity on deterministic
 * preferences. Defaults as TRL's DPOConfig: beta 0.1, loss "sigmoid", label smoothing 0 (the
 * conservative DPO of Mitchell 2023 when > 0), and for IPO the log-probs averaged over the
 * completion's tokens, as TRL does; but rpoAlpha 0.2 (TRL: 0), see {@link DPOConfig.rpoAlpha}.
 */
import { tf, type Tensor } from "../nn/tf.js";
import { Rng } from "../core/rng.js";
import { Adam } from "../nn/optimizers.js";
import { CheckpointError } from "../nn/checkpoint.js";
import { resolveConfig, type ConfigCheck, type IterationResult, type Trainable } from "../algos/base.js";
import { LanguageModel } from "./model.js";
import type { ImplicitPreferencePair, PreferencePair, PreferenceTask } from "./preference.js";
import { TrainerCheckpoint, saveTrainer } from "./trainer-checkpoint.js";

/** Which preference loss: DPO's logistic loss, or IPO's squared loss. */
export type DpoLossType = "sigmoid" | "ipo";

/** Sequence log-probabilities of a batch of pairs under the policy and the frozen reference, each [B]. */
export interface PairLogProbs {
  policyChosen: Tensor;
  policyRejected: Tensor;
  refChosen: Tensor;
  refRejected: Tensor;
}

export interface DpoLossOptions {
  beta: number;
  lossType?: DpoLossType;
  /** Probability that a label is flipped (conservative DPO); 0 is plain DPO. Ignored by IPO. */
  labelSmoothing?: number;
}

/**
 * The DPO / IPO loss of a batch (a scalar tensor, differentiable in the policy's log-probs) and
 * the implicit rewards beta * (log pi - log ref) of the chosen and rejected completions [B].
 */
export function dpoLoss(lp: PairLogProbs, options: DpoLossOptions): { loss: Tensor; chosenRewards: Tensor; rejectedRewards: Tensor } {
  const { beta, lossType = "sigmoid", labelSmoothing = 0 } = options;
  return tf.tidy(() => {
    const h = tf.sub(tf.sub(lp.policyChosen, lp.policyRejected), tf.sub(lp.refChosen, lp.refRejected));
    let losses: Tensor;
    if (lossType === "ipo") {
      losses = tf.square(tf.sub(h, 1 / (2 * beta)));
    } else {
      // -log sigmoid(x) = softplus(-x), computed stably.
      const bh = tf.mul(h, beta);
      losses = tf.add(tf.mul(tf.softplus(tf.neg(bh)), 1 - labelSmoothing), tf.mul(tf.softplus(bh), labelSmoothing));
    }
    const chosenRewards = tf.mul(tf.sub(lp.policyChosen, lp.refChosen), beta);
    const rejectedRewards = tf.mul(tf.sub(lp.policyRejected, lp.refRejected), beta);
    return { loss: tf.mean(losses), chosenRewards, rejectedRewards };
  });
}

/** Hyperparameters of {@link DPO} (TRL DPOConfig's names in comments). */
export interface DPOConfig {
  /** Strength of the implicit KL constraint (TRL beta, default 0.1). */
  beta: number;
  /** "sigmoid" (DPO) or "ipo" (TRL loss_type). */
  lossType: DpoLossType;
  /** Conservative DPO's label-flip probability (TRL label_smoothing, default 0). */
  labelSmoothing: number;
  /**
   * Weight of the chosen completions' per-token negative log-likelihood added to the loss (TRL
   * rpo_alpha, the RPO of Pang et al. 2024, who use 1). TRL's default is 0 (plain DPO); here it is
   * 0.2, because plain DPO is unstable on these miniature models: on the preference task (d32, one
   * block, 2,000 pairs, seed 1) every anchor-free loss first raises the win rate against the
   * reference (0.71 after 50 steps at lr 5e-4) and then collapses to empty completions (win rate
   * 0.01, 0% valid after 200 steps; the same at lr 1e-4, later with beta 0.5 or 1, with IPO and
   * with label smoothing 0.2). The cause is likelihood displacement onto <eos>: no pair has <eos>
   * inside a completion, so no term of the loss holds its probability down there, and lowering the
   * rejected completions' likelihood lifts it (both implicit rewards fall, the chosen one too).
   * The NLL term pushes <eos> down at every non-final position. Measured from 50 to 800 steps
   * (256 prompts): rpoAlpha 0.2 win rate 0.71-0.77 with 99-100% valid completions; rpoAlpha 1
   * 0.59-0.62 (the NLL pulls toward the pairs' random completions). Set 0 for plain DPO.
   */
  rpoAlpha: number;
  /**
   * Adam step size. TRL's 1e-6 is for billion-parameter models; the miniature models here take
   * 5e-4 (nanoGPT-scale character models train at 1e-3).
   */
  learningRate: number;
  /** Pairs per gradient step. */
  batchSize: number;
  /** Gradient steps per train() record. */
  stepsPerIteration: number;
  /** Global gradient-norm clip (TRL max_grad_norm 1); null: none. */
  maxGradNorm: number | null;
  /** Seed of the minibatch order. */
  seed: number;
}

export const DPO_DEFAULTS: Readonly<DPOConfig> = Object.freeze({ beta: 0.1, lossType: "sigmoid", labelSmoothing: 0, rpoAlpha: 0.2, learningRate: 5e-4, batchSize: 32, stepsPerIteration: 10, maxGradNorm: 1, seed: 0 });

function checkDPO(check: ConfigCheck, c: DPOConfig): void {
  check.number("beta", { min: 0, gtMin: true });
  check.oneOf("lossType", ["sigmoid", "ipo"]);
  check.number("labelSmoothing", { min: 0, max: 0.5 });
  check.number("rpoAlpha", { min: 0 });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("stepsPerIteration", { min: 1, integer: true });
  check.number("maxGradNorm", { min: 0, gtMin: true, optional: true });
  check.number("seed", { min: 0, integer: true });
  if (c.lossType === "ipo" && c.labelSmoothing !== 0) check.fail("labelSmoothing", c.labelSmoothing, "0 with lossType \"ipo\" (label smoothing is a DPO option)");
}

/**
 * DPO / IPO training of a language model on preference pairs, driven by train(): each record is
 * `stepsPerIteration` gradient steps (train()'s steps count gradient steps) with the loss and
 * TRL's logged statistics: rewardAccuracy (chosen implicit reward above the rejected one),
 * margin, chosenReward, rejectedReward.
 *
 *   const dpo = new DPO(lm, task.pairs(2000, {seed: 1}), {beta: 0.1}, {task});
 *   await train(dpo, {steps: 300, live: {y: "loss"}});
 *
 * The reference is a frozen copy of the policy at construction (or `options.reference`); its
 * log-probabilities of every pair are computed once up front (TRL's precompute_ref_log_probs).
 */
export class DPO implements Trainable {
  readonly algo = "DPO";
  readonly config: Readonly<DPOConfig>;
  readonly reference: LanguageModel;
  readonly pairs: readonly PreferencePair[];
  /** Gradient steps taken. */
  numTimesteps = 0;
  private readonly rng: Rng;
  private readonly opt: Adam;
  private refSums: Float32Array | undefined;
  private refCounts: Float32Array | undefined;
  private order: number[];
  private cursor = 0;
  private ownsReference: boolean;

  constructor(
    readonly policy: LanguageModel,
    pairs: readonly (PreferencePair | ImplicitPreferencePair)[],
    config: Partial<DPOConfig> = {},
    options: { reference?: LanguageModel; task?: PreferenceTask } = {},
  ) {
    if (!(policy instanceof LanguageModel)) throw new TypeError("DPO: the first argument must be a LanguageModel");
    if (policy.frozen) throw new TypeError("DPO: this LanguageModel is a frozen reference (from reference()); train the model itself or a clone()");
    this.config = resolveConfig("DPO", DPO_DEFAULTS, config, checkDPO);
    this.pairs = options.task ? options.task.checkPairs(pairs) : checkExplicitPairs(pairs);
    // Encoding every pair once names any that does not fit the context or the alphabet.
    const prompts = this.pairs.map((p) => p.prompt);
    policy.encode([...prompts, ...prompts], [...this.pairs.map((p) => p.chosen), ...this.pairs.map((p) => p.rejected)]);
    this.ownsReference = !options.reference;
    this.reference = options.reference ?? policy.reference();
    this.rng = new Rng(this.config.seed);
    this.order = this.rng.shuffle(Array.from({ length: this.pairs.length }, (_, i) => i));
    this.opt = new Adam(policy.variables, { lr: this.config.learningRate, maxGradNorm: this.config.maxGradNorm ?? undefined });
  }

  /** Called by train() before its first iteration. */
  beginTraining(_steps: number): void {}

  /** Sequence log-probs [2n] (chosen rows, then rejected) of `model` and the completion token counts [2n]. */
  private sequenceLogProbs(model: LanguageModel, idx: readonly number[]): { sums: Tensor; counts: Tensor } {
    const ps = idx.map((i) => this.pairs[i]);
    const prompts = ps.map((p) => p.prompt);
    const b = model.encode([...prompts, ...prompts], [...ps.map((p) => p.chosen), ...ps.map((p) => p.rejected)]);
    return tf.tidy(() => {
      const mask = LanguageModel.maskTensor(b);
      const lp = model.tokenLogProbs(LanguageModel.idsTensor(b));
      return { sums: tf.sum(tf.mul(lp, mask), 1), counts: tf.sum(mask, 1) };
    });
  }

  /** The reference's log-probs of every pair, once (one read). */
  private async precomputeReference(): Promise<void> {
    const n = this.pairs.length;
    const chunk = 256;
    const parts: Tensor[] = [];
    for (let i = 0; i < n; i += chunk) {
      const idx = Array.from({ length: Math.min(chunk, n - i) }, (_, k) => i + k);
      const r = this.sequenceLogProbs(this.reference, idx);
      parts.push(tf.stack([r.sums, r.counts]));
      tf.dispose([r.sums, r.counts]);
    }
    const all = tf.concat(parts, 1);
    const data = (await all.data()) as Float32Array;
    tf.dispose([all, ...parts]);
    // Layout per chunk: [2, 2m] rows (sums, counts), chosen then rejected within the chunk.
    this.refSums = new Float32Array(2 * n);
    this.refCounts = new Float32Array(2 * n);
    const W = 2 * n;
    for (let i = 0, col = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      for (let k = 0; k < m; k++) {
        this.refSums[i + k] = data[col + k];
        this.refSums[n + i + k] = data[col + m + k];
        this.refCounts[i + k] = data[W + col + k];
        this.refCounts[n + i + k] = data[W + col + m + k];
      }
      col += 2 * m;
    }
  }

  private nextBatch(): number[] {
    const out: number[] = [];
    for (let k = 0; k < Math.min(this.config.batchSize, this.pairs.length); k++) {
      if (this.cursor >= this.order.length) {
        this.rng.shuffle(this.order);
        this.cursor = 0;
      }
      out.push(this.order[this.cursor++]);
    }
    return out;
  }

  /** `stepsPerIteration` DPO steps; the mean statistics, read once. */
  async learnIteration(): Promise<IterationResult> {
    if (!this.refSums) await this.precomputeReference();
    const c = this.config;
    const n = this.pairs.length;
    const stats: Tensor[] = [];
    for (let s = 0; s < c.stepsPerIteration; s++) {
      const idx = this.nextBatch();
      const m = idx.length;
      const refC = Float32Array.from(idx, (i) => this.refSums![i] / (c.lossType === "ipo" ? this.refCounts![i] : 1));
      const refR = Float32Array.from(idx, (i) => this.refSums![n + i] / (c.lossType === "ipo" ? this.refCounts![n + i] : 1));
      const { value, grads } = tf.variableGrads(() => {
        const { sums, counts } = this.sequenceLogProbs(this.policy, idx);
        // IPO compares per-token averages of the log-probs, as TRL does.
        const seq = c.lossType === "ipo" ? tf.div(sums, counts) : sums;
        const [pc, pr] = tf.split(seq, [m, m]);
        const d = dpoLoss({ policyChosen: pc, policyRejected: pr, refChosen: tf.tensor1d(refC), refRejected: tf.tensor1d(refR) }, { beta: c.beta, lossType: c.lossType, labelSmoothing: c.labelSmoothing });
        let loss = d.loss;
        if (c.rpoAlpha > 0) {
          // Mean per-token NLL of the chosen completions (TRL's rpo term).
          const [sc] = tf.split(sums, [m, m]);
          const [nc] = tf.split(counts, [m, m]);
          loss = tf.add(loss, tf.mul(tf.neg(tf.div(tf.sum(sc), tf.sum(nc))), c.rpoAlpha));
        }
        stats.push(
          tf.keep(
            tf.stack([loss, tf.mean(tf.cast(tf.greater(d.chosenRewards, d.rejectedRewards), "float32")), tf.mean(tf.sub(d.chosenRewards, d.rejectedRewards)), tf.mean(d.chosenRewards), tf.mean(d.rejectedRewards)]),
          ),
        );
        return loss as tf.Scalar;
      }, this.policy.variables);
      tf.dispose(this.opt.apply(this.policy.variables.map((v) => grads[v.name])));
      tf.dispose([value, ...Object.values(grads)]);
      this.numTimesteps++;
    }
    const mean = tf.tidy(() => tf.mean(tf.stack(stats), 0));
    const v = await mean.data();
    tf.dispose([mean, ...stats]);
    return { steps: c.stepsPerIteration, episodes: [], losses: { loss: v[0], rewardAccuracy: v[1], margin: v[2], chosenReward: v[3], rejectedReward: v[4] } };
  }

  /**
   * Writes a checkpoint: policy, frozen reference, Adam's moments and step, the minibatch order,
   * its cursor and generator, and the step count, so that {@link DPO.load} continues the run
   * exactly. The pairs are not stored (give them to load again).
   */
  async save(dir: string): Promise<void> {
    await saveTrainer(dir, {
      algo: this.algo,
      config: this.config,
      models: { policy: this.policy, reference: this.reference },
      optimizers: { adam: this.opt },
      rng: this.rng.state,
      numTimesteps: this.numTimesteps,
      extra: { order: this.order, cursor: this.cursor, pairs: this.pairs.length },
    });
  }

  /**
   * Resumes a run saved by {@link save} on the same `pairs` (and `options.task`, when the first
   * run had one): the policy is `dpo.policy`, the reference the saved one. `overrides` change
   * config fields.
   */
  static async load(dir: string, pairs: readonly (PreferencePair | ImplicitPreferencePair)[], options: { task?: PreferenceTask } = {}, overrides: Partial<DPOConfig> = {}): Promise<DPO> {
    const ck = await TrainerCheckpoint.open(dir, "DPO");
    const extra = ck.extra as { order: number[]; cursor: number; pairs: number };
    if (!Array.isArray(pairs) || pairs.length !== extra.pairs) throw new CheckpointError(dir, `was trained on ${extra.pairs} preference pairs, but ${Array.isArray(pairs) ? pairs.length : "no array"} were given; pass the same pairs to resume`);
    const policy = ck.model("policy");
    const reference = ck.model("reference");
    try {
      const d = new DPO(policy, pairs, { ...(ck.config as Partial<DPOConfig>), ...overrides }, { reference, task: options.task });
      d.ownsReference = true;
      ck.restoreOptimizer("adam", d.opt);
      if (overrides.learningRate !== undefined) d.opt.lr = d.config.learningRate;
      d.rng.state = ck.rng;
      d.order = [...extra.order];
      d.cursor = extra.cursor;
      d.numTimesteps = ck.numTimesteps;
      return d;
    } catch (e) {
      policy.dispose();
      reference.dispose();
      throw e;
    }
  }

  /** Releases the optimizer (and the reference when DPO made it). */
  dispose(): void {
    this.opt.dispose();
    if (this.ownsReference) this.reference.dispose();
  }
}

/** Pairs in the explicit {prompt, chosen, rejected} format, each a string (errors name the pair). */
function checkExplicitPairs(pairs: readonly (PreferencePair | ImplicitPreferencePair)[]): PreferencePair[] {
  if (!Array.isArray(pairs) || pairs.length === 0) throw new RangeError("DPO: expected a non-empty array of preference pairs {prompt, chosen, rejected}");
  return pairs.map((p, i) => {
    if (!p || !("prompt" in p) || typeof p.prompt !== "string" || typeof p.chosen !== "string" || typeof p.rejected !== "string") {
      throw new RangeError(`DPO: pair ${i} should be {prompt, chosen, rejected} strings (full texts {chosen, rejected} need options.task to split off their prompt), got ${JSON.stringify(p)}`);
    }
    return { prompt: p.prompt, chosen: p.chosen, rejected: p.rejected };
  });
}
