/**
 * Batch renormalization (Ioffe 2017; CrossQ's critic normalization) against an independent
 * implementation of the equations in plain arrays: warmup (plain batch norm), clipped r and d
 * corrections, running statistics with momentum, evaluation mode, and the affine parameters;
 * and CrossQ (Bhatt et al. 2024), which puts it in SAC's critics in place of target networks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { tf } from "../../src/nn/tf.js";
import { BatchRenorm } from "../../src/nn/batch-renorm.js";
import type { Tensor } from "../../src/nn/tf.js";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { CrossQ } from "../../src/algos/crossq.js";
import { train } from "../../src/train/train.js";

const EPS = 1e-5;

/** Column means and biased variances of x [B, D]. */
function moments(x: number[][]): { mean: number[]; variance: number[] } {
  const B = x.length;
  const D = x[0].length;
  const mean = Array.from({ length: D }, (_, j) => x.reduce((s, r) => s + r[j], 0) / B);
  const variance = Array.from({ length: D }, (_, j) => x.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / B);
  return { mean, variance };
}

test("BatchRenorm forward (warmup, clipped corrections, eval mode) and running statistics match the equations", () => {
  const rng = new Rng(5);
  const D = 3;
  const gamma = [1.5, -0.5, 2];
  const beta = [0.1, 0.2, -0.3];
  const brn = new BatchRenorm(D, { momentum: 0.9, rMax: 1.5, dMax: 0.5, warmupSteps: 1 });
  brn.gamma.assign(tf.tensor1d(gamma));
  brn.beta.assign(tf.tensor1d(beta));
  let rm = [0, 0, 0];
  let rv = [1, 1, 1];
  const batches = [
    Array.from({ length: 6 }, () => Array.from({ length: D }, () => rng.normal())),
    // Shifted and spread so that r and d hit their clips (std ratio > 1.5, mean shift > 0.5 std).
    Array.from({ length: 6 }, () => Array.from({ length: D }, () => 4 + 3 * rng.normal())),
    Array.from({ length: 6 }, () => Array.from({ length: D }, () => 4.2 + 2.5 * rng.normal())),
  ];
  batches.forEach((x, step) => {
    const { mean, variance } = moments(x);
    const expected = x.map((row) =>
      row.map((v, j) => {
        const sB = Math.sqrt(variance[j] + EPS);
        const sR = Math.sqrt(rv[j] + EPS);
        const warm = step < 1;
        const r = warm ? 1 : Math.min(1.5, Math.max(1 / 1.5, sB / sR));
        const d = warm ? 0 : Math.min(0.5, Math.max(-0.5, (mean[j] - rm[j]) / sR));
        return gamma[j] * (((v - mean[j]) / sB) * r + d) + beta[j];
      }),
    );
    const y = tf.tidy(() => brn.apply(tf.tensor2d(x), true).arraySync()) as number[][];
    for (let i = 0; i < x.length; i++) for (let j = 0; j < D; j++) assert.ok(Math.abs(y[i][j] - expected[i][j]) < 1e-4, `step ${step} [${i}, ${j}]: ${y[i][j]} vs ${expected[i][j]}`);
    rm = rm.map((m, j) => 0.9 * m + 0.1 * mean[j]);
    rv = rv.map((v, j) => 0.9 * v + 0.1 * variance[j]);
    const gotM = brn.runningMean.arraySync() as number[];
    const gotV = brn.runningVar.arraySync() as number[];
    for (let j = 0; j < D; j++) {
      assert.ok(Math.abs(gotM[j] - rm[j]) < 1e-4, `running mean ${j}`);
      assert.ok(Math.abs(gotV[j] - rv[j]) < 1e-4, `running var ${j}`);
    }
  });
  assert.equal(brn.steps, 3);
  const before = brn.runningMean.arraySync();
  const x = [[0.5, -1, 2], [3, 0, 1]];
  const y = tf.tidy(() => brn.apply(tf.tensor2d(x), false).arraySync()) as number[][];
  for (let i = 0; i < 2; i++) for (let j = 0; j < D; j++) assert.ok(Math.abs(y[i][j] - (gamma[j] * (x[i][j] - rm[j]) / Math.sqrt(rv[j] + EPS) + beta[j])) < 1e-4, `eval [${i}, ${j}]`);
  assert.equal(brn.steps, 3, "evaluation does not count as a training step");
  assert.deepEqual(brn.runningMean.arraySync(), before, "evaluation leaves the running statistics alone");
  assert.throws(() => brn.apply(tf.zeros([2, 4]), true), /expected input \[batch, 3\]/);
  brn.dispose();
});

test("BatchRenorm's written-out gradient equals tfjs's autodiff of the plain formula (warmup and renorm phases)", () => {
  const rng = new Rng(11);
  const D = 4;
  const B = 7;
  const brn = new BatchRenorm(D, { momentum: 0.8, rMax: 1.2, dMax: 0.3, warmupSteps: 1 });
  brn.gamma.assign(tf.tensor1d([1.3, -0.7, 0.4, 2]));
  brn.beta.assign(tf.tensor1d([0.2, 0, -0.1, 0.5]));
  const w = tf.tensor2d(Array.from({ length: B * D }, () => rng.normal()), [B, D]);
  for (let step = 0; step < 3; step++) {
    const x = tf.tensor2d(Array.from({ length: B * D }, () => 1 + (step + 1) * rng.normal()), [B, D]);
    // Reference: the formula with tfjs ops and autodiff through the batch moments; r and d constants.
    const rm = brn.runningMean.clone();
    const rv = brn.runningVar.clone();
    const warm = brn.steps < brn.warmupSteps;
    const ref = (xi: Tensor, g: Tensor, b: Tensor): Tensor => {
      const { mean, variance } = tf.moments(xi, 0);
      const sB = tf.sqrt(tf.add(variance, 1e-5));
      const sR = tf.sqrt(tf.add(rv, 1e-5));
      const r = warm ? tf.onesLike(sB) : tf.tensor1d(tf.clipByValue(tf.div(sB, sR), 1 / 1.2, 1.2).arraySync() as number[]);
      const d = warm ? tf.zerosLike(sB) : tf.tensor1d(tf.clipByValue(tf.div(tf.sub(mean, rm), sR), -0.3, 0.3).arraySync() as number[]);
      return tf.add(tf.mul(tf.add(tf.mul(tf.div(tf.sub(xi, mean), sB), r), d), g), b);
    };
    const loss = (y: Tensor) => tf.sum(tf.mul(tf.square(y), w)) as tf.Scalar;
    const want = tf.grads((xi: Tensor, g: Tensor, b: Tensor) => loss(ref(xi, g, b)))([x, brn.gamma, brn.beta]).map((t) => t.arraySync() as number[] | number[][]);
    const got = tf.grads((xi: Tensor, g: Tensor, b: Tensor) => {
      assert.equal(g, brn.gamma);
      return loss(brn.apply(xi, true));
    })([x, brn.gamma, brn.beta]).map((t) => t.arraySync() as number[] | number[][]);
    const flat = (a: number[] | number[][]) => (a as number[][]).flat();
    ["x", "gamma", "beta"].forEach((name, i) => flat(want[i]).forEach((v, j) => assert.ok(Math.abs(flat(got[i])[j] - v) < 1e-3 * (1 + Math.abs(v)), `step ${step} d${name}[${j}]: ${flat(got[i])[j]} vs ${v}`)));
    tf.dispose([x, rm, rv]);
  }
  w.dispose();
  brn.dispose();
});

test("CrossQ trains its critics' batch renorm layers through train() (learning curve vs SAC: test/modern/notebook.test.ts)", async () => {
  // The comparison with SAC (CrossQ reaches SAC's best Pendulum evaluation at an earlier evaluation, seeds
  // 0-2) is asserted on the modern deep RL notebook's run of the same settings, which trains both anyway;
  // here only that the running statistics of every renorm layer were updated by a short run.
  const crossq = new CrossQ(make("Pendulum-v1"), { learningStarts: 50, batchSize: 16, netArch: [16, 16], criticArch: [32, 32], seed: 0 });
  await train(crossq, { steps: 120 });
  assert.ok(crossq.q1.norms.length > 0 && crossq.q1.norms.every((n) => n.steps > 0), "the critics' batch renorm layers were trained");
  crossq.dispose();
});

test("bad input: CrossQ needs batches of at least 2 and Box actions", () => {
  assert.throws(() => new CrossQ(make("Pendulum-v1"), { batchSize: 1 }), /batchSize/);
  assert.throws(() => new CrossQ(make("CartPole-v1")), /Box/);
});
