/**
 * RLHF with PPO, as in Ziegler et al. 2019 ("Fine-Tuning Language Models from Human Preferences"),
 * Stiennon et al. 2020 and Ouyang et al. 2022, and TRL's PPOTrainer which follows them.
 *
 * Each generated token is one step of an episode whose state is the text so far. The reward of a
 * completion y of prompt x is the reward model's score at its last token, and at every token t a
 * penalty for leaving the frozen reference model:
 *
 *   r_t = -klCoef * (log pi(y_t | x, y_<t) - log ref(y_t | x, y_<t))   (+ score at the last token)
 *
 * so the return is score - klCoef * KL(pi || ref) estimated on the sample. A value head on the
 * policy's transformer gives V(x, y_<t); advantages are GAE over the token steps (gamma 1,
 * lambda 0.95) and the update is PPO's clipped objective with a clipped value loss. The KL
 * coefficient is fixed, or adapted toward a target KL per completion as in Ziegler et al.:
 * coef *= 1 + clip(KL / target - 1, -0.2, 0.2) * batch / horizon.
 */
import { computeGae } from "../buffers/rollout.js";
import { Rng } from "../core/rng.js";
import { tf, type Tensor } from "../nn/tf.js";
import { Adam } from "../nn/optimizers.js";
import { resolveConfig, type ConfigCheck, type IterationResult, type Trainable } from "../algos/base.js";
import { LanguageModel, gatherLogProbs, tokenEntropy, type TokenBatch as LMTokenBatch } from "./model.js";
import { ScalarTransformer } from "./scalar-head.js";
import { maskedMean } from "./kl.js";
import { TrainerCheckpoint, saveTrainer } from "./trainer-checkpoint.js";

/**
 * How the per-token penalty is estimated from the sampled token's log-probs (TRL's kl_penalty):
 * "kl" log pi - log ref (unbiased for KL, can be negative), "abs" its absolute value, "mse" half
 * its square.
 */
export type KlPenalty = "kl" | "abs" | "mse";

/** The per-token penalty estimate for log-ratio d = log pi - log ref. */
export function klPenaltyValue(d: number, kind: KlPenalty): number {
  return kind === "kl" ? d : kind === "abs" ? Math.abs(d) : 0.5 * d * d;
}

/** Token-level arrays of a batch of B completions, T token steps each, row-major [B, T]. */
export interface TokenSteps {
  B: number;
  T: number;
  /** 1 for a generated token, 0 for padding after the completion ended [B * T]; the ones of a row come first. */
  mask: ArrayLike<number>;
}

/**
 * Rewards per token step: -klCoef * penalty(log pi - log ref) at every generated token, plus the
 * sequence's score at its last generated token (TRL's compute_rewards). Also returns each
 * sequence's summed penalty (its KL estimate) [B].
 */
export function klShapedRewards(
  batch: TokenSteps,
  scores: ArrayLike<number>,
  logProbs: ArrayLike<number>,
  refLogProbs: ArrayLike<number>,
  klCoef: number,
  kind: KlPenalty = "kl",
): { rewards: Float32Array; kl: Float32Array } {
  const { B, T, mask } = batch;
  checkTokenArrays(batch, { logProbs, refLogProbs });
  if (scores.length !== B) throw new RangeError(`klShapedRewards: ${scores.length} scores for a batch of ${B} completions`);
  const rewards = new Float32Array(B * T);
  const kl = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let last = -1;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (!mask[i]) continue;
      const pen = klPenaltyValue(logProbs[i] - refLogProbs[i], kind);
      kl[b] += pen;
      rewards[i] = -klCoef * pen;
      last = i;
    }
    if (last < 0) throw new RangeError(`klShapedRewards: completion ${b} has no generated token (its mask row is all 0)`);
    rewards[last] += scores[b];
  }
  return { rewards, kl };
}

/**
 * GAE over token steps (Schulman et al. 2016) with rlbook's {@link computeGae}: each completion is
 * one episode that terminates after its last generated token (the value after it is 0). Padding
 * gets advantage and return 0. Arrays row-major [B, T].
 */
export function tokenGae(
  batch: TokenSteps,
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const { B, T, mask } = batch;
  checkTokenArrays(batch, { rewards, values });
  // computeGae is step-major [T, B]: transpose in, transpose out.
  const r = new Float32Array(B * T);
  const v = new Float32Array(B * T);
  const term = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const j = t * B + b;
      if (!mask[i]) continue;
      r[j] = rewards[i];
      v[j] = values[i];
      // The last generated token ends the episode: the next token or the end of the row is padding.
      if (t === T - 1 || !mask[i + 1]) term[j] = 1;
    }
  }
  const g = computeGae({ nSteps: T, nEnvs: B, rewards: r, values: v, lastValues: new Float32Array(B), terminated: term, dones: term, gamma, lambda });
  const advantages = new Float32Array(B * T);
  const returns = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (!mask[i]) continue;
      advantages[i] = g.advantages[t * B + b];
      returns[i] = g.returns[t * B + b];
    }
  }
  return { advantages, returns };
}

/** Whitens the masked entries to mean 0, std 1 (TRL's masked_whiten, shift_mean true); padding stays 0. */
export function maskedWhiten(x: ArrayLike<number>, mask: ArrayLike<number>): Float32Array {
  let n = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) (n++, (s += x[i]));
  const out = new Float32Array(x.length);
  if (n === 0) return out;
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) ss += (x[i] - m) ** 2;
  // Unbiased variance as torch.var with Bessel's correction (TRL's masked_var).
  const std = Math.sqrt(n > 1 ? ss / (n - 1) : 0);
  for (let i = 0; i < x.length; i++) if (mask[i]) out[i] = (x[i] - m) / (std + 1e-8);
  return out;
}

function checkTokenArrays(batch: TokenSteps, arrays: Record<string, ArrayLike<number>>): void {
  const n = batch.B * batch.T;
  if (batch.mask.length !== n) throw new RangeError(`token arrays: mask has ${batch.mask.length} entries, expected B * T = ${batch.B} * ${batch.T} = ${n}`);
  for (const [name, a] of Object.entries(arrays)) {
    if (a.length !== n) throw new RangeError(`token arrays: ${name} has ${a.length} entries, expected B * T = ${batch.B} * ${batch.T} = ${n}`);
  }
}

/** A KL coefficient that may change with the measured KL. */
export interface KlController {
  readonly value: number;
  /** Called after each rollout with its mean KL per completion and the number of completions. */
  update(currentKl: number, nSteps: number): void;
}

/** A constant coefficient. */
export class FixedKlController implements KlController {
  constructor(public value: number) {}
  update(_currentKl?: number, _nSteps?: number): void {}
}

/**
 * Ziegler et al. 2019's adaptive coefficient (TRL's AdaptiveKLController): proportional control
 * of the KL toward `target`, e = clip(KL / target - 1, -0.2, 0.2), value *= 1 + e * nSteps / horizon.
 */
export class AdaptiveKlController implements KlController {
  constructor(
    public value: number,
    readonly target: number,
    readonly horizon: number,
  ) {}

  update(currentKl: number, nSteps: number): void {
    const e = Math.min(0.2, Math.max(-0.2, currentKl / this.target - 1));
    this.value *= 1 + (e * nSteps) / this.horizon;
  }
}

/** Scores completions of prompts (same-length lists): a reward model's `score`, or any function. */
export type RewardFunction = (prompts: readonly string[], completions: readonly string[]) => Promise<ArrayLike<number>> | ArrayLike<number>;

/** Where a rollout's prompts come from: a fixed list (drawn uniformly) or a sampler. */
export type PromptSource = readonly string[] | ((rng: Rng) => string);

/** Hyperparameters of {@link RLHFPPO}; defaults follow TRL's PPOConfig (0.4) unless noted. */
export interface RLHFPPOConfig {
  /** Prompts (completions) per rollout (TRL batch_size 256; 64 here, the models are tiny). */
  batchSize: number;
  /** Completions per PPO minibatch. */
  miniBatchSize: number;
  /** Passes over each rollout (TRL ppo_epochs 4). */
  ppoEpochs: number;
  /** Adam step size for the policy and the value model (TRL 1e-5 is for GPT-2-size models; 3e-4 here). */
  learningRate: number;
  /** The KL coefficient, or its initial value when adaptive (TRL init_kl_coef 0.2). */
  klCoef: number;
  /** Adapt klCoef toward klTarget (Ziegler et al.; TRL adap_kl_ctrl true). */
  adaptiveKl: boolean;
  /** Target KL per completion, in nats (TRL target 6 for ~20-token reviews; 2 here for 7 tokens). */
  klTarget: number;
  /** Horizon of the adaptive controller in completions (TRL 10000; 1000 here, for runs of a few thousand completions). */
  klHorizon: number;
  /** How the per-token penalty is estimated (TRL kl_penalty "kl"). */
  klPenalty: KlPenalty;
  /** Discount over token steps (TRL gamma 1). */
  gamma: number;
  /** GAE lambda (TRL lam 0.95). */
  lambda: number;
  /** PPO ratio clip (TRL cliprange 0.2). */
  clipRange: number;
  /** Value clip around the rollout's values (TRL cliprange_value 0.2). */
  clipRangeValue: number;
  /** Weight of the value loss (TRL vf_coef 0.1). */
  vfCoef: number;
  /** Whiten advantages over the rollout's tokens (TRL does). */
  whitenAdvantages: boolean;
  /** Global gradient-norm clip; null: none. */
  maxGradNorm: number | null;
  /** Most tokens per completion, `<eos>` included (default: what the context leaves). */
  maxTokens: number | null;
  /** Sampling temperature of the rollouts (TRL samples at 1). */
  temperature: number;
  /** The value model: a causal transformer with a scalar head (width, blocks, heads). */
  valueDModel: number;
  valueLayers: number;
  valueHeads: number;
  /** Seed of prompts, sampling, minibatches and the value model's weights. */
  seed: number;
}

export const RLHF_PPO_DEFAULTS: Readonly<RLHFPPOConfig> = Object.freeze({
  batchSize: 64,
  miniBatchSize: 16,
  ppoEpochs: 4,
  learningRate: 3e-4,
  klCoef: 0.2,
  adaptiveKl: true,
  klTarget: 2,
  klHorizon: 1000,
  klPenalty: "kl" as KlPenalty,
  gamma: 1,
  lambda: 0.95,
  clipRange: 0.2,
  clipRangeValue: 0.2,
  vfCoef: 0.1,
  whitenAdvantages: true,
  maxGradNorm: 1,
  maxTokens: null,
  temperature: 1,
  valueDModel: 32,
  valueLayers: 1,
  valueHeads: 2,
  seed: 0,
});

function checkPPO(check: ConfigCheck, c: RLHFPPOConfig): void {
  check.number("batchSize", { min: 1, integer: true });
  check.number("miniBatchSize", { min: 1, integer: true });
  check.number("ppoEpochs", { min: 1, integer: true });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("klCoef", { min: 0 });
  check.bool("adaptiveKl");
  check.number("klTarget", { min: 0, gtMin: true });
  check.number("klHorizon", { min: 0, gtMin: true });
  check.oneOf("klPenalty", ["kl", "abs", "mse"]);
  check.number("gamma", { min: 0, max: 1 });
  check.number("lambda", { min: 0, max: 1 });
  check.number("clipRange", { min: 0, gtMin: true });
  check.number("clipRangeValue", { min: 0, gtMin: true });
  check.number("vfCoef", { min: 0 });
  check.bool("whitenAdvantages");
  check.number("maxGradNorm", { min: 0, gtMin: true, optional: true });
  check.number("maxTokens", { min: 1, integer: true, optional: true });
  check.number("temperature", { min: 0, gtMin: true });
  check.number("valueDModel", { min: 1, integer: true });
  check.number("valueLayers", { min: 1, integer: true });
  check.number("valueHeads", { min: 1, integer: true });
  check.number("seed", { min: 0, integer: true });
  if (!check.failed("miniBatchSize") && !check.failed("batchSize") && c.miniBatchSize > c.batchSize) check.fail("miniBatchSize", c.miniBatchSize, `at most batchSize (${c.batchSize})`);
  if (!check.failed("valueDModel") && !check.failed("valueHeads") && c.valueDModel % c.valueHeads !== 0) check.fail("valueHeads", c.valueHeads, `a divisor of valueDModel (${c.valueDModel})`);
  if (c.adaptiveKl && c.klCoef === 0) check.fail("klCoef", 0, "> 0 when adaptiveKl (an adaptive coefficient of 0 stays 0)");
}

/** The latest rollout, for tables of sample texts. */
export interface RolloutSamples {
  prompts: string[];
  completions: string[];
  scores: Float32Array;
  /** The summed per-token KL estimate of each completion. */
  kl: Float32Array;
  /** Under `options.trueReward`, when given. */
  trueScores?: Float32Array;
}

/**
 * RLHF-PPO on a {@link LanguageModel} (see the module comment), driven by train(): each record is
 * one rollout of `batchSize` completions and `ppoEpochs` passes over it; train()'s steps count
 * completions. Records hold `score` (the reward model's mean), `trueScore` (with
 * `options.trueReward`: the hidden score the reward model stands in for), `kl` (mean summed KL
 * estimate per completion), `klCoef`, `entropy` (mean per token), `policyLoss`, `valueLoss`,
 * `clipFraction`, `approxKl`; `episodeReturn` is score - klCoef * kl.
 *
 *   const ppo = new RLHFPPO(lm, (p, c) => rm.score(p, c), (rng) => task.samplePrompt(rng), {klTarget: 2});
 *   await train(ppo, {steps: 64 * 40, live: {y: ["score", "kl"]}});
 */
export class RLHFPPO implements Trainable {
  readonly algo = "RLHF-PPO";
  readonly config: Readonly<RLHFPPOConfig>;
  readonly reference: LanguageModel;
  readonly value: ScalarTransformer;
  readonly kl: KlController;
  /** Completions sampled so far (train()'s unit). */
  numTimesteps = 0;
  /** The last rollout's prompts, completions and scores. */
  lastSamples: RolloutSamples | undefined;
  private readonly rng: Rng;
  private readonly opt: Adam;
  private ownsReference: boolean;
  private readonly nextPrompt: (rng: Rng) => string;

  constructor(
    readonly policy: LanguageModel,
    readonly reward: RewardFunction,
    prompts: PromptSource,
    config: Partial<RLHFPPOConfig> = {},
    readonly options: { reference?: LanguageModel; trueReward?: RewardFunction } = {},
  ) {
    if (!(policy instanceof LanguageModel)) throw new TypeError("RLHFPPO: the first argument must be a LanguageModel");
    if (policy.frozen) throw new TypeError("RLHFPPO: this LanguageModel is a frozen reference (from reference()); train the model itself or a clone()");
    if (typeof reward !== "function") throw new TypeError("RLHFPPO: reward must be a function (prompts, completions) => scores, e.g. (p, c) => rewardModel.score(p, c)");
    this.config = resolveConfig("RLHFPPO", RLHF_PPO_DEFAULTS, config, checkPPO);
    const c = this.config;
    if (typeof prompts === "function") this.nextPrompt = prompts;
    else {
      if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((p) => typeof p === "string")) throw new RangeError("RLHFPPO: prompts must be a non-empty array of strings or a function (rng) => prompt");
      const list = [...prompts];
      // Every prompt must fit the context with at least one generated token.
      policy.encode(list, list.map(() => ""), { appendEos: true });
      this.nextPrompt = (rng) => list[rng.integer(list.length)];
    }
    this.rng = new Rng(c.seed);
    this.ownsReference = !options.reference;
    this.reference = options.reference ?? policy.reference();
    this.value = new ScalarTransformer({ vocabSize: policy.vocabSize, maxLength: policy.config.contextLength, dModel: c.valueDModel, nHeads: c.valueHeads, nLayers: c.valueLayers, rng: this.rng.split(), name: "rlhf_value" });
    this.kl = c.adaptiveKl ? new AdaptiveKlController(c.klCoef, c.klTarget, c.klHorizon) : new FixedKlController(c.klCoef);
    this.opt = new Adam([...policy.variables, ...this.value.variables], { lr: c.learningRate, maxGradNorm: c.maxGradNorm ?? undefined });
  }

  /**
   * Writes a checkpoint: policy, frozen reference, value model, the shared Adam's moments and
   * step, the KL coefficient (adaptive or fixed), the generator and the completion count, so that
   * {@link RLHFPPO.load} continues the run exactly. The reward function and prompts are not stored.
   */
  async save(dir: string): Promise<void> {
    await saveTrainer(dir, {
      algo: "RLHFPPO",
      config: this.config,
      models: { policy: this.policy, reference: this.reference },
      weights: { value: this.value.variables },
      optimizers: { adam: this.opt },
      rng: this.rng.state,
      numTimesteps: this.numTimesteps,
      extra: { klCoef: this.kl.value },
    });
  }

  /**
   * Resumes a run saved by {@link save} with the same reward function and prompt source (given
   * again); the policy is `ppo.policy`. `overrides` change config fields.
   */
  static async load(dir: string, reward: RewardFunction, prompts: PromptSource, options: { trueReward?: RewardFunction } = {}, overrides: Partial<RLHFPPOConfig> = {}): Promise<RLHFPPO> {
    const ck = await TrainerCheckpoint.open(dir, "RLHFPPO");
    const policy = ck.model("policy");
    const reference = ck.model("reference");
    try {
      const p = new RLHFPPO(policy, reward, prompts, { ...(ck.config as Partial<RLHFPPOConfig>), ...overrides }, { ...options, reference });
      p.ownsReference = true;
      ck.restoreWeights("value", p.value.variables);
      ck.restoreOptimizer("adam", p.opt);
      if (overrides.learningRate !== undefined) p.opt.lr = p.config.learningRate;
      // Both controllers keep their coefficient in a public field.
      (p.kl as FixedKlController | AdaptiveKlController).value = (ck.extra as { klCoef: number }).klCoef;
      p.rng.state = ck.rng;
      p.numTimesteps = ck.numTimesteps;
      return p;
    } catch (e) {
      policy.dispose();
      reference.dispose();
      throw e;
    }
  }

  /** Called by train() before its first iteration. */
  beginTraining(_steps: number): void {}

  /** One rollout and its PPO update. */
  async learnIteration(): Promise<IterationResult> {
    const c = this.config;
    const B = c.batchSize;
    const prompts = Array.from({ length: B }, () => this.nextPrompt(this.rng));
    const gens = await this.policy.generate(prompts, { maxTokens: c.maxTokens ?? undefined, temperature: c.temperature, rng: this.rng });
    const completions = gens.map((g) => g.text);
    const batch = this.policy.encodeTokens(prompts, gens.map((g) => g.tokens));
    const T = batch.length;
    const W = T - 1;
    // One forward of the policy, the reference and the value model over the rollout, one read.
    const roll = tf.tidy(() => {
      const ids = LanguageModel.idsTensor(batch);
      const input = tf.slice(ids, [0, 0], [B, W]);
      const target = tf.slice(ids, [0, 1], [B, W]);
      let logits = this.policy.logits(input);
      if (c.temperature !== 1) logits = tf.div(logits, c.temperature);
      const lp = gatherLogProbs(logits, target);
      const ent = tokenEntropy(logits);
      const ref = this.reference.tokenLogProbs(ids, c.temperature);
      const v = this.value.apply(input);
      return tf.stack([lp, ref, v, ent]);
    });
    const [data, scoresRaw, trueRaw] = await Promise.all([roll.data() as Promise<Float32Array>, this.reward(prompts, completions), this.options.trueReward?.(prompts, completions)]);
    roll.dispose();
    const n = B * W;
    const logp = data.subarray(0, n);
    const refLogp = data.subarray(n, 2 * n);
    const values = data.subarray(2 * n, 3 * n);
    const ent = data.subarray(3 * n, 4 * n);
    const scores = Float32Array.from(scoresRaw);
    if (scores.length !== B) throw new RangeError(`RLHFPPO: the reward function returned ${scores.length} scores for ${B} completions`);
    const tb: TokenSteps = { B, T: W, mask: batch.mask };
    const klCoef = this.kl.value;
    const { rewards, kl } = klShapedRewards(tb, scores, logp, refLogp, klCoef, c.klPenalty);
    const { advantages, returns } = tokenGae(tb, rewards, values, c.gamma, c.lambda);
    const adv = c.whitenAdvantages ? maskedWhiten(advantages, batch.mask) : advantages;
    const stats = await this.update(batch, logp.slice(), values.slice(), adv, returns);
    let tokens = 0;
    let entSum = 0;
    for (let i = 0; i < n; i++) if (batch.mask[i]) (tokens++, (entSum += ent[i]));
    const meanKl = kl.reduce((a, x) => a + x, 0) / B;
    this.kl.update(meanKl, B);
    this.numTimesteps += B;
    const trueScores = trueRaw === undefined ? undefined : Float32Array.from(trueRaw);
    this.lastSamples = { prompts, completions, scores, kl, trueScores };
    const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;
    const losses: Record<string, number> = { score: mean(scores), kl: meanKl, klCoef, entropy: entSum / Math.max(tokens, 1), completionLength: tokens / B, ...stats };
    if (trueScores) losses.trueScore = mean(trueScores);
    const episodes = Array.from({ length: B }, (_, b) => ({ return: scores[b] - klCoef * kl[b], length: batch.completionLengths[b] }));
    return { steps: B, episodes, losses };
  }

  /** ppoEpochs passes of clipped PPO over minibatches of the rollout's completions; mean statistics, one read. */
  private async update(batch: LMTokenBatch, oldLogp: Float32Array, oldValues: Float32Array, adv: Float32Array, returns: Float32Array): Promise<Record<string, number>> {
    const c = this.config;
    const B = batch.batch;
    const T = batch.length;
    const W = T - 1;
    const vars = [...this.policy.variables, ...this.value.variables];
    const stats: Tensor[] = [];
    const rows = (src: ArrayLike<number>, idx: number[], width: number) => {
      const out = new Float32Array(idx.length * width);
      idx.forEach((r, k) => out.set((src as Float32Array).subarray(r * width, (r + 1) * width), k * width));
      return out;
    };
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      const order = this.rng.shuffle(Array.from({ length: B }, (_, i) => i));
      for (let start = 0; start < B; start += c.miniBatchSize) {
        const idx = order.slice(start, start + c.miniBatchSize);
        const m = idx.length;
        const ids = new Int32Array(m * T);
        idx.forEach((r, k) => ids.set(batch.ids.subarray(r * T, (r + 1) * T), k * T));
        const { value, grads } = tf.variableGrads(() => {
          const idsT = tf.tensor2d(ids, [m, T], "int32");
          const mask = tf.tensor2d(rows(batch.mask, idx, W), [m, W]);
          const a = tf.tensor2d(rows(adv, idx, W), [m, W]);
          const ret = tf.tensor2d(rows(returns, idx, W), [m, W]);
          const oldLp = tf.tensor2d(rows(oldLogp, idx, W), [m, W]);
          const oldV = tf.tensor2d(rows(oldValues, idx, W), [m, W]);
          const lp = this.policy.tokenLogProbs(idsT, c.temperature);
          const ratio = tf.exp(tf.sub(lp, oldLp));
          const pg = tf.maximum(tf.mul(tf.neg(a), ratio), tf.mul(tf.neg(a), tf.clipByValue(ratio, 1 - c.clipRange, 1 + c.clipRange)));
          const policyLoss = maskedMean(pg, mask);
          const v = this.value.apply(tf.slice(idsT, [0, 0], [m, W]));
          const vClipped = tf.add(oldV, tf.clipByValue(tf.sub(v, oldV), -c.clipRangeValue, c.clipRangeValue));
          const valueLoss = tf.mul(maskedMean(tf.maximum(tf.square(tf.sub(v, ret)), tf.square(tf.sub(vClipped, ret))), mask), 0.5);
          const loss = tf.add(policyLoss, tf.mul(valueLoss, c.vfCoef));
          const d = tf.sub(lp, oldLp);
          const clipFrac = maskedMean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clipRange), "float32"), mask);
          const approxKl = tf.mul(maskedMean(tf.square(d), mask), 0.5);
          stats.push(tf.keep(tf.stack([policyLoss, valueLoss, clipFrac, approxKl])));
          return loss as tf.Scalar;
        }, vars);
        tf.dispose(this.opt.apply(vars.map((x) => grads[x.name])));
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    const mean = tf.tidy(() => tf.mean(tf.stack(stats), 0));
    const v = await mean.data();
    tf.dispose([mean, ...stats]);
    return { policyLoss: v[0], valueLoss: v[1], clipFraction: v[2], approxKl: v[3] };
  }

  /** Releases the value model, the optimizer and the reference (when this learner made it). */
  dispose(): void {
    this.value.dispose();
    this.opt.dispose();
    if (this.ownsReference) this.reference.dispose();
  }
}

