/**
 * Success rates in meta-training and meta-testing (Meta-World's metric: an episode succeeds if
 * `info.success` was set at any step), on train and held-out test tasks, through train():
 * first against a recount from the trajectories on a toy family whose success is a function of
 * the visited positions, then MAML on a Meta-World-style ML1 task with live records, Stop and a
 * checkpoint.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { MAML, Reptile, Rng, Wrapper, loadMujoco, ml1, ml5, navigation2DFamily, train, type Env, type MetricRecord, type TaskFamily } from "../../src/index.js";

const nav = navigation2DFamily();
type Goal = ReturnType<typeof nav.sample>;
const RADIUS = 0.15;

/** 2D navigation whose step reports success when the position it started from was within RADIUS of the goal. */
class SuccessNav extends Wrapper<Float32Array, Float32Array> {
  private last = new Float32Array(2);
  constructor(
    env: Env<Float32Array, Float32Array>,
    readonly goal: Goal,
  ) {
    super(env);
  }
  override reset(args?: Parameters<Env["reset"]>[0]) {
    const r = this.env.reset(args);
    this.last = Float32Array.from(r.obs);
    return r;
  }
  override step(action: Parameters<Env<Float32Array, Float32Array>["step"]>[0]) {
    const near = Math.hypot(this.last[0] - this.goal.goal[0], this.last[1] - this.goal.goal[1]) < RADIUS;
    const r = this.env.step(action);
    this.last = Float32Array.from(r.obs);
    return { ...r, info: { ...r.info, success: near } };
  }
}
const successNav: TaskFamily<Goal> = { ...nav, name: "SuccessNav", create: (p) => new SuccessNav(nav.create(p), p) };

test("meta-test success rates equal a recount from the visited positions; families without info.success report none", async () => {
  const split = new Rng(5);
  const tasks = Array.from({ length: 4 }, () => successNav.sample(split));
  const maml = new MAML(successNav, { metaBatchSize: 2, episodesPerTask: 6, netArch: [8], seed: 2, initStd: 2 });
  const r = await maml.metaTest(tasks, { seed: 3 });
  // Independent recount: an episode succeeds iff some observation row (a position it stepped from) is within RADIUS.
  const rate = (trajs: Float32Array[], g: Goal) => trajs.filter((t) => Array.from({ length: t.length / 2 }, (_, k) => Math.hypot(t[2 * k] - g.goal[0], t[2 * k + 1] - g.goal[1]) < RADIUS).some(Boolean)).length / trajs.length;
  let all = 0;
  for (const t of r.tasks) {
    assert.equal(t.preSuccess, rate(t.preTrajectories, t.task));
    assert.equal(t.postSuccess, rate(t.postTrajectories, t.task));
    all += t.preSuccess!;
  }
  assert.ok(Math.abs(r.preSuccess! - all / tasks.length) < 1e-12, "equal episodes per task: the overall rate is the mean of the tasks'");
  assert.ok(r.tasks.some((t) => t.preSuccess! > 0) && r.tasks.some((t) => t.preSuccess! < 1), `the toy has both outcomes: ${r.tasks.map((t) => t.preSuccess).join(", ")}`);
  // The adaptation curve: the mean return after 0, 1, 2 inner steps, its ends the pre / post returns.
  const curve = await maml.metaTest(tasks, { seed: 3, innerSteps: 2 });
  assert.equal(curve.stepReturns.length, 3);
  assert.equal(curve.stepReturns[0], curve.preReturn);
  assert.ok(Math.abs(curve.stepReturns[2] - curve.postReturn) < 1e-9);
  assert.equal(curve.stepSuccess[2], curve.postSuccess);
  assert.deepEqual(curve.tasks[1].stepReturns.length, 3);
  maml.dispose();
  const bare = new Reptile(nav, { metaBatchSize: 2, episodesPerTask: 2, netArch: [8], seed: 2 });
  const b = await bare.metaTest(tasks, { seed: 3 });
  assert.equal(b.preSuccess, undefined);
  assert.equal(b.tasks[0].postSuccess, undefined);
  const h = await train(bare, { steps: 1 });
  assert.equal(h[0].preSuccess, undefined, "no success metric in the records of a family without one");
  bare.dispose();
});

test("MAML on ML1 reach through train(): pre/post returns and success rates on train and held-out test variations, Stop, checkpoint", { timeout: 600_000 }, async () => {
  await loadMujoco();
  const bench = ml1("reach", { seed: 0, variations: 10 });
  // Short episodes (Meta-World: 500 steps) keep the test fast; the family is a plain object.
  const family = { ...bench.family, maxEpisodeSteps: 20 };
  const maml = new MAML(family, { metaBatchSize: 2, episodesPerTask: 2, netArch: [16], seed: 0, testEvery: 1 }, { trainTasks: bench.trainTasks, testTasks: bench.testTasks.slice(0, 2) });
  const records: MetricRecord[] = [];
  const history = await train(maml, {
    steps: 3 * maml.stepsPerIteration,
    callbacks: (r) => {
      records.push(r);
      return records.length < 2; // Stop after the second iteration, as a Stop button would
    },
  });
  assert.equal(history.length, 2, "stopped by the callback");
  for (const r of history) {
    for (const k of ["preReturn", "postReturn", "testPreReturn", "testPostReturn", "trainPreReturn", "trainPostReturn"]) assert.ok(Number.isFinite(r[k]), `${k} = ${r[k]}`);
    for (const k of ["preSuccess", "postSuccess", "testPreSuccess", "testPostSuccess", "trainPreSuccess", "trainPostSuccess"]) assert.ok(r[k]! >= 0 && r[k]! <= 1, `${k} = ${r[k]}`);
  }
  const t = await maml.metaTest(bench.testTasks.slice(0, 2), { seed: 1 });
  assert.equal(t.tasks.length, 2);
  assert.ok(t.preSuccess !== undefined && t.tasks.every((x) => x.postSuccess !== undefined && x.task.name === "reach"));
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-maml-ml1-"));
  try {
    await maml.save(path.join(dir, "ck"));
    const back = await MAML.load(path.join(dir, "ck"), family, { trainTasks: bench.trainTasks, testTasks: bench.testTasks.slice(0, 2) });
    assert.equal(back.iterations, 2);
    assert.deepEqual((await back.metaTest(bench.testTasks.slice(0, 1), { seed: 4, episodesPerTask: 1 })).preReturn, (await maml.metaTest(bench.testTasks.slice(0, 1), { seed: 4, episodesPerTask: 1 })).preReturn);
    back.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  maml.dispose();
});

test("Reptile on the ML10-shaped split (ml5: five train classes, two held-out classes): success rates on held-out classes", { timeout: 600_000 }, async () => {
  await loadMujoco();
  const bench = ml5({ seed: 0, variations: 2 });
  const family = { ...bench.family, maxEpisodeSteps: 15 };
  const testTasks = [bench.testTasks[0], bench.testTasks[bench.testTasks.length - 1]];
  assert.deepEqual(testTasks.map((t) => t.name), ["drawer-close", "window-close"]);
  const rep = new Reptile(family, { metaBatchSize: 2, episodesPerTask: 2, innerSteps: 1, netArch: [16], seed: 0, testEvery: 1 }, { trainTasks: bench.trainTasks, testTasks });
  const [r] = await train(rep, { steps: 1 });
  for (const k of ["preSuccess", "postSuccess", "testPreSuccess", "testPostSuccess", "trainPreSuccess", "trainPostSuccess"]) assert.ok(r[k]! >= 0 && r[k]! <= 1, `${k} = ${r[k]}`);
  const t = await rep.metaTest(testTasks, { seed: 2, episodesPerTask: 2 });
  assert.deepEqual(t.tasks.map((x) => x.task.name), ["drawer-close", "window-close"]);
  assert.ok(t.tasks.every((x) => x.preSuccess !== undefined && x.postSuccess !== undefined));
  rep.dispose();
});
