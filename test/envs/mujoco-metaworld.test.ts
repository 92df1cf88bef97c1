/**
 * The Meta-World v2 tasks beyond reach / push: scripted policies written from each task's geometry
 * succeed on every sampled variation while random actions (almost) never do; rewards recomputed
 * here from Meta-World v2's compute_reward on the observed state; ML1 / MT / ML sets reproducible
 * from the seed with train and test variations that differ.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkEnv, loadMujoco, make, manipulationFamily, ManipulationEnv, ml1, mlBenchmark, mtBenchmark, Rng, scriptedPolicy, type ManipulationTaskName } from "../../src/index.js";

type Obs = Float64Array;
/** The library's scripted policies of the seven tasks (src/envs/mujoco/scripted-policies.ts). */
const POLICIES: Record<string, (o: Obs) => Float32Array> = Object.fromEntries(
  (["reach", "push", "drawer-open", "drawer-close", "button-press-topdown", "window-open", "window-close"] as const).map((t) => [t, scriptedPolicy(t)]),
);

function successRate(task: ManipulationTaskName, policy: (o: Obs) => Float32Array, episodes: number, seed: number): number {
  const fam = manipulationFamily(task);
  const rng = new Rng(seed);
  let wins = 0;
  for (let k = 0; k < episodes; k++) {
    const env = make(fam, fam.sample(rng));
    let obs = env.reset({ seed: k }).obs;
    for (let t = 0; t < 500; t++) {
      const r = env.step(policy(obs));
      obs = r.obs;
      if (r.info.success === 1) {
        wins++;
        break;
      }
    }
    env.close();
  }
  return wins / episodes;
}

test("the library's scripted policies succeed on every sampled variation of the seven tasks; random actions rarely do", async () => {
  await loadMujoco();
  for (const [task, policy] of Object.entries(POLICIES) as [ManipulationTaskName, (o: Obs) => Float32Array][]) {
    assert.equal(successRate(task, policy, 6, 42), 1, `${task}: scripted`);
    const noise = new Rng(7);
    const random = successRate(task, () => Float32Array.from({ length: 4 }, () => noise.uniform(-1, 1)), 6, 43);
    // drawer-close is the easy one in Meta-World too: a random hand that bumps the open drawer can shut it.
    assert.ok(random <= (task === "drawer-close" ? 2 / 6 : 1 / 6), `${task}: random success ${random}`);
  }
});

test("rewards are Meta-World v2's compute_reward, recomputed from the observation", async () => {
  await loadMujoco();
  // long_tail tolerance, written again here: 1 / ((d * 3)^2 + 1) with d the distance outside the bounds / margin.
  const tol = (x: number, hi: number, margin: number, gaussian = false): number => {
    if (x <= hi) return 1;
    const d = (x - hi) / margin;
    return gaussian ? Math.exp(-0.5 * d * d * -2 * Math.log(0.1)) : 1 / (9 * d * d + 1);
  };
  const ham = (a: number, b: number): number => (a + b - a * b > 0 ? (a * b) / (a + b - a * b) : 0);
  const d3 = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

  // drawer-open-v2: 5 * (caging + opening); caging scales the xy error by 3.
  {
    const env = new ManipulationEnv("drawer-open", { task: { objPos: [0.05, 0.9, 0], goalPos: [0.05, 0.54, 0.09] } });
    const o0 = env.reset({ seed: 0 }).obs;
    assert.deepEqual([...o0.subarray(4, 7)].map((v) => +v.toFixed(4)), [0.05, 0.74, 0.09]); // handle 0.16 m in front of the drawer centre
    assert.deepEqual([...o0.subarray(7, 11)], [1, 0, 0, 0]); // drawer_link xquat (w, x, y, z), as drawer-open-v2 reports it
    let r = env.step(Float32Array.of(0.5, 1, -0.5, 1));
    for (let t = 0; t < 20; t++) r = env.step(POLICIES["drawer-open"](r.obs));
    const o = r.obs;
    const handleErr = d3(o.subarray(4, 7), o.subarray(36, 39));
    const opening = tol(handleErr, 0.02, 0.2);
    const err = Math.hypot(3 * (o[4] - o[0]), 3 * (o[5] - o[1]), o[6] - o[2]);
    const errInit = Math.hypot(3 * (0.05 - 0), 3 * (0.74 - 0.6), 0.09 - 0.2); // handle at rest vs the hand's start (0, 0.6, 0.2)
    assert.ok(Math.abs(r.reward - 5 * (tol(err, 0.01, errInit) + opening)) < 1e-9, `drawer-open reward ${r.reward}`);
    assert.equal(r.info.success, handleErr <= 0.03 ? 1 : 0);
  }
  // button-press-topdown-v2: 5 * hamacher(1 - gripper opening, near) + 5 * pressed once within 3 cm.
  {
    const env = new ManipulationEnv("button-press-topdown", { task: { objPos: [0, 0.85, 0.115], goalPos: [0, 0.85, 0.135] } });
    let o = env.reset({ seed: 0 }).obs;
    assert.ok(Math.abs(o[6] - 0.175) < 1e-3, `button top at rest ${o[6]}`);
    let r!: ReturnType<ManipulationEnv["step"]>;
    let sawPressBonus = false;
    for (let t = 0; t < 80; t++) {
      r = env.step(POLICIES["button-press-topdown"](o));
      o = r.obs;
      const tcpToObj = d3(o.subarray(0, 3), o.subarray(4, 7));
      const tcpInit = [0, 0.4, 0.2];
      const near = tol(tcpToObj, 0.01, d3(o.subarray(4, 7), tcpInit));
      const pressed = tol(Math.abs(0.135 - o[6]), 0.005, 0.04);
      const expected = 5 * ham(1 - o[3], near) + (tcpToObj <= 0.03 ? 5 * pressed : 0);
      assert.ok(Math.abs(r.reward - expected) < 1e-9, `t=${t}: reward ${r.reward} vs ${expected}`);
      if (tcpToObj <= 0.03) sawPressBonus = true;
    }
    assert.ok(sawPressBonus && r.info.success === 1, "the press bonus was reached and the button pressed");
  }
  // window-close-v2: 10 * hamacher(gaussian reach, long_tail in place), x distance only.
  {
    const env = new ManipulationEnv("window-close", { task: { objPos: [0, 0.8, 0.2], goalPos: [0, 0.77, 0.2] } });
    let o = env.reset({ seed: 0 }).obs;
    assert.ok(Math.abs(o[4] - 0.2) < 1e-6, "the window starts open by 0.2 m");
    const handleInit = [o[4], o[5], o[6]];
    for (let t = 0; t < 60; t++) {
      const r = env.step(POLICIES["window-close"](o));
      o = r.obs;
      const inPlace = tol(Math.abs(o[4] - 0), 0.05, Math.abs(0.2 - 0.05));
      const reach = tol(d3(o.subarray(4, 7), o.subarray(0, 3)), 0.02, Math.abs(d3(handleInit, [0, 0.4, 0.2]) - 0.02), true);
      assert.ok(Math.abs(r.reward - 10 * ham(reach, inPlace)) < 1e-9, `t=${t}`);
    }
  }
});

test("ML1, MT and ML sets: reproducible from the seed, train and test variations differ, held-out classes, make() by id", async () => {
  await loadMujoco();
  const a = ml1("drawer-open", { seed: 3 });
  assert.equal(a.trainTasks.length, 50);
  assert.equal(a.testTasks.length, 50);
  assert.deepEqual(a.trainTasks, ml1("drawer-open", { seed: 3 }).trainTasks);
  assert.notDeepEqual(a.trainTasks, a.testTasks);
  assert.notDeepEqual(a.trainTasks, ml1("drawer-open", { seed: 4 }).trainTasks);
  for (const t of [...a.trainTasks, ...a.testTasks]) assert.ok(t.variation.objPos[0] >= -0.1 && t.variation.objPos[0] <= 0.1 && t.variation.objPos[1] === 0.9);
  const mt = mtBenchmark(["reach", "window-open"], { variations: 5 });
  assert.equal(mt.trainTasks.length, 10);
  assert.deepEqual(mt.testTasks, mt.trainTasks);
  const ml = mlBenchmark(["reach", "drawer-open"], ["drawer-close"], { variations: 4 });
  assert.deepEqual([...new Set(ml.testTasks.map((t) => t.name))], ["drawer-close"]);
  assert.throws(() => mlBenchmark(["reach"], ["reach"]), /in both the train and the test classes/);
  assert.throws(() => ml1("door-open" as ManipulationTaskName), /unknown task "door-open"; the tasks are reach, push, drawer-open/);
  // The family builds any benchmark task; sampling draws only train classes.
  const env = ml.family.create(ml.testTasks[0]);
  assert.equal(env.taskName, "drawer-close");
  assert.equal(env.metaWorldName, "drawer-close-v2");
  const rng = new Rng(1);
  for (let i = 0; i < 20; i++) assert.ok(ml.trainClasses.includes(ml.family.sample(rng).name));
  // make(id) draws a variation per reset from the env's seed.
  const o1 = make("ManipulationWindowOpen-v0").reset({ seed: 5 }).obs;
  const o2 = make("ManipulationWindowOpen-v0").reset({ seed: 5 }).obs;
  const o3 = make("ManipulationWindowOpen-v0").reset({ seed: 6 }).obs;
  assert.deepEqual([...o1], [...o2]);
  assert.notDeepEqual([...o1.subarray(36)], [...o3.subarray(36)]);
  assert.match(new ManipulationEnv("drawer-close").render(), /^<svg/);
  for (const id of ["ManipulationDrawerOpen-v0", "ManipulationDrawerClose-v0", "ManipulationButtonPressTopdown-v0", "ManipulationWindowOpen-v0", "ManipulationWindowClose-v0"] as const) {
    const e = make(id);
    assert.deepEqual([e.observationSpace.shape, e.actionSpace.shape], [[39], [4]], id);
    const report = checkEnv(e);
    assert.ok(report.ok, `${id}: ${report.errors.join("; ")}`);
    e.close();
  }
});
