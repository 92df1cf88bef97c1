/**
 * Continuous meta-RL tasks whose task is a param.
 *
 * 2D navigation (Finn et al. 2017, MAML, sec. 5.3): "a point agent must move to different goal
 * positions in 2D, randomly chosen for each task within a unit square. The observation is the
 * current 2D position, and actions correspond to velocity commands clipped to be in the range
 * [-0.1, 0.1] ... episodes terminate when the agent is within 0.01 of the goal or at the horizon
 * of H = 100". The reward is the negative Euclidean distance to the goal, as in MAML's code
 * (rllab `point_env_randgoal.py`; the paper's text says squared distance). Goals are uniform in
 * [-0.5, 0.5]^2; the agent starts at the origin.
 *
 * Velocity target: a locomotion-like task in the spirit of MAML's HalfCheetahVel (target velocity
 * uniform in [0, 2]) on a 1-D point mass, so it needs no physics engine: the action is a force
 * a in [-1, 1]; velocity += (4 a - velocity) * 0.05, position += velocity * 0.05. Reward
 * -|velocity - target| - 0.05 a^2 (HalfCheetahVel's forward term and control cost). The
 * observation is [velocity]. Horizon 200.
 */
import { Env, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { Box } from "../core/spaces.js";
import { circle, line, svgDocument, text, rect } from "../core/svg.js";

/** Params of a 2D navigation task. */
export interface Navigation2DParams {
  /** The goal position. */
  goal: readonly [number, number];
  /** Episode length (the TimeLimit `make` applies; MAML: 100). */
  horizon?: number;
}

/** MAML's 2D point navigation (see the module comment). */
export class Navigation2DEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(-Infinity, Infinity, [2], "float32");
  readonly actionSpace = new Box(-0.1, 0.1, [2], "float32");
  readonly params: Required<Navigation2DParams>;
  private readonly pos = new Float64Array(2);

  constructor(params: Navigation2DParams = { goal: [0.25, 0.25] }) {
    super();
    const g = params.goal;
    if (!Array.isArray(g) || g.length !== 2 || !g.every(Number.isFinite)) throw new RangeError(`Navigation2D: goal must be [x, y], got ${JSON.stringify(g)}`);
    this.params = { goal: [g[0], g[1]], horizon: params.horizon ?? 100 };
  }

  /** The agent's position (a copy; assign to move it). */
  get state(): Float64Array {
    return this.pos.slice();
  }

  set state(v: ArrayLike<number>) {
    this.pos[0] = v[0];
    this.pos[1] = v[1];
    this.status = "running";
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    this.pos.fill(0);
    this.status = "running";
    return { obs: Float32Array.from(this.pos), info: { goal: this.params.goal } };
  }

  step(action: Float32Array | readonly number[]): StepResult<Float32Array, { distance: number }> {
    this.checkStep(action);
    this.pos[0] += Math.fround(action[0]);
    this.pos[1] += Math.fround(action[1]);
    const dx = this.pos[0] - this.params.goal[0];
    const dy = this.pos[1] - this.params.goal[1];
    const dist = Math.sqrt(dx * dx + dy * dy);
    return this.finishStep({ obs: Float32Array.from(this.pos), reward: -dist, terminated: dist < 0.01, truncated: false, info: { distance: dist } });
  }

  override render(): string {
    const S = 400;
    const toPx = (v: number): number => S / 2 + v * (S / 2.4);
    const parts = [
      line(toPx(-0.5), toPx(-0.5), toPx(0.5), toPx(-0.5), "#cccccc"),
      line(toPx(0.5), toPx(-0.5), toPx(0.5), toPx(0.5), "#cccccc"),
      line(toPx(0.5), toPx(0.5), toPx(-0.5), toPx(0.5), "#cccccc"),
      line(toPx(-0.5), toPx(0.5), toPx(-0.5), toPx(-0.5), "#cccccc"),
      circle(toPx(this.params.goal[0]), S - toPx(this.params.goal[1]), 8, "#2e9e5b"),
      circle(toPx(this.pos[0]), S - toPx(this.pos[1]), 6, "#d5452e"),
      text(6, 16, "goal (green), agent (red); square = goal region", 11, "#555555"),
    ];
    return svgDocument(S, S, parts);
  }
}

/** Params of a velocity-target task. */
export interface VelocityTargetParams {
  /** The velocity to run at (MAML samples it uniformly in [0, 2]). */
  targetVelocity: number;
  /** Episode length (default 200). */
  horizon?: number;
}

/** A 1-D runner rewarded for matching a target velocity (see the module comment). */
export class VelocityTargetEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(-Infinity, Infinity, [1], "float32");
  readonly actionSpace = new Box(-1, 1, [1], "float32");
  readonly params: Required<VelocityTargetParams>;
  private readonly s = new Float64Array(2);

  constructor(params: VelocityTargetParams = { targetVelocity: 1 }) {
    super();
    if (!Number.isFinite(params.targetVelocity)) throw new RangeError(`VelocityTarget: targetVelocity must be a finite number, got ${params.targetVelocity}`);
    this.params = { targetVelocity: params.targetVelocity, horizon: params.horizon ?? 200 };
  }

  /** The state [position, velocity] (a copy; assign to change it). */
  get state(): Float64Array {
    return this.s.slice();
  }

  set state(v: ArrayLike<number>) {
    this.s[0] = v[0];
    this.s[1] = v[1];
    this.status = "running";
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    this.s[0] = 0;
    this.s[1] = this.rng.uniform(-0.1, 0.1);
    this.status = "running";
    return { obs: Float32Array.of(this.s[1]), info: {} };
  }

  step(action: Float32Array | readonly number[]): StepResult<Float32Array, { velocity: number }> {
    this.checkStep(action);
    const a = Math.fround(action[0]);
    const dt = 0.05;
    this.s[1] += (4 * a - this.s[1]) * dt;
    this.s[0] += this.s[1] * dt;
    const reward = -Math.abs(this.s[1] - this.params.targetVelocity) - 0.05 * a * a;
    return this.finishStep({ obs: Float32Array.of(this.s[1]), reward, terminated: false, truncated: false, info: { velocity: this.s[1] } });
  }

  override render(): string {
    const W = 500;
    const H = 120;
    const vx = (v: number): number => 20 + ((v + 1) / 5) * (W - 40);
    return svgDocument(W, H, [
      line(20, 70, W - 20, 70, "#999999"),
      rect(vx(this.params.targetVelocity) - 2, 50, 4, 40, "#2e9e5b"),
      circle(vx(this.s[1]), 70, 9, "#d5452e"),
      text(20, 30, `velocity ${this.s[1].toFixed(2)} (red), target ${this.params.targetVelocity.toFixed(2)} (green)`, 13),
    ]);
  }
}
