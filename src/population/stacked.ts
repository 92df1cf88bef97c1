/**
 * Networks and an optimizer for S independent copies of one model, as single batched tensors:
 * what lets a population of agents (population/ppo.ts) train as one program.
 *
 * A {@link StackedMLP} holds S MLPs of the same shape: each layer's weights are one [S, in, out]
 * tensor and its biases one [S, 1, out] tensor, and inputs are [S, B, in]. A layer is one batched
 * fused matmul + bias for all S networks (tf.matMul over the leading axis), so the op count of a
 * forward or backward pass does not grow with S: on a backend where an op's fixed cost dominates
 * (wasm for small networks, a GPU always) S agents cost little more than one. The arithmetic per
 * network is exactly nn/mlp.ts's (same init when built from MLPs, same hand-written backward,
 * row by row), so copy k follows the MLP it was built from.
 *
 * {@link StackedAdam} is nn/optimizers.ts's Adam (PyTorch's arithmetic, global-norm clipping)
 * per copy: moments [S, P], one step count, learning rate and clip norm per copy, and copies can
 * sit out a step (their weights, moments and step count stay as they were).
 */
import { denseBackward, forwardLayers, type Activation, type MLP } from "../nn/mlp.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";

/** What {@link StackedMLP.forward} keeps for the backward pass. */
export interface StackedCache {
  acts: Tensor[];
}

export class StackedMLP {
  /** Per layer: W [S, in, out] and b [S, 1, out]. */
  readonly layers: { W: Variable; b: Variable }[];

  private constructor(
    readonly copies: number,
    readonly sizes: readonly number[],
    readonly activation: Activation,
    layers: { W: Variable; b: Variable }[],
  ) {
    this.layers = layers;
  }

  /** S copies stacked from S MLPs of one shape (their weights are copied; the MLPs are not kept). */
  static fromMLPs(nets: readonly MLP[]): StackedMLP {
    if (!nets.length) throw new RangeError("StackedMLP.fromMLPs: no networks given");
    const first = nets[0];
    nets.forEach((n, k) => {
      if (n.sizes.join() !== first.sizes.join() || n.activation !== first.activation) {
        throw new RangeError(`StackedMLP.fromMLPs: network ${k} has layers [${n.sizes}] (${n.activation}), network 0 has [${first.sizes}] (${first.activation}); a stack needs one shape`);
      }
    });
    const layers = first.layers.map((_, i) => ({
      W: tf.tidy(() => tf.variable(tf.stack(nets.map((n) => n.layers[i].W)), true)),
      b: tf.tidy(() => tf.variable(tf.expandDims(tf.stack(nets.map((n) => n.layers[i].b)), 1), true)),
    }));
    return new StackedMLP(nets.length, first.sizes, first.activation, layers);
  }

  get inputDim(): number {
    return this.sizes[0];
  }

  get outputDim(): number {
    return this.sizes[this.sizes.length - 1];
  }

  /** [W0, b0, W1, b1, ...], each with the leading copy axis. */
  get variables(): Variable[] {
    return this.layers.flatMap((l) => [l.W, l.b]);
  }

  private layer(h: Tensor, i: number): Tensor {
    const l = this.layers[i];
    const hidden = i + 1 < this.layers.length;
    // wasm's fused matmul takes only a rank-1 bias: a batched matmul, then the [S, 1, out] bias.
    const z = tf.add(tf.matMul(h, l.W), l.b);
    if (!hidden) return z;
    return this.activation === "relu" ? tf.relu(z) : tf.tanh(z);
  }

  /** Outputs [S, B, out] for inputs [S, B, in]. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      let h = x;
      for (let i = 0; i < this.layers.length; i++) h = this.layer(h, i);
      return h;
    });
  }

  /** Forward pass keeping the activations for {@link backward}. Call inside tf.tidy. */
  forward(x: Tensor): { out: Tensor; cache: StackedCache } {
    return forwardLayers(x, this.layers.length, (h, i) => this.layer(h, i));
  }

  /** dL/dvariable ({@link variables} order) from dL/dout [S, B, out]; each copy's gradient depends only on its own rows (nn/mlp.ts's denseBackward). Call inside tf.tidy. */
  backward(cache: StackedCache, dOut: Tensor): Tensor[] {
    return denseBackward(cache, this.layers.map((l) => l.W), this.activation, dOut, false, true).grads;
  }

  /** Copy k's weights as [in, out] / [out] tensors in MLP.variables order (new tensors; the caller disposes). */
  copyWeights(k: number): Tensor[] {
    return tf.tidy(() =>
      this.layers.flatMap((l) => {
        const [, fin, fout] = l.W.shape;
        return [tf.reshape(tf.slice(l.W, [k, 0, 0], [1, fin, fout]), [fin, fout]), tf.reshape(tf.slice(l.b, [k, 0, 0], [1, 1, fout]), [fout])];
      }),
    );
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}

export interface StackedAdamOptions {
  beta1?: number;
  beta2?: number;
  /** Per copy (or one for all): added to the denominator. */
  eps: number | readonly number[];
  /** Per copy (or one for all): clip each copy's global gradient norm to this; undefined: no clipping. */
  maxGradNorm?: number | readonly number[];
}

/** Adam on S copies at once (see the module comment). */
export class StackedAdam {
  readonly beta1: number;
  readonly beta2: number;
  /** Learning rate per copy (set before each step). */
  readonly lr: Float64Array;
  /** Steps taken per copy. */
  readonly steps: Int32Array;
  private readonly eps: Tensor;
  private readonly clip: Tensor | undefined;
  private readonly m: Variable;
  private readonly v: Variable;
  private readonly widths: number[];

  constructor(
    readonly variables: Variable[],
    readonly copies: number,
    opts: StackedAdamOptions,
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    const perCopy = (v: number | readonly number[]) => tf.tensor2d(typeof v === "number" ? new Array(copies).fill(v) : [...v], [copies, 1]);
    this.eps = perCopy(opts.eps);
    this.clip = opts.maxGradNorm === undefined ? undefined : perCopy(opts.maxGradNorm);
    this.widths = variables.map((x) => x.size / copies);
    const P = this.widths.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([copies, P]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([copies, P]), false));
    this.lr = new Float64Array(copies);
    this.steps = new Int32Array(copies);
  }

  /** Parameters per copy. */
  get size(): number {
    return this.m.shape[1]!;
  }

  /**
   * One step for the copies with `active[k]` set, from gradients shaped like the variables.
   * Returns each copy's gradient norm before clipping, [S] (when clipping is on; the caller
   * disposes it). Call outside tf.tidy or inside: the result is kept.
   */
  apply(grads: Tensor[], active: ArrayLike<number>): Tensor | undefined {
    const S = this.copies;
    const lrBc = new Float32Array(S);
    const invBc2 = new Float32Array(S).fill(1);
    const mask = new Uint8Array(S);
    for (let k = 0; k < S; k++) {
      if (!active[k]) continue;
      mask[k] = 1;
      const t = ++this.steps[k];
      // The same float32 constants as Adam.apply's scalars: lr / (1 - b1^t) and 1 / sqrt(1 - b2^t).
      lrBc[k] = this.lr[k] / (1 - Math.pow(this.beta1, t));
      invBc2[k] = 1 / Math.sqrt(1 - Math.pow(this.beta2, t));
    }
    return tf.tidy(() => {
      let g = tf.concat(grads.map((x) => tf.reshape(x, [S, -1])), 1);
      let norm: Tensor | undefined;
      if (this.clip) {
        norm = tf.sqrt(tf.sum(tf.square(g), 1, true));
        const coef = tf.minimum(tf.div(this.clip, tf.add(norm, 1e-6)), 1);
        g = tf.mul(g, coef);
      }
      const on = tf.tile(tf.tensor2d(mask, [S, 1], "bool"), [1, this.size]);
      const m = tf.where(on, tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1)), this.m);
      const v = tf.where(on, tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)), this.v);
      this.m.assign(m);
      this.v.assign(v);
      const denom = tf.add(tf.mul(tf.sqrt(v), tf.tensor2d(invBc2, [S, 1])), this.eps);
      // Inactive copies get lrBc 0: an exact zero step.
      const upd = tf.div(tf.mul(m, tf.tensor2d(lrBc, [S, 1])), denom);
      const parts = tf.split(upd, this.widths, 1);
      this.variables.forEach((w, i) => w.assign(tf.sub(w, tf.reshape(parts[i], w.shape))));
      return norm ? tf.keep(tf.reshape(norm, [S])) : undefined;
    });
  }

  /** The moments (for checkpoints), [S, P] each as tensors owned by the optimizer. */
  get moments(): { m: Variable; v: Variable } {
    return { m: this.m, v: this.v };
  }

  dispose(): void {
    tf.dispose([this.m, this.v, this.eps]);
    if (this.clip) this.clip.dispose();
  }
}
