/**
 * The base of gradient-based meta-learners (MAML, Reptile): an {@link Agent} that `train()`
 * drives, one meta-iteration per `learnIteration()`. It owns the Gaussian policy (the
 * meta-parameters), picks each meta-batch of tasks (from `trainTasks` when given, else fresh
 * draws from the family), meta-tests on held-out `testTasks` every `testEvery` meta-iterations
 * (reported as `testPreReturn` / `testPostReturn` in the metric records, so live curves show
 * them), acts with the meta-parameters, and saves / loads checkpoints.
 */
import type { ActOptions, Agent, EpisodeRecord, IterationResult } from "../algos/base.js";
import { ConfigCheck, ConfigError, agentRng, resolveConfig } from "../algos/base.js";
import { checkpointArray, writeCheckpoint, type LoadedCheckpoint } from "../nn/checkpoint.js";
import { restoreOptimizer, saveOptimizer, type CheckpointArrays } from "../algos/checkpointing.js";
import { make, type TaskFamily } from "../core/registry.js";
import { Rng, type RngState } from "../core/rng.js";
import { SyncVectorEnv, type VectorEnv } from "../core/vector.js";
import { Adam } from "../nn/optimizers.js";
import { tf } from "../nn/tf.js";
import { adaptAndEvaluate, checkInnerLr, familySpaces, meanOf, successRate, type AdaptSettings, type MetaTestResult, type TaskBatch } from "./adaptation.js";
import { GaussianPolicy, type MetaActivation } from "./policy.js";

/** Settings every gradient-based meta-learner has. */
export interface GradientMetaConfig {
  /** Tasks per meta-iteration. */
  metaBatchSize: number;
  /** Episodes sampled per task for each inner step and for the post-adaptation batch. */
  episodesPerTask: number;
  /** Inner (adaptation) learning rate: a number, or one per inner step. */
  innerLr: number | number[];
  /** VPG steps of adaptation per task. */
  innerSteps: number;
  /** Discount of the returns (rllab: 0.99). */
  gamma: number;
  /** Hidden layer widths of the Gaussian policy. */
  netArch: number[];
  activation: MetaActivation;
  /** Initial action standard deviation. */
  initStd: number;
  /** Learning rate of the outer (meta) update. */
  outerLr: number;
  /** Meta-test on the test tasks every this many meta-iterations (0: never). */
  testEvery: number;
  /** Seed (undefined: entropy). */
  seed: number | undefined;
}

/**
 * The settings of MAML's 2D-navigation experiment (Finn et al. 2017, sec. 5.3 and appendix A.2;
 * rllab's maml code) that every gradient-based meta-learner here starts from, so MAML, Reptile
 * and the pretrained baseline compare on the same policy, batch sizes and adaptation.
 */
export const NAVIGATION_META_SETTINGS: Readonly<GradientMetaConfig> = Object.freeze({
  /** 20 tasks per meta-batch (2D navigation). */
  metaBatchSize: 20,
  /** K = 20 trajectories per task and gradient step. */
  episodesPerTask: 20,
  /** alpha = 0.1, one inner step. */
  innerLr: 0.1,
  innerSteps: 1,
  /** rllab's discount. */
  gamma: 0.99,
  /** Two hidden layers of 100 ReLU units. */
  netArch: [100, 100],
  activation: "relu",
  /** rllab GaussianMLPPolicy's init_std. */
  initStd: 1,
  /** The outer step (each learner says what it means). */
  outerLr: 0.01,
  testEvery: 0,
  seed: undefined,
});

/**
 * What a meta-iteration reports to train(): env steps of all its batches, the episodes of the
 * last step (the curve train() draws: for MAML and Reptile the post-adaptation return), and
 * the mean return (and success rate, when the family reports one) of the first and last step.
 * `names` are the metric names of the first and last step (e.g. preReturn / postReturn).
 */
export function metaIterationResult(batches: readonly TaskBatch[][], obsDim: number, names: readonly [string, string], extra: Record<string, number> = {}): IterationResult {
  const first = batches[0];
  const last = batches[batches.length - 1];
  const episodes: EpisodeRecord[] = last.flatMap((b) => b.returns.map((r, k) => ({ return: r, length: b.trajectories[k].length / obsDim })));
  const losses: Record<string, number> = {
    [names[0]]: meanOf(first.map((b) => meanOf(b.returns))),
    [names[1]]: meanOf(last.map((b) => meanOf(b.returns))),
  };
  const s0 = successRate(first);
  const s1 = successRate(last);
  if (s0 !== undefined && s1 !== undefined) {
    losses[names[0].replace(/Return$/, "Success")] = s0;
    losses[names[1].replace(/Return$/, "Success")] = s1;
  }
  return { steps: batches.reduce((a, step) => a + step.reduce((b, x) => b + x.n, 0), 0), episodes, losses: { ...losses, ...extra } };
}

/** The task split a meta-learner trains and tests on. */
export interface MetaTasks<P> {
  /** Tasks to draw meta-batches from (default: fresh draws from the family each iteration). */
  trainTasks?: readonly P[];
  /**
   * Held-out tasks for meta-testing during training (`testEvery`). When `trainTasks` is given
   * too, the same number of train tasks (the first ones) is meta-tested alongside, so the
   * records show the generalization gap (trainPreReturn / trainPostReturn beside testPre... ).
   */
  testTasks?: readonly P[];
}

/** Options of {@link GradientMetaAgent.metaTest}. */
export interface MetaTestOptions {
  /** Inner steps (default: the config's). */
  innerSteps?: number;
  /** Episodes per task and step (default: the config's episodesPerTask). */
  episodesPerTask?: number;
  /** Seed of the test's sampling (default 12345), so two agents can be compared on the same draws. */
  seed?: number;
}

export function checkGradientMetaConfig(check: ConfigCheck, c: GradientMetaConfig): void {
  check.number("metaBatchSize", { min: 1, integer: true });
  check.number("episodesPerTask", { min: 1, integer: true });
  check.number("innerSteps", { min: 1, integer: true });
  checkInnerLr(check.algo, c.innerLr, c.innerSteps);
  check.number("gamma", { min: 0, max: 1 });
  check.layers("netArch");
  check.oneOf("activation", ["relu", "tanh"]);
  check.number("initStd", { min: 0, gtMin: true });
  check.number("outerLr", { min: 0, gtMin: true });
  check.number("testEvery", { min: 0, integer: true });
  check.number("seed", { integer: true, optional: true });
}

/** Merges and validates a config (unknown keys and every bad value reported together, arrays copied, result frozen). */
export function resolveMetaConfig<C extends GradientMetaConfig>(algo: string, defaults: Readonly<C>, given: Partial<C>, validate: (check: ConfigCheck, c: C) => void): Readonly<C> {
  if (given === null || typeof given !== "object") throw new TypeError(`${algo}: config must be an object, got ${String(given)}`);
  return resolveConfig(algo, defaults, given, (check, c) => {
    if (Array.isArray(c.innerLr)) c.innerLr = [...c.innerLr];
    validate(check, c);
  });
}

export abstract class GradientMetaAgent<P, C extends GradientMetaConfig> implements Agent {
  abstract readonly algo: string;
  readonly env: VectorEnv;
  readonly policy: GaussianPolicy;
  readonly rng: Rng;
  numTimesteps = 0;
  /** Meta-iterations done. */
  iterations = 0;
  protected readonly optimizer: Adam;
  protected readonly trainTasks: readonly P[] | undefined;
  readonly testTasks: readonly P[] | undefined;

  constructor(
    readonly family: TaskFamily<P>,
    readonly config: Readonly<C>,
    tasks: MetaTasks<P>,
    algo: string,
  ) {
    this.rng = agentRng(config.seed);
    if (tasks.trainTasks !== undefined && (!Array.isArray(tasks.trainTasks) || !tasks.trainTasks.length)) throw new ConfigError(algo, "trainTasks", tasks.trainTasks, "a non-empty array of task params (or leave it out to draw tasks from the family)");
    if (config.testEvery > 0 && !tasks.testTasks?.length) throw new ConfigError(algo, "testEvery", config.testEvery, "0, or give testTasks (held-out task params) to meta-test on");
    this.trainTasks = tasks.trainTasks;
    this.testTasks = tasks.testTasks;
    const probe = tasks.trainTasks?.[0] ?? family?.sample?.(this.rng);
    const sp = familySpaces(algo, family as TaskFamily<unknown>, probe);
    this.policy = new GaussianPolicy({ obsDim: sp.obsDim, actDim: sp.actDim, hidden: config.netArch, activation: config.activation, initStd: config.initStd, rng: this.rng });
    this.optimizer = new Adam(this.policy.variables, { lr: config.outerLr });
    this.env = new SyncVectorEnv([() => make(family, probe)]);
  }

  /** The settings of adaptation (inner loop). */
  get adaptSettings(): AdaptSettings {
    const c = this.config;
    return { innerLr: c.innerLr, innerSteps: c.innerSteps, episodesPerTask: c.episodesPerTask, gamma: c.gamma };
  }

  /** The most env steps one meta-iteration takes (episodes may end early at the goal). */
  get stepsPerIteration(): number {
    const c = this.config;
    const probe = this.trainTasks?.[0] ?? this.family.sample(this.rng.clone());
    const mx = this.family.maxEpisodeSteps;
    const horizon = typeof mx === "function" ? mx(probe) : (mx ?? 1000);
    return c.metaBatchSize * c.episodesPerTask * (c.innerSteps + 1) * horizon;
  }

  /** This iteration's meta-batch of tasks. */
  protected nextTasks(): P[] {
    const n = this.config.metaBatchSize;
    const pool = this.trainTasks;
    return Array.from({ length: n }, () => (pool ? pool[this.rng.integer(pool.length)] : this.family.sample(this.rng)));
  }

  beginTraining(_steps: number): void {}

  /** One meta-update on a meta-batch: what the algorithm's file implements. */
  protected abstract metaUpdate(tasks: P[]): Promise<IterationResult>;

  async learnIteration(): Promise<IterationResult> {
    const res = await this.metaUpdate(this.nextTasks());
    // The host copy of the meta-parameters (acting, rollouts) follows the update: one batched read.
    await this.policy.syncHost();
    this.numTimesteps += res.steps;
    this.iterations++;
    if (this.config.testEvery > 0 && this.iterations % this.config.testEvery === 0) {
      const record = (prefix: string, t: MetaTestResult<P>) => {
        res.losses[`${prefix}PreReturn`] = t.preReturn;
        res.losses[`${prefix}PostReturn`] = t.postReturn;
        if (t.preSuccess !== undefined && t.postSuccess !== undefined) {
          res.losses[`${prefix}PreSuccess`] = t.preSuccess;
          res.losses[`${prefix}PostSuccess`] = t.postSuccess;
        }
      };
      record("test", await this.metaTest(this.testTasks!));
      if (this.trainTasks) record("train", await this.metaTest(this.trainTasks.slice(0, this.testTasks!.length)));
    }
    return res;
  }

  /**
   * Meta-testing: per task, the return of the meta-parameters (pre-adaptation) and after
   * `innerSteps` VPG steps of adaptation from them (post-adaptation), and the success rates
   * when the family's envs report `info.success` (Meta-World-style tasks). Give train or
   * held-out test tasks.
   */
  async metaTest(tasks: readonly P[], options: MetaTestOptions = {}): Promise<MetaTestResult<P>> {
    const s = { ...this.adaptSettings };
    if (options.innerSteps !== undefined) {
      const check = new ConfigCheck(`${this.algo}.metaTest`, options);
      check.number("innerSteps", { min: 1, integer: true });
      check.done();
      s.innerSteps = options.innerSteps;
      if (Array.isArray(s.innerLr) && s.innerLr.length < s.innerSteps) throw new RangeError(`${this.algo}.metaTest: innerSteps = ${s.innerSteps} but the innerLr schedule lists ${s.innerLr.length} rates; give innerSteps <= ${s.innerLr.length}`);
    }
    if (options.episodesPerTask !== undefined) {
      const check = new ConfigCheck(`${this.algo}.metaTest`, options);
      check.number("episodesPerTask", { min: 1, integer: true });
      check.done();
      s.episodesPerTask = options.episodesPerTask;
    }
    return adaptAndEvaluate(this.family, tasks, this.policy, this.policy.host, s, new Rng(options.seed ?? 12345));
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): Float32Array {
    const data = typeof obs === "number" ? Float32Array.of(obs) : Float32Array.from(obs);
    if (data.length % this.policy.obsDim !== 0 || !data.length) throw new RangeError(`${this.algo}.act: expected ${this.policy.obsDim} numbers per observation, got ${data.length}`);
    return this.actBatch(data, data.length / this.policy.obsDim, options.deterministic ?? false);
  }

  /** Acts with the meta-parameters (the pre-adaptation policy), actions clipped to the space. */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array {
    const a = this.policy.sample(this.policy.host, obs, k, this.rng, deterministic);
    const space = this.env.singleActionSpace as unknown as { low: Float64Array; high: Float64Array };
    const d = this.policy.actDim;
    for (let i = 0; i < a.length; i++) a[i] = Math.min(space.high[i % d], Math.max(space.low[i % d], a[i]));
    return a;
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    (await this.policy.syncHost()).forEach((a, i) => (arrays[`policy/${i}`] = a));
    const adam = await saveOptimizer("adam", this.optimizer, arrays);
    await writeCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: { numTimesteps: this.numTimesteps, iterations: this.iterations, family: this.family.name, adam, rng: this.rng.state },
      networks: {},
      arrays,
    });
  }

  /** Restores what {@link save} wrote (the agent must be built with the same config and family). */
  protected restore(dir: string, ck: LoadedCheckpoint): void {
    if (ck.meta.family !== this.family.name) throw new ConfigError(this.algo, "family", this.family.name, `the family the checkpoint was trained on (${String(ck.meta.family)})`);
    this.policy.variables.forEach((v, i) => {
      const a = checkpointArray<Float32Array>(dir, ck, `policy/${i}`, v.size);
      tf.tidy(() => v.assign(tf.tensor(a, v.shape)));
      this.policy.host[i] = Float32Array.from(a);
    });
    restoreOptimizer(dir, ck, "adam", this.optimizer);
    this.numTimesteps = ck.meta.numTimesteps as number;
    this.iterations = ck.meta.iterations as number;
    this.rng.state = ck.meta.rng as RngState;
  }

  dispose(): void {
    this.policy.dispose();
    this.optimizer.dispose();
    this.env.close();
  }
}

