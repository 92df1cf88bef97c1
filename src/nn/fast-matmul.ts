/**
 * A dense layer whose backward pass stays on tfjs-wasm's fast path.
 *
 * On wasm a plain 2-D product (no transpose flags) runs through XNNPACK; a product with a
 * transpose flag, or a batched one, runs a generic loop several times slower (measured here: 32
 * products [251, 251] x [251, 16] took 83 ms batched, 8.7 ms as 2-D products, 129 ms as 2-D
 * products with a transposed operand). tfjs's automatic gradient of x W uses transposed
 * products (dy W^T, x^T dy); here they are explicit transposes followed by plain products, and
 * the bias gradient (a column sum, which tfjs-wasm also computes by transposing) is a product
 * with a row of ones. The same as the CrossQ critics' layers (algos/crossq.ts).
 * (Splitting a batched product into 2-D ones does not pay on wasm: tf.slice / tf.unstack copy
 * the whole input out of the wasm heap per slice, ~10 ms per MB here.)
 */
import { tf, type Tensor } from "./tf.js";

/** x [M, k] W [k, n] + b [n], differentiable, with plain 2-D products both ways (see the module comment). */
export const denseFast: (x: Tensor, w: Tensor, b: Tensor) => Tensor = tf.customGrad(((x: Tensor, w: Tensor, b: Tensor, save: (ts: Tensor[]) => void) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]!]), dy), [-1])],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: Tensor, w: Tensor, b: Tensor) => Tensor;
