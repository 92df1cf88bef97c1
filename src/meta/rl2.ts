/**
 * RL^2 (Duan et al. 2016, "RL^2: Fast Reinforcement Learning via Slow Reinforcement Learning"):
 * a recurrent policy whose hidden state carries what it has learned about the current task.
 *
 * A trial is `episodesPerTrial` episodes of one task; the GRU's hidden state is kept across the
 * episode boundaries inside a trial and reset only between trials. The input at each step is
 * the observation, the previous action (one-hot for a Discrete space; for a Box space the action
 * vector the env received, i.e. clipped to the bounds), the previous reward and whether the
 * previous step ended an episode (the paper's (s, a, r, d) tuple). The return is discounted across the
 * whole trial, so the policy is rewarded for exploring early to exploit later.
 *
 * The paper trains with TRPO (GRU of 256 units); here with PPO (clipped surrogate, GAE, several
 * epochs over the trials, minibatches of whole trials, backpropagation through the full trial),
 * CleanRL's PPO settings otherwise. Discrete action spaces (bandits, Dark Room families) get a
 * categorical head; Box action spaces (2D navigation) a diagonal Gaussian with a state-independent
 * log-std, as in rlbook's PPO (`logStdInit`), its samples clipped to the bounds before the env
 * step (the log-prob is of the unclipped sample, as in PPO and rllab).
 *
 *   const rl2 = new RL2(bernoulliBanditFamily({ arms: 2, horizon: 1 }), { episodesPerTrial: 10 });
 *   await train(rl2, { steps: 100 * rl2.stepsPerIteration });
 *   rl2.metaTest(testTasks).episodeMeans   // mean return of episode 1, 2, ... of a trial
 */
import type { ActOptions, Agent, EpisodeRecord, IterationResult } from "../algos/base.js";
import { ConfigCheck, ConfigError, ObsEncoder, agentRng } from "../algos/base.js";
import { readAgentCheckpoint, restoreOptimizer, saveOptimizer, type CheckpointArrays } from "../algos/checkpointing.js";
import { computeGae } from "../buffers/rollout.js";
import type { Env } from "../core/env.js";
import { make, type TaskFamily } from "../core/registry.js";
import { Rng, type RngState } from "../core/rng.js";
import { Box, Discrete } from "../core/spaces.js";
import { SyncVectorEnv, type VectorEnv } from "../core/vector.js";
import { Adam } from "../nn/optimizers.js";
import { checkpointArray, writeCheckpoint } from "../nn/checkpoint.js";
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { GRU } from "../nn/modules.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import { readTensors } from "../nn/read.js";
import type { MetaTasks } from "./gradient-agent.js";

export interface RL2Config {
  /** Trials (each a freshly drawn task) run in parallel per iteration. */
  numTrials: number;
  /** Episodes per trial (the hidden state persists across them). */
  episodesPerTrial: number;
  /** GRU width (the paper: 256). */
  hiddenDim: number;
  /** Discount across the trial. */
  gamma: number;
  /** GAE lambda. */
  gaeLambda: number;
  /** Adam learning rate. */
  lr: number;
  /** PPO epochs over each batch of trials. */
  epochs: number;
  /** Minibatches of whole trials per epoch. */
  minibatches: number;
  /** PPO clip range. */
  clipRange: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  /** Initial log standard deviation of the Gaussian head (Box action spaces only; PPO's default 0). */
  logStdInit: number;
  /** Meta-test on testTasks every this many iterations (0: never). */
  testEvery: number;
  seed: number | undefined;
}

/** Defaults: the paper's GRU width and discount; PPO settings from CleanRL's ppo.py. */
export const RL2_DEFAULTS: Readonly<RL2Config> = Object.freeze({
  numTrials: 64,
  episodesPerTrial: 10,
  hiddenDim: 256,
  gamma: 0.99,
  gaeLambda: 0.95,
  lr: 3e-4,
  epochs: 4,
  minibatches: 4,
  clipRange: 0.2,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  logStdInit: 0,
  testEvery: 0,
  seed: undefined,
});

/** What {@link RL2.metaTest} returns: per task, the return of each episode of its trial. */
export interface RL2TestResult<P> {
  tasks: { task: P; episodeReturns: number[] }[];
  /** Mean over tasks of the return of episode 1, 2, ..., n of the trial. */
  episodeMeans: number[];
  /** Mean return of the first episode (before anything is known about the task). */
  preReturn: number;
  /** Mean return of the last episode of the trial. */
  postReturn: number;
}

interface TrialBatch {
  T: number;
  N: number;
  inputs: Float32Array; // [N, T, inDim]
  actions: Float32Array; // [T * N * actWidth] (actWidth 1 for a Discrete space: the index)
  logp: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  mask: Float32Array;
  ends: Float32Array; // 1 at a trial's last step
  episodeReturns: number[][]; // per trial
  episodes: EpisodeRecord[];
  steps: number;
}

export class RL2<P> implements Agent {
  readonly algo = "RL2";
  readonly env: VectorEnv;
  readonly config: Readonly<RL2Config>;
  readonly gru: GRU;
  readonly rng: Rng;
  numTimesteps = 0;
  iterations = 0;
  private readonly heads: Variable[];
  private readonly optimizer: Adam;
  private readonly encoder: ObsEncoder;
  /** Discrete: number of actions (the one-hot width); Box: the action dimension. */
  private readonly nActions: number;
  private readonly actStart: number;
  /** Box action spaces: the bounds the Gaussian samples are clipped to; undefined for Discrete. */
  private readonly box: { low: Float64Array; high: Float64Array } | undefined;
  private readonly inDim: number;
  private readonly maxSteps: number;
  private readonly trainTasks: readonly P[] | undefined;
  readonly testTasks: readonly P[] | undefined;

  constructor(
    readonly family: TaskFamily<P>,
    config: Partial<RL2Config> = {},
    tasks: MetaTasks<P> = {},
  ) {
    if (config === null || typeof config !== "object") throw new TypeError(`RL2: config must be an object, got ${String(config)}`);
    const c = { ...RL2_DEFAULTS, ...config };
    const check = new ConfigCheck("RL2", c);
    for (const [k, v] of Object.entries(config)) if (!(k in RL2_DEFAULTS)) check.fail(k, v, `a known RL2 option: ${Object.keys(RL2_DEFAULTS).join(", ")}`);
    for (const f of ["numTrials", "episodesPerTrial", "hiddenDim", "epochs", "minibatches"] as const) check.number(f, { min: 1, integer: true });
    for (const f of ["gamma", "gaeLambda"] as const) check.number(f, { min: 0, max: 1 });
    for (const f of ["lr", "clipRange", "maxGradNorm"] as const) check.number(f, { min: 0, gtMin: true });
    for (const f of ["entCoef", "vfCoef"] as const) check.number(f, { min: 0 });
    check.number("logStdInit", {});
    check.number("testEvery", { min: 0, integer: true });
    check.number("seed", { integer: true, optional: true });
    if (!check.failed("minibatches") && !check.failed("numTrials") && c.minibatches > c.numTrials) check.fail("minibatches", c.minibatches, `an integer <= numTrials (${c.numTrials}): a minibatch holds whole trials`);
    check.done();
    this.config = Object.freeze(c);
    if (!family || typeof family.sample !== "function" || typeof family.create !== "function") throw new TypeError(`RL2: family must be a task family (e.g. bernoulliBanditFamily({ arms: 2, horizon: 1 })), got ${String(family)}`);
    if (tasks.trainTasks !== undefined && (!Array.isArray(tasks.trainTasks) || !tasks.trainTasks.length)) throw new ConfigError("RL2", "trainTasks", tasks.trainTasks, "a non-empty array of task params (or leave it out to draw tasks from the family)");
    if (c.testEvery > 0 && !tasks.testTasks?.length) throw new ConfigError("RL2", "testEvery", c.testEvery, "0, or give testTasks (held-out task params) to meta-test on");
    this.trainTasks = tasks.trainTasks;
    this.testTasks = tasks.testTasks;
    this.rng = agentRng(c.seed);
    const probe = tasks.trainTasks?.[0] ?? family.sample(this.rng);
    const env = make(family, probe);
    const as = env.actionSpace;
    if (as instanceof Discrete) {
      this.nActions = as.n;
      this.actStart = as.start;
    } else if (as instanceof Box && as.shape.length === 1 && as.size > 0) {
      for (let j = 0; j < as.size; j++) if (!Number.isFinite(as.low[j]) || !Number.isFinite(as.high[j])) throw new TypeError(`RL2: needs finite action bounds to clip the Gaussian samples to; ${family.name} has ${as.toString()} (give the env a bounded action space, e.g. a wrapper whose actionSpace is a finite Box)`);
      this.nActions = as.size;
      this.actStart = 0;
      this.box = { low: as.low, high: as.high };
    } else throw new TypeError(`RL2: needs a Discrete or a 1-D Box action space; ${family.name} has ${as.toString()} (flatten the actions with a wrapper)`);
    this.encoder = new ObsEncoder(env.observationSpace, "RL2");
    const mx = env.spec?.maxEpisodeSteps;
    if (mx === undefined) throw new TypeError(`RL2: ${family.name} has no maxEpisodeSteps; RL2 needs a bounded episode length to size its trials`);
    this.maxSteps = mx;
    env.close();
    this.env = new SyncVectorEnv([() => make(family, probe)]);
    this.inDim = this.encoder.inputDim + this.nActions + 2;
    this.gru = new GRU({ inputDim: this.inDim, hiddenDim: c.hiddenDim, rng: this.rng.integer(2 ** 31), name: "rl2_gru" });
    const H = c.hiddenDim;
    const dense = (fanOut: number, gain: number) => {
      const w = new Float32Array(H * fanOut);
      const b = Math.sqrt(6 / (H + fanOut)) * gain;
      for (let i = 0; i < w.length; i++) w[i] = this.rng.uniform(-b, b);
      return tf.tidy(() => [tf.variable(tf.tensor2d(w, [H, fanOut]), true), tf.variable(tf.zeros([fanOut]), true)]);
    };
    // Small policy-head init (CleanRL's 0.01 gain) so the first trials explore uniformly.
    this.heads = [...dense(this.nActions, 0.01), ...dense(1, 1)];
    // Box: the state-independent log-std (PPO's), the last head variable (saved and loaded with the rest).
    if (this.box) this.heads.push(tf.variable(tf.fill([this.nActions], c.logStdInit), true));
    this.optimizer = new Adam([...this.gru.variables, ...this.heads], { lr: c.lr, eps: 1e-5, maxGradNorm: c.maxGradNorm });
  }

  /** Env steps of one iteration at most (every trial at its longest). */
  get stepsPerIteration(): number {
    return this.config.numTrials * this.config.episodesPerTrial * this.maxSteps;
  }

  beginTraining(_steps: number): void {}

  /** Box action spaces: the log-std variable; undefined for Discrete. */
  private get logStd(): Variable | undefined {
    return this.box ? this.heads[4] : undefined;
  }

  /** Discrete: logits [B, n]; Box: the Gaussian mean [B, d] (the log-std is {@link logStd}). */
  private heads2(h: Tensor): { logits: Tensor; value: Tensor } {
    const [wp, bp, wv, bv] = this.heads;
    return { logits: tf.add(tf.matMul(h, wp), bp), value: tf.reshape(tf.add(tf.matMul(h, wv), bv), [-1]) };
  }

  /** Runs one trial per task, all in lockstep. */
  private async runTrials(tasks: readonly P[], rng: Rng): Promise<TrialBatch> {
    const c = this.config;
    const N = tasks.length;
    const T = c.episodesPerTrial * this.maxSteps;
    const D = this.inDim;
    const E = this.encoder.inputDim;
    const box = this.box;
    const A = box ? this.nActions : 1;
    const envs: Env[] = tasks.map((t) => make(this.family, t));
    const b: TrialBatch = {
      T,
      N,
      inputs: new Float32Array(N * T * D),
      actions: new Float32Array(T * N * A),
      logp: new Float32Array(T * N),
      values: new Float32Array(T * N),
      rewards: new Float32Array(T * N),
      mask: new Float32Array(T * N),
      ends: new Float32Array(T * N),
      episodeReturns: tasks.map(() => []),
      episodes: [],
      steps: 0,
    };
    const obsRaw = new Float32Array(N * this.encoder.rawDim);
    const writeObs = (i: number, o: unknown) => envs[i].observationSpace.writeVec(o, obsRaw, i * this.encoder.rawDim);
    envs.forEach((e, i) => writeObs(i, e.reset({ seed: rng.integer(2 ** 31) }).obs));
    const prevA = new Int32Array(N).fill(-1);
    const prevVec = new Float32Array(N * this.nActions); // Box: the previous (clipped) action, zeros at a trial's start
    const prevR = new Float32Array(N);
    const prevD = new Float32Array(N);
    const done = new Uint8Array(N);
    const epRet = new Float64Array(N);
    const epLen = new Int32Array(N);
    let h: Tensor = tf.zeros([N, c.hiddenDim]);
    const x = new Float32Array(N * D);
    const acts = new Int32Array(N);
    const cont = new Float32Array(box ? N * this.nActions : 0);
    const lp = new Float32Array(N);
    try {
      for (let t = 0; t < T && !done.every((d) => d); t++) {
        const enc = this.encoder.encode(obsRaw, N);
        x.fill(0);
        for (let i = 0; i < N; i++) {
          const o = i * D;
          x.set(enc.subarray(i * E, (i + 1) * E), o);
          if (box) x.set(prevVec.subarray(i * this.nActions, (i + 1) * this.nActions), o + E);
          else if (prevA[i] >= 0) x[o + E + prevA[i]] = 1;
          x[o + E + this.nActions] = prevR[i];
          x[o + E + this.nActions + 1] = prevD[i];
          if (!done[i]) b.inputs.set(x.subarray(o, o + D), (i * T + t) * D);
        }
        const { logits, value, hNew } = tf.tidy(() => {
          const hn = this.gru.step(tf.tensor2d(x, [N, D]), h);
          const out = this.heads2(hn);
          return { logits: out.logits, value: out.value, hNew: hn };
        });
        h.dispose();
        h = hNew;
        // One read per step: the logits (or Gaussian mean), the values and, for a Box space, the log-std.
        const [lg, v, ls] = await readTensors(box ? [logits, value, tf.clone(this.logStd!)] : [logits, value], { dispose: true });
        if (box) DiagGaussian.sample(lg, ls, this.nActions, rng, cont, false, lp);
        else Categorical.sample(lg, this.nActions, rng, acts, false, lp);
        for (let i = 0; i < N; i++) {
          if (done[i]) continue;
          const k = t * N + i;
          let r;
          if (box) {
            const d = this.nActions;
            const a = cont.subarray(i * d, (i + 1) * d);
            b.actions.set(a, k * d);
            const clipped = prevVec.subarray(i * d, (i + 1) * d);
            for (let j = 0; j < d; j++) clipped[j] = Math.min(box.high[j], Math.max(box.low[j], a[j]));
            r = envs[i].step(Float32Array.from(clipped));
          } else {
            r = envs[i].step(acts[i] + this.actStart);
            b.actions[k] = acts[i];
          }
          b.logp[k] = lp[i];
          b.values[k] = v[i];
          b.rewards[k] = r.reward;
          b.mask[k] = 1;
          b.steps++;
          epRet[i] += r.reward;
          epLen[i]++;
          prevA[i] = acts[i];
          prevR[i] = r.reward;
          prevD[i] = r.terminated || r.truncated ? 1 : 0;
          if (prevD[i]) {
            b.episodeReturns[i].push(epRet[i]);
            b.episodes.push({ return: epRet[i], length: epLen[i] });
            epRet[i] = 0;
            epLen[i] = 0;
            if (b.episodeReturns[i].length === c.episodesPerTrial) {
              done[i] = 1;
              b.ends[k] = 1;
              continue;
            }
            writeObs(i, envs[i].reset().obs);
          } else writeObs(i, r.obs);
        }
      }
    } finally {
      h.dispose();
    }
    return b;
  }

  private nextTasks(): P[] {
    const pool = this.trainTasks;
    return Array.from({ length: this.config.numTrials }, () => (pool ? pool[this.rng.integer(pool.length)] : this.family.sample(this.rng)));
  }

  async learnIteration(): Promise<IterationResult> {
    const c = this.config;
    const b = await this.runTrials(this.nextTasks(), this.rng);
    const { T, N } = b;
    // The trial is one episode for the return: it ends (value 0) at its last step.
    const { advantages, returns } = computeGae({ nSteps: T, nEnvs: N, rewards: b.rewards, values: b.values, lastValues: new Float32Array(N), terminated: b.ends, dones: b.ends, gamma: c.gamma, lambda: c.gaeLambda });
    // Per-trial layout [N, T] for the sequence minibatches.
    const toNT = (a: ArrayLike<number>, width = 1) => {
      const out = new Float32Array(N * T * width);
      for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) for (let j = 0; j < width; j++) out[(i * T + t) * width + j] = a[(t * N + i) * width + j];
      return out;
    };
    const A = this.box ? this.nActions : 1;
    const advNT = toNT(advantages);
    const retNT = toNT(returns);
    const actNT = toNT(b.actions, A);
    const lpNT = toNT(b.logp);
    const maskNT = toNT(b.mask);
    const order = Array.from({ length: N }, (_, i) => i);
    const mbSize = Math.ceil(N / c.minibatches);
    // Each minibatch's [policy loss, value loss, entropy] stays on the device; one read at the end.
    const statTensors: Tensor[] = [];
    const vars = [...this.gru.variables, ...this.heads];
    for (let epoch = 0; epoch < c.epochs; epoch++) {
      this.rng.shuffle(order);
      for (let s = 0; s < N; s += mbSize) {
        const idx = order.slice(s, s + mbSize);
        const B = idx.length;
        const pick = (src: Float32Array, width: number) => {
          const out = new Float32Array(B * T * width);
          idx.forEach((i, j) => out.set(src.subarray(i * T * width, (i + 1) * T * width), j * T * width));
          return out;
        };
        const stats = tf.tidy(() => {
          const x = tf.tensor3d(pick(b.inputs, this.inDim), [B, T, this.inDim]);
          const act = this.box ? tf.tensor2d(pick(actNT, A), [B * T, A]) : tf.tensor1d(pick(actNT, 1));
          const oldLp = tf.tensor1d(pick(lpNT, 1));
          const mask = tf.tensor1d(pick(maskNT, 1));
          const ret = tf.tensor1d(pick(retNT, 1));
          let adv = tf.tensor1d(pick(advNT, 1));
          const n = tf.sum(mask);
          const am = tf.div(tf.sum(tf.mul(adv, mask)), n);
          const asd = tf.sqrt(tf.add(tf.div(tf.sum(tf.mul(tf.square(tf.sub(adv, am)), mask)), n), 1e-8));
          adv = tf.div(tf.sub(adv, am), asd);
          let parts: Tensor[] = [];
          const { grads } = tf.variableGrads(() => {
            const { outputs } = this.gru.apply(x);
            const hs = tf.reshape(outputs, [B * T, this.config.hiddenDim]);
            const { logits, value } = this.heads2(hs);
            const logStd = this.logStd;
            const logp = logStd ? DiagGaussian.logProb(logits, logStd, act) : Categorical.logProb(logits, act);
            const ratio = tf.exp(tf.sub(logp, oldLp));
            const s1 = tf.mul(ratio, adv);
            const s2 = tf.mul(tf.clipByValue(ratio, 1 - c.clipRange, 1 + c.clipRange), adv);
            const masked = (t: Tensor) => tf.div(tf.sum(tf.mul(t, mask)), n);
            const policyLoss = tf.neg(masked(tf.minimum(s1, s2)));
            const valueLoss = tf.mul(masked(tf.square(tf.sub(value, ret))), 0.5);
            // The Gaussian's entropy does not depend on the state (a scalar); the categorical's is per step.
            const entropy = logStd ? DiagGaussian.entropy(logStd) : masked(Categorical.entropy(logits));
            parts = [tf.keep(policyLoss), tf.keep(valueLoss), tf.keep(entropy)];
            return tf.add(tf.sub(policyLoss, tf.mul(entropy, c.entCoef)), tf.mul(valueLoss, c.vfCoef)) as tf.Scalar;
          }, vars);
          this.optimizer.apply(vars.map((v) => grads[v.name] ?? tf.zerosLike(v)))?.dispose();
          const st = tf.stack(parts);
          tf.dispose(parts);
          return st;
        });
        statTensors.push(stats);
      }
    }
    const updates = statTensors.length;
    let pl = 0;
    let vl = 0;
    let ent = 0;
    for (const sv of await readTensors(statTensors, { dispose: true })) {
      pl += sv[0];
      vl += sv[1];
      ent += sv[2];
    }
    this.numTimesteps += b.steps;
    this.iterations++;
    const perEpisode = this.episodeMeans(b.episodeReturns);
    const losses: Record<string, number> = {
      policyLoss: pl / updates,
      valueLoss: vl / updates,
      entropy: ent / updates,
      preReturn: perEpisode[0],
      postReturn: perEpisode[perEpisode.length - 1],
      trialReturn: perEpisode.reduce((a, x) => a + x, 0),
    };
    if (c.testEvery > 0 && this.iterations % c.testEvery === 0) {
      const t = await this.metaTest(this.testTasks!);
      losses.testPreReturn = t.preReturn;
      losses.testPostReturn = t.postReturn;
    }
    return { steps: b.steps, episodes: b.episodes, losses };
  }

  private episodeMeans(perTask: number[][]): number[] {
    const n = this.config.episodesPerTrial;
    return Array.from({ length: n }, (_, e) => perTask.reduce((a, r) => a + r[e], 0) / perTask.length);
  }

  /** One trial per task with the current policy (sampled actions): each episode's return. */
  async metaTest(tasks: readonly P[], options: { seed?: number } = {}): Promise<RL2TestResult<P>> {
    if (!tasks.length) throw new RangeError("RL2.metaTest: give at least one task (e.g. Array.from({length: 50}, () => family.sample(rng)))");
    const b = await this.runTrials(tasks, new Rng(options.seed ?? 12345));
    const episodeMeans = this.episodeMeans(b.episodeReturns);
    return {
      tasks: tasks.map((task, i) => ({ task, episodeReturns: b.episodeReturns[i] })),
      episodeMeans,
      preReturn: episodeMeans[0],
      postReturn: episodeMeans[episodeMeans.length - 1],
    };
  }

  /** RL^2's policy needs its trial's history (hidden state, previous action and reward): act through metaTest. */
  act(_obs: ArrayLike<number> | number, _options?: ActOptions): number {
    throw new TypeError("RL2.act: the RL^2 policy is recurrent and conditions on the previous action and reward of its trial; run whole trials with rl2.metaTest(tasks) instead (train()'s evalEnv does not apply to RL2)");
  }

  actBatch(_obs: Float32Array, _k: number, _deterministic: boolean): Int32Array {
    return this.act(0) as never;
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    (await readTensors([...this.gru.variables, ...this.heads])).forEach((a, i) => (arrays[`params/${i}`] = a as Float32Array));
    const adam = await saveOptimizer("adam", this.optimizer, arrays);
    await writeCheckpoint(dir, { algo: this.algo, config: this.config, meta: { numTimesteps: this.numTimesteps, iterations: this.iterations, family: this.family.name, adam, rng: this.rng.state }, networks: {}, arrays });
  }

  /** Loads an RL2 agent saved with `save` (give the same family and task split). */
  static async load<P>(dir: string, family: TaskFamily<P>, tasks: MetaTasks<P> = {}): Promise<RL2<P>> {
    const ck = await readAgentCheckpoint(dir, "RL2");
    if (ck.meta.family !== family.name) throw new ConfigError("RL2", "family", family.name, `the family the checkpoint was trained on (${String(ck.meta.family)})`);
    const agent = new RL2(family, ck.config as Partial<RL2Config>, tasks);
    [...agent.gru.variables, ...agent.heads].forEach((v, i) => {
      const a = checkpointArray<Float32Array>(dir, ck, `params/${i}`, v.size);
      tf.tidy(() => v.assign(tf.tensor(a, v.shape)));
    });
    restoreOptimizer(dir, ck, "adam", agent.optimizer);
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.iterations = ck.meta.iterations as number;
    agent.rng.state = ck.meta.rng as RngState;
    return agent;
  }

  dispose(): void {
    this.gru.dispose();
    tf.dispose(this.heads);
    this.optimizer.dispose();
    this.env.close();
  }
}
