/**
 * The one interface every bandit algorithm implements, vectorized over a batch of independent
 * tasks so that a regret run over 1,000 tasks is a few typed-array loops per pull:
 *
 *   policy.reset(batch)            // new tasks: numTasks x numArms (linear: and their features)
 *   policy.selectArms(t, out)      // writes one arm per task into `out` for pull t (0-based)
 *   policy.update(arms, rewards)   // the rewards those arms paid
 *
 * A single bandit is a batch of one task. Ties between equally good arms are broken uniformly
 * at random (with the batch's rng), so a policy never favours low arm indices.
 */
import type { Rng } from "../core/rng.js";

/** What a policy is told about the tasks it is about to play. */
export interface BanditBatch {
  /** Independent tasks played in parallel. */
  numTasks: number;
  /** Arms per task (the same for every task). */
  numArms: number;
  /**
   * Linear bandits: the features of every arm of every task, numTasks x numArms x dim,
   * row-major. The runner rewrites them in place before each pull of a contextual bandit.
   */
  features?: Float64Array;
  /** Feature dimension (linear bandits). */
  dim?: number;
  /**
   * Standard deviation of the reward noise when the environment states it (Gaussian and linear
   * bandits); algorithms that assume a known noise (Gaussian Thompson sampling, LinTS) use it
   * unless their own option overrides it.
   */
  noiseStd?: number;
  /** The policy's own random stream (exploration, tie-breaking, posterior samples). */
  rng: Rng;
}

/** A bandit algorithm playing a batch of tasks (see the module comment). */
export interface BanditPolicy {
  /** A short label for tables and legends ("UCB1", "TS (Beta)", ...). */
  readonly name: string;
  /** Forgets everything and prepares for a new batch of tasks. */
  reset(batch: BanditBatch): void;
  /**
   * Chooses an arm for every task at pull `t` (0-based), writing it into `out[task]`. A policy
   * that reads a model's output from the device (DPT) returns a promise; the runner awaits it.
   */
  selectArms(t: number, out: Int32Array): void | Promise<void>;
  /** Observes the rewards of the arms just chosen (`arms[task]`, `rewards[task]`). */
  update(arms: Int32Array, rewards: Float64Array): void;
  /** Called once the run is over (after the last pull, or when it throws): frees what the policy holds (a model's cache). */
  finish?(): void;
}

/** Throws unless `x` is a finite number in [lo, hi] (names the option and the fix). */
export function checkOption(owner: string, name: string, x: number, lo: number, hi = Infinity): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x < lo || x > hi) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    throw new RangeError(`${owner}: option ${name} must be a finite number ${range}, got ${String(x)}`);
  }
}

/** Index of the largest of scores[0..k), ties broken uniformly at random. */
export function argmaxScores(scores: Float64Array, k: number, rng: Rng): number {
  let best = 0;
  let bestScore = scores[0];
  let ties = 1;
  for (let a = 1; a < k; a++) {
    const s = scores[a];
    if (s > bestScore) {
      bestScore = s;
      best = a;
      ties = 1;
    } else if (s === bestScore) {
      ties++;
      if (rng.random() * ties < 1) best = a;
    }
  }
  return best;
}

/** Standard normal draws, two per Box-Muller transform (half the cost of `Rng.normal`). */
export class NormalSource {
  private spare = 0;
  private hasSpare = false;
  constructor(private readonly rng: Rng) {}

  next(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.rng.random()));
    const th = 2 * Math.PI * this.rng.random();
    this.spare = r * Math.sin(th);
    this.hasSpare = true;
    return r * Math.cos(th);
  }
}

/**
 * The shared bookkeeping of the k-armed algorithms: pulls `counts` and reward `sums` per task
 * and arm (numTasks x numArms, row-major), and the total pulls `t` so far.
 */
export abstract class CountingPolicy implements BanditPolicy {
  abstract readonly name: string;
  protected k = 0;
  protected n = 0;
  protected rng!: Rng;
  protected counts = new Float64Array(0);
  protected sums = new Float64Array(0);
  protected batch!: BanditBatch;
  /** Scratch for one task's arm scores. */
  protected scores = new Float64Array(0);
  protected normals!: NormalSource;

  reset(batch: BanditBatch): void {
    this.scores = new Float64Array(batch.numArms);
    this.normals = new NormalSource(batch.rng);
    this.batch = batch;
    this.k = batch.numArms;
    this.n = batch.numTasks;
    this.rng = batch.rng;
    this.counts = new Float64Array(this.n * this.k);
    this.sums = new Float64Array(this.n * this.k);
  }

  abstract selectArms(t: number, out: Int32Array): void;

  update(arms: Int32Array, rewards: Float64Array): void {
    for (let i = 0; i < this.n; i++) {
      const j = i * this.k + arms[i];
      this.counts[j] += 1;
      this.sums[j] += rewards[i];
    }
  }

  /** An arm of task i not pulled yet (uniformly among them), or -1 when every arm was pulled. */
  protected unpulled(i: number): number {
    const base = i * this.k;
    let pick = -1;
    let seen = 0;
    for (let a = 0; a < this.k; a++) {
      if (this.counts[base + a] === 0) {
        seen++;
        if (this.rng.random() * seen < 1) pick = a;
      }
    }
    return pick;
  }
}

/**
 * A Gamma(shape, 1) draw: Marsaglia & Tsang (2000), "A simple method for generating gamma
 * variables"; shape < 1 via Gamma(shape + 1) * U^(1/shape).
 */
export function sampleGamma(rng: Rng, shape: number, normals?: NormalSource): number {
  if (shape < 1) return sampleGamma(rng, shape + 1, normals) * Math.pow(rng.random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normals ? normals.next() : rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(rng: Rng, a: number, b: number, normals?: NormalSource): number {
  const x = sampleGamma(rng, a, normals);
  const y = sampleGamma(rng, b, normals);
  return x / (x + y);
}
