/**
 * Batch renormalization (Ioffe 2017), the normalization CrossQ (Bhatt et al. 2024) puts in its
 * critics. In training mode a batch is normalized with its own statistics, corrected towards
 * the running ones:
 *   y = gamma * ((x - mean_B) / std_B * r + d) + beta,
 *   r = clip(std_B / std_run, 1 / rMax, rMax), d = clip((mean_B - mean_run) / std_run, -dMax, dMax),
 * r and d treated as constants in the gradient, std = sqrt(var + eps); during the first
 * `warmupSteps` training calls r = 1 and d = 0 (plain batch norm). Every training call moves the
 * running statistics: run <- momentum * run + (1 - momentum) * batch (biased batch variance).
 * Evaluation mode uses the running statistics only: y = gamma * (x - mean_run) / std_run + beta.
 * Defaults are CrossQ's (momentum 0.99, rMax 3, dMax 5, warmup 100k steps).
 */
import { tf, type Tensor, type Variable } from "./tf.js";

/** The identity with a zero gradient (tfjs has no stop_gradient). */
export const stopGradient: (x: Tensor) => Tensor = tf.customGrad((x) => ({ value: tf.clone(x as Tensor), gradFunc: (dy: Tensor) => tf.zerosLike(dy) })) as (x: Tensor) => Tensor;

export interface BatchRenormOptions {
  /** Running-statistics momentum (CrossQ: 0.99). */
  momentum?: number;
  /** Bounds of the corrections r and d (Ioffe 2017 / CrossQ: 3 and 5). */
  rMax?: number;
  dMax?: number;
  /** Training calls of plain batch norm before the corrections apply (CrossQ: 100000). */
  warmupSteps?: number;
  /** Added to variances (1e-5). */
  eps?: number;
}

export class BatchRenorm {
  readonly gamma: Variable;
  readonly beta: Variable;
  readonly runningMean: Variable;
  readonly runningVar: Variable;
  readonly momentum: number;
  readonly rMax: number;
  readonly dMax: number;
  readonly warmupSteps: number;
  readonly eps: number;
  /** Training calls so far. */
  steps = 0;

  constructor(readonly dim: number, opts: BatchRenormOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`BatchRenorm: dim must be a positive integer, got ${dim}`);
    this.momentum = opts.momentum ?? 0.99;
    this.rMax = opts.rMax ?? 3;
    this.dMax = opts.dMax ?? 5;
    this.warmupSteps = opts.warmupSteps ?? 100_000;
    this.eps = opts.eps ?? 1e-5;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`BatchRenorm: momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.rMax >= 1)) throw new RangeError(`BatchRenorm: rMax must be >= 1, got ${this.rMax}`);
    if (!(this.dMax >= 0)) throw new RangeError(`BatchRenorm: dMax must be >= 0, got ${this.dMax}`);
    this.gamma = tf.tidy(() => tf.variable(tf.ones([dim]), true));
    this.beta = tf.tidy(() => tf.variable(tf.zeros([dim]), true));
    this.runningMean = tf.tidy(() => tf.variable(tf.zeros([dim]), false));
    this.runningVar = tf.tidy(() => tf.variable(tf.ones([dim]), false));
  }

  /** The trainable variables (gamma, beta). */
  get variables(): Variable[] {
    return [this.gamma, this.beta];
  }

  /**
   * Normalizes x [B, dim]; `training` uses (and updates) batch statistics, otherwise the running
   * ones. Call it inside tf.tidy (or a gradient closure), as MLP.apply.
   */
  apply(x: Tensor, training: boolean): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.dim) throw new RangeError(`BatchRenorm: expected input [batch, ${this.dim}], got [${x.shape.join(", ")}]`);
    if (!training) {
      return tf.tidy(() => tf.add(tf.mul(tf.div(tf.sub(x, this.runningMean), tf.sqrt(tf.add(this.runningVar, this.eps))), this.gamma), this.beta));
    }
    const warm = this.steps < this.warmupSteps;
    this.steps++;
    const { mean, variance } = tf.moments(x, 0);
    const stdB = tf.sqrt(tf.add(variance, this.eps));
    const stdRun = tf.sqrt(tf.add(this.runningVar, this.eps));
    const r = warm ? tf.onesLike(stdB) : stopGradient(tf.clipByValue(tf.div(stdB, stdRun), 1 / this.rMax, this.rMax));
    const d = warm ? tf.zerosLike(stdB) : stopGradient(tf.clipByValue(tf.div(tf.sub(mean, this.runningMean), stdRun), -this.dMax, this.dMax));
    const y = tf.add(tf.mul(tf.add(tf.mul(tf.div(tf.sub(x, mean), stdB), r), d), this.gamma), this.beta);
    tf.tidy(() => {
      const m = this.momentum;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, m), tf.mul(mean, 1 - m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, m), tf.mul(variance, 1 - m)));
    });
    return y;
  }

  dispose(): void {
    tf.dispose([this.gamma, this.beta, this.runningMean, this.runningVar]);
  }
}
