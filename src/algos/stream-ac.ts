/**
 * Stream AC(lambda) (Elsayed, Vasan & Mahmood 2024, "Streaming Deep Reinforcement Learning
 * Finally Works", Algorithm 5): an actor-critic learning from one transition at a time, with no
 * replay, no batch and no target network, using the paper's stream-x recipe (ObGD with
 * eligibility traces, sparse init, layer norm, observation normalization and reward scaling;
 * nn/stream.ts). rlbook's version has a categorical policy (Discrete actions).
 *
 * Per env step: delta = r~ + gamma (1 - terminated) v(s') - v(s); the critic's ObGD (kappa 2)
 * steps along the trace of grad v(s); the actor's ObGD (kappa 3) along the trace of
 * grad [log pi(a|s) + entropyCoef * sign(delta) * H(pi(.|s))]; both traces reset when the episode ends.
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
import { buildFromCheckpoint, envSignature, openCheckpoint, writeAgentCheckpoint } from "./checkpointing.js";
import { restoreArrays, restoreStreamNormalizer, saveStreamNormalizer } from "./streaming.js";
import type { VectorEnv } from "../core/vector.js";
import type { Rng } from "../core/rng.js";

export interface StreamACConfig {
  /** ObGD step size alpha of both networks (paper: 1.0). */
  learningRate: number;
  /** Discount (paper: 0.99). */
  gamma: number;
  /** Trace decay lambda (paper: 0.8). */
  lambda: number;
  /** ObGD overshooting bounds (paper: 3.0 for the policy, 2.0 for the value). */
  kappaPolicy: number;
  kappaValue: number;
  /** Entropy bonus, signed by the TD error (paper: 0.01). */
  entropyCoef: number;
  /** Fraction of each layer's incoming weights set to zero at init (paper: 0.9). */
  sparsity: number;
  /** Hidden widths of both networks, LayerNorm + LeakyReLU after each (rlbook: 32, 32). */
  netArch: number[];
  /** Running observation normalization and reward scaling (paper: on). */
  normalizeObservations: boolean;
  scaleRewards: boolean;
  seed: number | undefined;
}

export const STREAM_AC_DEFAULTS: Readonly<StreamACConfig> = Object.freeze({
  learningRate: 1.0,
  gamma: 0.99,
  lambda: 0.8,
  kappaPolicy: 3.0,
  kappaValue: 2.0,
  entropyCoef: 0.01,
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
  check.number("kappaPolicy", { min: 0, gtMin: true });
  check.number("kappaValue", { min: 0, gtMin: true });
  check.number("entropyCoef", { min: 0 });
  check.number("sparsity", { min: 0, max: 0.999 });
  check.layers("netArch");
  check.bool("normalizeObservations");
  check.bool("scaleRewards");
  check.number("seed", { min: 0, integer: true, optional: true });
}

/** Softmax of logits into `out`. */
function softmax(z: ArrayLike<number>, out: Float64Array): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i]);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += out[i] = Math.exp(z[i] - m);
  for (let i = 0; i < z.length; i++) out[i] /= s;
  return out;
}

/** Stream AC(lambda) on a single env (Discrete actions); `A` is the env's action type. */
export class StreamAC<A = any> implements Agent<A> {
  readonly algo = "StreamAC";
  readonly env: VectorEnv;
  readonly config: Readonly<StreamACConfig>;
  readonly rng: Rng;
  readonly policy: StreamMLP;
  readonly value: StreamMLP;
  readonly policyOpt: ObGD;
  readonly valueOpt: ObGD;
  /** Observation normalization and reward scaling. */
  readonly norm: StreamNormalizer;
  numTimesteps = 0;
  private readonly enc: ObsEncoder;
  private readonly nActions: number;
  private readonly actStart: number;
  private readonly tracker = new EpisodeTracker(1);
  private readonly pGrads: Float64Array[];
  private readonly vGrads: Float64Array[];
  private readonly probs: Float64Array;
  private obs: Float32Array | undefined;

  constructor(env: AgentEnv<A>, config: Partial<StreamACConfig> = {}) {
    this.env = toVectorEnv(env, "StreamAC");
    if (this.env.numEnvs !== 1) throw new ConfigError("StreamAC", "env", `a vector env of ${this.env.numEnvs} copies`, "a single env or a 1-copy vector env (streaming learns from one sample at a time)");
    this.config = resolveConfig("StreamAC", STREAM_AC_DEFAULTS, config, validate);
    const c = this.config;
    const spec = actionSpec(this.env.singleActionSpace, "StreamAC", ["discrete"]) as { kind: "discrete"; n: number; start: number };
    this.nActions = spec.n;
    this.actStart = spec.start;
    this.enc = new ObsEncoder(this.env.singleObservationSpace, "StreamAC");
    this.rng = agentRng(c.seed);
    const init = this.rng.split();
    this.policy = new StreamMLP(this.enc.inputDim, this.nActions, { hidden: c.netArch, sparsity: c.sparsity, rng: init });
    this.value = new StreamMLP(this.enc.inputDim, 1, { hidden: c.netArch, sparsity: c.sparsity, rng: init });
    this.policyOpt = new ObGD(this.policy.params, { lr: c.learningRate, gamma: c.gamma, lambda: c.lambda, kappa: c.kappaPolicy });
    this.valueOpt = new ObGD(this.value.params, { lr: c.learningRate, gamma: c.gamma, lambda: c.lambda, kappa: c.kappaValue });
    this.pGrads = this.policy.zerosLike();
    this.vGrads = this.value.zerosLike();
    this.probs = new Float64Array(this.nActions);
    this.norm = new StreamNormalizer(this.enc.inputDim, c.gamma, c.normalizeObservations, c.scaleRewards);
  }

  private sample(p: Float64Array): number {
    let u = this.rng.random();
    for (let a = 0; a < p.length - 1; a++) if ((u -= p[a]) < 0) return a;
    return p.length - 1;
  }

  actBatch(obs: Float32Array, k: number, deterministic: boolean): Int32Array {
    const D = this.enc.rawDim;
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      const p = softmax(this.policy.forward(this.norm.normalize(this.enc.encode(obs.subarray(i * D, (i + 1) * D), 1))), this.probs);
      let a = 0;
      if (deterministic) for (let j = 1; j < p.length; j++) a = p[j] > p[a] ? j : a;
      else a = this.sample(p);
      out[i] = a + this.actStart;
    }
    return out;
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    return this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false)[0] as ActionOf<A>;
  }

  beginTraining(_steps: number): void {
    this.obs = this.env.reset({ seed: this.rng.integer(2 ** 31) }).obs;
    this.norm.observe(this.enc.encode(this.obs, 1));
    this.tracker.reset();
    this.policyOpt.reset();
    this.valueOpt.reset();
    this.norm.endEpisode();
  }

  /** 200 env steps, one update of each network after each. */
  learnIteration(): IterationResult {
    if (!this.obs) this.beginTraining(1e9);
    const c = this.config;
    const episodes: EpisodeRecord[] = [];
    let tdSum = 0;
    let entSum = 0;
    const act = new Int32Array(1);
    const g = new Float64Array(this.nActions);
    for (let steps = 0; steps < 200; steps++) {
      const s = this.norm.normalize(this.enc.encode(this.obs!, 1));
      const p = softmax(this.policy.forward(s), this.probs);
      const a = this.sample(p);
      act[0] = a + this.actStart;
      const r = this.env.step(act);
      this.tracker.step(r.reward, r.terminated, r.truncated, r.info.autoreset, episodes);
      const terminated = r.terminated[0] === 1;
      const done = terminated || r.truncated[0] === 1;
      const reward = this.norm.scaleReward(r.reward[0], terminated);
      const s2 = this.norm.observe(this.enc.encode(r.obs, 1));
      const vNext = terminated ? 0 : this.value.forward(s2)[0];
      const v = this.value.forward(s)[0];
      const delta = reward + c.gamma * vNext - v;
      this.value.backward([1], this.vGrads);
      // d/dlogits of log pi(a) is onehot(a) - p; of the entropy H = -sum p log p it is -p (log p + H).
      let H = 0;
      for (let j = 0; j < p.length; j++) H -= p[j] > 0 ? p[j] * Math.log(p[j]) : 0;
      const sign = Math.sign(delta);
      for (let j = 0; j < p.length; j++) g[j] = (j === a ? 1 : 0) - p[j] - c.entropyCoef * sign * p[j] * ((p[j] > 0 ? Math.log(p[j]) : 0) + H);
      this.policy.backward(g, this.pGrads);
      this.valueOpt.step(this.vGrads, delta, done);
      this.policyOpt.step(this.pGrads, delta, done);
      tdSum += Math.abs(delta);
      entSum += H;
      this.numTimesteps++;
      this.obs = r.obs;
      if (done) {
        // Next-step autoreset: this step only resets the env (no transition, not counted).
        const r2 = this.env.step(act);
        this.tracker.step(r2.reward, r2.terminated, r2.truncated, r2.info.autoreset, episodes);
        this.obs = r2.obs;
        this.norm.observe(this.enc.encode(this.obs, 1));
        this.norm.endEpisode();
      }
    }
    return { steps: 200, episodes, losses: { absTdError: tdSum / 200, entropy: entSum / 200 } };
  }

  async save(dir: string): Promise<void> {
    const arrays: Record<string, Float64Array> = {};
    this.policy.params.forEach((p, i) => (arrays[`policy/${i}`] = p));
    this.value.params.forEach((p, i) => (arrays[`value/${i}`] = p));
    this.policyOpt.traces.forEach((z, i) => (arrays[`policyTrace/${i}`] = z));
    this.valueOpt.traces.forEach((z, i) => (arrays[`valueTrace/${i}`] = z));
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: { numTimesteps: this.numTimesteps, rng: this.rng.state as RngState, ...saveStreamNormalizer(this.norm, arrays), env: envSignature(this.env) },
      networks: {},
      arrays,
    });
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<StreamACConfig> = {}): Promise<StreamAC<A>> {
    const venv = toVectorEnv(env, "StreamAC");
    const ck = await openCheckpoint(dir, "StreamAC", venv);
    const agent = buildFromCheckpoint(dir, ck, venv, () => new StreamAC<A>(venv as AgentEnv<A>, { ...(ck.config as Partial<StreamACConfig>), ...overrides }));
    restoreArrays(dir, ck, "policy", agent.policy.params);
    restoreArrays(dir, ck, "value", agent.value.params);
    restoreArrays(dir, ck, "policyTrace", agent.policyOpt.traces);
    restoreArrays(dir, ck, "valueTrace", agent.valueOpt.traces);
    restoreStreamNormalizer(dir, ck, agent.norm);
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.rng.state = ck.meta.rng as RngState;
    return agent;
  }

  dispose(): void {}
}
