/**
 * The optimizers the agents use, behind one {@link Optimizer} interface: Adam and RMSprop over a
 * list of tfjs variables, each fused into a handful of ops on one flat vector.
 *
 * tfjs's own AdamOptimizer runs ~10 ops per variable; with tfjs's ~10-25 us fixed cost per op
 * (wasm) that dominates a small network's training step. Here the gradients are concatenated
 * once, the moments live in two flat variables, and the update is split back: ~30 ops for any
 * number of variables. The arithmetic is PyTorch's (torch.optim.Adam, which CleanRL and SB3 use):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * with optional gradient clipping by global norm (torch.nn.utils.clip_grad_norm_).
 */
import { tf, type Tensor, type Variable } from "./tf.js";
import { readFloats, readTensors } from "./read.js";

export interface AdamOptions {
  /** Learning rate (> 0). */
  lr: number;
  beta1?: number;
  beta2?: number;
  /** Added to the denominator; CleanRL's PPO uses 1e-5, torch's default is 1e-8. */
  eps?: number;
  /** Clip the global gradient norm to this value (clip_grad_norm_); undefined: no clipping. */
  maxGradNorm?: number;
}

/** Serializable optimizer state (for checkpoints): `m` is Adam's first moment (zeros for RMSprop), `v` the second. */
export interface OptimizerState {
  step: number;
  lr: number;
  m: Float32Array;
  v: Float32Array;
}

/** The optimizer kinds; a checkpoint stores an optimizer's state under its kind. */
export type OptimizerKind = "adam" | "rmsprop";

/** What the agents need from an optimizer. */
export interface Optimizer {
  /** "adam" or "rmsprop" (the checkpoint key of an agent's single optimizer). */
  readonly kind: OptimizerKind;
  /** Step size of the next update (agents set it from their learning-rate schedule). */
  lr: number;
  /** Updates applied. */
  step: number;
  /** Total number of parameters. */
  readonly size: number;
  /**
   * Applies one update from `grads` (one per variable, same order and shapes); returns the
   * global gradient norm before clipping as a scalar tensor when clipping is on (the caller
   * disposes it), otherwise undefined.
   */
  apply(grads: Tensor[]): Tensor | undefined;
  /** The state as plain arrays, read with one await. */
  getState(): Promise<OptimizerState>;
  setState(s: OptimizerState): void;
  dispose(): void;
}

export class Adam implements Optimizer {
  readonly kind = "adam";
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly maxGradNorm: number | undefined;
  /** Number of updates applied. */
  step = 0;
  private readonly sizes: number[];
  private readonly m: Variable;
  private readonly v: Variable;

  constructor(
    readonly variables: Variable[],
    opts: AdamOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.maxGradNorm = opts.maxGradNorm;
    this.sizes = variables.map((x) => x.size);
    const n = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([n]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([n]), false));
  }

  /** Total number of parameters. */
  get size(): number {
    return this.m.size;
  }

  /**
   * Applies one update from `grads` (one per variable, same order and shapes). Disposes nothing
   * it did not create; returns the global gradient norm before clipping as a scalar tensor
   * (the caller disposes it), computed only when clipping is on (otherwise undefined).
   */
  apply(grads: Tensor[]): Tensor | undefined {
    if (grads.length !== this.variables.length) {
      throw new Error(`Adam.apply: got ${grads.length} gradients for ${this.variables.length} variables`);
    }
    this.step++;
    const t = this.step;
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2 = 1 - Math.pow(this.beta2, t);
    return tf.tidy(() => {
      let g = tf.concat(grads.map((x) => tf.reshape(x, [-1])));
      let norm: Tensor | undefined;
      if (this.maxGradNorm !== undefined) {
        norm = tf.sqrt(tf.sum(tf.square(g)));
        const coef = tf.minimum(tf.div(this.maxGradNorm, tf.add(norm, 1e-6)), 1);
        g = tf.mul(g, coef);
      }
      const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      this.m.assign(m);
      this.v.assign(v);
      const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), this.eps);
      const upd = tf.div(tf.mul(m, this.lr / bc1), denom);
      const parts = tf.split(upd, this.sizes);
      this.variables.forEach((w, i) => w.assign(tf.sub(w, tf.reshape(parts[i], w.shape))));
      return norm ? tf.keep(norm) : undefined;
    });
  }

  /** The optimizer's state as plain arrays. */
  async getState(): Promise<OptimizerState> {
    const { step, lr } = this;
    const [m, v] = await readTensors([this.m, this.v]);
    return { step, lr, m: m as Float32Array, v: v as Float32Array };
  }

  /** Restores a state from {@link getState}. */
  setState(s: OptimizerState): void {
    if (s.m.length !== this.size || s.v.length !== this.size) {
      throw new Error(`Adam.setState: state holds ${s.m.length} parameters, optimizer has ${this.size}`);
    }
    this.step = s.step;
    this.lr = s.lr;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(s.m));
      this.v.assign(tf.tensor1d(s.v));
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

export interface RMSpropOptions {
  lr: number;
  /** Smoothing constant (torch's alpha; SB3's A2C uses 0.99). */
  alpha?: number;
  /** Added to the denominator (SB3's A2C: 1e-5). */
  eps?: number;
  maxGradNorm?: number;
}

/**
 * torch.optim.RMSprop (no momentum, not centered), fused like {@link Adam}:
 *   v = alpha v + (1 - alpha) g^2;  w -= lr g / (sqrt(v) + eps)
 * Its state is OptimizerState's `v` (`m` is unused and zero).
 */
export class RMSprop implements Optimizer {
  readonly kind = "rmsprop";
  lr: number;
  step = 0;
  readonly alpha: number;
  readonly eps: number;
  readonly maxGradNorm: number | undefined;
  private readonly sizes: number[];
  private readonly v: Variable;

  constructor(
    readonly variables: Variable[],
    opts: RMSpropOptions,
  ) {
    this.lr = opts.lr;
    this.alpha = opts.alpha ?? 0.99;
    this.eps = opts.eps ?? 1e-8;
    this.maxGradNorm = opts.maxGradNorm;
    this.sizes = variables.map((x) => x.size);
    this.v = tf.tidy(() => tf.variable(tf.zeros([this.sizes.reduce((a, b) => a + b, 0)]), false));
  }

  get size(): number {
    return this.v.size;
  }

  apply(grads: Tensor[]): Tensor | undefined {
    this.step++;
    return tf.tidy(() => {
      let g = tf.concat(grads.map((x) => tf.reshape(x, [-1])));
      let norm: Tensor | undefined;
      if (this.maxGradNorm !== undefined) {
        norm = tf.sqrt(tf.sum(tf.square(g)));
        g = tf.mul(g, tf.minimum(tf.div(this.maxGradNorm, tf.add(norm, 1e-6)), 1));
      }
      const v = tf.add(tf.mul(this.v, this.alpha), tf.mul(tf.square(g), 1 - this.alpha));
      this.v.assign(v);
      const upd = tf.div(tf.mul(g, this.lr), tf.add(tf.sqrt(v), this.eps));
      const parts = tf.split(upd, this.sizes);
      this.variables.forEach((w, i) => w.assign(tf.sub(w, tf.reshape(parts[i], w.shape))));
      return norm ? tf.keep(norm) : undefined;
    });
  }

  async getState(): Promise<OptimizerState> {
    const { step, lr } = this;
    return { step, lr, m: new Float32Array(this.size), v: await readFloats(this.v) };
  }

  setState(s: OptimizerState): void {
    if (s.v.length !== this.size) throw new Error(`RMSprop.setState: state holds ${s.v.length} parameters, optimizer has ${this.size}`);
    this.step = s.step;
    this.lr = s.lr;
    tf.tidy(() => this.v.assign(tf.tensor1d(s.v)));
  }

  dispose(): void {
    this.v.dispose();
  }
}
