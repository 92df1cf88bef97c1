/**
 * The pieces of streaming deep RL (Elsayed, Vasan & Mahmood 2024, "Streaming Deep Reinforcement
 * Learning Finally Works"): a small MLP with sparse initialization and layer normalization, and
 * the ObGD optimizer (overshooting-bounded gradient descent with eligibility traces, the paper's
 * Algorithm 3).
 *
 * Streaming learners take one gradient step per env step on one sample, so the network runs in
 * plain typed arrays (float64) with a hand-written backward pass: at batch size 1 a tensor
 * library's per-op launch cost would dominate.
 */
import type { Rng } from "../core/rng.js";
import { RunningMeanStd } from "../core/wrappers.js";

/**
 * Sparse initialization (the paper's Algorithm 1): LeCun-uniform weights U(-1/sqrt(fanIn),
 * 1/sqrt(fanIn)), then in every output unit ceil(sparsity * fanIn) of the incoming weights set to
 * zero; biases zero. `w` is row-major [fanOut, fanIn].
 */
export function sparseInit(w: Float64Array, fanOut: number, fanIn: number, sparsity: number, rng: Rng): void {
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`sparseInit: sparsity must be in [0, 1), got ${sparsity}`);
  const bound = Math.sqrt(1 / fanIn);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-bound, bound);
  const zeros = Math.ceil(sparsity * fanIn);
  const order = new Int32Array(fanIn);
  for (let o = 0; o < fanOut; o++) {
    for (let j = 0; j < fanIn; j++) order[j] = j;
    for (let j = fanIn - 1; j > 0; j--) {
      const k = rng.integer(j + 1);
      const t = order[j];
      order[j] = order[k];
      order[k] = t;
    }
    for (let j = 0; j < zeros; j++) w[o * fanIn + order[j]] = 0;
  }
}

export interface StreamMLPOptions {
  /** Hidden widths. */
  hidden: number[];
  /** Fraction of zeroed incoming weights per unit (the paper: 0.9). */
  sparsity: number;
  rng: Rng;
}

const LN_EPS = 1e-5; // PyTorch LayerNorm's default
const LEAK = 0.01; // PyTorch LeakyReLU's default slope

/**
 * Linear -> LayerNorm (no affine parameters) -> LeakyReLU per hidden layer, then a linear output
 * (the paper's networks). `params` holds [W0, b0, W1, b1, ...]; `forward` caches what `backward` needs.
 */
export class StreamMLP {
  readonly sizes: number[];
  readonly params: Float64Array[];
  private readonly pre: Float64Array[];
  private readonly normed: Float64Array[];
  private readonly sigma: Float64Array;
  private readonly acts: Float64Array[];

  constructor(readonly inDim: number, readonly outDim: number, opts: StreamMLPOptions) {
    this.sizes = [inDim, ...opts.hidden, outDim];
    for (const s of this.sizes) if (!Number.isInteger(s) || s < 1) throw new RangeError(`StreamMLP: layer sizes must be positive integers, got ${this.sizes.join(", ")}`);
    this.params = [];
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      const w = new Float64Array(this.sizes[l + 1] * this.sizes[l]);
      sparseInit(w, this.sizes[l + 1], this.sizes[l], opts.sparsity, opts.rng);
      this.params.push(w, new Float64Array(this.sizes[l + 1]));
    }
    this.pre = this.sizes.slice(1).map((s) => new Float64Array(s));
    this.normed = this.sizes.slice(1).map((s) => new Float64Array(s));
    this.acts = this.sizes.map((s) => new Float64Array(s));
    this.sigma = new Float64Array(this.sizes.length);
  }

  /** Zero-filled arrays shaped like `params` (for gradients and traces). */
  zerosLike(): Float64Array[] {
    return this.params.map((p) => new Float64Array(p.length));
  }

  /** The output for one input (a view into the cache, valid until the next forward). */
  forward(x: ArrayLike<number>): Float64Array {
    const L = this.sizes.length - 1;
    this.acts[0].set(x);
    for (let l = 0; l < L; l++) {
      const nIn = this.sizes[l];
      const nOut = this.sizes[l + 1];
      const w = this.params[2 * l];
      const b = this.params[2 * l + 1];
      const a = this.acts[l];
      const h = this.pre[l];
      for (let o = 0; o < nOut; o++) {
        let s = b[o];
        for (let i = 0; i < nIn; i++) s += w[o * nIn + i] * a[i];
        h[o] = s;
      }
      const out = this.acts[l + 1];
      if (l === L - 1) {
        out.set(h);
        break;
      }
      let mu = 0;
      for (let o = 0; o < nOut; o++) mu += h[o];
      mu /= nOut;
      let v = 0;
      for (let o = 0; o < nOut; o++) v += (h[o] - mu) ** 2;
      const sd = Math.sqrt(v / nOut + LN_EPS);
      this.sigma[l] = sd;
      const y = this.normed[l];
      for (let o = 0; o < nOut; o++) {
        y[o] = (h[o] - mu) / sd;
        out[o] = y[o] > 0 ? y[o] : LEAK * y[o];
      }
    }
    return this.acts[L];
  }

  /** Gradients of sum_k outGrad[k] * output[k] at the last `forward` input, written into `grads`. */
  backward(outGrad: ArrayLike<number>, grads: Float64Array[]): Float64Array[] {
    const L = this.sizes.length - 1;
    let d = Float64Array.from(outGrad);
    for (let l = L - 1; l >= 0; l--) {
      const nIn = this.sizes[l];
      const nOut = this.sizes[l + 1];
      if (l < L - 1) {
        // Through LeakyReLU, then LayerNorm: dh = (dy - mean(dy) - y * mean(dy * y)) / sigma.
        const y = this.normed[l];
        const dy = new Float64Array(nOut);
        let m1 = 0;
        let m2 = 0;
        for (let o = 0; o < nOut; o++) {
          dy[o] = y[o] > 0 ? d[o] : LEAK * d[o];
          m1 += dy[o];
          m2 += dy[o] * y[o];
        }
        m1 /= nOut;
        m2 /= nOut;
        for (let o = 0; o < nOut; o++) d[o] = (dy[o] - m1 - y[o] * m2) / this.sigma[l];
      }
      const a = this.acts[l];
      const w = this.params[2 * l];
      const gw = grads[2 * l];
      const gb = grads[2 * l + 1];
      const dPrev = new Float64Array(nIn);
      for (let o = 0; o < nOut; o++) {
        gb[o] = d[o];
        for (let i = 0; i < nIn; i++) {
          gw[o * nIn + i] = d[o] * a[i];
          dPrev[i] += w[o * nIn + i] * d[o];
        }
      }
      d = dPrev;
    }
    return grads;
  }
}

export interface ObGDOptions {
  /** Step size alpha (the paper: 1). */
  lr: number;
  /** Discount gamma and trace decay lambda (the paper: 0.99, 0.8). */
  gamma: number;
  lambda: number;
  /** Overshooting bound kappa (the paper: 2 for values, 3 for the policy). */
  kappa: number;
}

/**
 * ObGD (the paper's Algorithm 3): z <- gamma lambda z + grad; M = alpha kappa max(|delta|, 1) ||z||_1;
 * the step size alpha / max(M, 1); theta <- theta + step * delta * z. `grad` is the gradient of
 * the quantity whose TD error is delta (the value, or the policy's log-probability), so the
 * update ascends it by delta.
 */
export class ObGD {
  readonly traces: Float64Array[];
  /** The step size of the last update. */
  lastStepSize = 0;

  constructor(readonly params: Float64Array[], readonly opts: ObGDOptions) {
    for (const k of ["lr", "gamma", "lambda", "kappa"] as const) {
      if (!(Number.isFinite(opts[k]) && opts[k] >= 0)) throw new RangeError(`ObGD: ${k} must be a finite number >= 0, got ${opts[k]}`);
    }
    this.traces = params.map((p) => new Float64Array(p.length));
  }

  /** Decays the traces and adds `grads`, then steps by delta along them; `reset` zeroes the traces after (episode end, or Q(lambda)'s exploratory action). */
  step(grads: Float64Array[], delta: number, reset: boolean): void {
    const { lr, gamma, lambda, kappa } = this.opts;
    let zSum = 0;
    for (let p = 0; p < this.traces.length; p++) {
      const z = this.traces[p];
      const g = grads[p];
      for (let i = 0; i < z.length; i++) {
        z[i] = gamma * lambda * z[i] + g[i];
        zSum += Math.abs(z[i]);
      }
    }
    const m = lr * kappa * Math.max(Math.abs(delta), 1) * zSum;
    const step = m > 1 ? lr / m : lr;
    this.lastStepSize = step;
    for (let p = 0; p < this.traces.length; p++) {
      const z = this.traces[p];
      const th = this.params[p];
      for (let i = 0; i < z.length; i++) th[i] += step * delta * z[i];
      if (reset) z.fill(0);
    }
  }

  /** Zeroes the traces. */
  reset(): void {
    for (const z of this.traces) z.fill(0);
  }
}

/**
 * The paper's observation normalization and reward scaling, one sample at a time: observations
 * become (x - mean) / sqrt(var + 1e-8) under running statistics; rewards are divided by the
 * running standard deviation of the discounted reward sum (reset at termination). Statistics as
 * Gymnasium's NormalizeObservation / NormalizeReward keep them (the paper uses the same scheme).
 */
export class StreamNormalizer {
  readonly obsStats: RunningMeanStd;
  readonly returnStats = new RunningMeanStd(1);
  private returnTrace = 0;

  constructor(readonly dim: number, readonly gamma: number, readonly normalizeObservations = true, readonly scaleRewards = true) {
    this.obsStats = new RunningMeanStd(dim);
  }

  /** `x` normalized with the current statistics (no update; for acting). */
  normalize(x: ArrayLike<number>): Float64Array {
    const out = Float64Array.from(x);
    if (!this.normalizeObservations) return out;
    for (let j = 0; j < out.length; j++) out[j] = (out[j] - this.obsStats.mean[j]) / Math.sqrt(this.obsStats.var[j] + 1e-8);
    return out;
  }

  /** Updates the statistics with a new observation, then normalizes it. */
  observe(x: ArrayLike<number>): Float64Array {
    if (this.normalizeObservations) this.obsStats.update(x, 1);
    return this.normalize(x);
  }

  /** The scaled reward (updates the discounted-sum statistics). */
  scaleReward(r: number, terminated: boolean): number {
    if (!this.scaleRewards) return r;
    this.returnTrace = this.returnTrace * this.gamma * (terminated ? 0 : 1) + r;
    this.returnStats.update([this.returnTrace], 1);
    return r / Math.sqrt(this.returnStats.var[0] + 1e-8);
  }

  /** Starts a new discounted reward sum (after an episode ends). */
  endEpisode(): void {
    this.returnTrace = 0;
  }
}
