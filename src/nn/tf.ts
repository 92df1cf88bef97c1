/**
 * The one place rlbook imports TensorFlow.js from. Everything in src/ uses this `tf`, so the
 * backend chosen by {@link backend} (see backend.ts) applies to every network.
 */
import * as tf from "@tensorflow/tfjs";

// Networks built before a backend is chosen (agents are constructed synchronously) hold their
// tensors on tfjs's CPU backend until backend() moves them. Start that backend now, quietly: on
// its first tensor it prints advice to install tfjs-node into the user's cell, and rlbook
// chooses its backend itself (backend.ts; the README covers the optional native ones).
if (!tf.getBackend()) {
  void tf.setBackend("cpu");
  const cpu = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
