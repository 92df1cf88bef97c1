/**
 * Wrappers, as in Gymnasium 1.x `gymnasium/wrappers`: each changes one thing about the env it
 * wraps and forwards everything else.
 */
import { Env, EpisodeStateError, Wrapper, checkAction, type ActionInput, type Info, type ResetArgs, type ResetResult, type StepResult } from "./env.js";
import { Box, Space, typedArrayFor, type NumericArray } from "./spaces.js";

/** Truncates episodes after `maxEpisodeSteps` steps (Gymnasium's TimeLimit). */
export class TimeLimit<O, A> extends Wrapper<O, A> {
  private elapsed = 0;
  private done = true;

  constructor(env: Env<O, A>, readonly maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    this.elapsed = 0;
    this.done = false;
    return this.env.reset(args);
  }

  override step(action: ActionInput<A>): StepResult<O> {
    if (this.done && this.elapsed > 0) {
      throw new EpisodeStateError(`${this.name}: the episode is over (after ${this.elapsed} steps); call reset() before stepping again`);
    }
    const r = this.env.step(action);
    this.elapsed += 1;
    if (this.elapsed >= this.maxEpisodeSteps) r.truncated = true;
    if (r.terminated || r.truncated) this.done = true;
    return r;
  }
}

/**
 * Refuses `step` before the first `reset` and after an episode ended (Gymnasium's
 * OrderEnforcing, also checking for finished episodes). `make` applies it to every env.
 */
export class OrderEnforcing<O, A> extends Wrapper<O, A> {
  private state: "needs-reset" | "running" | "done" = "needs-reset";

  override reset(args?: ResetArgs): ResetResult<O> {
    const r = this.env.reset(args);
    this.state = "running";
    return r;
  }

  override step(action: ActionInput<A>): StepResult<O> {
    if (this.state === "needs-reset") throw new EpisodeStateError(`${this.name}: call reset() before step()`);
    if (this.state === "done") throw new EpisodeStateError(`${this.name}: the episode is over (terminated or truncated); call reset() before stepping again`);
    const r = this.env.step(action);
    if (r.terminated || r.truncated) this.state = "done";
    return r;
  }

  override render(): string {
    return this.env.render();
  }
}

/** Statistics of one finished episode. */
export interface EpisodeStats {
  /** Return (sum of rewards). */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall-clock seconds. */
  t: number;
}

/**
 * Adds `info.episode = {r, l, t}` at the end of every episode and keeps the last `bufferLength`
 * returns, lengths and times in `returnQueue`, `lengthQueue`, `timeQueue` (Gymnasium's
 * RecordEpisodeStatistics).
 */
export class RecordEpisodeStatistics<O, A> extends Wrapper<O, A> {
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  /** Number of finished episodes. */
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private startTime = 0;

  constructor(env: Env<O, A>, readonly bufferLength = 100) {
    super(env);
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    const r = this.env.reset(args);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.startTime = performance.now();
    return r;
  }

  override step(action: ActionInput<A>): StepResult<O> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength += 1;
    if (r.terminated || r.truncated) {
      const stats: EpisodeStats = { r: this.episodeReturn, l: this.episodeLength, t: Math.round(performance.now() - this.startTime) / 1000 };
      r.info = { ...r.info, episode: stats };
      this.episodeCount += 1;
      for (const [q, v] of [[this.returnQueue, stats.r], [this.lengthQueue, stats.l], [this.timeQueue, stats.t]] as const) {
        q.push(v);
        if (q.length > this.bufferLength) q.shift();
      }
    }
    return r;
  }
}

/** A running mean and variance (Gymnasium's RunningMeanStd; parallel-moments update). */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  /** @param size number of elements @param epsilon initial count (1e-4, as Gymnasium) */
  constructor(readonly size: number, epsilon = 1e-4) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Adds a batch of `batchCount` rows (`batchCount * size` numbers). */
  update(x: ArrayLike<number>, batchCount = 1): void {
    const n = this.size;
    if (x.length !== n * batchCount) throw new RangeError(`RunningMeanStd: expected ${n * batchCount} numbers, got ${x.length}`);
    const totCount = this.count + batchCount;
    for (let j = 0; j < n; j++) {
      let bm = 0;
      for (let b = 0; b < batchCount; b++) bm += x[b * n + j];
      bm /= batchCount;
      let bv = 0;
      for (let b = 0; b < batchCount; b++) bv += (x[b * n + j] - bm) ** 2;
      bv /= batchCount;
      const delta = bm - this.mean[j];
      const newMean = this.mean[j] + (delta * batchCount) / totCount;
      const mA = this.var[j] * this.count;
      const mB = bv * batchCount;
      const m2 = mA + mB + (delta * delta * this.count * batchCount) / totCount;
      this.mean[j] = newMean;
      this.var[j] = m2 / totCount;
    }
    this.count = totCount;
  }
}

function requireBox(wrapper: string, space: Space, what: string): Box<NumericArray> {
  if (!(space instanceof Box)) throw new TypeError(`${wrapper}: needs a Box ${what} space, got ${space.toString()} (use FlattenObservation first)`);
  return space as Box<NumericArray>;
}

/**
 * Normalizes Box observations to mean 0, variance 1 with running statistics:
 * (obs - mean) / sqrt(var + epsilon), as float32 (Gymnasium's NormalizeObservation).
 */
export class NormalizeObservation<A> extends Wrapper<Float32Array, A, NumericArray, A> {
  readonly obsRms: RunningMeanStd;
  /** Set false to freeze the statistics (e.g. for evaluation). */
  updateRunningMean = true;

  constructor(env: Env<NumericArray, A>, readonly epsilon = 1e-8) {
    super(env);
    const box = requireBox("NormalizeObservation", env.observationSpace, "observation");
    this.obsRms = new RunningMeanStd(box.size);
    this.observationSpace = new Box(-Infinity, Infinity, box.shape, "float32");
  }

  private normalize(obs: NumericArray): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(obs);
    const out = new Float32Array(obs.length);
    for (let i = 0; i < obs.length; i++) out[i] = (obs[i] - this.obsRms.mean[i]) / Math.sqrt(this.obsRms.var[i] + this.epsilon);
    return out;
  }

  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    const r = this.env.reset(args);
    return { obs: this.normalize(r.obs), info: r.info };
  }

  override step(action: ActionInput<A>): StepResult<Float32Array> {
    const r = this.env.step(action);
    return { ...r, obs: this.normalize(r.obs) };
  }
}

/**
 * Scales rewards by the running standard deviation of the discounted return (Gymnasium 1.x
 * NormalizeReward): G = G * gamma * (1 - terminated) + r; reward / sqrt(var(G) + epsilon).
 */
export class NormalizeReward<O, A> extends Wrapper<O, A> {
  readonly returnRms = new RunningMeanStd(1);
  /** Set false to freeze the statistics. */
  updateRunningMean = true;
  private discountedReward = 0;

  constructor(env: Env<O, A>, readonly gamma = 0.99, readonly epsilon = 1e-8) {
    super(env);
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    return this.env.reset(args);
  }

  override step(action: ActionInput<A>): StepResult<O> {
    const r = this.env.step(action);
    this.discountedReward = this.discountedReward * this.gamma * (1 - (r.terminated ? 1 : 0)) + r.reward;
    if (this.updateRunningMean) this.returnRms.update([this.discountedReward]);
    return { ...r, reward: r.reward / Math.sqrt(this.returnRms.var[0] + this.epsilon) };
  }
}

/** Clips continuous actions to the action space's bounds; the wrapper accepts any real action (Gymnasium's ClipAction). */
export class ClipAction<O, WA extends ArrayLike<number> = NumericArray> extends Wrapper<O, ArrayLike<number>, O, WA> {
  private readonly inner: Box<NumericArray>;

  constructor(env: Env<O, WA>) {
    super(env);
    this.inner = requireBox("ClipAction", env.actionSpace, "action");
    this.actionSpace = new Box(-Infinity, Infinity, this.inner.shape, this.inner.dtype === "float64" ? "float64" : "float32") as unknown as Space<ArrayLike<number>>;
  }

  override step(action: ArrayLike<number>): StepResult<O> {
    // A wrong shape goes through unchanged so that the env names it; NaN stays NaN.
    if (!action || action.length !== this.inner.size) return this.env.step(action as unknown as ActionInput<WA>);
    const out = typedArrayFor(this.inner.dtype, this.inner.size);
    for (let i = 0; i < this.inner.size; i++) out[i] = Math.min(Math.max(action[i], this.inner.low[i]), this.inner.high[i]);
    return this.env.step(out as unknown as ActionInput<WA>);
  }
}

/**
 * Accepts actions in [minAction, maxAction] and maps them linearly onto the env's Box bounds
 * (Gymnasium's RescaleAction): low + (high - low) * (a - min) / (max - min), clipped to [low, high].
 */
export class RescaleAction<O, WA extends ArrayLike<number> = NumericArray> extends Wrapper<O, ArrayLike<number>, O, WA> {
  private readonly inner: Box<NumericArray>;
  private readonly minA: Float64Array;
  private readonly maxA: Float64Array;

  constructor(env: Env<O, WA>, minAction: number | ArrayLike<number>, maxAction: number | ArrayLike<number>) {
    super(env);
    this.inner = requireBox("RescaleAction", env.actionSpace, "action");
    if (!this.inner.isBounded) throw new RangeError(`RescaleAction: the action space ${this.inner.toString()} must be bounded`);
    const space = new Box(minAction, maxAction, this.inner.shape, this.inner.dtype === "float64" ? "float64" : "float32");
    this.minA = space.low;
    this.maxA = space.high;
    this.actionSpace = space as unknown as Space<ArrayLike<number>>;
  }

  override step(action: ArrayLike<number>): StepResult<O> {
    checkAction(`${this.name} (RescaleAction)`, this.actionSpace, action);
    const out = typedArrayFor(this.inner.dtype, this.inner.size);
    for (let i = 0; i < this.inner.size; i++) {
      const lo = this.inner.low[i];
      const hi = this.inner.high[i];
      const v = lo + (hi - lo) * ((action[i] - this.minA[i]) / (this.maxA[i] - this.minA[i]));
      out[i] = Math.min(Math.max(v, lo), hi);
    }
    return this.env.step(out as unknown as ActionInput<WA>);
  }
}

/** Flattens observations into a float32 vector (`space.flatten`; a Discrete becomes one-hot). */
export class FlattenObservation<A> extends Wrapper<Float32Array, A, unknown, A> {
  private readonly inner: Space;

  constructor(env: Env<unknown, A>) {
    super(env);
    this.inner = env.observationSpace;
    const flat = this.inner.flattenSpace();
    this.observationSpace = new Box(flat.low, flat.high, [flat.size], "float32");
  }

  private flat(obs: unknown): Float32Array {
    const out = new Float32Array(this.inner.flatdim);
    this.inner.flattenInto(obs, out, 0);
    return out;
  }

  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    const r = this.env.reset(args);
    return { obs: this.flat(r.obs), info: r.info };
  }

  override step(action: ActionInput<A>): StepResult<Float32Array> {
    const r = this.env.step(action);
    return { ...r, obs: this.flat(r.obs) };
  }
}

/**
 * Stacks the last `stackSize` Box observations into one float32 array of shape
 * [stackSize, ...shape], oldest first (Gymnasium 1.x FrameStackObservation). At reset the stack is
 * padded with the reset observation (`padding: "reset"`, the default) or zeros.
 */
export class FrameStack<A> extends Wrapper<Float32Array, A, NumericArray, A> {
  private readonly size: number;
  private readonly frames: Float32Array;

  constructor(env: Env<NumericArray, A>, readonly stackSize: number, readonly padding: "reset" | "zero" = "reset") {
    super(env);
    if (!Number.isInteger(stackSize) || stackSize < 1) throw new RangeError(`FrameStack: stackSize must be a positive integer, got ${stackSize}`);
    const box = requireBox("FrameStack", env.observationSpace, "observation");
    this.size = box.size;
    this.frames = new Float32Array(stackSize * box.size);
    const low: number[] = [];
    const high: number[] = [];
    for (let k = 0; k < stackSize; k++) {
      low.push(...box.low);
      high.push(...box.high);
    }
    this.observationSpace = new Box(low, high, [stackSize, ...box.shape], "float32");
  }

  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    const r = this.env.reset(args);
    for (let k = 0; k < this.stackSize; k++) {
      for (let i = 0; i < this.size; i++) this.frames[k * this.size + i] = this.padding === "reset" ? r.obs[i] : 0;
    }
    if (this.padding === "zero") this.frames.set(Float32Array.from(r.obs), (this.stackSize - 1) * this.size);
    return { obs: this.frames.slice(), info: r.info };
  }

  override step(action: ActionInput<A>): StepResult<Float32Array> {
    const r = this.env.step(action);
    this.frames.copyWithin(0, this.size);
    for (let i = 0; i < this.size; i++) this.frames[(this.stackSize - 1) * this.size + i] = r.obs[i];
    return { ...r, obs: this.frames.slice() };
  }
}

/** Applies `fn` to every observation; give `observationSpace` when the transformed observations live elsewhere. */
export class TransformObservation<O, A, WO> extends Wrapper<O, A, WO, A> {
  constructor(env: Env<WO, A>, readonly fn: (obs: WO) => O, observationSpace?: Space<O>) {
    super(env);
    if (observationSpace) this.observationSpace = observationSpace;
  }

  override reset(args?: ResetArgs): ResetResult<O> {
    const r = this.env.reset(args);
    return { obs: this.fn(r.obs), info: r.info };
  }

  override step(action: ActionInput<A>): StepResult<O> {
    const r = this.env.step(action);
    return { ...r, obs: this.fn(r.obs) };
  }
}

/** Applies `fn` to every reward. */
export class TransformReward<O, A> extends Wrapper<O, A> {
  constructor(env: Env<O, A>, readonly fn: (reward: number, info: Info) => number) {
    super(env);
  }

  override step(action: ActionInput<A>): StepResult<O> {
    const r = this.env.step(action);
    return { ...r, reward: this.fn(r.reward, r.info) };
  }
}
