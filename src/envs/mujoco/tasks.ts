/**
 * Gymnasium v5 MuJoCo tasks (gymnasium/envs/mujoco/*_v5.py), with their observation, action,
 * reward, termination and reset definitions and default arguments (camelCase here):
 *
 * | env | obs | act | reward | terminates | frameSkip | reset noise |
 * |-----|-----|-----|--------|------------|-----------|-------------|
 * | InvertedPendulum | qpos, qvel (4) | 1 | 1 while |angle| <= 0.2 | |angle| > 0.2 or non-finite obs | 2 | U(+-0.01) on qpos and qvel |
 * | HalfCheetah | qpos[1:], qvel (17) | 6 | w_f dx/dt - 0.1 sum a^2 | never | 5 | U(+-0.1) qpos, N(0, 0.1^2) qvel |
 * | Hopper | qpos[1:], clip(qvel, +-10) (11) | 3 | w_f dx/dt + 1 (healthy) - 1e-3 sum a^2 | unhealthy | 4 | U(+-5e-3) |
 * | Walker2d | qpos[1:], clip(qvel, +-10) (17) | 6 | same as Hopper | unhealthy | 4 | U(+-5e-3) |
 * | Reacher | cos q, sin q, target, qdot, tip - target (10) | 2 | -|tip - target| - sum a^2 | never | 2 | see ReacherEnv |
 * | Ant | qpos[2:], qvel, clip(cfrc_ext[1:], +-1) (105) | 8 | dx/dt + 1 - 0.5 sum a^2 - 5e-4 sum clip(cfrc)^2 | torso z outside [0.2, 1] | 5 | U(+-0.1) qpos, N(0, 0.1^2) qvel |
 *
 * Hopper is healthy while qpos[1] (z) > 0.7, |qpos[2]| < 0.2 and every state entry after qpos[1]
 * is within (-100, 100); Walker2d while 0.8 < z < 2 and -1 < angle < 1.
 */
import type { Info, StepResult } from "../../core/env.js";
import type { Box } from "../../core/spaces.js";
import { INVERTED_PENDULUM_XML, HALF_CHEETAH_XML, HOPPER_XML, WALKER2D_XML, REACHER_XML, ANT_XML } from "./models.js";
import { MujocoEnv, sumSquares, unboundedBox, type MujocoModelOptions } from "./mujoco-env.js";

type Action = Float32Array | readonly number[];

/** Options of InvertedPendulum-v5. */
export interface InvertedPendulumOptions extends MujocoModelOptions {
  /** Uniform noise on qpos and qvel at reset (default 0.01). */
  resetNoiseScale?: number;
}

/** InvertedPendulum-v5 (Gymnasium): keep the pole within 0.2 rad of upright by pushing the cart. */
export class InvertedPendulumEnv extends MujocoEnv {
  readonly observationSpace: Box<Float64Array>;
  readonly resetNoiseScale: number;

  constructor(options: InvertedPendulumOptions = {}) {
    super(INVERTED_PENDULUM_XML, 2, options, "InvertedPendulum-v5");
    this.resetNoiseScale = options.resetNoiseScale ?? 0.01;
    this.observationSpace = unboundedBox(this.model.nq + this.model.nv);
    this.camera = { view: "side", scale: 200, center: [0, 0.2] };
  }

  protected resetModel(): void {
    this.setState(this.uniformNoise(this.initQpos, this.resetNoiseScale), this.uniformNoise(this.initQvel, this.resetNoiseScale));
  }

  protected observe(): Float64Array {
    const o = new Float64Array(this.model.nq + this.model.nv);
    o.set(this.qpos);
    o.set(this.qvel, this.model.nq);
    return o;
  }

  protected stepTask(action: Action): StepResult<Float64Array> {
    this.doSimulation(action);
    const obs = this.observe();
    let finite = true;
    for (const v of obs) if (!Number.isFinite(v)) finite = false;
    const terminated = !finite || Math.abs(obs[1]) > 0.2;
    const reward = terminated ? 0 : 1;
    return { obs, reward, terminated, truncated: false, info: { reward_survive: reward } };
  }
}

/** Options shared by the forward-running tasks. */
export interface LocomotionOptions extends MujocoModelOptions {
  forwardRewardWeight?: number;
  ctrlCostWeight?: number;
  resetNoiseScale?: number;
  /** Leave the x (and for Ant y) position out of the observation (default true). */
  excludeCurrentPositionsFromObservation?: boolean;
}

/** HalfCheetah-v5 (Gymnasium): run forward; reward = forwardRewardWeight * dx/dt - ctrlCostWeight * sum a^2. */
export class HalfCheetahEnv extends MujocoEnv {
  readonly observationSpace: Box<Float64Array>;
  readonly forwardRewardWeight: number;
  readonly ctrlCostWeight: number;
  readonly resetNoiseScale: number;
  readonly excludePosition: boolean;

  constructor(options: LocomotionOptions = {}) {
    super(HALF_CHEETAH_XML, 5, options, "HalfCheetah-v5");
    this.forwardRewardWeight = options.forwardRewardWeight ?? 1.0;
    this.ctrlCostWeight = options.ctrlCostWeight ?? 0.1;
    this.resetNoiseScale = options.resetNoiseScale ?? 0.1;
    this.excludePosition = options.excludeCurrentPositionsFromObservation ?? true;
    this.observationSpace = unboundedBox(this.model.nq + this.model.nv - (this.excludePosition ? 1 : 0));
    this.camera = { view: "side", scale: 120, trackBody: 1, center: [0, 0.5] };
  }

  protected resetModel(): void {
    this.setState(this.uniformNoise(this.initQpos, this.resetNoiseScale), this.normalNoise(this.initQvel, this.resetNoiseScale));
  }

  protected observe(): Float64Array {
    const skip = this.excludePosition ? 1 : 0;
    const nq = this.model.nq;
    const o = new Float64Array(nq - skip + this.model.nv);
    o.set(this.qpos.subarray(skip));
    o.set(this.qvel, nq - skip);
    return o;
  }

  protected override resetInfo(): Info {
    return { x_position: this.qpos[0] };
  }

  /** The task's forward term from the x velocity (HalfCheetah-Vel / -Dir replace it). */
  protected forwardReward(xVelocity: number): number {
    return this.forwardRewardWeight * xVelocity;
  }

  protected stepTask(action: Action): StepResult<Float64Array> {
    const xBefore = this.qpos[0];
    this.doSimulation(action);
    const xAfter = this.qpos[0];
    const xVelocity = (xAfter - xBefore) / this.dt;
    const forward = this.forwardReward(xVelocity);
    const ctrlCost = this.ctrlCostWeight * sumSquares(action);
    return {
      obs: this.observe(),
      reward: forward - ctrlCost,
      terminated: false,
      truncated: false,
      info: { x_position: xAfter, x_velocity: xVelocity, reward_forward: forward, reward_ctrl: -ctrlCost },
    };
  }
}

/** Options of Hopper-v5 and Walker2d-v5. */
export interface PlanarWalkerOptions extends LocomotionOptions {
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  /** Hopper only: bounds of the state after qpos[1] (default [-100, 100]). */
  healthyStateRange?: readonly [number, number];
  healthyZRange?: readonly [number, number];
  healthyAngleRange?: readonly [number, number];
}

/** The shared core of Hopper-v5 and Walker2d-v5. */
abstract class PlanarWalkerEnv extends MujocoEnv {
  readonly observationSpace: Box<Float64Array>;
  readonly forwardRewardWeight: number;
  readonly ctrlCostWeight: number;
  readonly healthyReward: number;
  readonly terminateWhenUnhealthy: boolean;
  readonly healthyZRange: readonly [number, number];
  readonly healthyAngleRange: readonly [number, number];
  readonly healthyStateRange: readonly [number, number] | undefined;
  readonly resetNoiseScale: number;
  readonly excludePosition: boolean;

  constructor(xml: string, options: PlanarWalkerOptions, name: string, defaults: { z: [number, number]; angle: [number, number]; state?: [number, number] }) {
    super(xml, 4, options, name);
    this.forwardRewardWeight = options.forwardRewardWeight ?? 1.0;
    this.ctrlCostWeight = options.ctrlCostWeight ?? 1e-3;
    this.healthyReward = options.healthyReward ?? 1.0;
    this.terminateWhenUnhealthy = options.terminateWhenUnhealthy ?? true;
    this.healthyZRange = options.healthyZRange ?? defaults.z;
    this.healthyAngleRange = options.healthyAngleRange ?? defaults.angle;
    this.healthyStateRange = options.healthyStateRange ?? defaults.state;
    this.resetNoiseScale = options.resetNoiseScale ?? 5e-3;
    this.excludePosition = options.excludeCurrentPositionsFromObservation ?? true;
    this.observationSpace = unboundedBox(this.model.nq + this.model.nv - (this.excludePosition ? 1 : 0));
    this.camera = { view: "side", scale: 150, trackBody: 1, center: [0, 0.3] };
  }

  /** Gymnasium's `is_healthy` (strict inequalities, as there). */
  get isHealthy(): boolean {
    const q = this.qpos;
    const z = q[1];
    const angle = q[2];
    if (!(this.healthyZRange[0] < z && z < this.healthyZRange[1])) return false;
    if (!(this.healthyAngleRange[0] < angle && angle < this.healthyAngleRange[1])) return false;
    const r = this.healthyStateRange;
    if (r) {
      // state_vector()[2:]: qpos[2:] then qvel.
      const v = this.qvel;
      for (let i = 2; i < q.length; i++) if (!(r[0] < q[i] && q[i] < r[1])) return false;
      for (let i = 0; i < v.length; i++) if (!(r[0] < v[i] && v[i] < r[1])) return false;
    }
    return true;
  }

  protected resetModel(): void {
    this.setState(this.uniformNoise(this.initQpos, this.resetNoiseScale), this.uniformNoise(this.initQvel, this.resetNoiseScale));
  }

  protected observe(): Float64Array {
    const skip = this.excludePosition ? 1 : 0;
    const nq = this.model.nq;
    const o = new Float64Array(nq - skip + this.model.nv);
    o.set(this.qpos.subarray(skip));
    const v = this.qvel;
    for (let i = 0; i < v.length; i++) o[nq - skip + i] = Math.min(10, Math.max(-10, v[i]));
    return o;
  }

  protected override resetInfo(): Info {
    return { x_position: this.qpos[0], z_distance_from_origin: this.qpos[1] - this.initQpos[1] };
  }

  protected stepTask(action: Action): StepResult<Float64Array> {
    const xBefore = this.qpos[0];
    this.doSimulation(action);
    const xAfter = this.qpos[0];
    const xVelocity = (xAfter - xBefore) / this.dt;
    const ctrlCost = this.ctrlCostWeight * sumSquares(action);
    const forward = this.forwardRewardWeight * xVelocity;
    const healthy = this.isHealthy;
    const survive = healthy ? this.healthyReward : 0;
    return {
      obs: this.observe(),
      reward: forward + survive - ctrlCost,
      terminated: !healthy && this.terminateWhenUnhealthy,
      truncated: false,
      info: { reward_forward: forward, reward_ctrl: -ctrlCost, reward_survive: survive, x_position: xAfter, z_distance_from_origin: this.qpos[1] - this.initQpos[1], x_velocity: xVelocity },
    };
  }
}

/** Hopper-v5 (Gymnasium): hop forward without falling (healthy: z > 0.7, |angle| < 0.2, state in (-100, 100)). */
export class HopperEnv extends PlanarWalkerEnv {
  constructor(options: PlanarWalkerOptions = {}) {
    super(HOPPER_XML, options, "Hopper-v5", { z: [0.7, Infinity], angle: [-0.2, 0.2], state: [-100, 100] });
  }
}

/** Walker2d-v5 (Gymnasium): walk forward on two legs (healthy: 0.8 < z < 2, -1 < angle < 1). */
export class Walker2dEnv extends PlanarWalkerEnv {
  constructor(options: PlanarWalkerOptions = {}) {
    super(WALKER2D_XML, options, "Walker2d-v5", { z: [0.8, 2.0], angle: [-1, 1] });
  }
}

/** Options of Reacher-v5. */
export interface ReacherOptions extends MujocoModelOptions {
  rewardDistWeight?: number;
  rewardControlWeight?: number;
}

/**
 * Reacher-v5 (Gymnasium): move the fingertip of a 2-link arm to a target. Reset: arm angles
 * U(+-0.1), the target uniform in the 0.2 m disk (rejection from the square), arm velocities
 * U(+-0.005), target still. Reward (after the step) = -w_d |tip - target| - w_c sum a^2.
 */
export class ReacherEnv extends MujocoEnv {
  readonly observationSpace: Box<Float64Array>;
  readonly rewardDistWeight: number;
  readonly rewardControlWeight: number;
  private readonly tip: number;
  private readonly target: number;

  constructor(options: ReacherOptions = {}) {
    super(REACHER_XML, 2, options, "Reacher-v5");
    this.rewardDistWeight = options.rewardDistWeight ?? 1;
    this.rewardControlWeight = options.rewardControlWeight ?? 1;
    this.observationSpace = unboundedBox(10);
    this.tip = this.bodyId("fingertip");
    this.target = this.bodyId("target");
    this.camera = { view: "top", scale: 700 };
  }

  /** fingertip - target (x, y, z) from body positions (Gymnasium's get_body_com). */
  private tipToTarget(): [number, number, number] {
    const x = this.xpos;
    return [x[3 * this.tip] - x[3 * this.target], x[3 * this.tip + 1] - x[3 * this.target + 1], x[3 * this.tip + 2] - x[3 * this.target + 2]];
  }

  protected resetModel(): void {
    const qpos = this.uniformNoise(this.initQpos, 0.1);
    let gx: number;
    let gy: number;
    do {
      gx = this.rng.uniform(-0.2, 0.2);
      gy = this.rng.uniform(-0.2, 0.2);
    } while (Math.hypot(gx, gy) >= 0.2);
    qpos[qpos.length - 2] = gx;
    qpos[qpos.length - 1] = gy;
    const qvel = this.uniformNoise(this.initQvel, 0.005);
    qvel[qvel.length - 2] = 0;
    qvel[qvel.length - 1] = 0;
    this.setState(qpos, qvel);
  }

  protected observe(): Float64Array {
    const q = this.qpos;
    const v = this.qvel;
    const d = this.tipToTarget();
    return Float64Array.of(Math.cos(q[0]), Math.cos(q[1]), Math.sin(q[0]), Math.sin(q[1]), q[2], q[3], v[0], v[1], d[0], d[1]);
  }

  protected stepTask(action: Action): StepResult<Float64Array> {
    this.doSimulation(action);
    const d = this.tipToTarget();
    const rewardDist = -Math.hypot(d[0], d[1], d[2]) * this.rewardDistWeight;
    const rewardCtrl = -sumSquares(action) * this.rewardControlWeight;
    return { obs: this.observe(), reward: rewardDist + rewardCtrl, terminated: false, truncated: false, info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl } };
  }
}

/** Options of Ant-v5. */
export interface AntOptions extends LocomotionOptions {
  contactCostWeight?: number;
  healthyReward?: number;
  terminateWhenUnhealthy?: boolean;
  healthyZRange?: readonly [number, number];
  contactForceRange?: readonly [number, number];
  includeCfrcExtInObservation?: boolean;
}

/** Ant-v5 (Gymnasium): a quadruped running in +x (see the module table). */
export class AntEnv extends MujocoEnv {
  readonly observationSpace: Box<Float64Array>;
  readonly forwardRewardWeight: number;
  readonly ctrlCostWeight: number;
  readonly contactCostWeight: number;
  readonly healthyReward: number;
  readonly terminateWhenUnhealthy: boolean;
  readonly healthyZRange: readonly [number, number];
  readonly contactForceRange: readonly [number, number];
  readonly resetNoiseScale: number;
  readonly excludePosition: boolean;
  readonly includeCfrcExt: boolean;
  /** The body whose xy velocity is rewarded (Gymnasium's main_body = 1, the torso). */
  readonly mainBody = 1;

  constructor(options: AntOptions = {}) {
    super(ANT_XML, 5, options, "Ant-v5");
    this.forwardRewardWeight = options.forwardRewardWeight ?? 1;
    this.ctrlCostWeight = options.ctrlCostWeight ?? 0.5;
    this.contactCostWeight = options.contactCostWeight ?? 5e-4;
    this.healthyReward = options.healthyReward ?? 1.0;
    this.terminateWhenUnhealthy = options.terminateWhenUnhealthy ?? true;
    this.healthyZRange = options.healthyZRange ?? [0.2, 1.0];
    this.contactForceRange = options.contactForceRange ?? [-1.0, 1.0];
    this.resetNoiseScale = options.resetNoiseScale ?? 0.1;
    this.excludePosition = options.excludeCurrentPositionsFromObservation ?? true;
    this.includeCfrcExt = options.includeCfrcExtInObservation ?? true;
    const n = this.model.nq + this.model.nv - (this.excludePosition ? 2 : 0) + (this.includeCfrcExt ? 6 * (this.model.nbody - 1) : 0);
    this.observationSpace = unboundedBox(n);
    this.camera = { view: "top", scale: 80, trackBody: 1 };
  }

  private clipContact(v: number): number {
    return Math.min(this.contactForceRange[1], Math.max(this.contactForceRange[0], v));
  }

  /** Gymnasium's is_healthy: a finite state and minZ <= torso z <= maxZ. */
  get isHealthy(): boolean {
    const z = this.qpos[2];
    return this.stateFinite() && this.healthyZRange[0] <= z && z <= this.healthyZRange[1];
  }

  /** contactCostWeight * sum of squared clipped cfrc_ext over all bodies. */
  get contactCost(): number {
    const c = this.cfrcExt;
    let s = 0;
    for (let i = 0; i < c.length; i++) {
      const v = this.clipContact(c[i]);
      s += v * v;
    }
    return this.contactCostWeight * s;
  }

  protected resetModel(): void {
    this.setState(this.uniformNoise(this.initQpos, this.resetNoiseScale), this.normalNoise(this.initQvel, this.resetNoiseScale));
  }

  protected observe(): Float64Array {
    const skip = this.excludePosition ? 2 : 0;
    const q = this.qpos;
    const v = this.qvel;
    const o = new Float64Array(this.observationSpace.size);
    o.set(q.subarray(skip));
    o.set(v, q.length - skip);
    if (this.includeCfrcExt) {
      const c = this.cfrcExt;
      const at = q.length - skip + v.length;
      for (let i = 6; i < c.length; i++) o[at + i - 6] = this.clipContact(c[i]);
    }
    return o;
  }

  protected override resetInfo(): Info {
    const q = this.qpos;
    return { x_position: q[0], y_position: q[1], distance_from_origin: Math.hypot(q[0], q[1]) };
  }

  /** The task's movement term from the main body's xy velocity and position (Ant-Dir / -Goal replace it). */
  protected forwardReward(xVelocity: number, _yVelocity: number, _x: number, _y: number): number {
    return this.forwardRewardWeight * xVelocity;
  }

  protected stepTask(action: Action): StepResult<Float64Array> {
    const b = 3 * this.mainBody;
    const xBefore = this.xpos[b];
    const yBefore = this.xpos[b + 1];
    this.doSimulation(action);
    const xAfter = this.xpos[b];
    const yAfter = this.xpos[b + 1];
    const xVelocity = (xAfter - xBefore) / this.dt;
    const yVelocity = (yAfter - yBefore) / this.dt;
    const forward = this.forwardReward(xVelocity, yVelocity, xAfter, yAfter);
    const healthy = this.isHealthy;
    const survive = healthy ? this.healthyReward : 0;
    const ctrlCost = this.ctrlCostWeight * sumSquares(action);
    const contactCost = this.contactCost;
    const q = this.qpos;
    return {
      obs: this.observe(),
      reward: forward + survive - ctrlCost - contactCost,
      terminated: !healthy && this.terminateWhenUnhealthy,
      truncated: false,
      info: {
        reward_forward: forward,
        reward_ctrl: -ctrlCost,
        reward_contact: -contactCost,
        reward_survive: survive,
        x_position: q[0],
        y_position: q[1],
        distance_from_origin: Math.hypot(q[0], q[1]),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
      },
    };
  }
}
