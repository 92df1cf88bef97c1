/**
 * Pendulum-v1, identical to Gymnasium 1.x `gymnasium/envs/classic_control/pendulum.py`.
 *
 * State (float64, Gymnasium's layout): [theta, thetadot], theta = 0 pointing up. Observation:
 * [cos theta, sin theta, thetadot] in float32. Action: torque u in [-2, 2] (Box float32).
 *   cost = angle_normalize(theta)^2 + 0.1 thetadot^2 + 0.001 u^2, reward = -cost
 *   thetadot' = clip(thetadot + (3g / (2l) sin theta + 3 / (m l^2) u) dt, -8, 8)
 *   theta' = theta + thetadot' dt,  with g = 10, m = l = 1, dt = 0.05.
 * Never terminates; `make` adds TimeLimit(200). Reset: theta uniform in [-pi, pi], thetadot in
 * [-1, 1] (options `{x_init, y_init}` change the bounds).
 *
 * u is a float32 (the action space's dtype), so NumPy computes `3.0 * u` and `0.001 * u**2` in
 * float32 (NumPy >= 2 promotion, NEP 50); this port rounds the same way.
 */
import { Env, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { Box } from "../core/spaces.js";
import { circle, polygon, rotate, svgDocument, flipY, type Point } from "../core/svg.js";
import { assignState, f32 } from "./utils.js";

/** Pendulum constants. */
export interface PendulumParams {
  maxSpeed: number;
  maxTorque: number;
  dt: number;
  g: number;
  m: number;
  l: number;
}

/** Gymnasium's Pendulum constants (g = 10). */
export const PENDULUM_DEFAULTS: Readonly<PendulumParams> = Object.freeze({ maxSpeed: 8, maxTorque: 2.0, dt: 0.05, g: 10.0, m: 1.0, l: 1.0 });

/** Gymnasium's `angle_normalize`: ((x + pi) mod 2pi) - pi, with Python's floored modulo. */
export function angleNormalize(x: number): number {
  const m = 2 * Math.PI;
  let r = (x + Math.PI) % m;
  if (r !== 0 && r < 0) r += m;
  return r - Math.PI;
}

/**
 * One Pendulum step in place on s = [theta, thetadot] with float32 torque u (unclipped).
 * Returns the reward (-cost).
 */
export function pendulumStepInPlace(s: Float64Array, action: number, p: PendulumParams): number {
  const th = s[0];
  const thdot = s[1];
  const u = f32(Math.min(Math.max(action, -p.maxTorque), p.maxTorque));
  const costs = angleNormalize(th) * angleNormalize(th) + 0.1 * (thdot * thdot) + f32(f32(0.001) * f32(u * u));
  let newthdot = thdot + (((3 * p.g) / (2 * p.l)) * Math.sin(th) + f32(f32(3.0 / (p.m * (p.l * p.l))) * u)) * p.dt;
  newthdot = Math.min(Math.max(newthdot, -p.maxSpeed), p.maxSpeed);
  const newth = th + newthdot * p.dt;
  s[0] = newth;
  s[1] = newthdot;
  return -costs;
}

/** Pendulum's float32 observation of a state. */
export function pendulumObservation(s: ArrayLike<number>): Float32Array {
  return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), s[1]);
}

/** An SVG frame of a Pendulum state (Gymnasium's 500x500 drawing; the arc shows the last torque). */
export function renderPendulum(s: ArrayLike<number>, lastU: number | undefined): string {
  const D = 500;
  const bnd = 2.2;
  const scale = D / (bnd * 2);
  const offset = D / 2;
  const rodLength = 1 * scale;
  const rodWidth = 0.2 * scale;
  const [l, r, t, b] = [0, rodLength, rodWidth / 2, -rodWidth / 2];
  const angle = s[0] + Math.PI / 2;
  const rod = ([[l, b], [l, t], [r, t], [r, b]] as Point[]).map((c) => rotate(c, angle, [offset, offset]));
  const end = rotate([rodLength, 0], angle, [offset, offset]);
  const parts = [polygon(flipY(rod, D), "rgb(204,77,77)"), circle(offset, D - offset, rodWidth / 2, "rgb(204,77,77)"), circle(end[0], D - end[1], rodWidth / 2, "rgb(204,77,77)")];
  if (lastU !== undefined && lastU !== 0) {
    // Torque arrow: an arc whose length is proportional to |u|, clockwise for u < 0.
    const radius = (scale * Math.abs(lastU)) / 4 + 10;
    const sweep = Math.min(Math.abs(lastU), 2) * (Math.PI / 2);
    const dir = lastU > 0 ? 1 : -1;
    const a0 = Math.PI / 2;
    const a1 = a0 + dir * sweep;
    const x0 = offset + radius * Math.cos(a0);
    const y0 = D - (offset + radius * Math.sin(a0));
    const x1 = offset + radius * Math.cos(a1);
    const y1 = D - (offset + radius * Math.sin(a1));
    parts.push(`<path d="M ${x0.toFixed(2)} ${y0.toFixed(2)} A ${radius.toFixed(2)} ${radius.toFixed(2)} 0 0 ${dir > 0 ? 0 : 1} ${x1.toFixed(2)} ${y1.toFixed(2)}" fill="none" stroke="#333333" stroke-width="3"/>`);
  }
  parts.push(circle(offset, D - offset, 0.05 * scale, "#000000"));
  return svgDocument(D, D, parts);
}

/** Options of the Pendulum env. */
export interface PendulumOptions {
  params?: Partial<PendulumParams>;
}

/** Pendulum-v1 (see the module comment). */
export class PendulumEnv extends Env<Float32Array, Float32Array> {
  readonly params: PendulumParams;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  private readonly s = new Float64Array(2);
  private lastU: number | undefined;

  constructor(options: PendulumOptions = {}) {
    super();
    this.params = { ...PENDULUM_DEFAULTS, ...options.params };
    const high = [1.0, 1.0, this.params.maxSpeed];
    this.observationSpace = new Box(high.map((v) => -v), high, [3], "float32");
    this.actionSpace = new Box(-this.params.maxTorque, this.params.maxTorque, [1], "float32");
  }

  /** The float64 state [theta, thetadot] (a copy; assign to change it). */
  get state(): Float64Array {
    return this.s.slice();
  }

  set state(v: ArrayLike<number>) {
    assignState(this.name, this.s, v, "theta, thetadot");
    this.status = "running";
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    let hx = Math.PI;
    let hy = 1.0;
    const o = args.options;
    if (o) {
      if ("x_init" in o) hx = Number(o.x_init);
      if ("y_init" in o) hy = Number(o.y_init);
      if (!Number.isFinite(hx) || !Number.isFinite(hy)) throw new TypeError(`${this.name}: reset options x_init and y_init must be finite numbers`);
    }
    this.s[0] = this.npRandom.uniform(-hx, hx);
    this.s[1] = this.npRandom.uniform(-hy, hy);
    this.lastU = undefined;
    this.status = "running";
    return { obs: pendulumObservation(this.s), info: {} };
  }

  /**
   * Steps with a float32 torque (numbers are rounded to float32 first); a torque outside [-2, 2]
   * is clipped to it, as Gymnasium's `np.clip(u, -max_torque, max_torque)` does.
   */
  step(action: Float32Array | readonly number[]): StepResult<Float32Array> {
    this.checkStep(action, "clip");
    const a = f32(action[0]);
    this.lastU = f32(Math.min(Math.max(a, -this.params.maxTorque), this.params.maxTorque));
    const reward = pendulumStepInPlace(this.s, a, this.params);
    return this.finishStep({ obs: pendulumObservation(this.s), reward, terminated: false, truncated: false, info: {} });
  }

  override render(): string {
    return renderPendulum(this.s, this.lastU);
  }
}
