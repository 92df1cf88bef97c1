/**
 * The Meta-World-style manipulation scene: observation layout, end-effector delta actions,
 * Meta-World's reach reward recomputed here, success by Meta-World v2's 0.05 m radius, scripted
 * policies written from the task geometry succeed on every sampled task while random actions do
 * not, and ML1-style task variations are reproducible from the seed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadMujoco, make, manipulationFamily, ManipulationEnv, Rng, type Env } from "../../src/index.js";

const clip = (v: number): number => Math.max(-1, Math.min(1, v));

/** Reach: proportional control of the hand toward the goal (obs[36:39]), gripper closed. */
function reachPolicy(obs: Float64Array): Float32Array {
  const a = new Float32Array(4);
  for (let i = 0; i < 3; i++) a[i] = clip(20 * (obs[36 + i] - obs[i]));
  a[3] = 1;
  return a;
}

/**
 * Push: go above a point 6 cm behind the puck on the goal line, descend to table height, then push
 * through the puck toward the goal; realign whenever the hand leaves the line.
 */
function pushPolicy(obs: Float64Array): Float32Array {
  const h = [obs[0], obs[1], obs[2]];
  const o = [obs[4], obs[5]];
  const g = [obs[36], obs[37]];
  const n = Math.hypot(g[0] - o[0], g[1] - o[1]);
  const dx = (g[0] - o[0]) / n;
  const dy = (g[1] - o[1]) / n;
  const along = (h[0] - o[0]) * dx + (h[1] - o[1]) * dy;
  const across = -(h[0] - o[0]) * dy + (h[1] - o[1]) * dx;
  const behind = [o[0] - dx * 0.06, o[1] - dy * 0.06];
  let target: number[];
  if (along > -0.025 || Math.abs(across) > 0.015) target = [behind[0], behind[1], Math.hypot(h[0] - behind[0], h[1] - behind[1]) > 0.015 ? 0.1 : 0.02];
  else if (h[2] > 0.03) target = [behind[0], behind[1], 0.02];
  else target = [o[0] + dx * 0.05, o[1] + dy * 0.05, 0.02];
  const a = new Float32Array(4);
  for (let i = 0; i < 3; i++) a[i] = clip(20 * (target[i] - h[i]));
  a[3] = 1;
  return a;
}

function successRate(env: () => Env, policy: (obs: Float64Array, env: Env) => Float32Array, episodes: number): number {
  let wins = 0;
  for (let k = 0; k < episodes; k++) {
    const e = env();
    let obs = e.reset({ seed: k }).obs as Float64Array;
    for (let t = 0; t < 500; t++) {
      const r = e.step(policy(obs, e));
      obs = r.obs as Float64Array;
      if (r.info.success === 1) {
        wins++;
        break;
      }
      if (r.terminated || r.truncated) break;
    }
  }
  return wins / episodes;
}

test("scripted policies succeed on every sampled reach and push task; random actions do not", async () => {
  await loadMujoco();
  for (const [task, policy] of [["reach", reachPolicy], ["push", pushPolicy]] as const) {
    const fam = manipulationFamily(task);
    const rng = new Rng(42);
    const tasks = Array.from({ length: 8 }, () => fam.sample(rng));
    let i = 0;
    assert.equal(successRate(() => make(fam, tasks[i++ % 8]), policy, 8), 1, `${task}: scripted`);
    let j = 0;
    const noise = new Rng(7);
    const random = successRate(() => make(fam, tasks[j++ % 8]), () => Float32Array.from({ length: 4 }, () => noise.uniform(-1, 1)), 8);
    assert.ok(random <= 1 / 8, `${task}: random success ${random}`);
  }
});

test("observation layout (39), end-effector deltas of action / 100 m, and Meta-World's reach reward", async () => {
  await loadMujoco();
  const env = new ManipulationEnv("reach", { task: { objPos: [0.05, 0.65, 0.02], goalPos: [-0.1, 0.85, 0.2] } });
  const { obs } = env.reset({ seed: 0 });
  assert.equal(obs.length, 39);
  assert.deepEqual([...obs.subarray(0, 3)].map((v) => +v.toFixed(6)), [0, 0.6, 0.2]);
  assert.deepEqual([...obs.subarray(4, 7)].map((v) => +v.toFixed(3)), [0.05, 0.65, 0.02]);
  assert.deepEqual([...obs.subarray(7, 11)], [0, 0, 0, 1]); // quaternion (x, y, z, w) of the upright puck
  assert.deepEqual([...obs.subarray(36)], [-0.1, 0.85, 0.2]);
  assert.deepEqual([...obs.subarray(18, 36)], [...obs.subarray(0, 18)]); // previous frame = this frame at reset
  let last = obs;
  for (let t = 0; t < 40; t++) {
    const r = env.step(Float32Array.of(1, 0, 0, 1));
    assert.deepEqual([...r.obs.subarray(18, 36)], [...last.subarray(0, 18)]);
    last = r.obs;
  }
  // Steady tracking: the hand moves 1 cm per step in x (action 1 * action_scale 1/100).
  const x0 = env.handPos[0];
  const r = env.step(Float32Array.of(1, 0, 0, 1));
  assert.ok(Math.abs(env.handPos[0] - x0 - 0.01) < 0.001, `moved ${env.handPos[0] - x0}`);
  // reach-v2: 10 * tolerance(|hand - goal|, (0, 0.05), margin |hand_init - goal|, long_tail), long_tail = 1 / ((3 d)^2 + 1).
  const h = env.handPos;
  const dist = Math.hypot(h[0] + 0.1, h[1] - 0.85, h[2] - 0.2);
  const margin = Math.hypot(0 + 0.1, 0.6 - 0.85, 0.2 - 0.2);
  const d = Math.max(0, dist - 0.05) / margin;
  assert.ok(Math.abs(r.reward - 10 / ((3 * d) ** 2 + 1)) < 1e-9);
  assert.equal(r.info.success, dist <= 0.05 ? 1 : 0);
  const svg = env.render();
  assert.equal(svg.match(/<circle /g)?.length, 2); // the puck (seen along its axis) and the goal marker
});

test("ML1-style variations: reproducible from the seed, train and test sets differ, puck and goal 0.15 apart", async () => {
  await loadMujoco();
  const fam = manipulationFamily("push");
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 50 }, () => fam.sample(rng));
  };
  assert.deepEqual(draw(1), draw(1));
  const train = draw(1);
  const testSet = draw(2);
  assert.notDeepEqual(train, testSet);
  for (const t of [...train, ...testSet]) {
    assert.ok(Math.hypot(t.objPos[0] - t.goalPos[0], t.objPos[1] - t.goalPos[1]) >= 0.15);
    assert.ok(t.objPos[1] >= 0.6 && t.objPos[1] <= 0.7 && t.goalPos[1] >= 0.8 && t.goalPos[1] <= 0.9);
  }
  // make(id) draws a task per reset from the env's generator: same seed, same task.
  const a = make("ManipulationPush-v0").reset({ seed: 3 }).obs as Float64Array;
  const b = make("ManipulationPush-v0").reset({ seed: 3 }).obs as Float64Array;
  const c = make("ManipulationPush-v0").reset({ seed: 4 }).obs as Float64Array;
  assert.deepEqual([...a], [...b]);
  assert.notDeepEqual([...a.subarray(36)], [...c.subarray(36)]);
});
