/**
 * Classic control equals Gymnasium 1.x. Each env is compared, step by step, with an independent
 * reference transcribed here from Gymnasium's Python source (gymnasium/envs/classic_control/*.py,
 * plain float64 JavaScript, NumPy's float32 rules emulated where Gymnasium mixes dtypes), from the
 * same states and actions: observations to float32 precision, rewards, terminated and truncated.
 * A few single steps are also checked against values worked out by hand from the equations.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AcrobotEnv,
  CartPoleEnv,
  MountainCarContinuousEnv,
  MountainCarEnv,
  PendulumEnv,
  Rng,
  angleNormalize,
  npRandom,
  bound,
  make,
  wrap,
  type StepResult,
} from "../../src/index.js";

const f32 = Math.fround;
const PI = Math.PI;

// ---------------------------------------------------------------------------------------------
// A tiny emulation of NumPy >= 2 scalar arithmetic (NEP 50): Python floats are "weak" and take
// the other operand's dtype; float32 op float32 is computed in float32; float32 op float64 in
// float64. Used to transcribe the envs where Gymnasium mixes float32 and Python floats.
type NpKind = "py" | "f32" | "f64";
interface Np {
  v: number;
  k: NpKind;
}
const py = (v: number): Np => ({ v, k: "py" });
const np32 = (v: number): Np => ({ v: f32(v), k: "f32" });
const np64 = (v: number): Np => ({ v, k: "f64" });
function kindOf(a: Np, b: Np): NpKind {
  if (a.k === "py" && b.k === "py") return "py";
  if (a.k === "f64" || b.k === "f64") return "f64";
  return "f32";
}
function op(a: Np, b: Np, fn: (x: number, y: number) => number): Np {
  const k = kindOf(a, b);
  if (k === "f32") return { v: f32(fn(f32(a.v), f32(b.v))), k };
  return { v: fn(a.v, b.v), k };
}
const add = (a: Np, b: Np): Np => op(a, b, (x, y) => x + y);
const sub = (a: Np, b: Np): Np => op(a, b, (x, y) => x - y);
const mul = (a: Np, b: Np): Np => op(a, b, (x, y) => x * y);
/** Python's built-in max/min return one of their arguments (the first on ties). */
const pyMax = (a: Np, b: Np): Np => (b.v > a.v ? b : a);
const pyMin = (a: Np, b: Np): Np => (b.v < a.v ? b : a);

// ---------------------------------------------------------------------------------------------
// References, transcribed from Gymnasium 1.x.

interface RefStep {
  obs: number[];
  reward: number;
  terminated: boolean;
}

/** cartpole.py CartPoleEnv.step */
function refCartPole(state: number[], action: number): { state: number[] } & RefStep {
  const gravity = 9.8;
  const masscart = 1.0;
  const masspole = 0.1;
  const total_mass = masspole + masscart;
  const length = 0.5;
  const polemass_length = masspole * length;
  const force_mag = 10.0;
  const tau = 0.02;
  const theta_threshold_radians = (12 * 2 * PI) / 360;
  const x_threshold = 2.4;
  let [x, x_dot, theta, theta_dot] = state;
  const force = action === 1 ? force_mag : -force_mag;
  const costheta = Math.cos(theta);
  const sintheta = Math.sin(theta);
  const temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass;
  const thetaacc = (gravity * sintheta - costheta * temp) / (length * (4.0 / 3.0 - (masspole * costheta ** 2) / total_mass));
  const xacc = temp - (polemass_length * thetaacc * costheta) / total_mass;
  // kinematics_integrator == "euler"
  x = x + tau * x_dot;
  x_dot = x_dot + tau * xacc;
  theta = theta + tau * theta_dot;
  theta_dot = theta_dot + tau * thetaacc;
  const terminated = x < -x_threshold || x > x_threshold || theta < -theta_threshold_radians || theta > theta_threshold_radians;
  const s = [x, x_dot, theta, theta_dot];
  return { state: s, obs: s.map(f32), reward: 1.0, terminated };
}

/** acrobot.py AcrobotEnv.step with rk4, wrap and bound, book dynamics, torque_noise_max = 0 */
function refAcrobot(state: number[], a: number): { state: number[] } & RefStep {
  const AVAIL_TORQUE = [-1.0, 0.0, +1];
  const dt = 0.2;
  const MAX_VEL_1 = 4 * PI;
  const MAX_VEL_2 = 9 * PI;
  const torque = AVAIL_TORQUE[a];
  const dsdt = (s_augmented: number[]): number[] => {
    const m1 = 1.0, m2 = 1.0, l1 = 1.0, lc1 = 0.5, lc2 = 0.5, I1 = 1.0, I2 = 1.0, g = 9.8;
    const act = s_augmented[4];
    const [theta1, theta2, dtheta1, dtheta2] = s_augmented;
    const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - PI / 2.0);
    const phi1 = -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) + (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - PI / 2) + phi2;
    const ddtheta2 = (act + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0];
  };
  const rk4 = (derivs: (y: number[]) => number[], y0: number[], t: number[]): number[] => {
    let y = y0;
    for (let i = 0; i < t.length - 1; i++) {
      const dtt = t[i + 1] - t[i];
      const dt2 = dtt / 2.0;
      const k1 = derivs(y);
      const k2 = derivs(y.map((v, j) => v + dt2 * k1[j]));
      const k3 = derivs(y.map((v, j) => v + dt2 * k2[j]));
      const k4 = derivs(y.map((v, j) => v + dtt * k3[j]));
      y = y.map((v, j) => v + (dtt / 6.0) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]));
    }
    return y.slice(0, 4);
  };
  const refWrap = (x: number, m: number, M: number): number => {
    const diff = M - m;
    while (x > M) x = x - diff;
    while (x < m) x = x + diff;
    return x;
  };
  const ns = rk4(dsdt, [...state, torque], [0, dt]);
  ns[0] = refWrap(ns[0], -PI, PI);
  ns[1] = refWrap(ns[1], -PI, PI);
  ns[2] = Math.min(Math.max(ns[2], -MAX_VEL_1), MAX_VEL_1);
  ns[3] = Math.min(Math.max(ns[3], -MAX_VEL_2), MAX_VEL_2);
  const terminated = -Math.cos(ns[0]) - Math.cos(ns[1] + ns[0]) > 1.0;
  const obs = [Math.cos(ns[0]), Math.sin(ns[0]), Math.cos(ns[1]), Math.sin(ns[1]), ns[2], ns[3]].map(f32);
  return { state: ns, obs, reward: terminated ? 0.0 : -1.0, terminated };
}

/** mountain_car.py MountainCarEnv.step (all float64) */
function refMountainCar(state: number[], action: number): { state: number[] } & RefStep {
  const min_position = -1.2, max_position = 0.6, max_speed = 0.07, goal_position = 0.5, goal_velocity = 0, force = 0.001, gravity = 0.0025;
  let [position, velocity] = state;
  velocity += (action - 1) * force + Math.cos(3 * position) * -gravity;
  velocity = Math.min(Math.max(velocity, -max_speed), max_speed); // np.clip
  position += velocity;
  position = Math.min(Math.max(position, min_position), max_position);
  if (position === min_position && velocity < 0) velocity = 0;
  const terminated = position >= goal_position && velocity >= goal_velocity;
  return { state: [position, velocity], obs: [f32(position), f32(velocity)], reward: -1.0, terminated };
}

/**
 * continuous_mountain_car.py Continuous_MountainCarEnv.step with NumPy scalar types: the state
 * is float64 right after reset and float32 after any step; the action is a float32 array.
 */
function refMountainCarContinuous(state: Np[], action0: number): { state: Np[] } & RefStep {
  const min_action = py(-1.0), max_action = py(1.0), min_position = py(-1.2), max_position = py(0.6), max_speed = py(0.07);
  const goal_position = py(0.45), goal_velocity = py(0), power = py(0.0015);
  const action = np32(action0);
  let position = state[0];
  let velocity = state[1];
  const force = pyMin(pyMax(action, min_action), max_action);
  velocity = add(velocity, sub(mul(force, power), mul(py(0.0025), py(Math.cos(mul(py(3), position).v)))));
  if (velocity.v > max_speed.v) velocity = max_speed;
  if (velocity.v < -max_speed.v) velocity = py(-max_speed.v);
  position = add(position, velocity);
  if (position.v > max_position.v) position = max_position;
  if (position.v < min_position.v) position = min_position;
  if (position.v === min_position.v && velocity.v < 0) velocity = py(0);
  const terminated = position.v >= goal_position.v && velocity.v >= goal_velocity.v;
  let reward = 0;
  if (terminated) reward = 100.0;
  reward -= Math.pow(action.v, 2) * 0.1;
  const s = [np32(position.v), np32(velocity.v)];
  return { state: s, obs: s.map((x) => x.v), reward, terminated };
}

/** pendulum.py PendulumEnv.step: u is the float32 action, th and thdot float64 */
function refPendulum(state: number[], action0: number): { state: number[] } & RefStep {
  const max_speed = 8, max_torque = 2.0, dt = 0.05, g = 10.0, m = 1.0, l = 1.0;
  const [th, thdot] = state;
  const u = np32(Math.min(Math.max(f32(action0), -max_torque), max_torque)); // np.clip(u, -2, 2)[0]
  const refNormalize = (x: number): number => {
    // CPython's float % (float_rem): the exact fmod, moved to the divisor's sign.
    const mod = (a: number, b: number): number => {
      let m = a % b;
      if (m !== 0 && b < 0 !== m < 0) m += b;
      return m;
    };
    return mod(x + PI, 2 * PI) - PI;
  };
  const costs = add(add(np64(refNormalize(th) ** 2), np64(0.1 * thdot ** 2)), mul(py(0.001), mul(u, u)));
  let newthdot = add(np64(thdot), mul(add(np64(((3 * g) / (2 * l)) * Math.sin(th)), mul(py(3.0 / (m * l ** 2)), u)), py(dt))).v;
  newthdot = Math.min(Math.max(newthdot, -max_speed), max_speed);
  const newth = th + newthdot * dt;
  return { state: [newth, newthdot], obs: [Math.cos(newth), Math.sin(newth), newthdot].map(f32), reward: -costs.v, terminated: false };
}

// ---------------------------------------------------------------------------------------------

function assertObsEqual(ours: Float32Array, ref: number[], where: string): void {
  assert.equal(ours.length, ref.length, `${where}: observation length`);
  for (let i = 0; i < ref.length; i++) {
    if (ours[i] !== f32(ref[i])) {
      assert.fail(`${where}: obs[${i}] = ${ours[i]} but Gymnasium gives ${f32(ref[i])} (obs ${Array.from(ours).join(", ")})`);
    }
  }
}

/** Steps `env` and the reference side by side for `steps` steps; restarts both from `restart()` after a termination. */
function compareRollout<S>(
  name: string,
  env: { state: ArrayLike<number>; step(action: never): StepResult<Float32Array> },
  ref: (s: S, a: number) => { state: S } & RefStep,
  toEnvState: (s: S) => number[],
  start: () => S,
  policy: (obs: Float32Array, t: number) => number,
  steps = 500,
  action = (a: number): unknown => a,
): { terminations: number } {
  let s = start();
  env.state = toEnvState(s);
  let obs: Float32Array = Float32Array.from(toEnvState(s));
  let terminations = 0;
  for (let t = 0; t < steps; t++) {
    const a = policy(obs, t);
    const r = env.step(action(a) as never);
    const e = ref(s, a);
    assertObsEqual(r.obs, e.obs, `${name} step ${t}`);
    assert.equal(r.reward, e.reward, `${name} step ${t}: reward`);
    assert.equal(r.terminated, e.terminated, `${name} step ${t}: terminated`);
    assert.equal(r.truncated, false, `${name} step ${t}: truncated`);
    s = e.state;
    obs = r.obs;
    if (e.terminated) {
      terminations++;
      s = start();
      env.state = toEnvState(s);
    }
  }
  return { terminations };
}

describe("CartPole-v1 equals Gymnasium", () => {
  test("500 steps from random states under random and balancing actions", () => {
    const rng = new Rng(1);
    const env = new CartPoleEnv();
    const start = (): number[] => [0, 0, 0, 0].map(() => rng.uniform(-0.05, 0.05));
    const id = (s: number[]): number[] => s;
    const random = compareRollout("CartPole random", env, refCartPole, id, start, () => rng.integer(2), 500);
    assert.ok(random.terminations >= 10, `random actions should end many episodes, got ${random.terminations}`);
    // A simple balancing controller keeps one episode going for all 500 steps.
    const balance = compareRollout("CartPole balance", env, refCartPole, id, start, (o) => (o[2] + 0.5 * o[3] > 0 ? 1 : 0), 500);
    assert.equal(balance.terminations, 0);
  });

  test("one step from rest, worked out by hand (Euler: x and theta use the old velocities)", () => {
    const env = new CartPoleEnv();
    env.state = [0, 0, 0, 0];
    const r = env.step(1);
    const s = env.state;
    // temp = 10/1.1; thetaacc = -temp / (0.5 (4/3 - 0.1/1.1)) = -600/41; xacc = temp - 0.05 thetaacc / 1.1 = 4400/451
    assert.equal(s[0], 0);
    assert.ok(Math.abs(s[1] - (0.02 * 4400) / 451) < 1e-15, `x_dot ${s[1]}`);
    assert.equal(s[2], 0);
    assert.ok(Math.abs(s[3] - (0.02 * -600) / 41) < 1e-15, `theta_dot ${s[3]}`);
    assert.deepEqual(Array.from(r.obs), Array.from(s, f32));
    assert.equal(r.reward, 1);
    assert.equal(r.terminated, false);
  });

  test("terminates beyond 12 degrees or 2.4 m, with reward 1 on the terminating step", () => {
    const env = new CartPoleEnv();
    env.state = [0, 0, 0.2094, 0.1]; // theta crosses 12 deg = 0.20944 rad after one step
    let r = env.step(1);
    assert.equal(r.terminated, true);
    assert.equal(r.reward, 1);
    env.state = [2.399, 1, 0, 0];
    r = env.step(1);
    assert.equal(r.terminated, true);
    env.state = [2.3, 0, 0, 0];
    assert.equal(env.step(1).terminated, false);
  });

  test("make applies TimeLimit(500): truncated exactly at step 500", () => {
    const env = make("CartPole-v1");
    let r = env.reset({ seed: 3 });
    let t = 0;
    let last;
    do {
      last = env.step((r.obs as Float32Array)[2] + 0.5 * (r.obs as Float32Array)[3] > 0 ? 1 : 0);
      r = last;
      t++;
    } while (!last.terminated && !last.truncated);
    assert.equal(t, 500);
    assert.equal(last.truncated, true);
    assert.equal(last.terminated, false);
    assert.equal(env.spec?.maxEpisodeSteps, 500);
  });

  test("reset draws 4 values uniform in [-0.05, 0.05] from the seed; options {low, high} change the bounds", () => {
    const env = new CartPoleEnv();
    const a = env.reset({ seed: 7 }).obs;
    const b = env.reset({ seed: 7 }).obs;
    assert.deepEqual(a, b);
    const rng = npRandom(7); // Gymnasium's np_random (checked against NumPy in gymnasium-seed.test.ts)
    assert.deepEqual(Array.from(a), [0, 0, 0, 0].map(() => f32(rng.uniform(-0.05, 0.05))));
    const c = env.reset({ seed: 8, options: { low: 0.5, high: 0.6 } }).obs;
    for (const v of c) assert.ok(v >= 0.5 && v <= 0.6);
    assert.throws(() => env.reset({ options: { low: 1, high: 0 } }), /greater than high/);
  });
});

describe("Acrobot-v1 equals Gymnasium", () => {
  test("500 steps of random torques from random states", () => {
    const rng = new Rng(2);
    const env = new AcrobotEnv();
    const start = (): number[] => [0, 0, 0, 0].map(() => f32(rng.uniform(-0.1, 0.1)));
    compareRollout("Acrobot random", env, refAcrobot, (s) => s, start, () => rng.integer(3), 500);
  });

  test("an energy-pumping policy swings up and terminates, with reward 0 on that step", () => {
    const rng = new Rng(3);
    const env = new AcrobotEnv();
    const start = (): number[] => [0, 0, 0, 0].map(() => f32(rng.uniform(-0.1, 0.1)));
    // Torque in the direction of the second link's angular velocity pumps energy in.
    const { terminations } = compareRollout("Acrobot pump", env, refAcrobot, (s) => s, start, (o) => (o[5] > 0 ? 2 : 0), 500);
    assert.ok(terminations >= 1, "the swing-up policy should reach the goal height");
  });

  test("wrap, bound and the terminal condition by hand", () => {
    assert.equal(wrap(4, -PI, PI), 4 - 2 * PI);
    assert.equal(wrap(-7, -PI, PI), -7 + 2 * PI);
    assert.equal(wrap(1, -PI, PI), 1);
    assert.equal(bound(20, -4 * PI, 4 * PI), 4 * PI);
    const env = new AcrobotEnv();
    env.state = [3.0, 0, 0, 0]; // nearly upright: -cos(3) - cos(3) = 1.98 > 1
    const r = env.step(1);
    assert.equal(r.terminated, true);
    assert.equal(r.reward, 0);
    env.state = [0, 0, 0, 0]; // hanging down at rest stays (almost exactly) put
    const r2 = env.step(1);
    assert.equal(r2.reward, -1);
    for (const [i, v] of [1, 0, 1, 0, 0, 0].entries()) assert.ok(Math.abs(r2.obs[i] - v) < 1e-12);
  });

  test("reset stores float32 values as Gymnasium's .astype(np.float32) does", () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 11 });
    for (const v of env.state) assert.equal(v, f32(v));
    const rng = npRandom(11);
    assert.deepEqual(Array.from(env.state), [0, 0, 0, 0].map(() => f32(rng.uniform(-0.1, 0.1))));
  });

  test("velocities are bounded to 4 pi and 9 pi", () => {
    const env = new AcrobotEnv();
    env.state = [0, 0, 100, -100];
    env.step(1);
    assert.equal(Math.abs(env.state[2]), 4 * PI);
    assert.equal(Math.abs(env.state[3]), 9 * PI);
  });
});

describe("MountainCar-v0 equals Gymnasium", () => {
  test("500 steps of random and energy-pumping actions", () => {
    const rng = new Rng(4);
    const env = new MountainCarEnv();
    const start = (): number[] => [rng.uniform(-0.6, -0.4), 0];
    compareRollout("MountainCar random", env, refMountainCar, (s) => s, start, () => rng.integer(3), 500);
    const { terminations } = compareRollout("MountainCar pump", env, refMountainCar, (s) => s, start, (o) => (o[1] >= 0 ? 2 : 0), 500);
    assert.ok(terminations >= 2, `pumping should reach the flag, got ${terminations}`);
  });

  test("single steps by hand: a push, the inelastic left wall, the goal", () => {
    const env = new MountainCarEnv();
    env.state = [-0.5, 0];
    env.step(2);
    const v = 0.001 + Math.cos(-1.5) * -0.0025;
    assert.ok(Math.abs(env.state[1] - v) < 1e-18);
    assert.ok(Math.abs(env.state[0] - (-0.5 + v)) < 1e-16);
    env.state = [-1.2, -0.01];
    env.step(0);
    assert.deepEqual(Array.from(env.state), [-1.2, 0]);
    env.state = [0.49, 0.02];
    const r = env.step(2);
    assert.equal(r.terminated, true);
    assert.equal(r.reward, -1);
    env.state = [0.3, 0.5];
    env.step(1);
    assert.equal(env.state[1], 0.07, "velocity is clipped to 0.07");
  });

  test("make applies TimeLimit(200)", () => {
    const env = make("MountainCar-v0");
    env.reset({ seed: 0 });
    let t = 0;
    let r;
    do {
      r = env.step(1);
      t++;
    } while (!r.truncated && !r.terminated);
    assert.equal(t, 200);
    assert.equal(r.truncated, true);
  });
});

describe("MountainCarContinuous-v0 equals Gymnasium", () => {
  test("500 steps of random and pumping actions, with NumPy's float32 arithmetic", () => {
    const rng = new Rng(5);
    const env = new MountainCarContinuousEnv();
    // After reset Gymnasium's state is float64 (np.array([uniform, 0])); the env counts an assigned state as float64 too.
    const start = (): Np[] => [np64(rng.uniform(-0.6, -0.4)), np64(0)];
    const toEnv = (s: Np[]): number[] => s.map((x) => x.v);
    const random = (): number => f32(rng.uniform(-1, 1));
    const act = (a: number): Float32Array => Float32Array.of(a);
    compareRollout("MountainCarContinuous random", env, refMountainCarContinuous, toEnv, start, random, 500, act);
    const { terminations } = compareRollout("MountainCarContinuous pump", env, refMountainCarContinuous, toEnv, start, (o) => (o[1] >= 0 ? 1 : -1), 500, act);
    assert.ok(terminations >= 2, `pumping should reach the flag, got ${terminations}`);
  });

  test("single steps by hand: reward 100 at the goal minus 0.1 a^2", () => {
    const env = new MountainCarContinuousEnv();
    env.state = [-0.5, 0];
    let r = env.step(Float32Array.of(0.5));
    assert.ok(Math.abs(r.reward - -0.025) < 1e-9);
    assert.ok(Math.abs(env.state[1] - (0.5 * 0.0015 - 0.0025 * Math.cos(-1.5))) < 1e-9);
    env.state = [0.449, 0.01];
    r = env.step(Float32Array.of(1));
    assert.equal(r.terminated, true);
    assert.ok(Math.abs(r.reward - 99.9) < 1e-12);
    for (const v of env.state) assert.equal(v, f32(v), "the state is float32 after a step");
  });
});

describe("Pendulum-v1 equals Gymnasium", () => {
  test("500 steps of random torques from random states", () => {
    const rng = new Rng(6);
    const env = new PendulumEnv();
    const start = (): number[] => [rng.uniform(-PI, PI), rng.uniform(-1, 1)];
    const act = (a: number): Float32Array => Float32Array.of(a);
    compareRollout("Pendulum random", env, refPendulum, (s) => s, start, () => f32(rng.uniform(-2, 2)), 500, act);
    // bang-bang torque drives the angle far beyond [-pi, pi], exercising angle_normalize
    compareRollout("Pendulum spin", env, refPendulum, (s) => s, () => [PI - 0.1, 7.5], () => 2, 500, act);
    assert.ok(Math.abs(env.state[0]) > 2 * PI, "the pendulum should have spun around");
  });

  test("single steps and angle_normalize by hand", () => {
    const env = new PendulumEnv();
    env.state = [0, 0];
    let r = env.step(Float32Array.of(1));
    assert.ok(Math.abs(r.reward - -0.001) < 1e-10);
    assert.ok(Math.abs(env.state[1] - 0.15) < 1e-12);
    assert.ok(Math.abs(env.state[0] - 0.0075) < 1e-12);
    env.state = [PI / 2, 0];
    r = env.step(Float32Array.of(0));
    assert.ok(Math.abs(r.reward - -((PI / 2) ** 2)) < 1e-12);
    assert.ok(Math.abs(env.state[1] - 0.75) < 1e-12);
    env.state = [0, 7.9];
    env.step(Float32Array.of(2));
    assert.equal(env.state[1], 8, "thetadot is clipped to 8");
    assert.ok(Math.abs(angleNormalize((3 * PI) / 2) - -PI / 2) < 1e-12);
    assert.ok(Math.abs(angleNormalize((-3 * PI) / 2) - PI / 2) < 1e-12, "floored modulo, as Python's %");
    assert.ok(Math.abs(angleNormalize(7 * PI + 0.25) - (-PI + 0.25)) < 1e-9);
    assert.equal(r.terminated, false);
  });

  test("make applies TimeLimit(200); reset options x_init, y_init", () => {
    const env = make("Pendulum-v1");
    env.reset({ seed: 1 });
    let t = 0;
    let r;
    do {
      r = env.step(Float32Array.of(0));
      t++;
    } while (!r.truncated);
    assert.equal(t, 200);
    const p = new PendulumEnv();
    p.reset({ seed: 2, options: { x_init: 0.1, y_init: 0.2 } });
    assert.ok(Math.abs(p.state[0]) <= 0.1 && Math.abs(p.state[1]) <= 0.2);
  });
});

describe("registered TimeLimits match Gymnasium", () => {
  test("max_episode_steps", () => {
    const expected: Record<string, number> = { "CartPole-v1": 500, "Acrobot-v1": 500, "MountainCar-v0": 200, "MountainCarContinuous-v0": 999, "Pendulum-v1": 200 };
    for (const [id, steps] of Object.entries(expected)) assert.equal(make(id).spec?.maxEpisodeSteps, steps, id);
  });
});

describe("continuous actions out of bounds are clipped as Gymnasium clips them", () => {
  // Gymnasium 1.x pendulum.py: u = np.clip(u, -max_torque, max_torque)[0], and the cost uses that u;
  // continuous_mountain_car.py: force = min(max(action[0], min_action), max_action), while the
  // reward subtracts math.pow(action[0], 2) * 0.1 of the unclipped action.
  test("Pendulum-v1: a torque of 3 (or +Infinity) steps as 2, -7 as -2", () => {
    for (const [given, bound] of [[3.0, 2.0], [Infinity, 2.0], [-7, -2.0]]) {
      const a = make("Pendulum-v1");
      const b = make("Pendulum-v1");
      a.reset({ seed: 5 });
      b.reset({ seed: 5 });
      const ra = a.step([given]);
      const rb = b.step([bound]);
      assert.deepEqual(ra.obs, rb.obs);
      assert.equal(ra.reward, rb.reward);
    }
  });

  test("MountainCarContinuous-v0: a force of 5 moves the car as 1 does; the action cost is 0.1 * 5^2", () => {
    const a = make("MountainCarContinuous-v0");
    const b = make("MountainCarContinuous-v0");
    a.reset({ seed: 5 });
    b.reset({ seed: 5 });
    const ra = a.step([5]);
    const rb = b.step([1]);
    assert.deepEqual(ra.obs, rb.obs);
    assert.equal(ra.reward, -2.5);
    assert.ok(Math.abs((rb.reward as number) - -0.1) < 1e-12);
  });

  test("a wrong shape or NaN still throws, naming the env and the space", () => {
    const env = make("Pendulum-v1");
    env.reset({ seed: 1 });
    assert.throws(() => env.step([1, 2]), /Pendulum-v1: invalid action \[1, 2\] for action space Box\(-2\.0, 2\.0, \(1,\), float32\): expected 1 values/);
    assert.throws(() => env.step([NaN]), /Pendulum-v1: invalid action.*element 0 is NaN/);
    const car = make("MountainCarContinuous-v0");
    car.reset({ seed: 1 });
    assert.throws(() => car.step(0.5 as never), /MountainCarContinuous-v0: invalid action 0.5.*expected an array of 1 numbers/);
  });
});
