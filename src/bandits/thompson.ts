/**
 * Thompson sampling: sample a mean for every arm from its posterior, play the best sample.
 *
 * Beta-Bernoulli (Agrawal & Goyal 2012, "Analysis of Thompson Sampling for the Multi-armed Bandit
 * Problem", Algorithm 1): prior Beta(alpha, beta) (default Beta(1, 1), uniform); a reward r in
 * [0, 1] that is not 0 or 1 counts as a Bernoulli trial of success probability r (their
 * Algorithm 2), so the posterior stays a Beta.
 *
 * Gaussian (Agrawal & Goyal 2013, "Further Optimal Regret Bounds for Thompson Sampling", with a
 * conjugate prior): prior N(priorMean, priorStd^2) on every arm's mean, rewards with known noise
 * std sigma; the posterior after n pulls of sum S is
 *     N( (priorMean/priorStd^2 + S/sigma^2) / P,  1/P ),  P = 1/priorStd^2 + n/sigma^2.
 * sigma defaults to the environment's noise std (the batch's `noiseStd`), else 1.
 */
import { argmaxScores, checkOption, CountingPolicy, sampleBeta, type BanditBatch } from "./policy.js";

export interface BetaThompsonOptions {
  /** Prior successes + 1 (default 1). */
  alpha?: number;
  /** Prior failures + 1 (default 1). */
  beta?: number;
}

/** Thompson sampling with Beta posteriors, for rewards in [0, 1] (see the module comment). */
export class BetaThompson extends CountingPolicy {
  readonly name = "TS (Beta)";
  readonly alpha: number;
  readonly beta: number;

  constructor(options: BetaThompsonOptions = {}) {
    super();
    this.alpha = options.alpha ?? 1;
    this.beta = options.beta ?? 1;
    checkOption("BetaThompson", "alpha", this.alpha, Number.MIN_VALUE);
    checkOption("BetaThompson", "beta", this.beta, Number.MIN_VALUE);
  }

  selectArms(_t: number, out: Int32Array): void {
    const k = this.k;
    for (let i = 0; i < this.n; i++) {
      const base = i * k;
      // sums holds successes (see update).
      for (let a = 0; a < k; a++) this.scores[a] = sampleBeta(this.rng, this.alpha + this.sums[base + a], this.beta + this.counts[base + a] - this.sums[base + a], this.normals);
      out[i] = argmaxScores(this.scores, k, this.rng);
    }
  }

  override update(arms: Int32Array, rewards: Float64Array): void {
    for (let i = 0; i < this.n; i++) {
      const r = rewards[i];
      if (!(r >= 0 && r <= 1)) throw new RangeError(`BetaThompson: reward ${r} of task ${i} is outside [0, 1]; Beta-Bernoulli Thompson sampling needs rewards in [0, 1] (use GaussianThompson for Gaussian rewards)`);
      const j = i * this.k + arms[i];
      this.counts[j] += 1;
      this.sums[j] += r === 0 || r === 1 ? r : this.rng.random() < r ? 1 : 0;
    }
  }
}

export interface GaussianThompsonOptions {
  /** Prior mean of every arm's mean reward (default 0). */
  priorMean?: number;
  /** Prior standard deviation of every arm's mean reward (default 1). */
  priorStd?: number;
  /** Known reward noise std (default: the environment's, else 1). */
  noiseStd?: number;
}

/** Thompson sampling with a Gaussian prior and known Gaussian noise (see the module comment). */
export class GaussianThompson extends CountingPolicy {
  readonly name = "TS (Gaussian)";
  readonly priorMean: number;
  readonly priorStd: number;
  private readonly noiseStdOption: number | undefined;
  private noiseVar = 1;

  constructor(options: GaussianThompsonOptions = {}) {
    super();
    this.priorMean = options.priorMean ?? 0;
    this.priorStd = options.priorStd ?? 1;
    this.noiseStdOption = options.noiseStd;
    checkOption("GaussianThompson", "priorMean", this.priorMean, -Infinity);
    checkOption("GaussianThompson", "priorStd", this.priorStd, Number.MIN_VALUE);
    if (options.noiseStd !== undefined) checkOption("GaussianThompson", "noiseStd", options.noiseStd, Number.MIN_VALUE);
  }

  override reset(batch: BanditBatch): void {
    super.reset(batch);
    const s = this.noiseStdOption ?? (batch.noiseStd && batch.noiseStd > 0 ? batch.noiseStd : 1);
    this.noiseVar = s * s;
  }

  selectArms(_t: number, out: Int32Array): void {
    const k = this.k;
    const p0 = 1 / (this.priorStd * this.priorStd);
    const m0 = this.priorMean * p0;
    for (let i = 0; i < this.n; i++) {
      const base = i * k;
      for (let a = 0; a < k; a++) {
        const prec = p0 + this.counts[base + a] / this.noiseVar;
        this.scores[a] = (m0 + this.sums[base + a] / this.noiseVar) / prec + this.normals.next() / Math.sqrt(prec);
      }
      out[i] = argmaxScores(this.scores, k, this.rng);
    }
  }
}
