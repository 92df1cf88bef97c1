/**
 * Spaces: the sets that observations and actions live in, as in Gymnasium's `gymnasium.spaces`.
 *
 * Every space can `sample(rng)` a member, test `contains(x)` (and say `whyNot(x)` when not),
 * `flatten` a member to a Float64Array of length `flatdim` (a Discrete becomes one-hot, as in
 * `gymnasium.spaces.flatten`) and `unflatten` it back.
 *
 * Values: a Box holds a typed array of its dtype (Float32Array for "float32"), a Discrete a
 * number, a MultiDiscrete an Int32Array, a MultiBinary an Int8Array, a Dict a plain object and a
 * Tuple an array. `contains` also accepts plain number arrays for the array spaces.
 *
 * Vector layout (`vecDim`, `writeVec`, `readVec`): how a member is laid out in a row of a vector
 * env's Float32Array: the raw numbers, a Discrete as its index (not one-hot).
 */
import { Rng, type Seed } from "./rng.js";

/** Element types a Box can hold. */
export type BoxDtype = "float32" | "float64" | "int8" | "uint8" | "int16" | "int32";

/** The typed arrays that Box, MultiDiscrete and MultiBinary values are. */
export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array;

const F32_MAX = 3.4028234663852886e38;

/** Formats a value for an error message (arrays shortened, NaN shown). */
export function formatValue(x: unknown, maxItems = 8): string {
  if (typeof x === "number") return Number.isNaN(x) ? "NaN" : String(x);
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "bigint") return `${x}n`;
  if (x === null || x === undefined || typeof x === "boolean") return String(x);
  if (ArrayBuffer.isView(x) || Array.isArray(x)) {
    const arr = x as ArrayLike<unknown>;
    const items: string[] = [];
    for (let i = 0; i < Math.min(arr.length, maxItems); i++) items.push(formatValue(arr[i], maxItems));
    if (arr.length > maxItems) items.push(`... (${arr.length} items)`);
    const name = Array.isArray(x) ? "" : (x as object).constructor.name;
    return `${name}[${items.join(", ")}]`;
  }
  if (typeof x === "object") {
    const entries = Object.entries(x as Record<string, unknown>).map(([k, v]) => `${k}: ${formatValue(v, maxItems)}`);
    return `{${entries.join(", ")}}`;
  }
  return String(x);
}

function fmtNum(v: number, float32 = false): string {
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toFixed(1);
  if (float32) {
    // The shortest decimal that rounds to the same float32 (as NumPy prints np.float32).
    for (let p = 1; p <= 9; p++) {
      const t = Number(v.toPrecision(p));
      if (Math.fround(t) === v) return String(t);
    }
  }
  return String(v);
}

function isArrayLikeOfNumbers(x: unknown): x is ArrayLike<number> {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return !(x instanceof BigInt64Array || x instanceof BigUint64Array);
  return Array.isArray(x);
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

function checkShape(shape: readonly number[], what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${what}: shape must be non-negative integers, got [${shape.join(", ")}]`);
  }
}

/** The base class of all spaces. */
export abstract class Space<T = unknown> {
  /** The shape of a member (for Box, MultiDiscrete, MultiBinary); [] for scalars and composites. */
  abstract readonly shape: readonly number[];
  /** Length of `flatten(x)`. */
  abstract readonly flatdim: number;
  /** Length of a member's row in a vector env's Float32Array. */
  abstract readonly vecDim: number;
  private _rng: Rng | undefined;

  /** The generator `sample()` uses when none is given (seeded from entropy until `seed()`). */
  get rng(): Rng {
    if (!this._rng) this._rng = Rng.fromEntropy();
    return this._rng;
  }

  /** Seeds this space's own generator (and, for composites, its subspaces'). Returns this. */
  seed(seed: Seed | Rng): this {
    this._rng = seed instanceof Rng ? seed : new Rng(seed);
    return this;
  }

  /** A random member, drawn from `rng` (or this space's own generator). */
  abstract sample(rng?: Rng): T;
  /** Why `x` is not a member, or undefined when it is. */
  abstract whyNot(x: unknown): string | undefined;
  /** True when `x` is a member. */
  contains(x: unknown): x is T {
    return this.whyNot(x) === undefined;
  }
  /** Writes the flat form of `x` into `out` at `offset`. */
  abstract flattenInto(x: T, out: Float64Array | Float32Array, offset: number): void;
  /** The flat form of `x` (length `flatdim`; a Discrete is one-hot). */
  flatten(x: T): Float64Array {
    const out = new Float64Array(this.flatdim);
    this.flattenInto(x, out, 0);
    return out;
  }
  /** The member whose flat form is `v[offset .. offset + flatdim)`. */
  abstract unflatten(v: ArrayLike<number>, offset?: number): T;
  /** The Box that flat forms live in. */
  abstract flattenSpace(): Box;
  /** Writes `x` in vector layout (raw numbers; a Discrete as its index). */
  abstract writeVec(x: T, out: Float32Array | Float64Array, offset: number): void;
  /** Reads a member from vector layout. */
  abstract readVec(src: ArrayLike<number>, offset: number): T;
  /** A JSON description (used for equality and by the env checker). */
  abstract toJSON(): unknown;
  /** Gymnasium-style text, e.g. `Box(-1.0, 1.0, (1,), float32)`. */
  abstract toString(): string;
  /** True when both spaces describe the same set. */
  equals(other: Space): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }
}

const DTYPE_RANGE: Record<BoxDtype, [number, number]> = {
  float32: [-Infinity, Infinity],
  float64: [-Infinity, Infinity],
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/** A new typed array of `dtype` and length `n`. */
export function typedArrayFor(dtype: BoxDtype, n: number): NumericArray {
  switch (dtype) {
    case "float32": return new Float32Array(n);
    case "float64": return new Float64Array(n);
    case "int8": return new Int8Array(n);
    case "uint8": return new Uint8Array(n);
    case "int16": return new Int16Array(n);
    case "int32": return new Int32Array(n);
  }
}

/** A (possibly unbounded) box in R^n: `low <= x <= high` elementwise, as Gymnasium's Box. */
export class Box<V extends NumericArray = Float32Array> extends Space<V> {
  readonly shape: readonly number[];
  readonly dtype: BoxDtype;
  /** Lower bounds, one per element, cast to the dtype (float32 bounds are float32 values). */
  readonly low: Float64Array;
  /** Upper bounds, one per element. */
  readonly high: Float64Array;
  readonly size: number;
  readonly flatdim: number;
  readonly vecDim: number;

  /**
   * @param low lower bound, a number for all elements or one per element
   * @param high upper bound
   * @param shape the member shape; defaults to the length of an array bound
   * @param dtype element type, "float32" by default
   */
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[], dtype: BoxDtype = "float32") {
    super();
    if (!shape) {
      if (typeof low !== "number") shape = [low.length];
      else if (typeof high !== "number") shape = [high.length];
      else shape = [];
    }
    checkShape(shape, "Box");
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = product(shape);
    this.flatdim = this.size;
    this.vecDim = this.size;
    const cast = (v: number): number => {
      if (Number.isNaN(v)) throw new RangeError("Box: bounds must not be NaN");
      if (dtype === "float32") return Math.fround(v);
      if (dtype === "float64") return v;
      const [lo, hi] = DTYPE_RANGE[dtype];
      return Math.min(hi, Math.max(lo, Math.round(v)));
    };
    const expand = (b: number | ArrayLike<number>, what: string): Float64Array => {
      const out = new Float64Array(this.size);
      if (typeof b === "number") out.fill(cast(b));
      else {
        if (b.length !== this.size) throw new RangeError(`Box: ${what} has ${b.length} values but shape [${this.shape.join(", ")}] has ${this.size}`);
        for (let i = 0; i < this.size; i++) out[i] = cast(b[i]);
      }
      return out;
    };
    this.low = expand(low, "low");
    this.high = expand(high, "high");
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i] <= this.high[i])) throw new RangeError(`Box: low[${i}] = ${this.low[i]} > high[${i}] = ${this.high[i]}`);
    }
  }

  /** True when every element has finite lower and upper bounds. */
  get isBounded(): boolean {
    for (let i = 0; i < this.size; i++) if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    return true;
  }

  private get isInt(): boolean {
    return this.dtype !== "float32" && this.dtype !== "float64";
  }

  /**
   * A random member, drawn as Gymnasium does: uniform where both bounds are finite, normal where
   * neither is, a shifted exponential where one is; integer dtypes floor a draw in [low, high + 1).
   */
  sample(rng: Rng = this.rng): V {
    const out = typedArrayFor(this.dtype, this.size) as V;
    const isInt = this.isInt;
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i];
      const hi = isInt ? this.high[i] + 1 : this.high[i];
      const loF = Number.isFinite(lo);
      const hiF = Number.isFinite(hi);
      let v: number;
      if (loF && hiF) v = rng.uniform(lo, hi);
      else if (loF) v = lo + rng.exponential();
      else if (hiF) v = hi - rng.exponential();
      else v = rng.normal();
      if (isInt) v = Math.min(Math.floor(v), this.high[i]);
      if (this.dtype === "float32") v = Math.min(this.high[i], Math.max(this.low[i], Math.fround(v)));
      out[i] = v;
    }
    return out;
  }

  whyNot(x: unknown): string | undefined {
    const why = this.whyNotShape(x);
    if (why !== undefined) return why;
    const arr = typeof x === "number" ? [x] : (x as ArrayLike<number>);
    for (let i = 0; i < this.size; i++) {
      const raw = arr[i];
      const v = this.dtype === "float32" ? Math.fround(raw) : raw;
      if (v < this.low[i] || v > this.high[i]) return `element ${i} = ${raw} is outside [${fmtNum(this.low[i], this.dtype === "float32")}, ${fmtNum(this.high[i], this.dtype === "float32")}]`;
    }
    return undefined;
  }

  /**
   * Why `x` is not `size` numbers of this Box's dtype (NaN and, for integer dtypes, fractions
   * refused), bounds aside: the check for envs that clip out-of-bounds actions as Gymnasium's do.
   */
  whyNotShape(x: unknown): string | undefined {
    let arr: ArrayLike<number>;
    if (typeof x === "number" && this.size === 1 && this.shape.length === 0) arr = [x];
    else if (isArrayLikeOfNumbers(x)) arr = x;
    else return `expected an array of ${this.size} numbers for shape [${this.shape.join(", ")}], got ${typeof x === "object" ? formatValue(x) : typeof x}`;
    if (arr.length !== this.size) return `expected ${this.size} values for shape [${this.shape.join(", ")}], got ${arr.length}`;
    const isInt = this.isInt;
    for (let i = 0; i < this.size; i++) {
      const raw = arr[i];
      if (typeof raw !== "number") return `element ${i} is not a number (${typeof raw})`;
      if (Number.isNaN(raw)) return `element ${i} is NaN`;
      if (isInt && !Number.isInteger(raw)) return `element ${i} = ${raw} is not an integer (dtype ${this.dtype})`;
    }
    return undefined;
  }

  flattenInto(x: V, out: Float64Array | Float32Array, offset: number): void {
    for (let i = 0; i < this.size; i++) out[offset + i] = x[i];
  }

  unflatten(v: ArrayLike<number>, offset = 0): V {
    const out = typedArrayFor(this.dtype, this.size) as V;
    for (let i = 0; i < this.size; i++) out[i] = v[offset + i];
    return out;
  }

  flattenSpace(): Box {
    return new Box(this.low, this.high, [this.size], this.dtype === "float64" ? "float64" : "float32");
  }

  writeVec(x: V, out: Float32Array | Float64Array, offset: number): void {
    this.flattenInto(x, out, offset);
  }

  readVec(src: ArrayLike<number>, offset: number): V {
    return this.unflatten(src, offset);
  }

  toJSON(): unknown {
    return { type: "Box", shape: this.shape, dtype: this.dtype, low: Array.from(this.low, jsonNum), high: Array.from(this.high, jsonNum) };
  }

  toString(): string {
    const f32 = this.dtype === "float32";
    const uniform = (b: Float64Array): string | undefined => (b.every((v) => v === b[0]) ? fmtNum(b[0], f32) : undefined);
    const bound = (b: Float64Array): string => uniform(b) ?? `[${Array.from(b, (v) => fmtNum(v, f32)).join(" ")}]`;
    const shape = this.shape.length === 1 ? `(${this.shape[0]},)` : `(${this.shape.join(", ")})`;
    return `Box(${bound(this.low)}, ${bound(this.high)}, ${shape}, ${this.dtype})`;
  }
}

function jsonNum(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** The integers {start, ..., start + n - 1}, as Gymnasium's Discrete. Members are numbers. */
export class Discrete extends Space<number> {
  readonly shape: readonly number[] = [];
  readonly flatdim: number;
  readonly vecDim = 1;

  /** @param n number of elements (positive) @param start the smallest element (0 by default) */
  constructor(readonly n: number, readonly start = 0) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Discrete: n must be a positive integer, got ${n}`);
    if (!Number.isInteger(start)) throw new RangeError(`Discrete: start must be an integer, got ${start}`);
    this.flatdim = n;
  }

  sample(rng: Rng = this.rng): number {
    return this.start + rng.integer(this.n);
  }

  whyNot(x: unknown): string | undefined {
    if (typeof x !== "number") return `expected an integer, got ${ArrayBuffer.isView(x) || Array.isArray(x) ? "an array " + formatValue(x) : typeof x}`;
    if (Number.isNaN(x)) return "the value is NaN";
    if (!Number.isInteger(x)) return `${x} is not an integer`;
    if (x < this.start || x >= this.start + this.n) return `${x} is outside {${this.start}, ..., ${this.start + this.n - 1}}`;
    return undefined;
  }

  flattenInto(x: number, out: Float64Array | Float32Array, offset: number): void {
    for (let i = 0; i < this.n; i++) out[offset + i] = 0;
    out[offset + x - this.start] = 1;
  }

  unflatten(v: ArrayLike<number>, offset = 0): number {
    for (let i = 0; i < this.n; i++) if (v[offset + i] !== 0) return this.start + i;
    throw new RangeError("Discrete.unflatten: the one-hot vector is all zeros");
  }

  flattenSpace(): Box {
    return new Box(0, 1, [this.n], "float32");
  }

  writeVec(x: number, out: Float32Array | Float64Array, offset: number): void {
    out[offset] = x;
  }

  readVec(src: ArrayLike<number>, offset: number): number {
    return src[offset];
  }

  toJSON(): unknown {
    return { type: "Discrete", n: this.n, start: this.start };
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/** Several Discrete values at once: element i is in {start[i], ..., start[i] + nvec[i] - 1}. */
export class MultiDiscrete extends Space<Int32Array> {
  readonly shape: readonly number[];
  readonly nvec: Int32Array;
  readonly start: Int32Array;
  readonly flatdim: number;
  readonly vecDim: number;

  /** @param nvec number of values of each element @param start smallest value of each (0s by default) */
  constructor(nvec: ArrayLike<number>, start?: ArrayLike<number>) {
    super();
    this.nvec = Int32Array.from(nvec);
    if (this.nvec.length === 0) throw new RangeError("MultiDiscrete: nvec must not be empty");
    for (const n of Array.from(nvec)) if (!Number.isInteger(n) || n <= 0) throw new RangeError(`MultiDiscrete: nvec must hold positive integers, got ${formatValue(nvec)}`);
    this.start = start ? Int32Array.from(start) : new Int32Array(this.nvec.length);
    if (this.start.length !== this.nvec.length) throw new RangeError("MultiDiscrete: start and nvec differ in length");
    this.shape = [this.nvec.length];
    this.flatdim = this.nvec.reduce((a, b) => a + b, 0);
    this.vecDim = this.nvec.length;
  }

  sample(rng: Rng = this.rng): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = this.start[i] + rng.integer(this.nvec[i]);
    return out;
  }

  whyNot(x: unknown): string | undefined {
    if (!isArrayLikeOfNumbers(x)) return `expected an array of ${this.nvec.length} integers, got ${typeof x}`;
    if (x.length !== this.nvec.length) return `expected ${this.nvec.length} values, got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== "number" || Number.isNaN(v)) return `element ${i} is NaN`;
      if (!Number.isInteger(v)) return `element ${i} = ${v} is not an integer`;
      if (v < this.start[i] || v >= this.start[i] + this.nvec[i]) return `element ${i} = ${v} is outside {${this.start[i]}, ..., ${this.start[i] + this.nvec[i] - 1}}`;
    }
    return undefined;
  }

  flattenInto(x: Int32Array, out: Float64Array | Float32Array, offset: number): void {
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      for (let j = 0; j < this.nvec[i]; j++) out[o + j] = 0;
      out[o + x[i] - this.start[i]] = 1;
      o += this.nvec[i];
    }
  }

  unflatten(v: ArrayLike<number>, offset = 0): Int32Array {
    const out = new Int32Array(this.nvec.length);
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      let idx = -1;
      for (let j = 0; j < this.nvec[i]; j++) if (v[o + j] !== 0) { idx = j; break; }
      if (idx < 0) throw new RangeError(`MultiDiscrete.unflatten: one-hot block ${i} is all zeros`);
      out[i] = this.start[i] + idx;
      o += this.nvec[i];
    }
    return out;
  }

  flattenSpace(): Box {
    return new Box(0, 1, [this.flatdim], "float32");
  }

  writeVec(x: Int32Array, out: Float32Array | Float64Array, offset: number): void {
    for (let i = 0; i < this.vecDim; i++) out[offset + i] = x[i];
  }

  readVec(src: ArrayLike<number>, offset: number): Int32Array {
    const out = new Int32Array(this.vecDim);
    for (let i = 0; i < this.vecDim; i++) out[i] = src[offset + i];
    return out;
  }

  toJSON(): unknown {
    return { type: "MultiDiscrete", nvec: Array.from(this.nvec), start: Array.from(this.start) };
  }

  toString(): string {
    const s = this.start.some((v) => v !== 0) ? `, start=[${Array.from(this.start).join(" ")}]` : "";
    return `MultiDiscrete([${Array.from(this.nvec).join(" ")}]${s})`;
  }
}

/** Arrays of 0s and 1s of a given shape, as Gymnasium's MultiBinary. Members are Int8Arrays. */
export class MultiBinary extends Space<Int8Array> {
  readonly shape: readonly number[];
  readonly n: number;
  readonly flatdim: number;
  readonly vecDim: number;

  /** @param n number of bits, or a shape */
  constructor(n: number | readonly number[]) {
    super();
    this.shape = typeof n === "number" ? [n] : [...n];
    checkShape(this.shape, "MultiBinary");
    this.n = product(this.shape);
    if (this.n <= 0) throw new RangeError("MultiBinary: n must be positive");
    this.flatdim = this.n;
    this.vecDim = this.n;
  }

  sample(rng: Rng = this.rng): Int8Array {
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = rng.integer(2);
    return out;
  }

  whyNot(x: unknown): string | undefined {
    if (!isArrayLikeOfNumbers(x)) return `expected an array of ${this.n} bits, got ${typeof x}`;
    if (x.length !== this.n) return `expected ${this.n} values, got ${x.length}`;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return `element ${i} = ${formatValue(x[i])} is not 0 or 1`;
    return undefined;
  }

  flattenInto(x: Int8Array, out: Float64Array | Float32Array, offset: number): void {
    for (let i = 0; i < this.n; i++) out[offset + i] = x[i];
  }

  unflatten(v: ArrayLike<number>, offset = 0): Int8Array {
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = v[offset + i];
    return out;
  }

  flattenSpace(): Box {
    return new Box(0, 1, [this.n], "float32");
  }

  writeVec(x: Int8Array, out: Float32Array | Float64Array, offset: number): void {
    this.flattenInto(x, out, offset);
  }

  readVec(src: ArrayLike<number>, offset: number): Int8Array {
    return this.unflatten(src, offset);
  }

  toJSON(): unknown {
    return { type: "MultiBinary", shape: this.shape };
  }

  toString(): string {
    return this.shape.length === 1 ? `MultiBinary(${this.n})` : `MultiBinary([${this.shape.join(", ")}])`;
  }
}

/** The member type of a Dict of spaces. */
export type DictValue<S extends Record<string, Space>> = { [K in keyof S]: S[K] extends Space<infer U> ? U : never };

/**
 * A dictionary of named subspaces. Keys are kept in sorted order, as Gymnasium does for a plain
 * dict; flatten concatenates the subspaces' flat forms in that order.
 */
export class Dict<S extends Record<string, Space> = Record<string, Space>> extends Space<DictValue<S>> {
  readonly shape: readonly number[] = [];
  readonly spaces: S;
  readonly keys: readonly string[];
  readonly flatdim: number;
  readonly vecDim: number;

  constructor(spaces: S) {
    super();
    this.keys = Object.keys(spaces).sort();
    const sorted = {} as Record<string, Space>;
    for (const k of this.keys) {
      if (!(spaces[k] instanceof Space)) throw new TypeError(`Dict: "${k}" is not a Space`);
      sorted[k] = spaces[k];
    }
    this.spaces = sorted as S;
    this.flatdim = this.keys.reduce((a, k) => a + this.spaces[k].flatdim, 0);
    this.vecDim = this.keys.reduce((a, k) => a + this.spaces[k].vecDim, 0);
  }

  override seed(seed: Seed | Rng): this {
    super.seed(seed);
    for (const k of this.keys) this.spaces[k].seed(this.rng.split());
    return this;
  }

  sample(rng: Rng = this.rng): DictValue<S> {
    const out = {} as Record<string, unknown>;
    for (const k of this.keys) out[k] = this.spaces[k].sample(rng);
    return out as DictValue<S>;
  }

  whyNot(x: unknown): string | undefined {
    if (x === null || typeof x !== "object" || Array.isArray(x) || ArrayBuffer.isView(x)) return `expected an object with keys ${this.keys.join(", ")}, got ${formatValue(x)}`;
    const obj = x as Record<string, unknown>;
    for (const k of Object.keys(obj)) if (!(k in this.spaces)) return `unexpected key "${k}"`;
    for (const k of this.keys) {
      if (!(k in obj)) return `missing key "${k}"`;
      const why = this.spaces[k].whyNot(obj[k]);
      if (why) return `["${k}"]: ${why}`;
    }
    return undefined;
  }

  flattenInto(x: DictValue<S>, out: Float64Array | Float32Array, offset: number): void {
    let o = offset;
    for (const k of this.keys) {
      this.spaces[k].flattenInto((x as Record<string, unknown>)[k], out, o);
      o += this.spaces[k].flatdim;
    }
  }

  unflatten(v: ArrayLike<number>, offset = 0): DictValue<S> {
    const out = {} as Record<string, unknown>;
    let o = offset;
    for (const k of this.keys) {
      out[k] = this.spaces[k].unflatten(v, o);
      o += this.spaces[k].flatdim;
    }
    return out as DictValue<S>;
  }

  flattenSpace(): Box {
    return concatBoxes(this.keys.map((k) => this.spaces[k].flattenSpace()));
  }

  writeVec(x: DictValue<S>, out: Float32Array | Float64Array, offset: number): void {
    let o = offset;
    for (const k of this.keys) {
      this.spaces[k].writeVec((x as Record<string, unknown>)[k], out, o);
      o += this.spaces[k].vecDim;
    }
  }

  readVec(src: ArrayLike<number>, offset: number): DictValue<S> {
    const out = {} as Record<string, unknown>;
    let o = offset;
    for (const k of this.keys) {
      out[k] = this.spaces[k].readVec(src, o);
      o += this.spaces[k].vecDim;
    }
    return out as DictValue<S>;
  }

  toJSON(): unknown {
    return { type: "Dict", spaces: Object.fromEntries(this.keys.map((k) => [k, this.spaces[k].toJSON()])) };
  }

  toString(): string {
    return `Dict(${this.keys.map((k) => `${JSON.stringify(k)}: ${this.spaces[k].toString()}`).join(", ")})`;
  }
}

/** A fixed-length sequence of subspaces; members are arrays. */
export class Tuple extends Space<unknown[]> {
  readonly shape: readonly number[] = [];
  readonly spaces: readonly Space[];
  readonly flatdim: number;
  readonly vecDim: number;

  constructor(spaces: readonly Space[]) {
    super();
    spaces.forEach((s, i) => {
      if (!(s instanceof Space)) throw new TypeError(`Tuple: element ${i} is not a Space`);
    });
    this.spaces = [...spaces];
    this.flatdim = spaces.reduce((a, s) => a + s.flatdim, 0);
    this.vecDim = spaces.reduce((a, s) => a + s.vecDim, 0);
  }

  override seed(seed: Seed | Rng): this {
    super.seed(seed);
    for (const s of this.spaces) s.seed(this.rng.split());
    return this;
  }

  sample(rng: Rng = this.rng): unknown[] {
    return this.spaces.map((s) => s.sample(rng));
  }

  whyNot(x: unknown): string | undefined {
    if (!Array.isArray(x)) return `expected an array of ${this.spaces.length} members, got ${formatValue(x)}`;
    if (x.length !== this.spaces.length) return `expected ${this.spaces.length} members, got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const why = this.spaces[i].whyNot(x[i]);
      if (why) return `[${i}]: ${why}`;
    }
    return undefined;
  }

  flattenInto(x: unknown[], out: Float64Array | Float32Array, offset: number): void {
    let o = offset;
    this.spaces.forEach((s, i) => {
      s.flattenInto(x[i], out, o);
      o += s.flatdim;
    });
  }

  unflatten(v: ArrayLike<number>, offset = 0): unknown[] {
    let o = offset;
    return this.spaces.map((s) => {
      const r = s.unflatten(v, o);
      o += s.flatdim;
      return r;
    });
  }

  flattenSpace(): Box {
    return concatBoxes(this.spaces.map((s) => s.flattenSpace()));
  }

  writeVec(x: unknown[], out: Float32Array | Float64Array, offset: number): void {
    let o = offset;
    this.spaces.forEach((s, i) => {
      s.writeVec(x[i], out, o);
      o += s.vecDim;
    });
  }

  readVec(src: ArrayLike<number>, offset: number): unknown[] {
    let o = offset;
    return this.spaces.map((s) => {
      const r = s.readVec(src, o);
      o += s.vecDim;
      return r;
    });
  }

  toJSON(): unknown {
    return { type: "Tuple", spaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.map((s) => s.toString()).join(", ")})`;
  }
}

function concatBoxes(boxes: Box[]): Box {
  const low: number[] = [];
  const high: number[] = [];
  let f64 = false;
  for (const b of boxes) {
    low.push(...b.low);
    high.push(...b.high);
    if (b.dtype === "float64") f64 = true;
  }
  return new Box(low, high, [low.length], f64 ? "float64" : "float32");
}

/** The largest finite float32, Gymnasium's `np.finfo(np.float32).max`. */
export const FLOAT32_MAX = F32_MAX;
