/**
 * MountainCar-v0 and MountainCarContinuous-v0, identical to Gymnasium 1.x
 * `gymnasium/envs/classic_control/mountain_car.py` and `continuous_mountain_car.py`
 * (Moore 1990).
 *
 * State (Gymnasium's layout): [position, velocity]. Observations are the state in float32.
 *
 * MountainCar-v0: actions 0 (push left), 1 (no push), 2 (push right);
 *   velocity += (action - 1) * 0.001 + cos(3 * position) * (-0.0025), clipped to [-0.07, 0.07];
 *   position += velocity, clipped to [-1.2, 0.6]; at the left wall a negative velocity becomes 0.
 *   Reward -1 per step; terminates when position >= 0.5 and velocity >= 0. TimeLimit(200).
 *   The state stays float64 as in Gymnasium.
 *
 * MountainCarContinuous-v0: action a in [-1, 1] (Box float32); force = clip(a, -1, 1);
 *   velocity += force * 0.0015 - 0.0025 * cos(3 * position), same clipping; goal position 0.45.
 *   Reward 100 on reaching the goal, minus 0.1 * a^2 every step. TimeLimit(999).
 *   Gymnasium stores this env's state as float32 after every step and does the arithmetic in
 *   NumPy's float32 where a float32 operand meets a Python float (NumPy >= 2 promotion, NEP 50);
 *   this port reproduces that rounding so trajectories agree to the last float32 bit.
 *
 * Both start at position uniform in [-0.6, -0.4] and velocity 0.
 */
import { Env, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { Box, Discrete } from "../core/spaces.js";
import { circle, line, polygon, polyline, rotate, svgDocument, flipY, type Point } from "../core/svg.js";
import { assignState, f32, parseResetBounds } from "./utils.js";

/** Mountain car constants (both variants). */
export interface MountainCarParams {
  minPosition: number;
  maxPosition: number;
  maxSpeed: number;
  goalPosition: number;
  goalVelocity: number;
  /** Discrete variant: acceleration of a push. */
  force: number;
  gravity: number;
  /** Continuous variant: acceleration per unit of action. */
  power: number;
}

/** Gymnasium's MountainCar-v0 constants. */
export const MOUNTAIN_CAR_DEFAULTS: Readonly<MountainCarParams> = Object.freeze({
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.5,
  goalVelocity: 0,
  force: 0.001,
  gravity: 0.0025,
  power: 0.0015,
});

/** Gymnasium's MountainCarContinuous-v0 constants (goal 0.45). */
export const MOUNTAIN_CAR_CONTINUOUS_DEFAULTS: Readonly<MountainCarParams> = Object.freeze({ ...MOUNTAIN_CAR_DEFAULTS, goalPosition: 0.45 });

/** One MountainCar-v0 step in place on s = [position, velocity] (float64). Returns terminated. */
export function mountainCarStepInPlace(s: Float64Array, action: number, p: MountainCarParams): boolean {
  let position = s[0];
  let velocity = s[1];
  velocity += (action - 1) * p.force + Math.cos(3 * position) * -p.gravity;
  velocity = Math.min(Math.max(velocity, -p.maxSpeed), p.maxSpeed);
  position += velocity;
  position = Math.min(Math.max(position, p.minPosition), p.maxPosition);
  if (position === p.minPosition && velocity < 0) velocity = 0;
  s[0] = position;
  s[1] = velocity;
  return position >= p.goalPosition && velocity >= p.goalVelocity;
}

/**
 * One MountainCarContinuous-v0 step in place, reproducing Gymnasium's float32/float64 mix:
 * `stateIsF32` says whether the state is a float32 array (true after any step; false right
 * after reset, whose state is float64). `a` is the float32 action value. Returns terminated;
 * the new state is float32-rounded.
 */
export function mountainCarContinuousStepInPlace(s: Float64Array, a: number, stateIsF32: boolean, p: MountainCarParams): boolean {
  let position = s[0];
  let velocity = s[1];
  // force = min(max(action[0], min_action), max_action): the float32 action, or the Python float bound.
  const clipped = a < -1.0 || a > 1.0;
  const force = a < -1.0 ? -1.0 : a > 1.0 ? 1.0 : a;
  // force * power: float32 * Python float -> float32; Python float * Python float -> float64.
  const push = clipped ? force * p.power : f32(force * f32(p.power));
  // 0.0025 * math.cos(3 * position): 3 * a float32 position is float32; math.cos returns a Python float.
  const grav = p.gravity * Math.cos(stateIsF32 ? f32(3 * position) : 3 * position);
  const dv = clipped ? push - grav : f32(push - f32(grav));
  velocity = stateIsF32 ? f32(velocity + f32(dv)) : velocity + dv;
  if (velocity > p.maxSpeed) velocity = p.maxSpeed;
  if (velocity < -p.maxSpeed) velocity = -p.maxSpeed;
  position = stateIsF32 ? f32(position + f32(velocity)) : position + velocity;
  if (position > p.maxPosition) position = p.maxPosition;
  if (position < p.minPosition) position = p.minPosition;
  if (position === p.minPosition && velocity < 0) velocity = 0;
  const terminated = position >= p.goalPosition && velocity >= p.goalVelocity;
  s[0] = f32(position);
  s[1] = f32(velocity);
  return terminated;
}

/** An SVG frame of a mountain car (Gymnasium's 600x400 drawing). */
export function renderMountainCar(s: ArrayLike<number>, p: MountainCarParams): string {
  const W = 600;
  const H = 400;
  const worldWidth = p.maxPosition - p.minPosition;
  const scale = W / worldWidth;
  const carwidth = 40;
  const carheight = 20;
  const height = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55;
  const pos = s[0];
  const track: Point[] = [];
  for (let i = 0; i < 100; i++) {
    const x = p.minPosition + ((p.maxPosition - p.minPosition) * i) / 99;
    track.push([(x - p.minPosition) * scale, height(x) * scale]);
  }
  const clearance = 10;
  const [l, r, t, b] = [-carwidth / 2, carwidth / 2, carheight, 0];
  const base: Point = [(pos - p.minPosition) * scale, clearance + height(pos) * scale];
  const car = ([[l, b], [l, t], [r, t], [r, b]] as Point[]).map((c) => rotate(c, Math.cos(3 * pos), base));
  const wheels = ([[carwidth / 4, 0], [-carwidth / 4, 0]] as Point[]).map((c) => rotate(c, Math.cos(3 * pos), base));
  const flagx = (p.goalPosition - p.minPosition) * scale;
  const flagy1 = height(p.goalPosition) * scale;
  const flagy2 = flagy1 + 50;
  return svgDocument(W, H, [
    polyline(flipY(track, H), "#000000", 1.5),
    polygon(flipY(car, H), "#000000"),
    ...wheels.map(([x, y]) => circle(x, H - y, carheight / 2.5, "rgb(128,128,128)")),
    line(flagx, H - flagy1, flagx, H - flagy2, "#000000"),
    polygon(flipY([[flagx, flagy2], [flagx, flagy2 - 10], [flagx + 25, flagy2 - 5]], H), "rgb(204,204,0)"),
  ]);
}

/** Options of both mountain car envs. */
export interface MountainCarOptions {
  params?: Partial<MountainCarParams>;
}

function mountainCarObsSpace(p: MountainCarParams): Box {
  return new Box([p.minPosition, -p.maxSpeed], [p.maxPosition, p.maxSpeed], [2], "float32");
}

/** MountainCar-v0 (see the module comment). */
export class MountainCarEnv extends Env<Float32Array, number> {
  readonly params: MountainCarParams;
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(3);
  private readonly s = new Float64Array(2);

  constructor(options: MountainCarOptions = {}) {
    super();
    this.params = { ...MOUNTAIN_CAR_DEFAULTS, ...options.params };
    this.observationSpace = mountainCarObsSpace(this.params);
  }

  /** The float64 state [position, velocity] (a copy; assign to change it). */
  get state(): Float64Array {
    return this.s.slice();
  }

  set state(v: ArrayLike<number>) {
    assignState(this.name, this.s, v, "position, velocity");
    this.status = "running";
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    const [low, high] = parseResetBounds(this.name, args.options, -0.6, -0.4);
    this.s[0] = this.npRandom.uniform(low, high);
    this.s[1] = 0;
    this.status = "running";
    return { obs: Float32Array.from(this.s), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    this.checkStep(action);
    const terminated = mountainCarStepInPlace(this.s, action, this.params);
    return this.finishStep({ obs: Float32Array.from(this.s), reward: -1.0, terminated, truncated: false, info: {} });
  }

  override render(): string {
    return renderMountainCar(this.s, this.params);
  }
}

/** MountainCarContinuous-v0 (see the module comment). */
export class MountainCarContinuousEnv extends Env<Float32Array, Float32Array> {
  readonly params: MountainCarParams;
  readonly observationSpace: Box;
  readonly actionSpace = new Box(-1.0, 1.0, [1], "float32");
  private readonly s = new Float64Array(2);
  private stateIsF32 = false;

  constructor(options: MountainCarOptions = {}) {
    super();
    this.params = { ...MOUNTAIN_CAR_CONTINUOUS_DEFAULTS, ...options.params };
    this.observationSpace = mountainCarObsSpace(this.params);
  }

  /** The state [position, velocity] (a copy; assign to change it; an assigned state counts as float64). */
  get state(): Float64Array {
    return this.s.slice();
  }

  set state(v: ArrayLike<number>) {
    assignState(this.name, this.s, v, "position, velocity");
    this.stateIsF32 = false;
    this.status = "running";
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    const [low, high] = parseResetBounds(this.name, args.options, -0.6, -0.4);
    this.s[0] = this.npRandom.uniform(low, high);
    this.s[1] = 0;
    this.stateIsF32 = false;
    this.status = "running";
    return { obs: Float32Array.from(this.s), info: {} };
  }

  /**
   * Steps with a float32 action (numbers are rounded to float32 first). A force outside [-1, 1]
   * is clipped to it and the reward's action cost uses the unclipped action, as in Gymnasium.
   */
  step(action: Float32Array | readonly number[]): StepResult<Float32Array> {
    this.checkStep(action, "clip");
    const a = f32(action[0]);
    const terminated = mountainCarContinuousStepInPlace(this.s, a, this.stateIsF32, this.params);
    this.stateIsF32 = true;
    let reward = 0;
    if (terminated) reward = 100.0;
    reward -= Math.pow(a, 2) * 0.1;
    return this.finishStep({ obs: Float32Array.from(this.s), reward, terminated, truncated: false, info: {} });
  }

  override render(): string {
    return renderMountainCar(this.s, this.params);
  }
}
