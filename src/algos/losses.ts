/** Losses shared by several algorithms (each algorithm's own loss stays in its file). */
import { tf, type Tensor } from "../nn/tf.js";

/** mse(Q1, y) + mse(Q2, y): the twin critics' loss of SAC and TD3 (CleanRL's qf_loss). */
export function twinCriticLoss(q1: Tensor, q2: Tensor, y: Tensor): Tensor {
  return tf.add(tf.mean(tf.square(tf.sub(q1, y))), tf.mean(tf.square(tf.sub(q2, y))));
}

/**
 * The values of several tensors with one read from the backend (one `await data()` of their
 * flattened concatenation, which a GPU backend serves in one transfer), as Float32Arrays in the
 * given order. The tensors are not disposed.
 */
export async function readTensors(ts: readonly Tensor[]): Promise<Float32Array[]> {
  if (!ts.length) return [];
  const flat = tf.tidy(() => tf.concat(ts.map((t) => tf.reshape(tf.cast(t, "float32"), [-1]))));
  const all = (await flat.data()) as Float32Array;
  flat.dispose();
  const out: Float32Array[] = [];
  let o = 0;
  for (const t of ts) {
    out.push(all.slice(o, o + t.size));
    o += t.size;
  }
  return out;
}
