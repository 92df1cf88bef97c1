/**
 * Acrobot-v1, identical to Gymnasium 1.x `gymnasium/envs/classic_control/acrobot.py`
 * (Sutton 1996; the "book" dynamics of Sutton & Barto, which Gymnasium uses by default).
 *
 * State (float64, Gymnasium's layout): [theta1, theta2, dtheta1, dtheta2]. Observation:
 * [cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2] in float32. Actions 0, 1, 2
 * apply torque -1, 0, +1 to the joint between the links (torque noise 0). One step integrates
 * dt = 0.2 s with a single classical Runge-Kutta (rk4) step, then wraps the angles into
 * [-pi, pi] and bounds the velocities to 4 pi and 9 pi. Reward -1 per step, 0 on the step that
 * reaches the goal; terminates when -cos(theta1) - cos(theta1 + theta2) > 1. `make` adds
 * TimeLimit(500). The initial state is uniform in [-0.1, 0.1]^4, stored as float32 values as
 * Gymnasium does (`.astype(np.float32)` in reset).
 */
import { Env, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { Box, Discrete } from "../core/spaces.js";
import { circle, flipY, line, polygon, rotate, svgDocument, type Point } from "../core/svg.js";
import { assignState, f32, parseResetBounds } from "./utils.js";

/** Acrobot's constants (Gymnasium's class attributes). */
export interface AcrobotParams {
  dt: number;
  linkLength1: number;
  linkLength2: number;
  linkMass1: number;
  linkMass2: number;
  linkComPos1: number;
  linkComPos2: number;
  linkMoi: number;
  maxVel1: number;
  maxVel2: number;
  availTorque: readonly number[];
  /** Uniform torque noise; 0 in Gymnasium. */
  torqueNoiseMax: number;
  /** "book" (default) or "nips" dynamics. */
  bookOrNips: "book" | "nips";
}

/** Gymnasium's Acrobot constants. */
export const ACROBOT_DEFAULTS: Readonly<AcrobotParams> = Object.freeze({
  dt: 0.2,
  linkLength1: 1.0,
  linkLength2: 1.0,
  linkMass1: 1.0,
  linkMass2: 1.0,
  linkComPos1: 0.5,
  linkComPos2: 0.5,
  linkMoi: 1.0,
  maxVel1: 4 * Math.PI,
  maxVel2: 9 * Math.PI,
  availTorque: Object.freeze([-1.0, 0.0, 1]),
  torqueNoiseMax: 0.0,
  bookOrNips: "book",
});

/** Gymnasium's `wrap(x, m, M)`: shifts x by multiples of M - m into [m, M]. */
export function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Gymnasium's `bound(x, m, M)`: min(max(x, m), M). */
export function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

/** Gymnasium's `_dsdt`: time derivative of the augmented state [theta1, theta2, dtheta1, dtheta2, torque]. */
function dsdt(p: AcrobotParams, s: Float64Array, out: Float64Array): void {
  const m1 = p.linkMass1;
  const m2 = p.linkMass2;
  const l1 = p.linkLength1;
  const lc1 = p.linkComPos1;
  const lc2 = p.linkComPos2;
  const I1 = p.linkMoi;
  const I2 = p.linkMoi;
  const g = 9.8;
  const a = s[4];
  const theta1 = s[0];
  const theta2 = s[1];
  const dtheta1 = s[2];
  const dtheta2 = s[3];
  const pi = Math.PI;
  const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 * lc2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - pi / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - pi / 2) +
    phi2;
  let ddtheta2: number;
  if (p.bookOrNips === "nips") {
    ddtheta2 = (a + (d2 / d1) * phi1 - phi2) / (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
  } else {
    ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) / (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
  }
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
  out[4] = 0.0;
}

const k1 = new Float64Array(5);
const k2 = new Float64Array(5);
const k3 = new Float64Array(5);
const k4 = new Float64Array(5);
const tmp = new Float64Array(5);
const y0 = new Float64Array(5);

/**
 * One Acrobot step in place on `s` (4 values) with the given torque: Gymnasium's
 * `rk4(self._dsdt, s_augmented, [0, self.dt])`, then wrap/bound. Returns whether terminal.
 */
export function acrobotStepInPlace(s: Float64Array, torque: number, p: AcrobotParams): boolean {
  y0[0] = s[0];
  y0[1] = s[1];
  y0[2] = s[2];
  y0[3] = s[3];
  y0[4] = torque;
  const dt = p.dt - 0; // t[i + 1] - t[i] with t = [0, dt]
  const dt2 = dt / 2.0;
  dsdt(p, y0, k1);
  for (let j = 0; j < 5; j++) tmp[j] = y0[j] + dt2 * k1[j];
  dsdt(p, tmp, k2);
  for (let j = 0; j < 5; j++) tmp[j] = y0[j] + dt2 * k2[j];
  dsdt(p, tmp, k3);
  for (let j = 0; j < 5; j++) tmp[j] = y0[j] + dt * k3[j];
  dsdt(p, tmp, k4);
  for (let j = 0; j < 4; j++) s[j] = y0[j] + (dt / 6.0) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
  s[0] = wrap(s[0], -Math.PI, Math.PI);
  s[1] = wrap(s[1], -Math.PI, Math.PI);
  s[2] = bound(s[2], -p.maxVel1, p.maxVel1);
  s[3] = bound(s[3], -p.maxVel2, p.maxVel2);
  return -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
}

/** Acrobot's float32 observation of a state. */
export function acrobotObservation(s: ArrayLike<number>): Float32Array {
  return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]);
}

/** An SVG frame of an Acrobot state (Gymnasium's 500x500 drawing). */
export function renderAcrobot(s: ArrayLike<number>, p: AcrobotParams): string {
  const D = 500;
  const bnd = p.linkLength1 + p.linkLength2 + 0.2;
  const scale = D / (bnd * 2);
  const offset = D / 2;
  const p1: Point = [-p.linkLength1 * Math.cos(s[0]) * scale, p.linkLength1 * Math.sin(s[0]) * scale];
  const p2: Point = [p1[0] - p.linkLength2 * Math.cos(s[0] + s[1]) * scale, p1[1] + p.linkLength2 * Math.sin(s[0] + s[1]) * scale];
  // Gymnasium swaps to (y, x) ordering: xys = [[0,0], p1, p2][:, ::-1]
  const xys: Point[] = [[0, 0], [p1[1], p1[0]], [p2[1], p2[0]]];
  const thetas = [s[0] - Math.PI / 2, s[0] + s[1] - Math.PI / 2];
  const lens = [p.linkLength1 * scale, p.linkLength2 * scale];
  const parts = [line(-2.2 * scale + offset, D - (1 * scale + offset), 2.2 * scale + offset, D - (1 * scale + offset), "#000000")];
  for (let i = 0; i < 2; i++) {
    const x = xys[i][0] + offset;
    const y = xys[i][1] + offset;
    const [l, r, t, b] = [0, lens[i], 0.1 * scale, -0.1 * scale];
    const coords = ([[l, b], [l, t], [r, t], [r, b]] as Point[]).map((c) => rotate(c, thetas[i], [x, y]));
    parts.push(polygon(flipY(coords, D), "rgb(0,204,204)"));
    parts.push(circle(x, D - y, 0.1 * scale, "rgb(204,204,0)"));
  }
  return svgDocument(D, D, parts);
}

/** Options of the Acrobot env. */
export interface AcrobotOptions {
  params?: Partial<AcrobotParams>;
}

/** Acrobot-v1 (see the module comment). */
export class AcrobotEnv extends Env<Float32Array, number> {
  readonly params: AcrobotParams;
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(3);
  private readonly s = new Float64Array(4);

  constructor(options: AcrobotOptions = {}) {
    super();
    this.params = { ...ACROBOT_DEFAULTS, ...options.params };
    const high = [1.0, 1.0, 1.0, 1.0, this.params.maxVel1, this.params.maxVel2];
    this.observationSpace = new Box(high.map((v) => -v), high, [6], "float32");
    this.metadata = { renderFps: 15 };
  }

  /** The float64 state [theta1, theta2, dtheta1, dtheta2] (a copy; assign to change it). */
  get state(): Float64Array {
    return this.s.slice();
  }

  set state(v: ArrayLike<number>) {
    assignState(this.name, this.s, v, "theta1, theta2, dtheta1, dtheta2");
    this.status = "running";
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    const [low, high] = parseResetBounds(this.name, args.options, -0.1, 0.1);
    for (let i = 0; i < 4; i++) this.s[i] = f32(this.npRandom.uniform(low, high));
    this.status = "running";
    return { obs: acrobotObservation(this.s), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    this.checkStep(action);
    let torque = this.params.availTorque[action];
    if (this.params.torqueNoiseMax > 0) torque += this.npRandom.uniform(-this.params.torqueNoiseMax, this.params.torqueNoiseMax);
    const terminated = acrobotStepInPlace(this.s, torque, this.params);
    return this.finishStep({ obs: acrobotObservation(this.s), reward: terminated ? 0.0 : -1.0, terminated, truncated: false, info: {} });
  }

  override render(): string {
    return renderAcrobot(this.s, this.params);
  }
}
