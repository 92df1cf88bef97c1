/** Losses shared by several algorithms (each algorithm's own loss stays in its file). */
import { tf, type Tensor } from "../nn/tf.js";

/** mse(Q1, y) + mse(Q2, y): the twin critics' loss of SAC and TD3 (CleanRL's qf_loss). */
export function twinCriticLoss(q1: Tensor, q2: Tensor, y: Tensor): Tensor {
  return tf.add(tf.mean(tf.square(tf.sub(q1, y))), tf.mean(tf.square(tf.sub(q2, y))));
}


/**
 * The pieces of PPO's clipped loss (Schulman et al. 2017; CleanRL's ppo.py): policy loss, value
 * loss (clipped around the old values when `clipVf` is given), and the diagnostics approximate KL
 * and clip fraction. `mean` reduces per-sample terms (tf.mean for one agent's minibatch; a masked
 * per-member mean over padded [S, B] rows for a population). `clip` / `clipVf` are numbers (one
 * agent: clipped with constant bounds) or tensors broadcasting against the samples (per member).
 */
export function ppoLossPieces(a: {
  logp: Tensor;
  oldLogp: Tensor;
  adv: Tensor;
  value: Tensor;
  oldValue: Tensor;
  returns: Tensor;
  clip: number | Tensor;
  clipVf: number | Tensor | null;
  mean: (t: Tensor) => Tensor;
}): { policyLoss: Tensor; valueLoss: Tensor; approxKl: Tensor; clipFraction: Tensor } {
  const clamp = (x: Tensor, r: number | Tensor) => (typeof r === "number" ? tf.clipByValue(x, -r, r) : tf.minimum(tf.maximum(x, tf.neg(r)), r));
  const logRatio = tf.sub(a.logp, a.oldLogp);
  const ratio = tf.exp(logRatio);
  const pg1 = tf.mul(tf.neg(a.adv), ratio);
  const clipped = typeof a.clip === "number" ? tf.clipByValue(ratio, 1 - a.clip, 1 + a.clip) : tf.minimum(tf.maximum(ratio, tf.sub(1, a.clip)), tf.add(1, a.clip));
  const pg2 = tf.mul(tf.neg(a.adv), clipped);
  const policyLoss = a.mean(tf.maximum(pg1, pg2));
  let valueLoss: Tensor;
  if (a.clipVf === null) {
    valueLoss = a.mean(tf.square(tf.sub(a.value, a.returns)));
  } else {
    const vClipped = tf.add(a.oldValue, clamp(tf.sub(a.value, a.oldValue), a.clipVf));
    valueLoss = a.mean(tf.maximum(tf.square(tf.sub(a.value, a.returns)), tf.square(tf.sub(vClipped, a.returns))));
  }
  // Diagnostics (CleanRL's approx_kl, clipfrac); they are not part of the loss.
  const approxKl = a.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFraction = a.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), a.clip), "float32"));
  return { policyLoss, valueLoss, approxKl, clipFraction };
}
