/**
 * Many PPO agents trained as one batched program: S members (different seeds, or a grid of
 * hyperparameters), each with its own vector env, generator, rollout buffer and optimizer
 * state. Every member is a real algos/ppo.ts PPO agent (built with its seed, so its initial
 * weights and generator are the solo agent's); what the population shares is the work: an update
 * step computes PPO's loss for all members as one set of [S, B] tensor ops and reads its stats
 * once, and acting during collection needs no tensor round trip per member.
 *
 * Two layouts of the networks (`layout`), the same arithmetic:
 * - "members" (default on wasm and cpu): each member keeps its own MLPs and Adam (nn/mlp.ts,
 *   nn/optimizers.ts); forward / backward are 2-D fused matmuls per member, the loss head is
 *   batched over members, and collection acts on the members' host copies in plain JavaScript
 *   (MLP.forwardHost), refreshed with one read per iteration. On tfjs-wasm this is the fast
 *   layout: its 3-D batched matmul runs ~5x slower than the same products as 2-D matmuls, and
 *   slicing stacked tensors costs time in proportion to the whole tensor (bench/modern.ts).
 * - "stacked" (default on webgpu and tensorflow): networks stacked into [S, in, out] tensors
 *   (population/stacked.ts), a layer one batched matmul for all members, Adam one op set for all:
 *   the op count does not grow with S, so a GPU gets large kernels.
 *
 * Each member follows `new PPO(env, {...config, seed: seeds[k]})` trained alone: the same
 * generator draws in the same order (env reset seed, action samples, minibatch shuffles), the same
 * rollout, GAE and loss (algos/losses.ts's ppoLossPieces with a masked per-member mean), and Adam
 * with the same float32 constants, up to float rounding of batched reductions (test/modern/
 * population.test.ts compares them). Members whose valid rollouts differ in length (next-step
 * autoreset steps are dropped) take different numbers of minibatches: the batch is padded and a
 * member without a minibatch sits the step out (no Adam step), as it would alone.
 *
 * Per-member hyperparameters (`configs[k]`) may differ in anything that keeps the tensors' shapes:
 * learning rate and its schedule, clip ranges, entropy / value coefficients, gamma, GAE lambda,
 * gradient clip, Adam epsilon, target KL. Network shapes, rollout length, minibatch size and
 * epochs must match (the error names the member and the field).
 *
 * `train(population, {steps})` drives it like any agent: `numTimesteps` is the smallest member's
 * env-step count (all members take the same number of iterations); each record carries the mean
 * over members, and `population.curves` keeps every member's own records (per-seed learning
 * curves, `seedCurves` / `seedBandChart` in population/curves.ts). `save(dir)` writes every member
 * as a standalone PPO checkpoint (`dir/members/<k>`, loadable with PPO.load) beside the
 * population's own record; `PPOPopulation.load(dir, {env})` resumes it.
 */
import path from "node:path";
import type { Rng } from "../core/rng.js";
import type { VectorEnv } from "../core/vector.js";
import { gatherRows, RolloutBuffer } from "../buffers/rollout.js";
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import { activeBackend } from "../nn/backend.js";
import { CheckpointError } from "../nn/checkpoint.js";
import { ConfigError, EpisodeTracker, ObsEncoder, actionSpec, clipActions, obsRow, toVectorEnv, type ActOptions, type ActionOf, type ActionSpec, type Agent, type AgentEnv, type EpisodeRecord, type IterationResult } from "../algos/base.js";
import { envSignature, readAgentCheckpoint, writeAgentCheckpoint } from "../algos/checkpointing.js";
import { ppoLossPieces } from "../algos/losses.js";
import { explainedVariance, normalizeInPlace, shuffleInPlace } from "../algos/on-policy.js";
import { PPO, type PPOConfig, type PPOPresetName } from "../algos/ppo.js";
import { rateAt, TrainingProgress } from "../algos/schedules.js";
import { readTensors } from "../nn/read.js";
import { syncHostWeights, type MLPCache } from "../nn/mlp.js";
import type { Adam } from "../nn/optimizers.js";
import { checkMemberEnvs, checkPopulationOptions, PopulationMembers } from "./members.js";
import { StackedAdam, StackedMLP, type StackedCache } from "./stacked.js";

/** How a population lays out its members' networks (see the module comment). */
export type PopulationLayout = "members" | "stacked";

/** The layout for the active backend: "stacked" on a GPU backend, "members" on wasm / cpu. */
export function defaultLayout(): PopulationLayout {
  let name = "wasm";
  try {
    name = activeBackend().name;
  } catch {
    // No backend chosen yet: tfjs will start its default CPU-side one.
  }
  return name === "webgpu" || name === "tensorflow" ? "stacked" : "members";
}

/** How to build a population. */
export interface PPOPopulationOptions<A = unknown> {
  /** Makes member k's training env (called once per member; give each member its own env). */
  env: (k: number) => AgentEnv<A>;
  /** One seed per member (the population's size). */
  seeds: readonly number[];
  /** A PPO preset for every member (PPO.preset's env-count rules apply), under `config`. */
  preset?: PPOPresetName;
  /** Config shared by every member (any PPOConfig field but `seed`). */
  config?: Partial<PPOConfig>;
  /** Per-member overrides on top of `config` (a hyperparameter grid); same length as seeds. */
  configs?: readonly Partial<PPOConfig>[];
  /** Network layout (default: {@link defaultLayout} for the active backend). */
  layout?: PopulationLayout;
}

/** One member's record after an iteration (what its own `train` record would hold). */
export interface MemberRecord {
  /** The member's env steps so far. */
  step: number;
  /** Mean return / length of its episodes that ended in the iteration (NaN when none). */
  episodeReturn: number;
  episodeLength: number;
  episodes: number;
  /** Its update's losses (policyLoss, valueLoss, entropy, approxKl, clipFraction, gradNorm, ...). */
  [key: string]: number;
}

/** Fields that set tensor shapes or the update's structure: equal for every member. */
const SHARED_FIELDS = ["netArch", "activation", "nSteps", "batchSize", "nEpochs", "normalizeAdvantage"] as const;
const STAT_NAMES = ["loss", "policyLoss", "valueLoss", "entropy", "approxKl", "clipFraction", "gradNorm"] as const;

interface Member {
  readonly seed: number;
  readonly agent: PPO;
  readonly config: Readonly<PPOConfig>;
  readonly env: VectorEnv;
  readonly rng: Rng;
  readonly buffer: RolloutBuffer;
  readonly tracker: EpisodeTracker;
  readonly progress: TrainingProgress;
  obs: Float32Array | undefined;
  numTimesteps: number;
}

/**
 * The members' networks and optimizers behind one interface: `forward` gives the actor heads and
 * values of every member as [S, B, out] / [S, B, 1] (and the log-stds [S, 1, dim]) for per-member
 * input rows; its `step` back-propagates the loss gradients and takes one Adam step for the
 * active members, returning their gradient norms [S] (0 without clipping).
 */
interface Nets {
  forward(x: Float32Array, B: number): { heads: Tensor; values: Tensor; logStd?: Tensor; step(d: Tensor[], active: Uint8Array): Tensor };
  /** Heads [S*N*out] and values [S*N] for acting on N rows per member. */
  act(x: Float32Array, N: number): Promise<{ heads: Float32Array; values: Float32Array }>;
  values(x: Float32Array, N: number): Promise<Float32Array>;
  /** Log-stds of the members, [S * dim] (continuous actions). */
  logStds(): Float32Array | undefined;
  setLr(k: number, lr: number): void;
  /** Refreshes what acting reads after an update. */
  sync(): Promise<void>;
  /** Writes the trained state into the member agents (their networks, log-std and Adam), for save / member. */
  toAgents(): Promise<void>;
  /** Takes the member agents' optimizer state (a loaded population's). */
  fromAgents(): Promise<void>;
  dispose(): void;
}

/** "members": each member's own MLPs and Adam (2-D ops), acting on host copies. */
class MemberNets implements Nets {
  private hostLogStd: Float32Array | undefined;
  constructor(
    private readonly agents: PPO[],
    private readonly D: number,
  ) {
    if (agents[0].logStd) this.hostLogStd = new Float32Array(agents.length * agents[0].logStd.size);
  }

  forward(x: Float32Array, B: number) {
    const D = this.D;
    const fa: { out: Tensor; cache: MLPCache }[] = [];
    const fc: { out: Tensor; cache: MLPCache }[] = [];
    this.agents.forEach((a, k) => {
      const xt = tf.tensor2d(x.subarray(k * B * D, (k + 1) * B * D), [B, D]);
      fa.push(a.actor.forward(xt));
      fc.push(a.critic.forward(xt));
    });
    const logStd = this.agents[0].logStd ? tf.stack(this.agents.map((a) => a.logStd!)) : undefined;
    const step = (d: Tensor[], active: Uint8Array): Tensor => {
      const da = tf.unstack(d[0]);
      const dc = tf.unstack(d[1]);
      const dl = d[2] ? tf.unstack(d[2]) : undefined;
      const norms = this.agents.map((a, k) => {
        if (!active[k]) return tf.scalar(0);
        const g = [...a.actor.backward(fa[k].cache, da[k]).grads, ...a.critic.backward(fc[k].cache, dc[k]).grads, ...(dl ? [dl[k]] : [])];
        return a.optimizer.apply(g) ?? tf.scalar(0);
      });
      // The optimizers keep their norms past any tidy: free them once stacked.
      const out = tf.stack(norms);
      tf.dispose(norms);
      return out;
    };
    return { heads: tf.stack(fa.map((f) => f.out)), values: tf.stack(fc.map((f) => f.out)), logStd, step };
  }

  async act(x: Float32Array, N: number) {
    const D = this.D;
    const out = this.agents[0].actor.outputDim;
    const heads = new Float32Array(this.agents.length * N * out);
    const values = new Float32Array(this.agents.length * N);
    this.agents.forEach((a, k) => {
      const xk = x.subarray(k * N * D, (k + 1) * N * D);
      heads.set(a.actor.forwardHost(xk, N), k * N * out);
      values.set(a.critic.forwardHost(xk, N), k * N);
    });
    return { heads, values };
  }

  async values(x: Float32Array, N: number) {
    const D = this.D;
    const values = new Float32Array(this.agents.length * N);
    this.agents.forEach((a, k) => values.set(a.critic.forwardHost(x.subarray(k * N * D, (k + 1) * N * D), N), k * N));
    return values;
  }

  logStds() {
    return this.hostLogStd;
  }

  setLr(k: number, lr: number) {
    this.agents[k].optimizer.lr = lr;
  }

  async sync() {
    const nets = this.agents.flatMap((a) => [a.actor, a.critic]);
    const ls = await syncHostWeights(nets, this.hostLogStd ? this.agents.map((a) => a.logStd!) : []);
    ls.forEach((v, k) => this.hostLogStd!.set(v, k * v.length));
  }

  async toAgents() {}

  async fromAgents() {}

  dispose() {}
}

/** "stacked": [S, ...] networks and Adam (few large ops), acting with one batched forward and one read per step. */
class StackedNets implements Nets {
  readonly actor: StackedMLP;
  readonly critic: StackedMLP;
  readonly logStd: Variable | undefined;
  readonly optimizer: StackedAdam;
  private hostLogStd: Float32Array | undefined;
  constructor(
    private readonly agents: PPO[],
    private readonly D: number,
  ) {
    this.actor = StackedMLP.fromMLPs(agents.map((a) => a.actor));
    this.critic = StackedMLP.fromMLPs(agents.map((a) => a.critic));
    this.logStd = agents[0].logStd ? tf.tidy(() => tf.variable(tf.stack(agents.map((a) => a.logStd!)), true)) : undefined;
    if (this.logStd) this.hostLogStd = new Float32Array(agents.length * agents[0].logStd!.size).fill(agents[0].config.logStdInit);
    const vars = [...this.actor.variables, ...this.critic.variables, ...(this.logStd ? [this.logStd] : [])];
    this.optimizer = new StackedAdam(vars, agents.length, { eps: agents.map((a) => a.config.adamEps), maxGradNorm: agents.map((a) => a.config.maxGradNorm) });
  }

  forward(x: Float32Array, B: number) {
    const S = this.agents.length;
    const xt = tf.tensor3d(x, [S, B, this.D]);
    const fa: { out: Tensor; cache: StackedCache } = this.actor.forward(xt);
    const fc = this.critic.forward(xt);
    const step = (d: Tensor[], active: Uint8Array): Tensor => {
      const g = [...this.actor.backward(fa.cache, d[0]), ...this.critic.backward(fc.cache, d[1]), ...d.slice(2)];
      return this.optimizer.apply(g, active) ?? tf.zeros([S]);
    };
    return { heads: fa.out, values: fc.out, logStd: this.logStd, step };
  }

  async act(x: Float32Array, N: number) {
    const S = this.agents.length;
    const out = this.actor.outputDim;
    const both = tf.tidy(() => {
      const xt = tf.tensor3d(x, [S, N, this.D]);
      return tf.concat([this.actor.apply(xt), this.critic.apply(xt)], 2);
    });
    const [data] = (await readTensors([both], { dispose: true })) as Float32Array[];
    const heads = new Float32Array(S * N * out);
    const values = new Float32Array(S * N);
    for (let r = 0; r < S * N; r++) {
      heads.set(data.subarray(r * (out + 1), r * (out + 1) + out), r * out);
      values[r] = data[r * (out + 1) + out];
    }
    return { heads, values };
  }

  async values(x: Float32Array, N: number) {
    const v = tf.tidy(() => this.critic.apply(tf.tensor3d(x, [this.agents.length, N, this.D])));
    return (await readTensors([v], { dispose: true }))[0] as Float32Array;
  }

  logStds() {
    return this.hostLogStd;
  }

  setLr(k: number, lr: number) {
    this.optimizer.lr[k] = lr;
  }

  async sync() {
    if (this.logStd) this.hostLogStd = (await readTensors([this.logStd]))[0] as Float32Array;
  }

  async toAgents() {
    const S = this.agents.length;
    const { m, v } = this.optimizer.moments;
    const vars = [...this.actor.variables, ...this.critic.variables];
    const vals = (await readTensors([...vars, ...(this.logStd ? [this.logStd] : []), m, v])) as Float32Array[];
    const P = this.optimizer.size;
    this.agents.forEach((a, k) => {
      const part = (i: number) => vals[i].subarray((k * vals[i].length) / S, ((k + 1) * vals[i].length) / S);
      const na = a.actor.variables.length;
      a.actor.setWeights(Array.from({ length: na }, (_, i) => part(i)));
      a.critic.setWeights(Array.from({ length: a.critic.variables.length }, (_, i) => part(na + i)));
      if (this.logStd) {
        const ls = part(vars.length);
        tf.tidy(() => a.logStd!.assign(tf.tensor(ls, a.logStd!.shape)));
      }
      const mv = vals.length - 2;
      (a.optimizer as Adam).setState({ step: this.optimizer.steps[k], lr: this.optimizer.lr[k], m: vals[mv].slice(k * P, (k + 1) * P), v: vals[mv + 1].slice(k * P, (k + 1) * P) });
    });
  }

  async fromAgents() {
    const states = await Promise.all(this.agents.map((a) => a.optimizer.getState()));
    const P = this.optimizer.size;
    const m = new Float32Array(this.agents.length * P);
    const v = new Float32Array(this.agents.length * P);
    states.forEach((st, k) => {
      m.set(st.m, k * P);
      v.set(st.v, k * P);
      this.optimizer.steps[k] = st.step;
      this.optimizer.lr[k] = st.lr;
    });
    const { m: mv, v: vv } = this.optimizer.moments;
    tf.tidy(() => {
      mv.assign(tf.tensor2d(m, mv.shape as [number, number]));
      vv.assign(tf.tensor2d(v, vv.shape as [number, number]));
    });
  }

  dispose() {
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
    this.optimizer.dispose();
  }
}

/** S PPO agents trained as one batched program (see the module comment); `A` is the env's action type. */
export class PPOPopulation<A = any> extends PopulationMembers<PPOConfig, Member> implements Agent<A> {
  readonly algo = "PPOPopulation";
  readonly seeds: readonly number[];
  readonly layout: PopulationLayout;
  /** Every member's records, one per iteration: `curves[k][i]` is member k after iteration i. */
  readonly curves: MemberRecord[][];
  numUpdates = 0;
  protected readonly members: Member[];
  private readonly nets: Nets;
  private readonly enc: ObsEncoder;
  private readonly spec: ActionSpec;
  private readonly actDim: number;

  /** Builds the members (`agents` is load's: members restored from their checkpoints). */
  constructor(options: PPOPopulationOptions<A>, agents?: PPO[]) {
    super();
    const { seeds } = options;
    checkPopulationOptions("PPOPopulation", options);
    const layout = options.layout ?? defaultLayout();
    if (layout !== "members" && layout !== "stacked") throw new ConfigError("PPOPopulation", "layout", layout, '"members" (2-D ops per member: wasm, cpu) or "stacked" ([S, ...] tensors: a GPU)');
    this.layout = layout;
    this.seeds = [...seeds];
    const built = agents ?? [];
    try {
      if (!agents) {
        seeds.forEach((seed, k) => {
          const env = toVectorEnv(options.env(k), "PPOPopulation");
          const cfg: Partial<PPOConfig> = { ...options.config, ...options.configs?.[k], seed };
          built.push(options.preset ? PPO.preset(options.preset, env, cfg) : new PPO(env, cfg));
        });
      }
      this.checkMembers(built);
      const first = built[0];
      this.enc = new ObsEncoder(first.env.singleObservationSpace, "PPOPopulation");
      this.spec = actionSpec(first.env.singleActionSpace, "PPOPopulation", ["discrete", "box"]);
      this.actDim = this.spec.kind === "discrete" ? 1 : this.spec.dim;
      this.nets = layout === "members" ? new MemberNets(built, this.enc.inputDim) : new StackedNets(built, this.enc.inputDim);
    } catch (e) {
      for (const a of built) a.dispose();
      throw e;
    }
    this.members = built.map((a, k) => ({
      seed: seeds[k],
      agent: a,
      config: a.config,
      env: a.env,
      // The member's generator as the PPO constructor (or load) left it.
      rng: a.rng,
      buffer: new RolloutBuffer(a.config.nSteps, a.env.numEnvs, this.enc.inputDim, this.actDim),
      tracker: new EpisodeTracker(a.env.numEnvs),
      progress: new TrainingProgress(),
      obs: undefined,
      numTimesteps: a.numTimesteps,
    }));
    this.curves = this.members.map(() => []);
    this.members.forEach((m, k) => this.nets.setLr(k, rateAt(m.config.learningRate, 1)));
  }

  /** Members must share spaces, env counts and every shape-setting field; normalization is per-agent state the population does not carry. */
  private checkMembers(agents: PPO[]): void {
    const first = agents[0];
    checkMemberEnvs("PPOPopulation", agents);
    agents.forEach((a, k) => {
      for (const f of SHARED_FIELDS) {
        const v = a.config[f];
        const v0 = first.config[f];
        if (JSON.stringify(v) !== JSON.stringify(v0)) {
          throw new ConfigError("PPOPopulation", `configs[${k}].${f}`, v, `${JSON.stringify(v0)}, member 0's value: members are stacked into one tensor program, so network shapes, nSteps, batchSize, nEpochs and normalizeAdvantage must match (train different shapes as separate populations)`);
        }
      }
      for (const f of ["normalizeObs", "normalizeReward"] as const) {
        if (a.config[f]) throw new ConfigError("PPOPopulation", `configs[${k}].${f}`, true, "false: a population does not normalize observations or rewards (train such agents one by one with PPO)");
      }
      if ((a.config.clipRangeVf === null) !== (first.config.clipRangeVf === null)) {
        throw new ConfigError("PPOPopulation", `configs[${k}].clipRangeVf`, a.config.clipRangeVf, `${first.config.clipRangeVf === null ? "null" : "a number or schedule"}, as member 0's (all members clip the value loss, or none)`);
      }
    });
  }


  beginTraining(steps: number): void {
    for (const m of this.members) {
      m.progress.begin(m.numTimesteps, steps);
      // As PPO.beginTraining: fresh episodes from a seed drawn from the member's generator.
      m.obs = m.env.reset({ seed: m.rng.integer(2 ** 31) }).obs;
      m.tracker.reset();
    }
  }

  /** One rollout of every member, GAE, then one batched update; records each member's curve. */
  async learnIteration(): Promise<IterationResult> {
    if (this.members.some((m) => !m.obs)) this.beginTraining(1e9);
    const fracs = this.members.map((m) => m.progress.remaining(m.numTimesteps));
    const lrs = this.members.map((m, k) => rateAt(m.config.learningRate, fracs[k]));
    lrs.forEach((lr, k) => this.nets.setLr(k, lr));
    const before = this.members.map((m) => m.numTimesteps);
    const episodes = this.members.map((): EpisodeRecord[] => []);
    const last = await this.collect(episodes);
    this.members.forEach((m, k) => m.buffer.computeAdvantages(last[k], m.config.gamma, m.config.gaeLambda));
    const stats = await this.update(fracs);
    this.numUpdates++;
    // act() reads member 0's host copy: refresh it (the stacked layout's members are otherwise stale).
    await this.syncActing();
    const all: EpisodeRecord[] = [];
    const losses: Record<string, number> = {};
    this.members.forEach((m, k) => {
      const eps = episodes[k];
      all.push(...eps);
      const rec: MemberRecord = {
        step: m.numTimesteps,
        episodeReturn: eps.length ? eps.reduce((a, e) => a + e.return, 0) / eps.length : NaN,
        episodeLength: eps.length ? eps.reduce((a, e) => a + e.length, 0) / eps.length : NaN,
        episodes: eps.length,
        ...stats[k],
        explainedVariance: explainedVariance(m.buffer),
        learningRate: lrs[k],
      };
      this.curves[k].push(rec);
      for (const [name, v] of Object.entries(rec)) if (name !== "step" && name !== "episodes" && name !== "episodeReturn" && name !== "episodeLength") losses[name] = (losses[name] ?? 0) + v / this.size;
    });
    const steps = this.members.reduce((a, m, k) => a + m.numTimesteps - before[k], 0);
    return { steps, episodes: all, losses };
  }

  /** nSteps vector steps of every member (acting as the layout does: host copies, or one batched forward and read). Returns each member's V(s_T). */
  private async collect(episodes: EpisodeRecord[][]): Promise<Float32Array[]> {
    const S = this.size;
    const N = this.env.numEnvs;
    const D = this.enc.inputDim;
    const ad = this.actDim;
    const isDiscrete = this.spec.kind === "discrete";
    const outDim = isDiscrete ? (this.spec as { n: number }).n : ad;
    const nSteps = this.members[0].config.nSteps;
    const x = new Float32Array(S * N * D);
    const actions = isDiscrete ? new Int32Array(N) : new Float32Array(N * ad);
    const envActions = isDiscrete ? new Int32Array(N) : new Float32Array(N * ad);
    const logp = new Float32Array(N);
    const ls = this.nets.logStds();
    for (const m of this.members) m.buffer.reset();
    for (let t = 0; t < nSteps; t++) {
      this.members.forEach((m, k) => this.enc.encode(m.obs!, N, x.subarray(k * N * D, (k + 1) * N * D)));
      const { heads, values } = await this.nets.act(x, N);
      this.members.forEach((m, k) => {
        const head = heads.subarray(k * N * outDim, (k + 1) * N * outDim);
        if (this.spec.kind === "discrete") {
          Categorical.sample(head, outDim, m.rng, actions as Int32Array, false, logp);
          for (let i = 0; i < N; i++) envActions[i] = actions[i] + this.spec.start;
        } else {
          DiagGaussian.sample(head, ls!.subarray(k * ad, (k + 1) * ad), ad, m.rng, actions as Float32Array, false, logp);
          clipActions(actions as Float32Array, this.spec, envActions as Float32Array);
        }
        m.buffer.addStep(x.subarray(k * N * D, (k + 1) * N * D), actions, logp, values.subarray(k * N, (k + 1) * N));
        const r = m.env.step(envActions);
        const autoreset = r.info.autoreset;
        m.tracker.step(r.reward, r.terminated, r.truncated, autoreset, episodes[k]);
        m.buffer.addOutcome(r.reward, r.terminated, r.truncated, autoreset);
        let real = N;
        if (autoreset) for (let i = 0; i < N; i++) real -= autoreset[i];
        m.numTimesteps += real;
        m.obs = r.obs;
      });
    }
    this.members.forEach((m, k) => this.enc.encode(m.obs!, N, x.subarray(k * N * D, (k + 1) * N * D)));
    const last = await this.nets.values(x, N);
    return this.members.map((_, k) => last.slice(k * N, (k + 1) * N));
  }

  /**
   * nEpochs passes of shuffled minibatches per member, all members' j-th minibatch in one batched
   * step (padded to the largest; a member past its last minibatch sits out). Returns each
   * member's mean stats over its own steps, read once at the end (and once per epoch with targetKl).
   */
  private async update(fracs: number[]): Promise<Record<string, number>[]> {
    const S = this.size;
    const c0 = this.members[0].config;
    const D = this.enc.inputDim;
    const ad = this.actDim;
    const isDiscrete = this.spec.kind === "discrete";
    const clip = this.members.map((m, k) => Math.max(rateAt(m.config.clipRange, fracs[k]), 1e-8));
    const clipVf = c0.clipRangeVf === null ? null : this.members.map((m, k) => rateAt(m.config.clipRangeVf!, fracs[k]));
    const idx = this.members.map((m) => m.buffer.validIndices());
    const nb = idx.map((ix) => Math.ceil(ix.length / c0.batchSize));
    const running = new Uint8Array(S).fill(1);
    const epochsDone = new Int32Array(S);
    const stepStats: Tensor[] = [];
    const stepActive: Uint8Array[] = [];
    const coef = {
      clip: tf.tensor2d(clip, [S, 1]),
      clipVf: clipVf ? tf.tensor2d(clipVf, [S, 1]) : null,
      ent: tf.tensor1d(this.members.map((m) => m.config.entCoef)),
      vf: tf.tensor1d(this.members.map((m) => m.config.vfCoef)),
    };
    try {
      for (let epoch = 0; epoch < c0.nEpochs; epoch++) {
        if (!running.some((r) => r)) break;
        this.members.forEach((m, k) => running[k] && shuffleInPlace(idx[k], m.rng));
        const epochStats: { t: Tensor; active: Uint8Array }[] = [];
        const steps = Math.max(...nb.map((n, k) => (running[k] ? n : 0)));
        for (let j = 0; j < steps; j++) {
          const active = new Uint8Array(S);
          const mbs = this.members.map((_, k) => {
            if (!running[k] || j >= nb[k]) return undefined;
            active[k] = 1;
            return idx[k].subarray(j * c0.batchSize, Math.min(idx[k].length, (j + 1) * c0.batchSize));
          });
          const B = Math.max(...mbs.map((mb) => mb?.length ?? 0));
          const obs = new Float32Array(S * B * D);
          const act = new Float32Array(S * B * ad);
          const oldLogp = new Float32Array(S * B);
          const adv = new Float32Array(S * B);
          const ret = new Float32Array(S * B);
          const oldV = new Float32Array(S * B);
          const mask = new Float32Array(S * B);
          const count = new Float32Array(S).fill(1);
          this.members.forEach((m, k) => {
            const mb = mbs[k];
            if (!mb) return;
            const buf = m.buffer;
            gatherRows(buf.obs, D, mb, obs.subarray(k * B * D, k * B * D + mb.length * D));
            gatherRows(buf.actions, ad, mb, act.subarray(k * B * ad, k * B * ad + mb.length * ad));
            gatherRows(buf.logProbs, 1, mb, oldLogp.subarray(k * B, k * B + mb.length));
            const a = gatherRows(buf.advantages, 1, mb);
            if (m.config.normalizeAdvantage && mb.length > 1) normalizeInPlace(a);
            adv.set(a, k * B);
            gatherRows(buf.returns, 1, mb, ret.subarray(k * B, k * B + mb.length));
            gatherRows(buf.values, 1, mb, oldV.subarray(k * B, k * B + mb.length));
            mask.fill(1, k * B, k * B + mb.length);
            count[k] = mb.length;
          });
          const st = tf.tidy(() => {
            const at = isDiscrete ? tf.tensor2d(Int32Array.from(act), [S, B], "int32") : tf.tensor3d(act, [S, B, ad]);
            // A member with fewer rows than B (a short last minibatch) needs the masked mean; sitting-out members' rows do not count.
            const padded = mbs.some((mb) => mb !== undefined && mb.length < B);
            const maskT = padded ? tf.tensor2d(mask, [S, B]) : undefined;
            const cnt = padded ? tf.tensor1d(count) : undefined;
            const mean = (t: Tensor) => (maskT ? tf.div(tf.sum(tf.mul(t, maskT), 1), cnt!) : tf.mean(t, 1));
            const f = this.nets.forward(obs, B);
            const inputs = [f.heads, f.values, ...(f.logStd ? [f.logStd] : [])];
            let kept: Tensor[] = [];
            const { grads } = tf.valueAndGrads((...ts: Tensor[]) => {
              const [logits, value, logStd] = ts;
              const lp = isDiscrete ? Categorical.logProb(logits, at) : DiagGaussian.logProb(logits, logStd, at);
              const ent = isDiscrete ? mean(Categorical.entropy(logits)) : tf.reshape(DiagGaussian.entropy(logStd), [S]);
              const p = ppoLossPieces({ logp: lp, oldLogp: tf.tensor2d(oldLogp, [S, B]), adv: tf.tensor2d(adv, [S, B]), value: tf.reshape(value, [S, B]), oldValue: tf.tensor2d(oldV, [S, B]), returns: tf.tensor2d(ret, [S, B]), clip: coef.clip, clipVf: coef.clipVf, mean });
              const total = tf.add(tf.sub(p.policyLoss, tf.mul(ent, coef.ent)), tf.mul(p.valueLoss, coef.vf));
              kept = [total, p.policyLoss, p.valueLoss, ent, p.approxKl, p.clipFraction].map((t) => tf.keep(t));
              return tf.sum(total) as tf.Scalar;
            })(inputs);
            const norm = f.step(grads, active);
            const out = tf.stack([...kept, norm], 1);
            // kept tensors and the optimizer's gradient norm outlive the tidy unless freed here.
            tf.dispose([...kept, norm]);
            return out;
          });
          epochStats.push({ t: st, active });
        }
        stepStats.push(...epochStats.map((e) => e.t));
        stepActive.push(...epochStats.map((e) => e.active));
        running.forEach((r, k) => r && epochsDone[k]++);
        if (this.members.some((m, k) => running[k] && m.config.targetKl !== null) && epochStats.length) {
          // One read per epoch: each member's approximate KL of every minibatch of the epoch.
          const [kl] = (await readTensors([tf.tidy(() => tf.stack(epochStats.map((e) => tf.reshape(tf.gather(e.t, [4], 1), [S]))))], { dispose: true })) as Float32Array[];
          this.members.forEach((m, k) => {
            if (!running[k] || m.config.targetKl === null) return;
            let s = 0;
            let n = 0;
            epochStats.forEach((e, j) => e.active[k] && ((s += kl[j * S + k]), n++));
            if (n && s / n > m.config.targetKl) running[k] = 0;
          });
        }
      }
      const all = stepStats.length ? ((await readTensors([tf.tidy(() => tf.stack(stepStats))], { dispose: true }))[0] as Float32Array) : new Float32Array(0);
      const W = STAT_NAMES.length;
      return this.members.map((_, k) => {
        const sum = new Float64Array(W);
        let n = 0;
        stepActive.forEach((a, j) => {
          if (!a[k]) return;
          n++;
          for (let w = 0; w < W; w++) sum[w] += all[(j * S + k) * W + w];
        });
        const rec: Record<string, number> = {};
        STAT_NAMES.forEach((name, w) => (rec[name] = n ? sum[w] / n : NaN));
        rec.epochs = epochsDone[k];
        rec.clipRange = clip[k];
        return rec;
      });
    } finally {
      tf.dispose(stepStats);
      tf.dispose([coef.clip, coef.ent, coef.vf, ...(coef.clipVf ? [coef.clipVf] : [])]);
    }
  }

  /** Member k's PPO agent with the population's state copied in (its networks, log-std, Adam, steps); owned by the population: do not dispose it. */
  private async memberAgent(k: number): Promise<PPO<A>> {
    await this.nets.toAgents();
    const m = this.members[this.index(k)];
    m.agent.numTimesteps = m.numTimesteps;
    m.agent.numUpdates = this.numUpdates;
    return m.agent as PPO<A>;
  }

  /** Member k's weights, actor's then critic's ([W0, b0, ...] each, MLP.variables order), with one read. */
  async memberWeights(k: number): Promise<Float32Array[]> {
    const a = await this.memberAgent(k);
    return (await readTensors([...a.actor.variables, ...a.critic.variables])) as Float32Array[];
  }

  /**
   * Member `k` as a standalone PPO agent on `env` (e.g. for evaluation): its config, weights and
   * log-std copied in, its generator started from its seed. The caller disposes it.
   */
  async member(k: number, env: AgentEnv<A>): Promise<PPO<A>> {
    const src = await this.memberAgent(k);
    const agent = new PPO<A>(env, { ...src.config });
    const w = await readTensors([...src.actor.variables, ...src.critic.variables, ...(src.logStd ? [src.logStd] : [])]);
    const na = src.actor.variables.length;
    const nc = src.critic.variables.length;
    agent.actor.setWeights(w.slice(0, na));
    agent.critic.setWeights(w.slice(na, na + nc));
    if (agent.logStd) tf.tidy(() => agent.logStd!.assign(tf.tensor(w[na + nc] as Float32Array, agent.logStd!.shape)));
    await agent.syncActing();
    agent.numTimesteps = src.numTimesteps;
    return agent;
  }

  /** Actions of member 0's policy, on its host copy (use `member(k, env)` for another member's). */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    const head = this.members[0].agent.actor.forwardHost(this.enc.encode(obs, k), k);
    const rng = this.members[0].rng;
    if (this.spec.kind === "discrete") {
      const a = Categorical.sample(head, this.spec.n, rng, new Int32Array(k), deterministic);
      if (this.spec.start) for (let i = 0; i < k; i++) a[i] += this.spec.start;
      return a;
    }
    const a = DiagGaussian.sample(head, this.nets.logStds()!.subarray(0, this.spec.dim), this.spec.dim, rng, new Float32Array(k * this.spec.dim), deterministic);
    return clipActions(a, this.spec);
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    const a = this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false);
    return (this.spec.kind === "discrete" ? a[0] : a) as ActionOf<A>;
  }

  /** Refreshes what acting reads (done after every iteration; call it after changing weights by hand). */
  async syncActing(): Promise<void> {
    await this.nets.sync();
    if (this.layout === "stacked") {
      await this.nets.toAgents();
      await syncHostWeights([this.members[0].agent.actor]);
    }
  }

  /**
   * Writes the population: every member as a standalone PPO checkpoint in `dir/members/<k>`
   * (weights, Adam moments, generator, env steps: `PPO.load` reads it), and the population's own
   * record in `dir` (seeds, iteration count, every member's curve).
   */
  async save(dir: string): Promise<void> {
    await this.nets.toAgents();
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.members.map((m) => m.config),
      meta: { seeds: this.seeds, numUpdates: this.numUpdates, layout: this.layout, curves: this.curves, env: envSignature(this.env) },
      networks: {},
      arrays: {},
    });
    for (let k = 0; k < this.size; k++) {
      const a = await this.memberAgent(k);
      await a.save(path.join(dir, "members", String(k)));
    }
  }

  /**
   * Loads a population written by `save`: `env(k)` makes member k's env (same spaces and env
   * count as when saved); `layout` may differ from the saved one. Training resumes exactly where
   * the saved population stood (each member's generator, weights and Adam state).
   */
  static async load<A>(dir: string, options: { env: (k: number) => AgentEnv<A>; layout?: PopulationLayout }): Promise<PPOPopulation<A>> {
    const ck = await readAgentCheckpoint(dir, "PPOPopulation");
    const meta = ck.meta as { seeds?: number[]; numUpdates?: number; curves?: MemberRecord[][] };
    if (!Array.isArray(meta.seeds) || !Array.isArray(meta.curves) || meta.curves.length !== meta.seeds.length) {
      throw new CheckpointError(dir, "is not a complete PPOPopulation checkpoint (no seeds or curves); it was not written by PPOPopulation.save");
    }
    const agents: PPO<A>[] = [];
    try {
      for (let k = 0; k < meta.seeds.length; k++) agents.push(await PPO.load<A>(path.join(dir, "members", String(k)), options.env(k)));
    } catch (e) {
      for (const a of agents) a.dispose();
      throw e;
    }
    const pop = new PPOPopulation<A>({ env: options.env, seeds: meta.seeds, layout: options.layout }, agents);
    pop.numUpdates = meta.numUpdates ?? 0;
    meta.curves.forEach((c, k) => pop.curves[k].push(...c.map(revive)));
    await pop.nets.fromAgents();
    await pop.syncActing();
    return pop;
  }

  dispose(): void {
    this.nets.dispose();
    for (const m of this.members) m.agent.dispose();
  }
}

/** A record read back from JSON: NaN (no episode ended, no update) was written as null. */
export function revive(r: MemberRecord): MemberRecord {
  const out = { ...r };
  for (const [k, v] of Object.entries(out)) if (v === null) out[k] = NaN;
  return out;
}
