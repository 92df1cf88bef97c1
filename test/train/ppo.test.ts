import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile, rm, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { backend } from "../../src/nn/backend.js";
import { tf } from "../../src/nn/tf.js";
import { PPO, PPO_PRESETS, ppoLoss } from "../../src/algos/ppo.js";
import { ConfigError } from "../../src/algos/base.js";
import { CheckpointError } from "../../src/nn/checkpoint.js";
import { train } from "../../src/train/train.js";
import { evaluate } from "../../src/train/evaluate.js";

const cartpole = (n: number) => make("CartPole-v1", { numEnvs: n }) as VectorEnv;

test("PPO solves CartPole-v1 (mean of 20 deterministic episodes >= 475) within 100k steps, 3 of 3 seeds", async () => {
  await backend("wasm");
  const preset = PPO_PRESETS["CartPole-v1"];
  for (const seed of [1, 2, 3]) {
    const agent = new PPO(cartpole(preset.numEnvs), { ...preset.config, seed });
    const t0 = performance.now();
    // Early stop once a 20-episode evaluation is perfect; the budget is RL-Zoo's 100k steps.
    const run = train(agent, { steps: 100_000, evalEvery: 5_000, evalEnv: cartpole(20), evalEpisodes: 20, stopAtReturn: 500 });
    const hist = await run;
    const secs = (performance.now() - t0) / 1000;
    const ev = await evaluate(agent, cartpole(20), { episodes: 20, deterministic: true, seed: 1000 + seed });
    console.log(`PPO seed ${seed}: ${agent.numTimesteps} steps, ${secs.toFixed(1)} s, ${hist.length} iterations, eval ${ev.meanReturn} +- ${ev.stdReturn.toFixed(1)}`);
    assert.ok(agent.numTimesteps <= 100_000 + preset.numEnvs * (preset.config.nSteps ?? 0));
    assert.equal(ev.returns.length, 20);
    assert.ok(ev.meanReturn >= 475, `seed ${seed}: mean return ${ev.meanReturn}`);
    agent.dispose();
  }
});

test("PPO: no tensor-count growth across updates (discrete and continuous)", async () => {
  await backend("wasm");
  const discrete = new PPO(cartpole(4), { nSteps: 16, batchSize: 32, seed: 0 });
  const pend = make("Pendulum-v1", { numEnvs: 2 }) as VectorEnv;
  const continuous = new PPO(pend, { nSteps: 16, batchSize: 16, seed: 0, normalizeObs: true, normalizeReward: true });
  for (const agent of [discrete, continuous]) {
    agent.beginTraining(10_000);
    await agent.learnIteration();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await agent.learnIteration();
    agent.act(new Float32Array(agent.env.obsDim));
    assert.equal(tf.memory().numTensors, before, `${agent.env.name}: tensors leaked`);
  }
  const r = await continuous.learnIteration();
  for (const k of ["policyLoss", "valueLoss", "entropy", "approxKl", "clipFraction", "gradNorm"]) assert.ok(Number.isFinite(r.losses[k]), `${k} = ${r.losses[k]}`);
  discrete.dispose();
  continuous.dispose();
});

test("PPO loss: value and gradient match a hand computation (plain JS, finite differences) on a tiny batch", async () => {
  await backend("wasm");
  const logp = [-0.5, -1.2, -0.1, -2.0];
  const oldLogp = [-0.7, -1.0, -0.1, -1.5];
  const adv = [1.0, -0.5, 0.3, 2.0];
  const value = [0.2, 0.9, -0.4, 1.5];
  const oldValue = [0.1, 1.2, -0.3, 1.0];
  const returns = [0.5, 0.7, -0.2, 1.1];
  const clip = 0.2;
  const clipVf = 0.2;
  const byHand = (lp: number[], v: number[]) => {
    let pg = 0;
    let vl = 0;
    for (let i = 0; i < 4; i++) {
      const ratio = Math.exp(lp[i] - oldLogp[i]);
      pg += Math.max(-adv[i] * ratio, -adv[i] * Math.min(Math.max(ratio, 1 - clip), 1 + clip));
      const vc = oldValue[i] + Math.min(Math.max(v[i] - oldValue[i], -clipVf), clipVf);
      vl += Math.max((v[i] - returns[i]) ** 2, (vc - returns[i]) ** 2);
    }
    return pg / 4 + 0.5 * (vl / 4);
  };
  const f = (lp: tf.Tensor, v: tf.Tensor) => {
    const p = ppoLoss({ logp: lp, oldLogp: tf.tensor1d(oldLogp), adv: tf.tensor1d(adv), value: v, oldValue: tf.tensor1d(oldValue), returns: tf.tensor1d(returns), clip, clipVf });
    return tf.add(p.policyLoss, tf.mul(p.valueLoss, 0.5)) as tf.Scalar;
  };
  const { value: loss, grads } = tf.valueAndGrads(f)([tf.tensor1d(logp), tf.tensor1d(value)]);
  assert.ok(Math.abs(loss.dataSync()[0] - byHand(logp, value)) < 1e-5);
  const h = 1e-4;
  for (const [which, arr] of [
    [0, logp],
    [1, value],
  ] as const) {
    const g = grads[which].dataSync();
    for (let i = 0; i < 4; i++) {
      const up = [...arr];
      const dn = [...arr];
      up[i] += h;
      dn[i] -= h;
      const fd = which === 0 ? (byHand(up, value) - byHand(dn, value)) / (2 * h) : (byHand(logp, up) - byHand(logp, dn)) / (2 * h);
      assert.ok(Math.abs(g[i] - fd) < 1e-3, `d/d${which === 0 ? "logp" : "value"}[${i}]: ${g[i]} vs ${fd}`);
    }
  }
});

test("PPO config validation names the field and the accepted values", () => {
  const env = cartpole(4);
  assert.throws(() => new PPO(env, { learningRate: -1 }), (e: unknown) => e instanceof ConfigError && /learningRate = -1/.test(e.message) && /a number > 0/.test(e.message));
  assert.throws(() => new PPO(env, { nSteps: 8, batchSize: 64 }), (e: unknown) => e instanceof ConfigError && /batchSize = 64/.test(e.message) && /8 x 4 = 32/.test(e.message));
  assert.throws(() => new PPO(env, { activation: "gelu" as never }), (e: unknown) => e instanceof ConfigError && /"tanh" \| "relu"/.test(e.message));
  assert.throws(() => new PPO(env, { learningrate: 1 } as never), (e: unknown) => e instanceof ConfigError && /learningrate/.test(e.message) && /learningRate/.test(e.message));
  assert.throws(() => new PPO(env, { netArch: [64, 0] }), /netArch/);
  assert.throws(() => PPO.preset("Nope-v0" as never, env), /preset = "Nope-v0".*"CartPole-v1"/);
});

test("PPO checkpoint: save / load / resume is bit for bit on wasm; files are a tfjs LayersModel; corrupt or mismatched checkpoints get clear errors", async () => {
  await backend("wasm");
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-ppo-"));
  try {
    const cfg = { nSteps: 32, batchSize: 64, seed: 7, normalizeObs: true };
    const a = new PPO(cartpole(4), cfg);
    await train(a, { steps: 256 });
    const savedSteps = a.numTimesteps;
    assert.ok(savedSteps >= 256);
    const ck = path.join(dir, "ck");
    await a.save(ck);
    await a.save(ck); // overwriting an existing checkpoint is atomic too
    assert.deepEqual((await readdir(dir)).sort(), ["ck"], "no temporary or old directories left");
    await train(a, { steps: 512 });
    const b = await PPO.load(ck, cartpole(4));
    assert.equal(b.numTimesteps, savedSteps);
    await train(b, { steps: 512 });
    assert.equal(b.numTimesteps, a.numTimesteps);
    const wa = [...(await a.actor.getWeights()), ...(await a.critic.getWeights())];
    const wb = [...(await b.actor.getWeights()), ...(await b.critic.getWeights())];
    wa.forEach((w, i) => assert.deepEqual(wb[i], w, `weights ${i} differ after resume`));
    assert.deepEqual(await b.optimizer.getState(), await a.optimizer.getState());
    assert.deepEqual(b.rng.state, a.rng.state);
    // The actor is a plain tfjs LayersModel.
    const mj = JSON.parse(await readFile(path.join(ck, "actor", "model.json"), "utf8"));
    const wbin = await readFile(path.join(ck, "actor", "weights.bin"));
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: mj.weightsManifest[0].weights, weightData: new Uint8Array(wbin).buffer }));
    const c = await PPO.load(ck, cartpole(4));
    const x = tf.tensor2d([[0.01, 0.02, -0.03, 0.04]]);
    const direct = c.actor.apply(x).dataSync();
    const viaTfjs = (model.predict(x) as tf.Tensor).dataSync();
    direct.forEach((v, i) => assert.ok(Math.abs(v - viaTfjs[i]) < 1e-6, `LayersModel output ${viaTfjs[i]} vs ${v}`));
    model.dispose();
    // Mismatched env.
    await assert.rejects(PPO.load(ck, make("Pendulum-v1", { numEnvs: 2 }) as VectorEnv), (e: unknown) => e instanceof CheckpointError && /observation space/.test(e.message));
    // Corrupt weights.
    const wfile = path.join(ck, "critic", "weights.bin");
    const bytes = await readFile(wfile);
    bytes[10] ^= 0xff;
    await writeFile(wfile, bytes);
    await assert.rejects(PPO.load(ck, cartpole(4)), (e: unknown) => e instanceof CheckpointError && /critic\/weights.bin is corrupt/.test(e.message));
    await writeFile(path.join(ck, "checkpoint.json"), "{not json");
    await assert.rejects(PPO.load(ck, cartpole(4)), /checkpoint.json was modified or is corrupt/);
    await assert.rejects(PPO.load(path.join(dir, "nothing"), cartpole(4)), /no checkpoint.json/);
    for (const ag of [a, b, c]) ag.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
