/**
 * Linear bandits: arm a has features x_a in R^d and pays <x_a, theta> + noise, theta shared by
 * the arms. Both algorithms keep the ridge-regression statistics of their task,
 *     A = lambda I + sum x x^T,   b = sum r x,   theta_hat = A^-1 b,
 * with A^-1 updated by Sherman-Morrison after each pull.
 *
 * LinUCB (Li, Chu, Langford & Schapire 2010, "A Contextual-Bandit Approach to Personalized News
 * Article Recommendation", Algorithm 1, here with one theta shared by the arms, i.e. its index
 * on the arm features): the arm maximizing x^T theta_hat + alpha sqrt(x^T A^-1 x). alpha = 1
 * and lambda = 1 by default (the paper's alpha = 1 + sqrt(ln(2/delta)/2) is 1.0-1.7 for usual
 * delta).
 *
 * Linear Thompson sampling (Agrawal & Goyal 2013, "Thompson Sampling for Contextual Bandits with
 * Linear Payoffs", Algorithm 1): sample theta ~ N(theta_hat, v^2 A^-1) and play the arm
 * maximizing x^T theta; v defaults to the environment's noise std (the Bayesian posterior for
 * a N(0, I/lambda) prior), else 1 (the paper's theoretical v is larger).
 */
import type { Rng } from "../core/rng.js";
import { argmaxScores, NormalSource, checkOption, type BanditBatch, type BanditPolicy } from "./policy.js";

export interface RidgeOptions {
  /** Ridge regularization lambda (A starts at lambda I; default 1). */
  lambda?: number;
}

/** Shared ridge-regression state of LinUCB and LinTS. */
abstract class RidgePolicy implements BanditPolicy {
  abstract readonly name: string;
  readonly lambda: number;
  protected n = 0;
  protected k = 0;
  protected d = 0;
  protected rng!: Rng;
  protected features!: Float64Array;
  /** Per task: A^-1 (d x d) and b (d). */
  protected ainv = new Float64Array(0);
  protected b = new Float64Array(0);
  protected theta = new Float64Array(0);
  protected noiseStd: number | undefined;
  protected scores = new Float64Array(0);
  protected normals!: NormalSource;

  constructor(owner: string, options: RidgeOptions) {
    this.lambda = options.lambda ?? 1;
    checkOption(owner, "lambda", this.lambda, Number.MIN_VALUE);
  }

  reset(batch: BanditBatch): void {
    if (!batch.features || !batch.dim) throw new RangeError(`${this.name}: needs arm features; run it on a linear bandit (linearBanditFamily() or the "dptLinear" preset), not a k-armed one`);
    this.n = batch.numTasks;
    this.k = batch.numArms;
    this.d = batch.dim;
    this.rng = batch.rng;
    this.features = batch.features;
    this.noiseStd = batch.noiseStd;
    this.scores = new Float64Array(this.k);
    this.normals = new NormalSource(batch.rng);
    const d = this.d;
    this.ainv = new Float64Array(this.n * d * d);
    for (let i = 0; i < this.n; i++) for (let j = 0; j < d; j++) this.ainv[i * d * d + j * d + j] = 1 / this.lambda;
    this.b = new Float64Array(this.n * d);
    this.theta = new Float64Array(this.n * d);
  }

  abstract selectArms(t: number, out: Int32Array): void;

  /** theta_hat of task i into this.theta. */
  protected estimate(i: number): void {
    const d = this.d;
    const A = i * d * d;
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += this.ainv[A + r * d + c] * this.b[i * d + c];
      this.theta[i * d + r] = s;
    }
  }

  update(arms: Int32Array, rewards: Float64Array): void {
    const d = this.d;
    const u = new Float64Array(d);
    for (let i = 0; i < this.n; i++) {
      const x = (i * this.k + arms[i]) * d;
      const A = i * d * d;
      // Sherman-Morrison: A^-1 -= (A^-1 x)(A^-1 x)^T / (1 + x^T A^-1 x).
      let denom = 1;
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += this.ainv[A + r * d + c] * this.features[x + c];
        u[r] = s;
        denom += this.features[x + r] * s;
      }
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) this.ainv[A + r * d + c] -= (u[r] * u[c]) / denom;
      for (let j = 0; j < d; j++) this.b[i * d + j] += rewards[i] * this.features[x + j];
    }
  }
}

export interface LinUCBOptions extends RidgeOptions {
  /** Width of the confidence bonus (default 1). */
  alpha?: number;
}

/** LinUCB (see the module comment). */
export class LinUCB extends RidgePolicy {
  readonly name = "LinUCB";
  readonly alpha: number;

  constructor(options: LinUCBOptions = {}) {
    super("LinUCB", options);
    this.alpha = options.alpha ?? 1;
    checkOption("LinUCB", "alpha", this.alpha, 0);
  }

  selectArms(_t: number, out: Int32Array): void {
    const { d, k } = this;
    for (let i = 0; i < this.n; i++) {
      this.estimate(i);
      const A = i * d * d;
      for (let a = 0; a < k; a++) {
        const x = (i * k + a) * d;
        let mean = 0;
        let quad = 0;
        for (let r = 0; r < d; r++) {
          mean += this.features[x + r] * this.theta[i * d + r];
          let s = 0;
          for (let c = 0; c < d; c++) s += this.ainv[A + r * d + c] * this.features[x + c];
          quad += this.features[x + r] * s;
        }
        this.scores[a] = mean + this.alpha * Math.sqrt(Math.max(quad, 0));
      }
      out[i] = argmaxScores(this.scores, k, this.rng);
    }
  }
}

export interface LinearThompsonOptions extends RidgeOptions {
  /** Posterior scale v (default: the environment's noise std, else 1). */
  v?: number;
}

/** Linear Thompson sampling (see the module comment). */
export class LinearThompson extends RidgePolicy {
  readonly name = "LinTS";
  private readonly vOption: number | undefined;

  constructor(options: LinearThompsonOptions = {}) {
    super("LinearThompson", options);
    this.vOption = options.v;
    if (options.v !== undefined) checkOption("LinearThompson", "v", options.v, 0);
  }

  selectArms(_t: number, out: Int32Array): void {
    const { d, k } = this;
    const v = this.vOption ?? (this.noiseStd && this.noiseStd > 0 ? this.noiseStd : 1);
    const L = new Float64Array(d * d);
    const z = new Float64Array(d);
    const sample = new Float64Array(d);
    for (let i = 0; i < this.n; i++) {
      this.estimate(i);
      cholesky(this.ainv, i * d * d, d, L);
      for (let j = 0; j < d; j++) z[j] = this.normals.next();
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let c = 0; c <= r; c++) s += L[r * d + c] * z[c];
        sample[r] = this.theta[i * d + r] + v * s;
      }
      for (let a = 0; a < k; a++) {
        const x = (i * k + a) * d;
        let m = 0;
        for (let r = 0; r < d; r++) m += this.features[x + r] * sample[r];
        this.scores[a] = m;
      }
      out[i] = argmaxScores(this.scores, k, this.rng);
    }
  }
}

/** Lower Cholesky factor of the symmetric positive-definite d x d matrix at m[off..]. */
function cholesky(m: Float64Array, off: number, d: number, L: Float64Array): void {
  L.fill(0);
  for (let r = 0; r < d; r++) {
    for (let c = 0; c <= r; c++) {
      let s = m[off + r * d + c];
      for (let j = 0; j < c; j++) s -= L[r * d + j] * L[c * d + j];
      L[r * d + c] = r === c ? Math.sqrt(Math.max(s, 1e-300)) : s / L[c * d + c];
    }
  }
}
