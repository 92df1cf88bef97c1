/**
 * Meta-RL task families on the MuJoCo robots (gymnax-style, like ../families.ts):
 *
 * - HalfCheetah-Vel (Finn et al. 2017, MAML, sec. 5.3): target velocity uniform in [0, 2];
 *   reward = -|v_x - v_target| - 0.05 sum a^2 (MAML's rllab code: ctrl cost 0.5 * 0.1 sum a^2).
 * - HalfCheetah-Dir (MAML): direction +1 (forward) or -1 (backward) with probability 1/2;
 *   reward = direction * v_x - 0.05 sum a^2.
 * - Ant-Dir (MAML): forward or backward along x; Ant-v5's reward with the forward term
 *   direction * v_x.
 * - Ant-Goal (Rakelly et al. 2019, PEARL): a goal uniform in the disk of radius 3 (angle uniform,
 *   radius 3 sqrt(u)); Ant-v5's reward with the forward term replaced by -|xy - goal|.
 *
 * Each family's `create(params)` builds the bare env; `make(family, params)` adds TimeLimit
 * (200 steps, as in MAML and PEARL).
 */
import type { TaskFamily } from "../../core/registry.js";
import type { Rng } from "../../core/rng.js";
import { AntEnv, HalfCheetahEnv, type AntOptions, type LocomotionOptions } from "./tasks.js";

/** A HalfCheetah-Vel task. */
export interface HalfCheetahVelParams {
  targetVelocity: number;
}

/** HalfCheetah rewarded for running at `targetVelocity` (see the module comment). */
export class HalfCheetahVelEnv extends HalfCheetahEnv {
  constructor(readonly task: HalfCheetahVelParams, options: LocomotionOptions = {}) {
    super({ ctrlCostWeight: 0.05, ...options });
    if (!Number.isFinite(task?.targetVelocity)) throw new TypeError(`HalfCheetahVel: targetVelocity must be a finite number, got ${String(task?.targetVelocity)}`);
  }

  protected override forwardReward(xVelocity: number): number {
    return -Math.abs(xVelocity - this.task.targetVelocity);
  }
}

/** A HalfCheetah-Dir / Ant-Dir task: +1 forward, -1 backward along x. */
export interface DirectionParams {
  direction: 1 | -1;
}

function checkDirection(name: string, task: DirectionParams): void {
  if (task?.direction !== 1 && task?.direction !== -1) throw new TypeError(`${name}: direction must be 1 (forward) or -1 (backward), got ${String(task?.direction)}`);
}

/** HalfCheetah rewarded for running in `direction`. */
export class HalfCheetahDirEnv extends HalfCheetahEnv {
  constructor(readonly task: DirectionParams, options: LocomotionOptions = {}) {
    super({ ctrlCostWeight: 0.05, ...options });
    checkDirection("HalfCheetahDir", task);
  }

  protected override forwardReward(xVelocity: number): number {
    return this.task.direction * xVelocity;
  }
}

/** Ant rewarded for running in `direction` along x. */
export class AntDirEnv extends AntEnv {
  constructor(readonly task: DirectionParams, options: AntOptions = {}) {
    super(options);
    checkDirection("AntDir", task);
  }

  protected override forwardReward(xVelocity: number): number {
    return this.forwardRewardWeight * this.task.direction * xVelocity;
  }
}

/** An Ant-Goal task: the xy goal position. */
export interface AntGoalParams {
  goal: readonly [number, number];
}

/** Ant rewarded by minus its torso's distance to `goal`. */
export class AntGoalEnv extends AntEnv {
  constructor(readonly task: AntGoalParams, options: AntOptions = {}) {
    super(options);
    if (!task?.goal || task.goal.length !== 2 || !task.goal.every(Number.isFinite)) throw new TypeError(`AntGoal: goal must be two finite numbers [x, y], got ${String(task?.goal)}`);
  }

  protected override forwardReward(_vx: number, _vy: number, x: number, y: number): number {
    return -Math.hypot(x - this.task.goal[0], y - this.task.goal[1]);
  }
}

/** HalfCheetah-Vel tasks: target velocity uniform in [low, high] (MAML: [0, 2]). */
export function halfCheetahVelFamily(options: { low?: number; high?: number; maxEpisodeSteps?: number } = {}): TaskFamily<HalfCheetahVelParams, HalfCheetahVelEnv> {
  const low = options.low ?? 0;
  const high = options.high ?? 2;
  return { name: "HalfCheetahVel", sample: (rng: Rng) => ({ targetVelocity: rng.uniform(low, high) }), create: (p) => new HalfCheetahVelEnv(p), maxEpisodeSteps: options.maxEpisodeSteps ?? 200 };
}

/** HalfCheetah-Dir tasks: forward or backward, each with probability 1/2. */
export function halfCheetahDirFamily(options: { maxEpisodeSteps?: number } = {}): TaskFamily<DirectionParams, HalfCheetahDirEnv> {
  return {
    name: "HalfCheetahDir",
    sample: (rng: Rng) => ({ direction: rng.bernoulli(0.5) ? 1 : -1 }),
    create: (p) => new HalfCheetahDirEnv(p),
    maxEpisodeSteps: options.maxEpisodeSteps ?? 200,
    tasks: () => [{ direction: 1 }, { direction: -1 }],
  };
}

/** Ant-Dir tasks: forward or backward along x, each with probability 1/2. */
export function antDirFamily(options: { maxEpisodeSteps?: number } = {}): TaskFamily<DirectionParams, AntDirEnv> {
  return {
    name: "AntDir",
    sample: (rng: Rng) => ({ direction: rng.bernoulli(0.5) ? 1 : -1 }),
    create: (p) => new AntDirEnv(p),
    maxEpisodeSteps: options.maxEpisodeSteps ?? 200,
    tasks: () => [{ direction: 1 }, { direction: -1 }],
  };
}

/** Ant-Goal tasks: goals uniform in the disk of `radius` (PEARL: 3). */
export function antGoalFamily(options: { radius?: number; maxEpisodeSteps?: number } = {}): TaskFamily<AntGoalParams, AntGoalEnv> {
  const radius = options.radius ?? 3;
  return {
    name: "AntGoal",
    sample: (rng: Rng) => {
      const a = rng.uniform(0, 2 * Math.PI);
      const r = radius * Math.sqrt(rng.random());
      return { goal: [r * Math.cos(a), r * Math.sin(a)] as const };
    },
    create: (p) => new AntGoalEnv(p),
    maxEpisodeSteps: options.maxEpisodeSteps ?? 200,
  };
}
