/**
 * The Meta-World v2 tasks beyond reach / push: scripted policies written from each task's geometry
 * succeed on every sampled variation while random actions (almost) never do; rewards recomputed
 * here from Meta-World v2's compute_reward on the observed state; ML1 / MT / ML sets reproducible
 * from the seed with train and test variations that differ.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkEnv, loadMujoco, make, manipulationFamily, ManipulationEnv, ml1, ml10, mlBenchmark, mt10, mtBenchmark, Rng, scriptedPolicy, type ManipulationTaskName } from "../../src/index.js";

type Obs = Float64Array;
/** Meta-World's MT10 classes (Yu et al. 2019, section 4.3), written out here rather than read from the library. */
const MT10 = ["reach", "push", "pick-place", "door-open", "drawer-open", "drawer-close", "button-press-topdown", "peg-insert-side", "window-open", "window-close"] as const;
/** The five held-out classes of rlbook's ML10. */
const ML10_TEST = ["door-close", "pick-place-wall", "reach-wall", "push-back", "button-press"] as const;
/** The library's scripted policies (src/envs/mujoco/scripted-policies.ts) of every MT10 and ML10 test task. */
const POLICIES: Record<string, (o: Obs) => Float32Array> = Object.fromEntries([...MT10, ...ML10_TEST].map((t) => [t, scriptedPolicy(t)]));

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

test("the library's scripted policies succeed on every sampled variation of every MT10 and ML10 test task; random actions rarely do", async () => {
  await loadMujoco();
  const rates: string[] = [];
  for (const [task, policy] of Object.entries(POLICIES) as [ManipulationTaskName, (o: Obs) => Float32Array][]) {
    const scripted = successRate(task, policy, 5, 42);
    const noise = new Rng(7);
    const random = successRate(task, () => Float32Array.from({ length: 4 }, () => noise.uniform(-1, 1)), 5, 43);
    rates.push(`${task} ${scripted}/${random}`);
    assert.equal(scripted, 1, `${task}: scripted`);
    // drawer-close is the easy one in Meta-World too: a random hand that bumps the open drawer can shut it.
    assert.ok(random <= (task === "drawer-close" ? 2 / 5 : 1 / 5), `${task}: random success ${random}`);
  }
  console.log(`success scripted/random over 5 variations: ${rates.join(", ")}`);
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

test("pick-place, door-open and peg-insert-side rewards are Meta-World v2's compute_reward, recomputed from the state", async () => {
  await loadMujoco();
  const tol = (x: number, lo: number, hi: number, margin: number): number => {
    if (x >= lo && x <= hi) return 1;
    const d = (x < lo ? lo - x : x - hi) / margin;
    return 1 / (9 * d * d + 1); // long_tail, 0.1 at the margin
  };
  const ham = (a: number, b: number): number => (a + b - a * b > 0 ? (a * b) / (a + b - a * b) : 0);
  const d3 = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

  // pick-place-v2: hamacher(caging, in_place) (+ 1 + 5 in_place once lifted within 2 cm of the tcp); the pads close along x here.
  {
    const task = { objPos: [0.05, 0.65, 0.02] as [number, number, number], goalPos: [-0.05, 0.85, 0.2] as [number, number, number] };
    const env = new ManipulationEnv("pick-place", { task });
    let o = env.reset({ seed: 0 }).obs;
    const padPos0 = env.bodyCom("rightpad");
    const padNeg0 = env.bodyCom("leftpad");
    const tcp0 = env.handPos;
    let lifted = false;
    for (let t = 0; t < 120; t++) {
      const a = POLICIES["pick-place"](o);
      const r = env.step(a);
      o = r.obs;
      const obj = o.subarray(4, 7);
      const tcp = o.subarray(0, 3);
      const pp = env.bodyCom("rightpad");
      const pn = env.bodyCom("leftpad");
      const padCaging = ham(tol(obj[0] - pn[0], 0.015, 0.05, Math.abs(Math.abs(obj[0] - padNeg0[0]) - 0.05)), tol(pp[0] - obj[0], 0.015, 0.05, Math.abs(Math.abs(obj[0] - padPos0[0]) - 0.05)));
      const off = tol(Math.hypot(tcp[1] - obj[1], tcp[2] - obj[2]), 0, 0.005, Math.hypot(0.65 - tcp0[1], 0.02 - tcp0[2]) - 0.005);
      const caging = ham(padCaging, off);
      const grasped = (ham(caging, caging > 0.97 ? Math.min(Math.max(0, a[3]), 1) : 0) + caging) / 2;
      const toGoal = d3(obj, task.goalPos);
      const inPlace = tol(toGoal, 0, 0.05, d3(task.objPos, task.goalPos));
      let expected = ham(grasped, inPlace);
      if (d3(obj, tcp) < 0.02 && o[3] > 0 && obj[2] - 0.01 > 0.02) {
        expected += 1 + 5 * inPlace;
        lifted = true;
      }
      if (toGoal < 0.05) expected = 10;
      assert.ok(Math.abs(r.reward - expected) < 1e-9, `pick-place t=${t}: ${r.reward} vs ${expected}`);
      assert.equal(r.info.success, toGoal <= 0.07 ? 1 : 0);
      if (r.info.success === 1) break;
    }
    assert.ok(lifted, "the lift bonus was reached");
  }
  // door-open-v2: 2 hamacher(ready, (grip + 1) / 2) + 8 opened; opened = 0.2 [theta < -pi/90] + 0.8 tolerance(2 pi / 3 + theta, (0, 0.5), pi / 3).
  {
    const env = new ManipulationEnv("door-open", { task: { objPos: [0.05, 0.9, 0.15], goalPos: [-0.25, 0.45, 0.15] } });
    let o = env.reset({ seed: 0 }).obs;
    let sawOpening = false;
    for (let t = 0; t < 200; t++) {
      const a = POLICIES["door-open"](o);
      const r = env.step(a);
      o = r.obs;
      const theta = env.jointPos("doorjoint");
      const hand = o.subarray(0, 3);
      const door = [o[4] - 0.05, o[5], o[6]];
      const radius = Math.hypot(hand[0] - door[0], hand[1] - door[1]);
      const floor = radius <= 0.12 ? 0 : 0.04 * Math.log(radius - 0.12) + 0.4;
      const above = hand[2] >= floor ? 1 : tol(floor - hand[2], 0, 0.01, floor / 2);
      const inPlace = tol(Math.hypot(hand[0] - door[0] - 0.05, hand[1] - door[1] - 0.03, hand[2] - door[2] + 0.01), 0, 0.06, 0.5);
      const opened = 0.2 * (theta < -Math.PI / 90 ? 1 : 0) + 0.8 * tol((2 * Math.PI) / 3 + theta, 0, 0.5, Math.PI / 3);
      const success = Math.abs(o[4] - -0.25) <= 0.08;
      const expected = success ? 10 : 2 * ham(ham(above, inPlace), (a[3] + 1) / 2) + 8 * opened;
      assert.ok(Math.abs(r.reward - expected) < 1e-9, `door-open t=${t}: ${r.reward} vs ${expected}`);
      if (theta < -0.3 && !success) sawOpening = true;
      if (success) break;
    }
    assert.ok(sawOpening && Math.abs(o[4] - -0.25) <= 0.08, "the door opened until the handle's x was within 0.08 of the target");
  }
  // peg-insert-side-v2: success when |(head - target) * (1, 2, 2)| <= 0.07, the head 0.1 m along -x from the grip block.
  {
    const env = new ManipulationEnv("peg-insert-side", { task: { objPos: [0.1, 0.6, 0.015], goalPos: [-0.27, 0.55, 0.13] } });
    let o = env.reset({ seed: 0 }).obs;
    let r!: ReturnType<ManipulationEnv["step"]>;
    for (let t = 0; t < 300; t++) {
      r = env.step(POLICIES["peg-insert-side"](o));
      o = r.obs;
      const head = env.sitePos("pegHead");
      const scaled = Math.hypot(head[0] + 0.27, 2 * (head[1] - 0.55), 2 * (head[2] - 0.13));
      assert.equal(r.info.success, scaled <= 0.07 ? 1 : 0);
      if (scaled <= 0.07) assert.equal(r.reward, 10);
      if (r.info.success === 1) break;
    }
    assert.equal(r.info.success, 1);
    // In the hole: the head is past the box's face (box x + 0.1 = target x + 0.07) and within the hole's 4.4 cm square.
    const head = env.sitePos("pegHead");
    assert.ok(head[0] < -0.27 + 0.07 && Math.abs(head[1] - 0.55) < 0.022 && Math.abs(head[2] - 0.13) < 0.022, `head ${head}`);
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
  assert.throws(() => ml1("sweep" as ManipulationTaskName), /unknown task "sweep"; the tasks are reach, push, pick-place, door-open/);
  // MT10: Meta-World's ten classes, 50 variations each; ML10: those ten to train, five held-out classes to test.
  const m10 = mt10({ seed: 2 });
  assert.deepEqual([...m10.trainClasses], [...MT10]);
  assert.equal(m10.trainTasks.length, 500);
  const l10 = ml10({ seed: 2 });
  assert.deepEqual([...l10.trainClasses], [...MT10]);
  assert.deepEqual([...l10.testClasses], [...ML10_TEST]);
  assert.equal(l10.testTasks.length, 250);
  assert.deepEqual(l10.testTasks, ml10({ seed: 2 }).testTasks);
  assert.notDeepEqual(l10.testTasks, ml10({ seed: 3 }).testTasks);
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
  for (const id of ["ManipulationDrawerOpen-v0", "ManipulationDrawerClose-v0", "ManipulationButtonPressTopdown-v0", "ManipulationWindowOpen-v0", "ManipulationWindowClose-v0", "ManipulationPickPlace-v0", "ManipulationDoorOpen-v0", "ManipulationPegInsertSide-v0", "ManipulationDoorClose-v0", "ManipulationPickPlaceWall-v0", "ManipulationReachWall-v0", "ManipulationPushBack-v0", "ManipulationButtonPress-v0"] as const) {
    const e = make(id);
    assert.deepEqual([e.observationSpace.shape, e.actionSpace.shape], [[39], [4]], id);
    const report = checkEnv(e);
    assert.ok(report.ok, `${id}: ${report.errors.join("; ")}`);
    e.close();
  }
});
