/**
 * MuJoCo envs: the engine (load once, readable MJCF errors), the env base (seeded resets, frame
 * skip, contact forces, NaN truncation, SVG render, vector envs) and the Gymnasium v5 tasks.
 * Reference values are computed in the tests from MuJoCo's state with Gymnasium's formulas
 * (gymnasium/envs/mujoco/*_v5.py) or from physics (pendulum period, weight on the ground).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  AntEnv,
  HalfCheetahEnv,
  HopperEnv,
  MujocoEnv,
  ReacherEnv,
  checkEnv,
  compileModel,
  halfCheetahVelFamily,
  antGoalFamily,
  halfCheetahDirFamily,
  INVERTED_PENDULUM_XML,
  loadModelFile,
  loadMujoco,
  make,
  recordEpisode,
  Rng,
  unboundedBox,
  type StepResult,
  type VectorEnv,
} from "../../src/index.js";

test("make() before loadMujoco() names the fix; loadMujoco() returns one shared module", async () => {
  assert.throws(() => make("HalfCheetah-v5"), /await loadMujoco\(\)/);
  const a = loadMujoco();
  const b = loadMujoco();
  assert.equal(await a, await b);
});

test("bad MJCF: MuJoCo's own message, the file or model name, and the line", async () => {
  await loadMujoco();
  // mjXError from the XML reader (mujoco-js throws it bare; the message is read out of the exception).
  assert.throws(() => compileModel(`<mujoco>\n<worldbody>\n<geom type="bogus" size="1"/>\n</worldbody>\n</mujoco>`, { name: "robot" }), (e: Error) => {
    assert.match(e.message, /"robot"/);
    assert.match(e.message, /invalid keyword: 'bogus'/);
    assert.match(e.message, /line 3/);
    return true;
  });
  // mjCError from the compiler.
  assert.throws(() => compileModel(`<mujoco><actuator><motor joint="nope"/></actuator></mujoco>`), /unknown transmission target 'nope'/);
  // Malformed XML (MuJoCo prints it instead of throwing).
  assert.throws(() => compileModel(`<mujoco><worldbody></worldbod`), /could not parse.*XML_ERROR/);
  const dir = mkdtempSync(path.join(tmpdir(), "rlbook-mjcf-"));
  const file = path.join(dir, "arm.xml");
  writeFileSync(file, `<mujoco>\n<worldbody>\n<body>\n<joint name="j" range="1 2 3"/>\n<geom size=".1"/>\n</body>\n</worldbody>\n</mujoco>`);
  assert.throws(() => loadModelFile(file), (e: Error) => e.message.includes(file) && /too much data/.test(e.message) && /line 4/.test(e.message));
  assert.throws(() => loadModelFile(path.join(dir, "missing.xml")), /cannot read the MJCF file .*missing\.xml/);
  assert.throws(() => make("HalfCheetah-v5", { xml: "not xml" }), /not MJCF XML/);
  assert.throws(() => make("HalfCheetah-v5", { ctrlCostWeigth: 0.2 }), /unknown option "ctrlCostWeigth"; the options are .*ctrlCostWeight/);
  assert.equal((make("HalfCheetah-v5", { ctrlCostWeight: 0.2 }).unwrapped as HalfCheetahEnv).ctrlCostWeight, 0.2);
});

test("observation and action spaces are Gymnasium v5's, and every task passes checkEnv", async () => {
  await loadMujoco();
  // Shapes from the Gymnasium v5 docs (obs Box float64, actions from actuator ctrlrange).
  const expected: Record<string, [number, number, number]> = {
    "InvertedPendulum-v5": [4, 1, 3],
    "HalfCheetah-v5": [17, 6, 1],
    "Hopper-v5": [11, 3, 1],
    "Walker2d-v5": [17, 6, 1],
    "Reacher-v5": [10, 2, 1],
    "Ant-v5": [105, 8, 1],
  };
  for (const [id, [obs, act, high]] of Object.entries(expected)) {
    const env = make(id);
    assert.deepEqual(env.observationSpace.shape, [obs], id);
    assert.deepEqual(env.actionSpace.shape, [act], id);
    assert.equal((env.actionSpace as unknown as { high: Float64Array }).high[0], high, id);
    const report = checkEnv(env);
    assert.ok(report.ok, `${id}: ${report.errors.join("; ")}`);
    env.close();
  }
});

/** Steps `env` with `action` and returns the step and the qpos before it. */
function stepFrom(env: MujocoEnv, action: number[]): { r: StepResult<Float64Array>; before: Float64Array; after: Float64Array } {
  const before = env.qpos.slice();
  const r = env.step(Float32Array.from(action));
  return { r, before, after: env.qpos.slice() };
}

const sq = (a: number[]): number => a.reduce((s, v) => s + Math.fround(v) * Math.fround(v), 0);

test("HalfCheetah-v5: forward_reward = (x_after - x_before) / dt with dt = 5 * 0.01, ctrl_cost = 0.1 sum a^2, obs = qpos[1:], qvel", async () => {
  await loadMujoco();
  const env = new HalfCheetahEnv();
  env.reset({ seed: 1 });
  assert.equal(env.dt, 0.05);
  const rng = new Rng(5);
  for (let t = 0; t < 20; t++) {
    const a = Array.from({ length: 6 }, () => rng.uniform(-1, 1));
    const { r, before, after } = stepFrom(env, a);
    const forward = (after[0] - before[0]) / 0.05;
    const ctrl = 0.1 * sq(a);
    assert.ok(Math.abs(r.reward - (forward - ctrl)) < 1e-12, `reward ${r.reward} vs ${forward - ctrl}`);
    assert.ok(Math.abs((r.info.reward_ctrl as number) + ctrl) < 1e-12);
    assert.deepEqual([...r.obs], [...after.subarray(1), ...env.qvel]);
    assert.equal(r.terminated, false);
  }
});

test("Hopper-v5: reward terms, qvel clipped to +-10 in obs, and termination by the healthy ranges", async () => {
  await loadMujoco();
  const env = new HopperEnv();
  env.reset({ seed: 0 });
  const a = [0.3, -0.2, 0.1];
  const { r, before, after } = stepFrom(env, a);
  // dt = frame_skip 4 * timestep 0.002; healthy_reward 1; ctrl_cost_weight 1e-3.
  assert.ok(Math.abs(r.reward - ((after[0] - before[0]) / 0.008 + 1 - 1e-3 * sq(a))) < 1e-12);
  assert.equal(r.terminated, false);
  // z below 0.7: unhealthy -> terminated, no survive reward.
  const q = env.initQpos.slice();
  q[1] = 0.6;
  env.setState(q, new Float64Array(6));
  let s = env.step(Float32Array.of(0, 0, 0));
  assert.equal(s.terminated, true);
  assert.equal(s.info.reward_survive, 0);
  // Torso angle beyond 0.2 rad.
  env.reset({ seed: 0 });
  const q2 = env.initQpos.slice();
  q2[2] = 0.35;
  env.setState(q2, new Float64Array(6));
  s = env.step(Float32Array.of(0, 0, 0));
  assert.equal(s.terminated, true);
  // A joint velocity of 50 is clipped to 10 in the observation (obs index 5 + 3 = qvel[3]).
  env.reset({ seed: 0 });
  const v = new Float64Array(6);
  v[3] = 50;
  env.setState(env.initQpos, v);
  assert.equal((env as unknown as { observe(): Float64Array }).observe()[5 + 3], 10);
});

test("Walker2d-v5 terminates below z = 0.8 and above |angle| = 1", async () => {
  await loadMujoco();
  const env = make("Walker2d-v5").unwrapped as MujocoEnv;
  env.reset({ seed: 0 });
  const q = env.initQpos.slice();
  q[1] = 0.75;
  env.setState(q, new Float64Array(env.model.nv));
  assert.equal(env.step(new Float32Array(6)).terminated, true);
  env.reset({ seed: 0 });
  assert.equal(env.step(new Float32Array(6)).terminated, false);
  env.reset({ seed: 0 });
  const q2 = env.initQpos.slice();
  q2[2] = -1.1;
  env.setState(q2, new Float64Array(env.model.nv));
  assert.equal(env.step(new Float32Array(6)).terminated, true);
});

test("Reacher-v5: reward_dist = -|fingertip - target| after the step, reward_ctrl = -sum a^2, obs layout", async () => {
  await loadMujoco();
  const env = new ReacherEnv();
  const { obs } = env.reset({ seed: 3 });
  const q = env.qpos;
  assert.ok(Math.hypot(q[2], q[3]) < 0.2, "target in the 0.2 disk");
  assert.deepEqual([...obs.subarray(0, 6)], [Math.cos(q[0]), Math.cos(q[1]), Math.sin(q[0]), Math.sin(q[1]), q[2], q[3]]);
  const a = [0.5, -0.4];
  const { r } = stepFrom(env, a);
  const tip = env.bodyId("fingertip");
  const target = env.bodyId("target");
  const x = env.xpos;
  const d = [x[3 * tip] - x[3 * target], x[3 * tip + 1] - x[3 * target + 1], x[3 * tip + 2] - x[3 * target + 2]];
  assert.ok(Math.abs((r.info.reward_dist as number) + Math.hypot(d[0], d[1], d[2])) < 1e-12);
  assert.ok(Math.abs(r.reward - (-Math.hypot(d[0], d[1], d[2]) - sq(a))) < 1e-12);
  assert.deepEqual([...r.obs.subarray(8)], [d[0], d[1]]);
});

test("Ant-v5: contact forces carry the robot's weight at rest; contact cost and obs use clipped cfrc_ext", async () => {
  await loadMujoco();
  const env = new AntEnv();
  env.reset({ seed: 0 });
  env.setState(env.initQpos, env.initQvel);
  let s: StepResult<Float64Array> | undefined;
  for (let t = 0; t < 60; t++) s = env.step(new Float32Array(8)); // 3 s with zero torque: the ant settles
  assert.ok(s);
  // Newton: at rest the vertical contact forces on the bodies sum to m g (cfrc_ext rows: torque[3], force[3]).
  const c = env.cfrcExt;
  let fz = 0;
  for (let b = 1; b < env.model.nbody; b++) fz += c[6 * b + 5];
  const mass = (env.model.body_mass as Float64Array).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(fz - mass * 9.81) / (mass * 9.81) < 0.03, `sum of contact fz ${fz} vs weight ${mass * 9.81}`);
  // Gymnasium's contact cost: 5e-4 * sum(clip(cfrc_ext, -1, 1)^2) over all bodies; obs tail = clip(cfrc_ext[1:]).
  let cost = 0;
  for (const v of c) cost += Math.min(1, Math.max(-1, v)) ** 2;
  assert.ok(Math.abs((s.info.reward_contact as number) + 5e-4 * cost) < 1e-12);
  const tail = [...c.subarray(6)].map((v) => Math.min(1, Math.max(-1, v)));
  assert.deepEqual([...s.obs.subarray(105 - 78)], tail);
  assert.equal(s.reward, (s.info.reward_forward as number) + 1 - 0 - 5e-4 * cost);
  // Torso z above 1.0 is unhealthy.
  const q = env.initQpos.slice();
  q[2] = 1.5;
  env.setState(q, env.initQvel);
  assert.equal(env.step(new Float32Array(8)).terminated, true);
});

test("seeded resets reproduce: the same seed gives the same trajectory, another seed differs, noise within bounds", async () => {
  await loadMujoco();
  const run = (seed: number): number[] => {
    const env = make("HalfCheetah-v5");
    const out = [...(env.reset({ seed }).obs as Float64Array)];
    const rng = new Rng(9);
    for (let t = 0; t < 30; t++) out.push(...(env.step(Float32Array.from({ length: 6 }, () => rng.uniform(-1, 1))).obs as Float64Array));
    return out;
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7).slice(0, 17), run(8).slice(0, 17));
  const env = new HalfCheetahEnv();
  env.reset({ seed: 11 });
  for (let i = 0; i < env.model.nq; i++) assert.ok(Math.abs(env.qpos[i] - env.initQpos[i]) <= 0.1);
});

test("InvertedPendulum-v5 with zero force falls (terminates with |angle| > 0.2); reward 1 per upright step", async () => {
  await loadMujoco();
  const env = make("InvertedPendulum-v5");
  env.reset({ seed: 0 });
  let steps = 0;
  let last: StepResult<unknown> | undefined;
  let total = 0;
  do {
    last = env.step(Float32Array.of(0));
    total += last.reward;
    steps++;
  } while (!last.terminated && !last.truncated);
  assert.equal(last.terminated, true);
  assert.ok(Math.abs((last.obs as Float64Array)[1]) > 0.2);
  assert.equal(total, steps - 1);
  assert.ok(steps < 200, `fell after ${steps} steps`);
});

/** A pendulum written as a user's own MujocoEnv: a 1 kg ball (radius 1 cm) on a massless 0.5 m rod. */
class HingeEnv extends MujocoEnv {
  readonly observationSpace = unboundedBox(2);
  constructor() {
    super(
      `<mujoco><option timestep="0.0005" integrator="RK4" gravity="0 0 -9.81"/>
        <worldbody><body><joint name="h" type="hinge" axis="0 1 0"/>
        <geom type="sphere" pos="0 0 -0.5" size="0.01" mass="1"/></body></worldbody>
        <actuator><motor joint="h" ctrlrange="-1 1"/></actuator></mujoco>`,
      20,
      {},
      "Hinge",
    );
  }
  protected resetModel(): void {
    this.setState(Float64Array.of(0.05), Float64Array.of(0));
  }
  protected observe(): Float64Array {
    return Float64Array.of(this.qpos[0], this.qvel[0]);
  }
  protected stepTask(action: Float32Array | readonly number[]): StepResult<Float64Array> {
    this.doSimulation(action);
    return { obs: this.observe(), reward: 0, terminated: false, truncated: false, info: {} };
  }
}

test("physics: a small-amplitude hinge pendulum swings with the analytic period 2 pi sqrt(I / (m g l))", async () => {
  await loadMujoco();
  const env = new HingeEnv();
  env.reset({ seed: 0 });
  // I = m l^2 + (2/5) m r^2 (a solid ball about the hinge, parallel-axis theorem).
  const I = 0.5 * 0.5 + 0.4 * 0.01 * 0.01;
  const T = 2 * Math.PI * Math.sqrt(I / (9.81 * 0.5));
  const crossings: number[] = [];
  let prev = env.qpos[0];
  for (let k = 1; k <= 400; k++) {
    const th = env.step([0]).obs[0];
    if (prev > 0 && th <= 0) crossings.push((k - 1 + prev / (prev - th)) * env.dt);
    prev = th;
  }
  const measured = (crossings.at(-1)! - crossings[0]) / (crossings.length - 1);
  // Amplitude 0.05 rad lengthens the period by 1 + a^2/16 = 1.00016 (the first term of the elliptic series).
  assert.ok(Math.abs(measured - T * (1 + 0.05 ** 2 / 16)) / T < 1e-3, `period ${measured} vs ${T}`);
});

test("an unstable simulation is truncated with the reason in info; NaN and wrong-shape actions are refused", async () => {
  await loadMujoco();
  const env = new HalfCheetahEnv();
  env.reset({ seed: 0 });
  assert.throws(() => env.step(Float32Array.of(NaN, 0, 0, 0, 0, 0)), /invalid action/);
  assert.throws(() => env.step(Float32Array.of(0, 0)), /invalid action/);
  const v = new Float64Array(env.model.nv).fill(1e200);
  env.setState(env.initQpos, v);
  const s = env.step(new Float32Array(6));
  assert.equal(s.truncated, true);
  assert.match(String(s.info.truncationReason), /unstable \(Nan, Inf or huge value in QVEL/);
  // Mid-episode too (MuJoCo resets its state silently; the env notices and says so).
  env.reset({ seed: 0 });
  for (let t = 0; t < 3; t++) env.step(new Float32Array(6));
  env.setState(env.qpos.slice(), v);
  const mid = env.step(new Float32Array(6));
  assert.equal(mid.truncated, true);
  assert.match(String(mid.info.truncationReason), /QVEL/);
});

test("render() draws every visible geom as SVG from a fixed camera; recordEpisode plays an episode", async () => {
  await loadMujoco();
  const env = make("HalfCheetah-v5");
  env.reset({ seed: 0 });
  const svg = env.render();
  assert.match(svg, /^<svg /);
  // 8 capsules (torso, head, 6 limb segments) as round-capped segments; the floor as a ground band.
  assert.equal(svg.match(/stroke-linecap="round"/g)?.length, 8);
  const ant = make("Ant-v5");
  ant.reset({ seed: 0 });
  const top = ant.render();
  assert.equal(top.match(/<circle /g)?.length, 1);
  assert.equal(top.match(/stroke-linecap="round"/g)?.length, 12);
  const ep = recordEpisode((_obs: unknown) => Float32Array.of(0), make("InvertedPendulum-v5"), { seed: 0, maxSteps: 200 });
  assert.ok(ep.terminated);
  assert.equal(ep.frames.length, ep.length + 1);
  assert.notEqual(ep.frames[0], ep.frames.at(-1));
});

test("vector envs: make(id, {numEnvs}) reproduces single envs reset with seed + i", async () => {
  await loadMujoco();
  const vec = make("Hopper-v5", { numEnvs: 3 }) as VectorEnv;
  const { obs } = vec.reset({ seed: 5 });
  const actions = new Float32Array(9).fill(0.2);
  const stepped = vec.step(actions);
  for (let i = 0; i < 3; i++) {
    const single = make("Hopper-v5");
    const o = single.reset({ seed: 5 + i }).obs as Float64Array;
    assert.deepEqual([...obs.subarray(11 * i, 11 * i + 11)], [...Float32Array.from(o)]);
    const s = single.step(Float32Array.of(0.2, 0.2, 0.2));
    assert.equal(stepped.reward[i], s.reward);
  }
});

test("meta-RL families: HalfCheetah-Vel reward -|v - v*| - 0.05 sum a^2; Dir; Ant-Goal goals in the radius-3 disk", async () => {
  await loadMujoco();
  const fam = halfCheetahVelFamily();
  const p = fam.sample(new Rng(1));
  assert.deepEqual(fam.sample(new Rng(1)), p);
  assert.ok(p.targetVelocity >= 0 && p.targetVelocity <= 2);
  const env = fam.create(p);
  env.reset({ seed: 0 });
  const a = [0.4, -0.3, 0.2, 0.1, 0, -0.5];
  const { r, before, after } = stepFrom(env, a);
  const v = (after[0] - before[0]) / 0.05;
  assert.ok(Math.abs(r.reward - (-Math.abs(v - p.targetVelocity) - 0.05 * sq(a))) < 1e-12);
  const made = make(fam, p);
  assert.equal(made.spec?.maxEpisodeSteps, 200);
  const dir = halfCheetahDirFamily();
  const back = dir.create({ direction: -1 });
  back.reset({ seed: 0 });
  const d = stepFrom(back, a);
  assert.ok(Math.abs(d.r.reward - (-(d.after[0] - d.before[0]) / 0.05 - 0.05 * sq(a))) < 1e-12);
  assert.throws(() => dir.create({ direction: 2 as 1 }), /direction must be 1/);
  const goals = antGoalFamily();
  const rng = new Rng(3);
  const gs = Array.from({ length: 200 }, () => goals.sample(rng).goal);
  assert.ok(gs.every(([x, y]) => Math.hypot(x, y) <= 3));
  assert.ok(gs.some(([x, y]) => Math.hypot(x, y) > 2.5), "goals reach the rim");
  const ant = goals.create({ goal: [1, 2] });
  ant.reset({ seed: 0 });
  const s = ant.step(new Float32Array(8));
  const x = ant.xpos;
  assert.ok(Math.abs((s.info.reward_forward as number) + Math.hypot(x[3] - 1, x[4] - 2)) < 1e-12);
});

test("a model from a file and a frame skip through make(): dt = frameSkip * timestep, frameSkip physics steps per step", async () => {
  await loadMujoco();
  const dir = mkdtempSync(path.join(tmpdir(), "rlbook-mjcf-"));
  const file = path.join(dir, "long-pole.xml");
  writeFileSync(file, INVERTED_PENDULUM_XML.replace('fromto="0 0 0 0.001 0 0.6"', 'fromto="0 0 0 0.001 0 1.2"'));
  const env = make("InvertedPendulum-v5", { file, frameSkip: 4 }).unwrapped as MujocoEnv;
  assert.equal(env.dt, 4 * 0.02);
  env.reset({ seed: 0 });
  const t0 = env.data.time;
  env.step(Float32Array.of(0));
  assert.ok(Math.abs(env.data.time - t0 - 0.08) < 1e-12);
  assert.equal(env.metadata.renderFps, Math.round(1 / 0.08));
  // The file's longer pole (1.2 m instead of 0.6 m) is the one simulated.
  const g = 2; // geoms: rail, cart, cpole
  assert.ok(Math.abs((env.model.geom_size as Float64Array)[3 * g + 1] - 0.6) < 1e-5, "capsule half-length of the 1.2 m pole");
  assert.throws(() => make("InvertedPendulum-v5", { frameSkip: 0 }), /frameSkip must be a positive integer/);
});
