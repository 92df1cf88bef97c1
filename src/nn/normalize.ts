/**
 * Running mean and variance (parallel algorithm of Chan et al., as SB3's RunningMeanStd and
 * Gymnasium's NormalizeObservation use) for observation and reward normalization inside agents,
 * so that the statistics are saved with the agent and frozen during evaluation.
 */
export class RunningMeanStd {
  mean: Float64Array;
  var: Float64Array;
  count: number;

  constructor(
    readonly dim: number,
    epsilon = 1e-4,
  ) {
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
    this.count = epsilon;
  }

  /** Updates from `n` rows of `x` (row-major [n, dim]); `mask` (length n) skips rows with 0. */
  update(x: ArrayLike<number>, n: number, mask?: ArrayLike<number>): void {
    const d = this.dim;
    const bMean = new Float64Array(d);
    const bVar = new Float64Array(d);
    let m = 0;
    for (let r = 0; r < n; r++) {
      if (mask && !mask[r]) continue;
      m++;
      for (let j = 0; j < d; j++) bMean[j] += x[r * d + j];
    }
    if (m === 0) return;
    for (let j = 0; j < d; j++) bMean[j] /= m;
    for (let r = 0; r < n; r++) {
      if (mask && !mask[r]) continue;
      for (let j = 0; j < d; j++) {
        const z = x[r * d + j] - bMean[j];
        bVar[j] += z * z;
      }
    }
    for (let j = 0; j < d; j++) bVar[j] /= m;
    const tot = this.count + m;
    for (let j = 0; j < d; j++) {
      const delta = bMean[j] - this.mean[j];
      const newMean = this.mean[j] + (delta * m) / tot;
      const m2 = this.var[j] * this.count + bVar[j] * m + ((delta * delta * this.count * m) / tot);
      this.mean[j] = newMean;
      this.var[j] = m2 / tot;
    }
    this.count = tot;
  }

  /** (x - mean) / sqrt(var + eps), clipped to [-clip, clip], into `out`. */
  normalize(x: ArrayLike<number>, out: Float32Array, clip = 10, eps = 1e-8): Float32Array {
    const d = this.dim;
    for (let i = 0; i < out.length; i++) {
      const j = i % d;
      const v = (x[i] - this.mean[j]) / Math.sqrt(this.var[j] + eps);
      out[i] = v > clip ? clip : v < -clip ? -clip : v;
    }
    return out;
  }

  getState(): { mean: number[]; var: number[]; count: number } {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  setState(s: { mean: number[]; var: number[]; count: number }): void {
    if (s.mean.length !== this.dim) throw new Error(`RunningMeanStd: state has dimension ${s.mean.length}, expected ${this.dim}`);
    this.mean = Float64Array.from(s.mean);
    this.var = Float64Array.from(s.var);
    this.count = s.count;
  }
}
