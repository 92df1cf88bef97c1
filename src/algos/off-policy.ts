/**
 * What the replay-based agents (DQN, SAC, TD3) share: config handling, the collection step
 * (uniformly random actions until `learningStarts`, then the agent's own; step every copy of
 * the vector env; store each real transition, skipping the autoreset steps of next-step
 * autoreset) and the training schedule (after `learningStarts`, with a batch in the buffer,
 * `gradientSteps` updates every `trainFreq` env steps). Each algorithm's networks, acting,
 * update, and checkpoint contents stay in its own file.
 */
import type { VectorEnv } from "../core/vector.js";
import type { Rng } from "../core/rng.js";
import { ReplayBuffer } from "../buffers/replay.js";
import { GOAL_SELECTION_STRATEGIES, goalLayout, goalRewardFn, HER_DEFAULTS, HerReplayBuffer, type HerConfig } from "../buffers/her.js";
import type { Optimizer } from "../nn/optimizers.js";
import type { Tensor } from "../nn/tf.js";
import {
  EpisodeTracker,
  ObsEncoder,
  actionSpec,
  agentRng,
  namedMeans,
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
import { rateAt, TrainingProgress, type Rate } from "./schedules.js";

/** The config fields the shared off-policy loop reads. */
export interface OffPolicyConfig {
  bufferSize: number;
  gamma: number;
  batchSize: number;
  learningStarts: number;
  trainFreq: number;
  gradientSteps: number;
  netArch: number[];
  seed: number | undefined;
  /**
   * Hindsight experience replay on a goal-conditioned env (buffers/her.ts): `{ nSampledGoal,
   * goalSelectionStrategy }` (missing fields take SB3's defaults, 4 and "future"), or null for none.
   */
  her: Partial<HerConfig> | null;
}

/** Checks the `her` field of an off-policy config. */
export function checkHer(check: ConfigCheck, her: unknown): void {
  if (her === null) return;
  if (typeof her !== "object" || Array.isArray(her)) return check.fail("her", her, "null or { nSampledGoal?: integer >= 0, goalSelectionStrategy?: \"future\" | \"final\" | \"episode\" }");
  const h = her as Record<string, unknown>;
  for (const k of Object.keys(h)) if (!(k in HER_DEFAULTS)) check.fail("her", her, `an object with keys nSampledGoal, goalSelectionStrategy (unknown key "${k}")`);
  if (h.nSampledGoal !== undefined && !(Number.isInteger(h.nSampledGoal) && (h.nSampledGoal as number) >= 0)) check.fail("her", her, "her.nSampledGoal an integer >= 0 (SB3: 4)");
  if (h.goalSelectionStrategy !== undefined && !GOAL_SELECTION_STRATEGIES.includes(h.goalSelectionStrategy as never)) check.fail("her", her, `her.goalSelectionStrategy one of ${GOAL_SELECTION_STRATEGIES.join(", ")}`);
}

/** The replay buffer of an off-policy agent: uniform, or HER's when `her` is set (the env must be goal-conditioned). */
export function offPolicyReplay(env: VectorEnv, algo: string, c: OffPolicyConfig, obsDim: number, actDim: number): ReplayBuffer {
  if (!c.her) return new ReplayBuffer({ capacity: c.bufferSize, obsDim, actDim });
  return new HerReplayBuffer({
    capacity: c.bufferSize,
    obsDim,
    actDim,
    numEnvs: env.numEnvs,
    layout: goalLayout(env.singleObservationSpace, `${algo} with her`),
    computeReward: goalRewardFn(env, `${algo} with her`),
    ...HER_DEFAULTS,
    ...c.her,
  });
}

/** Uniformly random actions for k env copies, in the env's layout (k ints, or k * dim floats). */
export function randomActions(spec: ActionSpec, k: number, rng: Rng): Int32Array | Float32Array {
  if (spec.kind === "discrete") {
    const a = new Int32Array(k);
    for (let i = 0; i < k; i++) a[i] = rng.integer(spec.n) + spec.start;
    return a;
  }
  const a = new Float32Array(k * spec.dim);
  for (let i = 0; i < a.length; i++) {
    const j = i % spec.dim;
    a[i] = rng.uniform(spec.low[j], spec.high[j]);
  }
  return a;
}

export abstract class OffPolicyAgent<C extends OffPolicyConfig, S extends ActionSpec, A = any> implements Agent<A> {
  readonly env: VectorEnv;
  readonly config: Readonly<C>;
  readonly rng: Rng;
  numTimesteps = 0;
  abstract readonly replay: ReplayBuffer;
  protected readonly enc: ObsEncoder;
  protected readonly spec: S;
  /** Numbers per action in the replay buffer (1 for Discrete, dim for Box). */
  protected readonly actDim: number;
  protected readonly tracker: EpisodeTracker;
  protected obs: Float32Array | undefined;
  /** Env steps since the last training round. */
  protected sinceTrain = 0;
  /** Where the run started by `train` is (read by the schedules). */
  protected readonly progress = new TrainingProgress();
  /** Encoded observations and next observations of the current vector step. */
  private readonly x: Float32Array;
  private readonly nx: Float32Array;

  protected constructor(
    env: AgentEnv<A>,
    readonly algo: string,
    defaults: Readonly<C>,
    config: Partial<C>,
    validate: (check: ConfigCheck, c: C) => void,
    actionKind: S["kind"],
  ) {
    this.env = toVectorEnv(env, algo);
    this.config = resolveConfig(algo, defaults, config, validate);
    this.spec = actionSpec(this.env.singleActionSpace, algo, [actionKind]) as S;
    this.actDim = this.spec.kind === "discrete" ? 1 : this.spec.dim;
    this.enc = new ObsEncoder(this.env.singleObservationSpace, algo);
    this.rng = agentRng(this.config.seed);
    this.tracker = new EpisodeTracker(this.env.numEnvs);
    this.x = new Float32Array(this.env.numEnvs * this.enc.inputDim);
    this.nx = new Float32Array(this.env.numEnvs * this.enc.inputDim);
  }

  /** Acting on the host copy of the policy (plain JavaScript: synchronous on every backend). */
  abstract actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array;

  /**
   * Exploring actions for the training env's k observation rows, in env layout: what collection
   * uses past `learningStarts`. The built-in agents compute them on the backend (one batched
   * forward, one awaited read); this default acts with {@link actBatch}.
   */
  protected async exploreActions(obs: Float32Array, k: number): Promise<Float32Array | Int32Array> {
    return this.actBatch(obs, k, false);
  }

  /**
   * Refreshes the host copies that {@link actBatch} reads from the trained variables (one awaited
   * read); called after every iteration that trained and on load. The default does nothing (for
   * an agent whose actBatch reads no host copy).
   */
  async syncActing(): Promise<void> {}

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): ActionOf<A> {
    const a = this.actBatch(obsRow(obs, this.enc.rawDim), 1, options.deterministic ?? false);
    return (this.spec.kind === "discrete" ? a[0] : a) as ActionOf<A>;
  }

  /** Each optimizer with its learning rate (a number or a schedule), set before every training round. */
  protected abstract learningRates(): readonly (readonly [Optimizer, Rate])[];

  /** Sets each optimizer's step size from its schedule at the current progress (SB3 does so at every train() call). */
  private applyRates(): void {
    const p = this.progress.remaining(this.numTimesteps);
    for (const [opt, rate] of this.learningRates()) opt.lr = rateAt(rate, p);
  }
  abstract save(dir: string): Promise<void>;
  abstract dispose(): void;

  /** One update (a minibatch from the replay buffer); returns its stats as one tensor, not read back. */
  protected abstract update(): Tensor | Promise<Tensor>;

  /** Names of the entries of {@link update}'s stats, as reported in `losses`. */
  protected abstract readonly statNames: readonly string[];

  beginTraining(steps: number): void {
    this.progress.begin(this.numTimesteps, steps);
    this.obs = this.env.reset({ seed: this.rng.integer(2 ** 31) }).obs;
    this.tracker.reset();
    if (this.replay instanceof HerReplayBuffer) this.replay.dropRunningEpisodes();
  }

  /**
   * About 200 env steps (so that the training loop yields often), training whenever a round
   * is due; until learning starts no rounds accumulate. The updates' stats are read once at the
   * end, with the acting copy's weights.
   */
  async learnIteration(): Promise<IterationResult> {
    if (!this.obs) this.beginTraining(1e9);
    const episodes: EpisodeRecord[] = [];
    const before = this.numTimesteps;
    const stats: Tensor[] = [];
    while (this.numTimesteps - before < 200) {
      await this.collectStep(episodes);
      if (this.learningStarted()) await this.trainIfDue(stats);
      else this.sinceTrain = 0;
    }
    const trained = stats.length > 0;
    const losses = await namedMeans(stats, this.statNames);
    if (trained) await this.syncActing();
    return { steps: this.numTimesteps - before, episodes, losses };
  }

  /**
   * One step of every env copy: uniformly random actions before `learningStarts`, the agent's
   * (exploring) actions after. Each real transition (not the reset step of an autoreset env) is
   * stored; returns how many there were (the env steps taken).
   */
  protected async collectStep(episodes: EpisodeRecord[]): Promise<number> {
    const N = this.env.numEnvs;
    const D = this.enc.inputDim;
    const A = this.actDim;
    const x = this.enc.encode(this.obs!, N, this.x);
    const actions = this.numTimesteps < this.config.learningStarts ? randomActions(this.spec, N, this.rng) : await this.exploreActions(this.obs!, N);
    const r = this.env.step(actions);
    const auto = r.info.autoreset;
    this.tracker.step(r.reward, r.terminated, r.truncated, auto, episodes);
    const nx = this.enc.encode(r.obs, N, this.nx);
    let real = 0;
    for (let i = 0; i < N; i++) {
      if (auto && auto[i]) continue;
      real++;
      this.store(i, x.subarray(i * D, (i + 1) * D), actions.subarray(i * A, (i + 1) * A), r.reward[i], nx.subarray(i * D, (i + 1) * D), r.terminated[i] === 1, r.truncated[i] === 1);
    }
    this.obs = r.obs;
    this.numTimesteps += real;
    this.sinceTrain += real;
    return real;
  }

  /** Stores env copy i's transition (encoded observations, the action as the env took it). */
  protected store(i: number, obs: Float32Array, action: Float32Array | Int32Array, reward: number, nextObs: Float32Array, terminated: boolean, truncated: boolean): void {
    if (this.replay instanceof HerReplayBuffer) this.replay.addStep(i, obs, action, reward, nextObs, terminated, terminated || truncated, this.config.gamma);
    else this.replay.add(obs, action, reward, nextObs, terminated, this.config.gamma);
  }

  /** Past `learningStarts`, with a minibatch's worth of transitions stored. */
  protected learningStarted(): boolean {
    return this.numTimesteps >= this.config.learningStarts && this.replay.sampleableSize >= this.config.batchSize;
  }

  /** Takes the training rounds due (one per `trainFreq` env steps, `gradientSteps` updates each), pushing their stats; true if any. */
  protected async trainIfDue(stats: Tensor[]): Promise<boolean> {
    const c = this.config;
    let trained = false;
    while (this.sinceTrain >= c.trainFreq) {
      this.sinceTrain -= c.trainFreq;
      this.applyRates();
      for (let g = 0; g < c.gradientSteps; g++) stats.push(await this.update());
      trained = true;
    }
    return trained;
  }
}
