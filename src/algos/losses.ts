/** Losses shared by several algorithms (each algorithm's own loss stays in its file). */
import { tf, type Tensor } from "../nn/tf.js";

/** mse(Q1, y) + mse(Q2, y): the twin critics' loss of SAC and TD3 (CleanRL's qf_loss). */
export function twinCriticLoss(q1: Tensor, q2: Tensor, y: Tensor): Tensor {
  return tf.add(tf.mean(tf.square(tf.sub(q1, y))), tf.mean(tf.square(tf.sub(q2, y))));
}

