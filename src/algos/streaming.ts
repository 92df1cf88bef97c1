/**
 * What the streaming action-value learners of Elsayed, Vasan & Mahmood 2024 ("Streaming Deep
 * Reinforcement Learning Finally Works") share: stream Q(lambda) (stream-q.ts) and stream
 * SARSA(lambda) (stream-sarsa.ts) learn from one transition at a time, with no replay buffer, no
 * batch and no target network, using the paper's stream-x recipe: the ObGD optimizer (a step
 * bounded so one update cannot overshoot the TD target), sparse initialization, layer
 * normalization, and running observation normalization and reward scaling (nn/stream.ts).
 *
 * Per env step: a = epsilon-greedy(Q(s)) (SARSA: the action picked at the previous update);
 * delta = r~ + gamma (1 - terminated) Q(s', a') - Q(s, a), with r~ the scaled reward and a' the
 * greedy action (Q) or the next epsilon-greedy action (SARSA); ObGD steps along the trace of
 * grad Q(s, a); traces reset at episode ends and, for Q(lambda) (Watkins), after exploratory actions.
 */
import type { RngState } from "../core/rng.js";
import { ObGD, StreamMLP, StreamNormalizer } from "../nn/stream.js";
import {
  EpisodeTracker,
  ObsEncoder,
  actionSpec,
  agentRng,
  obsRow,
  resolveConfig,
  toVectorEnv,
  ConfigError,
  type ActOptions,
  type ActionOf,
  type Agent,
  type AgentEnv,
  type ConfigCheck,
  type EpisodeRecord,
  type IterationResult,
} from "./base.js";
import { TrainingProgress } from "./schedules.js";
import { buildFromCheckpoint, envSignature, openCheckpoint, writeAgentCheckpoint } from "./checkpointing.js";
import { CheckpointError, checkpointArray, type LoadedCheckpoint } from "../nn/checkpoint.js";
import type { VectorEnv } from "../core/vector.js";
import type { Rng } from "../core/rng.js";

export interface StreamValueConfig {
  /** ObGD step size alpha (paper: 1.0). */
  learningRate: number;
  /** Discount (paper: 0.99). */
  gamma: number;
  /** Trace decay lambda (paper: 0.8). */
  lambda: number;
  /** ObGD overshooting bound kappa for the value (paper: 2.0). */
  kappa: number;
  /** Initial and final epsilon (paper: 1.0, 0.01). */
  explorationInitialEps: number;
  explorationFinalEps: number;
  /** Fraction of the run over which epsilon decays linearly (paper's code: 0.05 of its long runs; rlbook 0.2 for short runs). */
  explorationFraction: number;
  /** Fraction of each layer's incoming weights set to zero at init (paper: 0.9). */
  sparsity: number;
  /** Hidden widths, LayerNorm + LeakyReLU after each (rlbook: 32, 32, which learns CartPole in 30k steps; see test/train/stream.test.ts). */
  netArch: number[];
  /** Running observation normalization and reward scaling (paper: on). */
  normalizeObservations: boolean;
  scaleRewards: boolean;
  seed: number | undefined;
}

/** The paper's settings (ObGD 1.0 / kappa 2, gamma 0.99, lambda 0.8, epsilon 1 -> 0.01, sparsity 0.9) with rlbook's widths and exploration span. */
export const STREAM_VALUE_DEFAULTS: Readonly<StreamValueConfig> = Object.freeze({
  learningRate: 1.0,
  gamma: 0.99,
  lambda: 0.8,
  kappa: 2.0,
  explorationInitialEps: 1.0,
  explorationFinalEps: 0.01,
  explorationFraction: 0.2,
  sparsity: 0.9,
  netArch: [32, 32],
  normalizeObservations: true,
  scaleRewards: true,
  seed: undefined,
});

function validate(check: ConfigCheck): void {
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("lambda", { min: 0, max: 1 });
  check.number("kappa", { min: 0, gtMin: true });
  check.number("explorationInitialEps", { min: 0, max: 1 });
  check.number("explorationFinalEps", { min: 0, max: 1 });
  check.number("explorationFraction", { min: 0, max: 1 });
  check.number("sparsity", { min: 0, max: 0.999 });
  check.layers("netArch");
  check.bool("normalizeObservations");
  check.bool("scaleRewards");
  check.number("seed", { min: 0, integer: true, optional: true });
}

/**
 * A streaming action-value learner on a single env (Discrete actions): Q(lambda) when
 * `onPolicy` is false (max bootstrap; traces reset after exploratory actions), SARSA(lambda) when
 * true (bootstraps on the next action it will take; traces reset only at episode ends).
 */
export abstract class StreamValueAgent<A = any> implements Agent<A> {
  /** SARSA(lambda) (true) or Watkins' Q(lambda) (false). */
  protected abstract readonly onPolicy: boolean;
  readonly env: VectorEnv;
  readonly config: Readonly<StreamValueConfig>;
  readonly rng: Rng;
  readonly q: StreamMLP;
  readonly optimizer: ObGD;
  /** Observation normalization and reward scaling. */
  readonly norm: StreamNormalizer;
  numTimesteps = 0;
  private readonly enc: ObsEncoder;
  private readonly nActions: number;
  private readonly actStart: number;
  private readonly tracker = new EpisodeTracker(1);
  private readonly progress = new TrainingProgress();
  private readonly grads: Float64Array[];
  private obs: Float32Array | undefined;

  /** The action chosen for the current observation by SARSA's previous update (-1: none yet). */
  private nextAction = -1;

  protected constructor(env: AgentEnv<A>, readonly algo: string, config: Partial<StreamValueConfig>) {
    this.env = toVectorEnv(env, algo);
    if (this.env.numEnvs !== 1) throw new ConfigError(algo, "env", `a vector env of ${this.env.numEnvs} copies`, "a single env or a 1-copy vector env (streaming learns from one sample at a time)");
    this.config = resolveConfig(algo, STREAM_VALUE_DEFAULTS, config, validate);
    const spec = actionSpec(this.env.singleActionSpace, algo, ["discrete"]) as { kind: "discrete"; n: number; start: number };
    this.nActions = spec.n;
    this.actStart = spec.start;
    this.enc = new ObsEncoder(this.env.singleObservationSpace, algo);
    this.rng = agentRng(this.config.seed);
    this.q = new StreamMLP(this.enc.inputDim, this.nActions, { hidden: this.config.netArch, sparsity: this.config.sparsity, rng: this.rng.split() });
    const c = this.config;
    this.optimizer = new ObGD(this.q.params, { lr: c.learningRate, gamma: c.gamma, lambda: c.lambda, kappa: c.kappa });
    this.grads = this.q.zerosLike();
    this.norm = new StreamNormalizer(this.enc.inputDim, c.gamma, c.normalizeObservations, c.scaleRewards);
  }

  /** Current exploration rate (linear over explorationFraction of the run). */
  get epsilon(): number {
    const c = this.config;
    const span = this.progress.span * c.explorationFraction;
    const frac = span <= 0 ? 1 : Math.min(1, (this.numTimesteps - this.progress.startStep) / span);
    return c.explorationInitialEps + frac * (c.explorationFinalEps - c.explorationInitialEps);
  }

  /** The network input for raw observation row(s): encoded, then normalized with the running statistics. */
  private input(raw: ArrayLike<number>): Float64Array {
    return this.norm.normalize(this.enc.encode(raw, 1));
  }

  private observe(raw: ArrayLike<number>): Float64Array {
    return this.norm.observe(this.enc.encode(raw, 1));
  }

  private epsGreedy(q: ArrayLike<number>): number {
    return this.rng.random() < this.epsilon ? this.rng.integer(this.nActions) : this.argmax(q);
  }

  private argmax(q: ArrayLike<number>): number {
    let best = 0;
    for (let a = 1; a < q.length; a++) if (q[a] > q[best]) best = a;
    return best;
  }

  actBatch(obs: Float32Array, k: number, deterministic: boolean): Int32Array {
    const D = this.enc.rawDim;
    const out = new Int32Array(k);
    const eps = this.epsilon;
    for (let i = 0; i < k; i++) {
      const a = !deterministic && this.rng.random() < eps ? this.rng.integer(this.nActions) : this.argmax(this.q.forward(this.input(obs.subarray(i * D, (i + 1) * D))));
      out[i] = a + this.actStart;
    }
    return out;
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    return this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false)[0] as ActionOf<A>;
  }

  beginTraining(steps: number): void {
    this.progress.begin(this.numTimesteps, steps);
    this.obs = this.env.reset({ seed: this.rng.integer(2 ** 31) }).obs;
    this.observe(this.obs);
    this.tracker.reset();
    this.optimizer.reset();
    this.norm.endEpisode();
    this.nextAction = -1;
  }

  /** 200 env steps, one ObGD update after each. */
  learnIteration(): IterationResult {
    if (!this.obs) this.beginTraining(1e9);
    const c = this.config;
    const episodes: EpisodeRecord[] = [];
    let tdSum = 0;
    let steps = 0;
    const act = new Int32Array(1);
    const outGrad = new Float64Array(this.nActions);
    while (steps < 200) {
      const s = this.input(this.obs!);
      const qs = this.q.forward(s);
      const greedy = this.argmax(qs);
      const a = this.onPolicy && this.nextAction >= 0 ? this.nextAction : this.epsGreedy(qs);
      const nonGreedy = qs[a] !== qs[greedy];
      act[0] = a + this.actStart;
      const r = this.env.step(act);
      this.tracker.step(r.reward, r.terminated, r.truncated, r.info.autoreset, episodes);
      const terminated = r.terminated[0] === 1;
      const done = terminated || r.truncated[0] === 1;
      const reward = this.norm.scaleReward(r.reward[0], terminated);
      const s2 = this.observe(r.obs);
      let next = 0;
      this.nextAction = -1;
      if (!terminated) {
        const q2 = this.q.forward(s2);
        if (this.onPolicy) {
          const a2 = this.epsGreedy(q2);
          next = q2[a2];
          if (!done) this.nextAction = a2;
        } else next = Math.max(...q2);
      }
      const qsa = this.q.forward(s)[a];
      const delta = reward + c.gamma * next - qsa;
      outGrad.fill(0);
      outGrad[a] = 1;
      this.q.backward(outGrad, this.grads);
      this.optimizer.step(this.grads, delta, done || (!this.onPolicy && nonGreedy));
      tdSum += Math.abs(delta);
      steps++;
      this.numTimesteps++;
      this.obs = r.obs;
      if (done) {
        // Next-step autoreset: this step only resets the env (no transition, not counted).
        const r2 = this.env.step(act);
        this.tracker.step(r2.reward, r2.terminated, r2.truncated, r2.info.autoreset, episodes);
        this.obs = r2.obs;
        this.observe(this.obs);
        this.norm.endEpisode();
      }
    }
    return { steps, episodes, losses: { absTdError: tdSum / steps, epsilon: this.epsilon } };
  }

  async save(dir: string): Promise<void> {
    const arrays: Record<string, Float64Array> = {};
    this.q.params.forEach((p, i) => (arrays[`q/${i}`] = p));
    this.optimizer.traces.forEach((z, i) => (arrays[`trace/${i}`] = z));
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: { numTimesteps: this.numTimesteps, rng: this.rng.state as RngState, ...saveStreamNormalizer(this.norm, arrays), env: envSignature(this.env) },
      networks: {},
      arrays,
    });
  }

  /**
   * Restores what {@link save} wrote into a freshly built agent (`build` makes it from the saved
   * config); the subclasses' `load` call this with their constructor.
   */
  protected static async loadInto<T extends { readonly q: StreamMLP; readonly optimizer: ObGD; readonly norm: StreamNormalizer; numTimesteps: number; readonly rng: Rng }>(dir: string, algo: string, env: AgentEnv<unknown>, build: (env: VectorEnv, savedConfig: Partial<StreamValueConfig>) => T): Promise<T> {
    const venv = toVectorEnv(env, algo);
    const ck = await openCheckpoint(dir, algo, venv);
    const agent = buildFromCheckpoint(dir, ck, venv, () => build(venv, ck.config as Partial<StreamValueConfig>));
    restoreArrays(dir, ck, "q", agent.q.params);
    restoreArrays(dir, ck, "trace", agent.optimizer.traces);
    restoreStreamNormalizer(dir, ck, agent.norm);
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.rng.state = ck.meta.rng as RngState;
    return agent;
  }

  dispose(): void {}
}

/** Puts a streaming normalizer's statistics into `arrays` (obsStats/mean, obsStats/var); returns the metadata that goes with them. */
export function saveStreamNormalizer(norm: StreamNormalizer, arrays: Record<string, Float64Array>): { obsCount: number; returnStats: { mean: number; var: number; count: number } } {
  arrays["obsStats/mean"] = Float64Array.from(norm.obsStats.mean);
  arrays["obsStats/var"] = Float64Array.from(norm.obsStats.var);
  return { obsCount: norm.obsStats.count, returnStats: { mean: norm.returnStats.mean[0], var: norm.returnStats.var[0], count: norm.returnStats.count } };
}

/** Restores the statistics {@link saveStreamNormalizer} wrote. */
export function restoreStreamNormalizer(dir: string, ck: LoadedCheckpoint, norm: StreamNormalizer): void {
  norm.obsStats.mean.set(checkpointArray(dir, ck, "obsStats/mean", norm.dim));
  norm.obsStats.var.set(checkpointArray(dir, ck, "obsStats/var", norm.dim));
  const rs = ck.meta.returnStats as { mean?: unknown; var?: unknown; count?: unknown } | undefined;
  const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (!finite(ck.meta.obsCount) || !rs || !finite(rs.mean) || !finite(rs.var) || !finite(rs.count)) {
    throw new CheckpointError(dir, `meta.obsCount and meta.returnStats {mean, var, count} must be finite numbers (the normalizer's statistics), got ${JSON.stringify({ obsCount: ck.meta.obsCount, returnStats: rs })}`);
  }
  norm.obsStats.count = ck.meta.obsCount;
  norm.returnStats.mean[0] = rs.mean;
  norm.returnStats.var[0] = rs.var;
  norm.returnStats.count = rs.count;
}

/** Copies the checkpoint arrays `${prefix}/0`, `${prefix}/1`, ... into `into` (lengths checked). */
export function restoreArrays(dir: string, ck: LoadedCheckpoint, prefix: string, into: Float64Array[]): void {
  into.forEach((a, i) => a.set(checkpointArray(dir, ck, `${prefix}/${i}`, a.length)));
}
