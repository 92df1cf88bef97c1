/**
 * Goal-directed tasks in the cost setting of Ayoub et al. 2024 ("Switching the Loss Reduces the
 * Cost in Batch RL"): cost 1 per step until the goal, cost 0 on reaching it, and the episode ends
 * there. As rewards (rlbook's envs pay rewards): -1 per step, 0 on the step that reaches the goal.
 * The optimal policy reaches the goal, so its accumulated cost is small: the setting where
 * FQI-LOG needs fewer samples than FQI with the squared loss. Registered with `make` on import:
 *
 * | id | dynamics | goal | TimeLimit |
 * |----|----------|------|-----------|
 * | GoalMountainCar-v0 | MountainCar-v0 (Gymnasium), actions 0 / 1 / 2 | position >= 0.5 (with velocity >= 0) | 200 |
 * | GoalPendulum-v0 | Pendulum-v1 (Gymnasium), torques -2 / 0 / +2 as actions 0 / 1 / 2 | upright: abs(angle) < 0.3 rad and abs(angular velocity) < 1 rad/s | 200 |
 *
 * `sampleTransitions` makes the uniform-coverage batches of fitted Q-iteration (Ernst et al.
 * 2005): states drawn uniformly over a box, one uniformly random action each, one step.
 */
import { Env, Wrapper, checkAction, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { register, registeredIds } from "../core/registry.js";
import { Rng } from "../core/rng.js";
import { Discrete } from "../core/spaces.js";
import { MountainCarEnv } from "../envs/mountain-car.js";
import { PendulumEnv, angleNormalize } from "../envs/pendulum.js";
import { Dataset } from "./dataset.js";

/** MountainCar-v0 with cost 1 per step and 0 at the goal (reward -1 / 0). */
export class GoalMountainCarEnv extends Wrapper<Float32Array, number> {
  constructor(env: MountainCarEnv = new MountainCarEnv()) {
    super(env);
  }

  override step(action: number): StepResult<Float32Array> {
    const r = this.env.step(action);
    return { ...r, reward: r.terminated ? 0 : -1 };
  }
}

/** The goal of {@link GoalPendulumEnv}. */
export interface GoalPendulumParams {
  /** Largest |angle| (rad, 0 = upright) that counts as the goal. */
  goalAngle: number;
  /** Largest |angular velocity| (rad/s) that counts as the goal. */
  goalSpeed: number;
}

export const GOAL_PENDULUM_DEFAULTS: Readonly<GoalPendulumParams> = Object.freeze({ goalAngle: 0.3, goalSpeed: 1 });

/**
 * Pendulum-v1's swing-up with three torques (-2, 0, +2) and a goal: the episode ends, at cost 0,
 * once the pendulum is upright and slow; every other step costs 1.
 */
export class GoalPendulumEnv extends Wrapper<Float32Array, number, Float32Array, Float32Array> {
  readonly goal: GoalPendulumParams;
  private readonly torques: number[];

  constructor(env: PendulumEnv = new PendulumEnv(), goal: Partial<GoalPendulumParams> = {}) {
    super(env);
    this.goal = { ...GOAL_PENDULUM_DEFAULTS, ...goal };
    const m = env.params.maxTorque;
    this.torques = [-m, 0, m];
    this.actionSpace = new Discrete(3);
  }

  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    return this.env.reset(args);
  }

  /** True when the pendulum's state [theta, thetadot] is in the goal set. */
  atGoal(state: ArrayLike<number>): boolean {
    return Math.abs(angleNormalize(state[0])) < this.goal.goalAngle && Math.abs(state[1]) < this.goal.goalSpeed;
  }

  override step(action: number): StepResult<Float32Array> {
    checkAction(this.name, this.actionSpace, action);
    const r = this.env.step(Float32Array.of(this.torques[action]));
    const done = this.atGoal((this.env.unwrapped as PendulumEnv).state);
    return { ...r, reward: done ? 0 : -1, terminated: done };
  }
}

/** Options of {@link sampleTransitions}. */
export interface SampleTransitionsOptions {
  /** Low and high corners of the box the (unwrapped env's) state is drawn from. */
  low: readonly number[];
  high: readonly number[];
  seed?: number;
}

/**
 * `n` one-step transitions from states drawn uniformly in [low, high] (set on the unwrapped env's
 * `state`), each with a uniformly random Discrete action. Each row is its own one-step episode
 * (a timeout unless the step reached a terminal state).
 */
export function sampleTransitions(env: Env, n: number, options: SampleTransitionsOptions): Dataset {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`sampleTransitions: n must be a positive integer, got ${n}`);
  const space = env.actionSpace;
  if (!(space instanceof Discrete)) throw new RangeError(`sampleTransitions: needs Discrete actions, got ${space}`);
  const base = env.unwrapped as Env & { state?: Float64Array };
  if (!(base.state instanceof Float64Array)) throw new RangeError(`sampleTransitions: ${env.name} has no settable state`);
  const S = base.state.length;
  if (options.low.length !== S || options.high.length !== S) throw new RangeError(`sampleTransitions: low and high need ${S} numbers (the state of ${env.name})`);
  const D = env.observationSpace.vecDim;
  const rng = new Rng(options.seed ?? 0);
  const out = { observations: new Float32Array(n * D), nextObservations: new Float32Array(n * D), actions: new Float32Array(n), rewards: new Float32Array(n), terminals: new Uint8Array(n), timeouts: new Uint8Array(n) };
  env.reset({ seed: options.seed ?? 0 });
  const st = new Float64Array(S);
  for (let i = 0; i < n; i++) {
    env.reset();
    for (let j = 0; j < S; j++) st[j] = rng.uniform(options.low[j], options.high[j]);
    base.state = st;
    const o = observe(env, base);
    const a = space.start + rng.integer(space.n);
    const r = env.step(a);
    env.observationSpace.writeVec(o, out.observations, i * D);
    env.observationSpace.writeVec(r.obs, out.nextObservations, i * D);
    out.actions[i] = a;
    out.rewards[i] = r.reward;
    out.terminals[i] = r.terminated ? 1 : 0;
    out.timeouts[i] = r.terminated ? 0 : 1;
  }
  return new Dataset(out, { obsDim: D, actDim: 1 }, { envId: env.spec?.id, observationSpace: env.observationSpace.toJSON(), actionSpace: space.toJSON(), policy: "uniform states, random actions" });
}

/** The observation of the unwrapped env's current state (classic control: the state, or Pendulum's [cos, sin, thetadot]). */
function observe(env: Env, base: Env & { state?: Float64Array }): Float32Array {
  const s = base.state!;
  if (base instanceof PendulumEnv) return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), s[1]);
  if (env.observationSpace.vecDim === s.length) return Float32Array.from(s);
  throw new RangeError(`sampleTransitions: cannot build ${env.name}'s observation from its state`);
}

/** Registers the goal tasks (once). */
export function registerGoalTasks(): void {
  if (!registeredIds().includes("GoalMountainCar-v0")) {
    register({ id: "GoalMountainCar-v0", create: () => new GoalMountainCarEnv(), maxEpisodeSteps: 200, description: "MountainCar-v0, cost 1 per step and 0 at the goal (reward -1 / 0)" });
  }
  if (!registeredIds().includes("GoalPendulum-v0")) {
    register({ id: "GoalPendulum-v0", create: (o) => new GoalPendulumEnv(new PendulumEnv(), (o.params ?? {}) as Partial<GoalPendulumParams>), maxEpisodeSteps: 200, description: "Pendulum-v1 swing-up with torques -2/0/2, cost 1 per step until upright and slow" });
  }
}
registerGoalTasks();

declare module "../core/registry.js" {
  /** The goal tasks' types, by id (what `make(id)` returns is typed from these). */
  interface EnvRegistry {
    "GoalMountainCar-v0": GoalMountainCarEnv;
    "GoalPendulum-v0": GoalPendulumEnv;
  }
}
