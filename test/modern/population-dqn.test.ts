/**
 * DQNPopulation: S DQN agents as one program. The reference for member k is an independent run
 * of algos/dqn.ts's DQN with member k's seed and config, driven the same way (beginTraining, then
 * learnIteration); on the cpu backend both are deterministic, so records must agree step for step
 * (episodes exactly; losses and weights to float32 rounding of the batched reductions).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { backend } from "../../src/nn/backend.js";
import { DQN, type DQNConfig } from "../../src/algos/dqn.js";
import { ConfigError } from "../../src/algos/base.js";
import { readTensors } from "../../src/nn/read.js";
import { DQNPopulation } from "../../src/population/dqn.js";
import { train } from "../../src/train/train.js";

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}

const shared: Partial<DQNConfig> = { learningStarts: 300, trainFreq: 8, gradientSteps: 2, batchSize: 32, netArch: [32, 32], targetUpdateInterval: 200, bufferSize: 5000, explorationFraction: 0.5 };

test("member k of a DQN population equals a solo DQN run with seed k (cpu backend; a grid over lr, double Q, Huber, n-step, clipping)", async () => {
  await backend("cpu");
  const seeds = [0, 7];
  const perMember: Partial<DQNConfig>[] = [{ learningRate: 1e-3 }, { learningRate: 5e-4, doubleQ: true, loss: "huber", nStep: 2, maxGradNorm: 10, tau: 0.5 }];
  const steps = 20_000;
  const iterations = 2;
  const pop = new DQNPopulation({ env: () => make("CartPole-v1", { numEnvs: 2 }), seeds, config: shared, configs: perMember });
  pop.beginTraining(steps);
  for (let i = 0; i < iterations; i++) await pop.learnIteration();
  for (let k = 0; k < seeds.length; k++) {
    const solo = new DQN(make("CartPole-v1", { numEnvs: 2 }), { ...shared, ...perMember[k], seed: seeds[k] });
    solo.beginTraining(steps);
    for (let i = 0; i < iterations; i++) {
      const it = await solo.learnIteration();
      const rec = pop.curves[k][i];
      assert.equal(rec.step, solo.numTimesteps, `member ${k} iteration ${i}: env steps`);
      assert.equal(rec.episodes, it.episodes.length, `member ${k} iteration ${i}: episodes`);
      assert.equal(rec.gradientSteps, solo.numGradientSteps, `member ${k} iteration ${i}: gradient steps`);
      if (it.episodes.length) close(rec.episodeReturn, it.episodes.reduce((a, e) => a + e.return, 0) / it.episodes.length, 1e-12, `member ${k} iteration ${i}: mean return`);
      close(rec.epsilon, it.losses.epsilon, 1e-12, `member ${k} iteration ${i}: epsilon`);
      for (const name of ["loss", "qValue"]) close(rec[name], it.losses[name], 1e-4, `member ${k} iteration ${i}: ${name}`);
    }
    assert.ok(solo.numGradientSteps > 200, `the runs trained (${solo.numGradientSteps} gradient steps)`);
    const soloW = await readTensors(solo.q.variables);
    const popW = await pop.memberWeights(k);
    soloW.forEach((w, j) => {
      let maxDiff = 0;
      for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(popW[j][i] - w[i]));
      assert.ok(maxDiff < 1e-4, `member ${k} weight ${j}: max |difference| ${maxDiff}`);
    });
    solo.dispose();
  }
  pop.dispose();
});

test("a DQN population trains through train(), saves each member as a DQN checkpoint, and a loaded population resumes exactly", async () => {
  await backend("wasm");
  const dir = await mkdtemp(path.join(tmpdir(), "dqn-pop-"));
  try {
    const env = () => make("CartPole-v1", { numEnvs: 2 });
    const a = new DQNPopulation({ env, seeds: [1, 2, 3], config: shared });
    await train(a, { steps: 1500 });
    assert.ok(a.curves.every((c) => c.length === a.curves[0].length && c.length >= 1));
    await a.save(dir);
    // Every member's folder is a DQN checkpoint of its own.
    const m1 = await DQN.load(path.join(dir, "members", "1"), env());
    assert.deepEqual(await readTensors(m1.q.variables), await a.memberWeights(1));
    m1.dispose();
    const b = await DQNPopulation.load(dir, { env });
    assert.deepEqual(b.seeds, [1, 2, 3]);
    assert.deepEqual(b.curves, a.curves);
    await train(a, { steps: 1200 });
    await train(b, { steps: 1200 });
    assert.deepEqual(b.curves, a.curves, "the resumed run's records equal the uninterrupted run's");
    for (let k = 0; k < 3; k++) assert.deepEqual(await b.memberWeights(k), await a.memberWeights(k), `member ${k} weights`);
    assert.ok([0, 1].includes(b.act([0.01, 0, 0.02, 0], { deterministic: true }) as number));
    a.dispose();
    b.dispose();
    await assert.rejects(DQNPopulation.load(path.join(dir, "members", "0"), { env }), /holds a DQN agent, not DQNPopulation/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("DQN population bad input: other network shapes or batch sizes, prioritized replay, HER, a shared env, no seeds", () => {
  const env = () => make("CartPole-v1", { numEnvs: 2 });
  assert.throws(
    () => new DQNPopulation({ env, seeds: [0, 1], configs: [{}, { netArch: [32] }] }),
    (e: unknown) => e instanceof ConfigError && /configs\[1\]\.netArch/.test(e.message) && /\[120,84\]/.test(e.message) && /network shapes and batchSize must match/.test(e.message),
  );
  assert.throws(() => new DQNPopulation({ env, seeds: [0, 1], configs: [{}, { batchSize: 64 }] }), /configs\[1\]\.batchSize/);
  assert.throws(() => new DQNPopulation({ env, seeds: [0, 1], config: { prioritized: true } }), /prioritized.*train a prioritized-replay agent alone/);
  const shared1 = make("CartPole-v1", { numEnvs: 2 });
  assert.throws(() => new DQNPopulation({ env: () => shared1, seeds: [0, 1] }), /a new env per member/);
  assert.throws(() => new DQNPopulation({ env, seeds: [] }), /seeds/);
  assert.throws(() => new DQNPopulation({ env, seeds: [0], config: { seed: 3 } }), /config\.seed/);
  assert.throws(() => new DQNPopulation({ env: () => make("Pendulum-v1"), seeds: [0] }), /Discrete|discrete/);
  assert.throws(() => new DQNPopulation({ env: (k) => make(k ? "Acrobot-v1" : "CartPole-v1", { numEnvs: 2 }), seeds: [0, 1] }), /env\(1\).*same spaces/);
});
