/**
 * Asynchronous, batched tensor reads: the only way rlbook moves tensor values to the host.
 *
 * The webgpu backend cannot read a tensor synchronously in Node (its synchronous path draws on a
 * browser canvas), and every read from a GPU is a round trip that costs far more than the
 * arithmetic of a small network. So code in src/ reads with `await`, and reads everything one
 * step or one update needs at once:
 *
 *   const [actions, values, logp] = await readTensors([a, v, lp], { dispose: true });
 *   const stats = await readScalars({ loss, entropy, kl }, { dispose: true });   // {loss: 0.3, ...}
 *
 * On a GPU backend the tensors are flattened and concatenated on the device and read with one
 * transfer; on CPU backends (wasm, cpu) whose reads are copies already, each is read directly
 * (the concatenation would only add work). test/gpu/no-sync-reads.test.ts keeps synchronous
 * reads out of src/.
 */
import { tf, type Tensor } from "./tf.js";

/** What a read returns for each tensor: the typed array of its dtype. */
export type ReadArray = Float32Array | Int32Array | Uint8Array;

/** Options of {@link readTensors} and {@link readScalars}. */
export interface ReadOptions {
  /** Dispose the given tensors once read (they are temporaries). Default false. */
  dispose?: boolean;
  /**
   * Concatenate on the device and read once (true), or read each tensor (false). Default: concatenate
   * on GPU backends, read each on CPU backends.
   */
  concat?: boolean;
}

/** Backends whose reads are host copies already (no device round trip to save by batching). */
const HOST_BACKENDS = new Set(["wasm", "cpu", "tensorflow"]);

function emptyOf(dtype: string): ReadArray {
  if (dtype === "int32") return new Int32Array(0);
  if (dtype === "bool") return new Uint8Array(0);
  return new Float32Array(0);
}

function checkReadable(tensors: readonly Tensor[], what: string): void {
  tensors.forEach((t, i) => {
    if (!t || typeof (t as { data?: unknown }).data !== "function") {
      throw new TypeError(`${what}: item ${i} is not a tensor (got ${t === null ? "null" : typeof t})`);
    }
    if (t.isDisposed) throw new Error(`${what}: tensor ${i} (shape [${t.shape.join(", ")}]) was already disposed`);
    if (t.dtype === "string" || t.dtype === "complex64") {
      throw new TypeError(`${what}: tensor ${i} has dtype ${t.dtype}; only float32, int32 and bool tensors can be read`);
    }
  });
}

/**
 * Reads several tensors with one await (one device transfer on a GPU backend). The result keeps
 * the order and each tensor's dtype (float32 -> Float32Array, int32 -> Int32Array,
 * bool -> Uint8Array); values come back flat, in row-major order.
 */
export async function readTensors(tensors: readonly Tensor[], options: ReadOptions = {}): Promise<ReadArray[]> {
  checkReadable(tensors, "readTensors");
  try {
    if (tensors.length === 0) return [];
    if (tensors.length === 1 || !(options.concat ?? !HOST_BACKENDS.has(tf.getBackend()))) {
      return (await Promise.all(tensors.map((t) => t.data()))) as ReadArray[];
    }
    // One device buffer: every tensor flattened (int32 and bool cast to float32, exact for
    // integers below 2^24, which covers actions and indices) and concatenated.
    const nonEmpty = tensors.filter((t) => t.size > 0);
    if (nonEmpty.length === 0) return tensors.map((t) => emptyOf(t.dtype));
    const flat = tf.tidy(() => tf.concat(nonEmpty.map((t) => (t.dtype === "float32" ? t.reshape([-1]) : t.toFloat().reshape([-1]))), 0));
    let all: Float32Array;
    try {
      all = (await flat.data()) as Float32Array;
    } finally {
      flat.dispose();
    }
    const out: ReadArray[] = [];
    let off = 0;
    for (const t of tensors) {
      const part = all.subarray(off, off + t.size);
      off += t.size;
      if (t.dtype === "int32") out.push(Int32Array.from(part, Math.round));
      else if (t.dtype === "bool") out.push(Uint8Array.from(part, (x) => (x !== 0 ? 1 : 0)));
      else out.push(part.slice());
    }
    return out;
  } finally {
    if (options.dispose) for (const t of tensors) if (!t.isDisposed) t.dispose();
  }
}

/** Reads one tensor (`await t.data()` with the dtype typed and optional disposal). */
export async function readTensor(t: Tensor, options: ReadOptions = {}): Promise<ReadArray> {
  return (await readTensors([t], options))[0];
}

/** Reads a float tensor as a Float32Array (casting int32/bool values). */
export async function readFloats(t: Tensor, options: ReadOptions = {}): Promise<Float32Array> {
  const a = await readTensor(t, options);
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

/**
 * Reads named one-element tensors (losses, statistics) with one await and returns plain numbers
 * under the same names. A tensor with more than one element is refused (reduce it first).
 */
export async function readScalars<K extends string>(named: Readonly<Record<K, Tensor>>, options: ReadOptions = {}): Promise<Record<K, number>> {
  const keys = Object.keys(named) as K[];
  const tensors = keys.map((k) => named[k]);
  checkReadable(tensors, "readScalars");
  keys.forEach((k, i) => {
    if (tensors[i].size !== 1) {
      if (options.dispose) for (const t of tensors) if (!t.isDisposed) t.dispose();
      throw new Error(`readScalars: "${k}" has shape [${tensors[i].shape.join(", ")}] (${tensors[i].size} values); reduce it to one value (e.g. .mean()) before reading`);
    }
  });
  const vals = await readTensors(tensors, options);
  const out = {} as Record<K, number>;
  keys.forEach((k, i) => (out[k] = vals[i][0]));
  return out;
}
