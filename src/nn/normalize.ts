/**
 * Observation / return normalization inside agents, on core's RunningMeanStd (the statistics
 * Gymnasium's NormalizeObservation keeps), so that the statistics are saved with the agent and
 * frozen during evaluation. Adds what agents need: masked updates (skip autoreset rows),
 * normalize-and-clip into a buffer, and a JSON state.
 */
import { RunningMeanStd } from "../core/wrappers.js";

export class RunningNormalizer {
  readonly rms: RunningMeanStd;

  constructor(readonly dim: number) {
    this.rms = new RunningMeanStd(dim);
  }

  get mean(): Float64Array {
    return this.rms.mean;
  }

  get var(): Float64Array {
    return this.rms.var;
  }

  /** Updates from `n` rows of `x` (row-major [n, dim]); rows where `mask` is 0 are skipped. */
  update(x: ArrayLike<number>, n: number, mask?: ArrayLike<number>): void {
    const d = this.dim;
    let rows: ArrayLike<number> = x;
    let m = n;
    if (mask) {
      m = 0;
      for (let r = 0; r < n; r++) if (mask[r]) m++;
      if (m === 0) return;
      const sel = new Float64Array(m * d);
      let k = 0;
      for (let r = 0; r < n; r++) {
        if (!mask[r]) continue;
        for (let j = 0; j < d; j++) sel[k * d + j] = x[r * d + j];
        k++;
      }
      rows = sel;
    } else if (x.length !== n * d) {
      rows = Array.prototype.slice.call(x, 0, n * d) as number[];
    }
    this.rms.update(rows, m);
  }

  /** (x - mean) / sqrt(var + eps), clipped to [-clip, clip], into `out`. */
  normalize(x: ArrayLike<number>, out: Float32Array, clip = 10, eps = 1e-8): Float32Array {
    const d = this.dim;
    const mean = this.rms.mean;
    const v = this.rms.var;
    for (let i = 0; i < out.length; i++) {
      const j = i % d;
      const z = (x[i] - mean[j]) / Math.sqrt(v[j] + eps);
      out[i] = z > clip ? clip : z < -clip ? -clip : z;
    }
    return out;
  }

  getState(): { mean: number[]; var: number[]; count: number } {
    return { mean: Array.from(this.rms.mean), var: Array.from(this.rms.var), count: this.rms.count };
  }

  setState(s: { mean: number[]; var: number[]; count: number }): void {
    if (s.mean.length !== this.dim || s.var.length !== this.dim) throw new Error(`RunningNormalizer: state has dimension ${s.mean.length}, expected ${this.dim}`);
    this.rms.mean.set(s.mean);
    this.rms.var.set(s.var);
    this.rms.count = s.count;
  }
}
