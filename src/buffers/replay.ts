/**
 * Off-policy replay buffers in typed arrays: uniform (CleanRL's / SB3's ReplayBuffer) and
 * prioritized (Schaul et al. 2016, proportional variant with a sum tree, as in Dopamine / SB3
 * contrib). Sampling uses rlbook's seeded {@link Rng}, so runs are reproducible.
 */
import type { Rng } from "../core/rng.js";

/** A batch of transitions; rows are samples. */
export interface ReplayBatch {
  indices: Int32Array;
  obs: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObs: Float32Array;
  /** 1 where nextObs is terminal (no bootstrap). */
  terminated: Float32Array;
  /** Discount to apply to the bootstrap value (gamma^n for n-step returns; gamma otherwise). */
  discounts: Float32Array;
  /** Importance-sampling weights (all 1 for uniform sampling). */
  weights: Float32Array;
}

export interface ReplayOptions {
  capacity: number;
  obsDim: number;
  actDim: number;
}

export class ReplayBuffer {
  readonly capacity: number;
  readonly obsDim: number;
  readonly actDim: number;
  protected readonly obs: Float32Array;
  protected readonly nextObs: Float32Array;
  protected readonly actions: Float32Array;
  protected readonly rewards: Float32Array;
  protected readonly terminated: Float32Array;
  protected readonly discounts: Float32Array;
  /** Next write position. */
  pos = 0;
  /** Number of stored transitions. */
  size = 0;

  constructor(opts: ReplayOptions) {
    const { capacity, obsDim, actDim } = opts;
    for (const [k, v] of Object.entries({ capacity, obsDim, actDim })) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`ReplayBuffer: ${k} must be a positive integer, got ${v}`);
    }
    this.capacity = capacity;
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.obs = new Float32Array(capacity * obsDim);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.actions = new Float32Array(capacity * actDim);
    this.rewards = new Float32Array(capacity);
    this.terminated = new Float32Array(capacity);
    this.discounts = new Float32Array(capacity);
  }

  /** Adds one transition (overwriting the oldest when full); returns its index. */
  add(obs: ArrayLike<number>, action: ArrayLike<number> | number, reward: number, nextObs: ArrayLike<number>, terminated: boolean | number, discount = 1): number {
    const i = this.pos;
    this.obs.set(obs, i * this.obsDim);
    this.nextObs.set(nextObs, i * this.obsDim);
    if (typeof action === "number") this.actions[i * this.actDim] = action;
    else this.actions.set(action, i * this.actDim);
    this.rewards[i] = reward;
    this.terminated[i] = terminated ? 1 : 0;
    this.discounts[i] = discount;
    this.pos = (this.pos + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
    this.onAdd(i);
    return i;
  }

  protected onAdd(_i: number): void {}

  /** Transitions `sample` can draw from (all stored ones here). */
  get sampleableSize(): number {
    return this.size;
  }

  /** Samples `batchSize` transitions uniformly with replacement. */
  sample(batchSize: number, rng: Rng): ReplayBatch {
    if (this.size === 0) throw new Error("ReplayBuffer.sample: the buffer is empty");
    const idx = new Int32Array(batchSize);
    for (let k = 0; k < batchSize; k++) idx[k] = rng.integer(this.size);
    const w = new Float32Array(batchSize).fill(1);
    return this.gather(idx, w);
  }

  protected gather(idx: Int32Array, weights: Float32Array): ReplayBatch {
    const B = idx.length;
    const od = this.obsDim;
    const ad = this.actDim;
    const b: ReplayBatch = {
      indices: idx,
      obs: new Float32Array(B * od),
      nextObs: new Float32Array(B * od),
      actions: new Float32Array(B * ad),
      rewards: new Float32Array(B),
      terminated: new Float32Array(B),
      discounts: new Float32Array(B),
      weights,
    };
    for (let k = 0; k < B; k++) {
      const i = idx[k];
      b.obs.set(this.obs.subarray(i * od, (i + 1) * od), k * od);
      b.nextObs.set(this.nextObs.subarray(i * od, (i + 1) * od), k * od);
      for (let j = 0; j < ad; j++) b.actions[k * ad + j] = this.actions[i * ad + j];
      b.rewards[k] = this.rewards[i];
      b.terminated[k] = this.terminated[i];
      b.discounts[k] = this.discounts[i];
    }
    return b;
  }

  /** The buffer's contents (for checkpoints). */
  getState(): Record<string, unknown> {
    return {
      pos: this.pos,
      size: this.size,
      obs: this.obs.slice(0, this.size * this.obsDim),
      nextObs: this.nextObs.slice(0, this.size * this.obsDim),
      actions: this.actions.slice(0, this.size * this.actDim),
      rewards: this.rewards.slice(0, this.size),
      terminated: this.terminated.slice(0, this.size),
      discounts: this.discounts.slice(0, this.size),
    };
  }

  setState(s: Record<string, unknown>): void {
    const size = s.size as number;
    if (!(size >= 0 && size <= this.capacity)) throw new Error(`ReplayBuffer.setState: size ${size} exceeds capacity ${this.capacity}`);
    this.pos = s.pos as number;
    this.size = size;
    this.obs.set(s.obs as Float32Array);
    this.nextObs.set(s.nextObs as Float32Array);
    this.actions.set(s.actions as Float32Array);
    this.rewards.set(s.rewards as Float32Array);
    this.terminated.set(s.terminated as Float32Array);
    this.discounts.set(s.discounts as Float32Array);
  }
}

/** A binary tree over `capacity` leaves keeping sums and minima of priorities. */
export class SumTree {
  readonly n: number;
  private readonly sums: Float64Array;
  private readonly mins: Float64Array;

  constructor(capacity: number) {
    let n = 1;
    while (n < capacity) n *= 2;
    this.n = n;
    this.sums = new Float64Array(2 * n);
    this.mins = new Float64Array(2 * n).fill(Infinity);
  }

  set(i: number, p: number): void {
    let k = i + this.n;
    this.sums[k] = p;
    this.mins[k] = p;
    k >>= 1;
    while (k >= 1) {
      this.sums[k] = this.sums[2 * k] + this.sums[2 * k + 1];
      this.mins[k] = Math.min(this.mins[2 * k], this.mins[2 * k + 1]);
      k >>= 1;
    }
  }

  get(i: number): number {
    return this.sums[i + this.n];
  }

  total(): number {
    return this.sums[1];
  }

  min(): number {
    return this.mins[1];
  }

  /** The leaf i with prefix sum(0..i-1) <= u < prefix sum(0..i). */
  find(u: number): number {
    let k = 1;
    while (k < this.n) {
      const left = this.sums[2 * k];
      if (u < left) k = 2 * k;
      else {
        u -= left;
        k = 2 * k + 1;
      }
    }
    return k - this.n;
  }
}

export interface PrioritizedReplayOptions extends ReplayOptions {
  /** Priority exponent (Schaul et al.: 0.6). */
  alpha?: number;
  /** Added to |TD error| so every transition keeps a chance (1e-6). */
  priorityEps?: number;
}

/**
 * Proportional prioritized replay: P(i) = p_i^alpha / sum_k p_k^alpha, IS weights
 * w_i = (N P(i))^-beta / max_j w_j. New transitions get the maximum priority seen so far.
 */
export class PrioritizedReplayBuffer extends ReplayBuffer {
  readonly alpha: number;
  readonly priorityEps: number;
  private readonly tree: SumTree;
  private maxPriority = 1;

  constructor(opts: PrioritizedReplayOptions) {
    super(opts);
    this.alpha = opts.alpha ?? 0.6;
    this.priorityEps = opts.priorityEps ?? 1e-6;
    if (!(this.alpha >= 0)) throw new RangeError(`PrioritizedReplayBuffer: alpha must be >= 0, got ${this.alpha}`);
    this.tree = new SumTree(this.capacity);
  }

  protected override onAdd(i: number): void {
    this.tree.set(i, Math.pow(this.maxPriority, this.alpha));
  }

  /** Stratified proportional sampling; `beta` sets the importance-sampling correction. */
  sampleWeighted(batchSize: number, rng: Rng, beta: number): ReplayBatch {
    if (this.size === 0) throw new Error("PrioritizedReplayBuffer.sample: the buffer is empty");
    const total = this.tree.total();
    const seg = total / batchSize;
    const idx = new Int32Array(batchSize);
    const w = new Float32Array(batchSize);
    const pMin = this.tree.min() / total;
    const maxW = Math.pow(this.size * pMin, -beta);
    for (let k = 0; k < batchSize; k++) {
      const u = Math.min((k + rng.random()) * seg, total * (1 - 1e-12));
      let i = this.tree.find(u);
      if (i >= this.size) i = this.size - 1;
      idx[k] = i;
      const p = this.tree.get(i) / total;
      w[k] = Math.pow(this.size * p, -beta) / maxW;
    }
    return this.gather(idx, w);
  }

  override sample(batchSize: number, rng: Rng): ReplayBatch {
    return this.sampleWeighted(batchSize, rng, 0.4);
  }

  /** Sets priorities |td| + eps for sampled indices. */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    for (let k = 0; k < indices.length; k++) {
      const p = Math.abs(tdErrors[k]) + this.priorityEps;
      if (!Number.isFinite(p)) throw new RangeError(`PrioritizedReplayBuffer: non-finite TD error ${tdErrors[k]}`);
      this.maxPriority = Math.max(this.maxPriority, p);
      this.tree.set(indices[k], Math.pow(p, this.alpha));
    }
  }

  /** The sampling probability of transition i. */
  probability(i: number): number {
    return this.tree.get(i) / this.tree.total();
  }
}
