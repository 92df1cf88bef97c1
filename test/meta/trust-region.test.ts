/**
 * MAML's TRPO outer step: conjugate gradient, the trust-region step and the finite-difference
 * Fisher-vector product against references computed independently here (exact linear algebra,
 * the closed-form Gaussian KL, nested autodiff), then MAML-TRPO on 2D navigation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GaussianPolicy, Learner, MAML, Rng, conjugateGradient, finiteDifferenceHvp, navigation2DFamily, tf, train, trustRegionStep } from "../../src/index.js";
type Tensor = ReturnType<typeof tf.tensor>;

// An SPD matrix and its inverse by the adjugate (worked by hand: det A = 4 (3*2 - 1) - 1 (2 - 0) = 18; cofactors 5, -2, 1, 8, -4, 11).
const A = [
  [4, 1, 0],
  [1, 3, 1],
  [0, 1, 2],
];
const Ainv = [
  [5 / 18, -2 / 18, 1 / 18],
  [-2 / 18, 8 / 18, -4 / 18],
  [1 / 18, -4 / 18, 11 / 18],
];
const mul = (M: number[][], v: ArrayLike<number>) => Float64Array.from(M.map((row) => row.reduce((s, m, j) => s + m * v[j], 0)));

test("the inverse used as reference is the inverse", () => {
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(mul(A, Ainv.map((r) => r[j]))[i] - (i === j ? 1 : 0)) < 1e-12);
});

test("conjugateGradient solves an SPD system in n iterations", async () => {
  const b = [1, -2, 0.5];
  let calls = 0;
  const x = await conjugateGradient(async (v) => (calls++, mul(A, v)), b, 10);
  const want = mul(Ainv, b);
  x.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-9, `x[${i}] = ${v}, A^-1 b = ${want[i]}`));
  assert.ok(calls <= 3, `exact in n = 3 iterations (${calls} products)`);
});

test("trustRegionStep takes the KL-constrained natural-gradient step on a quadratic", async () => {
  // loss(x) = g.(x - theta), KL(x) = 1/2 (x - theta)^T A (x - theta): the solution of
  // min loss s.t. KL <= delta is x - theta = -sqrt(2 delta / g^T A^-1 g) A^-1 g (Lagrange).
  const theta = Float64Array.from([0.5, -1, 2]);
  const g = Float64Array.from([1, 0.5, -1]);
  const delta = 0.01;
  const Aig = mul(Ainv, g);
  const gAig = g.reduce((s, x, i) => s + x * Aig[i], 0);
  const want = theta.map((t, i) => t - Math.sqrt((2 * delta) / gAig) * Aig[i]);
  const evaluate = async (x: Float64Array) => {
    const d = x.map((v, i) => v - theta[i]);
    return { loss: d.reduce((s, v, i) => s + v * g[i], 0), kl: 0.5 * d.reduce((s, v, i) => s + v * mul(A, d)[i], 0) };
  };
  const step = await trustRegionStep(theta, g, 0, async (v) => mul(A, v), evaluate, { maxKl: delta, cgIters: 10, cgDamping: 1e-9, backtrackRatio: 0.8, maxBacktracks: 15 });
  assert.equal(step.stepFraction, 1);
  step.params.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-7, `x[${i}] = ${v}, Lagrange ${want[i]}`));
  assert.ok(step.kl <= delta && step.kl > 0.999 * delta, `KL ${step.kl} at the radius ${delta}`);
  // A loss that no step lowers: every backtrack is rejected and theta is kept.
  const flat = await trustRegionStep(theta, g, 0, async (v) => mul(A, v), async () => ({ loss: 1, kl: 0 }), { maxKl: delta, cgIters: 10, cgDamping: 0, backtrackRatio: 0.5, maxBacktracks: 4 });
  assert.equal(flat.stepFraction, 0);
  assert.deepEqual(Array.from(flat.params), Array.from(theta));
});

test("GaussianPolicy.meanKl is the closed-form KL; its finite-difference Hessian-vector product through a second-order inner step matches nested autodiff", async () => {
  const policy = new GaussianPolicy({ obsDim: 2, actDim: 2, hidden: [3], activation: "tanh", initStd: 0.8, rng: new Rng(3) });
  const obs = tf.tensor2d([
    [0.2, -0.4],
    [0.5, 0.1],
    [-0.3, 0.7],
  ]);
  const acts = tf.tensor2d([
    [0.1, -0.2],
    [0.4, 0.3],
    [-0.5, 0.2],
  ]);
  const adv = tf.tensor1d([1, -0.5, 0.3]);
  const oldMean = tf.tensor2d([
    [0.05, 0.1],
    [-0.2, 0.3],
    [0.1, -0.1],
  ]);
  const oldLogStd = tf.tensor1d([-0.1, 0.2]);
  const shapes = policy.variables.map((v) => v.shape);
  const theta = Float64Array.from(policy.variables.flatMap((v) => Array.from(v.dataSync())));
  const unflatten = (flat: ArrayLike<number>) => {
    let at = 0;
    return shapes.map((s) => {
      const n = s.reduce((a, b) => a * b, 1);
      const t = tf.tensor(Float32Array.from(Array.from(flat).slice(at, at + n)), s);
      at += n;
      return t;
    });
  };
  // The closed form per dimension, computed here from the policy's mean (its forward pass is checked elsewhere).
  const mean = tf.tidy(() => policy.mean(policy.variables, obs).arraySync() as number[][]);
  const ls = Array.from(policy.variables[policy.variables.length - 1].dataSync());
  const om = oldMean.arraySync() as number[][];
  const ols = Array.from(oldLogStd.dataSync());
  let want = 0;
  for (let r = 0; r < 3; r++) for (let j = 0; j < 2; j++) want += (ls[j] - ols[j] + (Math.exp(2 * ols[j]) + (om[r][j] - mean[r][j]) ** 2) / (2 * Math.exp(2 * ls[j])) - 0.5) / 3;
  const got = tf.tidy(() => policy.meanKl(policy.variables, obs, oldMean, oldLogStd).dataSync()[0]);
  assert.ok(Math.abs(got - want) < 1e-5, `meanKl ${got}, closed form ${want}`);

  // f(theta) = KL(old || pi_theta') with theta' = theta - 0.3 grad REINFORCE(theta) (second order).
  const f = (ps: readonly Tensor[]) => {
    const l = new Learner(ps, { lr: 0.3 }).adapt((p) => tf.neg(tf.mean(tf.mul(policy.logProb(p, obs, acts), adv))));
    return policy.meanKl(l.params, obs, oldMean, oldLogStd);
  };
  const gradAt = async (flat: Float64Array) =>
    Float64Array.from(
      tf.tidy(() => {
        const gs = tf.grads((...p: Tensor[]) => f(p))(unflatten(flat));
        return tf.concat(gs.map((g) => tf.reshape(g, [-1]))).dataSync();
      }),
    );
  const v = Float64Array.from({ length: theta.length }, (_, i) => Math.sin(i + 1));
  // Exact H v: the gradient of grad f . v (third order through the inner step).
  const exact = tf.tidy(() => {
    const vt = unflatten(v);
    const hv = tf.grads((...p: Tensor[]) => {
      const g = tf.grads((...q: Tensor[]) => f(q))(p);
      return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, vt[i]))));
    })(unflatten(theta));
    return Array.from(tf.concat(hv.map((h) => tf.reshape(h, [-1]))).dataSync());
  });
  const g0 = await gradAt(theta);
  const fd = await finiteDifferenceHvp(gradAt, theta, g0, v);
  const scale = Math.max(...exact.map(Math.abs));
  exact.forEach((e, i) => assert.ok(Math.abs(fd[i] - e) < 0.02 * scale, `Hv[${i}]: finite difference ${fd[i]}, autodiff ${e}`));
  tf.dispose([obs, acts, adv, oldMean, oldLogStd]);
  policy.dispose();
});

test("MAML-TRPO on 2D navigation: every accepted outer step stays in the KL radius and lowers the surrogate; held-out returns improve", async () => {
  const family = navigation2DFamily();
  const split = new Rng(2024);
  const testTasks = Array.from({ length: 6 }, () => family.sample(split));
  const maml = new MAML(family, { metaBatchSize: 6, episodesPerTask: 6, netArch: [16, 16], seed: 1, outerOptimizer: "trpo", maxKl: 0.01 });
  const before = await maml.metaTest(testTasks, { seed: 7 });
  const history = await train(maml, { steps: 6 * maml.stepsPerIteration });
  assert.ok(history.length >= 6, `${history.length} iterations`);
  for (const r of history) {
    assert.ok(r.outerKl! <= 0.01, `KL ${r.outerKl} <= 0.01`);
    if (r.stepFraction! > 0) assert.ok(r.outerLossAfter! < r.outerLoss!, `surrogate ${r.outerLoss} -> ${r.outerLossAfter}`);
  }
  assert.ok(history.filter((r) => r.stepFraction! > 0).length >= 4, "most steps accepted");
  const after = await maml.metaTest(testTasks, { seed: 7 });
  console.log(`MAML-TRPO, 6 iterations: held-out post-adaptation ${before.postReturn.toFixed(2)} -> ${after.postReturn.toFixed(2)}`);
  assert.ok(after.postReturn > before.postReturn + 5, `post-adaptation return ${before.postReturn} -> ${after.postReturn}`);
  assert.throws(() => new MAML(family, { outerOptimizer: "sgd" as never }), /outerOptimizer = "?sgd"? is invalid/);
  assert.throws(() => new MAML(family, { maxKl: 0 }), /maxKl = 0 is invalid/);
  maml.dispose();
});
