/**
 * Goal-conditioned envs for hindsight experience replay (Andrychowicz et al. 2017, HER).
 *
 * Observations are Dicts `{observation, achievedGoal, desiredGoal}` (Gymnasium-Robotics'
 * GoalEnv layout, keys in camelCase), and `computeReward(achieved, desired)` recomputes the reward
 * for any goal, so a replay buffer can relabel transitions with goals achieved later.
 *
 * Bit flipping (HER sec. 3.1): the state and the goal are n bits; action i flips bit i; reward
 * 0 when the state equals the goal, else -1; the episode terminates on success and lasts at most
 * n steps (TimeLimit from `make`).
 *
 * 2D reach: a point in [-1, 1]^2 moves by 0.05 * action (action in [-1, 1]^2, the position
 * clipped to the square); goal and start uniform in the square; sparse reward 0 within 0.05 of
 * the goal, else -1 (Fetch's threshold); `rewardType: "dense"` gives minus the distance. Never
 * terminates; 50 steps.
 */
import { Env, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { Box, Dict, Discrete, MultiBinary } from "../core/spaces.js";
import { circle, rect, svgDocument, text } from "../core/svg.js";

/** A goal-conditioned observation. */
export interface GoalObs<T> {
  observation: T;
  achievedGoal: T;
  desiredGoal: T;
}

/** A goal-conditioned env: any achieved/desired goal pair can be rewarded after the fact. */
export abstract class GoalEnv<T extends ArrayLike<number>, A> extends Env<GoalObs<T>, A> {
  /** Numbers per goal. */
  abstract readonly goalDim: number;
  /** The reward for reaching `achieved` when `desired` was the goal (one goal each). */
  abstract computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number;

  /** Rewards for `batch` goal pairs laid out row by row (`batch * goalDim` numbers each). */
  computeRewardBatch(achieved: ArrayLike<number>, desired: ArrayLike<number>, batch: number): Float64Array {
    const g = this.goalDim;
    if (achieved.length !== batch * g || desired.length !== batch * g) {
      throw new RangeError(`${this.name}: computeRewardBatch expects ${batch} x ${g} numbers per argument, got ${achieved.length} and ${desired.length}`);
    }
    const out = new Float64Array(batch);
    const a = new Float64Array(g);
    const d = new Float64Array(g);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < g; j++) {
        a[j] = achieved[b * g + j];
        d[j] = desired[b * g + j];
      }
      out[b] = this.computeReward(a, d);
    }
    return out;
  }
}

/** HER's bit-flipping env with n bits (see the module comment). */
export class BitFlippingEnv extends GoalEnv<Int8Array, number> {
  readonly goalDim: number;
  readonly observationSpace: Dict<{ observation: MultiBinary; achievedGoal: MultiBinary; desiredGoal: MultiBinary }>;
  readonly actionSpace: Discrete;
  private readonly bits: Int8Array;
  private readonly goal: Int8Array;

  /** @param n number of bits (HER used up to 50) */
  constructor(readonly n = 10) {
    super();
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`BitFlipping: n must be a positive integer, got ${n}`);
    this.goalDim = n;
    this.observationSpace = new Dict({ observation: new MultiBinary(n), achievedGoal: new MultiBinary(n), desiredGoal: new MultiBinary(n) });
    this.actionSpace = new Discrete(n);
    this.bits = new Int8Array(n);
    this.goal = new Int8Array(n);
    this.metadata = { renderFps: 4 };
  }

  /** Episode length (n steps, as in HER). */
  get horizon(): number {
    return this.n;
  }

  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    for (let i = 0; i < this.n; i++) if (achieved[i] !== desired[i]) return -1;
    return 0;
  }

  private obs(): GoalObs<Int8Array> {
    return { observation: this.bits.slice(), achievedGoal: this.bits.slice(), desiredGoal: this.goal.slice() };
  }

  reset(args: ResetArgs = {}): ResetResult<GoalObs<Int8Array>> {
    this.seedRng(args.seed);
    for (let i = 0; i < this.n; i++) {
      this.bits[i] = this.rng.integer(2);
      this.goal[i] = this.rng.integer(2);
    }
    this.status = "running";
    return { obs: this.obs(), info: {} };
  }

  step(action: number): StepResult<GoalObs<Int8Array>, { isSuccess: boolean }> {
    this.checkStep(action);
    this.bits[action] = 1 - this.bits[action];
    const reward = this.computeReward(this.bits, this.goal);
    const isSuccess = reward === 0;
    return this.finishStep({ obs: this.obs(), reward, terminated: isSuccess, truncated: false, info: { isSuccess } });
  }

  override render(): string {
    const c = Math.min(40, Math.floor(480 / this.n));
    const W = c * this.n + 80;
    const parts: string[] = [text(4, 24, "state", 12), text(4, 24 + c + 8, "goal", 12)];
    for (let i = 0; i < this.n; i++) {
      parts.push(rect(70 + i * c, 8, c - 4, c - 4, this.bits[i] ? "#333333" : "#eeeeee", "#999999"));
      parts.push(rect(70 + i * c, 16 + c, c - 4, c - 4, this.goal[i] ? "#333333" : "#eeeeee", "#999999"));
    }
    return svgDocument(W, 2 * c + 28, parts);
  }
}

/** Options of the 2D reach env. */
export interface Reach2DOptions {
  /** "sparse" (0 / -1, default) or "dense" (minus the distance). */
  rewardType?: "sparse" | "dense";
  /** Success radius (default 0.05). */
  distanceThreshold?: number;
  /** Episode length (default 50). */
  horizon?: number;
}

/** A point that must reach a goal in the square [-1, 1]^2 (see the module comment). */
export class Reach2DEnv extends GoalEnv<Float32Array, Float32Array> {
  readonly goalDim = 2;
  readonly observationSpace = new Dict({
    observation: new Box<Float32Array>(-1, 1, [2], "float32"),
    achievedGoal: new Box<Float32Array>(-1, 1, [2], "float32"),
    desiredGoal: new Box<Float32Array>(-1, 1, [2], "float32"),
  });
  readonly actionSpace = new Box(-1, 1, [2], "float32");
  readonly rewardType: "sparse" | "dense";
  readonly distanceThreshold: number;
  readonly horizon: number;
  private readonly pos = new Float64Array(2);
  private readonly goal = new Float64Array(2);

  constructor(options: Reach2DOptions = {}) {
    super();
    this.rewardType = options.rewardType ?? "sparse";
    this.distanceThreshold = options.distanceThreshold ?? 0.05;
    this.horizon = options.horizon ?? 50;
  }

  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): number {
    const dx = achieved[0] - desired[0];
    const dy = achieved[1] - desired[1];
    const d = Math.sqrt(dx * dx + dy * dy);
    if (this.rewardType === "dense") return -d;
    return d > this.distanceThreshold ? -1 : 0;
  }

  private obs(): GoalObs<Float32Array> {
    return { observation: Float32Array.from(this.pos), achievedGoal: Float32Array.from(this.pos), desiredGoal: Float32Array.from(this.goal) };
  }

  reset(args: ResetArgs = {}): ResetResult<GoalObs<Float32Array>> {
    this.seedRng(args.seed);
    for (let i = 0; i < 2; i++) this.pos[i] = Math.fround(this.rng.uniform(-1, 1));
    for (let i = 0; i < 2; i++) this.goal[i] = Math.fround(this.rng.uniform(-1, 1));
    this.status = "running";
    return { obs: this.obs(), info: {} };
  }

  step(action: Float32Array | readonly number[]): StepResult<GoalObs<Float32Array>, { isSuccess: boolean }> {
    this.checkStep(action);
    for (let i = 0; i < 2; i++) this.pos[i] = Math.fround(Math.min(1, Math.max(-1, this.pos[i] + 0.05 * Math.fround(action[i]))));
    const obs = this.obs();
    const reward = this.computeReward(obs.achievedGoal, obs.desiredGoal);
    const dx = this.pos[0] - this.goal[0];
    const dy = this.pos[1] - this.goal[1];
    return this.finishStep({ obs, reward, terminated: false, truncated: false, info: { isSuccess: Math.sqrt(dx * dx + dy * dy) <= this.distanceThreshold } });
  }

  override render(): string {
    const S = 300;
    const px = (v: number): number => ((v + 1) / 2) * S;
    return svgDocument(S, S, [
      circle(px(this.goal[0]), S - px(this.goal[1]), Math.max(4, this.distanceThreshold * (S / 2)), "#2e9e5b"),
      circle(px(this.pos[0]), S - px(this.pos[1]), 6, "#d5452e"),
    ], "#f7f7f7");
  }
}
