/**
 * The Meta-World v2 tasks of rlbook's manipulation scene: for each, the fixtures (MJCF), the hand's
 * start and workspace, the task variations (Meta-World's `_random_reset_space`), the object the
 * observation reports, and Meta-World v2's reward and success criterion, term by term
 * (metaworld/envs/mujoco/sawyer_xyz/v2/sawyer_<task>_v2.py, `compute_reward` / `evaluate_state`).
 *
 * | task | Meta-World | variation | success (Meta-World v2) |
 * |------|------------|-----------|--------------------------|
 * | reach | reach-v2 | puck xy, goal xyz | |hand - goal| <= 0.05 |
 * | push | push-v2 | puck xy, goal xy | |puck - goal| <= 0.05 |
 * | drawer-open | drawer-open-v2 | drawer x | |handle - target| <= 0.03 (target 0.2 m out) |
 * | drawer-close | drawer-close-v2 | drawer x | |handle - target| <= 0.055 (TARGET_RADIUS 0.04 + 0.015) |
 * | button-press-topdown | button-press-topdown-v2 | box xy | button top within 0.024 of its pressed height |
 * | window-open | window-open-v2 | window xy | |handle x - target x| <= 0.05 (target 0.2 m along x) |
 * | window-close | window-close-v2 | window y | |handle x - target x| <= 0.05 |
 * | pick-place | pick-place-v2 | puck xy, goal xyz | |puck - goal| <= 0.07 |
 * | door-open | door-open-v2 | door xy | |handle x - target x| <= 0.08 (target door + (-0.3, -0.45, 0)) |
 * | peg-insert-side | peg-insert-side-v2 | peg xy, box xy | |(peg head - target) * (1, 2, 2)| <= 0.07 |
 * | door-close | door-close-v2 | door xy | |handle - target| <= 0.08 (target door + (0.2, -0.2, 0)) |
 * | pick-place-wall | pick-place-wall-v2 | puck xy, goal xyz | |puck - goal| <= 0.07 |
 * | reach-wall | reach-wall-v2 | puck xy, goal xyz | |hand - goal| <= 0.05 |
 * | push-back | push-back-v2 | puck xy, goal xy | |puck - goal| <= 0.07 |
 * | button-press | button-press-v2 | box xy | button tip within 0.02 (along y) of its pressed position |
 *
 * The first ten are Meta-World's MT10; the last five are the held-out classes of rlbook's ML10
 * (benchmarks.ts). pick-place, peg-insert-side, push-back and pick-place-wall (manipulation-grasp.ts)
 * and the door (manipulation-door.ts) live in their own files.
 *
 * Differences from Meta-World, by task (the rest is as in Meta-World):
 * - push: the gripper caging term (Sawyer pad geometry) is replaced by a reach-the-puck tolerance:
 *   hamacher(tolerance(|hand - puck|, 0..0.02, margin |hand_init - puck_init|), in_place), plus
 *   1 + 5 in_place while the hand is within 5 cm of the puck; 10 on success (as Meta-World).
 * - the objects the observation reports are this scene's: the drawer handle (drawer-close in
 *   Meta-World reports a point 5 cm above its body's centre, which with Meta-World's drawer is the
 *   handle height; here the handle itself), the button's top, the window handle.
 * - pick-place, peg-insert-side, push-back, pick-place-wall: Meta-World's gripper caging terms, with
 *   the pad axis x (this hand's pads close along x; the Sawyer's along y).
 * - peg-insert-side: the two "collision box" regions that damp in_place are the slabs in front of
 *   the box's face below and above the hole (Meta-World's site corners belong to its mesh).
 * - the wall of pick-place-wall / reach-wall is a 12 cm box across the table at y = 0.75.
 */
import type { Rng } from "../../core/rng.js";
import type { ManipulationRewardTerms, ManipulationTask, ManipulationView, Vec3 } from "./manipulation.js";
import type { MujocoCamera } from "./render.js";
import { dist3, hamacherProduct, tolerance } from "./reward-utils.js";
import { DOOR_XML, DoorLogic, sampleDoorClose, sampleDoorOpen } from "./manipulation-door.js";
import { PEG_XML, PICK_PUCK_XML, PegInsertLogic, PickPlaceLogic, PickPlaceWallLogic, PushBackLogic, WALL_XML, pegTarget, samplePegInsert, samplePickPlace, samplePushBack } from "./manipulation-grasp.js";

/** The task names (Meta-World's, without the version). */
export type ManipulationTaskName =
  | "reach"
  | "push"
  | "pick-place"
  | "door-open"
  | "drawer-open"
  | "drawer-close"
  | "button-press-topdown"
  | "peg-insert-side"
  | "window-open"
  | "window-close"
  | "door-close"
  | "pick-place-wall"
  | "reach-wall"
  | "push-back"
  | "button-press";

/** What a task needs from the env while setting up an episode. */
export interface ManipulationSetup {
  setMocap(body: string, pos: Vec3): void;
  jointAddress(joint: string): number;
}

/** A task's per-episode logic (one object per env: it keeps the episode's initial values). */
export interface ManipulationTaskLogic {
  /** Places the fixtures and sets the object joints in `qpos` (hand already set) for a variation. */
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void;
  /** Records the episode's initial values (after the state was set). */
  begin(view: ManipulationView): void;
  /** The object position of the observation (obs[4:7]). */
  objectPos(view: ManipulationView): ArrayLike<number>;
  /** The object quaternion of the observation (obs[7:11]). */
  objectQuat(view: ManipulationView): ArrayLike<number>;
  /** The goal of the observation (obs[36:39]). */
  goal(view: ManipulationView): ArrayLike<number>;
  /** Meta-World v2's reward and success of the current state after `action`. */
  reward(view: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms;
}

/** One task: scene pieces, hand workspace, variations and logic. */
export interface ManipulationTaskSpec {
  readonly name: ManipulationTaskName;
  /** Meta-World's name of the task. */
  readonly metaWorld: string;
  /** The task's bodies in the worldbody (fixtures on mocap bodies; the goal marker is added by the scene). */
  readonly objectsXml: string;
  /** Bodies that must not collide with each other (a fixture and its moving part: MuJoCo's parent filter skips mocap parents). */
  readonly exclude?: readonly (readonly [string, string])[];
  readonly handInit: Vec3;
  /** The hand's workspace (Meta-World's hand_low / hand_high). */
  readonly handLow: Vec3;
  readonly handHigh: Vec3;
  readonly camera: MujocoCamera;
  /** The variation used before the first reset when none is given. */
  readonly defaultTask: ManipulationTask;
  /** Draws a variation (Meta-World's `_get_state_rand_vec` over `_random_reset_space`). */
  sample(rng: Rng): ManipulationTask;
  create(): ManipulationTaskLogic;
}

const TOP: MujocoCamera = { view: "top", scale: 600, center: [0, 0.7] };
const SIDE: MujocoCamera = { view: "side", scale: 900, center: [0, 0.15] };
const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const ZEROS4 = [0, 0, 0, 0];

// ---------------------------------------------------------------- reach, push (a puck on a free joint)

const PUCK_Z = 0.02;
const PUCK_XML = `<body name="obj" pos="0 0.6 0.02">
      <freejoint name="obj_joint"/>
      <geom name="objGeom" type="cylinder" size="0.02 0.02" mass="0.1" rgba="0.8 0.2 0.2 1"/>
    </body>`;

/** reach-v2 / push-v2 variations: puck xy in [-0.1, 0.1] x [0.6, 0.7]; goal in [-0.1, 0.1] x [0.8, 0.9] (x [0.05, 0.3] in z for reach); puck and goal >= 0.15 apart in xy. */
function samplePuckTask(reach: boolean, rng: Rng): ManipulationTask {
  for (;;) {
    const objPos: Vec3 = [rng.uniform(-0.1, 0.1), rng.uniform(0.6, 0.7), PUCK_Z];
    const goalPos: Vec3 = reach ? [rng.uniform(-0.1, 0.1), rng.uniform(0.8, 0.9), rng.uniform(0.05, 0.3)] : [rng.uniform(-0.1, 0.1), rng.uniform(0.8, 0.9), PUCK_Z];
    if (Math.hypot(objPos[0] - goalPos[0], objPos[1] - goalPos[1]) >= 0.15) return { objPos, goalPos };
  }
}

class PuckLogic implements ManipulationTaskLogic {
  constructor(private readonly reach: boolean) {}
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    const a = env.jointAddress("obj_joint");
    qpos.set(task.objPos, a);
    qpos.set([1, 0, 0, 0], a + 3);
    env.setMocap("goal", task.goalPos);
  }
  begin(): void {}
  objectPos(v: ManipulationView): ArrayLike<number> {
    return v.bodyPos("obj");
  }
  /** push-v2 / reach-v2 report the puck's orientation as scipy's (x, y, z, w). */
  objectQuat(v: ManipulationView): ArrayLike<number> {
    const q = v.bodyQuat("obj");
    return [q[1], q[2], q[3], q[0]];
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  reward(v: ManipulationView, _action: ArrayLike<number>): ManipulationRewardTerms {
    const h = v.tcp;
    const o = this.objectPos(v);
    const g = v.task.goalPos;
    const handToGoal = dist3(h, g);
    const objToGoal = dist3(o, g);
    const handToObj = dist3(h, o);
    if (this.reach) {
      // reach-v2: 10 * tolerance(|tcp - goal|, (0, 0.05), margin |hand_init - goal|, long_tail); success |tcp - goal| <= 0.05.
      const inPlace = tolerance(handToGoal, 0, 0.05, dist3(v.initTcp, g));
      return { reward: 10 * inPlace, success: handToGoal <= 0.05, nearObject: handToGoal <= 0.05, objToTarget: handToGoal, graspReward: handToObj, inPlaceReward: inPlace };
    }
    const o0 = v.task.objPos;
    const inPlace = tolerance(objToGoal, 0, 0.05, dist3(o0, g));
    const reachObj = tolerance(handToObj, 0, 0.02, dist3(v.initTcp, o0));
    let reward = hamacherProduct(reachObj, inPlace);
    if (handToObj < 0.05) reward += 1 + 5 * inPlace;
    if (objToGoal < 0.05) reward = 10;
    return { reward, success: objToGoal <= 0.05, nearObject: handToObj <= 0.03, objToTarget: objToGoal, graspReward: reachObj, inPlaceReward: inPlace };
  }
}

// ---------------------------------------------------------------- drawer (drawer-open-v2, drawer-close-v2)

/**
 * A cabinet on a mocap body at the variation's position (x in [-0.1, 0.1], y = 0.9, z = 0, as
 * Meta-World's nightstand); the drawer slides out along -y by up to 0.2 m; its handle is a bar
 * 0.16 m in front of the drawer's centre at height 0.09 m, on two posts that leave a 5 cm gap to
 * hook a finger into.
 */
const DRAWER_XML = `<body name="drawer" mocap="true" pos="0 0.9 0">
      <geom name="drawer_case" type="box" pos="0 0.005 0.065" size="0.11 0.095 0.065" rgba="0.45 0.33 0.25 1"/>
      <body name="drawer_link" pos="0 0 0.09">
        <joint name="drawer_slide" type="slide" axis="0 1 0" range="-0.2 0" damping="2"/>
        <geom name="drawer_box" type="box" size="0.1 0.1 0.035" mass="0.5" rgba="0.62 0.47 0.36 1"/>
        <geom name="handle_bar" type="box" pos="0 -0.16 0" size="0.05 0.01 0.01" mass="0.05" rgba="0.15 0.15 0.15 1"/>
        <geom name="handle_post_l" type="box" pos="-0.045 -0.13 0" size="0.005 0.03 0.008" mass="0.01" rgba="0.15 0.15 0.15 1"/>
        <geom name="handle_post_r" type="box" pos="0.045 -0.13 0" size="0.005 0.03 0.008" mass="0.01" rgba="0.15 0.15 0.15 1"/>
      </body>
    </body>`;
const HANDLE_OFFSET: Vec3 = [0, -0.16, 0];

function sampleDrawer(rng: Rng, open: boolean): ManipulationTask {
  const objPos: Vec3 = [rng.uniform(-0.1, 0.1), 0.9, 0];
  return { objPos, goalPos: drawerTarget(objPos, open) };
}

/** drawer-open-v2: obj_init + (0, -0.16 - maxDist, 0.09) with maxDist 0.2; drawer-close-v2: obj_init + (0, -0.16, 0.09). */
function drawerTarget(objPos: Vec3, open: boolean): Vec3 {
  return add(objPos, [0, open ? -0.36 : -0.16, 0.09]);
}

class DrawerLogic implements ManipulationTaskLogic {
  private handleInit: Vec3 = [0, 0, 0];
  constructor(private readonly open: boolean) {}
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    env.setMocap("drawer", task.objPos);
    env.setMocap("goal", task.goalPos);
    // drawer-close-v2 pulls the drawer out by maxDist = 0.15 before the episode.
    qpos[env.jointAddress("drawer_slide")] = this.open ? 0 : -0.15;
  }
  begin(v: ManipulationView): void {
    const p = this.objectPos(v);
    this.handleInit = [p[0], p[1], p[2]];
  }
  objectPos(v: ManipulationView): Vec3 {
    return add(v.bodyPos("drawer_link"), HANDLE_OFFSET);
  }
  objectQuat(v: ManipulationView): ArrayLike<number> {
    return this.open ? v.bodyQuat("drawer_link") : ZEROS4;
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  reward(v: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms {
    const handle = this.objectPos(v);
    const tcp = v.tcp;
    const target = v.task.goalPos;
    if (this.open) {
      // drawer-open-v2 compute_reward
      const handleError = dist3(handle, target);
      const opening = tolerance(handleError, 0, 0.02, 0.2);
      const handleInit = add(target, [0, 0.2, 0]);
      const err = Math.hypot(3 * (handle[0] - tcp[0]), 3 * (handle[1] - tcp[1]), handle[2] - tcp[2]);
      const errInit = Math.hypot(3 * (handleInit[0] - v.initTcp[0]), 3 * (handleInit[1] - v.initTcp[1]), handleInit[2] - v.initTcp[2]);
      const caging = tolerance(err, 0, 0.01, errInit);
      const gripperError = dist3(handle, tcp);
      return { reward: 5 * (caging + opening), success: handleError <= 0.03, nearObject: gripperError <= 0.03, objToTarget: handleError, graspReward: caging, inPlaceReward: opening };
    }
    // drawer-close-v2 compute_reward (TARGET_RADIUS 0.04)
    const R = 0.04;
    const targetToObj = dist3(handle, target);
    const targetToObjInit = dist3(this.handleInit, target);
    const inPlace = tolerance(targetToObj, 0, R, Math.abs(targetToObjInit - R));
    const reachRadius = 0.005;
    const tcpToObj = dist3(handle, tcp);
    const tcpToObjInit = dist3(this.handleInit, v.initTcp);
    let reach = tolerance(tcpToObj, 0, reachRadius, Math.abs(tcpToObjInit - reachRadius), "gaussian");
    const gripperClosed = Math.min(Math.max(0, action[3]), 1);
    reach = hamacherProduct(reach, gripperClosed);
    let reward = hamacherProduct(reach, inPlace);
    if (targetToObj <= R + 0.015) reward = 1;
    return { reward: 10 * reward, success: targetToObj <= R + 0.015, nearObject: tcpToObj <= 0.01, objToTarget: targetToObj, graspReward: reach, inPlaceReward: inPlace };
  }
}

// ---------------------------------------------------------------- button-press-topdown-v2

/**
 * A box whose top is at the variation's position (x in [-0.1, 0.1], y in [0.8, 0.9], z = 0.115,
 * Meta-World's range) with a round button standing 6 cm out of it on a spring (4 cm of travel).
 * The observed object is the button's top; the target (Meta-World's "hole" site) is the top's
 * height when pressed all the way.
 */
const BUTTON_XML = `<body name="box" mocap="true" pos="0 0.8 0.115">
      <geom name="button_box" type="box" pos="0 0 -0.0575" size="0.05 0.05 0.0575" rgba="0.3 0.3 0.36 1"/>
      <body name="button" pos="0 0 0.03" gravcomp="1">
        <joint name="button_slide" type="slide" axis="0 0 1" range="-0.04 0" stiffness="100" damping="2"/>
        <geom name="btnGeom" type="cylinder" size="0.02 0.03" mass="0.05" rgba="0.85 0.15 0.15 1"/>
      </body>
    </body>`;
const BUTTON_TOP = 0.06;
const BUTTON_TRAVEL = 0.04;

class ButtonTopdownLogic implements ManipulationTaskLogic {
  private objToTargetInit = BUTTON_TRAVEL;
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    env.setMocap("box", task.objPos);
    env.setMocap("goal", task.goalPos);
    qpos[env.jointAddress("button_slide")] = 0;
  }
  begin(v: ManipulationView): void {
    // Meta-World: |hole z - buttonStart z|, the travel from rest to fully pressed.
    this.objToTargetInit = Math.abs(v.task.goalPos[2] - (v.task.objPos[2] + BUTTON_TOP));
  }
  objectPos(v: ManipulationView): Vec3 {
    return add(v.bodyPos("button"), [0, 0, 0.03]);
  }
  objectQuat(v: ManipulationView): ArrayLike<number> {
    return v.bodyQuat("button");
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  reward(v: ManipulationView, _action: ArrayLike<number>): ManipulationRewardTerms {
    // button-press-topdown-v2 compute_reward
    const obj = this.objectPos(v);
    const tcp = v.tcp;
    const tcpToObj = dist3(obj, tcp);
    const tcpToObjInit = dist3(obj, v.initTcp);
    const objToTarget = Math.abs(v.task.goalPos[2] - obj[2]);
    const tcpClosed = 1 - v.gripperOpening;
    const nearButton = tolerance(tcpToObj, 0, 0.01, tcpToObjInit);
    const pressed = tolerance(objToTarget, 0, 0.005, this.objToTargetInit);
    let reward = 5 * hamacherProduct(tcpClosed, nearButton);
    if (tcpToObj <= 0.03) reward += 5 * pressed;
    return { reward, success: objToTarget <= 0.024, nearObject: tcpToObj <= 0.05, objToTarget, graspReward: nearButton, inPlaceReward: pressed };
  }
}

// ---------------------------------------------------------------- button-press-v2 (the button faces the robot)

/**
 * A box 0.12 m deep and 0.23 m high whose front face is at the variation's position (x in
 * [-0.1, 0.1], y in [0.85, 0.9], z 0.115, Meta-World's range), with a round button standing 6 cm
 * out of it toward the robot on a spring (4 cm of travel). The observed object is the button's tip
 * (Meta-World: the button body + (0, -0.193, 0), its tip); the target (the "hole" site) is the
 * tip's position when pressed all the way.
 */
const BUTTON_FRONT_XML = `<body name="bbox" mocap="true" pos="0 0.9 0.115">
      <geom name="bbox_geom" type="box" pos="0 0.06 0" size="0.06 0.06 0.115" rgba="0.3 0.3 0.36 1"/>
      <body name="fbutton" pos="0 0 0" gravcomp="1">
        <joint name="fbutton_slide" type="slide" axis="0 1 0" range="0 0.04" stiffness="100" damping="2"/>
        <geom name="fbtnGeom" type="cylinder" fromto="0 -0.06 0 0 0 0" size="0.02" mass="0.05" rgba="0.85 0.15 0.15 1"/>
        <site name="fbutton_tip" pos="0 -0.06 0" size="0.005"/>
      </body>
    </body>`;
const FRONT_TIP = -0.06;

class ButtonFrontLogic implements ManipulationTaskLogic {
  private objToTargetInit = BUTTON_TRAVEL;
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    env.setMocap("bbox", task.objPos);
    env.setMocap("goal", task.goalPos);
    qpos[env.jointAddress("fbutton_slide")] = 0;
  }
  begin(v: ManipulationView): void {
    // Meta-World: |hole y - buttonStart y|.
    this.objToTargetInit = Math.abs(v.task.goalPos[1] - this.objectPos(v)[1]);
  }
  objectPos(v: ManipulationView): Vec3 {
    return v.sitePos("fbutton_tip");
  }
  objectQuat(v: ManipulationView): ArrayLike<number> {
    return v.bodyQuat("fbutton");
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  reward(v: ManipulationView, _action: ArrayLike<number>): ManipulationRewardTerms {
    // button-press-v2 compute_reward: 2 hamacher(obs[3], near) + 8 pressed once within 5 cm; success within 0.02 along y.
    const obj = this.objectPos(v);
    const tcp = v.tcp;
    const tcpToObj = dist3(obj, tcp);
    const tcpToObjInit = dist3(obj, v.initTcp);
    const objToTarget = Math.abs(v.task.goalPos[1] - obj[1]);
    const near = tolerance(tcpToObj, 0, 0.05, tcpToObjInit);
    const pressed = tolerance(objToTarget, 0, 0.005, this.objToTargetInit);
    let reward = 2 * hamacherProduct(Math.max(v.gripperOpening, 0), near);
    if (tcpToObj <= 0.05) reward += 8 * pressed;
    return { reward, success: objToTarget <= 0.02, nearObject: tcpToObj <= 0.05, objToTarget, graspReward: near, inPlaceReward: pressed };
  }
}

// ---------------------------------------------------------------- window-open-v2, window-close-v2

/**
 * A window frame (two rails) on a mocap body at the variation's position; the pane slides along +x
 * by up to 0.2 m; its handle stands 3 cm in front of the pane (toward the robot), and the observed
 * object is the handle (Meta-World's handleOpenStart / handleCloseStart sites). Open: the pane
 * starts shut and the target is 0.2 m along x; close: it starts open by 0.2 m and the target is shut.
 */
const WINDOW_XML = `<body name="window" mocap="true" pos="0 0.785 0.16">
      <geom name="rail_top" type="box" pos="0.1 0 0.11" size="0.22 0.015 0.01" rgba="0.35 0.35 0.4 1"/>
      <geom name="rail_bottom" type="box" pos="0.1 0 -0.11" size="0.22 0.015 0.01" rgba="0.35 0.35 0.4 1"/>
      <body name="window_pane" pos="0 0 0">
        <joint name="window_slide" type="slide" axis="1 0 0" range="0 0.2" damping="5"/>
        <geom name="pane" type="box" size="0.1 0.008 0.1" mass="0.5" rgba="0.55 0.75 0.9 0.7"/>
        <geom name="window_handle" type="box" pos="0 -0.03 0" size="0.01 0.022 0.03" mass="0.05" rgba="0.15 0.15 0.15 1"/>
      </body>
    </body>`;
const WINDOW_HANDLE: Vec3 = [0, -0.03, 0];

class WindowLogic implements ManipulationTaskLogic {
  private handleInit: Vec3 = [0, 0, 0];
  constructor(private readonly open: boolean) {}
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    env.setMocap("window", task.objPos);
    env.setMocap("goal", task.goalPos);
    qpos[env.jointAddress("window_slide")] = this.open ? 0 : 0.2;
  }
  begin(v: ManipulationView): void {
    const p = this.objectPos(v);
    this.handleInit = [p[0], p[1], p[2]];
  }
  objectPos(v: ManipulationView): Vec3 {
    return add(v.bodyPos("window_pane"), WINDOW_HANDLE);
  }
  objectQuat(): ArrayLike<number> {
    return ZEROS4;
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  reward(v: ManipulationView, _action: ArrayLike<number>): ManipulationRewardTerms {
    // window-open-v2 / window-close-v2 compute_reward (TARGET_RADIUS 0.05, handle_radius 0.02)
    const R = 0.05;
    const obj = this.objectPos(v);
    const target = v.task.goalPos;
    const targetToObj = Math.abs(obj[0] - target[0]);
    // open: obj_init_pos.x - target.x; close: window_handle_pos_init.x - target.x (the same point here: the handle's start).
    const targetToObjInit = Math.abs(this.handleInit[0] - target[0]);
    const inPlace = tolerance(targetToObj, 0, R, Math.abs(targetToObjInit - R));
    const tcpToObj = dist3(obj, v.tcp);
    const tcpToObjInit = dist3(this.handleInit, v.initTcp);
    const reach = tolerance(tcpToObj, 0, 0.02, Math.abs(tcpToObjInit - 0.02), this.open ? "long_tail" : "gaussian");
    return { reward: 10 * hamacherProduct(reach, inPlace), success: targetToObj <= R, nearObject: tcpToObj <= 0.05, objToTarget: targetToObj, graspReward: reach, inPlaceReward: inPlace };
  }
}

// ---------------------------------------------------------------- the table of tasks

const HAND_LOW_PUCK: Vec3 = [-0.5, 0.4, 0.01];
const HAND_LOW: Vec3 = [-0.5, 0.4, 0.05];
const HAND_HIGH: Vec3 = [0.5, 1.0, 0.5];

/** Every task of the scene, by name. */
export const MANIPULATION_TASKS: Readonly<Record<ManipulationTaskName, ManipulationTaskSpec>> = Object.freeze({
  reach: { name: "reach", metaWorld: "reach-v2", objectsXml: PUCK_XML, handInit: [0, 0.6, 0.2], handLow: HAND_LOW_PUCK, handHigh: HAND_HIGH, camera: TOP, defaultTask: { objPos: [0, 0.6, PUCK_Z], goalPos: [0.1, 0.8, 0.2] }, sample: (rng: Rng) => samplePuckTask(true, rng), create: () => new PuckLogic(true) },
  push: { name: "push", metaWorld: "push-v2", objectsXml: PUCK_XML, handInit: [0, 0.6, 0.2], handLow: HAND_LOW_PUCK, handHigh: HAND_HIGH, camera: TOP, defaultTask: { objPos: [0, 0.6, PUCK_Z], goalPos: [0.1, 0.8, PUCK_Z] }, sample: (rng: Rng) => samplePuckTask(false, rng), create: () => new PuckLogic(false) },
  "pick-place": {
    name: "pick-place",
    metaWorld: "pick-place-v2",
    objectsXml: PICK_PUCK_XML,
    handInit: [0, 0.6, 0.2],
    handLow: HAND_LOW_PUCK,
    handHigh: HAND_HIGH,
    camera: SIDE,
    defaultTask: { objPos: [0, 0.6, 0.02], goalPos: [0.1, 0.8, 0.2] },
    sample: (rng: Rng) => samplePickPlace(rng),
    create: () => new PickPlaceLogic(),
  },
  "door-open": {
    name: "door-open",
    metaWorld: "door-open-v2",
    objectsXml: DOOR_XML,
    exclude: [["door", "door_link"]],
    handInit: [0, 0.6, 0.2],
    handLow: HAND_LOW,
    handHigh: HAND_HIGH,
    camera: TOP,
    defaultTask: { objPos: [0.1, 0.95, 0.15], goalPos: [-0.2, 0.5, 0.15] },
    sample: sampleDoorOpen,
    create: () => new DoorLogic(true),
  },
  "drawer-open": { name: "drawer-open", metaWorld: "drawer-open-v2", objectsXml: DRAWER_XML, exclude: [["drawer", "drawer_link"]], handInit: [0, 0.6, 0.2], handLow: HAND_LOW, handHigh: HAND_HIGH, camera: TOP, defaultTask: { objPos: [0, 0.9, 0], goalPos: drawerTarget([0, 0.9, 0], true) }, sample: (rng: Rng) => sampleDrawer(rng, true), create: () => new DrawerLogic(true) },
  "drawer-close": { name: "drawer-close", metaWorld: "drawer-close-v2", objectsXml: DRAWER_XML, exclude: [["drawer", "drawer_link"]], handInit: [0, 0.6, 0.2], handLow: HAND_LOW, handHigh: HAND_HIGH, camera: TOP, defaultTask: { objPos: [0, 0.9, 0], goalPos: drawerTarget([0, 0.9, 0], false) }, sample: (rng: Rng) => sampleDrawer(rng, false), create: () => new DrawerLogic(false) },
  "button-press-topdown": {
    name: "button-press-topdown",
    metaWorld: "button-press-topdown-v2",
    objectsXml: BUTTON_XML,
    exclude: [["box", "button"]],
    handInit: [0, 0.4, 0.2],
    handLow: HAND_LOW,
    handHigh: HAND_HIGH,
    camera: SIDE,
    defaultTask: { objPos: [0, 0.8, 0.115], goalPos: [0, 0.8, 0.115 + BUTTON_TOP - BUTTON_TRAVEL] },
    sample: (rng: Rng) => {
      const objPos: Vec3 = [rng.uniform(-0.1, 0.1), rng.uniform(0.8, 0.9), 0.115];
      return { objPos, goalPos: add(objPos, [0, 0, BUTTON_TOP - BUTTON_TRAVEL]) };
    },
    create: () => new ButtonTopdownLogic(),
  },
  "peg-insert-side": {
    name: "peg-insert-side",
    metaWorld: "peg-insert-side-v2",
    objectsXml: PEG_XML,
    handInit: [0, 0.6, 0.2],
    handLow: HAND_LOW_PUCK,
    handHigh: HAND_HIGH,
    camera: TOP,
    defaultTask: { objPos: [0.1, 0.6, 0.015], goalPos: pegTarget([-0.3, 0.6, 0]) },
    sample: samplePegInsert,
    create: () => new PegInsertLogic(),
  },
  "window-open": {
    name: "window-open",
    metaWorld: "window-open-v2",
    objectsXml: WINDOW_XML,
    exclude: [["window", "window_pane"]],
    handInit: [0, 0.4, 0.2],
    handLow: HAND_LOW,
    handHigh: HAND_HIGH,
    camera: TOP,
    defaultTask: { objPos: [-0.1, 0.785, 0.16], goalPos: [0.1, 0.755, 0.16] },
    // window-open-v2: window in [-0.1, 0.1] x [0.7, 0.9] x {0.16}; target = obj_init + (0.2, 0, 0) (the handle's x matters).
    sample: (rng: Rng) => {
      const objPos: Vec3 = [rng.uniform(-0.1, 0.1), rng.uniform(0.7, 0.9), 0.16];
      return { objPos, goalPos: add(add(objPos, WINDOW_HANDLE), [0.2, 0, 0]) };
    },
    create: () => new WindowLogic(true),
  },
  "window-close": {
    name: "window-close",
    metaWorld: "window-close-v2",
    objectsXml: WINDOW_XML,
    exclude: [["window", "window_pane"]],
    handInit: [0, 0.4, 0.2],
    handLow: HAND_LOW,
    handHigh: HAND_HIGH,
    camera: TOP,
    defaultTask: { objPos: [0, 0.785, 0.2], goalPos: [0, 0.755, 0.2] },
    // window-close-v2: window at {0} x [0.75, 0.9] x {0.2}; target = obj_init (the pane shut).
    sample: (rng: Rng) => {
      const objPos: Vec3 = [0, rng.uniform(0.75, 0.9), 0.2];
      return { objPos, goalPos: add(objPos, WINDOW_HANDLE) };
    },
    create: () => new WindowLogic(false),
  },
  "door-close": {
    name: "door-close",
    metaWorld: "door-close-v2",
    objectsXml: DOOR_XML,
    exclude: [["door", "door_link"]],
    handInit: [-0.5, 0.6, 0.2],
    handLow: HAND_LOW,
    handHigh: HAND_HIGH,
    camera: TOP,
    defaultTask: { objPos: [0.1, 0.95, 0.15], goalPos: [0.3, 0.75, 0.15] },
    sample: sampleDoorClose,
    create: () => new DoorLogic(false),
  },
  "pick-place-wall": {
    name: "pick-place-wall",
    metaWorld: "pick-place-wall-v2",
    objectsXml: PICK_PUCK_XML + WALL_XML,
    handInit: [0, 0.6, 0.2],
    handLow: HAND_LOW_PUCK,
    handHigh: HAND_HIGH,
    camera: SIDE,
    defaultTask: { objPos: [0, 0.6, 0.02], goalPos: [0, 0.85, 0.2] },
    sample: (rng: Rng) => samplePickPlace(rng, true),
    create: () => new PickPlaceWallLogic(),
  },
  "reach-wall": {
    name: "reach-wall",
    metaWorld: "reach-wall-v2",
    objectsXml: PUCK_XML + WALL_XML,
    handInit: [0, 0.6, 0.2],
    handLow: HAND_LOW_PUCK,
    handHigh: HAND_HIGH,
    camera: SIDE,
    defaultTask: { objPos: [0, 0.6, PUCK_Z], goalPos: [-0.05, 0.85, 0.2] },
    // reach-wall-v2: puck in [-0.05, 0.05] x [0.6, 0.65], goal in [-0.05, 0.05] x [0.85, 0.9] x [0.05, 0.3] (beyond the wall), >= 0.15 apart in xy.
    sample: (rng: Rng) => {
      for (;;) {
        const objPos: Vec3 = [rng.uniform(-0.05, 0.05), rng.uniform(0.6, 0.65), PUCK_Z];
        const goalPos: Vec3 = [rng.uniform(-0.05, 0.05), rng.uniform(0.85, 0.9), rng.uniform(0.05, 0.3)];
        if (Math.hypot(objPos[0] - goalPos[0], objPos[1] - goalPos[1]) >= 0.15) return { objPos, goalPos };
      }
    },
    create: () => new PuckLogic(true),
  },
  "push-back": {
    name: "push-back",
    metaWorld: "push-back-v2",
    objectsXml: PUCK_XML,
    handInit: [0, 0.6, 0.2],
    handLow: HAND_LOW_PUCK,
    handHigh: HAND_HIGH,
    camera: TOP,
    defaultTask: { objPos: [0, 0.8, PUCK_Z], goalPos: [0, 0.6, PUCK_Z] },
    sample: samplePushBack,
    create: () => new PushBackLogic(),
  },
  "button-press": {
    name: "button-press",
    metaWorld: "button-press-v2",
    objectsXml: BUTTON_FRONT_XML,
    exclude: [["bbox", "fbutton"]],
    handInit: [0, 0.4, 0.2],
    handLow: HAND_LOW,
    handHigh: HAND_HIGH,
    camera: TOP,
    defaultTask: { objPos: [0, 0.9, 0.115], goalPos: [0, 0.9 + FRONT_TIP + BUTTON_TRAVEL, 0.115] },
    sample: (rng: Rng) => {
      const objPos: Vec3 = [rng.uniform(-0.1, 0.1), rng.uniform(0.85, 0.9), 0.115];
      return { objPos, goalPos: add(objPos, [0, FRONT_TIP + BUTTON_TRAVEL, 0]) };
    },
    create: () => new ButtonFrontLogic(),
  },
});

/** The task names, in table order. */
export const MANIPULATION_TASK_NAMES = Object.keys(MANIPULATION_TASKS) as ManipulationTaskName[];
