/**
 * The one place rlbook imports TensorFlow.js from. Everything in src/ uses this `tf`, so the
 * backend chosen by {@link backend} (see backend.ts) applies to every network.
 */
import * as tf from "@tensorflow/tfjs";

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
