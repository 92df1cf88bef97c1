/**
 * The grasping tasks of the manipulation scene: pick-place-v2 (the puck lifted to a goal in the
 * air) and peg-insert-side-v2 (a peg carried to a box and pushed sideways into its hole), with
 * Meta-World v2's rewards term by term (metaworld/envs/mujoco/sawyer_xyz/v2/sawyer_pick_place_v2.py
 * and sawyer_peg_insertion_side_v2.py, `compute_reward`; the gripper caging term from
 * sawyer_xyz_env.py `_gripper_caging_reward`).
 *
 * Meta-World's Sawyer fingers close along y; this scene's pads close along x. The caging terms are
 * written for the pad axis: Meta-World's "y" (pad) distances are x distances here and its "x-z"
 * (off-pad) distances are y-z distances. Everything else is as in Meta-World.
 */
import type { Rng } from "../../core/rng.js";
import type { ManipulationRewardTerms, ManipulationTask, ManipulationView, Vec3 } from "./manipulation.js";
import type { ManipulationSetup, ManipulationTaskLogic } from "./manipulation-tasks.js";
import { dist3, hamacherProduct, rectPrismTolerance, tolerance } from "./reward-utils.js";

const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
/** Distance in the plane off the pad axis (Meta-World's x-z plane; y-z here). */
const offPad = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.hypot(a[1] - b[1], a[2] - b[2]);
/** MuJoCo's (w, x, y, z) as scipy's (x, y, z, w), the order Meta-World's observations use. */
const scipyQuat = (q: readonly number[]): number[] => [q[1], q[2], q[3], q[0]];

/** Pad centres of mass at the start of the episode (Meta-World's init_left_pad / init_right_pad). */
interface PadsInit {
  pos: Vec3;
  neg: Vec3;
}

function padsNow(v: ManipulationView): PadsInit {
  return { pos: v.bodyCom("rightpad"), neg: v.bodyCom("leftpad") };
}

/** Options of {@link baseCaging} (Meta-World's _gripper_caging_reward arguments). */
interface CagingOptions {
  objRadius: number;
  padThresh: number;
  offThresh: number;
  highDensity: boolean;
}

/**
 * sawyer_xyz_env._gripper_caging_reward (the base class's): each pad's distance to the object
 * against the bounds (obj_radius, pad_success_thresh) with a margin from its distance to the
 * object's start; the off-pad distance of tcp and object with a margin from their start values;
 * gripping counts once caging > 0.97; high_density averages caging-and-gripping with caging.
 */
function baseCaging(v: ManipulationView, action: ArrayLike<number>, obj: ArrayLike<number>, objInit: ArrayLike<number>, o: CagingOptions): number {
  const now = padsNow(v);
  const c = [now.neg[0], now.pos[0]].map((p) => tolerance(Math.abs(p - obj[0]), o.objRadius, o.padThresh, Math.abs(Math.abs(p - objInit[0]) - o.padThresh)));
  const padCaging = hamacherProduct(c[0], c[1]);
  const offCaging = tolerance(offPad(v.tcp, obj), 0, o.offThresh, offPad(objInit, v.initTcp) - o.offThresh);
  const closed = Math.min(Math.max(0, action[3]), 1);
  const caging = hamacherProduct(padCaging, offCaging);
  const gripping = caging > 0.97 ? closed : 0;
  const cg = hamacherProduct(caging, gripping);
  return o.highDensity ? (cg + caging) / 2 : cg;
}

// ---------------------------------------------------------------- pick-place-v2 (and pick-place-wall-v2)

/** The puck of reach / push, here grasped and lifted. */
export const PICK_PUCK_XML = `<body name="obj" pos="0 0.6 0.02">
      <freejoint name="obj_joint"/>
      <geom name="objGeom" type="cylinder" size="0.02 0.02" mass="0.1" friction="1.5 0.005 0.0001" rgba="0.8 0.2 0.2 1"/>
    </body>`;

/** A wall across the table between the puck and the goal (pick-place-wall-v2, reach-wall-v2): 12 cm high. */
export const WALL_XML = `<body name="wall" pos="0 0.75 0.06">
      <geom name="wall_geom" type="box" size="0.15 0.01 0.06" rgba="0.55 0.55 0.6 1"/>
    </body>`;

/**
 * pick-place-v2 variations: puck in [-0.1, 0.1] x [0.6, 0.7] (z 0.02), goal in [-0.1, 0.1] x
 * [0.8, 0.9] x [0.05, 0.3], redrawn until puck and goal are >= 0.15 apart in xy.
 */
export function samplePickPlace(rng: Rng, wall = false): ManipulationTask {
  for (;;) {
    // pick-place-wall-v2: puck in [-0.05, 0.05] x [0.6, 0.65], goal in [-0.05, 0.05] x [0.85, 0.9] x [0.05, 0.3].
    const objPos: Vec3 = wall ? [rng.uniform(-0.05, 0.05), rng.uniform(0.6, 0.65), 0.02] : [rng.uniform(-0.1, 0.1), rng.uniform(0.6, 0.7), 0.02];
    const goalPos: Vec3 = wall ? [rng.uniform(-0.05, 0.05), rng.uniform(0.85, 0.9), rng.uniform(0.05, 0.3)] : [rng.uniform(-0.1, 0.1), rng.uniform(0.8, 0.9), rng.uniform(0.05, 0.3)];
    if (Math.hypot(objPos[0] - goalPos[0], objPos[1] - goalPos[1]) >= 0.15) return { objPos, goalPos };
  }
}

/** pick-place-v2 compute_reward; success |puck - goal| <= 0.07. */
export class PickPlaceLogic implements ManipulationTaskLogic {
  private pads: PadsInit = { pos: [0, 0, 0], neg: [0, 0, 0] };
  /** The pads' centres of mass at the start of the episode. */
  protected get initialPads(): PadsInit {
    return this.pads;
  }
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    const a = env.jointAddress("obj_joint");
    qpos.set(task.objPos, a);
    qpos.set([1, 0, 0, 0], a + 3);
    env.setMocap("goal", task.goalPos);
  }
  begin(v: ManipulationView): void {
    this.pads = padsNow(v);
  }
  objectPos(v: ManipulationView): ArrayLike<number> {
    return v.bodyCom("obj");
  }
  objectQuat(v: ManipulationView): ArrayLike<number> {
    return scipyQuat(v.bodyQuat("obj"));
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  /** pick-place-v2's own _gripper_caging_reward (obj_radius 0.015, pad margin 0.05, x-z margin 0.005). */
  caging(v: ManipulationView, action: ArrayLike<number>, obj: ArrayLike<number>): number {
    const objRadius = 0.015;
    const padMargin = 0.05;
    const offPadMargin = 0.005;
    const now = padsNow(v);
    const deltaPos = now.pos[0] - obj[0];
    const deltaNeg = obj[0] - now.neg[0];
    const posMargin = Math.abs(Math.abs(obj[0] - this.pads.pos[0]) - padMargin);
    const negMargin = Math.abs(Math.abs(obj[0] - this.pads.neg[0]) - padMargin);
    const padCaging = hamacherProduct(tolerance(deltaNeg, objRadius, padMargin, negMargin), tolerance(deltaPos, objRadius, padMargin, posMargin));
    const o0 = v.task.objPos;
    const offCaging = tolerance(offPad(v.tcp, obj), 0, offPadMargin, offPad(o0, v.initTcp) - offPadMargin);
    const closed = Math.min(Math.max(0, action[3]), 1);
    const caging = hamacherProduct(padCaging, offCaging);
    const gripping = caging > 0.97 ? closed : 0;
    return (hamacherProduct(caging, gripping) + caging) / 2;
  }
  reward(v: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms {
    const R = 0.05;
    const tcp = v.tcp;
    const obj = this.objectPos(v);
    const target = v.task.goalPos;
    const o0 = v.task.objPos;
    const objToTarget = dist3(obj, target);
    const tcpToObj = dist3(obj, tcp);
    const inPlace = tolerance(objToTarget, 0, R, dist3(o0, target));
    const grasped = this.caging(v, action, obj);
    let reward = hamacherProduct(grasped, inPlace);
    if (tcpToObj < 0.02 && v.gripperOpening > 0 && obj[2] - 0.01 > o0[2]) reward += 1 + 5 * inPlace;
    if (objToTarget < R) reward = 10;
    return { reward, success: objToTarget <= 0.07, nearObject: tcpToObj <= 0.03, objToTarget, graspReward: grasped, inPlaceReward: inPlace };
  }
}

/**
 * pick-place-wall-v2 compute_reward: the base caging term (obj_radius 0.015, pad 0.05, x-z 0.005);
 * in place first toward a midpoint above the wall (goal x, 0.77, 0.25; z counted 3x), then, once
 * the puck is past y 0.75, toward the goal; success |puck - goal| <= 0.07.
 */
export class PickPlaceWallLogic extends PickPlaceLogic {
  override reward(v: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms {
    const R = 0.05;
    const tcp = v.tcp;
    const obj = this.objectPos(v);
    const target = v.task.goalPos;
    const o0 = v.task.objPos;
    const mid = [target[0], 0.77, 0.25];
    const toMid = (p: ArrayLike<number>): number => Math.hypot(p[0] - mid[0], p[1] - mid[1], 3 * (p[2] - mid[2]));
    const tcpToObj = dist3(obj, tcp);
    const objToTarget = dist3(obj, target);
    const part1 = tolerance(toMid(obj), 0, R, toMid(o0));
    const part2 = tolerance(objToTarget, 0, R, dist3(o0, target));
    const grasped = baseCaging(v, action, obj, o0, { objRadius: 0.015, padThresh: 0.05, offThresh: 0.005, highDensity: false });
    const both = hamacherProduct(grasped, part1);
    let reward = both;
    if (tcpToObj < 0.02 && v.gripperOpening > 0 && obj[2] - 0.015 > o0[2]) reward = obj[1] > 0.75 ? both + 5 + 3 * part2 : both + 1 + 4 * part1;
    if (objToTarget < R) reward = 10;
    return { reward, success: objToTarget <= 0.07, nearObject: tcpToObj <= 0.03, objToTarget, graspReward: grasped, inPlaceReward: part2 };
  }
}

// ---------------------------------------------------------------- peg-insert-side-v2

/**
 * The peg: a square shaft 0.2 m long along x (3 cm thick) with a grip block on top of its middle
 * (the pads close across the block, along x); sites pegGrasp (the block's centre, the observed
 * object) and pegHead (the -x end, which goes into the hole).
 * The box: a block 0.15 m deep whose +x face has a 4.4 cm square hole at height 0.13 m running
 * through it along x; the target (Meta-World: box + (0.03, 0, 0.13)) lies 7 cm inside the hole,
 * so that Meta-World's threshold (0.07 along x) is met once the head is in the hole's mouth.
 */
export const PEG_XML = `<body name="peg" pos="0.1 0.6 0.015">
      <freejoint name="peg_joint"/>
      <geom name="peg_shaft" type="box" size="0.1 0.015 0.015" mass="0.06" rgba="0.2 0.55 0.3 1"/>
      <geom name="peg_grip" type="box" pos="0 0 0.035" size="0.02 0.015 0.02" mass="0.02" friction="1.5 0.005 0.0001" rgba="0.15 0.4 0.2 1"/>
      <site name="pegGrasp" pos="0 0 0.035" size="0.005"/>
      <site name="pegHead" pos="-0.1 0 0" size="0.005"/>
    </body>
    <body name="box" mocap="true" pos="-0.3 0.6 0">
      <geom name="box_bottom" type="box" pos="0.025 0 0.054" size="0.075 0.1 0.054" rgba="0.45 0.35 0.6 1"/>
      <geom name="box_top" type="box" pos="0.025 0 0.178" size="0.075 0.1 0.026" rgba="0.45 0.35 0.6 1"/>
      <geom name="box_left" type="box" pos="0.025 -0.061 0.13" size="0.075 0.039 0.022" rgba="0.45 0.35 0.6 1"/>
      <geom name="box_right" type="box" pos="0.025 0.061 0.13" size="0.075 0.039 0.022" rgba="0.45 0.35 0.6 1"/>
    </body>`;
/** The box's +x face, relative to the box body (the hole's mouth). */
const BOX_FACE = 0.1;
const HOLE_Z = 0.13;
const HOLE_HALF = 0.022;

/**
 * peg-insert-side-v2 variations: peg in [0, 0.2] x [0.5, 0.7], box in [-0.35, -0.25] x [0.4, 0.7]
 * (z 0), redrawn until they are >= 0.1 apart in xy; the goal is box + (0.03, 0, 0.13).
 */
export function samplePegInsert(rng: Rng): ManipulationTask {
  for (;;) {
    const objPos: Vec3 = [rng.uniform(0, 0.2), rng.uniform(0.5, 0.7), 0.015];
    const boxPos: Vec3 = [rng.uniform(-0.35, -0.25), rng.uniform(0.4, 0.7), 0];
    if (Math.hypot(objPos[0] - boxPos[0], objPos[1] - boxPos[1]) >= 0.1) return { objPos, goalPos: pegTarget(boxPos) };
  }
}

/** The hole target of a box position (Meta-World: pos_box + (0.03, 0, 0.13)). */
export function pegTarget(boxPos: Vec3): Vec3 {
  return add(boxPos, [0.03, 0, HOLE_Z]);
}

/** peg-insert-side-v2 compute_reward (TARGET_RADIUS 0.07); success |(head - target) * (1, 2, 2)| <= 0.07. */
export class PegInsertLogic implements ManipulationTaskLogic {
  private headInit: Vec3 = [0, 0, 0];
  private graspInit: Vec3 = [0, 0, 0];
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    const a = env.jointAddress("peg_joint");
    qpos.set(task.objPos, a);
    qpos.set([1, 0, 0, 0], a + 3);
    env.setMocap("box", add(task.goalPos, [-0.03, 0, -HOLE_Z]));
    env.setMocap("goal", task.goalPos);
  }
  begin(v: ManipulationView): void {
    this.headInit = v.sitePos("pegHead");
    this.graspInit = v.sitePos("pegGrasp");
  }
  objectPos(v: ManipulationView): ArrayLike<number> {
    return v.sitePos("pegGrasp");
  }
  objectQuat(v: ManipulationView): ArrayLike<number> {
    return scipyQuat(v.bodyQuat("peg"));
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  reward(v: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms {
    const tcp = v.tcp;
    const obj = this.objectPos(v);
    const head = v.sitePos("pegHead");
    const target = v.task.goalPos;
    const tcpToObj = dist3(obj, tcp);
    const scaled = (a: ArrayLike<number>): number => Math.hypot(a[0] - target[0], 2 * (a[1] - target[1]), 2 * (a[2] - target[2]));
    const objToTarget = scaled(head);
    let inPlace = tolerance(objToTarget, 0, 0.07, scaled(this.headInit));
    // Meta-World's two collision boxes: the slabs in front of the box face below and above the hole,
    // where the head would hit the face; in_place fades to 0 toward their far corner.
    const box = add(target, [-0.03, 0, -HOLE_Z]);
    const face = box[0] + BOX_FACE;
    const below = rectPrismTolerance(head, [face, box[1] - 0.1, box[2]], [face + 0.1, box[1] + 0.1, box[2] + HOLE_Z - HOLE_HALF]);
    const above = rectPrismTolerance(head, [face, box[1] - 0.1, box[2] + 0.204], [face + 0.1, box[1] + 0.1, box[2] + HOLE_Z + HOLE_HALF]);
    inPlace = hamacherProduct(inPlace, hamacherProduct(above, below));
    const lifted = tcpToObj < 0.08 && v.gripperOpening > 0 && obj[2] - 0.01 > this.graspInit[2];
    // _gripper_caging_reward(obj_radius 0.0075, pad_success_thresh 0.03, xz_thresh 0.005, high_density)
    const grasped = lifted ? 1 : baseCaging(v, action, obj, this.graspInit, { objRadius: 0.0075, padThresh: 0.03, offThresh: 0.005, highDensity: true });
    let reward = hamacherProduct(grasped, inPlace);
    if (lifted) reward += 1 + 5 * inPlace;
    if (objToTarget <= 0.07) reward = 10;
    return { reward, success: objToTarget <= 0.07, nearObject: tcpToObj <= 0.03, objToTarget, graspReward: grasped, inPlaceReward: inPlace };
  }
}

// ---------------------------------------------------------------- push-back-v2

/** push-back-v2 variations: puck in [-0.1, 0.1] x [0.8, 0.85], goal in [-0.1, 0.1] x [0.6, 0.7] (z 0.02), >= 0.15 apart in xy. */
export function samplePushBack(rng: Rng): ManipulationTask {
  for (;;) {
    const objPos: Vec3 = [rng.uniform(-0.1, 0.1), rng.uniform(0.8, 0.85), 0.02];
    const goalPos: Vec3 = [rng.uniform(-0.1, 0.1), rng.uniform(0.6, 0.7), 0.02];
    if (Math.hypot(objPos[0] - goalPos[0], objPos[1] - goalPos[1]) >= 0.15) return { objPos, goalPos };
  }
}

/** push-back-v2 compute_reward (OBJ_RADIUS 0.007, TARGET_RADIUS 0.05, its own caging term); success |puck - goal| <= 0.07. */
export class PushBackLogic extends PickPlaceLogic {
  /** push-back-v2's own _gripper_caging_reward: (caging + gripping) / 2, the grip effort unused. */
  override caging(v: ManipulationView, _action: ArrayLike<number>, obj: ArrayLike<number>): number {
    const objRadius = 0.007;
    const padMargin = 0.05;
    const gripMargin = objRadius + 0.003;
    const offMargin = 0.01;
    const now = padsNow(v);
    const init = this.initialPads;
    const deltaPos = now.pos[0] - obj[0];
    const deltaNeg = obj[0] - now.neg[0];
    const posMargin = Math.abs(Math.abs(obj[0] - init.pos[0]) - padMargin);
    const negMargin = Math.abs(Math.abs(obj[0] - init.neg[0]) - padMargin);
    const padCaging = hamacherProduct(tolerance(deltaPos, objRadius, padMargin, posMargin), tolerance(deltaNeg, objRadius, padMargin, negMargin));
    const padGripping = hamacherProduct(tolerance(deltaPos, objRadius, gripMargin, posMargin), tolerance(deltaNeg, objRadius, gripMargin, negMargin));
    const o0 = v.task.objPos;
    const offCaging = tolerance(offPad(v.tcp, obj), 0, offMargin, offPad(o0, v.initTcp) - offMargin);
    const caging = hamacherProduct(padCaging, offCaging);
    const gripping = caging > 0.95 ? padGripping : 0;
    return (caging + gripping) / 2;
  }
  override reward(v: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms {
    const R = 0.05;
    const obj = this.objectPos(v);
    const target = v.task.goalPos;
    const o0 = v.task.objPos;
    const tcpToObj = dist3(obj, v.tcp);
    const toTarget = dist3(obj, target);
    const toTargetInit = dist3(o0, target);
    const inPlace = tolerance(toTarget, 0, R, toTargetInit);
    const grasped = this.caging(v, action, obj);
    let reward = hamacherProduct(grasped, inPlace);
    const opening = v.gripperOpening;
    if (tcpToObj < 0.01 && opening > 0 && opening < 0.55 && toTargetInit - toTarget > 0.01) reward += 1 + 5 * inPlace;
    if (toTarget < R) reward = 10;
    return { reward, success: toTarget <= 0.07, nearObject: tcpToObj <= 0.03, objToTarget: toTarget, graspReward: grasped, inPlaceReward: inPlace };
  }
}
