/**
 * A reward model learned from preference pairs, as in RLHF (Christiano et al. 2017; Stiennon et
 * al. 2020; Ouyang et al. 2022): a causal transformer over prompt + completion with a scalar head
 * read at the last token, trained with the Bradley-Terry loss
 *
 *   loss = -log sigmoid(r(x, y_chosen) - r(x, y_rejected))
 *
 * (the negative log-likelihood of the labels if P(chosen preferred) = sigmoid(r_c - r_r)).
 */
import { tf, type Tensor } from "../nn/tf.js";

/** Mean Bradley-Terry loss of a batch: -log sigmoid(rChosen - rRejected), each [B]. */
export function bradleyTerryLoss(rChosen: Tensor, rRejected: Tensor): Tensor {
  // -log sigmoid(x) = softplus(-x), computed stably.
  return tf.tidy(() => tf.mean(tf.softplus(tf.sub(rRejected, rChosen))));
}

/** Fraction of pairs whose chosen completion gets the higher reward (ties count half). */
export function pairwiseAccuracy(rChosen: ArrayLike<number>, rRejected: ArrayLike<number>): number {
  if (rChosen.length !== rRejected.length) throw new RangeError(`pairwiseAccuracy: ${rChosen.length} chosen rewards but ${rRejected.length} rejected ones`);
  if (rChosen.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < rChosen.length; i++) s += rChosen[i] > rRejected[i] ? 1 : rChosen[i] === rRejected[i] ? 0.5 : 0;
  return s / rChosen.length;
}
