/**
 * Meta-World's reward helpers (metaworld/envs/mujoco/utils/reward_utils.py, after dm_control's
 * `rewards.tolerance`), used by the manipulation tasks' shaped rewards.
 */

/** 1 inside [lower, upper], else a sigmoid of (distance outside the bounds) / margin that is worth 0.1 at the margin. */
export function tolerance(x: number, lower: number, upper: number, margin: number, sigmoid: "long_tail" | "gaussian" = "long_tail"): number {
  if (x >= lower && x <= upper) return 1;
  if (margin <= 0) return 0;
  const d = (x < lower ? lower - x : x - upper) / margin;
  if (sigmoid === "gaussian") {
    // exp(-0.5 (d * scale)^2) with scale = sqrt(-2 ln 0.1)
    const scale = Math.sqrt(-2 * Math.log(0.1));
    return Math.exp(-0.5 * (d * scale) ** 2);
  }
  // long_tail: 1 / ((d * scale)^2 + 1) with scale = sqrt(1 / 0.1 - 1)
  const scale = Math.sqrt(1 / 0.1 - 1);
  return 1 / ((d * scale) ** 2 + 1);
}

/** The Hamacher product a b / (a + b - a b) of two values in [0, 1] (0 when both are 0). */
export function hamacherProduct(a: number, b: number): number {
  const den = a + b - a * b;
  return den > 0 ? (a * b) / den : 0;
}

/** Euclidean distance of two 3-d points. */
export function dist3(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/**
 * Meta-World's rect_prism_tolerance: inside the axis-aligned box spanned by corners `zero` and
 * `one`, the product of curr's fractional position from `zero` toward `one` along each axis (0 at
 * `zero`, 1 at `one`); 1 outside the box.
 */
export function rectPrismTolerance(curr: ArrayLike<number>, zero: ArrayLike<number>, one: ArrayLike<number>): number {
  let v = 1;
  for (let i = 0; i < 3; i++) {
    const lo = Math.min(zero[i], one[i]);
    const hi = Math.max(zero[i], one[i]);
    if (curr[i] < lo || curr[i] > hi) return 1;
    v *= (curr[i] - zero[i]) / (one[i] - zero[i]);
  }
  return v;
}
