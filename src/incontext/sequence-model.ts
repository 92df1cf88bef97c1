/**
 * What DPT and AD share: a causal transformer over token sequences trained with a per-position
 * cross-entropy to action labels (Adam), checkpointed in rlbook's atomic verified format.
 */
import { Rng } from "../core/rng.js";
import { kernelHooks } from "../kernel-hooks.js";
import { Adam } from "../nn/optimizers.js";
import { ensureBackend } from "../nn/backend.js";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "../nn/checkpoint.js";
import { CausalTransformer } from "../nn/modules.js";
import { tf } from "../nn/tf.js";

/** Transformer size. */
export interface TransformerSize {
  dModel: number;
  nLayers: number;
  nHeads: number;
}

/** One pretraining record (a type, so it is a plain Record for the chart builders). */
export type PretrainRecord = {
  step: number;
  loss: number;
  /** Fraction of positions whose argmax equals the label. */
  accuracy: number;
  /** Seconds since pretraining started. */
  time: number;
  /** Tokens processed per second so far. */
  tokensPerSecond: number;
};

export interface PretrainOptions {
  /** Gradient steps (default: the config's). */
  steps?: number;
  /** Stops early (the history so far is returned); a kernel interrupt stops it too. */
  signal?: AbortSignal;
  /** Called after every step; return false to stop. */
  onStep?: (r: PretrainRecord) => void | boolean;
  /** Record every this many steps in the returned history (default 10). */
  logEvery?: number;
}

/** A batch for a training step: tokens [B, T, F] and one label per position [B, T] (-1: no loss). */
export interface SequenceBatch {
  tokens: Float32Array;
  labels: Int32Array;
  batch: number;
  length: number;
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
  ) {
    this.net = new CausalTransformer({ inputDim, outputDim: numActions, dModel: size.dModel, nHeads: size.nHeads, nLayers: size.nLayers, maxLength, rng: new Rng(seed) });
  }

  /** One Adam step on a batch; returns [loss, accuracy]. */
  trainStep(b: SequenceBatch): [number, number] {
    this.opt ??= new Adam(this.net.variables, { lr: this.lr, maxGradNorm: 1 });
    const { batch: B, length: T } = b;
    const A = this.numActions;
    const x = tf.tensor3d(b.tokens, [B, T, this.inputDim]);
    const mask = new Float32Array(B * T);
    const lab = new Int32Array(B * T);
    let count = 0;
    for (let i = 0; i < B * T; i++) if (b.labels[i] >= 0) (mask[i] = 1), (lab[i] = b.labels[i]), count++;
    const y = tf.oneHot(tf.tensor1d(lab, "int32"), A);
    const w = tf.tensor1d(mask);
    let logitsKept: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = tf.reshape(this.net.apply(x), [B * T, A]);
      logitsKept = tf.keep(logits);
      const nll = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1));
      return tf.div(tf.sum(tf.mul(nll, w)), Math.max(count, 1)) as tf.Scalar;
    }, this.net.variables);
    this.opt.apply(this.net.variables.map((v) => grads[v.name]));
    const loss = value.dataSync()[0];
    const pred = tf.tidy(() => tf.argMax(logitsKept!, 1).dataSync());
    let hit = 0;
    for (let i = 0; i < B * T; i++) if (mask[i] && pred[i] === lab[i]) hit++;
    tf.dispose([x, y, w, value, logitsKept!, ...Object.values(grads)]);
    return [loss, hit / Math.max(count, 1)];
  }

  /** Logits [B, T, A] of a token batch [B, T, F], as a Float32Array. */
  logits(tokens: Float32Array, batch: number, length: number): Float32Array {
    if (length > this.maxLength) throw new RangeError(`the context holds ${length} tokens but the model was pretrained for at most ${this.maxLength}; pretrain with a longer horizon or pass a shorter context`);
    return tf.tidy(() => this.net.apply(tf.tensor3d(tokens, [batch, length, this.inputDim])).dataSync() as Float32Array);
  }

  /** Async pretraining loop over batches from `next()`; yields to the event loop every step. */
  async pretrain(next: (step: number) => SequenceBatch, steps: number, options: PretrainOptions): Promise<PretrainRecord[]> {
    await ensureBackend();
    const signal = options.signal ?? kernelHooks()?.signal();
    const history: PretrainRecord[] = [];
    const logEvery = options.logEvery ?? 10;
    const t0 = performance.now();
    let tokens = 0;
    for (let s = 0; s < steps; s++) {
      if (signal?.aborted) break;
      const b = next(s);
      const [loss, accuracy] = this.trainStep(b);
      tokens += b.batch * b.length;
      const time = (performance.now() - t0) / 1000;
      const rec = { step: s + 1, loss, accuracy, time, tokensPerSecond: tokens / Math.max(time, 1e-9) };
      if ((s + 1) % logEvery === 0 || s === steps - 1) history.push(rec);
      if (options.onStep?.(rec) === false) break;
      await new Promise((r) => setImmediate(r));
    }
    return history;
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
