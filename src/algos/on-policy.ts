/**
 * What the rollout-based actor-critic agents (PPO, A2C) share: the config fields both read,
 * actor and critic networks (separate, CleanRL's init) with a state-independent log-std for
 * continuous actions, acting, rollout collection (`nSteps` steps of every copy of the vector
 * env, autoreset steps masked), optional observation / reward normalization, GAE, the
 * learning-rate schedule, logging of the explained variance, and checkpoint plumbing. Each
 * algorithm's file holds its config extras, its optimizer and its update.
 */
import type { RngState } from "../core/rng.js";
import type { Rng } from "../core/rng.js";
import type { VectorEnv } from "../core/vector.js";
import { RolloutBuffer } from "../buffers/rollout.js";
import { restoreNetwork, type LoadedCheckpoint } from "../nn/checkpoint.js";
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { MLP, syncHostWeights, type Activation } from "../nn/mlp.js";
import { readFloats } from "../nn/read.js";
import { RunningNormalizer } from "../nn/normalize.js";
import type { Optimizer } from "../nn/optimizers.js";
import { tf, type Variable } from "../nn/tf.js";
import {
  EpisodeTracker,
  ObsEncoder,
  actionSpec,
  agentRng,
  clipActions,
  obsRow,
  resolveConfig,
  toVectorEnv,
  type ActOptions,
  type ActionOf,
  type ActionSpec,
  type Agent,
  type AgentEnv,
  type ConfigCheck,
  type EpisodeRecord,
  type IterationResult,
} from "./base.js";
import { buildFromCheckpoint, checkEnvSignature, envSignature, readAgentCheckpoint, restoreOptimizer, restoreVariable, saveOptimizer, writeAgentCheckpoint, type CheckpointArrays } from "./checkpointing.js";
import { linearSchedule, rateAt, TrainingProgress, type Rate } from "./schedules.js";

/** The config fields every on-policy agent reads. */
export interface OnPolicyConfig {
  /** Optimizer step size: a number or a schedule of training progress (see schedules.ts). */
  learningRate: Rate;
  /** Steps per env per rollout. */
  nSteps: number;
  /** Discount. */
  gamma: number;
  /** GAE lambda (1: plain n-step returns). */
  gaeLambda: number;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Normalize advantages (per minibatch). */
  normalizeAdvantage: boolean;
  /** Hidden layers of the actor and of the critic, separate networks. */
  netArch: number[];
  /** Hidden activation. */
  activation: Activation;
  /** Initial log standard deviation for continuous actions. */
  logStdInit: number;
  /** Normalize observations with running statistics (SB3 VecNormalize). */
  normalizeObs: boolean;
  /** Scale rewards by the running std of the discounted return. */
  normalizeReward: boolean;
  /** Seed of the agent's generator (network init, action sampling, minibatch shuffling, env resets). */
  seed: number | undefined;
}

/** Config keys that were replaced by schedules, and what to pass instead. */
export const REPLACED_BY_SCHEDULES: Readonly<Record<string, string>> = Object.freeze({
  annealLr: "pass learningRate: linearSchedule(lr, 0) to anneal it to 0 (a number keeps it constant)",
  annealClipRange: "pass clipRange: linearSchedule(0.2, 0) to anneal it to 0",
});

/**
 * A config saved before schedules replaced the booleans `annealLr` / `annealClipRange`, in
 * today's form (`learningRate: linearSchedule(lr, 0)` where annealLr was true).
 */
export function upgradeOnPolicyConfig(saved: Record<string, unknown>): Record<string, unknown> {
  const c = { ...saved };
  if ("annealLr" in c) {
    if (c.annealLr === true && typeof c.learningRate === "number") c.learningRate = linearSchedule(c.learningRate, 0);
    delete c.annealLr;
  }
  if ("annealClipRange" in c) {
    if (c.annealClipRange === true && typeof c.clipRange === "number") c.clipRange = linearSchedule(c.clipRange, 0);
    delete c.annealClipRange;
  }
  return c;
}

/** Checks the shared fields. */
export function checkOnPolicyConfig(check: ConfigCheck): void {
  check.rate("learningRate", { min: 0, gtMin: true });
  check.number("nSteps", { min: 1, integer: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("gaeLambda", { min: 0, max: 1 });
  check.number("entCoef", { min: 0 });
  check.number("vfCoef", { min: 0 });
  check.number("maxGradNorm", { min: 0, gtMin: true });
  check.bool("normalizeAdvantage");
  check.layers("netArch");
  check.oneOf("activation", ["tanh", "relu"]);
  check.number("logStdInit", {});
  check.bool("normalizeObs");
  check.bool("normalizeReward");
  check.number("seed", { min: 0, integer: true, optional: true });
}

/** How a subclass describes itself to the shared constructor. */
export interface OnPolicySetup<C> {
  algo: string;
  defaults: Readonly<C>;
  /** Checks the subclass's fields (the shared ones are checked too); numEnvs is the env's. */
  validate: (check: ConfigCheck, c: C, numEnvs: number) => void;
  /** The optimizer over the networks' variables. */
  optimizer: (variables: Variable[], c: C) => Optimizer;
}

export abstract class OnPolicyAgent<C extends OnPolicyConfig, A = any> implements Agent<A> {
  readonly algo: string;
  readonly env: VectorEnv;
  readonly config: Readonly<C>;
  readonly actor: MLP;
  readonly critic: MLP;
  /** Continuous actions: the state-independent log standard deviation [1, dim]. */
  readonly logStd: Variable | undefined;
  /** Host copy of {@link logStd} (acting and sampling read it; refreshed with the actor's host weights). */
  protected logStdHost: Float32Array | undefined;
  readonly optimizer: Optimizer;
  numTimesteps = 0;
  /** Updates done. */
  numUpdates = 0;
  readonly rng: Rng;
  readonly obsRms: RunningNormalizer | undefined;
  readonly retRms: RunningNormalizer | undefined;
  protected readonly enc: ObsEncoder;
  protected readonly spec: ActionSpec;
  /** Numbers per action in the buffer (1 for Discrete, dim for Box). */
  protected readonly actDim: number;
  protected readonly buffer: RolloutBuffer;
  protected readonly progress = new TrainingProgress();
  private readonly tracker: EpisodeTracker;
  private obs: Float32Array | undefined;
  private discReturn: Float64Array;

  protected constructor(env: AgentEnv<A>, config: Partial<C>, setup: OnPolicySetup<C>) {
    const algo = setup.algo;
    this.algo = algo;
    this.env = toVectorEnv(env, algo);
    const numEnvs = this.env.numEnvs;
    this.config = resolveConfig(
      algo,
      setup.defaults,
      config,
      (check, c) => {
        checkOnPolicyConfig(check);
        setup.validate(check, c, numEnvs);
      },
      REPLACED_BY_SCHEDULES,
    );
    const c = this.config;
    this.enc = new ObsEncoder(this.env.singleObservationSpace, algo);
    this.spec = actionSpec(this.env.singleActionSpace, algo, ["discrete", "box"]);
    this.actDim = this.spec.kind === "discrete" ? 1 : this.spec.dim;
    this.rng = agentRng(c.seed);
    const initRng = this.rng.split();
    const outDim = this.spec.kind === "discrete" ? this.spec.n : this.spec.dim;
    // CleanRL: hidden layers orthogonal(sqrt 2), policy head gain 0.01, value head gain 1.
    this.actor = new MLP(this.enc.inputDim, outDim, { hidden: c.netArch, activation: c.activation, outputGain: 0.01, rng: initRng, name: "actor" });
    this.critic = new MLP(this.enc.inputDim, 1, { hidden: c.netArch, activation: c.activation, outputGain: 1, rng: initRng, name: "critic" });
    const vars = [...this.actor.variables, ...this.critic.variables];
    if (this.spec.kind === "box") {
      const dim = this.spec.dim;
      this.logStd = tf.tidy(() => tf.variable(tf.fill([1, dim], c.logStdInit), true));
      this.logStdHost = new Float32Array(this.spec.dim).fill(c.logStdInit);
      vars.push(this.logStd);
    }
    this.optimizer = setup.optimizer(vars, c);
    this.optimizer.lr = rateAt(c.learningRate, 1);
    this.obsRms = c.normalizeObs ? new RunningNormalizer(this.enc.inputDim) : undefined;
    this.retRms = c.normalizeReward ? new RunningNormalizer(1) : undefined;
    this.buffer = new RolloutBuffer(c.nSteps, numEnvs, this.enc.inputDim, this.actDim);
    this.tracker = new EpisodeTracker(numEnvs);
    this.discReturn = new Float64Array(numEnvs);
  }

  // ---- acting ----------------------------------------------------------------------------

  /** Network inputs for k raw observation rows (encoded, normalized with frozen statistics). */
  protected inputs(raw: ArrayLike<number>, k: number): Float32Array {
    const x = this.enc.encode(raw, k);
    return this.obsRms ? this.obsRms.normalize(x, x) : x;
  }

  /** Acting on the actor's host copy (plain JavaScript, no tensor read: synchronous on every backend). */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    const head = this.actor.forwardHost(this.inputs(obs, k), k);
    if (this.spec.kind === "discrete") {
      const a = Categorical.sample(head, this.spec.n, this.rng, new Int32Array(k), deterministic);
      if (this.spec.start) for (let i = 0; i < k; i++) a[i] += this.spec.start;
      return a;
    }
    const a = DiagGaussian.sample(head, this.logStdHost!, this.spec.dim, this.rng, new Float32Array(k * this.spec.dim), deterministic);
    return clipActions(a, this.spec);
  }

  /** Refreshes the host copies acting uses (actor weights, log-std) with one awaited read. */
  async syncActing(): Promise<void> {
    const [ls] = await syncHostWeights([this.actor], this.logStd ? [this.logStd] : []);
    if (ls) this.logStdHost = ls;
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    const a = this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false);
    return (this.spec.kind === "discrete" ? a[0] : a) as ActionOf<A>;
  }

  // ---- training ----------------------------------------------------------------------------

  beginTraining(steps: number): void {
    this.progress.begin(this.numTimesteps, steps);
    // Fresh episodes from seeds drawn from the agent's generator: a run resumed from a
    // checkpoint continues exactly like the original.
    const seed = this.rng.integer(2 ** 31);
    this.obs = this.env.reset({ seed }).obs;
    this.tracker.reset();
    this.discReturn.fill(0);
  }

  /** The algorithm's update on the collected rollout (advantages computed); returns its stats. */
  protected abstract update(progressRemaining: number): Promise<Record<string, number>>;

  /** One rollout of nSteps per env, GAE, then the algorithm's update (its stats read with one await), then the acting copy refreshed. */
  async learnIteration(): Promise<IterationResult> {
    if (!this.obs) this.beginTraining(1e9);
    const c = this.config;
    const frac = this.progress.remaining(this.numTimesteps);
    this.optimizer.lr = rateAt(c.learningRate, frac);
    const episodes: EpisodeRecord[] = [];
    const stepsBefore = this.numTimesteps;
    const lastValues = await this.collect(episodes);
    this.buffer.computeAdvantages(lastValues, c.gamma, c.gaeLambda);
    const losses = await this.update(frac);
    this.numUpdates++;
    await this.syncActing();
    losses.explainedVariance = explainedVariance(this.buffer);
    losses.learningRate = this.optimizer.lr;
    return { steps: this.numTimesteps - stepsBefore, episodes, losses };
  }

  /**
   * Fills the rollout buffer; returns V(s_T) of the observation after the last step. Each vector
   * step is one batched forward of both networks on the backend and one awaited read.
   */
  private async collect(episodes: EpisodeRecord[]): Promise<Float32Array> {
    const N = this.env.numEnvs;
    const D = this.enc.inputDim;
    const buf = this.buffer;
    const isDiscrete = this.spec.kind === "discrete";
    const outDim = this.actor.outputDim;
    const x = new Float32Array(N * D);
    const actions = isDiscrete ? new Int32Array(N) : new Float32Array(N * this.actDim);
    const envActions = isDiscrete ? new Int32Array(N) : new Float32Array(N * this.actDim);
    const logp = new Float32Array(N);
    const values = new Float32Array(N);
    const rewards = new Float32Array(N);
    const ls = this.logStdHost;
    buf.reset();
    let autoreset: Uint8Array | undefined;
    for (let t = 0; t < this.config.nSteps; t++) {
      this.enc.encode(this.obs!, N, x);
      if (this.obsRms) {
        // Statistics from real observations only (not the reset step's final observation).
        this.obsRms.update(x, N, autoreset ? autoreset.map((v) => 1 - v) : undefined);
        this.obsRms.normalize(x, x);
      }
      // One forward of both networks, one read-back.
      const both = tf.tidy(() => {
        const xt = tf.tensor2d(x, [N, D]);
        return tf.concat([this.actor.apply(xt), this.critic.apply(xt)], 1);
      });
      const data = await readFloats(both, { dispose: true });
      const head = new Float32Array(N * outDim);
      for (let i = 0; i < N; i++) {
        head.set(data.subarray(i * (outDim + 1), i * (outDim + 1) + outDim), i * outDim);
        values[i] = data[i * (outDim + 1) + outDim];
      }
      if (isDiscrete) {
        Categorical.sample(head, outDim, this.rng, actions as Int32Array, false, logp);
        for (let i = 0; i < N; i++) envActions[i] = actions[i] + (this.spec as { start: number }).start;
      } else {
        DiagGaussian.sample(head, ls!, this.actDim, this.rng, actions as Float32Array, false, logp);
        clipActions(actions as Float32Array, this.spec as Extract<ActionSpec, { kind: "box" }>, envActions as Float32Array);
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
    return readFloats(v, { dispose: true });
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

  // ---- checkpoints ---------------------------------------------------------------------------

  /** Extra checkpoint metadata of a subclass. */
  protected extraMeta(): Record<string, unknown> {
    return {};
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    const opt = await saveOptimizer(this.optimizer.kind, this.optimizer, arrays);
    if (this.logStd) arrays["actor/log_std"] = await readFloats(this.logStd);
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: {
        numTimesteps: this.numTimesteps,
        numUpdates: this.numUpdates,
        rng: this.rng.state,
        [this.optimizer.kind]: opt,
        obsRms: this.obsRms?.getState(),
        retRms: this.retRms?.getState(),
        env: envSignature(this.env),
        ...this.extraMeta(),
      },
      networks: { actor: this.actor, critic: this.critic },
      arrays,
    });
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
    this.optimizer.dispose();
  }
}

/** What {@link loadOnPolicy} restores into an agent. */
interface OnPolicyState {
  readonly actor: MLP;
  readonly critic: MLP;
  readonly logStd: Variable | undefined;
  readonly optimizer: Optimizer;
  syncActing(): Promise<void>;
  numTimesteps: number;
  numUpdates: number;
  readonly rng: Rng;
  readonly obsRms: RunningNormalizer | undefined;
  readonly retRms: RunningNormalizer | undefined;
}

/**
 * Loads an on-policy checkpoint: reads it (rejecting another algorithm's or other spaces),
 * builds the agent with `make(savedConfig)` (old `annealLr` configs upgraded), and restores
 * networks, optimizer, counters, generator and normalizers.
 */
export async function loadOnPolicy<T extends OnPolicyState>(
  dir: string,
  algo: string,
  env: VectorEnv,
  make: (savedConfig: Record<string, unknown>, ck: LoadedCheckpoint) => T,
): Promise<T> {
  const ck = await readAgentCheckpoint(dir, algo);
  checkEnvSignature(dir, ck, env);
  const agent = buildFromCheckpoint(dir, ck, env, () => make(upgradeOnPolicyConfig(ck.config as Record<string, unknown>), ck));
  restoreNetwork(dir, ck, "actor", agent.actor);
  restoreNetwork(dir, ck, "critic", agent.critic);
  if (agent.logStd) restoreVariable(dir, ck, "actor/log_std", agent.logStd);
  restoreOptimizer(dir, ck, agent.optimizer.kind, agent.optimizer);
  agent.numTimesteps = ck.meta.numTimesteps as number;
  agent.numUpdates = ck.meta.numUpdates as number;
  agent.rng.state = ck.meta.rng as RngState;
  if (agent.obsRms && ck.meta.obsRms) agent.obsRms.setState(ck.meta.obsRms as never);
  if (agent.retRms && ck.meta.retRms) agent.retRms.setState(ck.meta.retRms as never);
  await agent.syncActing();
  return agent;
}

/** 1 - Var(returns - values) / Var(returns) over the rollout's valid steps (as CleanRL / SB3 log it); NaN when the returns are constant. */
export function explainedVariance(buf: RolloutBuffer): number {
  const idx = buf.validIndices();
  const n = idx.length;
  let mr = 0;
  let mres = 0;
  for (let k = 0; k < n; k++) {
    mr += buf.returns[idx[k]];
    mres += buf.returns[idx[k]] - buf.values[idx[k]];
  }
  mr /= n || 1;
  mres /= n || 1;
  let vr = 0;
  let vres = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    vr += (buf.returns[i] - mr) ** 2;
    vres += (buf.returns[i] - buf.values[i] - mres) ** 2;
  }
  return vr > 0 ? 1 - vres / vr : NaN;
}

/** (x - mean) / (std + 1e-8) with the unbiased std, as torch's .std() in CleanRL / SB3. */
export function normalizeInPlace(x: Float32Array): void {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  for (let i = 0; i < n; i++) x[i] = (x[i] - m) / (sd + 1e-8);
}

/** Fisher-Yates shuffle of minibatch indices in place with the agent's generator (PPO's epochs, a population's members). */
export function shuffleInPlace(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
