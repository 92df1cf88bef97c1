/**
 * Many DQN agents trained as one program: S members (different seeds, or a grid of
 * hyperparameters), each a real algos/dqn.ts DQN agent built with its seed (so its initial
 * networks and generator are the solo agent's) with its own vector env, replay buffer, n-step
 * adder, Adam and target network. What the members share is the work:
 * - acting: epsilon-greedy on each member's host copy of its Q network (plain JavaScript, no
 *   tensor round trip per member and step), refreshed with one read for all members after a
 *   vector step in which any member trained;
 * - updates: every member's j-th due minibatch step of a vector step runs together, the Q-learning
 *   loss of all members as one set of [S, B] tensor ops, one backward and one Adam step per
 *   member (2-D ops: on tfjs-wasm the fast form, see population/ppo.ts), stats read once per
 *   iteration.
 *
 * Each member follows `new DQN(env, {...config, seed: seeds[k]})` trained alone, step for step:
 * the same random actions before learningStarts, epsilon schedule, replay samples (its own
 * generator), training rounds (one per trainFreq of its own env steps), learning-rate schedule,
 * target updates, and the same iteration boundaries (a member whose iteration is complete waits
 * for the others). So member k's records equal the solo run's (test/modern/population-dqn.test.ts
 * compares them), up to float rounding of the host forward pass against the backend's when two
 * actions' Q values tie to ~1e-7.
 *
 * Per-member hyperparameters may differ in anything that keeps the shapes: learning rate and its
 * schedule, gamma, tau, target interval, exploration schedule, learning starts, train frequency,
 * gradient steps, double Q, loss, gradient clip, buffer size, n-step. Network shape and batch size
 * must match. Prioritized replay and HER are per-agent samplers the population does not run
 * (train such agents one by one with DQN).
 */
import path from "node:path";
import type { VectorEnv } from "../core/vector.js";
import { NStepAdder } from "../buffers/nstep.js";
import { tf, type Tensor } from "../nn/tf.js";
import { Categorical } from "../nn/distributions.js";
import { syncHostWeights, type MLPCache } from "../nn/mlp.js";
import { readTensors } from "../nn/read.js";
import { CheckpointError } from "../nn/checkpoint.js";
import { ConfigError, EpisodeTracker, ObsEncoder, actionSpec, obsRow, type ActionSpec, toVectorEnv, type ActOptions, type ActionOf, type Agent, type AgentEnv, type EpisodeRecord, type IterationResult } from "../algos/base.js";
import { envSignature, readAgentCheckpoint, writeAgentCheckpoint } from "../algos/checkpointing.js";
import { randomActions } from "../algos/off-policy.js";
import { DQN, dqnLoss, dqnTargets, type DQNConfig, type DQNPresetName } from "../algos/dqn.js";
import { rateAt, TrainingProgress } from "../algos/schedules.js";
import { checkMemberEnvs, checkPopulationOptions, PopulationMembers } from "./members.js";
import { revive, type MemberRecord } from "./ppo.js";

/** How to build a DQN population. */
export interface DQNPopulationOptions<A = unknown> {
  /** Makes member k's training env (called once per member; give each member its own env). */
  env: (k: number) => AgentEnv<A>;
  /** One seed per member (the population's size). */
  seeds: readonly number[];
  /** A DQN preset for every member, under `config`. */
  preset?: DQNPresetName;
  /** Config shared by every member (any DQNConfig field but `seed`). */
  config?: Partial<DQNConfig>;
  /** Per-member overrides on top of `config` (a hyperparameter grid); same length as seeds. */
  configs?: readonly Partial<DQNConfig>[];
}

/** Fields that set tensor shapes: equal for every member. */
const SHARED_FIELDS = ["netArch", "batchSize"] as const;

interface Member {
  readonly seed: number;
  readonly agent: DQN;
  readonly config: Readonly<DQNConfig>;
  readonly env: VectorEnv;
  readonly adder: NStepAdder;
  readonly tracker: EpisodeTracker;
  readonly progress: TrainingProgress;
  obs: Float32Array | undefined;
  numTimesteps: number;
  sinceTrain: number;
  sinceTarget: number;
}

/** S DQN agents trained as one program (see the module comment); `A` is the env's action type. */
export class DQNPopulation<A = any> extends PopulationMembers<DQNConfig, Member> implements Agent<A> {
  readonly algo = "DQNPopulation";
  readonly seeds: readonly number[];
  /** Every member's records, one per iteration: `curves[k][i]` is member k after iteration i (as its solo `train` record). */
  readonly curves: MemberRecord[][];
  protected readonly members: Member[];
  private readonly enc: ObsEncoder;
  private readonly spec: Extract<ActionSpec, { kind: "discrete" }>;
  private readonly nActions: number;
  private readonly actStart: number;

  /** Builds the members (`agents` is load's: members restored from their checkpoints). */
  constructor(options: DQNPopulationOptions<A>, agents?: DQN[]) {
    super();
    const { seeds } = options;
    checkPopulationOptions("DQNPopulation", options);
    this.seeds = [...seeds];
    const built = agents ?? [];
    try {
      if (!agents) {
        seeds.forEach((seed, k) => {
          const env = toVectorEnv(options.env(k), "DQNPopulation");
          const cfg: Partial<DQNConfig> = { ...options.config, ...options.configs?.[k], seed };
          built.push(options.preset ? DQN.preset(options.preset, env, cfg) : new DQN(env, cfg));
        });
      }
      this.checkMembers(built);
    } catch (e) {
      for (const a of built) a.dispose();
      throw e;
    }
    const first = built[0];
    this.enc = new ObsEncoder(first.env.singleObservationSpace, "DQNPopulation");
    this.spec = actionSpec(first.env.singleActionSpace, "DQNPopulation", ["discrete"]) as Extract<ActionSpec, { kind: "discrete" }>;
    this.nActions = this.spec.n;
    this.actStart = this.spec.start;
    this.members = built.map((a, k) => ({
      seed: seeds[k],
      agent: a,
      config: a.config,
      env: a.env,
      adder: new NStepAdder(a.env.numEnvs, a.config.nStep, a.config.gamma, a.replay),
      tracker: new EpisodeTracker(a.env.numEnvs),
      progress: new TrainingProgress(),
      obs: undefined,
      numTimesteps: a.numTimesteps,
      sinceTrain: 0,
      sinceTarget: 0,
    }));
    this.curves = this.members.map(() => []);
  }

  private checkMembers(agents: DQN[]): void {
    const first = agents[0];
    checkMemberEnvs("DQNPopulation", agents);
    agents.forEach((a, k) => {
      for (const f of SHARED_FIELDS) {
        if (JSON.stringify(a.config[f]) !== JSON.stringify(first.config[f])) {
          throw new ConfigError("DQNPopulation", `configs[${k}].${f}`, a.config[f], `${JSON.stringify(first.config[f])}, member 0's value: members' losses are computed as one [members, batch] program, so network shapes and batchSize must match (train different shapes as separate populations)`);
        }
      }
      if (a.config.prioritized) throw new ConfigError("DQNPopulation", `configs[${k}].prioritized`, true, "false: a population samples uniformly (train a prioritized-replay agent alone with DQN)");
      if (a.config.her) throw new ConfigError("DQNPopulation", `configs[${k}].her`, a.config.her, "null: a population does not relabel goals (train a HER agent alone with DQN)");
    });
  }


  /** Member k's exploration rate now (DQN.epsilon's linear schedule over its run). */
  epsilon(k: number): number {
    const m = this.members[this.index(k)];
    const c = m.config;
    const span = m.progress.span * c.explorationFraction;
    const frac = span <= 0 ? 1 : Math.min(1, (m.numTimesteps - m.progress.startStep) / span);
    return c.explorationInitialEps + frac * (c.explorationFinalEps - c.explorationInitialEps);
  }

  beginTraining(steps: number): void {
    for (const m of this.members) {
      m.progress.begin(m.numTimesteps, steps);
      // As DQN.beginTraining: fresh episodes from a seed drawn from the member's generator.
      m.obs = m.env.reset({ seed: m.agent.rng.integer(2 ** 31) }).obs;
      m.tracker.reset();
      m.adder.clear();
    }
  }

  /**
   * Each member's DQN iteration (about max(trainFreq, 1000) of its env steps, as DQN's), the
   * members stepping together; a member whose iteration is complete waits for the rest.
   */
  async learnIteration(): Promise<IterationResult> {
    if (this.members.some((m) => !m.obs)) this.beginTraining(1e9);
    const S = this.size;
    const before = this.members.map((m) => m.numTimesteps);
    const episodes = this.members.map((): EpisodeRecord[] => []);
    const stats: { t: Tensor; active: Uint8Array }[] = [];
    const trained = new Uint8Array(S);
    const going = (m: Member, k: number) => m.numTimesteps - before[k] < Math.max(m.config.trainFreq, 1000) || m.numTimesteps === before[k];
    for (;;) {
      const active = this.members.map((m, k) => going(m, k));
      if (!active.some((a) => a)) break;
      // One vector step of every member still in its iteration, then the updates due.
      const due = new Int32Array(S);
      this.members.forEach((m, k) => {
        if (!active[k]) return;
        const real = this.collectStep(m, k, episodes[k]);
        m.sinceTarget += real;
        if (this.learningStarted(m)) {
          while (m.sinceTrain >= m.config.trainFreq) {
            m.sinceTrain -= m.config.trainFreq;
            due[k] += m.config.gradientSteps;
          }
        } else {
          m.sinceTrain = Math.min(m.sinceTrain, m.config.trainFreq);
        }
      });
      if (due.some((d) => d > 0)) {
        await this.updates(due, stats);
        due.forEach((d, k) => d && (trained[k] = 1));
        await this.syncActing(due);
      }
      this.members.forEach((m, k) => {
        if (!active[k] || !this.learningStarted(m)) return;
        const c = m.config;
        while (m.sinceTarget >= c.targetUpdateInterval) {
          m.sinceTarget -= c.targetUpdateInterval;
          if (c.tau >= 1) m.agent.target.copyFrom(m.agent.q);
          else m.agent.target.softUpdate(m.agent.q, c.tau);
        }
      });
    }
    // Each member's mean stats over its own updates, read once.
    const all = stats.length ? ((await readTensors([tf.stack(stats.map((s) => s.t))], { dispose: true }))[0] as Float32Array) : new Float32Array(0);
    tf.dispose(stats.map((s) => s.t));
    const allEpisodes: EpisodeRecord[] = [];
    const losses: Record<string, number> = {};
    this.members.forEach((m, k) => {
      let loss = 0;
      let q = 0;
      let n = 0;
      stats.forEach((s, j) => {
        if (!s.active[k]) return;
        loss += all[(j * S + k) * 2];
        q += all[(j * S + k) * 2 + 1];
        n++;
      });
      const eps = episodes[k];
      allEpisodes.push(...eps);
      const rec: MemberRecord = {
        step: m.numTimesteps,
        episodeReturn: eps.length ? eps.reduce((a, e) => a + e.return, 0) / eps.length : NaN,
        episodeLength: eps.length ? eps.reduce((a, e) => a + e.length, 0) / eps.length : NaN,
        episodes: eps.length,
        loss: n ? loss / n : NaN,
        qValue: n ? q / n : NaN,
        epsilon: this.epsilon(k),
        gradientSteps: m.agent.numGradientSteps,
      };
      this.curves[k].push(rec);
      for (const name of ["loss", "qValue", "epsilon"]) losses[name] = (losses[name] ?? 0) + rec[name] / S;
    });
    const steps = this.members.reduce((a, m, k) => a + m.numTimesteps - before[k], 0);
    return { steps, episodes: allEpisodes, losses };
  }

  /** Past learningStarts with a minibatch stored (off-policy.ts's rule). */
  private learningStarted(m: Member): boolean {
    return m.numTimesteps >= m.config.learningStarts && m.agent.replay.sampleableSize >= m.config.batchSize;
  }

  /** One vector step of member k (off-policy.ts's collectStep with DQN's actions and n-step store); returns its real env steps. */
  private collectStep(m: Member, k: number, episodes: EpisodeRecord[]): number {
    const N = m.env.numEnvs;
    const D = this.enc.inputDim;
    const x = this.enc.encode(m.obs!, N);
    const rng = m.agent.rng;
    let actions: Int32Array;
    if (m.numTimesteps < m.config.learningStarts) actions = randomActions(this.spec, N, rng) as Int32Array;
    else actions = this.explore(this.greedy(m, x, N), N, this.epsilon(k), m);
    const r = m.env.step(actions);
    const auto = r.info.autoreset;
    m.tracker.step(r.reward, r.terminated, r.truncated, auto, episodes);
    const nx = this.enc.encode(r.obs, N);
    const a1 = new Float32Array(1);
    let real = 0;
    for (let i = 0; i < N; i++) {
      if (auto && auto[i]) continue;
      real++;
      a1[0] = actions[i] - this.actStart;
      m.adder.add(i, x.subarray(i * D, (i + 1) * D), a1, r.reward[i], nx.subarray(i * D, (i + 1) * D), r.terminated[i] === 1, r.terminated[i] === 1 || r.truncated[i] === 1);
    }
    m.obs = r.obs;
    m.numTimesteps += real;
    m.sinceTrain += real;
    return real;
  }

  /** Greedy actions on member m's host copy (the first maximum, as argmax: Categorical's deterministic choice, no draws). */
  private greedy(m: Member, x: Float32Array, k: number): Int32Array {
    return Categorical.sample(m.agent.q.forwardHost(x, k), this.nActions, m.agent.rng, new Int32Array(k), true);
  }

  /** Epsilon-greedy in env numbering (DQN's draws: one uniform per env, a random action when it falls under epsilon); `eps` null: greedy, no draws. */
  private explore(a: Int32Array, k: number, eps: number | null, m: Member): Int32Array {
    const rng = m.agent.rng;
    if (eps !== null) for (let i = 0; i < k; i++) if (rng.random() < eps) a[i] = rng.integer(this.nActions);
    if (this.actStart) for (let i = 0; i < k; i++) a[i] += this.actStart;
    return a;
  }

  /**
   * The due minibatch steps of every member (`due[k]` of member k), the j-th of all members
   * together: per member its replay sample, Q forward and targets (2-D ops), the loss of all
   * members at once, then per member its backward and Adam step. Pushes [S, 2] stats (loss, mean Q).
   */
  private async updates(due: Int32Array, stats: { t: Tensor; active: Uint8Array }[]): Promise<void> {
    const S = this.size;
    const D = this.enc.inputDim;
    const B = this.members[0].config.batchSize;
    const n = this.nActions;
    // The learning rate of a round is set when it starts (off-policy.ts's applyRates).
    this.members.forEach((m, k) => {
      if (due[k]) m.agent.optimizer.lr = rateAt(m.config.learningRate, m.progress.remaining(m.numTimesteps));
    });
    const steps = Math.max(...due);
    for (let j = 0; j < steps; j++) {
      const active = new Uint8Array(S);
      const batches = this.members.map((m, k) => {
        if (j >= due[k]) return undefined;
        active[k] = 1;
        m.agent.numGradientSteps++;
        return m.agent.replay.sample(B, m.agent.rng);
      });
      const t = tf.tidy(() => {
        const fq: { out: Tensor; cache: MLPCache }[] = [];
        const ys: Tensor[] = [];
        const acts = new Int32Array(S * B);
        this.members.forEach((m, k) => {
          const b = batches[k];
          const obs = tf.tensor2d(b ? b.obs : new Float32Array(B * D), [B, D]);
          fq.push(m.agent.q.forward(obs));
          if (!b) return ys.push(tf.zeros([B]));
          for (let i = 0; i < B; i++) acts[k * B + i] = b.actions[i];
          ys.push(dqnTargets(m.agent.target, m.agent.q, tf.tensor2d(b.nextObs, [B, D]), tf.tensor1d(b.rewards), tf.tensor1d(b.terminated), tf.tensor1d(b.discounts), m.config.doubleQ));
        });
        const y = tf.stack(ys);
        const w = tf.tensor2d(new Float32Array(S * B).fill(1), [S, B]);
        const oneHot = tf.oneHot(tf.tensor2d(acts, [S, B], "int32"), n);
        const huber = tf.tensor1d(this.members.map((m) => (m.config.loss === "huber" ? 1 : 0)));
        let kept: Tensor[] = [];
        const { grads } = tf.valueAndGrads((qAll: Tensor) => {
          const qa = tf.sum(tf.mul(qAll, oneHot), 2);
          const rowMean = (x: Tensor) => tf.mean(x, 1);
          // Each member's own loss kind: one kind for all members, or mse / huber chosen per row of [S, B].
          const kinds = new Set(this.members.map((m) => m.config.loss));
          const loss =
            kinds.size === 1
              ? dqnLoss(qa, y, w, this.members[0].config.loss, rowMean)
              : tf.add(tf.mul(dqnLoss(qa, y, w, "huber", rowMean), huber), tf.mul(dqnLoss(qa, y, w, "mse", rowMean), tf.sub(1, huber)));
          kept = [tf.keep(loss), tf.keep(tf.mean(qa, 1))];
          return tf.sum(loss) as tf.Scalar;
        })([tf.stack(fq.map((f) => f.out))]);
        const d = tf.unstack(grads[0]);
        this.members.forEach((m, k) => {
          if (!active[k]) return;
          m.agent.optimizer.apply(m.agent.q.backward(fq[k].cache, d[k]).grads)?.dispose();
        });
        const out = tf.stack(kept, 1);
        tf.dispose(kept);
        return out;
      });
      stats.push({ t, active });
    }
  }

  /** Refreshes the host copies of the members that trained (`due[k] > 0`; all when omitted) with one read. */
  async syncActing(due?: Int32Array): Promise<void> {
    const nets = this.members.filter((_, k) => !due || due[k] > 0).map((m) => m.agent.q);
    if (nets.length) await syncHostWeights(nets);
  }

  /** Member k's Q-network weights ([W0, b0, ...]), with one read. */
  async memberWeights(k: number): Promise<Float32Array[]> {
    return (await readTensors(this.members[this.index(k)].agent.q.variables)) as Float32Array[];
  }

  /** Greedy / epsilon-greedy actions of member 0 (use `member(k, env)` for another member's). */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Int32Array {
    const m = this.members[0];
    const a = this.greedy(m, this.enc.encode(obs, k), k);
    return this.explore(a, k, deterministic ? null : this.epsilon(0), m);
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    return this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false)[0] as ActionOf<A>;
  }

  /** Member `k` as a standalone DQN agent on `env` (its config and Q weights; a fresh generator and replay). The caller disposes it. */
  async member(k: number, env: AgentEnv<A>): Promise<DQN<A>> {
    const m = this.members[this.index(k)];
    const agent = new DQN<A>(env, { ...m.config });
    const w = await this.memberWeights(k);
    agent.q.setWeights(w);
    agent.target.setWeights((await readTensors(m.agent.target.variables)) as Float32Array[]);
    agent.numTimesteps = m.numTimesteps;
    return agent;
  }

  /**
   * Writes the population: every member as a DQN checkpoint in `dir/members/<k>` (networks, Adam,
   * replay, generator: `DQN.load` reads it) and the population's record in `dir` (seeds, the
   * members' training counters and curves).
   */
  async save(dir: string): Promise<void> {
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.members.map((m) => m.config),
      meta: { seeds: this.seeds, counters: this.members.map((m) => ({ sinceTrain: m.sinceTrain, sinceTarget: m.sinceTarget })), curves: this.curves, env: envSignature(this.env) },
      networks: {},
      arrays: {},
    });
    for (let k = 0; k < this.size; k++) {
      const m = this.members[k];
      m.agent.numTimesteps = m.numTimesteps;
      await m.agent.save(path.join(dir, "members", String(k)));
    }
  }

  /** Loads a population written by `save`; `env(k)` makes member k's env (same spaces and env count). Training resumes where it stood. */
  static async load<A>(dir: string, options: { env: (k: number) => AgentEnv<A> }): Promise<DQNPopulation<A>> {
    const ck = await readAgentCheckpoint(dir, "DQNPopulation");
    const meta = ck.meta as { seeds?: number[]; counters?: { sinceTrain: number; sinceTarget: number }[]; curves?: MemberRecord[][] };
    if (!Array.isArray(meta.seeds) || !Array.isArray(meta.curves) || !Array.isArray(meta.counters) || meta.counters.length !== meta.seeds.length) {
      throw new CheckpointError(dir, "is not a complete DQNPopulation checkpoint (no seeds, counters or curves); it was not written by DQNPopulation.save");
    }
    const agents: DQN<A>[] = [];
    try {
      for (let k = 0; k < meta.seeds.length; k++) agents.push(await DQN.load<A>(path.join(dir, "members", String(k)), options.env(k)));
    } catch (e) {
      for (const a of agents) a.dispose();
      throw e;
    }
    const pop = new DQNPopulation<A>({ env: options.env, seeds: meta.seeds }, agents);
    pop.members.forEach((m, k) => {
      m.sinceTrain = meta.counters![k].sinceTrain;
      m.sinceTarget = meta.counters![k].sinceTarget;
      pop.curves[k].push(...meta.curves![k].map(revive));
    });
    return pop;
  }

  dispose(): void {
    for (const m of this.members) m.agent.dispose();
  }
}
