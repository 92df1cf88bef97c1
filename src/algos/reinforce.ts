/**
 * REINFORCE (Williams 1992): Monte-Carlo policy gradient with returns-to-go,
 *   loss = -mean_t( log pi(a_t|s_t) * (G_t - b) ) - entCoef * entropy,
 * where the baseline b standardizes the returns of the batch (as PyTorch's
 * examples/reinforcement_learning/reinforce.py does: (G - mean) / std).
 *
 * Every copy of the vector env runs whole episodes; an update is one Adam step on the
 * `episodesPerUpdate` most recently finished episodes. Truncated episodes are treated as ended
 * (no bootstrap: REINFORCE has no critic). Defaults follow PyTorch's reinforce.py: gamma 0.99,
 * learning rate 1e-2, one hidden layer of 128 units.
 */
import type { VectorEnv } from "../core/vector.js";
import type { RngState } from "../core/rng.js";
import { Rng } from "../core/rng.js";
import { Adam } from "../nn/optimizers.js";
import { restoreNetwork } from "../nn/checkpoint.js";
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { MLP, mlpGrads, syncHostWeights, type Activation } from "../nn/mlp.js";
import { readFloats } from "../nn/read.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
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
import { buildFromCheckpoint, envSignature, openCheckpoint, restoreOptimizer, restoreVariable, saveOptimizer, writeAgentCheckpoint, type CheckpointArrays } from "./checkpointing.js";
import { rateAt, TrainingProgress, type Rate } from "./schedules.js";

export interface ReinforceConfig {
  /** Adam step size, a number or a schedule of training progress (1e-2). */
  learningRate: Rate;
  /** Discount (0.99). */
  gamma: number;
  /** Finished episodes per update (default: one per env copy). */
  episodesPerUpdate: number | null;
  /** Standardize the batch's returns (the baseline; true). */
  normalizeReturns: boolean;
  /** Entropy bonus (0). */
  entCoef: number;
  /** Gradient-norm clip; null for none. */
  maxGradNorm: number | null;
  /** Hidden layers ([128]). */
  netArch: number[];
  activation: Activation;
  logStdInit: number;
  seed: number | undefined;
}

export const REINFORCE_DEFAULTS: Readonly<ReinforceConfig> = Object.freeze({
  learningRate: 1e-2,
  gamma: 0.99,
  episodesPerUpdate: null,
  normalizeReturns: true,
  entCoef: 0,
  maxGradNorm: null,
  netArch: [128],
  activation: "relu",
  logStdInit: 0,
  seed: undefined,
});

function validate(check: ConfigCheck): void {
  check.rate("learningRate", { min: 0, gtMin: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("episodesPerUpdate", { min: 1, integer: true, optional: true });
  check.bool("normalizeReturns");
  check.number("entCoef", { min: 0 });
  check.number("maxGradNorm", { min: 0, gtMin: true, optional: true });
  check.layers("netArch");
  check.oneOf("activation", ["tanh", "relu"]);
  check.number("logStdInit", {});
  check.number("seed", { min: 0, integer: true, optional: true });
}

interface Trajectory {
  obs: number[];
  actions: number[];
  rewards: number[];
}

/** REINFORCE; `A` is the env's action type (what {@link REINFORCE.act} returns). */
export class REINFORCE<A = any> implements Agent<A> {
  readonly algo = "REINFORCE";
  readonly env: VectorEnv;
  readonly config: Readonly<ReinforceConfig>;
  readonly policy: MLP;
  readonly logStd: Variable | undefined;
  /** Host copy of {@link logStd} (refreshed with the policy's host weights after every update). */
  private logStdHost: Float32Array | undefined;
  readonly optimizer: Adam;
  readonly rng: Rng;
  numTimesteps = 0;
  private readonly enc: ObsEncoder;
  private readonly spec: ActionSpec;
  private readonly actDim: number;
  private readonly tracker: EpisodeTracker;
  private obs: Float32Array | undefined;
  private running: Trajectory[];
  private done: Trajectory[] = [];
  private readonly progress = new TrainingProgress();

  constructor(env: AgentEnv<A>, config: Partial<ReinforceConfig> = {}) {
    this.env = toVectorEnv(env, "REINFORCE");
    this.config = resolveConfig("REINFORCE", REINFORCE_DEFAULTS, config, validate);
    const c = this.config;
    this.enc = new ObsEncoder(this.env.singleObservationSpace, "REINFORCE");
    this.spec = actionSpec(this.env.singleActionSpace, "REINFORCE", ["discrete", "box"]);
    this.actDim = this.spec.kind === "discrete" ? 1 : this.spec.dim;
    this.rng = agentRng(c.seed);
    const out = this.spec.kind === "discrete" ? this.spec.n : this.spec.dim;
    this.policy = new MLP(this.enc.inputDim, out, { hidden: c.netArch, activation: c.activation, init: "torch", rng: this.rng.split(), name: "policy" });
    const vars = [...this.policy.variables];
    if (this.spec.kind === "box") {
      const dim = this.spec.dim;
      this.logStd = tf.tidy(() => tf.variable(tf.fill([1, dim], c.logStdInit), true));
      this.logStdHost = new Float32Array(this.spec.dim).fill(c.logStdInit);
      vars.push(this.logStd);
    }
    this.optimizer = new Adam(vars, { lr: rateAt(c.learningRate, 1), maxGradNorm: c.maxGradNorm ?? undefined });
    this.tracker = new EpisodeTracker(this.env.numEnvs);
    this.running = this.freshTrajectories();
  }

  private freshTrajectories(): Trajectory[] {
    return Array.from({ length: this.env.numEnvs }, () => ({ obs: [], actions: [], rewards: [] }));
  }

  /** Acting on the policy's host copy (plain JavaScript: synchronous on every backend). */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    return this.sample(this.policy.forwardHost(this.enc.encode(obs, k), k), k, deterministic);
  }

  /** Actions (env layout, unclipped) from the policy's outputs for k rows. */
  private sample(head: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    if (this.spec.kind === "discrete") {
      const a = Categorical.sample(head, this.spec.n, this.rng, new Int32Array(k), deterministic);
      if (this.spec.start) for (let i = 0; i < k; i++) a[i] += this.spec.start;
      return a;
    }
    return DiagGaussian.sample(head, this.logStdHost!, this.spec.dim, this.rng, new Float32Array(k * this.spec.dim), deterministic);
  }

  /** Refreshes the host copies acting uses (policy weights, log-std) with one awaited read. */
  async syncActing(): Promise<void> {
    const [ls] = await syncHostWeights([this.policy], this.logStd ? [this.logStd] : []);
    if (ls) this.logStdHost = ls;
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    const a = this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false);
    return (this.spec.kind === "box" ? clipActions(a as Float32Array, this.spec) : a[0]) as ActionOf<A>;
  }

  beginTraining(steps: number): void {
    this.progress.begin(this.numTimesteps, steps);
    this.obs = this.env.reset({ seed: this.rng.integer(2 ** 31) }).obs;
    this.tracker.reset();
    this.running = this.freshTrajectories();
    this.done = [];
  }

  /** Episodes from every env copy (one batched forward on the backend and one awaited read per vector step), then one update. */
  async learnIteration(): Promise<IterationResult> {
    if (!this.obs) this.beginTraining(1e9);
    const N = this.env.numEnvs;
    const D = this.enc.inputDim;
    const want = this.config.episodesPerUpdate ?? N;
    const episodes: EpisodeRecord[] = [];
    const before = this.numTimesteps;
    const x = new Float32Array(N * D);
    while (this.done.length < want) {
      this.enc.encode(this.obs!, N, x);
      const out = tf.tidy(() => this.policy.apply(tf.tensor2d(x, [N, D])));
      const a = this.sample(await readFloats(out, { dispose: true }), N, false);
      const envA = this.spec.kind === "box" ? clipActions(a as Float32Array, this.spec) : a;
      const r = this.env.step(envA);
      const auto = r.info.autoreset;
      this.tracker.step(r.reward, r.terminated, r.truncated, auto, episodes);
      for (let i = 0; i < N; i++) {
        if (auto && auto[i]) continue;
        const tr = this.running[i];
        for (let j = 0; j < D; j++) tr.obs.push(x[i * D + j]);
        if (this.spec.kind === "discrete") tr.actions.push(a[i] - this.spec.start);
        else for (let j = 0; j < this.actDim; j++) tr.actions.push(a[i * this.actDim + j]);
        tr.rewards.push(r.reward[i]);
        this.numTimesteps++;
        if (r.terminated[i] || r.truncated[i]) {
          this.done.push(tr);
          this.running[i] = { obs: [], actions: [], rewards: [] };
        }
      }
      this.obs = r.obs;
    }
    const batch = this.done.splice(0, want);
    this.optimizer.lr = rateAt(this.config.learningRate, this.progress.remaining(this.numTimesteps));
    const losses = await this.update(batch);
    await this.syncActing();
    losses.learningRate = this.optimizer.lr;
    return { steps: this.numTimesteps - before, episodes, losses };
  }

  private async update(batch: Trajectory[]): Promise<Record<string, number>> {
    const c = this.config;
    const D = this.enc.inputDim;
    const T = batch.reduce((a, t) => a + t.rewards.length, 0);
    const obs = new Float32Array(T * D);
    const acts = new Float32Array(T * this.actDim);
    const ret = new Float32Array(T);
    let o = 0;
    for (const tr of batch) {
      const n = tr.rewards.length;
      obs.set(tr.obs, o * D);
      acts.set(tr.actions, o * this.actDim);
      let g = 0;
      for (let t = n - 1; t >= 0; t--) {
        g = tr.rewards[t] + c.gamma * g;
        ret[o + t] = g;
      }
      o += n;
    }
    if (c.normalizeReturns && T > 1) {
      let m = 0;
      for (let i = 0; i < T; i++) m += ret[i];
      m /= T;
      let v = 0;
      for (let i = 0; i < T; i++) v += (ret[i] - m) ** 2;
      const sd = Math.sqrt(v / (T - 1));
      for (let i = 0; i < T; i++) ret[i] = (ret[i] - m) / (sd + 1e-8);
    }
    const discrete = this.spec.kind === "discrete";
    const res = tf.tidy(() => {
      const xt = tf.tensor2d(obs, [T, D]);
      const at = discrete ? tf.tensor1d(Int32Array.from(acts), "int32") : tf.tensor2d(acts, [T, this.actDim]);
      const gt = tf.tensor1d(ret);
      let ent: Tensor | undefined;
      const head = (out: Tensor, logStd?: Tensor) => {
        const lp = discrete ? Categorical.logProb(out, at) : DiagGaussian.logProb(out, logStd!, at);
        const e = discrete ? tf.mean(Categorical.entropy(out)) : tf.mean(DiagGaussian.entropy(logStd!));
        ent = tf.keep(e);
        return reinforceLoss(lp, gt, e, c.entCoef);
      };
      const g = mlpGrads([this.policy], [xt], head, this.logStd ? [this.logStd] : []);
      this.optimizer.apply(g.grads)?.dispose();
      const s = tf.stack([g.loss, ent!]);
      ent!.dispose();
      return s;
    });
    const v = await readFloats(res, { dispose: true });
    return { loss: v[0], entropy: v[1], batchSteps: T };
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    const opt = await saveOptimizer(this.optimizer.kind, this.optimizer, arrays);
    if (this.logStd) arrays["policy/log_std"] = await readFloats(this.logStd);
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: { numTimesteps: this.numTimesteps, rng: this.rng.state, [this.optimizer.kind]: opt, env: envSignature(this.env) },
      networks: { policy: this.policy },
      arrays,
    });
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<ReinforceConfig> = {}): Promise<REINFORCE<A>> {
    const venv = toVectorEnv(env, "REINFORCE");
    const ck = await openCheckpoint(dir, "REINFORCE", venv);
    const agent = buildFromCheckpoint(dir, ck, venv, () => new REINFORCE<A>(venv as AgentEnv<A>, { ...(ck.config as Partial<ReinforceConfig>), ...overrides }));
    restoreNetwork(dir, ck, "policy", agent.policy);
    if (agent.logStd) restoreVariable(dir, ck, "policy/log_std", agent.logStd);
    restoreOptimizer(dir, ck, agent.optimizer.kind, agent.optimizer);
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.rng.state = ck.meta.rng as RngState;
    await agent.syncActing();
    return agent;
  }

  dispose(): void {
    this.policy.dispose();
    this.logStd?.dispose();
    this.optimizer.dispose();
  }
}

/** -mean(logp * G) - entCoef * entropy. */
export function reinforceLoss(logp: Tensor, returns: Tensor, entropy: Tensor, entCoef: number): Tensor {
  return tf.sub(tf.neg(tf.mean(tf.mul(logp, returns))), tf.mul(entropy, entCoef));
}
