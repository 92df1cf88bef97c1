/**
 * A learn2learn-like core (Arnold et al. 2020, "learn2learn: A Library for Meta-Learning
 * Research"): a {@link MetaModule} holds the meta-parameters (tfjs variables); `clone()` gives a
 * {@link Learner} whose parameters start as those variables; `learner.adapt(loss)` takes one
 * gradient step on them, and the step is itself differentiable, so an outer loss computed with
 * the adapted parameters inside {@link MetaModule.metaGradients} differentiates through the
 * adaptation (second-order MAML: the Hessian-vector terms come from tfjs taking gradients of
 * gradients). With `firstOrder: true` the inner gradient is treated as a constant (FOMAML).
 *
 * Networks are functional (a loss is a function of the parameter list), as in learn2learn's
 * `MAML` wrapper or torch.func: rlbook's hand-written MLP (nn/mlp.ts) computes its backward pass
 * by hand and has no second-order terms, so meta-learners use tfjs autodiff here.
 *
 *   const meta = new MetaModule(policy.variables);
 *   const { loss, grads } = await meta.metaGradients(() => {
 *     const learner = meta.clone({ lr: 0.1 });
 *     learner.adapt((p) => innerLoss(p));     // theta' = theta - 0.1 * d innerLoss / d theta
 *     return outerLoss(learner.params);       // d/d theta flows through theta'
 *   });
 */
import { readTensors } from "../nn/read.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";

/** A scalar loss of a parameter list. */
export type ParamLoss = (params: readonly Tensor[]) => Tensor;

/** Options of {@link MetaModule.clone}. */
export interface AdaptOptions {
  /** Inner learning rate (alpha in MAML), > 0. */
  lr: number;
  /** Treat the inner gradient as a constant (first-order MAML); default false (second order). */
  firstOrder?: boolean;
}

/**
 * `x` with no path back to what computed it (torch's detach()): a new tensor over the same device
 * data, made without running a kernel, so no gradient tape records it (and no value leaves the
 * device). Cutting the path is what makes first-order adaptation cheap: an identity with a zero
 * gradient would leave the inner backward pass on the outer tape, and the outer backward pass
 * would push zeros through all of it (measured: as slow as second order).
 */
export function detach(x: Tensor): Tensor {
  // The backend counts the second reference, so disposing either tensor leaves the other's data
  // (and the engine's tensor count) intact.
  tf.engine().backend.incRef(x.dataId);
  return tf.engine().makeTensorFromDataId(x.dataId, x.shape.slice(), x.dtype);
}

/**
 * exp and tanh differentiable to any order. tfjs's own exp / tanh / sigmoid / logSoftmax compute
 * their gradient from their saved *output*, which the tape does not connect to the input, so
 * tf.grad(tf.grad(tf.tanh)) throws and second-order MAML through them silently loses terms
 * (measured: the first-layer meta-gradient of a tanh net was off by 15%). These recompute the
 * derivative from the saved *input* instead, which stays on the tape.
 */
export const diffExp: (x: Tensor) => Tensor = tf.customGrad(((x: Tensor, save: (ts: Tensor[]) => void) => {
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(dy, diffExp(saved[0])) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: Tensor) => Tensor;

/** tanh differentiable to any order (see {@link diffExp}). */
export const diffTanh: (x: Tensor) => Tensor = tf.customGrad(((x: Tensor, save: (ts: Tensor[]) => void) => {
  save([x]);
  return { value: tf.tanh(x), gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(dy, tf.sub(1, tf.square(diffTanh(saved[0])))) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: Tensor) => Tensor;

function checkLr(where: string, lr: number): void {
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr <= 0) throw new RangeError(`${where}: lr must be a finite number > 0 (MAML's inner lr is 0.1 for 2D navigation), got ${lr}`);
}

/** Parameters being adapted to one task (see the module comment). */
export class Learner {
  private current: Tensor[];
  /** Gradient steps taken by {@link adapt}. */
  steps = 0;

  constructor(
    params: readonly Tensor[],
    readonly options: Readonly<AdaptOptions>,
  ) {
    checkLr("Learner", options.lr);
    this.current = [...params];
  }

  /** The current (adapted) parameters, in the meta-module's order. */
  get params(): readonly Tensor[] {
    return this.current;
  }

  /**
   * One gradient step on `loss`: params <- params - lr * d loss / d params (lr: this learner's,
   * or `lr` for this step, for per-step schedules). Differentiable unless `firstOrder`.
   * Tensors are not freed here: call inside tf.tidy or metaGradients.
   */
  adapt(loss: ParamLoss, lr: number = this.options.lr): this {
    checkLr("Learner.adapt", lr);
    const f = (...ps: Tensor[]) => {
      const l = loss(ps);
      if (l.rank !== 0) throw new RangeError(`Learner.adapt: the loss must be a scalar, got shape [${l.shape.join(", ")}]`);
      return l;
    };
    const grads = tf.grads(f)(this.current);
    const g = this.options.firstOrder ? grads.map(detach) : grads;
    this.current = this.current.map((p, i) => tf.sub(p, tf.mul(g[i], lr)));
    this.steps++;
    return this;
  }

  /** The current parameters as plain arrays (for acting without tensors), read with one await. */
  async snapshot(): Promise<Float32Array[]> {
    return (await readTensors(this.current)) as Float32Array[];
  }
}

/** Meta-parameters and the outer gradient through adaptation (see the module comment). */
export class MetaModule {
  constructor(readonly variables: readonly Variable[]) {
    if (!variables.length) throw new RangeError("MetaModule: give the network's variables (a non-empty list)");
  }

  /** A learner starting at the meta-parameters. */
  clone(options: AdaptOptions): Learner {
    return new Learner(this.variables, options);
  }

  /**
   * Runs `outer` (which clones, adapts and returns a scalar loss) under a gradient tape and
   * returns the loss and d loss / d variable for every variable (in order; zeros for one the
   * loss does not reach). The caller disposes `grads`.
   */
  async metaGradients(outer: () => Tensor): Promise<{ loss: number; grads: Tensor[] }> {
    const { value, grads } = tf.variableGrads(() => {
      const l = outer();
      if (l.rank !== 0) throw new RangeError(`MetaModule.metaGradients: the outer loss must be a scalar, got shape [${l.shape.join(", ")}]`);
      return l as tf.Scalar;
    }, [...this.variables]);
    const [lossValue] = await readTensors([value], { dispose: true });
    const loss = lossValue[0];
    return { loss, grads: this.variables.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
  }

  /** The meta-parameters as plain arrays, read with one await. */
  async snapshot(): Promise<Float32Array[]> {
    return (await readTensors(this.variables)) as Float32Array[];
  }
}
