/** Small helpers shared by the built-in envs. */

/**
 * Gymnasium's `classic_control.utils.maybe_parse_reset_bounds`: reset options `{low, high}`
 * override the default bounds of the initial-state distribution.
 */
export function parseResetBounds(envName: string, options: Record<string, unknown> | undefined, defaultLow: number, defaultHigh: number): [number, number] {
  if (!options) return [defaultLow, defaultHigh];
  const low = "low" in options ? options.low : defaultLow;
  const high = "high" in options ? options.high : defaultHigh;
  if (typeof low !== "number" || !Number.isFinite(low)) throw new TypeError(`${envName}: reset option "low" must be a finite number, got ${String(low)}`);
  if (typeof high !== "number" || !Number.isFinite(high)) throw new TypeError(`${envName}: reset option "high" must be a finite number, got ${String(high)}`);
  if (low > high) throw new RangeError(`${envName}: reset option low (${low}) is greater than high (${high})`);
  return [low, high];
}

/** Copies a user-given state into `dst`, checking its length and values. */
export function assignState(envName: string, dst: Float64Array, src: ArrayLike<number>, layout: string): void {
  if (!src || typeof src.length !== "number" || src.length !== dst.length) {
    throw new TypeError(`${envName}: state must be ${dst.length} numbers [${layout}], got ${src === undefined ? "undefined" : `${(src as ArrayLike<number>).length} values`}`);
  }
  for (let i = 0; i < dst.length; i++) {
    if (typeof src[i] !== "number" || Number.isNaN(src[i])) throw new TypeError(`${envName}: state[${i}] must be a number, got ${String(src[i])}`);
  }
  for (let i = 0; i < dst.length; i++) dst[i] = src[i];
}

/** Gymnasium's `np.float32` rounding, for values NumPy keeps in float32. */
export const f32 = Math.fround;

/** A 2-D integer grid position [x, y]. */
export type GridPos = readonly [number, number];
