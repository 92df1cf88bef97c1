/**
 * KL divergence between a policy LM and its reference, per token, as RL on language models
 * estimates it from the sampled tokens (J. Schulman, "Approximating KL Divergence", 2020):
 * with x sampled from the policy pi and r = pi_ref(x) / pi(x),
 *
 *   k1 = -log r                 unbiased, can be negative per sample (RLHF's per-token penalty,
 *                               Ouyang et al. 2022; TRL PPO's "kl" estimator)
 *   k2 = (log r)^2 / 2          biased, low variance
 *   k3 = (r - 1) - log r        unbiased and >= 0 (GRPO, Shao et al. 2024, eq. 4; TRL GRPO)
 *
 * E_pi[k1] = E_pi[k3] = KL(pi || pi_ref) at every position, so summed over a completion's
 * tokens each estimates the KL between the two distributions over whole completions.
 * {@link fullKL} computes the exact per-position KL over the vocabulary, for checks.
 */
import { tf, type Tensor } from "../nn/tf.js";

/** k1 = log pi(x) - log pi_ref(x), elementwise on per-token log-probs. */
export function klK1(logProbs: Tensor, refLogProbs: Tensor): Tensor {
  return tf.sub(logProbs, refLogProbs);
}

/** k2 = (log pi(x) - log pi_ref(x))^2 / 2, elementwise. */
export function klK2(logProbs: Tensor, refLogProbs: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.square(tf.sub(logProbs, refLogProbs)), 0.5));
}

/** k3 = pi_ref(x) / pi(x) - 1 - log(pi_ref(x) / pi(x)), elementwise (>= 0). */
export function klK3(logProbs: Tensor, refLogProbs: Tensor): Tensor {
  return tf.tidy(() => {
    const d = tf.sub(refLogProbs, logProbs);
    return tf.sub(tf.sub(tf.exp(d), d), 1);
  });
}

/** Exact KL(softmax(logits) || softmax(refLogits)) over the last (vocabulary) axis: [..., V] -> [...]. */
export function fullKL(logits: Tensor, refLogits: Tensor): Tensor {
  return tf.tidy(() => {
    const lp = tf.logSoftmax(logits);
    const lq = tf.logSoftmax(refLogits);
    return tf.sum(tf.mul(tf.exp(lp), tf.sub(lp, lq)), -1);
  });
}

/** The mean of `x` over the positions where `mask` is 1 (a scalar). */
export function maskedMean(x: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)));
}
