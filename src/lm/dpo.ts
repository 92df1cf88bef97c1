/**
 * Direct Preference Optimization (Rafailov et al. 2023) and its IPO variant (Azar et al. 2023).
 *
 * DPO fits the policy to preference pairs directly, without a reward model or sampling: with
 * h = [log pi(y_w|x) - log pi(y_l|x)] - [log ref(y_w|x) - log ref(y_l|x)] (chosen y_w, rejected
 * y_l, sequence log-probabilities), the loss is -log sigmoid(beta * h) (the paper's eq. 7);
 * beta is the strength of the implicit KL constraint to the reference. IPO replaces it with
 * (h - 1/(2 beta))^2 (Azar et al. eq. 17), which does not push h to infinity on deterministic
 * preferences. Defaults as TRL's DPOConfig: beta 0.1, loss "sigmoid", label smoothing 0 (the
 * conservative DPO of Mitchell 2023 when > 0), and for IPO the log-probs averaged over the
 * completion's tokens, as TRL does.
 */
import { tf, type Tensor } from "../nn/tf.js";

/** Which preference loss: DPO's logistic loss, or IPO's squared loss. */
export type DpoLossType = "sigmoid" | "ipo";

/** Sequence log-probabilities of a batch of pairs under the policy and the frozen reference, each [B]. */
export interface PairLogProbs {
  policyChosen: Tensor;
  policyRejected: Tensor;
  refChosen: Tensor;
  refRejected: Tensor;
}

export interface DpoLossOptions {
  beta: number;
  lossType?: DpoLossType;
  /** Probability that a label is flipped (conservative DPO); 0 is plain DPO. Ignored by IPO. */
  labelSmoothing?: number;
}

/**
 * The DPO / IPO loss of a batch (a scalar tensor, differentiable in the policy's log-probs) and
 * the implicit rewards beta * (log pi - log ref) of the chosen and rejected completions [B].
 */
export function dpoLoss(lp: PairLogProbs, options: DpoLossOptions): { loss: Tensor; chosenRewards: Tensor; rejectedRewards: Tensor } {
  const { beta, lossType = "sigmoid", labelSmoothing = 0 } = options;
  return tf.tidy(() => {
    const h = tf.sub(tf.sub(lp.policyChosen, lp.policyRejected), tf.sub(lp.refChosen, lp.refRejected));
    let losses: Tensor;
    if (lossType === "ipo") {
      losses = tf.square(tf.sub(h, 1 / (2 * beta)));
    } else {
      // -log sigmoid(x) = softplus(-x), computed stably.
      const bh = tf.mul(h, beta);
      losses = tf.add(tf.mul(tf.softplus(tf.neg(bh)), 1 - labelSmoothing), tf.mul(tf.softplus(bh), labelSmoothing));
    }
    const chosenRewards = tf.mul(tf.sub(lp.policyChosen, lp.refChosen), beta);
    const rejectedRewards = tf.mul(tf.sub(lp.policyRejected, lp.refRejected), beta);
    return { loss: tf.mean(losses), chosenRewards, rejectedRewards };
  });
}
