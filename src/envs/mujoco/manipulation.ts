/**
 * A Meta-World-style manipulation scene (Yu et al. 2019) written here: a table (top at z = 0), a
 * two-finger hand driven by end-effector position deltas plus a grip command, a puck (cylinder,
 * radius 2 cm, height 4 cm, 0.1 kg) and a goal marker. Tasks: `reach` and `push` (Meta-World v2's
 * reach-v2 and push-v2).
 *
 * As in Meta-World (metaworld/envs/mujoco/sawyer_xyz/sawyer_xyz_env.py):
 * - action Box(-1, 1, (4,)): the hand target moves by action[0:3] / 100 m per step (action_scale
 *   1/100), clipped to the hand's workspace; action[3] is the grip effort (+1 closes).
 * - 5 physics steps of 2.5 ms per env step; episodes of 500 steps (max_path_length).
 * - observation (39): [hand xyz, gripper opening in [0, 1], puck xyz, puck quaternion (x, y, z, w),
 *   7 zeros] for this frame and the previous one, then the goal xyz.
 * - info.success by Meta-World v2's criteria: reach: |hand - goal| <= 0.05; push: |puck - goal| <= 0.05.
 * - task ranges: puck xy in [-0.1, 0.1] x [0.6, 0.7], goal (reach) in [-0.1, 0.1] x [0.8, 0.9] x
 *   [0.05, 0.3], goal (push) xy in [-0.1, 0.1] x [0.8, 0.9] on the table; puck and goal at least
 *   0.15 apart in xy; the hand starts at (0, 0.6, 0.2).
 *
 * Rewards: reach is Meta-World's (10 * tolerance(|hand - goal|, bounds 0..0.05, margin |hand_init -
 * goal|, long tail)). Push keeps Meta-World's in-place term and its 10 on success, with the gripper
 * caging term replaced by a reach-the-puck tolerance (this hand has no Sawyer pad geometry):
 * hamacher(tolerance(|hand - puck|, 0..0.02, margin |hand_init - puck_init|), in_place), plus
 * 1 + 5 in_place while the hand is within 5 cm of the puck.
 *
 * Differences from Meta-World: the hand is a free-floating gripper on three slide joints with stiff
 * position servos (Meta-World welds a Sawyer arm's hand to a mocap body); the scene is not
 * Meta-World's meshes. Tasks come from `reachFamily()` / `pushFamily()` (ML1-style parametric
 * variations) or are sampled at each reset from the env's seeded generator.
 */
import type { StepResult } from "../../core/env.js";
import type { TaskFamily } from "../../core/registry.js";
import type { Rng } from "../../core/rng.js";
import { Box } from "../../core/spaces.js";
import { MujocoEnv, unboundedBox, type MujocoModelOptions } from "./mujoco-env.js";

/** The scene: table, hand (3 slide joints + 2 finger pads), puck on a free joint, goal marker (mocap). */
export const MANIPULATION_XML = `<mujoco model="rlbook_manipulation">
  <option timestep="0.0025" gravity="0 0 -9.81"/>
  <default>
    <geom condim="3" friction="1 0.005 0.0001"/>
  </default>
  <worldbody>
    <geom name="table" type="box" pos="0 0.7 -0.025" size="0.6 0.4 0.025" rgba="0.65 0.5 0.35 1"/>
    <body name="hand" pos="0 0 0" gravcomp="1">
      <joint name="hand_x" type="slide" axis="1 0 0" damping="120" range="-0.5 0.5"/>
      <joint name="hand_y" type="slide" axis="0 1 0" damping="120" range="0.4 1.0"/>
      <joint name="hand_z" type="slide" axis="0 0 1" damping="120" range="0.01 0.5"/>
      <geom name="palm" type="box" pos="0 0 0.075" size="0.04 0.015 0.02" mass="1" contype="0" conaffinity="0" rgba="0.25 0.25 0.3 1"/>
      <body name="rightpad" gravcomp="1">
        <joint name="r_close" type="slide" axis="1 0 0" damping="5" range="0 0.035"/>
        <geom name="rightpad_geom" type="box" pos="0.008 0 0.025" size="0.004 0.012 0.03" mass="0.05" rgba="0.4 0.4 0.45 1"/>
      </body>
      <body name="leftpad" gravcomp="1">
        <joint name="l_close" type="slide" axis="-1 0 0" damping="5" range="0 0.035"/>
        <geom name="leftpad_geom" type="box" pos="-0.008 0 0.025" size="0.004 0.012 0.03" mass="0.05" rgba="0.4 0.4 0.45 1"/>
      </body>
    </body>
    <body name="obj" pos="0 0.6 0.02">
      <freejoint name="obj_joint"/>
      <geom name="objGeom" type="cylinder" size="0.02 0.02" mass="0.1" rgba="0.8 0.2 0.2 1"/>
    </body>
    <body name="goal" mocap="true" pos="0 0.85 0.02">
      <geom name="goal_marker" type="sphere" size="0.02" contype="0" conaffinity="0" rgba="0.1 0.8 0.2 0.5"/>
    </body>
  </worldbody>
  <actuator>
    <position name="x" joint="hand_x" kp="3000" ctrlrange="-0.5 0.5"/>
    <position name="y" joint="hand_y" kp="3000" ctrlrange="0.4 1.0"/>
    <position name="z" joint="hand_z" kp="3000" ctrlrange="0.01 0.5"/>
    <position name="r_close" joint="r_close" kp="100" ctrlrange="0 0.035"/>
    <position name="l_close" joint="l_close" kp="100" ctrlrange="0 0.035"/>
  </actuator>
</mujoco>`;

/** One manipulation task: where the puck starts and where the goal is. */
export interface ManipulationTask {
  objPos: readonly [number, number, number];
  goalPos: readonly [number, number, number];
}

/** The tasks of this scene. */
export type ManipulationTaskName = "reach" | "push";

/** Success radii (Meta-World v2: reach-v2 and push-v2 use 0.05 m). */
export const MANIPULATION_SUCCESS_RADIUS: Readonly<Record<ManipulationTaskName, number>> = Object.freeze({ reach: 0.05, push: 0.05 });

const HAND_INIT = [0, 0.6, 0.2] as const;
const HAND_LOW = [-0.5, 0.4, 0.01] as const;
const HAND_HIGH = [0.5, 1.0, 0.5] as const;
const ACTION_SCALE = 1 / 100;
const PUCK_Z = 0.02;

/** Meta-World's `reward_utils.tolerance` with the long-tail sigmoid (value 0.1 at the margin). */
export function tolerance(x: number, lower: number, upper: number, margin: number): number {
  if (x >= lower && x <= upper) return 1;
  if (margin <= 0) return 0;
  const d = (x < lower ? lower - x : x - upper) / margin;
  const scale = Math.sqrt(1 / 0.1 - 1);
  return 1 / ((d * scale) ** 2 + 1);
}

/** Meta-World's `reward_utils.hamacher_product`. */
export function hamacherProduct(a: number, b: number): number {
  const den = a + b - a * b;
  return den > 0 ? (a * b) / den : 0;
}

/** Draws a Meta-World-style task: puck and goal from their ranges, at least 0.15 apart in xy. */
export function sampleManipulationTask(task: ManipulationTaskName, rng: Rng): ManipulationTask {
  for (;;) {
    const objPos = [rng.uniform(-0.1, 0.1), rng.uniform(0.6, 0.7), PUCK_Z] as const;
    const goalPos = task === "reach" ? ([rng.uniform(-0.1, 0.1), rng.uniform(0.8, 0.9), rng.uniform(0.05, 0.3)] as const) : ([rng.uniform(-0.1, 0.1), rng.uniform(0.8, 0.9), PUCK_Z] as const);
    if (Math.hypot(objPos[0] - goalPos[0], objPos[1] - goalPos[1]) >= 0.15) return { objPos, goalPos };
  }
}

/** Options of {@link ManipulationEnv}. */
export interface ManipulationOptions extends Omit<MujocoModelOptions, "xml" | "file"> {
  /** The task's puck and goal; without it a new one is drawn at each reset from the env's generator. */
  task?: ManipulationTask;
}

/** The manipulation scene with one task (see the module comment). */
export class ManipulationEnv extends MujocoEnv {
  readonly observationSpace = unboundedBox(39);
  override readonly actionSpace: Box<Float32Array>;
  /** The current puck and goal. */
  current: ManipulationTask;
  private readonly fixedTask: ManipulationTask | undefined;
  private readonly target = new Float64Array(3);
  private readonly prev = new Float64Array(18);
  private readonly obj: number;
  private readonly objQpos: number;

  constructor(readonly taskName: ManipulationTaskName, options: ManipulationOptions = {}) {
    super(MANIPULATION_XML, options.frameSkip ?? 5, { frameSkip: options.frameSkip ?? 5 }, `Manipulation-${taskName}`);
    if (taskName !== "reach" && taskName !== "push") throw new TypeError(`ManipulationEnv: task must be "reach" or "push", got ${String(taskName)}`);
    this.actionSpace = new Box(-1, 1, [4], "float32");
    this.fixedTask = options.task;
    this.current = options.task ?? { objPos: [0, 0.6, PUCK_Z], goalPos: [0.1, 0.8, PUCK_Z] };
    this.obj = this.bodyId("obj");
    this.objQpos = 5; // hand x, y, z, r_close, l_close come first
    this.camera = { view: "top", scale: 600, center: [0, 0.7] };
  }

  /** The hand's tool-centre point (between the pads). */
  get handPos(): [number, number, number] {
    const q = this.qpos;
    return [q[0], q[1], q[2]];
  }

  /** The puck's position. */
  get objPos(): [number, number, number] {
    const x = this.xpos;
    return [x[3 * this.obj], x[3 * this.obj + 1], x[3 * this.obj + 2]];
  }

  protected resetModel(): void {
    this.current = this.fixedTask ?? sampleManipulationTask(this.taskName, this.rng);
    const qpos = this.initQpos.slice();
    qpos.set(HAND_INIT, 0);
    qpos[3] = 0.035;
    qpos[4] = 0.035;
    qpos.set(this.current.objPos, this.objQpos);
    qpos.set([1, 0, 0, 0], this.objQpos + 3);
    this.target.set(HAND_INIT);
    const ctrl = this.data.ctrl as Float64Array;
    ctrl.set([...HAND_INIT, 0.035, 0.035]);
    (this.data.mocap_pos as Float64Array).set(this.current.goalPos);
    this.setState(qpos, this.initQvel);
    this.frame(this.prev);
  }

  /** This frame's 18 numbers of the observation. */
  private frame(out: Float64Array): void {
    const q = this.qpos;
    out.fill(0);
    out[0] = q[0];
    out[1] = q[1];
    out[2] = q[2];
    out[3] = Math.min(1, Math.max(0, (q[3] + q[4] + 0.016) / 0.1));
    const p = this.objPos;
    out[4] = p[0];
    out[5] = p[1];
    out[6] = p[2];
    const quat = (this.data.xquat as Float64Array).subarray(4 * this.obj, 4 * this.obj + 4);
    out[7] = quat[1];
    out[8] = quat[2];
    out[9] = quat[3];
    out[10] = quat[0];
  }

  protected observe(): Float64Array {
    const o = new Float64Array(39);
    this.frame(o);
    o.set(this.prev, 18);
    o.set(this.current.goalPos, 36);
    return o;
  }

  /** The reward terms of the current state (see the module comment). */
  rewardTerms(): { reward: number; success: boolean; handToGoal: number; objToGoal: number; handToObj: number } {
    const h = this.handPos;
    const o = this.objPos;
    const g = this.current.goalPos;
    const handToGoal = Math.hypot(h[0] - g[0], h[1] - g[1], h[2] - g[2]);
    const objToGoal = Math.hypot(o[0] - g[0], o[1] - g[1], o[2] - g[2]);
    const handToObj = Math.hypot(h[0] - o[0], h[1] - o[1], h[2] - o[2]);
    if (this.taskName === "reach") {
      const margin = Math.hypot(HAND_INIT[0] - g[0], HAND_INIT[1] - g[1], HAND_INIT[2] - g[2]);
      return { reward: 10 * tolerance(handToGoal, 0, 0.05, margin), success: handToGoal <= MANIPULATION_SUCCESS_RADIUS.reach, handToGoal, objToGoal, handToObj };
    }
    const o0 = this.current.objPos;
    const inPlace = tolerance(objToGoal, 0, 0.05, Math.hypot(o0[0] - g[0], o0[1] - g[1], o0[2] - g[2]));
    const reachObj = tolerance(handToObj, 0, 0.02, Math.hypot(HAND_INIT[0] - o0[0], HAND_INIT[1] - o0[1], HAND_INIT[2] - o0[2]));
    let reward = hamacherProduct(reachObj, inPlace);
    if (handToObj < 0.05) reward += 1 + 5 * inPlace;
    if (objToGoal < 0.05) reward = 10;
    return { reward, success: objToGoal <= MANIPULATION_SUCCESS_RADIUS.push, handToGoal, objToGoal, handToObj };
  }

  protected stepTask(action: Float32Array | readonly number[]): StepResult<Float64Array> {
    this.frame(this.prev);
    for (let i = 0; i < 3; i++) this.target[i] = Math.min(HAND_HIGH[i], Math.max(HAND_LOW[i], this.target[i] + action[i] * ACTION_SCALE));
    // Grip effort +1 closes the pads (targets 0), -1 opens them fully.
    const pad = (0.035 * (1 - action[3])) / 2;
    this.doSimulation([this.target[0], this.target[1], this.target[2], pad, pad]);
    const t = this.rewardTerms();
    return {
      obs: this.observe(),
      reward: t.reward,
      terminated: false,
      truncated: false,
      info: { success: t.success ? 1 : 0, hand_to_goal: t.handToGoal, obj_to_target: t.objToGoal, near_object: t.handToObj },
    };
  }
}

/** ML1-style task family of one manipulation task: `sample(rng)` draws a puck and goal (parametric variation). */
export function manipulationFamily(task: ManipulationTaskName): TaskFamily<ManipulationTask, ManipulationEnv> {
  return { name: `Manipulation-${task}`, sample: (rng: Rng) => sampleManipulationTask(task, rng), create: (p) => new ManipulationEnv(task, { task: p }), maxEpisodeSteps: 500 };
}
