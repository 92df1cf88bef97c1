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

const POLICIES: Readonly<Record<ManipulationTaskName, ManipulationPolicy>> = Object.freeze({
  // Straight to the goal.
  reach: (o: ArrayLike<number>) => moveTo(o, [o[36], o[37], o[38]], 20),
  // Above a point 6 cm behind the puck on the puck-goal line, down to table height, then through
  // the puck toward the goal; realign (lifting first) whenever the hand leaves the line.
  push: (o: ArrayLike<number>) => {
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
