/**
 * PPO: Proximal Policy Optimization (Schulman et al. 2017), clipped objective, GAE, value
 * clipping, entropy bonus, minibatch epochs, learning-rate (and clip-range) annealing, optional
 * observation / reward normalization; discrete (Categorical) and continuous (DiagGaussian with a
 * state-independent log-std) actions.
 *
 * Reads like CleanRL's ppo.py / ppo_continuous_action.py: collect `nSteps` steps from every copy
 * of the vector env, compute advantages, then `nEpochs` passes of shuffled minibatches.
 * Defaults are CleanRL's ppo.py (cleanrl/ppo.py `Args`), which match SB3's PPO except where noted;
 * `PPO.presets` holds RL-Zoo's tuned settings (rl-baselines3-zoo hyperparams/ppo.yml).
 *
 * Speed: acting is one batched forward per vector step (both networks, one read-back), sampling
 * happens in plain JS with the agent's seeded Rng; an update step is one fused forward/backward
 * (see nn/mlp.ts) and one fused Adam step, with no read-back until the update's end.
 */
import type { VectorEnv } from "../core/vector.js";
import type { RngState } from "../core/rng.js";
import { Rng } from "../core/rng.js";
import { RolloutBuffer, gatherRows } from "../buffers/rollout.js";
import { Adam, RMSprop, type Optimizer } from "../nn/adam.js";
import { ensureBackend } from "../nn/backend.js";
import { restoreNetwork, writeCheckpoint, type LoadedCheckpoint } from "../nn/checkpoint.js";
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { MLP, mlpGrads, type Activation } from "../nn/mlp.js";
import { RunningNormalizer } from "../nn/normalize.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import {
  ConfigError,
  EpisodeTracker,
  ObsEncoder,
  actionSpec,
  agentRng,
  checkBool,
  checkLayers,
  checkNumber,
  checkOneOf,
  clipActions,
  meanStats,
  obsRows,
  presetConfig,
  resolveConfig,
  type ActOptions,
  type ActionSpec,
  type Agent,
  type EpisodeRecord,
  type IterationResult,
  type Presets,
} from "./base.js";
import { checkEnvSignature, envSignature, readAgentCheckpoint, restoreOptimizer, restoreVariable, saveOptimizer, type CheckpointArrays } from "./checkpointing.js";

export interface PPOConfig {
  /** Adam step size (CleanRL 2.5e-4; SB3 3e-4). */
  learningRate: number;
  /** Anneal the learning rate linearly to 0 over the training run (CleanRL `anneal_lr` True). */
  annealLr: boolean;
  /** Steps per env per rollout (CleanRL `num_steps` 128; SB3 `n_steps` 2048). */
  nSteps: number;
  /** Minibatch size (CleanRL: 4 envs x 128 steps / `num_minibatches` 4 = 128; SB3 64). */
  batchSize: number;
  /** Passes over each rollout (CleanRL `update_epochs` 4; SB3 `n_epochs` 10). */
  nEpochs: number;
  /** Discount (0.99). */
  gamma: number;
  /** GAE lambda (0.95). */
  gaeLambda: number;
  /** Surrogate clipping coefficient (0.2). */
  clipRange: number;
  /** Anneal the clip range linearly to 0 (RL-Zoo's `lin_0.2`); default false. */
  annealClipRange: boolean;
  /** Clip the value update to this distance from the old values; null: no clipping (CleanRL `clip_vloss` True with 0.2; SB3 None). */
  clipRangeVf: number | null;
  /** Normalize advantages per minibatch (True in both). */
  normalizeAdvantage: boolean;
  /** Entropy bonus coefficient (CleanRL 0.01; SB3 0.0). */
  entCoef: number;
  /** Value loss coefficient (0.5); the value loss is mean((V - R)^2) as in SB3. */
  vfCoef: number;
  /** Global gradient-norm clip (0.5). */
  maxGradNorm: number;
  /** Stop an update's epochs early when the approximate KL exceeds this; null: never (default). */
  targetKl: number | null;
  /** Adam epsilon (CleanRL 1e-5). */
  adamEps: number;
  /** Hidden layers of the actor and of the critic, separate networks (64, 64). */
  netArch: number[];
  /** Hidden activation (tanh, as both CleanRL and SB3 use for PPO). */
  activation: Activation;
  /** Initial log standard deviation for continuous actions (0). */
  logStdInit: number;
  /** Normalize observations with running statistics (CleanRL continuous / SB3 VecNormalize; off by default). */
  normalizeObs: boolean;
  /** Scale rewards by the running std of the discounted return (off by default). */
  normalizeReward: boolean;
  /** Seed of the agent's generator (network init, action sampling, minibatch shuffling, env resets). */
  seed: number | undefined;
}

/** CleanRL ppo.py defaults. */
export const PPO_DEFAULTS: Readonly<PPOConfig> = Object.freeze({
  learningRate: 2.5e-4,
  annealLr: true,
  nSteps: 128,
  batchSize: 128,
  nEpochs: 4,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipRange: 0.2,
  annealClipRange: false,
  clipRangeVf: 0.2,
  normalizeAdvantage: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  adamEps: 1e-5,
  netArch: [64, 64],
  activation: "tanh",
  logStdInit: 0,
  normalizeObs: false,
  normalizeReward: false,
  seed: undefined,
});

/**
 * Tuned settings per env id. RL-Zoo's ppo.yml (use with `make(id, {numEnvs})` of the given size):
 * - CartPole-v1: n_envs 8, n_timesteps 1e5, n_steps 32, batch_size 256, gae_lambda 0.8,
 *   gamma 0.98, n_epochs 20, ent_coef 0.0, learning_rate lin_0.001, clip_range lin_0.2.
 * - Pendulum-v1: n_envs 4, n_timesteps 1e5, n_steps 1024, gae_lambda 0.95, gamma 0.9,
 *   n_epochs 10, ent_coef 0.0, learning_rate 1e-3, clip_range 0.2, use_sde True (not here).
 * "CartPole-v1/fast" is rlbook's: the same hyperparameters with 16 envs, 64-step rollouts,
 * 512-sample minibatches and 10 epochs: ~4x fewer gradient steps for the same data (see
 * bench/train.ts for measured time and steps to solve).
 */
export const PPO_PRESETS: Presets<PPOConfig> = {
  "CartPole-v1": {
    numEnvs: 8,
    steps: 100_000,
    config: { nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, nEpochs: 20, entCoef: 0.0, learningRate: 1e-3, annealLr: true, clipRange: 0.2, annealClipRange: true, clipRangeVf: null },
  },
  "CartPole-v1/fast": {
    numEnvs: 16,
    steps: 100_000,
    config: { nSteps: 64, batchSize: 512, gaeLambda: 0.8, gamma: 0.98, nEpochs: 10, entCoef: 0.0, learningRate: 1e-3, annealLr: true, clipRange: 0.2, annealClipRange: true, clipRangeVf: null },
  },
  "Pendulum-v1": {
    numEnvs: 4,
    steps: 100_000,
    config: { nSteps: 1024, batchSize: 64, gaeLambda: 0.95, gamma: 0.9, nEpochs: 10, entCoef: 0.0, learningRate: 1e-3, clipRange: 0.2, annealLr: false, clipRangeVf: null },
  },
};

function validate(c: PPOConfig, numEnvs: number): void {
  const A = "PPO";
  checkNumber(A, c, "learningRate", { min: 0, gtMin: true });
  checkBool(A, c, "annealLr");
  checkNumber(A, c, "nSteps", { min: 1, integer: true });
  checkNumber(A, c, "batchSize", { min: 1, integer: true });
  if (c.batchSize > c.nSteps * numEnvs) {
    throw new ConfigError(A, "batchSize", c.batchSize, `an integer from 1 to nSteps x numEnvs = ${c.nSteps} x ${numEnvs} = ${c.nSteps * numEnvs} (the rollout size)`);
  }
  checkNumber(A, c, "nEpochs", { min: 1, integer: true });
  checkNumber(A, c, "gamma", { min: 0, max: 1 });
  checkNumber(A, c, "gaeLambda", { min: 0, max: 1 });
  checkNumber(A, c, "clipRange", { min: 0, gtMin: true });
  checkBool(A, c, "annealClipRange");
  checkNumber(A, c, "clipRangeVf", { min: 0, gtMin: true, optional: true });
  checkBool(A, c, "normalizeAdvantage");
  checkNumber(A, c, "entCoef", { min: 0 });
  checkNumber(A, c, "vfCoef", { min: 0 });
  checkNumber(A, c, "maxGradNorm", { min: 0, gtMin: true });
  checkNumber(A, c, "targetKl", { min: 0, gtMin: true, optional: true });
  checkNumber(A, c, "adamEps", { min: 0, gtMin: true });
  checkLayers(A, c, "netArch");
  checkOneOf(A, c, "activation", ["tanh", "relu"]);
  checkNumber(A, c, "logStdInit", {});
  checkBool(A, c, "normalizeObs");
  checkBool(A, c, "normalizeReward");
  checkNumber(A, c, "seed", { min: 0, integer: true, optional: true });
}

/** How a subclass (A2C) changes PPO: its name, objective and optimizer. */
export interface OnPolicyVariant {
  algo: string;
  /** "clip": PPO's clipped surrogate; "pg": the plain policy gradient -A log pi (A2C). */
  objective: "clip" | "pg";
  optimizer: { kind: "adam" } | { kind: "rmsprop"; alpha: number; eps: number };
}

export class PPO implements Agent {
  readonly algo: string;
  protected readonly variant: OnPolicyVariant;
  readonly config: Readonly<PPOConfig>;
  readonly actor: MLP;
  readonly critic: MLP;
  /** Continuous actions: the state-independent log standard deviation [1, dim]. */
  readonly logStd: Variable | undefined;
  readonly optimizer: Optimizer;
  numTimesteps = 0;
  /** Updates done. */
  numUpdates = 0;
  readonly rng: Rng;
  readonly obsRms: RunningNormalizer | undefined;
  readonly retRms: RunningNormalizer | undefined;
  private readonly enc: ObsEncoder;
  private readonly act_: ActionSpec;
  private readonly actDim: number;
  private readonly buffer: RolloutBuffer;
  private readonly tracker: EpisodeTracker;
  private obs: Float32Array | undefined;
  private discReturn: Float64Array;
  private scheduleStart = 0;
  private scheduleEnd = 1;

  constructor(
    readonly env: VectorEnv,
    config: Partial<PPOConfig> = {},
    variant: OnPolicyVariant = { algo: "PPO", objective: "clip", optimizer: { kind: "adam" } },
  ) {
    this.algo = variant.algo;
    this.variant = variant;
    this.config = resolveConfig("PPO", PPO_DEFAULTS, config, (c) => validate(c, env.numEnvs));
    const c = this.config;
    this.enc = new ObsEncoder(env.singleObservationSpace, "PPO");
    this.act_ = actionSpec(env.singleActionSpace, "PPO", ["discrete", "box"]);
    this.actDim = this.act_.kind === "discrete" ? 1 : this.act_.dim;
    this.rng = agentRng(c.seed);
    const initRng = this.rng.split();
    const outDim = this.act_.kind === "discrete" ? this.act_.n : this.act_.dim;
    // CleanRL: hidden layers orthogonal(sqrt 2), policy head gain 0.01, value head gain 1.
    this.actor = new MLP(this.enc.inputDim, outDim, { hidden: c.netArch, activation: c.activation, outputGain: 0.01, rng: initRng, name: "actor" });
    this.critic = new MLP(this.enc.inputDim, 1, { hidden: c.netArch, activation: c.activation, outputGain: 1, rng: initRng, name: "critic" });
    const vars = [...this.actor.variables, ...this.critic.variables];
    if (this.act_.kind === "box") {
      this.logStd = tf.variable(tf.fill([1, this.act_.dim], c.logStdInit), true);
      vars.push(this.logStd);
    }
    const o = variant.optimizer;
    this.optimizer =
      o.kind === "adam"
        ? new Adam(vars, { lr: c.learningRate, eps: c.adamEps, maxGradNorm: c.maxGradNorm })
        : new RMSprop(vars, { lr: c.learningRate, alpha: o.alpha, eps: o.eps, maxGradNorm: c.maxGradNorm });
    this.obsRms = c.normalizeObs ? new RunningNormalizer(this.enc.inputDim) : undefined;
    this.retRms = c.normalizeReward ? new RunningNormalizer(1) : undefined;
    this.buffer = new RolloutBuffer(c.nSteps, env.numEnvs, this.enc.inputDim, this.actDim);
    this.tracker = new EpisodeTracker(env.numEnvs);
    this.discReturn = new Float64Array(env.numEnvs);
  }

  /** Builds a PPO agent for a preset of {@link PPO_PRESETS} (config overrides on top). */
  static preset(name: string, env: VectorEnv, overrides: Partial<PPOConfig> = {}): PPO {
    return new PPO(env, { ...presetConfig("PPO", PPO_PRESETS, name), ...overrides });
  }

  // ---- acting ----------------------------------------------------------------------------

  /** Network inputs for k raw observation rows (encoded, normalized with frozen statistics). */
  private inputs(raw: ArrayLike<number>, k: number): Float32Array {
    const x = this.enc.encode(raw, k);
    return this.obsRms ? this.obsRms.normalize(x, x) : x;
  }

  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    const x = this.inputs(obs, k);
    const out = tf.tidy(() => this.actor.apply(tf.tensor2d(x, [k, this.enc.inputDim])));
    const head = out.dataSync();
    out.dispose();
    if (this.act_.kind === "discrete") {
      const a = Categorical.sample(head, this.act_.n, this.rng, new Int32Array(k), deterministic);
      if (this.act_.start) for (let i = 0; i < k; i++) a[i] += this.act_.start;
      return a;
    }
    const ls = this.logStd!.dataSync();
    const a = DiagGaussian.sample(head, ls, this.act_.dim, this.rng, new Float32Array(k * this.act_.dim), deterministic);
    return clipActions(a, this.act_);
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): number | Int32Array | Float32Array {
    const { data, k, single } = obsRows(obs, this.enc.rawDim);
    const a = this.actBatch(data, k, options.deterministic ?? false);
    if (single && this.act_.kind === "discrete") return a[0];
    return a;
  }

  // ---- training ----------------------------------------------------------------------------

  beginTraining(steps: number): void {
    this.scheduleStart = this.numTimesteps;
    this.scheduleEnd = this.numTimesteps + steps;
    // Fresh episodes from seeds drawn from the agent's generator: a run resumed from a
    // checkpoint continues exactly like the original.
    const seed = this.rng.integer(2 ** 31);
    this.obs = this.env.reset({ seed }).obs;
    this.tracker.reset();
    this.discReturn.fill(0);
  }

  /** Fraction of the scheduled run still to go (1 -> 0), as SB3's progress_remaining. */
  private progressRemaining(): number {
    const span = this.scheduleEnd - this.scheduleStart;
    if (span <= 0) return 1;
    return Math.max(0, 1 - (this.numTimesteps - this.scheduleStart) / span);
  }

  learnIteration(): IterationResult {
    if (!this.obs) this.beginTraining(1e9);
    const c = this.config;
    const frac = this.progressRemaining();
    if (c.annealLr) this.optimizer.lr = frac * c.learningRate;
    const clip = c.annealClipRange ? Math.max(frac * c.clipRange, 1e-8) : c.clipRange;
    const episodes: EpisodeRecord[] = [];
    const stepsBefore = this.numTimesteps;
    const lastValues = this.collect(episodes);
    this.buffer.computeAdvantages(lastValues, c.gamma, c.gaeLambda);
    const losses = this.update(clip);
    losses.learningRate = this.optimizer.lr;
    losses.clipRange = clip;
    return { steps: this.numTimesteps - stepsBefore, episodes, losses };
  }

  /** Fills the rollout buffer; returns V(s_T) of the observation after the last step. */
  private collect(episodes: EpisodeRecord[]): Float32Array {
    const c = this.config;
    const N = this.env.numEnvs;
    const D = this.enc.inputDim;
    const buf = this.buffer;
    const isDiscrete = this.act_.kind === "discrete";
    const outDim = this.actor.outputDim;
    const x = new Float32Array(N * D);
    const actions = isDiscrete ? new Int32Array(N) : new Float32Array(N * this.actDim);
    const envActions = isDiscrete ? new Int32Array(N) : new Float32Array(N * this.actDim);
    const logp = new Float32Array(N);
    const values = new Float32Array(N);
    const rewards = new Float32Array(N);
    const ls = isDiscrete ? undefined : this.logStd!.dataSync();
    buf.reset();
    let autoreset: Uint8Array | undefined;
    for (let t = 0; t < c.nSteps; t++) {
      this.enc.encode(this.obs!, N, x);
      if (this.obsRms) {
        this.obsRms.update(x, N, autoreset ? autoreset.map((v) => 1 - v) : undefined);
        this.obsRms.normalize(x, x);
      }
      const out = tf.tidy(() => {
        const xt = tf.tensor2d(x, [N, D]);
        return tf.concat([this.actor.apply(xt), this.critic.apply(xt)], 1);
      });
      const o = out.dataSync();
      out.dispose();
      const head = new Float32Array(N * outDim);
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < outDim; j++) head[i * outDim + j] = o[i * (outDim + 1) + j];
        values[i] = o[i * (outDim + 1) + outDim];
      }
      if (isDiscrete) {
        Categorical.sample(head, outDim, this.rng, actions as Int32Array, false, logp);
        for (let i = 0; i < N; i++) envActions[i] = actions[i] + (this.act_ as { start: number }).start;
      } else {
        DiagGaussian.sample(head, ls!, this.actDim, this.rng, actions as Float32Array, false, logp);
        clipActions(actions as Float32Array, this.act_ as Extract<ActionSpec, { kind: "box" }>, envActions as Float32Array);
      }
      buf.addStep(x, actions, logp, values);
      const r = this.env.step(envActions);
      autoreset = r.info.autoreset;
      this.tracker.step(r.reward, r.terminated, r.truncated, autoreset, episodes);
      for (let i = 0; i < N; i++) rewards[i] = r.reward[i];
      if (this.retRms) this.scaleRewards(rewards, r.terminated, r.truncated, autoreset);
      buf.addOutcome(rewards, r.terminated, r.truncated, autoreset);
      let real = N;
      if (autoreset) for (let i = 0; i < N; i++) real -= autoreset[i];
      this.numTimesteps += real;
      this.obs = r.obs;
    }
    this.enc.encode(this.obs!, N, x);
    if (this.obsRms) this.obsRms.normalize(x, x);
    const v = tf.tidy(() => this.critic.apply(tf.tensor2d(x, [N, D])));
    const last = v.dataSync() as Float32Array;
    v.dispose();
    return last;
  }

  /** SB3 VecNormalize reward scaling: r / std(discounted return), clipped to [-10, 10]. */
  private scaleRewards(rewards: Float32Array, term: Uint8Array, trunc: Uint8Array, autoreset: Uint8Array | undefined): void {
    const N = rewards.length;
    const mask = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      if (autoreset && autoreset[i]) continue;
      this.discReturn[i] = this.discReturn[i] * this.config.gamma + rewards[i];
      mask[i] = 1;
    }
    this.retRms!.update(this.discReturn, N, mask);
    const std = Math.sqrt(this.retRms!.var[0] + 1e-8);
    for (let i = 0; i < N; i++) {
      rewards[i] = Math.max(-10, Math.min(10, rewards[i] / std));
      if (term[i] || trunc[i]) this.discReturn[i] = 0;
    }
  }

  /** nEpochs passes of shuffled minibatches over the valid transitions of the rollout. */
  private update(clip: number): Record<string, number> {
    const c = this.config;
    const buf = this.buffer;
    const idx = buf.validIndices();
    const n = idx.length;
    const D = this.enc.inputDim;
    const ad = this.actDim;
    const isDiscrete = this.act_.kind === "discrete";
    const stats: Tensor[] = [];
    let epochsDone = 0;
    for (let epoch = 0; epoch < c.nEpochs; epoch++) {
      shuffle(idx, this.rng);
      const epochStats: Tensor[] = [];
      for (let start = 0; start < n; start += c.batchSize) {
        const mb = idx.subarray(start, Math.min(n, start + c.batchSize));
        const B = mb.length;
        const obs = gatherRows(buf.obs, D, mb);
        const act = gatherRows(buf.actions, ad, mb);
        const oldLogp = gatherRows(buf.logProbs, 1, mb);
        const adv = gatherRows(buf.advantages, 1, mb);
        const ret = gatherRows(buf.returns, 1, mb);
        const oldV = gatherRows(buf.values, 1, mb);
        if (c.normalizeAdvantage && B > 1) normalizeInPlace(adv);
        const s = tf.tidy(() => {
          const xt = tf.tensor2d(obs, [B, D]);
          const at = isDiscrete ? tf.tensor1d(Int32Array.from(act), "int32") : tf.tensor2d(act, [B, ad]);
          const oldLp = tf.tensor1d(oldLogp);
          const advT = tf.tensor1d(adv);
          const retT = tf.tensor1d(ret);
          const oldVT = tf.tensor1d(oldV);
          let out: Tensor[] = [];
          const head = (logits: Tensor, value: Tensor, logStd?: Tensor) => {
            const lp = isDiscrete ? Categorical.logProb(logits, at) : DiagGaussian.logProb(logits, logStd!, at);
            const ent = isDiscrete ? tf.mean(Categorical.entropy(logits)) : tf.mean(DiagGaussian.entropy(logStd!));
            const pieces = ppoLoss({ logp: lp, oldLogp: oldLp, adv: advT, value: tf.reshape(value, [-1]), oldValue: oldVT, returns: retT, clip, clipVf: c.clipRangeVf });
            // A2C: -A log pi(a|s) (same gradient as PPO's ratio objective at ratio = 1, without clipping).
            if (this.variant.objective === "pg") pieces.policyLoss = tf.neg(tf.mean(tf.mul(advT, lp)));
            // Kept past valueAndGrads' internal scope; disposed below once stacked.
            out = [pieces.policyLoss, pieces.valueLoss, ent, pieces.approxKl, pieces.clipFraction].map((t) => tf.keep(t));
            return tf.add(tf.sub(pieces.policyLoss, tf.mul(ent, c.entCoef)), tf.mul(pieces.valueLoss, c.vfCoef));
          };
          const g = isDiscrete
            ? mlpGrads([this.actor, this.critic], [xt, xt], head)
            : mlpGradsWithExtra([this.actor, this.critic], [xt, xt], [this.logStd!], head);
          const norm = this.optimizer.apply(g.grads);
          const st = tf.stack([g.loss, ...out, norm ?? tf.scalar(0)]);
          tf.dispose(out);
          norm?.dispose();
          return st;
        });
        epochStats.push(s);
      }
      stats.push(...epochStats);
      epochsDone++;
      if (c.targetKl !== null) {
        const kl = tf.tidy(() => tf.mean(tf.stack(epochStats.map((s) => tf.slice(s, [4], [1])))));
        const v = kl.dataSync()[0];
        kl.dispose();
        if (v > c.targetKl) break;
      }
    }
    this.numUpdates++;
    const v = meanStats(stats);
    // Explained variance of the value predictions (as CleanRL / SB3 log it).
    let ev = NaN;
    {
      let mr = 0;
      for (let k = 0; k < n; k++) mr += buf.returns[idx[k]];
      mr /= n || 1;
      let vr = 0;
      let vres = 0;
      let mres = 0;
      for (let k = 0; k < n; k++) mres += buf.returns[idx[k]] - buf.values[idx[k]];
      mres /= n || 1;
      for (let k = 0; k < n; k++) {
        const i = idx[k];
        vr += (buf.returns[i] - mr) ** 2;
        vres += (buf.returns[i] - buf.values[i] - mres) ** 2;
      }
      ev = vr > 0 ? 1 - vres / vr : NaN;
    }
    return {
      loss: v[0],
      policyLoss: v[1],
      valueLoss: v[2],
      entropy: v[3],
      approxKl: v[4],
      clipFraction: v[5],
      gradNorm: v[6],
      explainedVariance: ev,
      epochs: epochsDone,
    };
  }

  // ---- checkpoints ---------------------------------------------------------------------------

  /** Extra checkpoint metadata of a subclass. */
  protected extraMeta(): Record<string, unknown> {
    return {};
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    const adam = saveOptimizer("adam", this.optimizer, arrays);
    if (this.logStd) arrays["actor/log_std"] = this.logStd.dataSync() as Float32Array;
    await writeCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: {
        numTimesteps: this.numTimesteps,
        numUpdates: this.numUpdates,
        rng: this.rng.state,
        adam,
        obsRms: this.obsRms?.getState(),
        retRms: this.retRms?.getState(),
        env: envSignature(this.env),
        ...this.extraMeta(),
      },
      networks: { actor: this.actor, critic: this.critic },
      arrays,
    });
  }

  /**
   * Loads a checkpoint written by {@link save} for `env` (which must have the same spaces).
   * Training continues where it stopped: with the wasm backend, `train` on the loaded agent
   * gives the same weights, bit for bit, as training the original further.
   */
  static async load(dir: string, env: VectorEnv, overrides: Partial<PPOConfig> = {}): Promise<PPO> {
    const ck = await readAgentCheckpoint(dir, "PPO");
    return PPO.restore(dir, ck, env, (cfg) => new PPO(env, { ...cfg, ...overrides }));
  }

  /** @internal Restores networks, optimizer, counters and RNG into an agent built by `make`. */
  static restore<T extends PPO>(dir: string, ck: LoadedCheckpoint, env: VectorEnv, make: (cfg: Partial<PPOConfig>) => T): T {
    checkEnvSignature(dir, ck, env);
    const agent = make(ck.config as Partial<PPOConfig>);
    restoreNetwork(dir, ck, "actor", agent.actor);
    restoreNetwork(dir, ck, "critic", agent.critic);
    if (agent.logStd) restoreVariable(dir, ck, "actor/log_std", agent.logStd);
    restoreOptimizer(dir, ck, "adam", agent.optimizer);
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.numUpdates = ck.meta.numUpdates as number;
    agent.rng.state = ck.meta.rng as RngState;
    if (agent.obsRms && ck.meta.obsRms) agent.obsRms.setState(ck.meta.obsRms as never);
    if (agent.retRms && ck.meta.retRms) agent.retRms.setState(ck.meta.retRms as never);
    return agent;
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
    this.optimizer.dispose();
  }
}

/** The pieces of PPO's loss for a minibatch (all means over the batch). */
export function ppoLoss(a: { logp: Tensor; oldLogp: Tensor; adv: Tensor; value: Tensor; oldValue: Tensor; returns: Tensor; clip: number; clipVf: number | null }): {
  policyLoss: Tensor;
  valueLoss: Tensor;
  approxKl: Tensor;
  clipFraction: Tensor;
} {
  const logRatio = tf.sub(a.logp, a.oldLogp);
  const ratio = tf.exp(logRatio);
  const pg1 = tf.mul(tf.neg(a.adv), ratio);
  const pg2 = tf.mul(tf.neg(a.adv), tf.clipByValue(ratio, 1 - a.clip, 1 + a.clip));
  const policyLoss = tf.mean(tf.maximum(pg1, pg2));
  let valueLoss: Tensor;
  if (a.clipVf === null) {
    valueLoss = tf.mean(tf.square(tf.sub(a.value, a.returns)));
  } else {
    const vClipped = tf.add(a.oldValue, tf.clipByValue(tf.sub(a.value, a.oldValue), -a.clipVf, a.clipVf));
    valueLoss = tf.mean(tf.maximum(tf.square(tf.sub(a.value, a.returns)), tf.square(tf.sub(vClipped, a.returns))));
  }
  // Diagnostics (CleanRL's approx_kl, clipfrac); they are not part of the loss.
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), a.clip), "float32"));
  return { policyLoss, valueLoss, approxKl, clipFraction };
}

/** {@link mlpGrads} plus gradients for extra tensors the head reads directly (e.g. a log-std variable). */
export function mlpGradsWithExtra(nets: MLP[], inputs: Tensor[], extra: Tensor[], head: (...outs: Tensor[]) => Tensor): { loss: Tensor; grads: Tensor[] } {
  const fwd = nets.map((n, i) => n.forward(inputs[i]));
  const xs = [...fwd.map((f) => f.out), ...extra];
  const { value, grads: d } = tf.valueAndGrads((...ts: Tensor[]) => head(...ts) as tf.Scalar)(xs);
  const grads = nets.flatMap((n, i) => n.backward(fwd[i].cache, d[i]).grads);
  grads.push(...d.slice(nets.length));
  return { loss: value, grads };
}

function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** (x - mean) / (std + 1e-8) with the unbiased std, as torch's .std() in CleanRL. */
function normalizeInPlace(x: Float32Array): void {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  for (let i = 0; i < n; i++) x[i] = (x[i] - m) / (sd + 1e-8);
}
