/**
 * GRPO, Group Relative Policy Optimization (Shao et al. 2024, "DeepSeekMath", section 4.1), on a
 * {@link LanguageModel} with a task's checkable rewards. Per iteration:
 *
 *   1. draw `promptsPerIteration` prompts; sample `groupSize` completions of each (temperature,
 *      top-k, KV cache) from the current policy, which is also pi_old;
 *   2. reward each completion; its advantage is its reward minus the mean of its group, divided
 *      by the group's standard deviation (`scaleRewards`; Dr. GRPO drops the division), the same
 *      for every token of the completion: no value network;
 *   3. `updatesPerIteration` gradient steps (DeepSeekMath's mu) on the clipped surrogate with a
 *      per-token KL penalty to the frozen reference (the k3 estimator, DeepSeekMath eq. 4):
 *        loss_t = -min(r_t A, clip(r_t, 1 - eps, 1 + eps) A) + beta * k3_t,
 *        r_t = pi(o_t | q, o_<t) / pi_old(o_t | q, o_<t),
 *      averaged over each completion's tokens then over completions ("sequence", eq. 3) or over
 *      all tokens of the batch ("token", as DAPO and TRL's later default).
 *
 * `train(grpo, {steps: 100})` runs 100 iterations. Each completion is reported to `train()` as
 * an episode whose return is its reward, so `episodeReturn` is the mean reward; the records also
 * hold `accuracy` (fraction with reward 1), `kl` (k3 per token), `klK1`, `entropy`,
 * `clipFraction`, `completionLength` and `loss`. `samples` holds the last iteration's texts.
 *
 *   const grpo = new GRPO(lm, additionTask({digits: 2}), {groupSize: 8, beta: 0.04});
 *   await train(grpo, {steps: 200, live: {y: "accuracy"}});
 *
 * The policy's probabilities in the loss are at temperature 1 (the model's own distribution);
 * sampling uses `temperature`, so with temperature 1 (the default) pi_old is the sampler.
 */
import { Rng } from "../core/rng.js";
import { resolveConfig, type ConfigCheck, type EpisodeRecord, type IterationResult, type Trainable } from "../algos/base.js";
import { Adam } from "../nn/optimizers.js";
import { tf, type Tensor } from "../nn/tf.js";
import { klK1, klK3, maskedMean } from "./kl.js";
import { LanguageModel, gatherLogProbs, tokenEntropy } from "./model.js";
import type { RLTask } from "./tasks.js";
import { TrainerCheckpoint, saveTrainer } from "./trainer-checkpoint.js";

/** Hyperparameters of {@link GRPO}; defaults from DeepSeekMath / TRL's GRPOConfig unless noted. */
export interface GRPOConfig {
  /** Completions per prompt, G (TRL num_generations: 8; DeepSeekMath: 64). */
  groupSize: number;
  /** Prompts per iteration (DeepSeekMath: 1024 per step at 7B; small here). */
  promptsPerIteration: number;
  /** Adam step size (DeepSeekMath: 1e-6 for a 7B model; a ~50k-parameter model needs far more). */
  learningRate: number;
  /** KL coefficient beta (DeepSeekMath: 0.04; TRL used 0.04 and now defaults to 0, no reference). */
  beta: number;
  /** Clip range epsilon of the ratio (TRL epsilon: 0.2). */
  clipEpsilon: number;
  /** Gradient steps per batch of samples, mu (DeepSeekMath and TRL num_iterations: 1). */
  updatesPerIteration: number;
  /** Sampling temperature (TRL: 1.0). */
  temperature: number;
  /** Sample among the k most likely tokens only (0: all; TRL top_k: 0 / None). */
  topK: number;
  /** Most completion tokens, `<eos>` included (null: the task's maxCompletionTokens, else what the context leaves). */
  maxCompletionTokens: number | null;
  /** Divide advantages by the group's reward std (TRL scale_rewards: true; Dr. GRPO, Liu et al. 2025: false). */
  scaleRewards: boolean;
  /** "sequence": mean over each completion's tokens, then over completions (DeepSeekMath eq. 3); "token": over all tokens. */
  lossAggregation: "sequence" | "token";
  /** Clip the global gradient norm (TRL max_grad_norm: 1.0); null: no clipping. */
  maxGradNorm: number | null;
  /** Seed of prompts and sampling. */
  seed: number;
}

export const GRPO_DEFAULTS: Readonly<GRPOConfig> = Object.freeze({
  groupSize: 8,
  promptsPerIteration: 8,
  learningRate: 1e-4,
  beta: 0.04,
  clipEpsilon: 0.2,
  updatesPerIteration: 1,
  temperature: 1,
  topK: 0,
  maxCompletionTokens: null,
  scaleRewards: true,
  lossAggregation: "sequence",
  maxGradNorm: 1,
  seed: 0,
});

function checkGRPO(check: ConfigCheck): void {
  check.number("groupSize", { min: 2, integer: true });
  check.number("promptsPerIteration", { min: 1, integer: true });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("beta", { min: 0 });
  check.number("clipEpsilon", { min: 0, gtMin: true });
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.number("temperature", { min: 0, gtMin: true });
  check.number("topK", { min: 0, integer: true });
  check.number("maxCompletionTokens", { min: 1, integer: true, optional: true });
  check.bool("scaleRewards");
  check.oneOf("lossAggregation", ["sequence", "token"]);
  check.number("maxGradNorm", { min: 0, gtMin: true, optional: true });
  check.number("seed", { min: 0, integer: true });
}

/** One sampled completion of the last iteration. */
export interface GRPOSample {
  prompt: string;
  completion: string;
  reward: number;
  advantage: number;
}

/**
 * Group-relative advantages: (r - mean of its group) / (std of its group + 1e-4) with `scale`,
 * else r - mean. Groups are consecutive runs of `groupSize` rewards; the std is the unbiased
 * one (torch's default, as TRL computes it).
 */
export function groupAdvantages(rewards: ArrayLike<number>, groupSize: number, scale = true): Float32Array {
  if (rewards.length % groupSize !== 0) throw new RangeError(`groupAdvantages: ${rewards.length} rewards do not split into groups of ${groupSize}`);
  const out = new Float32Array(rewards.length);
  for (let g = 0; g < rewards.length; g += groupSize) {
    let m = 0;
    for (let i = 0; i < groupSize; i++) m += rewards[g + i];
    m /= groupSize;
    let v = 0;
    for (let i = 0; i < groupSize; i++) v += (rewards[g + i] - m) ** 2;
    const std = Math.sqrt(v / Math.max(groupSize - 1, 1));
    for (let i = 0; i < groupSize; i++) out[g + i] = scale ? (rewards[g + i] - m) / (std + 1e-4) : rewards[g + i] - m;
  }
  return out;
}

/** GRPO on a language model (see the module comment). */
export class GRPO implements Trainable {
  readonly algo = "GRPO";
  readonly config: Readonly<GRPOConfig>;
  /** The frozen reference (KL anchor): the policy's weights when GRPO was built, unless one is given. */
  readonly reference: LanguageModel;
  /** Iterations run (one sampling round + its updates each). */
  numTimesteps = 0;
  readonly rng: Rng;
  /** The last iteration's completions, rewards and advantages. */
  samples: GRPOSample[] = [];
  private readonly opt: Adam;
  private ownsReference: boolean;

  constructor(
    readonly policy: LanguageModel,
    readonly task: RLTask,
    config: Partial<GRPOConfig> = {},
    options: { reference?: LanguageModel } = {},
  ) {
    if (!(policy instanceof LanguageModel)) throw new TypeError("GRPO: the first argument must be a LanguageModel");
    if (policy.frozen) throw new TypeError("GRPO: the policy is a frozen reference (from reference()); train the model itself or a clone()");
    if (!task || typeof task.samplePrompts !== "function" || typeof task.rewards !== "function") throw new TypeError("GRPO: task must provide samplePrompts(n, rng) and rewards(prompts, completions) (e.g. additionTask())");
    this.config = resolveConfig("GRPO", GRPO_DEFAULTS, config, checkGRPO);
    const ref = options.reference;
    if (ref && (ref.tokenizer.alphabet !== policy.tokenizer.alphabet || ref.numParams !== policy.numParams)) throw new RangeError("GRPO: the reference model must have the policy's tokenizer and size");
    this.reference = ref ?? policy.reference();
    this.ownsReference = !ref;
    this.rng = new Rng(this.config.seed);
    this.opt = new Adam(policy.variables, { lr: this.config.learningRate, maxGradNorm: this.config.maxGradNorm ?? undefined });
  }

  beginTraining(_steps: number): void {}

  /** Samples, rewards and updates once (see the module comment); one read per generated token step and one per update. */
  async learnIteration(): Promise<IterationResult> {
    const c = this.config;
    const G = c.groupSize;
    const prompts = this.task.samplePrompts(c.promptsPerIteration, this.rng);
    const repeated = prompts.flatMap((p) => Array<string>(G).fill(p));
    const longest = 1 + Math.max(...repeated.map((p) => [...p].length));
    const room = this.policy.config.contextLength - longest;
    const maxTokens = Math.min(c.maxCompletionTokens ?? this.task.maxCompletionTokens ?? room, room);
    const gens = await this.policy.generate(repeated, { temperature: c.temperature, topK: c.topK, maxTokens, rng: this.rng });
    const completions = gens.map((g) => g.text);
    const rewards = Float32Array.from(await this.task.rewards(repeated, completions));
    if (rewards.length !== repeated.length || rewards.some((r) => !Number.isFinite(r))) throw new RangeError(`GRPO: the task's rewards must be ${repeated.length} finite numbers, got ${rewards.length} (${[...rewards.slice(0, 4)].join(", ")}...)`);
    const adv = groupAdvantages(rewards, G, c.scaleRewards);
    this.samples = repeated.map((prompt, i) => ({ prompt, completion: completions[i], reward: rewards[i], advantage: adv[i] }));

    const b = this.policy.encodeTokens(repeated, gens.map((g) => g.tokens));
    const { batch: B, length: T } = b;
    const ids = LanguageModel.idsTensor(b);
    const mask = LanguageModel.maskTensor(b);
    const A = tf.tensor2d(adv, [B, 1]);
    const input = tf.slice(ids, [0, 0], [B, T - 1]);
    const target = tf.slice(ids, [0, 1], [B, T - 1]);
    // pi_old (the sampler) and pi_ref per token, fixed during the updates.
    const oldLogp = tf.tidy(() => gatherLogProbs(this.policy.logits(input), target));
    const refLogp = tf.tidy(() => gatherLogProbs(this.reference.logits(input), target));
    const seqLen = tf.tidy(() => tf.maximum(tf.sum(mask, 1), 1));
    const stats: Tensor[] = [];
    for (let u = 0; u < c.updatesPerIteration; u++) {
      let st: Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const logits = this.policy.logits(input);
        const logp = gatherLogProbs(logits, target);
        const ratio = tf.exp(tf.sub(logp, oldLogp));
        const clipped = tf.clipByValue(ratio, 1 - c.clipEpsilon, 1 + c.clipEpsilon);
        const surrogate = tf.minimum(tf.mul(ratio, A), tf.mul(clipped, A));
        const k3 = klK3(logp, refLogp);
        const perToken = tf.add(tf.neg(surrogate), tf.mul(k3, c.beta));
        const loss = (c.lossAggregation === "sequence" ? tf.mean(tf.div(tf.sum(tf.mul(perToken, mask), 1), seqLen)) : maskedMean(perToken, mask)) as tf.Scalar;
        const clipFrac = maskedMean(tf.cast(tf.notEqual(ratio, clipped), "float32"), mask);
        st = tf.keep(tf.stack([loss, maskedMean(k3, mask), maskedMean(klK1(logp, refLogp), mask), maskedMean(tokenEntropy(logits), mask), clipFrac]));
        return loss;
      }, this.policy.variables);
      const norm = this.opt.apply(this.policy.variables.map((v) => grads[v.name]));
      tf.dispose([value, norm as Tensor, ...Object.values(grads)]);
      stats.push(st!);
    }
    const mean = tf.tidy(() => tf.mean(tf.stack(stats), 0));
    const v = await mean.data();
    tf.dispose([mean, ...stats, ids, mask, A, input, target, oldLogp, refLogp, seqLen]);
    this.numTimesteps++;
    const episodes: EpisodeRecord[] = gens.map((g, i) => ({ return: rewards[i], length: g.tokens.length }));
    const meanReward = rewards.reduce((a, x) => a + x, 0) / B;
    return {
      steps: 1,
      episodes,
      losses: {
        loss: v[0],
        kl: v[1],
        klK1: v[2],
        entropy: v[3],
        clipFraction: v[4],
        reward: meanReward,
        accuracy: rewards.filter((r) => r === 1).length / B,
        completionLength: gens.reduce((a, g) => a + g.tokens.length, 0) / B,
      },
    };
  }

  /**
   * Writes a checkpoint: policy, frozen reference, Adam's moments and step, the prompt / sampling
   * generator and the iteration count, so that {@link GRPO.load} continues the run exactly.
   */
  async save(dir: string): Promise<void> {
    await saveTrainer(dir, { algo: this.algo, config: this.config, models: { policy: this.policy, reference: this.reference }, optimizers: { adam: this.opt }, rng: this.rng.state, numTimesteps: this.numTimesteps });
  }

  /**
   * Resumes a run saved by {@link save} on `task` (given again): the policy is `grpo.policy`, the
   * reference the saved one. `overrides` change config fields.
   */
  static async load(dir: string, task: RLTask, overrides: Partial<GRPOConfig> = {}): Promise<GRPO> {
    const ck = await TrainerCheckpoint.open(dir, "GRPO");
    const policy = ck.model("policy");
    const reference = ck.model("reference");
    try {
      const g = new GRPO(policy, task, { ...(ck.config as Partial<GRPOConfig>), ...overrides }, { reference });
      g.ownsReference = true;
      ck.restoreOptimizer("adam", g.opt);
      if (overrides.learningRate !== undefined) g.opt.lr = g.config.learningRate;
      g.rng.state = ck.rng;
      g.numTimesteps = ck.numTimesteps;
      return g;
    } catch (e) {
      policy.dispose();
      reference.dispose();
      throw e;
    }
  }

  /** Releases the optimizer (and the reference GRPO made itself); the policy is the caller's. */
  dispose(): void {
    this.opt.dispose();
    if (this.ownsReference) this.reference.dispose();
  }
}
