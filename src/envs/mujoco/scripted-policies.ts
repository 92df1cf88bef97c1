/**
 * Scripted policies for the manipulation tasks (as Meta-World ships `metaworld.policies`), written
 * from each task's geometry: they read only the observation (hand 0:3, object 4:7, goal 36:39)
 * and move the hand with a proportional controller (action = 25 x the position error, clipped
 * to [-1, 1]), gripper closed. Use them as demonstrators (behaviour cloning, offline datasets)
 * and as a check that a task is solvable: they reach `info.success` on every variation the tests
 * draw, where random actions almost never do.
 */
import type { ManipulationTaskName } from "./manipulation-tasks.js";

/** A policy of the manipulation observation (39 numbers) -> action (4 numbers). */
export type ManipulationPolicy = (obs: ArrayLike<number>) => Float32Array;

const clip = (v: number): number => Math.max(-1, Math.min(1, v));
const xy = (o: ArrayLike<number>, t: readonly number[]): number => Math.hypot(o[0] - t[0], o[1] - t[1]);

/** Moves the hand toward `t` with the gripper closed (or open for `grip` -1). */
function moveTo(o: ArrayLike<number>, t: readonly number[], gain = 25, grip = 1): Float32Array {
  const a = new Float32Array(4);
  for (let i = 0; i < 3; i++) a[i] = clip(gain * (t[i] - o[i]));
  a[3] = grip;
  return a;
}

/**
 * Grasp the object whose grip point is `grip` (tool-centre point `below` under it): above it with
 * the pads open, down, close, and lift once the pads have closed on it (opening < 0.6). Returns
 * null once the object is lifted and in the hand (the caller carries it).
 */
function grasp(o: ArrayLike<number>, grip: readonly number[], below: number, restZ: number): Float32Array | null {
  const tcpTarget = [grip[0], grip[1], grip[2] - below];
  const held = Math.hypot(o[0] - tcpTarget[0], o[1] - tcpTarget[1], o[2] - tcpTarget[2]) < 0.03;
  if (held && grip[2] > restZ + 0.015) return null;
  if (xy(o, grip) > 0.008) {
    // Travel above the object; rise first when low, so the open pads never sweep into it.
    if (o[2] < grip[2] + 0.04 && xy(o, grip) > 0.02) return moveTo(o, [o[0], o[1], grip[2] + 0.1], 25, -1);
    return moveTo(o, [grip[0], grip[1], grip[2] + 0.1], 25, -1);
  }
  if (o[2] > tcpTarget[2] + 0.005 && !(held && o[3] < 0.6)) return moveTo(o, tcpTarget, 25, -1);
  if (o[3] > 0.6) return moveTo(o, tcpTarget, 25, 1);
  return moveTo(o, [tcpTarget[0], tcpTarget[1], restZ + 0.15], 25, 1);
}

/** The door's hinge (from the goal: door = goal - offset; hinge = door + (-0.19, -0.11)) and its opening angle (from the handle). */
function doorFrame(o: ArrayLike<number>, goalOffset: readonly [number, number]): { at: (phi: number, px: number, py: number) => number[]; phi: number; local: (p: ArrayLike<number>) => number[] } {
  const hx = o[36] - goalOffset[0] - 0.19;
  const hy = o[37] - goalOffset[1] - 0.11;
  const phi = Math.atan2(-0.1, 0.35) - Math.atan2(o[5] - hy, o[4] - hx);
  const at = (f: number, px: number, py: number): number[] => [hx + px * Math.cos(f) + py * Math.sin(f), hy - px * Math.sin(f) + py * Math.cos(f)];
  const local = (p: ArrayLike<number>): number[] => {
    const rx = p[0] - hx;
    const ry = p[1] - hy;
    return [rx * Math.cos(phi) - ry * Math.sin(phi), rx * Math.sin(phi) + ry * Math.cos(phi)];
  };
  return { at, phi, local };
}

/** Pick the puck and carry it to the goal; over the wall (top at 0.12 m, y 0.75 m) first when there is one. */
function pickPlace(o: ArrayLike<number>, wall: boolean): Float32Array {
  const a = grasp(o, [o[4], o[5], o[6]], 0.01, 0.02);
  if (a) return a;
  const goal = [o[36], o[37], o[38]];
  if (wall && o[1] < 0.79) {
    if (o[2] < 0.22) return moveTo(o, [o[0], o[1], 0.25], 20);
    return moveTo(o, [goal[0], goal[1], 0.25], 20);
  }
  return moveTo(o, goal, 20);
}

/**
 * Push the puck to the goal: above a point 6 cm behind the puck on the puck-goal line, down to
 * table height, then through the puck toward the goal; realign (lifting first) whenever the hand
 * leaves the line.
 */
function pushPuck(o: ArrayLike<number>): Float32Array {
    const n = Math.hypot(o[36] - o[4], o[37] - o[5]);
    const dx = (o[36] - o[4]) / n;
    const dy = (o[37] - o[5]) / n;
    const along = (o[0] - o[4]) * dx + (o[1] - o[5]) * dy;
    const across = -(o[0] - o[4]) * dy + (o[1] - o[5]) * dx;
    const behind = [o[4] - dx * 0.06, o[5] - dy * 0.06];
    let target: number[] = [];
    if (along > -0.025 || Math.abs(across) > 0.015) {
      // Realign from above: lift first, so the hand never sweeps sideways through the puck.
      if (xy(o, behind) > 0.015) target = o[2] < 0.08 ? [o[0], o[1], 0.1] : [behind[0], behind[1], 0.1];
      else target = [behind[0], behind[1], 0.01];
    }
    else if (o[2] > 0.02) target = [behind[0], behind[1], 0.01];
    else {
      // Push low (pads from 5 mm above the table) at 3 mm per step: a high or fast push
      // can tip the puck over, and a tipped puck rolls away.
      const a = moveTo(o, [o[4] + dx * 0.05, o[5] + dy * 0.05, 0.01], 20);
      for (let i = 0; i < 3; i++) a[i] *= 0.3;
      return a;
    }
    return moveTo(o, target, 20);
}

const POLICIES: Readonly<Record<ManipulationTaskName, ManipulationPolicy>> = Object.freeze({
  // Straight to the goal.
  reach: (o: ArrayLike<number>) => moveTo(o, [o[36], o[37], o[38]], 20),
  push: (o: ArrayLike<number>) => pushPuck(o),
  "push-back": (o: ArrayLike<number>) => pushPuck(o),

  "pick-place": (o: ArrayLike<number>) => pickPlace(o, false),
  "pick-place-wall": (o: ArrayLike<number>) => pickPlace(o, true),
  // Up over the wall (top 0.12 m at y 0.75 m), then down to the goal.
  "reach-wall": (o: ArrayLike<number>) => {
    if (o[1] < 0.79) return moveTo(o, o[2] < 0.2 ? [o[0], o[1], 0.25] : [o[36], o[37], 0.25], 20);
    return moveTo(o, [o[36], o[37], o[38]], 20);
  },
  // In front of the button tip at its height (pads centred on it), then push along +y past the pressed position.
  "button-press": (o: ArrayLike<number>) => {
    const front = [o[4], o[5] - 0.04, o[6] - 0.025];
    if (Math.hypot(o[0] - front[0], o[2] - front[2]) > 0.01) return moveTo(o, [front[0], Math.min(o[1], front[1]), front[2]]);
    return moveTo(o, [o[4], o[37] + 0.02, front[2]]);
  },
  // Grasp the peg's grip block, lift, line the head up 8 cm outside the hole, then push it in along -x.
  "peg-insert-side": (o: ArrayLike<number>) => {
    const a = grasp(o, [o[4], o[5], o[6]], 0.01, 0.05);
    if (a) return a;
    // Where the grip block is when the head (0.1 m along -x, 0.035 m lower) is at the target; the
    // hole's mouth is 7 cm past the target. Line up 4 cm outside the mouth, push 3 cm in.
    const want = [o[36] + 0.1, o[37], o[38] + 0.035];
    const aligned = Math.hypot(o[5] - want[1], o[6] - want[2]) < 0.006;
    const t = o[4] > want[0] + 0.1 && !aligned ? [want[0] + 0.11, want[1], want[2]] : [want[0] + 0.04, want[1], want[2]];
    // Steer by the grip block (the hand holds it).
    return moveTo(o, [o[0] + t[0] - o[4], o[1] + t[1] - o[5], o[2] + t[2] - o[6]], 20);
  },
  // From above, down between the bar handle and the door, then round the hinge toward the robot.
  "door-open": (o: ArrayLike<number>) => {
    const d = doorFrame(o, [-0.3, -0.45]);
    const behind = d.at(d.phi, 0.33, -0.06);
    const low = o[6] - 0.03;
    const near = Math.hypot(o[0] - behind[0], o[1] - behind[1]);
    if (o[2] < o[6] && near < 0.03) {
      const t = d.at(d.phi + 0.35, 0.33, -0.06);
      return moveTo(o, [t[0], t[1], low]);
    }
    if (near > 0.012) return moveTo(o, [o[2] < o[6] + 0.08 ? o[0] : behind[0], o[2] < o[6] + 0.08 ? o[1] : behind[1], o[6] + 0.12]);
    return moveTo(o, [behind[0], behind[1], low]);
  },
  // To the outer face of the open door, then push it round the hinge until shut.
  "door-close": (o: ArrayLike<number>) => {
    const d = doorFrame(o, [0.2, -0.2]);
    const z = o[6] + 0.05;
    const h = d.local(o);
    if (h[1] < -0.08 || Math.abs(h[0] - 0.18) > 0.04) {
      const t = d.at(d.phi, 0.18, -0.06);
      return moveTo(o, [t[0], t[1], z]);
    }
    const t = d.at(d.phi - 0.35, 0.18, -0.06);
    return moveTo(o, [t[0], t[1], z]);
  },
  // Above the gap between the handle bar and the drawer front, down to handle height, pull toward -y past the goal.
  "drawer-open": (o: ArrayLike<number>) => {
    const hook = [o[4], o[5] + 0.035, o[6]];
    if (xy(o, hook) > 0.012) return moveTo(o, [hook[0], hook[1], o[6] + 0.1]);
    if (o[2] > o[6] + 0.01) return moveTo(o, hook);
    return moveTo(o, [hook[0], o[37] - 0.015, o[6]]);
  },
  // In front of the handle (toward the robot), down to handle height, push toward +y past the goal.
  "drawer-close": (o: ArrayLike<number>) => {
    const front = [o[4], o[5] - 0.04, o[6]];
    if (o[1] > o[5] - 0.025 && o[2] < o[6] + 0.05) return moveTo(o, [o[0], o[1], o[6] + 0.1]);
    if (xy(o, front) > 0.012) return moveTo(o, [front[0], front[1], o[6] + 0.08]);
    if (o[2] > o[6] + 0.01) return moveTo(o, front);
    return moveTo(o, [o[4], o[37] + 0.05, o[6]]);
  },
  // Above the button, then down below the pressed height.
  "button-press-topdown": (o: ArrayLike<number>) => {
    if (xy(o, [o[4], o[5]]) > 0.01) return moveTo(o, [o[4], o[5], o[6] + 0.06]);
    return moveTo(o, [o[4], o[5], o[38] - 0.03]);
  },
  // Round the front of the handle to its -x side, then push along +x past the goal.
  "window-open": (o: ArrayLike<number>) => {
    const side = [o[4] - 0.035, o[5], o[6] - 0.01];
    if (o[0] > o[4] - 0.02) return moveTo(o, [o[4] - 0.05, o[5] - 0.06, o[6]]);
    if (Math.hypot(o[1] - side[1], o[2] - side[2]) > 0.01) return moveTo(o, side);
    return moveTo(o, [o[36] + 0.05, side[1], side[2]]);
  },
  // The mirror image: from the +x side, push along -x.
  "window-close": (o: ArrayLike<number>) => {
    const side = [o[4] + 0.035, o[5], o[6] - 0.01];
    if (o[0] < o[4] + 0.02) return moveTo(o, [o[4] + 0.05, o[5] - 0.06, o[6]]);
    if (Math.hypot(o[1] - side[1], o[2] - side[2]) > 0.01) return moveTo(o, side);
    return moveTo(o, [o[36] - 0.05, side[1], side[2]]);
  },
});

/** The scripted policy of a manipulation task (see the module comment). */
export function scriptedPolicy(task: ManipulationTaskName): ManipulationPolicy {
  const p = POLICIES[task];
  if (!p) throw new TypeError(`scriptedPolicy: unknown task ${String(task)}; the tasks are ${Object.keys(POLICIES).join(", ")}`);
  return p;
}
