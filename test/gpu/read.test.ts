import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, backend, readTensors, readScalars, readFloats } from "../../src/index.js";

test("readTensors returns each tensor's values and dtype, by one concatenated read or one read each, and disposes on request", async () => {
  await backend("wasm");
  for (const concat of [true, false]) {
    const f = tf.tensor2d([[1.5, -2], [3, 4.25]]);
    const i = tf.tensor1d([7, -3, 16777215], "int32"); // 2^24 - 1: the largest integer a float32 holds exactly
    const b = tf.tensor1d([true, false, true], "bool");
    const e = tf.zeros([0, 3]);
    const before = tf.memory().numTensors;
    const [fv, iv, bv, ev] = await readTensors([f, i, b, e], { dispose: true, concat });
    assert.ok(fv instanceof Float32Array && iv instanceof Int32Array && bv instanceof Uint8Array, `concat=${concat}: dtypes kept`);
    assert.deepEqual(Array.from(fv), [1.5, -2, 3, 4.25]);
    assert.deepEqual(Array.from(iv), [7, -3, 16777215]);
    assert.deepEqual(Array.from(bv), [1, 0, 1]);
    assert.equal(ev.length, 0);
    assert.equal(tf.memory().numTensors, before - 4, `concat=${concat}: inputs disposed, no temporaries left`);
  }
});

test("readScalars names each value and refuses a tensor that is not one value", async () => {
  await backend("wasm");
  const loss = tf.scalar(0.25);
  const kl = tf.tensor1d([0.5]);
  assert.deepEqual(await readScalars({ loss, kl }, { dispose: true, concat: true }), { loss: 0.25, kl: 0.5 });
  assert.ok(loss.isDisposed && kl.isDisposed);
  const v = tf.tensor1d([1, 2]);
  await assert.rejects(readScalars({ v }), /"v" has shape \[2\].*reduce it/);
  await assert.rejects(readFloats(v.mul(1).asType("int32")).then(() => readTensors([v, null as never])), /item 1 is not a tensor/);
  v.dispose();
  await assert.rejects(readTensors([v]), /already disposed/);
});
