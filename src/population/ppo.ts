/**
 * Many PPO agents trained as one batched program: S members (different seeds, or a grid of
 * hyperparameters), each with its own vector env, generator, rollout buffer and optimizer
 * state, whose networks are stacked into [S, ...] tensors (population/stacked.ts). Acting for all
 * members is one batched forward per vector step and one read; an update step is one batched
 * forward / backward and one batched Adam step for all of them. On wasm a small network's step
 * costs its op count, not its flops, so 16 members cost a few times one run, not 16; a GPU gets
 * its work in large batches (PureJaxRL's idea, with tfjs).
 *
 * Each member is the PPO of algos/ppo.ts with its own seed: the same initial weights (members
 * are built as PPO agents and their networks stacked), the same generator draws in the same
 * order (env reset seed, action samples, minibatch shuffles), the same rollout, GAE and loss,
 * and Adam with the same float32 constants. So member k follows `new PPO(env, {...config, seed:
 * seeds[k]})` trained alone, up to float rounding of the batched kernels (test/modern/population
 * .test.ts compares them). Members whose valid rollouts differ in length (next-step autoreset
 * steps are dropped) take different numbers of minibatches: the batch is padded and a member
 * without a minibatch sits the step out (no Adam step), as it would alone.
 *
 * Per-member hyperparameters (`configs[k]`) may differ in anything that keeps the tensors' shapes:
 * learning rate and its schedule, clip ranges, entropy / value coefficients, gamma, GAE lambda,
 * gradient clip, Adam epsilon, target KL. Network shapes, rollout length, minibatch size and
 * epochs must match (the error names the member and the field).
 *
 * `train(population, {steps})` drives it like any agent: `numTimesteps` is the smallest member's
 * env-step count (all members take the same number of iterations); each record carries the mean
 * over members, and `population.curves` keeps every member's own records (per-seed learning
 * curves, `seedCurves` / `seedBandChart` in population/curves.ts).
 */
import type { Rng } from "../core/rng.js";
import type { VectorEnv } from "../core/vector.js";
import { gatherRows, RolloutBuffer } from "../buffers/rollout.js";
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import { ConfigError, EpisodeTracker, ObsEncoder, actionSpec, clipActions, obsRow, toVectorEnv, type ActOptions, type ActionOf, type ActionSpec, type Agent, type AgentEnv, type EpisodeRecord, type IterationResult } from "../algos/base.js";
import { envSignature, writeAgentCheckpoint, type CheckpointArrays } from "../algos/checkpointing.js";
import { explainedVariance, normalizeInPlace } from "../algos/on-policy.js";
import { PPO, type PPOConfig, type PPOPresetName } from "../algos/ppo.js";
import { rateAt, TrainingProgress } from "../algos/schedules.js";
import { readTensors } from "../nn/read.js";
import { MLP } from "../nn/mlp.js";
import { StackedAdam, StackedMLP } from "./stacked.js";

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
  readonly config: Readonly<PPOConfig>;
  readonly env: VectorEnv;
  readonly rng: Rng;
  readonly buffer: RolloutBuffer;
  readonly tracker: EpisodeTracker;
  readonly progress: TrainingProgress;
  obs: Float32Array | undefined;
  numTimesteps: number;
}

/** S PPO agents trained as one batched program (see the module comment); `A` is the env's action type. */
export class PPOPopulation<A = any> implements Agent<A> {
  readonly algo = "PPOPopulation";
  readonly size: number;
  readonly seeds: readonly number[];
  /** Every member's records, one per iteration: `curves[k][i]` is member k after iteration i. */
  readonly curves: MemberRecord[][];
  readonly actor: StackedMLP;
  readonly critic: StackedMLP;
  /** Continuous actions: the members' log-stds [S, 1, dim]. */
  readonly logStd: Variable | undefined;
  readonly optimizer: StackedAdam;
  numUpdates = 0;
  private readonly members: Member[];
  private readonly enc: ObsEncoder;
  private readonly spec: ActionSpec;
  private readonly actDim: number;
  /** Member 0's policy for `act`: an MLP whose host copy (MLP.forwardHost) is refreshed after every update. */
  private readonly actingNet: MLP;
  private hostLogStd: Float32Array | undefined;

  constructor(options: PPOPopulationOptions<A>) {
    const { seeds } = options;
    if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new ConfigError("PPOPopulation", "seeds", seeds, "a non-empty array of integer seeds >= 0, one per member (e.g. [0, 1, 2, 3])");
    }
    if (options.config && "seed" in options.config) throw new ConfigError("PPOPopulation", "config.seed", options.config.seed, "no seed in the shared config: the members' seeds are `seeds`");
    if (options.configs !== undefined && (!Array.isArray(options.configs) || options.configs.length !== seeds.length)) {
      throw new ConfigError("PPOPopulation", "configs", options.configs, `an array of ${seeds.length} per-member configs (one per seed), or undefined`);
    }
    this.size = seeds.length;
    this.seeds = [...seeds];
    const agents: PPO[] = [];
    try {
      seeds.forEach((seed, k) => {
        const env = toVectorEnv(options.env(k), "PPOPopulation");
        const cfg: Partial<PPOConfig> = { ...options.config, ...options.configs?.[k], seed };
        agents.push(options.preset ? PPO.preset(options.preset, env, cfg) : new PPO(env, cfg));
      });
      this.checkMembers(agents);
      const first = agents[0];
      this.enc = new ObsEncoder(first.env.singleObservationSpace, "PPOPopulation");
      this.spec = actionSpec(first.env.singleActionSpace, "PPOPopulation", ["discrete", "box"]);
      this.actDim = this.spec.kind === "discrete" ? 1 : this.spec.dim;
      this.actor = StackedMLP.fromMLPs(agents.map((a) => a.actor));
      this.critic = StackedMLP.fromMLPs(agents.map((a) => a.critic));
      this.actingNet = new MLP(first.actor.inputDim, first.actor.outputDim, { ...first.actor.opts, rng: 0, name: "population_actor0" });
      this.actingNet.setHostWeights(first.actor.hostWeights);
      this.logStd = first.logStd ? tf.tidy(() => tf.variable(tf.stack(agents.map((a) => a.logStd!)), true)) : undefined;
      if (this.logStd) this.hostLogStd = new Float32Array(this.actDim).fill(first.config.logStdInit);
      const vars = [...this.actor.variables, ...this.critic.variables, ...(this.logStd ? [this.logStd] : [])];
      this.optimizer = new StackedAdam(vars, this.size, { eps: agents.map((a) => a.config.adamEps), maxGradNorm: agents.map((a) => a.config.maxGradNorm) });
      this.members = agents.map((a, k) => ({
        seed: seeds[k],
        config: a.config,
        env: a.env,
        // The member's generator as the PPO constructor left it (after the init split).
        rng: a.rng,
        buffer: new RolloutBuffer(a.config.nSteps, a.env.numEnvs, this.enc.inputDim, this.actDim),
        tracker: new EpisodeTracker(a.env.numEnvs),
        progress: new TrainingProgress(),
        obs: undefined,
        numTimesteps: 0,
      }));
      this.curves = this.members.map(() => []);
    } finally {
      for (const a of agents) a.dispose();
    }
  }

  /** Members must share spaces, env counts and every shape-setting field; normalization is per-agent state the population does not carry. */
  private checkMembers(agents: PPO[]): void {
    const first = agents[0];
    const sig0 = envSignature(first.env);
    agents.forEach((a, k) => {
      const sig = envSignature(a.env);
      if (sig.obs !== sig0.obs || sig.act !== sig0.act || sig.numEnvs !== sig0.numEnvs) {
        throw new ConfigError("PPOPopulation", `env(${k})`, `${sig.numEnvs} x obs ${sig.obs}, act ${sig.act}`, `the same spaces and env count as member 0's (${sig0.numEnvs} x obs ${sig0.obs}, act ${sig0.act})`);
      }
      if (k > 0 && a.env === first.env) throw new ConfigError("PPOPopulation", `env(${k})`, "the env of member 0", "a new env per member: env: (k) => make(id, {numEnvs})");
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

  /** The env of member 0 (every member has its own copy, `memberEnv(k)`). */
  get env(): VectorEnv {
    return this.members[0].env;
  }

  /** Member k's training env. */
  memberEnv(k: number): VectorEnv {
    return this.members[this.index(k)].env;
  }

  /** Member k's resolved config. */
  memberConfig(k: number): Readonly<PPOConfig> {
    return this.members[this.index(k)].config;
  }

  /** Member k's env steps. */
  memberTimesteps(k: number): number {
    return this.members[this.index(k)].numTimesteps;
  }

  /** The smallest member's env steps (train runs until every member has its steps). */
  get numTimesteps(): number {
    return Math.min(...this.members.map((m) => m.numTimesteps));
  }

  private index(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k >= this.size) throw new RangeError(`PPOPopulation: member ${k} does not exist (members 0..${this.size - 1})`);
    return k;
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
    this.members.forEach((m, k) => (this.optimizer.lr[k] = rateAt(m.config.learningRate, fracs[k])));
    const before = this.members.map((m) => m.numTimesteps);
    const episodes = this.members.map((): EpisodeRecord[] => []);
    const last = await this.collect(episodes);
    this.members.forEach((m, k) => m.buffer.computeAdvantages(last[k], m.config.gamma, m.config.gaeLambda));
    const stats = await this.update(fracs);
    this.numUpdates++;
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
        learningRate: this.optimizer.lr[k],
      };
      this.curves[k].push(rec);
      for (const [name, v] of Object.entries(rec)) if (name !== "step" && name !== "episodes" && name !== "episodeReturn" && name !== "episodeLength") losses[name] = (losses[name] ?? 0) + v / this.size;
    });
    const steps = this.members.reduce((a, m, k) => a + m.numTimesteps - before[k], 0);
    return { steps, episodes: all, losses };
  }

  /** nSteps vector steps of every member: one batched forward of both networks and one read per step. Returns each member's V(s_T). */
  private async collect(episodes: EpisodeRecord[][]): Promise<Float32Array[]> {
    const S = this.size;
    const N = this.env.numEnvs;
    const D = this.enc.inputDim;
    const isDiscrete = this.spec.kind === "discrete";
    const outDim = this.actor.outputDim;
    const nSteps = this.members[0].config.nSteps;
    const x = new Float32Array(S * N * D);
    const actions = isDiscrete ? new Int32Array(N) : new Float32Array(N * this.actDim);
    const envActions = isDiscrete ? new Int32Array(N) : new Float32Array(N * this.actDim);
    const logp = new Float32Array(N);
    const values = new Float32Array(N);
    const head = new Float32Array(N * outDim);
    const ls = isDiscrete ? undefined : (await readF32([this.logStd!]))[0];
    for (const m of this.members) m.buffer.reset();
    for (let t = 0; t < nSteps; t++) {
      this.members.forEach((m, k) => this.enc.encode(m.obs!, N, x.subarray(k * N * D, (k + 1) * N * D)));
      const both = tf.tidy(() => {
        const xt = tf.tensor3d(x, [S, N, D]);
        return tf.concat([this.actor.apply(xt), this.critic.apply(xt)], 2);
      });
      const [data] = await readF32([both]);
      both.dispose();
      this.members.forEach((m, k) => {
        const o = k * N * (outDim + 1);
        for (let i = 0; i < N; i++) {
          head.set(data.subarray(o + i * (outDim + 1), o + i * (outDim + 1) + outDim), i * outDim);
          values[i] = data[o + i * (outDim + 1) + outDim];
        }
        if (this.spec.kind === "discrete") {
          Categorical.sample(head, outDim, m.rng, actions as Int32Array, false, logp);
          for (let i = 0; i < N; i++) envActions[i] = actions[i] + this.spec.start;
        } else {
          DiagGaussian.sample(head, ls!.subarray(k * this.actDim, (k + 1) * this.actDim), this.actDim, m.rng, actions as Float32Array, false, logp);
          clipActions(actions as Float32Array, this.spec, envActions as Float32Array);
        }
        m.buffer.addStep(x.subarray(k * N * D, (k + 1) * N * D), actions, logp, values);
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
    const v = tf.tidy(() => this.critic.apply(tf.tensor3d(x, [S, N, D])));
    const [last] = await readF32([v]);
    v.dispose();
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
    const coef = tf.tidy(() => ({
      clip: tf.keep(tf.tensor2d(clip, [S, 1])),
      clipVf: clipVf ? tf.keep(tf.tensor2d(clipVf, [S, 1])) : undefined,
      ent: tf.keep(tf.tensor1d(this.members.map((m) => m.config.entCoef))),
      vf: tf.keep(tf.tensor1d(this.members.map((m) => m.config.vfCoef))),
    }));
    try {
      for (let epoch = 0; epoch < c0.nEpochs; epoch++) {
        if (!running.some((r) => r)) break;
        this.members.forEach((m, k) => running[k] && shuffle(idx[k], m.rng));
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
            const xt = tf.tensor3d(obs, [S, B, D]);
            const at = isDiscrete ? tf.tensor2d(Int32Array.from(act), [S, B], "int32") : tf.tensor3d(act, [S, B, ad]);
            const maskT = tf.tensor2d(mask, [S, B]);
            const cnt = tf.tensor1d(count);
            const mean = (t: Tensor) => tf.div(tf.sum(tf.mul(t, maskT), 1), cnt);
            const fa = this.actor.forward(xt);
            const fc = this.critic.forward(xt);
            const inputs = [fa.out, fc.out, ...(this.logStd ? [this.logStd] : [])];
            let kept: Tensor[] = [];
            const { value, grads } = tf.valueAndGrads((...ts: Tensor[]) => {
              const [logits, value, logStd] = ts;
              const lp = isDiscrete ? Categorical.logProb(logits, at) : DiagGaussian.logProb(logits, logStd, at);
              const ent = isDiscrete ? mean(Categorical.entropy(logits)) : tf.reshape(DiagGaussian.entropy(logStd), [S]);
              const p = maskedPpoLoss({ logp: lp, oldLogp: tf.tensor2d(oldLogp, [S, B]), adv: tf.tensor2d(adv, [S, B]), value: tf.reshape(value, [S, B]), oldValue: tf.tensor2d(oldV, [S, B]), returns: tf.tensor2d(ret, [S, B]), clip: coef.clip, clipVf: coef.clipVf, mean });
              const total = tf.add(tf.sub(p.policyLoss, tf.mul(ent, coef.ent)), tf.mul(p.valueLoss, coef.vf));
              kept = [total, p.policyLoss, p.valueLoss, ent, p.approxKl, p.clipFraction].map((t) => tf.keep(t));
              return tf.sum(total) as tf.Scalar;
            })(inputs);
            void value;
            const g = [...this.actor.backward(fa.cache, grads[0]), ...this.critic.backward(fc.cache, grads[1]), ...grads.slice(2)];
            const norm = this.optimizer.apply(g, active);
            const out = tf.stack([...kept, norm ?? tf.zeros([S])], 1);
            tf.dispose(kept);
            norm?.dispose();
            return out;
          });
          epochStats.push({ t: st, active });
        }
        stepStats.push(...epochStats.map((e) => e.t));
        stepActive.push(...epochStats.map((e) => e.active));
        running.forEach((r, k) => r && epochsDone[k]++);
        if (this.members.some((m, k) => running[k] && m.config.targetKl !== null) && epochStats.length) {
          // One read per epoch: each member's mean approximate KL over its minibatches of the epoch.
          const [kl] = (await readTensors([tf.tidy(() => tf.stack(epochStats.map((e) => tf.slice(e.t, [0, 4], [S, 1]))))], { dispose: true })) as Float32Array[];
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

  /** Refreshes member 0's host copy that `act` uses with one read (done after every iteration). */
  async syncActing(): Promise<void> {
    const ws = tf.tidy(() => this.actor.copyWeights(0));
    const extra = this.logStd ? [tf.tidy(() => tf.reshape(tf.slice(this.logStd!, [0, 0, 0], [1, 1, this.actDim]), [this.actDim]))] : [];
    const vals = await readF32([...ws, ...extra]);
    tf.dispose([...ws, ...extra]);
    this.actingNet.setHostWeights(vals.slice(0, ws.length));
    if (extra.length) this.hostLogStd = vals[ws.length];
  }

  /**
   * Member `k` as a standalone PPO agent on `env` (default: a new env is not made; pass one, e.g.
   * for evaluation): its config, weights and log-std copied in. Its generator starts from its seed.
   */
  async member(k: number, env: AgentEnv<A>): Promise<PPO<A>> {
    const m = this.members[this.index(k)];
    const agent = new PPO<A>(env, { ...m.config });
    const ws = this.actor.copyWeights(k);
    const wc = this.critic.copyWeights(k);
    const vals = await readF32([...ws, ...wc]);
    tf.dispose([...ws, ...wc]);
    agent.actor.setWeights(vals.slice(0, ws.length));
    agent.critic.setWeights(vals.slice(ws.length));
    if (this.logStd && agent.logStd) {
      const target = agent.logStd;
      tf.tidy(() => target.assign(tf.reshape(tf.slice(this.logStd!, [k, 0, 0], [1, 1, this.actDim]), target.shape)));
    }
    agent.numTimesteps = m.numTimesteps;
    return agent;
  }

  /** Actions of member 0's policy (use `member(k, env)` for another member's). */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    const head = this.actingNet.forwardHost(this.enc.encode(obs, k), k);
    const rng = this.members[0].rng;
    if (this.spec.kind === "discrete") {
      const a = Categorical.sample(head, this.spec.n, rng, new Int32Array(k), deterministic);
      if (this.spec.start) for (let i = 0; i < k; i++) a[i] += this.spec.start;
      return a;
    }
    const a = DiagGaussian.sample(head, this.hostLogStd!, this.spec.dim, rng, new Float32Array(k * this.spec.dim), deterministic);
    return clipActions(a, this.spec);
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    const a = this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false);
    return (this.spec.kind === "discrete" ? a[0] : a) as ActionOf<A>;
  }

  /** Writes the stacked weights, the optimizer moments and every member's counters, generator and curve. */
  async save(dir: string): Promise<void> {
    const vars = this.optimizer.variables;
    const { m, v } = this.optimizer.moments;
    const vals = await readF32([...vars, m, v]);
    const arrays: CheckpointArrays = {};
    vars.forEach((_, i) => (arrays[`var/${i}`] = vals[i]));
    arrays["adam/m"] = vals[vars.length];
    arrays["adam/v"] = vals[vars.length + 1];
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.members.map((mm) => mm.config),
      meta: {
        seeds: this.seeds,
        numUpdates: this.numUpdates,
        members: this.members.map((mm, k) => ({ numTimesteps: mm.numTimesteps, rng: mm.rng.state, adamSteps: this.optimizer.steps[k], lr: this.optimizer.lr[k] })),
        curves: this.curves,
        env: envSignature(this.env),
      },
      networks: {},
      arrays,
    });
  }

  dispose(): void {
    this.actingNet.dispose();
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
    this.optimizer.dispose();
  }
}

/**
 * PPO's loss pieces per member over padded minibatches [S, B]: `mean` averages each member's
 * valid rows (a masked mean), and `clip` / `clipVf` are per member [S, 1]. Member k's values are
 * algos/ppo.ts's `ppoLoss` on its own rows (test/modern/population.test.ts checks this).
 */
export function maskedPpoLoss(a: { logp: Tensor; oldLogp: Tensor; adv: Tensor; value: Tensor; oldValue: Tensor; returns: Tensor; clip: Tensor; clipVf: Tensor | undefined; mean: (t: Tensor) => Tensor }): {
  policyLoss: Tensor;
  valueLoss: Tensor;
  approxKl: Tensor;
  clipFraction: Tensor;
} {
  const logRatio = tf.sub(a.logp, a.oldLogp);
  const ratio = tf.exp(logRatio);
  const pg1 = tf.mul(tf.neg(a.adv), ratio);
  const pg2 = tf.mul(tf.neg(a.adv), tf.minimum(tf.maximum(ratio, tf.sub(1, a.clip)), tf.add(1, a.clip)));
  const policyLoss = a.mean(tf.maximum(pg1, pg2));
  let valueLoss: Tensor;
  if (!a.clipVf) valueLoss = a.mean(tf.square(tf.sub(a.value, a.returns)));
  else {
    const d = tf.sub(a.value, a.oldValue);
    const vClipped = tf.add(a.oldValue, tf.minimum(tf.maximum(d, tf.neg(a.clipVf)), a.clipVf));
    valueLoss = a.mean(tf.maximum(tf.square(tf.sub(a.value, a.returns)), tf.square(tf.sub(vClipped, a.returns))));
  }
  const approxKl = a.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFraction = a.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), a.clip), "float32"));
  return { policyLoss, valueLoss, approxKl, clipFraction };
}

/** Fisher-Yates with the member's generator, as algos/ppo.ts shuffles. */
function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Reads float32 tensors with one await (nn/read.ts). */
async function readF32(ts: readonly Tensor[]): Promise<Float32Array[]> {
  return (await readTensors(ts)) as Float32Array[];
}
