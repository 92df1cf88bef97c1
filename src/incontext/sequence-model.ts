/**
 * What DPT and AD share: a causal transformer over token sequences trained with a per-position
 * cross-entropy to action labels (Adam), checkpointed in rlbook's atomic verified format.
 */
import { Rng } from "../core/rng.js";
import { Adam } from "../nn/optimizers.js";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "../nn/checkpoint.js";
import { CausalTransformer, type KVCache } from "../nn/modules.js";
import { tf } from "../nn/tf.js";

/** Transformer size. */
export interface TransformerSize {
  dModel: number;
  nLayers: number;
  nHeads: number;
}

/** A batch for a training step: tokens [B, T, F] and one label per position [B, T] (-1: no loss). */
export interface SequenceBatch {
  tokens: Float32Array;
  labels: Int32Array;
  batch: number;
  length: number;
  /**
   * Soft targets [B, T, A] (each row a distribution over actions) used instead of the one-hot
   * `labels` in the cross-entropy; `labels` still mark which positions count (-1: none) and give
   * the accuracy. None: the one-hot labels (the default everywhere).
   */
  targets?: Float32Array;
}

/** The transformer, its optimizer, and the training step. */
export class SequenceModel {
  readonly net: CausalTransformer;
  private opt: Adam | undefined;

  constructor(
    readonly inputDim: number,
    readonly numActions: number,
    readonly maxLength: number,
    readonly size: TransformerSize,
    readonly lr: number,
    seed: number,
    /** Dense layers with hand-written gradients on wasm's fast path (CausalTransformerOptions.fastMatMul); default false. */
    fastMatMul = false,
  ) {
    this.net = new CausalTransformer({ inputDim, outputDim: numActions, dModel: size.dModel, nHeads: size.nHeads, nLayers: size.nLayers, maxLength, fastMatMul, rng: new Rng(seed) });
  }

  /**
   * One Adam step on a batch. Returns its statistics as one tensor [loss, accuracy] (accuracy:
   * the fraction of labelled positions whose argmax is the label), computed on the device and not
   * read back, so a caller batches the reads of many steps into one.
   */
  update(b: SequenceBatch): tf.Tensor1D {
    this.opt ??= new Adam(this.net.variables, { lr: this.lr, maxGradNorm: 1 });
    const { batch: B, length: T } = b;
    const A = this.numActions;
    const mask = new Float32Array(B * T);
    const lab = new Int32Array(B * T);
    let count = 0;
    for (let i = 0; i < B * T; i++) if (b.labels[i] >= 0) (mask[i] = 1), (lab[i] = b.labels[i]), count++;
    const x = tf.tensor3d(b.tokens, [B, T, this.inputDim]);
    const labels = tf.tensor1d(lab, "int32");
    const y = b.targets ? tf.tensor2d(b.targets, [B * T, A]) : tf.oneHot(labels, A);
    const w = tf.tensor1d(mask);
    let logitsKept: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = tf.reshape(this.net.apply(x), [B * T, A]);
      logitsKept = tf.keep(logits);
      const nll = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1));
      return tf.div(tf.sum(tf.mul(nll, w)), Math.max(count, 1)) as tf.Scalar;
    }, this.net.variables);
    this.opt.apply(this.net.variables.map((v) => grads[v.name]))?.dispose();
    const stats = tf.tidy(() => {
      const hit = tf.mul(tf.cast(tf.equal(tf.argMax(logitsKept!, 1), labels), "float32"), w);
      return tf.stack([value, tf.div(tf.sum(hit), Math.max(count, 1))]) as tf.Tensor1D;
    });
    tf.dispose([x, labels, y, w, value, logitsKept!, ...Object.values(grads)]);
    return stats;
  }

  /** One Adam step on a batch; returns [loss, accuracy] (one awaited read). */
  async trainStep(b: SequenceBatch): Promise<[number, number]> {
    const stats = this.update(b);
    const v = await stats.data();
    stats.dispose();
    return [v[0], v[1]];
  }

  /** Logits [B, T, A] of a token batch [B, T, F], as a Float32Array (one awaited read). */
  async logits(tokens: Float32Array, batch: number, length: number): Promise<Float32Array> {
    if (length > this.maxLength) throw new RangeError(`the context holds ${length} tokens but the model was pretrained for at most ${this.maxLength}; pretrain with a longer horizon or pass a shorter context`);
    const out = tf.tidy(() => this.net.apply(tf.tensor3d(tokens, [batch, length, this.inputDim])));
    const v = (await out.data()) as Float32Array;
    out.dispose();
    return v;
  }

  /** Logits of the LAST position of each sequence only: [B, A] (one awaited read). */
  async lastLogits(tokens: Float32Array, batch: number, length: number): Promise<Float32Array> {
    if (length > this.maxLength) throw new RangeError(`the context holds ${length} tokens but the model was pretrained for at most ${this.maxLength}; pretrain with a longer context or pass a shorter one`);
    const A = this.numActions;
    const out = tf.tidy(() => tf.reshape(tf.slice(this.net.apply(tf.tensor3d(tokens, [batch, length, this.inputDim])), [0, length - 1, 0], [batch, 1, A]), [batch, A]));
    const v = (await out.data()) as Float32Array;
    out.dispose();
    return v;
  }

  /**
   * Incremental inference with a KV cache: `tokens` [B, n, F] continue the positions held in
   * `cache` (none: they start the sequences); returns the logits of the last new position of each
   * sequence [B, A] (one awaited read) and the extended cache. The old cache is disposed; the
   * caller disposes the last one with {@link disposeCache}. Acting pull by pull this costs one
   * position per pull instead of the whole prefix, with the same logits as {@link logits}.
   */
  async stepLogits(tokens: Float32Array, batch: number, n: number, cache?: KVCache): Promise<{ logits: Float32Array; cache: KVCache }> {
    const length = (cache?.length ?? 0) + n;
    if (length > this.maxLength) throw new RangeError(`the context holds ${length} tokens but the model was pretrained for at most ${this.maxLength}; pretrain with a longer horizon or pass a shorter context`);
    const A = this.numActions;
    const x = tf.tensor3d(tokens, [batch, n, this.inputDim]);
    const r = this.net.applyCached(x, { past: cache });
    const last = tf.tidy(() => tf.reshape(tf.slice(r.logits, [0, n - 1, 0], [batch, 1, A]), [batch, A]));
    tf.dispose([x, r.logits]);
    if (cache) disposeCache(cache);
    const v = (await last.data()) as Float32Array;
    last.dispose();
    return { logits: v, cache: r.cache };
  }

  /** Writes the weights (and `config`, `meta`) as an rlbook checkpoint. */
  async save(dir: string, algo: string, config: unknown, meta: Record<string, unknown>): Promise<void> {
    const arrays: Record<string, Float32Array> = {};
    (await this.net.getWeights()).forEach((w, i) => (arrays[`weight_${i}`] = w));
    await writeCheckpoint(dir, { algo, config, meta: { ...meta, weightShapes: this.net.variables.map((v) => v.shape) }, networks: {}, arrays });
  }

  /** Loads weights saved by {@link save}, checking that their shapes fit this model. */
  restore(dir: string, ck: Awaited<ReturnType<typeof readCheckpoint>>): void {
    const want = this.net.variables.map((v) => v.shape.join("x")).join(", ");
    const got = ((ck.meta.weightShapes as number[][]) ?? []).map((s) => s.join("x")).join(", ");
    if (want !== got) throw new CheckpointError(dir, `transformer weight shapes [${got}] do not fit the model built from its config [${want}]`);
    this.net.setWeights(this.net.variables.map((_, i) => {
      const a = ck.arrays[`weight_${i}`];
      if (!a) throw new CheckpointError(dir, `array weight_${i} is missing`);
      return a as Float32Array;
    }));
  }

  dispose(): void {
    this.net.dispose();
    this.opt?.dispose();
  }
}

/** Frees the tensors of a KV cache. */
export function disposeCache(cache: KVCache): void {
  tf.dispose([...cache.keys, ...cache.values]);
}

/** Reads a checkpoint and checks that it was written by `algo`. */
export async function readModelCheckpoint(dir: string, algo: string): Promise<Awaited<ReturnType<typeof readCheckpoint>>> {
  const ck = await readCheckpoint(dir);
  if (ck.algo !== algo) throw new CheckpointError(dir, `holds a ${ck.algo} model, not ${algo}; load it with ${ck.algo}.load`);
  return ck;
}

/** Samples an index from softmax(logits[off .. off+A)). */
export function sampleSoftmax(logits: Float32Array, off: number, A: number, rng: Rng, temperature = 1): number {
  let m = -Infinity;
  for (let a = 0; a < A; a++) m = Math.max(m, logits[off + a]);
  let z = 0;
  const p = new Float64Array(A);
  for (let a = 0; a < A; a++) z += p[a] = Math.exp((logits[off + a] - m) / temperature);
  let u = rng.random() * z;
  for (let a = 0; a < A; a++) if ((u -= p[a]) < 0) return a;
  return A - 1;
}

/** Index of the largest of logits[off .. off+A). */
export function argmaxAt(logits: Float32Array, off: number, A: number): number {
  let best = 0;
  for (let a = 1; a < A; a++) if (logits[off + a] > logits[off + best]) best = a;
  return best;
}
