import { test } from "node:test";
import assert from "node:assert/strict";
import { backend } from "../../src/nn/backend.js";
import { tf } from "../../src/nn/tf.js";
import { Adam } from "../../src/nn/optimizers.js";
import { CNN, GRU, LSTM, CausalTransformer, CausalTransformerBlock } from "../../src/nn/modules.js";

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** y = x W + b for a row vector x and W [in, out] (row-major). */
function affine(x: number[], W: Float32Array, b: Float32Array, out: number): number[] {
  const y = Array.from(b.slice(0, out));
  for (let k = 0; k < x.length; k++) for (let j = 0; j < out; j++) y[j] += x[k] * W[k * out + j];
  return y;
}

test("GRU and LSTM follow PyTorch's gate equations (checked in plain JS)", async () => {
  await backend("wasm");
  const gru = new GRU({ inputDim: 2, hiddenDim: 3, rng: 1 });
  const [wx, wh, bx, bh] = await gru.getWeights();
  const x = [0.5, -1.0];
  const h = [0.1, -0.2, 0.3];
  const gx = affine(x, wx, bx, 9);
  const gh = affine(h, wh, bh, 9);
  const want = [0, 1, 2].map((j) => {
    const r = sig(gx[j] + gh[j]);
    const z = sig(gx[3 + j] + gh[3 + j]);
    const n = Math.tanh(gx[6 + j] + r * gh[6 + j]);
    return (1 - z) * n + z * h[j];
  });
  const got = gru.step(tf.tensor2d([x]), tf.tensor2d([h])).dataSync();
  want.forEach((w, j) => assert.ok(Math.abs(got[j] - w) < 1e-5, `gru h[${j}] ${got[j]} vs ${w}`));
  const lstm = new LSTM({ inputDim: 2, hiddenDim: 3, rng: 2 });
  const [lwx, lwh, lb] = await lstm.getWeights();
  const c = [0.4, 0.0, -0.5];
  const g1 = affine(x, lwx, lb, 12);
  const g2 = affine(h, lwh, new Float32Array(12), 12);
  const g = g1.map((v, i) => v + g2[i]);
  const cw = [0, 1, 2].map((j) => sig(g[3 + j]) * c[j] + sig(g[j]) * Math.tanh(g[6 + j]));
  const hw = [0, 1, 2].map((j) => sig(g[9 + j]) * Math.tanh(cw[j]));
  const s = lstm.step(tf.tensor2d([x]), tf.tensor2d([h]), tf.tensor2d([c]));
  hw.forEach((w, j) => assert.ok(Math.abs(s.h.dataSync()[j] - w) < 1e-5, `lstm h[${j}]`));
  cw.forEach((w, j) => assert.ok(Math.abs(s.c.dataSync()[j] - w) < 1e-5, `lstm c[${j}]`));
  // Sequences: outputs [B, T, H], last output = final state.
  const seq = tf.randomNormal([2, 5, 2], 0, 1, "float32", 3);
  const r = gru.apply(seq);
  assert.deepEqual(r.outputs.shape, [2, 5, 3]);
  assert.deepEqual(Array.from(tf.slice(r.outputs, [0, 4, 0], [2, 1, 3]).dataSync()), Array.from(r.h.dataSync()));
  gru.dispose();
  lstm.dispose();
});

test("GRU learns a running sum; tensors released across updates", async () => {
  await backend("wasm");
  const gru = new GRU({ inputDim: 1, hiddenDim: 16, rng: 4 });
  const head = tf.variable(tf.randomNormal([16, 1], 0, 0.1, "float32", 5));
  const vars = [...gru.variables, head];
  const opt = new Adam(vars, { lr: 0.01 });
  const xs = tf.randomUniform([32, 6, 1], -0.5, 0.5, "float32", 6);
  const ys = tf.cumsum(xs, 1);
  const lossOf = () => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.reshape(tf.matMul(tf.reshape(gru.apply(xs).outputs, [32 * 6, 16]), head), [32, 6, 1]), ys))) as tf.Scalar);
  const first = lossOf().dataSync()[0];
  let n0 = 0;
  for (let i = 0; i < 150; i++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(lossOf, vars);
      opt.apply(vars.map((v) => grads[v.name]));
    });
    if (i === 1) n0 = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, n0, "tensor count stable across updates");
  const last = lossOf().dataSync()[0];
  assert.ok(last < first / 5, `loss ${first} -> ${last}`);
  gru.dispose();
  head.dispose();
  opt.dispose();
});

test("CNN: Nature-DQN shapes, orthogonal init, gradients flow", async () => {
  await backend("wasm");
  const cnn = new CNN({ inputShape: [36, 36, 2], outputDim: 4, hidden: 32, rng: 1 });
  assert.equal(cnn.flatDim, 1 * 1 * 64);
  const x = tf.randomUniform([3, 36, 36, 2], 0, 1, "float32", 2);
  const y = cnn.apply(x);
  assert.deepEqual(y.shape, [3, 4]);
  // Same as the textbook tf.conv2d forward pass.
  const ref = tf.tidy(() => {
    let h = x as tf.Tensor4D;
    for (const c of cnn.convs) h = tf.relu(tf.add(tf.conv2d(h, c.w as tf.Tensor4D, c.stride, "valid"), c.b)) as tf.Tensor4D;
    const z = tf.relu(tf.add(tf.matMul(tf.reshape(h, [3, cnn.flatDim]), cnn.dense[0].w), cnn.dense[0].b));
    return tf.add(tf.matMul(z, cnn.dense[1].w), cnn.dense[1].b);
  });
  const yd = y.dataSync();
  ref.dataSync().forEach((v, i) => assert.ok(Math.abs(v - yd[i]) < 1e-4 * (1 + Math.abs(v)), `conv output ${i}`));
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(cnn.apply(x))) as tf.Scalar, cnn.variables);
  for (const v of cnn.variables) {
    if (v.name.endsWith("bias") && !v.name.includes("dense_1")) continue;
    assert.ok(tf.sum(tf.abs(grads[v.name])).dataSync()[0] > 0, `gradient reaches ${v.name}`);
  }
  assert.throws(() => new CNN({ inputShape: [10, 10, 1], outputDim: 2 }), /too small/);
  cnn.dispose();
});

test("Causal transformer: position t never sees later positions; attention rows sum to 1; it learns", async () => {
  await backend("wasm");
  const blk = new CausalTransformerBlock({ dModel: 8, nHeads: 2, rng: 1 });
  const x = tf.randomNormal([1, 5, 8], 0, 1, "float32", 1).arraySync() as number[][][];
  const y1 = (blk.apply(tf.tensor3d(x)).arraySync() as number[][][])[0];
  const x2 = x.map((b) => b.map((row, t) => (t >= 3 ? row.map((v) => v + 5) : row)));
  const y2 = (blk.apply(tf.tensor3d(x2)).arraySync() as number[][][])[0];
  for (let t = 0; t < 3; t++) for (let j = 0; j < 8; j++) assert.ok(Math.abs(y1[t][j] - y2[t][j]) < 1e-5, `position ${t} changed when later inputs did`);
  assert.ok(y1[4].some((v, j) => Math.abs(v - y2[4][j]) > 1e-3), "later positions do change");
  const w = blk.attentionWeights(tf.tensor3d(x)).arraySync() as number[][][][];
  for (const head of w[0]) {
    head.forEach((row, i) => {
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      row.forEach((v, j) => j > i && assert.ok(v < 1e-6));
    });
  }
  // A 2-layer transformer learns to output the previous token (needs attention to t-1).
  const model = new CausalTransformer({ inputDim: 4, outputDim: 4, dModel: 16, nHeads: 2, nLayers: 2, maxLength: 8, rng: 2 });
  const opt = new Adam(model.variables, { lr: 3e-3 });
  const ids = tf.randomUniform([16, 8], 0, 4, "int32", 3);
  const inp = tf.oneHot(ids, 4).toFloat();
  const prev = tf.concat([tf.zeros([16, 1, 4]), tf.slice(inp, [0, 0, 0], [16, 7, 4])], 1);
  const lossOf = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.slice(prev, [0, 1, 0], [16, 7, 4]), tf.slice(model.apply(inp), [0, 1, 0], [16, 7, 4])) as tf.Scalar);
  const first = lossOf().dataSync()[0];
  for (let i = 0; i < 150; i++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(lossOf, model.variables);
      opt.apply(model.variables.map((v) => grads[v.name]));
    });
  }
  const last = lossOf().dataSync()[0];
  assert.ok(last < first / 3, `transformer loss ${first} -> ${last}`);
  assert.throws(() => model.apply(tf.zeros([1, 9, 4])), /exceeds maxLength 8/);
  model.dispose();
  blk.dispose();
  opt.dispose();
});
