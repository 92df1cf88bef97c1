/**
 * Networks beyond the MLP, on plain tfjs variables and ops (tfjs autodiff computes their
 * gradients): a small CNN (Nature-DQN style), GRU and LSTM layers with PyTorch's gate equations,
 * and a causal (GPT-style, pre-LayerNorm) transformer block and stack, which Decision Transformer
 * and in-context RL build on. Initialisation is seeded by rlbook's Rng.
 *
 * Every module has `variables` (for an optimizer or `tf.variableGrads`), `apply`, `getWeights` /
 * `setWeights` and `dispose`.
 */
import { Rng } from "../core/rng.js";
import { tf, type Tensor, type Variable } from "./tf.js";
import { orthogonal } from "./init.js";
import { readTensors } from "./read.js";
import { denseFast } from "./fast-matmul.js";

let moduleCounter = 0;

/** Common parts of rlbook's modules. */
export abstract class Module {
  readonly variables: Variable[] = [];
  protected readonly prefix: string;

  constructor(name: string) {
    this.prefix = `${name}_${++moduleCounter}`;
  }

  protected param(name: string, values: Float32Array, shape: number[]): Variable {
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${this.prefix}/${name}`));
    this.variables.push(v);
    return v;
  }

  get numParams(): number {
    return this.variables.reduce((a, v) => a + v.size, 0);
  }

  /** The weights as plain arrays (in {@link variables} order), read with one await. */
  async getWeights(): Promise<Float32Array[]> {
    return (await readTensors(this.variables)).map((a) => Float32Array.from(a));
  }

  setWeights(ws: ArrayLike<number>[]): void {
    if (ws.length !== this.variables.length) throw new Error(`${this.prefix}: expected ${this.variables.length} weight arrays, got ${ws.length}`);
    tf.tidy(() =>
      this.variables.forEach((v, i) => {
        if (ws[i].length !== v.size) throw new Error(`${this.prefix}: weight ${v.name} has ${v.size} values, got ${ws[i].length}`);
        v.assign(tf.tensor(Float32Array.from(ws[i]), v.shape));
      }),
    );
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function toRng(r: Rng | number | undefined): Rng {
  return r instanceof Rng ? r : new Rng(r ?? 0);
}

/** Orthogonal [fanIn, fanOut] kernel as torch would initialise its [fanOut, fanIn] weight, transposed. */
function orthoKernel(fanIn: number, fanOut: number, gain: number, rng: Rng): Float32Array {
  const wt = orthogonal(fanOut, fanIn, gain, rng);
  const w = new Float32Array(fanIn * fanOut);
  for (let o = 0; o < fanOut; o++) for (let k = 0; k < fanIn; k++) w[k * fanOut + o] = wt[o * fanIn + k];
  return w;
}

function uniform(n: number, bound: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-bound, bound);
  return a;
}

export interface ConvSpec {
  filters: number;
  kernel: number;
  stride: number;
}

export interface CNNOptions {
  /** Input [height, width, channels] (NHWC, tfjs's layout). */
  inputShape: [number, number, number];
  /** Convolutions, ReLU after each (default: the Nature DQN's 32x8/4, 64x4/2, 64x3/1). */
  convs?: ConvSpec[];
  /** Dense layer after the convolutions (512 in the Nature DQN). */
  hidden?: number;
  outputDim: number;
  rng?: Rng | number;
  name?: string;
}

/**
 * Convolutions (valid padding, ReLU), flatten, one ReLU dense layer, linear output. Orthogonal
 * init (gain sqrt 2), as CleanRL's Atari agents. Kernels are stored in tf.conv2d's
 * [kh, kw, in, out] layout.
 */
export class CNN extends Module {
  readonly convs: { w: Variable; b: Variable; stride: number }[] = [];
  readonly dense: { w: Variable; b: Variable }[] = [];
  readonly flatDim: number;

  constructor(readonly opts: CNNOptions) {
    super(opts.name ?? "cnn");
    const rng = toRng(opts.rng);
    const specs = opts.convs ?? [
      { filters: 32, kernel: 8, stride: 4 },
      { filters: 64, kernel: 4, stride: 2 },
      { filters: 64, kernel: 3, stride: 1 },
    ];
    let [h, w, c] = opts.inputShape;
    specs.forEach((s, i) => {
      const fanIn = s.kernel * s.kernel * c;
      // torch weight [out, in*kh*kw] orthogonal; tfjs filter layout [kh, kw, in, out].
      const wt = orthogonal(s.filters, fanIn, Math.SQRT2, rng);
      const f = new Float32Array(fanIn * s.filters);
      for (let o = 0; o < s.filters; o++) {
        for (let ci = 0; ci < c; ci++) {
          for (let y = 0; y < s.kernel; y++) {
            for (let x = 0; x < s.kernel; x++) {
              const src = o * fanIn + (ci * s.kernel + y) * s.kernel + x;
              f[((y * s.kernel + x) * c + ci) * s.filters + o] = wt[src];
            }
          }
        }
      }
      this.convs.push({ w: this.param(`conv_${i}/kernel`, f, [s.kernel, s.kernel, c, s.filters]), b: this.param(`conv_${i}/bias`, new Float32Array(s.filters), [s.filters]), stride: s.stride });
      h = Math.floor((h - s.kernel) / s.stride) + 1;
      w = Math.floor((w - s.kernel) / s.stride) + 1;
      c = s.filters;
      if (h < 1 || w < 1) throw new RangeError(`CNN: input ${opts.inputShape} is too small for convolution ${i} (${s.kernel}x${s.kernel} / ${s.stride})`);
    });
    this.flatDim = h * w * c;
    const hidden = opts.hidden ?? 512;
    this.dense.push({ w: this.param("dense_0/kernel", orthoKernel(this.flatDim, hidden, Math.SQRT2, rng), [this.flatDim, hidden]), b: this.param("dense_0/bias", new Float32Array(hidden), [hidden]) });
    this.dense.push({ w: this.param("dense_1/kernel", orthoKernel(hidden, opts.outputDim, 1, rng), [hidden, opts.outputDim]), b: this.param("dense_1/bias", new Float32Array(opts.outputDim), [opts.outputDim]) });
  }

  /** x [B, H, W, C] -> [B, outputDim]. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      // tfjs-backend-wasm has no Conv2DBackpropFilter kernel, but has Conv3D and both its
      // gradients: a 2-D convolution runs as a 3-D one over a depth of 1.
      const B = x.shape[0]!;
      let h = tf.expandDims(x, 1) as tf.Tensor5D;
      for (const c of this.convs) {
        const [kh, kw, ci, co] = c.w.shape;
        const f = tf.reshape(c.w, [1, kh!, kw!, ci!, co!]) as tf.Tensor5D;
        h = tf.relu(tf.add(tf.conv3d(h, f, [1, c.stride, c.stride], "valid"), c.b)) as tf.Tensor5D;
      }
      const flat = tf.reshape(h, [B, this.flatDim]) as tf.Tensor2D;
      const z = tf.relu(tf.add(tf.matMul(flat, this.dense[0].w as tf.Tensor2D), this.dense[0].b)) as tf.Tensor2D;
      return tf.add(tf.matMul(z, this.dense[1].w as tf.Tensor2D), this.dense[1].b);
    });
  }
}

export interface RecurrentOptions {
  inputDim: number;
  hiddenDim: number;
  rng?: Rng | number;
  name?: string;
}

/** A GRU layer with PyTorch's equations (torch.nn.GRU), init U(-1/sqrt(H), 1/sqrt(H)). */
export class GRU extends Module {
  readonly wx: Variable;
  readonly wh: Variable;
  readonly bx: Variable;
  readonly bh: Variable;
  readonly hiddenDim: number;

  constructor(opts: RecurrentOptions) {
    super(opts.name ?? "gru");
    const rng = toRng(opts.rng);
    const H = opts.hiddenDim;
    const k = 1 / Math.sqrt(H);
    this.hiddenDim = H;
    // Gate order along the last axis: r, z, n (as torch).
    this.wx = this.param("kernel", uniform(opts.inputDim * 3 * H, k, rng), [opts.inputDim, 3 * H]);
    this.wh = this.param("recurrent_kernel", uniform(H * 3 * H, k, rng), [H, 3 * H]);
    this.bx = this.param("bias_x", uniform(3 * H, k, rng), [3 * H]);
    this.bh = this.param("bias_h", uniform(3 * H, k, rng), [3 * H]);
  }

  /** One step: x [B, in], h [B, H] -> h' [B, H]. */
  step(x: Tensor, h: Tensor): Tensor {
    return tf.tidy(() => {
      const gx = tf.add(tf.matMul(x, this.wx), this.bx);
      const gh = tf.add(tf.matMul(h, this.wh), this.bh);
      const [xr, xz, xn] = tf.split(gx, 3, 1);
      const [hr, hz, hn] = tf.split(gh, 3, 1);
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    });
  }

  /** A sequence x [B, T, in] (h0 [B, H], zeros by default) -> {outputs [B, T, H], h [B, H]}. */
  apply(x: Tensor, h0?: Tensor): { outputs: Tensor; h: Tensor } {
    return tf.tidy(() => {
      const [B, T] = x.shape;
      let h = h0 ?? tf.zeros([B, this.hiddenDim]);
      const outs: Tensor[] = [];
      const steps = tf.unstack(x, 1);
      for (let t = 0; t < T!; t++) {
        h = this.step(steps[t], h);
        outs.push(h);
      }
      return { outputs: tf.stack(outs, 1), h };
    });
  }
}

/** An LSTM layer with PyTorch's equations (torch.nn.LSTM), init U(-1/sqrt(H), 1/sqrt(H)). */
export class LSTM extends Module {
  readonly wx: Variable;
  readonly wh: Variable;
  readonly b: Variable;
  readonly hiddenDim: number;

  constructor(opts: RecurrentOptions) {
    super(opts.name ?? "lstm");
    const rng = toRng(opts.rng);
    const H = opts.hiddenDim;
    const k = 1 / Math.sqrt(H);
    this.hiddenDim = H;
    // Gate order: i, f, g, o (as torch); torch's two biases b_ih + b_hh are one sum here.
    this.wx = this.param("kernel", uniform(opts.inputDim * 4 * H, k, rng), [opts.inputDim, 4 * H]);
    this.wh = this.param("recurrent_kernel", uniform(H * 4 * H, k, rng), [H, 4 * H]);
    const b = uniform(4 * H, k, rng);
    for (let i = 0; i < 4 * H; i++) b[i] += rng.uniform(-k, k);
    this.b = this.param("bias", b, [4 * H]);
  }

  /** One step: x [B, in], (h, c) [B, H] -> (h', c'). */
  step(x: Tensor, h: Tensor, c: Tensor): { h: Tensor; c: Tensor } {
    return tf.tidy(() => {
      const g = tf.add(tf.add(tf.matMul(x, this.wx), tf.matMul(h, this.wh)), this.b);
      const [gi, gf, gg, go] = tf.split(g, 4, 1);
      const c2 = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
      const h2 = tf.mul(tf.sigmoid(go), tf.tanh(c2));
      return { h: h2, c: c2 };
    });
  }

  /** A sequence x [B, T, in] -> {outputs [B, T, H], h, c}. */
  apply(x: Tensor, state?: { h: Tensor; c: Tensor }): { outputs: Tensor; h: Tensor; c: Tensor } {
    return tf.tidy(() => {
      const [B, T] = x.shape;
      let h = state?.h ?? tf.zeros([B, this.hiddenDim]);
      let c = state?.c ?? tf.zeros([B, this.hiddenDim]);
      const outs: Tensor[] = [];
      const steps = tf.unstack(x, 1);
      for (let t = 0; t < T!; t++) {
        ({ h, c } = this.step(steps[t], h, c));
        outs.push(h);
      }
      return { outputs: tf.stack(outs, 1), h, c };
    });
  }
}

export interface TransformerBlockOptions {
  dModel: number;
  nHeads: number;
  /** Width of the feed-forward layer (default 4 * dModel). */
  dFF?: number;
  /**
   * Dense layers with a hand-written gradient whose products stay on XNNPACK's fast path on wasm
   * (nn/fast-matmul.ts): the same maths, faster training; default false (tfjs's own gradients).
   */
  fastMatMul?: boolean;
  rng?: Rng | number;
  name?: string;
}

/**
 * A causal self-attention block, pre-LayerNorm as GPT-2 (and Decision Transformer, which uses
 * GPT-2): x + Attn(LN(x)), then x + MLP(LN(x)) with GELU. Position t attends to positions <= t.
 * Init: N(0, 0.02) weights, zero biases, unit LayerNorm gains (GPT-2).
 */
export class CausalTransformerBlock extends Module {
  readonly dModel: number;
  readonly nHeads: number;
  private readonly fast: boolean;
  private readonly p: Record<string, Variable> = {};

  constructor(opts: TransformerBlockOptions) {
    super(opts.name ?? "block");
    const { dModel: d, nHeads } = opts;
    if (!Number.isInteger(d / nHeads)) throw new RangeError(`CausalTransformerBlock: dModel ${d} is not divisible by nHeads ${nHeads}`);
    this.dModel = d;
    this.nHeads = nHeads;
    this.fast = opts.fastMatMul ?? false;
    const ff = opts.dFF ?? 4 * d;
    const rng = toRng(opts.rng);
    const normal = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 0.02));
    this.p.ln1g = this.param("ln_1/gamma", new Float32Array(d).fill(1), [d]);
    this.p.ln1b = this.param("ln_1/beta", new Float32Array(d), [d]);
    this.p.wqkv = this.param("attn/c_attn/kernel", normal(d * 3 * d), [d, 3 * d]);
    this.p.bqkv = this.param("attn/c_attn/bias", new Float32Array(3 * d), [3 * d]);
    this.p.wo = this.param("attn/c_proj/kernel", normal(d * d), [d, d]);
    this.p.bo = this.param("attn/c_proj/bias", new Float32Array(d), [d]);
    this.p.ln2g = this.param("ln_2/gamma", new Float32Array(d).fill(1), [d]);
    this.p.ln2b = this.param("ln_2/beta", new Float32Array(d), [d]);
    this.p.w1 = this.param("mlp/c_fc/kernel", normal(d * ff), [d, ff]);
    this.p.b1 = this.param("mlp/c_fc/bias", new Float32Array(ff), [ff]);
    this.p.w2 = this.param("mlp/c_proj/kernel", normal(ff * d), [ff, d]);
    this.p.b2 = this.param("mlp/c_proj/bias", new Float32Array(d), [d]);
  }

  private dense3(x: Tensor, w: Variable, b: Variable): Tensor {
    const [B, T, d] = x.shape;
    const x2 = tf.reshape(x, [B! * T!, d!]);
    const y = this.fast ? denseFast(x2, w, b) : tf.add(tf.matMul(x2, w), b);
    return tf.reshape(y, [B!, T!, w.shape[1]!]);
  }

  /** Attention weights [B, heads, T, T] (rows sum to 1, zero above the diagonal). */
  attentionWeights(x: Tensor): Tensor {
    return tf.tidy(() => this.attend(layerNorm(x, this.p.ln1g, this.p.ln1b)).weights);
  }

  /**
   * Attention of the positions in h [B, T, d] over `past` keys / values ([B, heads, Tp, hd], or
   * none) and their own; `bias` is added to the scores (default: the causal mask, with no past).
   */
  private attend(h: Tensor, past?: { keys: Tensor; values: Tensor }, bias?: Tensor): { out: Tensor; weights: Tensor; keys: Tensor; values: Tensor } {
    const [B, T, d] = h.shape as [number, number, number];
    const nh = this.nHeads;
    const hd = d / nh;
    const qkv = this.dense3(h, this.p.wqkv, this.p.bqkv);
    const [q, kNew, vNew] = tf.split(qkv, 3, 2).map((t) => tf.transpose(tf.reshape(t, [B, T, nh, hd]), [0, 2, 1, 3]));
    const k = past ? tf.concat([past.keys, kNew], 2) : kNew;
    const v = past ? tf.concat([past.values, vNew], 2) : vNew;
    const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(hd));
    const mask = bias ?? causalMask(T);
    const weights = tf.softmax(tf.add(scores, mask));
    const ctx = tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [B, T, d]);
    return { out: this.dense3(ctx, this.p.wo, this.p.bo), weights, keys: k, values: v };
  }

  /**
   * The block on new positions x [B, Tn, dModel] that follow cached ones (a KV cache, as in
   * GPT-2's `past_key_values`): `past` holds the keys / values [B, heads, Tp, dModel / heads] of
   * the Tp earlier positions (none at the start); `bias` is the additive attention mask,
   * broadcastable to [B, heads, Tn, Tp + Tn] (see {@link attentionBias}). Returns the output and
   * the keys / values of all Tp + Tn positions, the next step's `past`.
   */
  applyCached(x: Tensor, past: { keys: Tensor; values: Tensor } | undefined, bias: Tensor): { out: Tensor; keys: Tensor; values: Tensor } {
    return tf.tidy(() => {
      const att = this.attend(layerNorm(x, this.p.ln1g, this.p.ln1b), past, bias);
      const a = tf.add(x, att.out);
      const m = this.dense3(gelu(this.dense3(layerNorm(a, this.p.ln2g, this.p.ln2b), this.p.w1, this.p.b1)), this.p.w2, this.p.b2);
      return { out: tf.add(a, m), keys: att.keys, values: att.values };
    });
  }

  /** x [B, T, dModel] -> [B, T, dModel]. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      const a = tf.add(x, this.attend(layerNorm(x, this.p.ln1g, this.p.ln1b)).out);
      const m = this.dense3(gelu(this.dense3(layerNorm(a, this.p.ln2g, this.p.ln2b), this.p.w1, this.p.b1)), this.p.w2, this.p.b2);
      return tf.add(a, m);
    });
  }
}

export interface CausalTransformerOptions {
  /** Features per input token. */
  inputDim: number;
  /** Features per output token. */
  outputDim: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  /** Longest sequence (learned positional embeddings). */
  maxLength: number;
  /** Dense layers with hand-written gradients (see TransformerBlockOptions.fastMatMul); default false. */
  fastMatMul?: boolean;
  rng?: Rng | number;
  name?: string;
}

/** Linear token embedding + learned positions, nLayers causal blocks, final LayerNorm, linear head. */
export class CausalTransformer extends Module {
  readonly blocks: CausalTransformerBlock[] = [];
  private readonly embed: Variable;
  private readonly embedB: Variable;
  private readonly pos: Variable;
  private readonly lnG: Variable;
  private readonly lnB: Variable;
  private readonly head: Variable;
  private readonly headB: Variable;

  constructor(readonly opts: CausalTransformerOptions) {
    super(opts.name ?? "transformer");
    const rng = toRng(opts.rng);
    const d = opts.dModel;
    const normal = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 0.02));
    this.embed = this.param("embed/kernel", normal(opts.inputDim * d), [opts.inputDim, d]);
    this.embedB = this.param("embed/bias", new Float32Array(d), [d]);
    this.pos = this.param("pos_embed", normal(opts.maxLength * d), [opts.maxLength, d]);
    for (let i = 0; i < opts.nLayers; i++) {
      const b = new CausalTransformerBlock({ dModel: d, nHeads: opts.nHeads, fastMatMul: opts.fastMatMul, rng: rng.split(), name: `${this.prefix}_block${i}` });
      this.blocks.push(b);
      this.variables.push(...b.variables);
    }
    this.lnG = this.param("ln_f/gamma", new Float32Array(d).fill(1), [d]);
    this.lnB = this.param("ln_f/beta", new Float32Array(d), [d]);
    this.head = this.param("head/kernel", normal(d * opts.outputDim), [d, opts.outputDim]);
    this.headB = this.param("head/bias", new Float32Array(opts.outputDim), [opts.outputDim]);
  }

  /** x [B, T, inputDim] (T <= maxLength) -> [B, T, outputDim]. */
  apply(x: Tensor): Tensor {
    const [B, T, f] = x.shape as [number, number, number];
    if (T > this.opts.maxLength) throw new RangeError(`CausalTransformer: sequence length ${T} exceeds maxLength ${this.opts.maxLength}`);
    return tf.tidy(() => {
      const d = this.opts.dModel;
      const rows = tf.reshape(x, [B * T, f]);
      let h = tf.reshape(this.opts.fastMatMul ? denseFast(rows, this.embed, this.embedB) : tf.add(tf.matMul(rows, this.embed), this.embedB), [B, T, d]);
      h = tf.add(h, tf.slice(this.pos, [0, 0], [T, d]));
      for (const b of this.blocks) h = b.apply(h);
      h = layerNorm(h, this.lnG, this.lnB);
      const hr = tf.reshape(h, [B * T, d]);
      return tf.reshape(this.opts.fastMatMul ? denseFast(hr, this.head, this.headB) : tf.add(tf.matMul(hr, this.head), this.headB), [B, T, this.opts.outputDim]);
    });
  }

  /**
   * Token ids instead of feature rows (a language model): ids [B, Tn] (int32, each < inputDim)
   * act as one-hot inputs, so their embedding is a row of the embedding kernel (plus its bias).
   * One-hot products rather than gathers keep every op differentiable on every backend (wasm
   * lacks the gather gradient). With `past` the ids continue a cached sequence (KV cache); the
   * result holds the logits [B, Tn, outputDim] and the cache extended by these positions. The
   * caller disposes both (the returned cache shares no tensors with `past`).
   */
  applyTokens(ids: Tensor, options: TokenStepOptions = {}): { logits: Tensor; cache: KVCache } {
    const [B, Tn] = ids.shape as [number, number];
    return this.applyEmbeddedCached(() => tf.oneHot(tf.reshape(tf.cast(ids, "int32"), [B * Tn]), this.opts.inputDim), B, Tn, options);
  }

  /**
   * Feature rows x [B, Tn, inputDim] that continue a cached sequence (KV cache), as
   * {@link applyTokens} for ids: with `past`, only the Tn new positions are computed, so acting
   * step by step from a growing history costs one position per step instead of the whole
   * prefix. The same logits as `apply` on the concatenated sequence. The caller disposes both.
   */
  applyCached(x: Tensor, options: TokenStepOptions = {}): { logits: Tensor; cache: KVCache } {
    const [B, Tn, f] = x.shape as [number, number, number];
    return this.applyEmbeddedCached(() => tf.reshape(x, [B * Tn, f]), B, Tn, options);
  }

  /** The shared body of applyTokens / applyCached on input rows [B * Tn, inputDim] (made by `rows`). */
  private applyEmbeddedCached(rows: () => Tensor, B: number, Tn: number, options: TokenStepOptions): { logits: Tensor; cache: KVCache } {
    const Tp = options.past?.length ?? 0;
    if (Tp + Tn > this.opts.maxLength) throw new RangeError(`CausalTransformer: sequence length ${Tp + Tn} exceeds maxLength ${this.opts.maxLength}`);
    if (options.past && options.past.keys.length !== this.blocks.length) throw new RangeError(`CausalTransformer: the cache holds ${options.past.keys.length} layers, the model has ${this.blocks.length}`);
    return tf.tidy(() => {
      const x = rows();
      const d = this.opts.dModel;
      const L = this.opts.maxLength;
      let h = tf.add(tf.matMul(x, this.embed), this.embedB);
      if (options.positions) {
        h = tf.add(h, tf.matMul(tf.oneHot(tf.reshape(tf.cast(options.positions, "int32"), [B * Tn]), L), this.pos));
        h = tf.reshape(h, [B, Tn, d]);
      } else {
        h = tf.add(tf.reshape(h, [B, Tn, d]), tf.slice(this.pos, [Tp, 0], [Tn, d]));
      }
      const bias = attentionBias(Tp, Tn, options.keyBias);
      const keys: Tensor[] = [];
      const values: Tensor[] = [];
      this.blocks.forEach((b, i) => {
        const past = options.past ? { keys: options.past.keys[i], values: options.past.values[i] } : undefined;
        const r = b.applyCached(h, past, bias);
        h = r.out;
        keys.push(r.keys);
        values.push(r.values);
      });
      h = layerNorm(h, this.lnG, this.lnB);
      const logits = tf.reshape(tf.add(tf.matMul(tf.reshape(h, [B * Tn, d]), this.head), this.headB), [B, Tn, this.opts.outputDim]);
      return { logits, cache: { keys, values, length: Tp + Tn } };
    });
  }
}

/** Keys and values of every layer for the positions seen so far (GPT-2's `past_key_values`). */
export interface KVCache {
  /** Per layer, keys [B, heads, length, dModel / heads]. */
  keys: Tensor[];
  /** Per layer, values [B, heads, length, dModel / heads]. */
  values: Tensor[];
  /** Positions held (the third axis of every tensor). */
  length: number;
}

/** Options of {@link CausalTransformer.applyTokens}. */
export interface TokenStepOptions {
  /** Keys / values of earlier positions (from the previous call); none: the ids start the sequence. */
  past?: KVCache;
  /** Position index of every id [B, Tn] (int32); default past.length, past.length + 1, ... for every row. */
  positions?: Tensor;
  /**
   * Additive mask over all Tp + Tn key positions, [B, Tp + Tn] (0 to attend, -1e9 to ignore, e.g.
   * left padding of prompts of unequal length); the causal mask is always applied on top.
   */
  keyBias?: Tensor;
}

/**
 * The attention bias of Tn new positions after Tp cached ones: causal (new position i sees keys
 * 0 .. Tp + i), plus `keyBias` [B, Tp + Tn] when given; shape [Tn, Tp + Tn] or [B, 1, Tn, Tp + Tn].
 */
export function attentionBias(Tp: number, Tn: number, keyBias?: Tensor): Tensor {
  return tf.tidy(() => {
    const Tk = Tp + Tn;
    const m = new Float32Array(Tn * Tk);
    for (let i = 0; i < Tn; i++) for (let j = Tp + i + 1; j < Tk; j++) m[i * Tk + j] = -1e9;
    const causal = tf.tensor2d(m, [Tn, Tk]);
    if (!keyBias) return causal;
    const B = keyBias.shape[0]!;
    return tf.add(causal, tf.reshape(keyBias, [B, 1, 1, Tk]));
  });
}

/** LayerNorm over the last axis (eps 1e-5, as torch). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

/** GELU, tanh approximation (GPT-2). */
export function gelu(x: Tensor): Tensor {
  const c = Math.sqrt(2 / Math.PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), c))));
}

/** [T, T] additive mask: 0 on and below the diagonal, -1e9 above. */
export function causalMask(T: number): Tensor {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
  return tf.tensor2d(m, [T, T]);
}
