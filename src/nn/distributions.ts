/**
 * Action distributions: Categorical (discrete), DiagGaussian (continuous, PPO/A2C) and
 * TanhGaussian (squashed, SAC).
 *
 * Each has two faces:
 * - tensor functions for losses (log-prob, entropy) that tfjs can differentiate, batched [B, ...];
 * - plain-array sampling with rlbook's seeded {@link Rng}, used when acting (cheap, reproducible,
 *   no tensor round trip).
 */
import type { Rng } from "../core/rng.js";
import { tf, type Tensor } from "./tf.js";

const LOG_2PI = Math.log(2 * Math.PI);
const LOG2 = Math.LN2;

/** Categorical over the last axis of `logits` [B, n]. */
export const Categorical = {
  /** log p(actions) for integer actions [B] -> [B]. */
  logProb(logits: Tensor, actions: Tensor): Tensor {
    return tf.tidy(() => {
      const n = logits.shape[logits.shape.length - 1];
      const lsm = tf.logSoftmax(logits);
      return tf.sum(tf.mul(lsm, tf.oneHot(tf.cast(actions, "int32"), n)), -1);
    });
  },
  /** Entropy -sum p log p -> [B]. */
  entropy(logits: Tensor): Tensor {
    return tf.tidy(() => {
      const lsm = tf.logSoftmax(logits);
      return tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), -1));
    });
  },
  /**
   * Samples one action per row of `logits` (row-major [B, n]) into `out`; with `deterministic`,
   * the argmax (ties: lowest index). Returns `out`. Also writes log-probs when `logp` is given.
   */
  sample(logits: ArrayLike<number>, n: number, rng: Rng, out: Int32Array, deterministic = false, logp?: Float32Array): Int32Array {
    const B = out.length;
    for (let b = 0; b < B; b++) {
      const o = b * n;
      let mx = -Infinity;
      let arg = 0;
      for (let j = 0; j < n; j++) {
        if (logits[o + j] > mx) {
          mx = logits[o + j];
          arg = j;
        }
      }
      let z = 0;
      for (let j = 0; j < n; j++) z += Math.exp(logits[o + j] - mx);
      let a = arg;
      if (!deterministic) {
        let u = rng.random() * z;
        a = n - 1;
        for (let j = 0; j < n; j++) {
          u -= Math.exp(logits[o + j] - mx);
          if (u < 0) {
            a = j;
            break;
          }
        }
      }
      out[b] = a;
      if (logp) logp[b] = logits[o + a] - mx - Math.log(z);
    }
    return out;
  },
};

/** A Gaussian with diagonal covariance: mean [B, d], logStd [B, d] or [d]. */
export const DiagGaussian = {
  /** Sum over dimensions of log N(a; mean, exp(logStd)^2) -> [B]. */
  logProb(mean: Tensor, logStd: Tensor, actions: Tensor): Tensor {
    return tf.tidy(() => {
      const z = tf.mul(tf.sub(actions, mean), tf.exp(tf.neg(logStd)));
      const lp = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(logStd, 0.5 * LOG_2PI));
      return tf.sum(lp, -1);
    });
  },
  /** Entropy sum(0.5 + 0.5 log(2 pi) + logStd) -> [B] (or scalar for a [d] logStd). */
  entropy(logStd: Tensor): Tensor {
    return tf.tidy(() => tf.sum(tf.add(logStd, 0.5 + 0.5 * LOG_2PI), -1));
  },
  /**
   * Samples mean + std * N(0, 1) (or the mean when deterministic) into `out`, row-major [B, d].
   * `logStd` is either per row ([B, d], same length as mean) or shared ([d]). Writes the summed
   * log-probs [B] into `logp` when given.
   */
  sample(mean: ArrayLike<number>, logStd: ArrayLike<number>, d: number, rng: Rng, out: Float32Array, deterministic = false, logp?: Float32Array): Float32Array {
    const shared = logStd.length !== mean.length;
    const B = mean.length / d;
    for (let b = 0; b < B; b++) {
      let acc = 0;
      for (let j = 0; j < d; j++) {
        const i = b * d + j;
        const ls = shared ? logStd[j] : logStd[i];
        const eps = deterministic ? 0 : rng.normal();
        out[i] = mean[i] + Math.exp(ls) * eps;
        acc += -0.5 * eps * eps - ls - 0.5 * LOG_2PI;
      }
      if (logp) logp[b] = acc;
    }
    return out;
  },
};

/**
 * tanh(u) with u ~ N(mean, exp(logStd)^2): SAC's squashed Gaussian. The log-density of the
 * squashed action uses the numerically stable log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u))
 * (as in SB3 / Spinning Up). It has no closed-form entropy: use -logProb of a sample.
 */
export const TanhGaussian = {
  /** Reparameterized sample with the given standard-normal noise [B, d]: {action, logProb [B]}. */
  rsample(mean: Tensor, logStd: Tensor, noise: Tensor): { action: Tensor; logProb: Tensor } {
    return tf.tidy(() => {
      const std = tf.exp(logStd);
      const u = tf.add(mean, tf.mul(std, noise));
      const action = tf.tanh(u);
      const gaussLp = tf.sub(tf.mul(tf.square(noise), -0.5), tf.add(logStd, 0.5 * LOG_2PI));
      const corr = tf.mul(tf.sub(tf.sub(LOG2, u), tf.softplus(tf.mul(u, -2))), 2);
      return { action, logProb: tf.sum(tf.sub(gaussLp, corr), -1) };
    });
  },
  /** log p(tanh(u)) for pre-squash values u [B, d] -> [B]. */
  logProbPreTanh(mean: Tensor, logStd: Tensor, u: Tensor): Tensor {
    return tf.tidy(() => {
      const z = tf.mul(tf.sub(u, mean), tf.exp(tf.neg(logStd)));
      const gaussLp = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(logStd, 0.5 * LOG_2PI));
      const corr = tf.mul(tf.sub(tf.sub(LOG2, u), tf.softplus(tf.mul(u, -2))), 2);
      return tf.sum(tf.sub(gaussLp, corr), -1);
    });
  },
  /** Samples tanh(mean + std * eps) (or tanh(mean)) into `out`, row-major [B, d]. */
  sample(mean: ArrayLike<number>, logStd: ArrayLike<number>, rng: Rng, out: Float32Array, deterministic = false): Float32Array {
    for (let i = 0; i < out.length; i++) {
      const eps = deterministic ? 0 : rng.normal();
      out[i] = Math.tanh(mean[i] + Math.exp(logStd[i]) * eps);
    }
    return out;
  },
};

/** Standard-normal noise [rows, cols] from a seeded Rng, as a tensor. */
export function normalNoise(rng: Rng, rows: number, cols: number): Tensor {
  const a = new Float32Array(rows * cols);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return tf.tensor2d(a, [rows, cols]);
}
