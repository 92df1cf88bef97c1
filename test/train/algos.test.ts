import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { backend } from "../../src/nn/backend.js";
import { tf } from "../../src/nn/tf.js";
import { A2C } from "../../src/algos/a2c.js";
import { REINFORCE, reinforceLoss } from "../../src/algos/reinforce.js";
import { DQN, DQN_PRESETS, dqnLoss, dqnTargets } from "../../src/algos/dqn.js";
import { MLP } from "../../src/nn/mlp.js";
import { train } from "../../src/train/train.js";
import { evaluate } from "../../src/train/evaluate.js";

const cartpole = (n: number) => make("CartPole-v1", { numEnvs: n }) as VectorEnv;

async function improvement(agent: A2C | REINFORCE, steps: number): Promise<{ before: number; after: number }> {
  const before = (await evaluate(agent, cartpole(20), { episodes: 20, deterministic: true, seed: 11 })).meanReturn;
  await train(agent, { steps });
  const after = (await evaluate(agent, cartpole(20), { episodes: 20, deterministic: true, seed: 12 })).meanReturn;
  return { before, after };
}

test("A2C improves CartPole-v1 markedly (50k steps, 8 envs, SB3 defaults) on every seed of 3", async () => {
  await backend("wasm");
  // 50k steps is a tenth of RL-Zoo's A2C CartPole budget (5e5), so single seeds vary widely.
  // Measured (20 deterministic episodes after 50k steps, Gymnasium-seeded starts), seeds 1-3:
  // 12.4 -> 117.6, 9.6 -> 74.5, 9.2 -> 500 (before Gymnasium seeding: 88, 207, 413). So the test asks
  // what every seed shows, learning (at least 4x the untrained return), and a mean of at least 150.
  const results: string[] = [];
  const afters: number[] = [];
  let improved = 0;
  for (const seed of [1, 2, 3]) {
    const agent = new A2C(cartpole(8), { seed });
    const { before, after } = await improvement(agent, 50_000);
    results.push(`seed ${seed}: ${before} -> ${after}`);
    afters.push(after);
    if (after >= 4 * before) improved++;
    agent.dispose();
  }
  console.log(`A2C: ${results.join("; ")}`);
  assert.equal(improved, 3, `A2C: ${results.join("; ")}`);
  assert.ok(afters.reduce((a, b) => a + b, 0) / afters.length >= 150, `A2C: ${results.join("; ")}`);
});

test("REINFORCE improves CartPole-v1 markedly (50k steps, 8 envs)", async () => {
  await backend("wasm");
  const agent = new REINFORCE(cartpole(8), { seed: 1 });
  const { before, after } = await improvement(agent, 50_000);
  console.log(`REINFORCE: ${before} -> ${after}`);
  assert.ok(after >= 200 && after >= 4 * before, `REINFORCE: ${before} -> ${after}`);
  agent.dispose();
});

test("REINFORCE loss: value and gradient by hand on a tiny batch", async () => {
  await backend("wasm");
  const logits = [0.2, -0.1, 1.0, 0.5, -0.3, 0.0];
  const actions = [1, 0, 1];
  const G = [1.5, -0.5, 0.25];
  const byHand = (lg: number[]) => {
    let s = 0;
    let ent = 0;
    for (let b = 0; b < 3; b++) {
      const z = Math.exp(lg[2 * b]) + Math.exp(lg[2 * b + 1]);
      s += (lg[2 * b + actions[b]] - Math.log(z)) * G[b];
      for (let j = 0; j < 2; j++) {
        const p = Math.exp(lg[2 * b + j]) / z;
        ent -= p * Math.log(p);
      }
    }
    return -s / 3 - 0.1 * (ent / 3);
  };
  const f = (lg: tf.Tensor) => {
    const lp = tf.sum(tf.mul(tf.logSoftmax(lg), tf.oneHot(tf.tensor1d(actions, "int32"), 2)), 1);
    const lsm = tf.logSoftmax(lg);
    const ent = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), 1)));
    return reinforceLoss(lp, tf.tensor1d(G), ent, 0.1) as tf.Scalar;
  };
  const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(logits, [3, 2]));
  assert.ok(Math.abs(value.dataSync()[0] - byHand(logits)) < 1e-5);
  const g = grad.dataSync();
  for (let i = 0; i < 6; i++) {
    const up = [...logits];
    const dn = [...logits];
    up[i] += 1e-3;
    dn[i] -= 1e-3;
    const fd = (byHand(up) - byHand(dn)) / 2e-3;
    assert.ok(Math.abs(g[i] - fd) < 1e-3, `dlogits[${i}]: ${g[i]} vs ${fd}`);
  }
});

test("DQN loss and targets: by hand (double Q picks the online argmax, termination and n-step discounts)", async () => {
  await backend("wasm");
  const online = new MLP(2, 3, { hidden: [4], activation: "relu", init: "torch", rng: 1 });
  const target = new MLP(2, 3, { hidden: [4], activation: "relu", init: "torch", rng: 2 });
  const next = tf.tensor2d([0.5, -1, 2, 0.3], [2, 2]);
  const qt = target.apply(next).arraySync() as number[][];
  const qo = online.apply(next).arraySync() as number[][];
  const rewards = [1, 0.5];
  const term = [0, 1];
  const disc = [0.99, 0.9801];
  for (const doubleQ of [false, true]) {
    const y = dqnTargets(target, online, next, tf.tensor1d(rewards), tf.tensor1d(term), tf.tensor1d(disc), doubleQ).dataSync();
    for (let b = 0; b < 2; b++) {
      const best = doubleQ ? qt[b][qo[b].indexOf(Math.max(...qo[b]))] : Math.max(...qt[b]);
      const want = rewards[b] + disc[b] * (1 - term[b]) * best;
      assert.ok(Math.abs(y[b] - want) < 1e-5, `doubleQ=${doubleQ} y[${b}] ${y[b]} vs ${want}`);
    }
  }
  // Huber (delta 1) and MSE with importance weights, value and gradient.
  const qa = [0.5, 3.0, -1.2];
  const yv = [0.0, 0.5, -1.0];
  const w = [1, 0.5, 2];
  const hub = (d: number) => (Math.abs(d) <= 1 ? 0.5 * d * d : Math.abs(d) - 0.5);
  for (const kind of ["huber", "mse"] as const) {
    const hand = (q: number[]) => q.reduce((s, x, i) => s + w[i] * (kind === "huber" ? hub(x - yv[i]) : (x - yv[i]) ** 2), 0) / 3;
    const { value, grad } = tf.valueAndGrad((q: tf.Tensor) => dqnLoss(q, tf.tensor1d(yv), tf.tensor1d(w), kind) as tf.Scalar)(tf.tensor1d(qa));
    assert.ok(Math.abs(value.dataSync()[0] - hand(qa)) < 1e-5, kind);
    const g = grad.dataSync();
    for (let i = 0; i < 3; i++) {
      const up = [...qa];
      const dn = [...qa];
      up[i] += 1e-3;
      dn[i] -= 1e-3;
      assert.ok(Math.abs(g[i] - (hand(up) - hand(dn)) / 2e-3) < 1e-3, `${kind} dq[${i}]`);
    }
  }
  online.dispose();
  target.dispose();
});

test("DQN: no tensor growth, n-step + prioritized replay run, save/load resume bit for bit", async () => {
  await backend("wasm");
  const cfg = { learningStarts: 200, batchSize: 32, trainFreq: 16, gradientSteps: 2, targetUpdateInterval: 100, nStep: 3, prioritized: true, netArch: [32, 32], seed: 5 };
  const a = new DQN(cartpole(4), cfg);
  await train(a, { steps: 600 });
  const before = tf.memory().numTensors;
  await train(a, { steps: 600 });
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  assert.ok(a.numGradientSteps > 0);
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-dqn-"));
  try {
    await a.save(dir + "/ck");
    const b = await DQN.load(dir + "/ck", cartpole(4));
    // Prioritized priorities are not saved (they are reset to 1): compare the uniform variant.
    const u = new DQN(cartpole(4), { ...cfg, prioritized: false });
    await train(u, { steps: 600 });
    await u.save(dir + "/u");
    await train(u, { steps: 800 });
    const v = await DQN.load(dir + "/u", cartpole(4));
    await train(v, { steps: 800 });
    assert.equal(v.numTimesteps, u.numTimesteps);
    const [wu, wv] = [await u.q.getWeights(), await v.q.getWeights()];
    wu.forEach((w, i) => assert.deepEqual(wv[i], w, `q weights ${i}`));
    for (const x of [a, b, u, v]) x.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("DQN solves CartPole-v1 (mean of 20 deterministic episodes >= 475) within 100k steps", async () => {
  await backend("wasm");
  const p = DQN_PRESETS["CartPole-v1/fast"];
  const agent = new DQN(cartpole(p.numEnvs), { ...p.config, seed: 1 });
  const t0 = performance.now();
  const run = train(agent, { steps: 100_000, evalEvery: 5_000, evalEnv: cartpole(20), evalEpisodes: 20, stopAtReturn: 500 });
  await run;
  const ev = await evaluate(agent, cartpole(20), { episodes: 20, deterministic: true, seed: 21 });
  console.log(`DQN: ${agent.numTimesteps} steps, ${agent.numGradientSteps} gradient steps, ${((performance.now() - t0) / 1000).toFixed(1)} s, stop: ${run.stopReason}, eval ${ev.meanReturn}`);
  assert.ok(ev.meanReturn >= 475, `DQN mean return ${ev.meanReturn}`);
  agent.dispose();
});
