/**
 * Stream Q(lambda) (Elsayed, Vasan & Mahmood 2024, "Streaming Deep Reinforcement Learning
 * Finally Works", Algorithm 6): Watkins' Q(lambda) learning from one transition at a time, with
 * no replay buffer, no batch and no target network. What makes it work (the paper's stream-x
 * recipe): the ObGD optimizer (step size bounded so one update cannot overshoot the TD target),
 * sparse initialization, layer normalization, and running observation normalization and reward
 * scaling (nn/stream.ts; statistics as Gymnasium's NormalizeObservation keeps them).
 *
 * Per env step: a = epsilon-greedy(Q(s)); delta = r~ + gamma (1 - terminated) max_a' Q(s', a')
 * - Q(s, a) with r~ the scaled reward; ObGD steps along the trace of grad Q(s, a); the traces are
 * reset at the end of an episode and after an exploratory (non-greedy) action, as in Watkins' Q(lambda).
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
import { envSignature, writeAgentCheckpoint } from "./checkpointing.js";
import type { VectorEnv } from "../core/vector.js";
import type { Rng } from "../core/rng.js";

export interface StreamQConfig {
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

export const STREAM_Q_DEFAULTS: Readonly<StreamQConfig> = Object.freeze({
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

/** Stream Q(lambda) on a single env (Discrete actions); `A` is the env's action type. */
export class StreamQ<A = unknown> implements Agent<A> {
  readonly algo = "StreamQ";
  readonly env: VectorEnv;
  readonly config: Readonly<StreamQConfig>;
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

  constructor(env: AgentEnv<A>, config: Partial<StreamQConfig> = {}) {
    this.env = toVectorEnv(env, "StreamQ");
    if (this.env.numEnvs !== 1) throw new ConfigError("StreamQ", "env", `a vector env of ${this.env.numEnvs} copies`, "a single env or a 1-copy vector env (streaming learns from one sample at a time)");
    this.config = resolveConfig("StreamQ", STREAM_Q_DEFAULTS, config, validate);
    const spec = actionSpec(this.env.singleActionSpace, "StreamQ", ["discrete"]) as { kind: "discrete"; n: number; start: number };
    this.nActions = spec.n;
    this.actStart = spec.start;
    this.enc = new ObsEncoder(this.env.singleObservationSpace, "StreamQ");
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
      const explore = this.rng.random() < this.epsilon;
      const a = explore ? this.rng.integer(this.nActions) : greedy;
      const nonGreedy = qs[a] !== qs[greedy];
      act[0] = a + this.actStart;
      const r = this.env.step(act);
      this.tracker.step(r.reward, r.terminated, r.truncated, r.info.autoreset, episodes);
      const terminated = r.terminated[0] === 1;
      const done = terminated || r.truncated[0] === 1;
      const reward = this.norm.scaleReward(r.reward[0], terminated);
      const s2 = this.observe(r.obs);
      const next = terminated ? 0 : Math.max(...this.q.forward(s2));
      const qsa = this.q.forward(s)[a];
      const delta = reward + c.gamma * next - qsa;
      outGrad.fill(0);
      outGrad[a] = 1;
      this.q.backward(outGrad, this.grads);
      this.optimizer.step(this.grads, delta, done || nonGreedy);
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
    arrays["obsStats/mean"] = this.norm.obsStats.mean;
    arrays["obsStats/var"] = this.norm.obsStats.var;
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: { numTimesteps: this.numTimesteps, rng: this.rng.state as RngState, obsCount: this.norm.obsStats.count, returnStats: { mean: this.norm.returnStats.mean[0], var: this.norm.returnStats.var[0], count: this.norm.returnStats.count }, env: envSignature(this.env) },
      networks: {},
      arrays,
    });
  }

  dispose(): void {}
}
