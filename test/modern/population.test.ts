/**
 * PPOPopulation: S PPO agents as one batched program. The reference for member k is an
 * independent run of algos/ppo.ts's PPO with member k's seed and config, driven the same way
 * (beginTraining, then learnIteration): the batched kernels sum in another order at most, so
 * episodes (which depend on sampled actions) must be identical over a few iterations and losses
 * and weights equal to float32 rounding.
 */
import { test } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { backend } from "../../src/nn/backend.js";
import { tf } from "../../src/nn/tf.js";
import { Rng } from "../../src/core/rng.js";
import { PPO, ppoLoss, type PPOConfig } from "../../src/algos/ppo.js";
import { ConfigError, type IterationResult } from "../../src/algos/base.js";
import { readTensors } from "../../src/nn/read.js";
import { PPOPopulation, type PopulationLayout } from "../../src/population/ppo.js";
import { ppoLossPieces } from "../../src/algos/losses.js";
import { seedBand, seedBandChart, seedCurves, tQuantile975 } from "../../src/population/curves.js";
import { train } from "../../src/train/train.js";

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}

async function compareWithSolo(id: "CartPole-v1" | "Pendulum-v1", numEnvs: number, seeds: number[], shared: Partial<PPOConfig>, perMember: Partial<PPOConfig>[], iterations: number, layout: PopulationLayout): Promise<void> {
  await backend("wasm");
  const steps = 100_000;
  const pop = new PPOPopulation({ env: () => make(id, { numEnvs }), seeds, config: shared, configs: perMember, layout });
  pop.beginTraining(steps);
  const popIts: IterationResult[] = [];
  for (let i = 0; i < iterations; i++) popIts.push(await pop.learnIteration());
  for (let k = 0; k < seeds.length; k++) {
    const solo = new PPO(make(id, { numEnvs }), { ...shared, ...perMember[k], seed: seeds[k] });
    solo.beginTraining(steps);
    for (let i = 0; i < iterations; i++) {
      const it = await solo.learnIteration();
      const rec = pop.curves[k][i];
      assert.equal(rec.step, solo.numTimesteps, `member ${k} iteration ${i}: env steps`);
      assert.equal(rec.episodes, it.episodes.length, `member ${k} iteration ${i}: episodes`);
      if (it.episodes.length) close(rec.episodeReturn, it.episodes.reduce((a, e) => a + e.return, 0) / it.episodes.length, 1e-9, `member ${k} iteration ${i}: mean return`);
      for (const name of ["policyLoss", "valueLoss", "entropy", "approxKl", "gradNorm", "explainedVariance", "learningRate", "epochs"]) {
        close(rec[name], it.losses[name], 2e-3, `member ${k} iteration ${i}: ${name}`);
      }
    }
    // The solo run's weights against member k's.
    const soloW = await readTensors([...solo.actor.variables, ...solo.critic.variables]);
    const popW = await pop.memberWeights(k);
    soloW.forEach((w, j) => {
      const part = popW[j];
      let maxDiff = 0;
      for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(part[i] - w[i]));
      assert.ok(maxDiff < 1e-4, `member ${k} weight ${j}: max |difference| ${maxDiff}`);
    });
    solo.dispose();
  }
  pop.dispose();
}

test("member k of a PPO population equals a solo PPO run with seed k (CartPole, a per-member learning-rate / entropy grid)", async () => {
  await compareWithSolo(
    "CartPole-v1",
    4,
    [3, 11, 42],
    { nSteps: 32, batchSize: 48, nEpochs: 3, gaeLambda: 0.9 },
    [{ learningRate: 1e-3 }, { learningRate: 3e-4, entCoef: 0.0 }, { clipRange: 0.1, targetKl: 0.001 }],
    3,
    "members",
  );
});

test("member k of a PPO population equals a solo PPO run with seed k (Pendulum, Gaussian policy, clipped value loss)", async () => {
  await compareWithSolo("Pendulum-v1", 2, [0, 5], { nSteps: 64, batchSize: 64, nEpochs: 2, clipRangeVf: 0.2 }, [{}, { learningRate: 1e-3 }], 2, "members");
});

test("the stacked layout (one batched matmul per layer for all members, the GPU layout) gives the same members", async () => {
  await compareWithSolo("Pendulum-v1", 2, [0, 5], { nSteps: 64, batchSize: 64, nEpochs: 2, clipRangeVf: 0.2 }, [{}, { learningRate: 1e-3 }], 2, "stacked");
  await compareWithSolo("CartPole-v1", 4, [3, 11], { nSteps: 32, batchSize: 48, nEpochs: 2 }, [{ learningRate: 1e-3 }, { clipRange: 0.1, targetKl: 0.001 }], 2, "stacked");
});

test("ppoLossPieces with a masked mean on padded rows equals ppoLoss on each member's own rows", () => {
  const rng = new Rng(9);
  const S = 3;
  const B = 7;
  const lens = [7, 4, 1];
  const r = () => rng.normal();
  const rows = Array.from({ length: S * B }, () => ({ logp: r() * 0.1 - 1, old: r() * 0.1 - 1, adv: r(), v: r(), oldV: r(), ret: r() }));
  const clips = [0.2, 0.05, 0.3];
  const vfClips = [0.1, 0.5, 0.2];
  tf.tidy(() => {
    const t = (f: (x: (typeof rows)[0]) => number) => tf.tensor2d(rows.map(f), [S, B]);
    const mask = tf.tensor2d(Array.from({ length: S * B }, (_, i) => (i % B < lens[Math.floor(i / B)] ? 1 : 0)), [S, B]);
    const cnt = tf.tensor1d(lens);
    const mean = (x: tf.Tensor) => tf.div(tf.sum(tf.mul(x, mask), 1), cnt);
    const got = ppoLossPieces({ logp: t((x) => x.logp), oldLogp: t((x) => x.old), adv: t((x) => x.adv), value: t((x) => x.v), oldValue: t((x) => x.oldV), returns: t((x) => x.ret), clip: tf.tensor2d(clips, [S, 1]), clipVf: tf.tensor2d(vfClips, [S, 1]), mean });
    for (let k = 0; k < S; k++) {
      const own = rows.slice(k * B, k * B + lens[k]);
      const v = (f: (x: (typeof rows)[0]) => number) => tf.tensor1d(own.map(f));
      const want = ppoLoss({ logp: v((x) => x.logp), oldLogp: v((x) => x.old), adv: v((x) => x.adv), value: v((x) => x.v), oldValue: v((x) => x.oldV), returns: v((x) => x.ret), clip: clips[k], clipVf: vfClips[k] });
      for (const key of ["policyLoss", "valueLoss", "approxKl", "clipFraction"] as const) {
        close((got[key].arraySync() as number[])[k], want[key].arraySync() as number, 1e-6, `member ${k} ${key}`);
      }
    }
  });
});

test("a population trains through train(): per-seed curves, mean and 95% CI band, chart", async () => {
  await backend("wasm");
  const pop = new PPOPopulation({ env: () => make("CartPole-v1", { numEnvs: 4 }), seeds: [1, 2, 3, 4], config: { nSteps: 32, batchSize: 64, nEpochs: 2 } });
  const h = await train(pop, { steps: 1024 });
  assert.ok(pop.numTimesteps >= 1024 && h.length === pop.curves[0].length);
  assert.ok(pop.curves.every((c) => c.length === h.length), "one record per member per iteration");
  const rows = seedCurves(pop);
  assert.equal(rows.length, 4 * h.length);
  assert.deepEqual([...new Set(rows.map((r) => r.seed))], [1, 2, 3, 4]);
  const band = seedBand(pop);
  const last = band[band.length - 1];
  // The band at the last iteration, recomputed here from the members' own values.
  const ys = pop.curves.map((c) => {
    let v = NaN;
    for (const r of c) if (Number.isFinite(r.episodeReturn)) v = r.episodeReturn;
    return v;
  });
  const m = ys.reduce((a, b) => a + b, 0) / 4;
  const sd = Math.sqrt(ys.reduce((a, b) => a + (b - m) ** 2, 0) / 3);
  close(last.mean, m, 1e-12, "band mean");
  close(last.hi - last.mean, 3.182 * (sd / 2), 1e-9, "95% CI half-width with t(0.975, 3) = 3.182");
  const spec = seedBandChart(pop).spec as { layer: unknown[]; data: { values: { kind: string }[] } };
  assert.equal(spec.layer.length, 3);
  assert.equal(spec.data.values.filter((v) => v.kind === "seed").length, rows.filter((r) => Number.isFinite(r.episodeReturn)).length);
  // Acting uses member 0's policy; member(k) gives a standalone PPO with member k's weights.
  const obs = Float32Array.of(0.01, 0.02, -0.03, 0.04);
  const m2 = await pop.member(2, make("CartPole-v1", { numEnvs: 4 }));
  const w = await readTensors(m2.actor.variables);
  const own = await pop.memberWeights(2);
  w.forEach((a, j) => assert.deepEqual(a, own[j]));
  assert.ok([0, 1].includes(pop.act(obs, { deterministic: true }) as number));
  m2.dispose();
  pop.dispose();
});

test("t quantiles: table values and the normal limit", () => {
  // Student's t 97.5% quantiles from standard tables: df 1 -> 12.706, 9 -> 2.262, 15 -> 2.131, 120 -> 1.980.
  assert.equal(tQuantile975(1), 12.706);
  assert.equal(tQuantile975(9), 2.262);
  assert.equal(tQuantile975(15), 2.131);
  close(tQuantile975(120), 1.98, 1e-12, "df 120");
  assert.ok(tQuantile975(1e9) > 1.959 && tQuantile975(1e9) < 1.961);
});

test("bad input: members with other network shapes, a shared env, normalization, no seeds", () => {
  const env = () => make("CartPole-v1", { numEnvs: 2 });
  assert.throws(
    () => new PPOPopulation({ env, seeds: [0, 1], config: { nSteps: 16, batchSize: 32 }, configs: [{}, { netArch: [32] }] }),
    (e: unknown) => e instanceof ConfigError && /configs\[1\]\.netArch/.test(e.message) && /\[64,64\]/.test(e.message) && /network shapes/.test(e.message),
  );
  const shared = make("CartPole-v1", { numEnvs: 2 });
  assert.throws(() => new PPOPopulation({ env: () => shared, seeds: [0, 1], config: { nSteps: 16, batchSize: 32 } }), /a new env per member/);
  assert.throws(() => new PPOPopulation({ env, seeds: [0, 1], config: { normalizeObs: true, nSteps: 16, batchSize: 32 } }), /normalizeObs/);
  assert.throws(() => new PPOPopulation({ env, seeds: [] }), /seeds/);
  assert.throws(() => new PPOPopulation({ env, seeds: [0, 1], configs: [{}] }), /configs = .*2 per-member configs/);
  assert.throws(() => new PPOPopulation({ env, seeds: [0], config: { seed: 3 } }), /config\.seed/);
  assert.throws(() => new PPOPopulation({ env: (k) => make(k ? "Acrobot-v1" : "CartPole-v1", { numEnvs: 2 }), seeds: [0, 1], config: { nSteps: 16, batchSize: 32 } }), /env\(1\).*same spaces/);
  // A bad value in one member's config is PPO's own error.
  assert.throws(() => new PPOPopulation({ env, seeds: [0, 1], configs: [{}, { gamma: 2 }] }), (e: unknown) => e instanceof ConfigError && /gamma/.test(e.message));
});

test("population save / load: each member a PPO checkpoint, a loaded population resumes exactly, in either layout", async () => {
  await backend("wasm");
  const dir = await mkdtemp(path.join(tmpdir(), "ppo-pop-"));
  try {
    const env = () => make("Pendulum-v1", { numEnvs: 2 });
    const config = { nSteps: 32, batchSize: 32, nEpochs: 2 };
    for (const layout of ["members", "stacked"] as const) {
      const a = new PPOPopulation({ env, seeds: [4, 9], config, configs: [{}, { learningRate: 1e-3 }], layout });
      await train(a, { steps: 128 });
      await a.save(dir);
      const solo = await PPO.load(path.join(dir, "members", "1"), env());
      assert.deepEqual(await readTensors([...solo.actor.variables, ...solo.critic.variables]), await a.memberWeights(1));
      assert.equal(solo.config.learningRate, 1e-3);
      solo.dispose();
      const b = await PPOPopulation.load(dir, { env, layout });
      assert.deepEqual(b.curves, a.curves);
      await train(a, { steps: 128 });
      await train(b, { steps: 128 });
      assert.deepEqual(b.curves, a.curves, `${layout}: the resumed run's records equal the uninterrupted run's`);
      for (let k = 0; k < 2; k++) assert.deepEqual(await b.memberWeights(k), await a.memberWeights(k), `${layout}: member ${k} weights`);
      a.dispose();
      b.dispose();
    }
    // A checkpoint written in one layout loads in the other.
    const c = await PPOPopulation.load(dir, { env, layout: "members" });
    assert.equal(c.layout, "members");
    c.dispose();
    await assert.rejects(PPOPopulation.load(path.join(dir, "members", "0"), { env }), /holds a PPO agent, not PPOPopulation/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
