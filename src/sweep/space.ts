/**
 * Search spaces: what a sweep may choose for each hyperparameter.
 *
 *   const space = {
 *     learningRate: logUniform(1e-5, 1e-2),
 *     gamma: uniform(0.9, 0.999),
 *     nSteps: choice([32, 64, 128]),
 *     nEpochs: intUniform(1, 20),
 *     clipRange: quantized(0.1, 0.4, 0.05),
 *     netArch: [64, 64],                 // a plain value is fixed
 *   };
 *
 * Parameters are plain JSON objects (`{kind: "uniform", low, high}`), so a space is stored in
 * the sweep's log as it is and read back by `sweep.resume`. `validateSpace` checks every
 * parameter and names the parameter and the fix in its error.
 */

export interface UniformParam {
  kind: "uniform";
  low: number;
  high: number;
}
export interface LogUniformParam {
  kind: "logUniform";
  low: number;
  high: number;
}
export interface IntUniformParam {
  kind: "intUniform";
  low: number;
  high: number;
  /** Sample on a log scale (for sizes such as 16..1024). */
  log?: boolean;
}
export interface QuantizedParam {
  kind: "quantized";
  low: number;
  high: number;
  /** Values are low, low + q, low + 2q, ... <= high. */
  q: number;
}
export interface ChoiceParam<T = unknown> {
  kind: "choice";
  values: T[];
}
export interface FixedParam<T = unknown> {
  kind: "fixed";
  value: T;
}

export type Param = UniformParam | LogUniformParam | IntUniformParam | QuantizedParam | ChoiceParam | FixedParam;
/** A numeric, searchable parameter. */
export type NumericParam = UniformParam | LogUniformParam | IntUniformParam | QuantizedParam;

/** A search space as written by a user: parameters or plain (fixed) values. */
export type SpaceInput = Record<string, Param | unknown>;
/** A validated search space: every entry a {@link Param}. */
export type Space = Record<string, Param>;

/** A configuration drawn from a space. */
export type Config = Record<string, unknown>;

/** The value a parameter takes in a configuration: a number for numeric parameters, one of a choice's values, a fixed value as it is. */
export type ParamValue<P> = P extends NumericParam ? number : P extends ChoiceParam<infer T> ? T : P extends FixedParam<infer T> ? T : P;

/** The configuration type of a search space: `{learningRate: logUniform(...), netArch: choice(["a", "b"])}` gives `{learningRate: number, netArch: "a" | "b"}`. */
export type ConfigOf<S> = { [K in keyof S]: ParamValue<S[K]> };

export const uniform = (low: number, high: number): UniformParam => ({ kind: "uniform", low, high });
export const logUniform = (low: number, high: number): LogUniformParam => ({ kind: "logUniform", low, high });
export const intUniform = (low: number, high: number, options: { log?: boolean } = {}): IntUniformParam =>
  options.log ? { kind: "intUniform", low, high, log: true } : { kind: "intUniform", low, high };
export const quantized = (low: number, high: number, q: number): QuantizedParam => ({ kind: "quantized", low, high, q });
/** One of `values` (string and number values keep their literal types: `choice(["a", "b"])` is a `ChoiceParam<"a" | "b">`). */
export function choice<T extends string | number | boolean | bigint | null | undefined | object>(values: readonly T[]): ChoiceParam<T>;
export function choice<T>(values: readonly T[]): ChoiceParam<T>;
export function choice<T>(values: readonly T[]): ChoiceParam<T> {
  return { kind: "choice", values: Array.isArray(values) ? [...values] : (values as unknown as T[]) };
}
export const fixed = <T>(value: T): FixedParam<T> => ({ kind: "fixed", value });

const KINDS = new Set(["uniform", "logUniform", "intUniform", "quantized", "choice", "fixed"]);

/** True for an object made by one of the parameter constructors. */
export function isParam(x: unknown): x is Param {
  return !!x && typeof x === "object" && !Array.isArray(x) && KINDS.has((x as { kind?: unknown }).kind as string);
}

/** A search-space mistake: names the parameter and says how to fix it. */
export class SpaceError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`search space: parameter "${param}": ${message}`);
    this.name = "SpaceError";
  }
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Checks a space and turns plain values into fixed parameters. */
export function validateSpace(input: SpaceInput): Space {
  if (!input || typeof input !== "object" || Array.isArray(input)) throw new TypeError("search space: expected an object of parameters, e.g. {lr: logUniform(1e-5, 1e-2)}");
  const out: Space = {};
  for (const [name, raw] of Object.entries(input)) {
    if (!isParam(raw)) {
      if (typeof raw === "function") throw new SpaceError(name, "a function is not a value; use choice([...]) or a plain value");
      const kind = (raw as { kind?: unknown } | null)?.kind;
      if (typeof kind === "string" && ["low", "high", "values", "q", "mean", "std"].some((k) => k in (raw as object))) {
        throw new SpaceError(name, `unknown parameter kind ${JSON.stringify(kind)} (kinds: ${[...KINDS].join(", ")}); build parameters with uniform(), logUniform(), intUniform(), quantized() or choice(), or wrap a fixed object value in fixed({...})`);
      }
      out[name] = { kind: "fixed", value: raw };
      continue;
    }
    const p = raw;
    const rangeCheck = (low: unknown, high: unknown) => {
      const show = (v: unknown) => (typeof v === "number" ? String(v) : `${JSON.stringify(v)} (a ${typeof v})`);
      if (!finite(low) || !finite(high)) throw new SpaceError(name, `low and high must be finite numbers, got low=${show(low)}, high=${show(high)}`);
      if (low > high) throw new SpaceError(name, `low (${low}) is above high (${high}); swap them: ${p.kind}(${high}, ${low})`);
    };
    switch (p.kind) {
      case "uniform":
        rangeCheck(p.low, p.high);
        break;
      case "logUniform":
        rangeCheck(p.low, p.high);
        if (p.high <= 0) throw new SpaceError(name, `a log range must be above zero, but it is ${p.low}..${p.high}; use uniform(${p.low}, ${p.high}), or search the magnitude with logUniform(${-p.high || 1e-6}, ${-p.low}) and negate it in the objective`);
        if (p.low <= 0) throw new SpaceError(name, `a log range must be above zero, but low is ${p.low}; use a small positive low (e.g. logUniform(${p.high / 1e4}, ${p.high})) or uniform(${p.low}, ${p.high})`);
        break;
      case "intUniform":
        rangeCheck(p.low, p.high);
        if (!Number.isInteger(p.low) || !Number.isInteger(p.high)) throw new SpaceError(name, `intUniform needs integer bounds, got ${p.low}..${p.high}; use uniform() for real numbers`);
        if (p.log && p.low <= 0) throw new SpaceError(name, `a log range must be above zero, but low is ${p.low}; use low >= 1 or drop {log: true}`);
        break;
      case "quantized":
        rangeCheck(p.low, p.high);
        if (!finite(p.q) || p.q <= 0) throw new SpaceError(name, `the step q must be a positive number, got ${String(p.q)}`);
        if ((p.high - p.low) / p.q > 1e7) throw new SpaceError(name, `the step q=${p.q} makes more than 10^7 values; use a larger q or uniform()`);
        break;
      case "choice":
        if (!Array.isArray(p.values)) throw new SpaceError(name, `choice() takes an array of values, got ${JSON.stringify(p.values)}; e.g. choice([32, 64])`);
        if (p.values.length === 0) throw new SpaceError(name, "choice() of nothing: give at least one value, e.g. choice([32, 64])");
        break;
      case "fixed":
        break;
    }
    out[name] = p;
  }
  return out;
}

/** The parameters a sampler chooses (all but fixed ones), in the space's order. */
export function searchable(space: Space): [string, Exclude<Param, FixedParam>][] {
  return Object.entries(space).filter((e): e is [string, Exclude<Param, FixedParam>] => e[1].kind !== "fixed");
}

/** Number of distinct values of a quantized parameter (low, low + q, ..., <= high). */
export function quantizedCount(p: QuantizedParam): number {
  return Math.floor((p.high - p.low) / p.q + 1e-9) + 1;
}

/** Snaps a number to a quantized parameter's grid. */
export function snapQuantized(p: QuantizedParam, v: number): number {
  const k = Math.min(quantizedCount(p) - 1, Math.max(0, Math.round((v - p.low) / p.q)));
  // Round away binary noise (0.1 + 3 * 0.05 = 0.25000000000000006).
  return Number((p.low + k * p.q).toPrecision(12));
}

/**
 * The internal coordinate samplers work in for a numeric parameter: log for log scales, the
 * value itself otherwise. `toInternal` / `fromInternal` convert.
 */
export function internalRange(p: NumericParam): { low: number; high: number; step: number } {
  switch (p.kind) {
    case "uniform":
      return { low: p.low, high: p.high, step: 0 };
    case "logUniform":
      return { low: Math.log(p.low), high: Math.log(p.high), step: 0 };
    case "intUniform":
      return p.log ? { low: Math.log(p.low - 0.5 > 0 ? p.low - 0.5 : p.low), high: Math.log(p.high + 0.5), step: 0 } : { low: p.low, high: p.high, step: 1 };
    case "quantized":
      return { low: p.low, high: p.low + (quantizedCount(p) - 1) * p.q, step: p.q };
  }
}

export function toInternal(p: NumericParam, v: number): number {
  return p.kind === "logUniform" || (p.kind === "intUniform" && p.log) ? Math.log(v) : v;
}

/** Maps an internal coordinate back to a legal value (rounding integers and steps, clamping). */
export function fromInternal(p: NumericParam, x: number): number {
  switch (p.kind) {
    case "uniform":
      return Math.min(p.high, Math.max(p.low, x));
    case "logUniform":
      return Math.min(p.high, Math.max(p.low, Math.exp(x)));
    case "intUniform":
      return Math.min(p.high, Math.max(p.low, Math.round(p.log ? Math.exp(x) : x)));
    case "quantized":
      return snapQuantized(p, x);
  }
}

/** A short human description of a parameter ("logUniform(1e-05, 0.01)"). */
export function describeParam(p: Param): string {
  switch (p.kind) {
    case "fixed":
      return JSON.stringify(p.value);
    case "choice":
      return `choice(${JSON.stringify(p.values)})`;
    case "quantized":
      return `quantized(${p.low}, ${p.high}, ${p.q})`;
    case "intUniform":
      return `intUniform(${p.low}, ${p.high}${p.log ? ", {log: true}" : ""})`;
    default:
      return `${p.kind}(${p.low}, ${p.high})`;
  }
}

/** Checks that a configuration fits a space (used when a trial is resumed or enqueued by hand). */
export function containsConfig(space: Space, config: Config): boolean {
  for (const [name, p] of Object.entries(space)) {
    const v = config[name];
    switch (p.kind) {
      case "fixed":
        if (JSON.stringify(v) !== JSON.stringify(p.value)) return false;
        break;
      case "choice":
        if (!p.values.some((c) => JSON.stringify(c) === JSON.stringify(v))) return false;
        break;
      default:
        if (!finite(v) || v < p.low || v > p.high) return false;
        if (p.kind === "intUniform" && !Number.isInteger(v)) return false;
    }
  }
  return true;
}
