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
import { SAC, SAC_PRESETS } from "../../src/algos/sac.js";
import { twinCriticLoss } from "../../src/algos/losses.js";
import { ConfigError } from "../../src/algos/base.js";
import { train } from "../../src/train/train.js";
import { evaluate } from "../../src/train/evaluate.js";

const pendulum = (n: number) => make("Pendulum-v1", { numEnvs: n }) as VectorEnv;

test("SAC reaches a mean return >= -200 on Pendulum-v1 within 20,000 steps", async () => {
  await backend("wasm");
  const p = SAC_PRESETS["Pendulum-v1/fast"];
  const agent = new SAC(pendulum(p.numEnvs), { ...p.config, seed: 1 });
  const t0 = performance.now();
  await train(agent, { steps: 20_000 });
  const ev = await evaluate(agent, pendulum(10), { episodes: 20, deterministic: true, seed: 3 });
  console.log(`SAC Pendulum: ${agent.numTimesteps} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s, eval ${ev.meanReturn.toFixed(1)} +- ${ev.stdReturn.toFixed(1)}`);
  assert.ok(agent.numTimesteps <= 20_000 + 200);
  assert.ok(ev.meanReturn >= -200, `mean return ${ev.meanReturn}`);
  agent.dispose();
});

test("SAC actor gradient (hand-written critic backward + vjp) equals tfjs autodiff through the whole actor loss", async () => {
  await backend("wasm");
  const agent = new SAC(pendulum(1), { netArch: [8, 8], seed: 3, batchSize: 4, learningStarts: 0 });
  const obs = tf.tensor2d([0.1, 0.9, -0.3, -0.5, 0.2, 1.0, 0.7, -0.7, 0.4, 0.0, 1.0, 0.0], [4, 3]);
  const noise = tf.tensor2d([0.3, -1.2, 0.5, 2.0], [4, 1]);
  const alpha = tf.scalar(0.3);
  const mine = tf.tidy(() => {
    const g = (agent as unknown as { actorGrads(o: tf.Tensor, n: tf.Tensor, a: tf.Tensor): { loss: tf.Tensor; grads: tf.Tensor[] } }).actorGrads(obs, noise, alpha);
    return [g.loss, ...g.grads].map((t) => Array.from(t.dataSync()));
  });
  const ref = tf.tidy(() => {
    const s = agent as unknown as { sampleAction(o: tf.Tensor, n: tf.Tensor): { action: tf.Tensor; logProb: tf.Tensor } };
    const { value, grads } = tf.variableGrads(() => {
      const { action, logProb } = s.sampleAction(agent.actor.apply(obs), noise);
      const sa = tf.concat([obs, action], 1);
      const q = tf.reshape(tf.minimum(agent.q1.apply(sa), agent.q2.apply(sa)), [-1]);
      return tf.mean(tf.sub(tf.mul(alpha, logProb), q)) as tf.Scalar;
    }, agent.actor.variables);
    return [value, ...agent.actor.variables.map((v) => grads[v.name])].map((t) => Array.from(t.dataSync()));
  });
  mine.forEach((m, i) => m.forEach((x, j) => assert.ok(Math.abs(x - ref[i][j]) < 1e-4 * (1 + Math.abs(ref[i][j])), `tensor ${i}[${j}]: ${x} vs ${ref[i][j]}`)));
  // Critic loss by hand.
  const q1 = [1, 2, 3];
  const q2 = [1.5, 1, 2];
  const y = [0.5, 2, 4];
  const hand = q1.reduce((s, _, i) => s + (q1[i] - y[i]) ** 2, 0) / 3 + q2.reduce((s, _, i) => s + (q2[i] - y[i]) ** 2, 0) / 3;
  assert.ok(Math.abs(twinCriticLoss(tf.tensor1d(q1), tf.tensor1d(q2), tf.tensor1d(y)).dataSync()[0] - hand) < 1e-5);
  agent.dispose();
});

test("SAC: continuous actions only; no tensor growth; save/load resume bit for bit", async () => {
  await backend("wasm");
  assert.throws(() => new SAC(make("CartPole-v1", { numEnvs: 1 }) as VectorEnv), (e: unknown) => e instanceof ConfigError && /Box \(continuous\)/.test(e.message));
  assert.throws(() => new SAC(pendulum(1), { tau: 2 }), /tau = 2.*<= 1/);
  const cfg = { netArch: [16, 16], batchSize: 32, learningStarts: 64, seed: 9, bufferSize: 5000 };
  const a = new SAC(pendulum(2), cfg);
  await train(a, { steps: 400 });
  const n0 = tf.memory().numTensors;
  await train(a, { steps: 400 });
  assert.equal(tf.memory().numTensors, n0, "tensors leaked");
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-sac-"));
  try {
    await a.save(dir);
    await train(a, { steps: 400 });
    const b = await SAC.load(dir, pendulum(2));
    await train(b, { steps: 400 });
    assert.equal(b.numTimesteps, a.numTimesteps);
    const [wa, wb] = [await a.actor.getWeights(), await b.actor.getWeights()];
    wa.forEach((w, i) => assert.deepEqual(wb[i], w, `actor weight ${i}`));
    const [ta, tb] = [await a.q1Target.getWeights(), await b.q1Target.getWeights()];
    ta.forEach((w, i) => assert.deepEqual(tb[i], w, `q1 target weight ${i}`));
    assert.equal(b.alpha, a.alpha);
    b.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
    a.dispose();
  }
});
