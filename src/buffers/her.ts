/**
 * Hindsight experience replay (Andrychowicz et al. 2017) as a replay buffer, with SB3's
 * HerReplayBuffer semantics: transitions are stored as they happened; at sample time a fraction
 * `1 - 1 / (nSampledGoal + 1)` of the batch (4 of 5 with the default nSampledGoal = 4) gets its
 * desired goal replaced by a goal achieved in the same episode, and its reward recomputed with
 * the env's `computeReward(next achieved goal, new goal)`. Goal selection strategies (HER
 * sec. 4.5): "future" (the achieved goal of a transition from this one to the episode's end,
 * the default), "final" (the episode's last achieved goal), "episode" (any transition of the
 * episode). Only finished episodes are sampled; when the ring buffer overwrites a transition of
 * an old episode the whole episode stops being sampled (as SB3 does).
 *
 * Observations are flat rows of a Dict space in sorted key order (how rlbook's vector envs
 * lay out GoalEnv observations: achievedGoal, desiredGoal, observation); {@link goalLayout}
 * finds the goal slices. Storage is one ring per env copy, so an episode's transitions are
 * contiguous.
 */
import type { Rng } from "../core/rng.js";
import { Dict, type Space } from "../core/spaces.js";
import { SyncVectorEnv, type VectorEnv } from "../core/vector.js";
import { ReplayBuffer, type ReplayBatch, type ReplayOptions } from "./replay.js";

/** How relabelling goals are chosen (HER sec. 4.5). */
export type GoalSelectionStrategy = "future" | "final" | "episode";

/** HER's settings (SB3's names, camelCase). */
export interface HerConfig {
  /** Virtual (relabelled) transitions per real one in a batch (SB3 and the HER paper: 4). */
  nSampledGoal: number;
  /** Where relabelling goals come from (default "future", HER's best). */
  goalSelectionStrategy: GoalSelectionStrategy;
}

/** SB3's HerReplayBuffer defaults. */
export const HER_DEFAULTS: Readonly<HerConfig> = Object.freeze({ nSampledGoal: 4, goalSelectionStrategy: "future" });

export const GOAL_SELECTION_STRATEGIES: readonly GoalSelectionStrategy[] = ["future", "final", "episode"];

/** Where the goals sit in a flat observation row. */
export interface GoalLayout {
  achievedOffset: number;
  desiredOffset: number;
  goalDim: number;
}

/** Rewards for `batch` (achieved, desired) goal pairs laid out row by row. */
export type GoalRewardFn = (achieved: Float32Array, desired: Float32Array, batch: number) => ArrayLike<number>;

/** The goal slices of a GoalEnv's Dict observation space, flattened in sorted key order. */
export function goalLayout(space: Space, who = "HER"): GoalLayout {
  if (!(space instanceof Dict) || !space.keys.includes("achievedGoal") || !space.keys.includes("desiredGoal")) {
    throw new TypeError(`${who}: needs a goal-conditioned env whose observation space is a Dict with keys observation, achievedGoal, desiredGoal (a GoalEnv such as make("BitFlipping-v0")), got ${space.constructor.name}${space instanceof Dict ? ` with keys ${space.keys.join(", ")}` : ""}`);
  }
  let offset = 0;
  const at: Record<string, number> = {};
  for (const k of space.keys) {
    at[k] = offset;
    offset += space.spaces[k].vecDim;
  }
  const ga = space.spaces.achievedGoal.vecDim;
  const gd = space.spaces.desiredGoal.vecDim;
  if (ga !== gd) throw new RangeError(`${who}: achievedGoal has ${ga} numbers but desiredGoal has ${gd}; a goal env's achieved and desired goals must have the same shape`);
  return { achievedOffset: at.achievedGoal, desiredOffset: at.desiredGoal, goalDim: ga };
}

/** The batched computeReward of the GoalEnv inside a SyncVectorEnv (through its wrappers). */
export function goalRewardFn(env: VectorEnv, who = "HER"): GoalRewardFn {
  const inner = env instanceof SyncVectorEnv ? (env.envs[0]?.unwrapped as unknown as { computeRewardBatch?: unknown }) : undefined;
  if (!inner || typeof inner.computeRewardBatch !== "function") {
    throw new TypeError(`${who}: the env has no computeRewardBatch(achieved, desired, batch); HER needs a SyncVectorEnv of GoalEnvs (make("BitFlipping-v0", { numEnvs }) or make("Reach2D-v0"))`);
  }
  const fn = inner.computeRewardBatch as (a: Float32Array, d: Float32Array, b: number) => ArrayLike<number>;
  return (a, d, b) => fn.call(inner, a, d, b);
}

export interface HerReplayOptions extends ReplayOptions, Partial<HerConfig> {
  /** Env copies writing into the buffer (each gets capacity / numEnvs slots). */
  numEnvs: number;
  layout: GoalLayout;
  computeReward: GoalRewardFn;
}

export class HerReplayBuffer extends ReplayBuffer {
  readonly numEnvs: number;
  readonly nSampledGoal: number;
  readonly goalSelectionStrategy: GoalSelectionStrategy;
  readonly layout: GoalLayout;
  /** Slots per env ring. */
  readonly perEnv: number;
  private readonly computeReward: GoalRewardFn;
  /** Per slot: ring position where its episode starts, and the episode's length (0 while running or once dropped). */
  private readonly epStart: Int32Array;
  private readonly epLength: Int32Array;
  /** Per env: next slot, filled slots, the running episode's start and length. */
  private readonly envPos: Int32Array;
  private readonly envFilled: Int32Array;
  private readonly curStart: Int32Array;
  private readonly curLen: Int32Array;
  /** Global indices of the sampleable slots (finished episodes), with each slot's place in it (-1: absent). */
  private readonly valid: Int32Array;
  private readonly validAt: Int32Array;
  private validCount = 0;

  constructor(opts: HerReplayOptions) {
    super(opts);
    const k = opts.nSampledGoal ?? HER_DEFAULTS.nSampledGoal;
    const s = opts.goalSelectionStrategy ?? HER_DEFAULTS.goalSelectionStrategy;
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`HerReplayBuffer: nSampledGoal must be an integer >= 0, got ${k}`);
    if (!GOAL_SELECTION_STRATEGIES.includes(s)) throw new RangeError(`HerReplayBuffer: goalSelectionStrategy must be one of ${GOAL_SELECTION_STRATEGIES.join(", ")}, got ${String(s)}`);
    if (!Number.isInteger(opts.numEnvs) || opts.numEnvs < 1) throw new RangeError(`HerReplayBuffer: numEnvs must be a positive integer, got ${opts.numEnvs}`);
    const { achievedOffset, desiredOffset, goalDim } = opts.layout;
    if (Math.max(achievedOffset, desiredOffset) + goalDim > opts.obsDim) throw new RangeError(`HerReplayBuffer: goal slices (offsets ${achievedOffset}, ${desiredOffset}, ${goalDim} numbers) do not fit observation rows of ${opts.obsDim}`);
    this.nSampledGoal = k;
    this.goalSelectionStrategy = s;
    this.layout = opts.layout;
    this.numEnvs = opts.numEnvs;
    this.perEnv = Math.floor(this.capacity / this.numEnvs);
    if (this.perEnv < 1) throw new RangeError(`HerReplayBuffer: capacity ${this.capacity} is less than one slot per env copy (${this.numEnvs})`);
    this.computeReward = opts.computeReward;
    this.epStart = new Int32Array(this.capacity);
    this.epLength = new Int32Array(this.capacity);
    this.envPos = new Int32Array(this.numEnvs);
    this.envFilled = new Int32Array(this.numEnvs);
    this.curStart = new Int32Array(this.numEnvs);
    this.curLen = new Int32Array(this.numEnvs);
    this.valid = new Int32Array(this.capacity);
    this.validAt = new Int32Array(this.capacity).fill(-1);
  }

  /** Fraction of a batch that is relabelled (SB3's her_ratio). */
  get herRatio(): number {
    return 1 - 1 / (this.nSampledGoal + 1);
  }

  /** Transitions of finished episodes (what `sample` draws from). */
  override get sampleableSize(): number {
    return this.validCount;
  }

  override add(): number {
    throw new Error("HerReplayBuffer.add: use addStep(env, obs, action, reward, nextObs, terminated, done): HER needs the env copy and the episode ends");
  }

  /** Stores env copy `env`'s transition; `done` (terminated or truncated) ends its episode. Returns the slot's index. */
  addStep(env: number, obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean, done: boolean, discount = 1): number {
    if (!(env >= 0 && env < this.numEnvs)) throw new RangeError(`HerReplayBuffer.addStep: env ${env} is not in 0..${this.numEnvs - 1}`);
    const P = this.perEnv;
    const slot = this.envPos[env];
    const i = env * P + slot;
    if (this.epLength[i] > 0) this.dropEpisode(env, this.epStart[i], this.epLength[i]);
    else if (this.curLen[env] === P) {
      // The running episode fills the whole ring: its oldest transition goes.
      this.curStart[env] = (this.curStart[env] + 1) % P;
      this.curLen[env]--;
    }
    const od = this.obsDim;
    this.obs.set(obs, i * od);
    this.nextObs.set(nextObs, i * od);
    this.actions.set(action, i * this.actDim);
    this.rewards[i] = reward;
    this.terminated[i] = terminated ? 1 : 0;
    this.discounts[i] = discount;
    this.epStart[i] = this.curStart[env];
    this.epLength[i] = 0;
    this.curLen[env]++;
    this.envPos[env] = (slot + 1) % P;
    if (this.envFilled[env] < P) {
      this.envFilled[env]++;
      this.size++;
    }
    this.pos = this.envPos[0];
    if (done) this.endEpisode(env);
    return i;
  }

  /** Forgets the running (unfinished) episodes, e.g. when the envs are reset. */
  dropRunningEpisodes(): void {
    for (let e = 0; e < this.numEnvs; e++) {
      this.curStart[e] = this.envPos[e];
      this.curLen[e] = 0;
    }
  }

  private endEpisode(env: number): void {
    const P = this.perEnv;
    const len = this.curLen[env];
    const start = this.curStart[env];
    for (let j = 0; j < len; j++) {
      const i = env * P + ((start + j) % P);
      this.epLength[i] = len;
      this.validAt[i] = this.validCount;
      this.valid[this.validCount++] = i;
    }
    this.curStart[env] = this.envPos[env];
    this.curLen[env] = 0;
  }

  private dropEpisode(env: number, start: number, len: number): void {
    const P = this.perEnv;
    for (let j = 0; j < len; j++) {
      const i = env * P + ((start + j) % P);
      this.epLength[i] = 0;
      const at = this.validAt[i];
      const last = this.valid[--this.validCount];
      this.valid[at] = last;
      this.validAt[last] = at;
      this.validAt[i] = -1;
    }
  }

  /**
   * `batchSize` transitions drawn uniformly from finished episodes; the last
   * floor(herRatio * batchSize) rows are relabelled with achieved goals of their episode.
   */
  override sample(batchSize: number, rng: Rng): ReplayBatch {
    if (this.validCount === 0) throw new Error("HerReplayBuffer.sample: no finished episode stored yet (HER samples whole episodes)");
    const idx = new Int32Array(batchSize);
    for (let k = 0; k < batchSize; k++) idx[k] = this.valid[rng.integer(this.validCount)];
    const b = this.gather(idx, new Float32Array(batchSize).fill(1));
    const nVirtual = Math.floor(this.herRatio * batchSize);
    if (nVirtual === 0) return b;
    const { achievedOffset: ao, desiredOffset: dof, goalDim: G } = this.layout;
    const od = this.obsDim;
    const P = this.perEnv;
    const achieved = new Float32Array(nVirtual * G);
    const goals = new Float32Array(nVirtual * G);
    for (let v = 0; v < nVirtual; v++) {
      const row = batchSize - nVirtual + v;
      const i = idx[row];
      const env = Math.floor(i / P);
      const start = this.epStart[i];
      const len = this.epLength[i];
      const t = (i - env * P - start + P) % P;
      const g = this.goalSelectionStrategy === "final" ? len - 1 : this.goalSelectionStrategy === "future" ? t + rng.integer(len - t) : rng.integer(len);
      const src = (env * P + ((start + g) % P)) * od + ao;
      goals.set(this.nextObs.subarray(src, src + G), v * G);
      achieved.set(b.nextObs.subarray(row * od + ao, row * od + ao + G), v * G);
      b.obs.set(goals.subarray(v * G, (v + 1) * G), row * od + dof);
      b.nextObs.set(goals.subarray(v * G, (v + 1) * G), row * od + dof);
    }
    const r = this.computeReward(achieved, goals, nVirtual);
    for (let v = 0; v < nVirtual; v++) b.rewards[batchSize - nVirtual + v] = r[v];
    return b;
  }

  override getState(): Record<string, unknown> {
    return {
      ...super.getState(),
      obs: this.obs.slice(),
      nextObs: this.nextObs.slice(),
      actions: this.actions.slice(),
      rewards: this.rewards.slice(),
      terminated: this.terminated.slice(),
      discounts: this.discounts.slice(),
      epStart: Float32Array.from(this.epStart),
      epLength: Float32Array.from(this.epLength),
      envPos: Float32Array.from(this.envPos),
      envFilled: Float32Array.from(this.envFilled),
      // The sampleable list in its order, so a restored buffer samples exactly as the saved one.
      valid: Float32Array.from(this.valid.subarray(0, this.validCount)),
    };
  }

  override setState(s: Record<string, unknown>): void {
    for (const k of ["epStart", "epLength", "envPos", "envFilled", "valid"]) {
      if (!(s[k] instanceof Float32Array)) throw new Error(`HerReplayBuffer.setState: missing ${k} (a checkpoint of a buffer without HER?)`);
    }
    const n = (s.obs as Float32Array).length / this.obsDim;
    if (n !== this.capacity) throw new Error(`HerReplayBuffer.setState: the saved buffer has ${n} slots, this one ${this.capacity}`);
    super.setState({ ...s, size: 0 });
    this.size = s.size as number;
    this.pos = s.pos as number;
    this.epStart.set(s.epStart as Float32Array);
    this.epLength.set(s.epLength as Float32Array);
    this.envPos.set(s.envPos as Float32Array);
    this.envFilled.set(s.envFilled as Float32Array);
    const valid = s.valid as Float32Array;
    this.validCount = valid.length;
    this.validAt.fill(-1);
    for (let k = 0; k < valid.length; k++) {
      this.valid[k] = valid[k];
      this.validAt[valid[k]] = k;
    }
    this.dropRunningEpisodes();
  }
}
