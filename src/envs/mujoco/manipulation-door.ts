/**
 * The door of the manipulation scene and its two tasks, door-open-v2 and door-close-v2, with
 * Meta-World v2's rewards (metaworld/envs/mujoco/sawyer_xyz/v2/sawyer_door_v2.py and
 * sawyer_door_close_v2.py, `compute_reward` / `evaluate_state`).
 *
 * The door (after Meta-World's safe, written here from boxes): a safe 0.4 m wide, 0.2 m deep and
 * 0.3 m high centred on the variation's position (z 0.15); its door hangs on a vertical hinge at
 * the safe's front-left edge (-0.19, -0.11) and opens toward the robot (the hinge angle goes
 * negative, as Meta-World's doorjoint). A bar handle 0.2 m long stands 0.1 m in front of the door
 * on two posts, 0.05 m below the safe's centre; the observed object is the bar's centre (Meta-World's
 * "handle" geom), which at rest sits 0.35 m along the door from the hinge.
 */
import type { Rng } from "../../core/rng.js";
import type { ManipulationRewardTerms, ManipulationTask, ManipulationView, Vec3 } from "./manipulation.js";
import type { ManipulationSetup, ManipulationTaskLogic } from "./manipulation-tasks.js";
import { dist3, hamacherProduct, tolerance } from "./reward-utils.js";

const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];

export const DOOR_XML = `<body name="door" mocap="true" pos="0.1 0.95 0.15">
      <geom name="safe_back" type="box" pos="0 0.09 0" size="0.2 0.01 0.15" rgba="0.4 0.42 0.45 1"/>
      <geom name="safe_left" type="box" pos="-0.19 0 0" size="0.01 0.1 0.15" rgba="0.4 0.42 0.45 1"/>
      <geom name="safe_right" type="box" pos="0.19 0 0" size="0.01 0.1 0.15" rgba="0.4 0.42 0.45 1"/>
      <geom name="safe_top" type="box" pos="0 0 0.14" size="0.2 0.1 0.01" rgba="0.4 0.42 0.45 1"/>
      <geom name="safe_bottom" type="box" pos="0 0 -0.14" size="0.2 0.1 0.01" rgba="0.4 0.42 0.45 1"/>
      <body name="door_link" pos="-0.19 -0.11 0">
        <joint name="doorjoint" type="hinge" axis="0 0 1" range="-110 0" damping="1"/>
        <geom name="door_panel" type="box" pos="0.23 0 0" size="0.225 0.01 0.12" mass="1" rgba="0.6 0.62 0.66 1"/>
        <geom name="handle" type="box" pos="0.35 -0.1 -0.05" size="0.1 0.015 0.015" mass="0.05" rgba="0.15 0.15 0.15 1"/>
        <geom name="handle_post_a" type="box" pos="0.26 -0.05 -0.05" size="0.01 0.035 0.012" mass="0.01" rgba="0.15 0.15 0.15 1"/>
        <geom name="handle_post_b" type="box" pos="0.44 -0.05 -0.05" size="0.01 0.035 0.012" mass="0.01" rgba="0.15 0.15 0.15 1"/>
        <site name="handle" pos="0.35 -0.1 -0.05" size="0.005"/>
      </body>
    </body>`;

/** The hinge relative to the door body. */
export const DOOR_HINGE: Vec3 = [-0.19, -0.11, 0];

/** door-open-v2: door in [0, 0.1] x [0.85, 0.95] x {0.15}; target = door + (-0.3, -0.45, 0). */
export function sampleDoorOpen(rng: Rng): ManipulationTask {
  const objPos: Vec3 = [rng.uniform(0, 0.1), rng.uniform(0.85, 0.95), 0.15];
  return { objPos, goalPos: add(objPos, [-0.3, -0.45, 0]) };
}

/** door-close-v2: the same door range; target = door + (0.2, -0.2, 0). */
export function sampleDoorClose(rng: Rng): ManipulationTask {
  const objPos: Vec3 = [rng.uniform(0, 0.1), rng.uniform(0.85, 0.95), 0.15];
  return { objPos, goalPos: add(objPos, [0.2, -0.2, 0]) };
}

/** door-open-v2 (open = true) and door-close-v2 (the door starts open by pi/2). */
export class DoorLogic implements ManipulationTaskLogic {
  private handInit: Vec3 = [0, 0, 0];
  constructor(private readonly open: boolean) {}
  setup(env: ManipulationSetup, qpos: Float64Array, task: ManipulationTask): void {
    env.setMocap("door", task.objPos);
    env.setMocap("goal", task.goalPos);
    qpos[env.jointAddress("doorjoint")] = this.open ? 0 : -1.5708;
  }
  begin(v: ManipulationView): void {
    this.handInit = v.initTcp;
  }
  objectPos(v: ManipulationView): ArrayLike<number> {
    return v.sitePos("handle");
  }
  objectQuat(v: ManipulationView): ArrayLike<number> {
    const q = v.bodyQuat("door_link");
    return [q[1], q[2], q[3], q[0]];
  }
  goal(v: ManipulationView): ArrayLike<number> {
    return v.task.goalPos;
  }
  reward(v: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms {
    return this.open ? this.openReward(v, action) : this.closeReward(v);
  }
  /** door-open-v2 compute_reward: 2 hamacher(ready, grab effort) + 8 opened; 10 on success (|handle x - target x| <= 0.08). */
  private openReward(v: ManipulationView, action: ArrayLike<number>): ManipulationRewardTerms {
    const theta = v.jointPos("doorjoint");
    const hand = v.tcp;
    const handle = this.objectPos(v);
    const door = [handle[0] - 0.05, handle[1], handle[2]];
    const grab = (Math.min(1, Math.max(-1, action[3])) + 1) / 2;
    const threshold = 0.12;
    // A funnel floor around the handle keeps the hand from running into it from the side.
    const radius = Math.hypot(hand[0] - door[0], hand[1] - door[1]);
    const floor = radius <= threshold ? 0 : 0.04 * Math.log(radius - threshold) + 0.4;
    const aboveFloor = hand[2] >= floor ? 1 : tolerance(floor - hand[2], 0, 0.01, floor / 2);
    const inPlace = tolerance(Math.hypot(hand[0] - door[0] - 0.05, hand[1] - door[1] - 0.03, hand[2] - door[2] + 0.01), 0, threshold / 2, 0.5);
    const ready = hamacherProduct(aboveFloor, inPlace);
    const doorAngle = -theta;
    const opened = 0.2 * (theta < -Math.PI / 90 ? 1 : 0) + 0.8 * tolerance(Math.PI / 2 + Math.PI / 6 - doorAngle, 0, 0.5, Math.PI / 3);
    const success = Math.abs(handle[0] - v.task.goalPos[0]) <= 0.08;
    const reward = success ? 10 : 2 * hamacherProduct(ready, grab) + 8 * opened;
    return { reward, success, nearObject: ready > 0.5, objToTarget: Math.abs(handle[0] - v.task.goalPos[0]), graspReward: grab, inPlaceReward: opened };
  }
  /** door-close-v2 compute_reward: 3 hand_in_place + 6 in_place (gaussian); 10 within 0.05; success |handle - target| <= 0.08. */
  private closeReward(v: ManipulationView): ManipulationRewardTerms {
    const R = 0.05;
    const tcp = v.tcp;
    const obj = this.objectPos(v);
    const target = v.task.goalPos;
    const objToTarget = dist3(obj, target);
    // Meta-World's margins: the door body's start (obj_init_pos) to the target; the hand's start to the handle, + 0.1.
    const inPlace = tolerance(objToTarget, 0, R, dist3(v.task.objPos, target), "gaussian");
    const handInPlace = tolerance(dist3(tcp, target), 0, 0.25 * R, dist3(this.handInit, obj) + 0.1, "gaussian");
    const reward = objToTarget < R ? 10 : 3 * handInPlace + 6 * inPlace;
    return { reward, success: objToTarget <= 0.08, nearObject: false, objToTarget, graspReward: 1, inPlaceReward: handInPlace };
  }
}
