/**
 * The learn2learn-like core: the inner update and the second-order meta-gradient against
 * references computed independently here (closed-form linear algebra and finite differences).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetaModule, Learner, diffTanh, diffExp, GaussianPolicy, Rng, tf } from "../../src/index.js";
type Tensor = ReturnType<typeof tf.tensor>;

// A tiny regression problem: model y = x . w, inner data (X1, y1), outer data (X2, y2).
const X1 = [
  [1, 2],
  [3, -1],
  [0.5, 0.25],
];
const y1 = [1, 0, -0.5];
const X2 = [
  [2, -1],
  [-1, 1.5],
];
const y2 = [0.3, 1];
const w0 = [0.5, -0.3];
const alpha = 0.1;

function mse(X: number[][], y: number[]) {
  const Xt = tf.tensor2d(X);
  const yt = tf.tensor1d(y);
  return (w: Tensor) => tf.mean(tf.square(tf.sub(tf.reshape(tf.matMul(Xt, tf.reshape(w, [2, 1])), [-1]), yt)));
}

// Closed form (derived by hand): L(w) = (1/n) |X w - y|^2, grad L = (2/n) X^T (X w - y).
// w' = w - alpha grad L1(w) = (I - (2 alpha / n1) X1^T X1) w + (2 alpha / n1) X1^T y1, so
// d L2(w') / d w = A^T grad L2(w') with A = I - (2 alpha / n1) X1^T X1 (A is symmetric).
function gradMse(X: number[][], y: number[], w: number[]): number[] {
  const g = [0, 0];
  for (let i = 0; i < X.length; i++) {
    const r = X[i][0] * w[0] + X[i][1] * w[1] - y[i];
    g[0] += (2 / X.length) * X[i][0] * r;
    g[1] += (2 / X.length) * X[i][1] * r;
  }
  return g;
}
const g1 = gradMse(X1, y1, w0);
const wAdapted = [w0[0] - alpha * g1[0], w0[1] - alpha * g1[1]];
const XtX = [
  [0, 0],
  [0, 0],
];
for (const row of X1) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) XtX[a][b] += row[a] * row[b];
const A = [0, 1].map((a) => [0, 1].map((b) => (a === b ? 1 : 0) - ((2 * alpha) / X1.length) * XtX[a][b]));
const gOuter = gradMse(X2, y2, wAdapted);
const secondOrder = [A[0][0] * gOuter[0] + A[1][0] * gOuter[1], A[0][1] * gOuter[0] + A[1][1] * gOuter[1]];

test("Learner.adapt takes the hand-computed gradient step", () => {
  const w = tf.variable(tf.tensor1d(w0));
  const l = new Learner([w], { lr: alpha });
  tf.tidy(() => {
    l.adapt((p) => mse(X1, y1)(p[0]));
    const got = Array.from(l.params[0].dataSync());
    got.forEach((v, i) => assert.ok(Math.abs(v - wAdapted[i]) < 1e-5, `w'[${i}] = ${v}, closed form ${wAdapted[i]}`));
  });
  w.dispose();
});

test("second-order meta-gradient equals the closed form; first-order drops the Hessian term", async () => {
  const w = tf.variable(tf.tensor1d(w0));
  const meta = new MetaModule([w]);
  for (const firstOrder of [false, true]) {
    const { loss, grads } = await meta.metaGradients(() => {
      const learner = meta.clone({ lr: alpha, firstOrder });
      learner.adapt((p) => mse(X1, y1)(p[0]));
      return mse(X2, y2)(learner.params[0]);
    });
    const got = Array.from(grads[0].dataSync());
    const want = firstOrder ? gOuter : secondOrder;
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `${firstOrder ? "first" : "second"}-order grad[${i}] = ${v}, closed form ${want[i]}`));
    const r = [0, 1].map((i) => X2[i][0] * wAdapted[0] + X2[i][1] * wAdapted[1] - y2[i]);
    assert.ok(Math.abs(loss - (r[0] ** 2 + r[1] ** 2) / 2) < 1e-5);
    tf.dispose(grads);
  }
  // The two differ on this problem, so the comparison above can tell them apart.
  assert.ok(Math.abs(secondOrder[0] - gOuter[0]) + Math.abs(secondOrder[1] - gOuter[1]) > 0.05);
  w.dispose();
});

test("second-order meta-gradient of a two-step adaptation of a tanh net matches central finite differences", async () => {
  // f(theta) = L_out(theta - a g1 - a g2(theta')) for a 2-3-1 tanh network.
  const shapes: [number, number][] = [
    [2, 3],
    [3, 1],
  ];
  const init = [Float32Array.from([0.3, -0.2, 0.5, 0.1, 0.4, -0.6]), Float32Array.from([0.7, -0.4, 0.2])];
  const xIn = tf.tensor2d([
    [0.5, -1],
    [1, 0.3],
    [-0.2, 0.8],
  ]);
  const yIn = tf.tensor2d([[0.2], [-0.3], [0.6]]);
  const xOut = tf.tensor2d([
    [0.1, 0.9],
    [-0.7, 0.4],
  ]);
  const yOut = tf.tensor2d([[0.5], [-0.1]]);
  const net = (p: readonly Tensor[], x: Tensor) => tf.matMul(diffTanh(tf.matMul(x, p[0])), p[1]);
  const loss = (x: Tensor, y: Tensor) => (p: readonly Tensor[]) => tf.mean(tf.square(tf.sub(net(p, x), y)));
  const outer = (ps: readonly Tensor[]) => {
    const l = new Learner(ps, { lr: 0.5 });
    l.adapt(loss(xIn, yIn)).adapt(loss(xIn, yIn), 0.3);
    return loss(xOut, yOut)(l.params);
  };
  const vars = init.map((a, i) => tf.variable(tf.tensor2d(a, shapes[i])));
  const meta = new MetaModule(vars);
  const { grads } = await meta.metaGradients(() => outer(meta.variables));
  const analytic = grads.map((g) => Array.from(g.dataSync()));
  const value = (arrays: Float32Array[]) => tf.tidy(() => outer(arrays.map((a, i) => tf.tensor2d(a, shapes[i]))).dataSync()[0]);
  const eps = 1e-2;
  for (let v = 0; v < 2; v++) {
    for (let k = 0; k < init[v].length; k++) {
      const plus = init.map((a) => a.slice());
      const minus = init.map((a) => a.slice());
      plus[v][k] += eps;
      minus[v][k] -= eps;
      const fd = (value(plus) - value(minus)) / (2 * eps);
      assert.ok(Math.abs(fd - analytic[v][k]) < 2e-3 + 1e-2 * Math.abs(fd), `param ${v}[${k}]: autodiff ${analytic[v][k]}, finite difference ${fd}`);
    }
  }
  tf.dispose([...grads, ...vars, xIn, yIn, xOut, yOut]);
});

test("diffExp / diffTanh have the second derivatives of exp / tanh (tfjs's own cannot be differentiated twice)", () => {
  const x = tf.scalar(0.7);
  // d2/dx2 exp = exp; d2/dx2 tanh = -2 tanh (1 - tanh^2).
  assert.ok(Math.abs(tf.grad(tf.grad(diffExp))(x).dataSync()[0] - Math.exp(0.7)) < 1e-5);
  const t = Math.tanh(0.7);
  assert.ok(Math.abs(tf.grad(tf.grad(diffTanh))(x).dataSync()[0] - -2 * t * (1 - t * t)) < 1e-5);
  assert.throws(() => tf.grad(tf.grad(tf.tanh))(x), /Cannot compute gradient/);
});

test("GaussianPolicy.logProb equals the Gaussian density computed by hand", () => {
  const p = new GaussianPolicy({ obsDim: 2, actDim: 2, hidden: [3], activation: "tanh", initStd: 0.5, rng: new Rng(0) });
  const obs = [0.2, -0.4];
  const act = [0.05, -0.02];
  const w = p.variables.map((v) => Array.from(v.dataSync()));
  // Independent forward pass: tanh hidden layer, linear output, N(mean, 0.5^2) per dimension.
  const hid = [0, 1, 2].map((o) => Math.tanh(obs[0] * w[0][o] + obs[1] * w[0][3 + o] + w[1][o]));
  const mean = [0, 1].map((o) => hid[0] * w[2][o] + hid[1] * w[2][2 + o] + hid[2] * w[2][4 + o] + w[3][o]);
  const want = [0, 1].reduce((s, j) => s - 0.5 * ((act[j] - mean[j]) / 0.5) ** 2 - Math.log(0.5) - 0.5 * Math.log(2 * Math.PI), 0);
  const got = tf.tidy(() => p.logProb(p.variables, tf.tensor2d([obs]), tf.tensor2d([act])).dataSync()[0]);
  assert.ok(Math.abs(got - want) < 1e-4, `logProb ${got}, by hand ${want}`);
  p.dispose();
});

test("bad inputs name the fix", () => {
  const w = tf.variable(tf.tensor1d([1]));
  assert.throws(() => new Learner([w], { lr: 0 }), /lr must be a finite number > 0/);
  assert.throws(() => new MetaModule([]), /non-empty list/);
  const l = new Learner([w], { lr: 0.1 });
  assert.throws(() => l.adapt((p) => tf.mul(p[0], 2)), /loss must be a scalar/);
  w.dispose();
});
