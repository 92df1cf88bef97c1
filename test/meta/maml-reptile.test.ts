/**
 * MAML and Reptile on MAML's 2D navigation (goals uniform in [-0.5, 0.5]^2, horizon 100, one
 * inner VPG step with inner lr 0.1), trained through train(), meta-tested on held-out tasks.
 * Fast settings (smaller net and meta-batches than the paper's, a few meta-iterations): the
 * claims checked are the paper's qualitative ones, with the numbers printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { MAML, Reptile, RL2, Rng, train, navigation2DFamily, bernoulliBanditFamily, type MetricRecord } from "../../src/index.js";

const family = navigation2DFamily();
const split = new Rng(2024);
const testTasks = Array.from({ length: 10 }, () => family.sample(split));
const fast = { metaBatchSize: 10, episodesPerTask: 10, netArch: [32, 32] };
const ITERS = 15;

test("MAML on 2D navigation: post-adaptation beats pre-adaptation on held-out tasks", async () => {
  const maml = new MAML(family, { ...fast, seed: 1, testEvery: 5 }, { testTasks });
  const history: MetricRecord[] = await train(maml, { steps: ITERS * maml.stepsPerIteration });
  assert.ok(history.length >= ITERS, `${history.length} meta-iterations`);
  for (const r of history) assert.ok(Number.isFinite(r.preReturn) && Number.isFinite(r.postReturn) && Number.isFinite(r.episodeReturn));
  const tested = history.filter((r) => r.testPostReturn !== undefined);
  assert.ok(tested.length >= 3, "meta-test records every 5 iterations");
  const m = await maml.metaTest(testTasks, { seed: 7 });
  assert.equal(m.tasks.length, testTasks.length);

  console.log(`2D navigation, ${testTasks.length} held-out tasks, ${ITERS} meta-iterations: MAML pre ${m.preReturn.toFixed(2)} post ${m.postReturn.toFixed(2)}`);
  assert.ok(m.postReturn > m.preReturn, `MAML post ${m.postReturn} > pre ${m.preReturn}`);
  const improvedTasks = m.tasks.filter((t) => t.postReturn > t.preReturn).length;
  assert.ok(improvedTasks >= 6, `adaptation helped on ${improvedTasks} of 10 tasks`);
  maml.dispose();
});

test("Reptile on 2D navigation: post-adaptation beats pre-adaptation on held-out tasks", async () => {
  const rep = new Reptile(family, { ...fast, seed: 3, innerSteps: 2, outerLr: 0.5 });
  const before = await rep.metaTest(testTasks, { seed: 7 });
  const history = await train(rep, { steps: ITERS * rep.stepsPerIteration });
  assert.ok(history.length >= ITERS);
  assert.ok(history[history.length - 1].outerStepSize! < history[0].outerStepSize!, "outer step size is annealed");
  const r = await rep.metaTest(testTasks, { seed: 7 });
  console.log(`Reptile: before training pre ${before.preReturn.toFixed(2)}; after ${ITERS} iterations pre ${r.preReturn.toFixed(2)} post ${r.postReturn.toFixed(2)}`);
  assert.ok(r.postReturn > r.preReturn, `post ${r.postReturn} > pre ${r.preReturn}`);
  assert.ok(r.preReturn > before.preReturn, `meta-training improved the starting policy: ${r.preReturn} > ${before.preReturn}`);
  rep.dispose();
});

test("MAML checkpoints: a loaded agent meta-tests exactly as the saved one", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-maml-"));
  try {
    const maml = new MAML(family, { metaBatchSize: 2, episodesPerTask: 2, netArch: [8], seed: 5 });
    await maml.learnIteration();
    await maml.save(path.join(dir, "ck"));
    const back = await MAML.load(path.join(dir, "ck"), family);
    assert.equal(back.numTimesteps, maml.numTimesteps);
    const a = await maml.metaTest(testTasks.slice(0, 2), { seed: 1, episodesPerTask: 2 });
    const b = await back.metaTest(testTasks.slice(0, 2), { seed: 1, episodesPerTask: 2 });
    assert.deepEqual(b.tasks.map((t) => t.postReturn), a.tasks.map((t) => t.postReturn));
    await assert.rejects(Reptile.load(path.join(dir, "ck"), family), /MAML/);
    maml.dispose();
    back.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("bad inputs name the fix", async () => {
  assert.throws(() => new MAML("Navigation2D" as never), /family must be a task family \(e\.g\. navigation2DFamily\(\)\)/);
  assert.throws(() => new MAML(family, { innerSteps: 2, innerLr: [0.1] }), /innerLr lists 1 learning rates but innerSteps = 2/);
  assert.throws(() => new MAML(family, { innerLr: [0.1, -1], innerSteps: 2 }), /innerLr\[1\] = -1 is invalid/);
  assert.throws(() => new MAML(family, { innerLr: 0 }), /innerLr = 0 is invalid; accepted values: a finite number > 0/);
  assert.throws(() => new MAML(family, { metaBatchSize: 0 }), /metaBatchSize = 0 is invalid/);
  assert.throws(() => new MAML(family, { innerlr: 0.1 } as never), /a known MAML option/);
  assert.throws(() => new MAML(family, { testEvery: 5 }), /give testTasks/);
  assert.throws(() => new Reptile(bernoulliBanditFamily({ arms: 2 })), /use RL2 for/);
  // RL2 accepts Box action spaces since its Gaussian head (test/meta/rl2-continuous.test.ts checks its bad inputs).
  assert.throws(() => new RL2(bernoulliBanditFamily({ arms: 2 }), { numTrials: 2, minibatches: 4 }), /minibatches = 4 is invalid; accepted values: an integer <= numTrials/);
  const maml = new MAML(family, { metaBatchSize: 1, episodesPerTask: 1, netArch: [4], innerLr: [0.1], innerSteps: 1 });
  await assert.rejects(maml.metaTest([]), /at least one task/);
  await assert.rejects(maml.metaTest(testTasks, { innerSteps: 3 }), /innerLr schedule lists 1 rates; give innerSteps <= 1/);
  maml.dispose();
});
