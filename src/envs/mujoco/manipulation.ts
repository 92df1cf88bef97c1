/**
 * A Meta-World-style manipulation benchmark (Yu et al. 2019, "Meta-World: A Benchmark and
 * Evaluation for Multi-Task and Meta Reinforcement Learning"; v2 tasks) written here: a table
 * (top at z = 0), a two-finger hand driven by end-effector position deltas plus a grip command, and
 * per task the fixtures it needs (puck, door on a hinge, drawer, button box, peg and a box with a
 * hole, sliding window, wall). The tasks' geometry, reward and success live in
 * manipulation-tasks.ts (one task object per Meta-World task: the ten of MT10 and five more);
 * this file holds the hand, the stepping and the observation shared by all of them.
 *
 * As in Meta-World (metaworld/envs/mujoco/sawyer_xyz/sawyer_xyz_env.py):
 * - action Box(-1, 1, (4,)): the hand target moves by action[0:3] / 100 m per step (action_scale
 *   1/100), clipped to the task's hand workspace (hand_low / hand_high); action[3] is the grip
 *   effort (+1 closes).
 * - 5 physics steps of 2.5 ms per env step; episodes of 500 steps (max_path_length).
 * - observation (39): [hand xyz, gripper opening in [0, 1], object xyz, object quaternion, 7
 *   zeros] for this frame and the previous one, then the goal xyz. The object and its quaternion
 *   are the task's (`_get_pos_objects` / `_get_quat_objects`: a puck, a door or drawer handle, a
 *   button top, the peg's grip point, a window handle).
 * - info: success (by the task's Meta-World v2 criterion), near_object, obj_to_target,
 *   grasp_reward, in_place_reward.
 *
 * Differences from Meta-World: the hand is a free-floating gripper on three slide joints with stiff
 * position servos (Meta-World welds a Sawyer arm's hand to a mocap body); the fixtures are boxes and
 * cylinders written here, not Meta-World's meshes, placed as mocap bodies so one compiled model
 * serves every task variation. The hand's tool-centre point (Meta-World's `tcp_center`) is the hand
 * body's origin, at the bottom of the finger pads.
 */
import type { StepResult } from "../../core/env.js";
import type { TaskFamily } from "../../core/registry.js";
import type { Rng } from "../../core/rng.js";
import { Box } from "../../core/spaces.js";
import { mujoco } from "./engine.js";
import { MujocoEnv, unboundedBox, type MujocoModelOptions } from "./mujoco-env.js";
import { MANIPULATION_TASKS, type ManipulationTaskLogic, type ManipulationTaskName } from "./manipulation-tasks.js";


export type { ManipulationTaskName } from "./manipulation-tasks.js";

/** A point in the world (metres). */
export type Vec3 = readonly [number, number, number];

/** One task variation (Meta-World's random reset vector): where the object starts and where the goal is. */
export interface ManipulationTask {
  objPos: Vec3;
  goalPos: Vec3;
}

/** The hand: 3 slide joints (qpos 0..2) + 2 finger pads (qpos 3, 4), position servos on all five. */
const HAND_XML = `<body name="hand" pos="0 0 0" gravcomp="1">
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
    </body>`;

/** The MJCF of a task's scene: table, hand, the task's fixtures, a goal marker (mocap). */
export function manipulationXml(task: ManipulationTaskName): string {
  const spec = MANIPULATION_TASKS[task];
  if (!spec) throw new TypeError(`manipulation: unknown task ${String(task)}; the tasks are ${Object.keys(MANIPULATION_TASKS).join(", ")}`);
  return `<mujoco model="rlbook_manipulation_${task}">
  <option timestep="0.0025" gravity="0 0 -9.81"/>
  <default>
    <geom condim="3" friction="1 0.005 0.0001"/>
  </default>
  <worldbody>
    <geom name="table" type="box" pos="0 0.7 -0.025" size="0.6 0.4 0.025" rgba="0.65 0.5 0.35 1"/>
    ${HAND_XML}
    ${spec.objectsXml}
    <body name="goal" mocap="true" pos="0 0.85 0.02">
      <geom name="goal_marker" type="sphere" size="0.02" contype="0" conaffinity="0" rgba="0.1 0.8 0.2 0.5"/>
    </body>
  </worldbody>
  <contact>${(spec.exclude ?? []).map(([a, b]) => `<exclude body1="${a}" body2="${b}"/>`).join("")}</contact>
  <actuator>
    <position name="x" joint="hand_x" kp="3000" ctrlrange="-0.5 0.5"/>
    <position name="y" joint="hand_y" kp="3000" ctrlrange="0.4 1.0"/>
    <position name="z" joint="hand_z" kp="3000" ctrlrange="0.01 0.5"/>
    <position name="r_close" joint="r_close" kp="100" ctrlrange="0 0.035"/>
    <position name="l_close" joint="l_close" kp="100" ctrlrange="0 0.035"/>
  </actuator>
</mujoco>`;
}

/** The reach / push scene (kept under its old name). */
export const MANIPULATION_XML = manipulationXml("push");

/** Draws a task variation as Meta-World's `_get_state_rand_vec` does for the task (ranges in manipulation-tasks.ts). */
export function sampleManipulationTask(task: ManipulationTaskName, rng: Rng): ManipulationTask {
  const spec = MANIPULATION_TASKS[task];
  if (!spec) throw new TypeError(`sampleManipulationTask: unknown task ${String(task)}; the tasks are ${Object.keys(MANIPULATION_TASKS).join(", ")}`);
  return spec.sample(rng);
}

/** Options of {@link ManipulationEnv}. */
export interface ManipulationOptions extends Omit<MujocoModelOptions, "xml" | "file"> {
  /** The task variation; without it a new one is drawn at each reset from the env's generator. */
  task?: ManipulationTask;
}

/** What a task's reward and success read of the scene (the env implements it). */
export interface ManipulationView {
  /** The hand's tool-centre point now. */
  readonly tcp: Vec3;
  /** The tool-centre point at the start of the episode (Meta-World's init_tcp). */
  readonly initTcp: Vec3;
  /** Gripper opening in [0, 1] (obs[3]). */
  readonly gripperOpening: number;
  /** The current task variation. */
  readonly task: ManipulationTask;
  /** A body's world position. */
  bodyPos(name: string): [number, number, number];
  /** A body's world orientation (MuJoCo's w, x, y, z). */
  bodyQuat(name: string): [number, number, number, number];
  /** A body's centre of mass in the world (Meta-World's get_body_com). */
  bodyCom(name: string): [number, number, number];
  /** A joint's position (qpos of a 1-dof joint). */
  jointPos(name: string): number;
  /** A site's world position. */
  sitePos(name: string): [number, number, number];
}

/** The reward terms a task reports (Meta-World's evaluate_state info). */
export interface ManipulationRewardTerms {
  reward: number;
  success: boolean;
  /** Meta-World's near_object flag. */
  nearObject: boolean;
  /** Distance of the object to its target (Meta-World's obj_to_target). */
  objToTarget: number;
  graspReward: number;
  inPlaceReward: number;
}

/** The manipulation scene with one task (see the module comment). */
export class ManipulationEnv extends MujocoEnv implements ManipulationView {
  readonly observationSpace = unboundedBox(39);
  override readonly actionSpace: Box<Float32Array>;
  /** The current task variation. */
  current: ManipulationTask;
  /** The task's reward and success (Meta-World's compute_reward / evaluate_state). */
  readonly logic: ManipulationTaskLogic;
  private readonly fixedTask: ManipulationTask | undefined;
  private readonly target = new Float64Array(3);
  private readonly prev = new Float64Array(18);
  private readonly bodies = new Map<string, number>();
  private readonly joints = new Map<string, number>();
  private readonly sites = new Map<string, number>();
  private initTcpPos: Vec3 = [0, 0, 0];
  private lastAction = new Float32Array(4);

  constructor(
    readonly taskName: ManipulationTaskName,
    options: ManipulationOptions = {},
  ) {
    if (!Object.prototype.hasOwnProperty.call(MANIPULATION_TASKS, taskName)) throw new TypeError(`ManipulationEnv: unknown task ${String(taskName)}; the tasks are ${Object.keys(MANIPULATION_TASKS).join(", ")}`);
    super(manipulationXml(taskName), options.frameSkip ?? 5, { frameSkip: options.frameSkip ?? 5 }, `Manipulation-${taskName}`);
    this.actionSpace = new Box(-1, 1, [4], "float32");
    this.logic = MANIPULATION_TASKS[taskName].create();
    this.fixedTask = options.task;
    this.current = options.task ?? MANIPULATION_TASKS[taskName].defaultTask;
    this.camera = MANIPULATION_TASKS[taskName].camera;
  }

  /** The Meta-World v2 name of this env's task (e.g. "drawer-open-v2"). */
  get metaWorldName(): string {
    return MANIPULATION_TASKS[this.taskName].metaWorld;
  }

  get task(): ManipulationTask {
    return this.current;
  }

  get tcp(): Vec3 {
    const q = this.qpos;
    return [q[0], q[1], q[2]];
  }

  get initTcp(): Vec3 {
    return this.initTcpPos;
  }

  /** The hand's tool-centre point (between the pads). */
  get handPos(): [number, number, number] {
    const q = this.qpos;
    return [q[0], q[1], q[2]];
  }

  /** The task's object position (obs[4:7]). */
  get objPos(): [number, number, number] {
    const p = this.logic.objectPos(this);
    return [p[0], p[1], p[2]];
  }

  get gripperOpening(): number {
    const q = this.qpos;
    return Math.min(1, Math.max(0, (q[3] + q[4] + 0.016) / 0.1));
  }

  private id(kind: "body" | "joint" | "site", name: string): number {
    const cache = kind === "body" ? this.bodies : kind === "joint" ? this.joints : this.sites;
    let id = cache.get(name);
    if (id === undefined) {
      const mj = mujoco();
      id = mj.mj_name2id(this.model, kind === "body" ? mj.mjtObj.mjOBJ_BODY.value : kind === "joint" ? mj.mjtObj.mjOBJ_JOINT.value : mj.mjtObj.mjOBJ_SITE.value, name);
      if (id < 0) throw new Error(`${this.name}: the model has no ${kind} named "${name}"`);
      cache.set(name, id);
    }
    return id;
  }

  bodyPos(name: string): [number, number, number] {
    const b = this.id("body", name);
    const x = this.xpos;
    return [x[3 * b], x[3 * b + 1], x[3 * b + 2]];
  }

  sitePos(name: string): [number, number, number] {
    const s = this.id("site", name);
    const x = this.data.site_xpos as Float64Array;
    return [x[3 * s], x[3 * s + 1], x[3 * s + 2]];
  }

  bodyCom(name: string): [number, number, number] {
    const b = this.id("body", name);
    const x = this.data.xipos as Float64Array;
    return [x[3 * b], x[3 * b + 1], x[3 * b + 2]];
  }

  bodyQuat(name: string): [number, number, number, number] {
    const b = this.id("body", name);
    const q = this.data.xquat as Float64Array;
    return [q[4 * b], q[4 * b + 1], q[4 * b + 2], q[4 * b + 3]];
  }

  /** The qpos address of a named 1-dof joint. */
  jointAddress(name: string): number {
    return (this.model.jnt_qposadr as Int32Array)[this.id("joint", name)];
  }

  jointPos(name: string): number {
    return this.qpos[this.jointAddress(name)];
  }

  /** Places a mocap body (a fixture or the goal marker) for the episode. */
  setMocap(name: string, pos: Vec3): void {
    const m = (this.model.body_mocapid as Int32Array)[this.id("body", name)];
    if (m < 0) throw new Error(`${this.name}: body "${name}" is not a mocap body`);
    (this.data.mocap_pos as Float64Array).set(pos, 3 * m);
  }

  protected resetModel(): void {
    const spec = MANIPULATION_TASKS[this.taskName];
    this.current = this.fixedTask ?? spec.sample(this.rng);
    const qpos = this.initQpos.slice();
    qpos.set(spec.handInit, 0);
    qpos[3] = 0.035;
    qpos[4] = 0.035;
    this.target.set(spec.handInit);
    (this.data.ctrl as Float64Array).set([...spec.handInit, 0.035, 0.035]);
    this.logic.setup(this, qpos, this.current);
    this.setState(qpos, this.initQvel);
    this.initTcpPos = this.tcp;
    this.logic.begin(this);
    this.lastAction.fill(0);
    this.frame(this.prev);
  }

  /** This frame's 18 numbers of the observation. */
  private frame(out: Float64Array): void {
    const q = this.qpos;
    out.fill(0);
    out[0] = q[0];
    out[1] = q[1];
    out[2] = q[2];
    out[3] = this.gripperOpening;
    out.set(this.logic.objectPos(this), 4);
    out.set(this.logic.objectQuat(this), 7);
  }

  protected observe(): Float64Array {
    const o = new Float64Array(39);
    this.frame(o);
    o.set(this.prev, 18);
    o.set(this.logic.goal(this), 36);
    return o;
  }

  /** The reward terms of the current state after `action` (default: the last action taken). */
  rewardTerms(action: ArrayLike<number> = this.lastAction): ManipulationRewardTerms {
    return this.logic.reward(this, action);
  }

  protected stepTask(action: Float32Array | readonly number[]): StepResult<Float64Array> {
    const spec = MANIPULATION_TASKS[this.taskName];
    this.frame(this.prev);
    for (let i = 0; i < 4; i++) this.lastAction[i] = action[i];
    for (let i = 0; i < 3; i++) this.target[i] = Math.min(spec.handHigh[i], Math.max(spec.handLow[i], this.target[i] + action[i] * (1 / 100)));
    // Grip effort +1 closes the pads (targets 0), -1 opens them fully.
    const pad = (0.035 * (1 - action[3])) / 2;
    this.doSimulation([this.target[0], this.target[1], this.target[2], pad, pad]);
    const t = this.logic.reward(this, action);
    return {
      obs: this.observe(),
      reward: t.reward,
      terminated: false,
      truncated: false,
      info: { success: t.success ? 1 : 0, near_object: t.nearObject ? 1 : 0, obj_to_target: t.objToTarget, grasp_reward: t.graspReward, in_place_reward: t.inPlaceReward },
    };
  }
}

/** ML1-style task family of one manipulation task: `sample(rng)` draws a variation (object and goal positions). */
export function manipulationFamily(task: ManipulationTaskName): TaskFamily<ManipulationTask, ManipulationEnv> {
  if (!Object.prototype.hasOwnProperty.call(MANIPULATION_TASKS, task)) throw new TypeError(`manipulationFamily: unknown task ${String(task)}; the tasks are ${Object.keys(MANIPULATION_TASKS).join(", ")}`);
  return { name: `Manipulation-${task}`, sample: (rng: Rng) => MANIPULATION_TASKS[task].sample(rng), create: (p) => new ManipulationEnv(task, { task: p }), maxEpisodeSteps: 500 };
}
