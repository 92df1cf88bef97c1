/**
 * What every rlbook agent shares: the Agent interface the training loop drives, config
 * validation with errors that name the field and the accepted values, observation / action
 * space handling for vector envs, and episode bookkeeping under Gymnasium's next-step autoreset.
 */
import { Rng } from "../core/rng.js";
import { Box, Discrete, type Space } from "../core/spaces.js";
import type { VectorEnv } from "../core/vector.js";
import { tf, type Tensor } from "../nn/tf.js";

/** A finished training episode. */
export interface EpisodeRecord {
  return: number;
  length: number;
}

/** What one call of {@link Agent.learnIteration} did. */
export interface IterationResult {
  /** Env steps taken (summed over the vector env's copies). */
  steps: number;
  /** Episodes that ended during the iteration. */
  episodes: EpisodeRecord[];
  /** Loss values and other scalars of the update(s) (e.g. policyLoss, valueLoss, entropy). */
  losses: Record<string, number>;
}

/** Options of {@link Agent.act}. */
export interface ActOptions {
  /** The most likely action (argmax / mean) instead of a sample. */
  deterministic?: boolean;
}

/** An RL agent that {@link train} can drive. */
export interface Agent {
  /** Algorithm name ("PPO", "DQN", ...). */
  readonly algo: string;
  /** The training env. */
  readonly env: VectorEnv;
  /** Env steps taken in training so far. */
  readonly numTimesteps: number;
  /** Called by `train` before its first iteration: schedules run to numTimesteps + steps; episodes restart. */
  beginTraining(steps: number): void;
  /** Collects experience and learns from it: one unit of work (a rollout + update, or a few env steps). */
  learnIteration(): IterationResult;
  /**
   * The action for one observation (a number for a Discrete action space, a Float32Array for a
   * Box), or for a batch: `obs` of k * obsDim numbers gives k actions (Int32Array / Float32Array).
   */
  act(obs: ArrayLike<number> | number, options?: ActOptions): number | Int32Array | Float32Array;
  /** Batched acting for evaluation: k observations -> k * actDim action numbers (env layout). */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array;
  /** Writes a checkpoint directory (atomically). */
  save(dir: string): Promise<void>;
  /** Releases the networks' tensors. */
  dispose(): void;
}

/** An invalid config value: names the algorithm, the field, the value and what is accepted. */
export class ConfigError extends Error {
  constructor(
    readonly algo: string,
    readonly field: string,
    readonly value: unknown,
    readonly accepted: string,
  ) {
    super(`${algo} config: ${field} = ${fmt(value)} is invalid; accepted values: ${accepted}`);
    this.name = "ConfigError";
  }
}

function fmt(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  return String(v);
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** min is exclusive (value > min). */
  gtMin?: boolean;
  integer?: boolean;
  /** undefined / null allowed. */
  optional?: boolean;
}

/** Checks `cfg[field]` against a numeric rule, throwing a {@link ConfigError}. */
export function checkNumber(algo: string, cfg: object, field: string, rule: NumberRule): void {
  const v = (cfg as Record<string, unknown>)[field];
  if ((v === undefined || v === null) && rule.optional) return;
  const parts: string[] = [];
  parts.push(rule.integer ? "an integer" : "a number");
  if (rule.min !== undefined) parts.push(`${rule.gtMin ? ">" : ">="} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.optional) parts.push("(or null)");
  const accepted = parts.join(" ");
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ConfigError(algo, field, v, accepted);
  if (rule.integer && !Number.isInteger(v)) throw new ConfigError(algo, field, v, accepted);
  if (rule.min !== undefined && (rule.gtMin ? v <= rule.min : v < rule.min)) throw new ConfigError(algo, field, v, accepted);
  if (rule.max !== undefined && v > rule.max) throw new ConfigError(algo, field, v, accepted);
}

/** Checks that `cfg[field]` is one of `values`. */
export function checkOneOf(algo: string, cfg: object, field: string, values: readonly unknown[]): void {
  const v = (cfg as Record<string, unknown>)[field];
  if (!values.includes(v)) throw new ConfigError(algo, field, v, values.map(fmt).join(" | "));
}

/** Checks that `cfg[field]` is a boolean. */
export function checkBool(algo: string, cfg: object, field: string): void {
  checkOneOf(algo, cfg, field, [true, false]);
}

/** Checks a list of hidden-layer widths. */
export function checkLayers(algo: string, cfg: object, field: string): void {
  const v = (cfg as Record<string, unknown>)[field];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new ConfigError(algo, field, v, "a non-empty array of positive integers, e.g. [64, 64]");
  }
}

/** Rejects config keys the algorithm does not know (catches typos such as `learningrate`). */
export function checkKnownKeys(algo: string, given: object, defaults: object): void {
  for (const k of Object.keys(given)) {
    if (!(k in defaults)) {
      throw new ConfigError(algo, k, (given as Record<string, unknown>)[k], `a known ${algo} option: ${Object.keys(defaults).join(", ")}`);
    }
  }
}

/** A full, validated, frozen config: `given` over `defaults` (netArch copied); unknown keys are rejected. */
export function resolveConfig<C extends { netArch: number[] }>(algo: string, defaults: Readonly<C>, given: Partial<C>, validate: (c: C) => void): Readonly<C> {
  checkKnownKeys(algo, given, defaults);
  const c = { ...defaults, ...given, netArch: [...(given.netArch ?? defaults.netArch)] } as C;
  validate(c);
  return Object.freeze(c);
}

/** Tuned settings per env id: the vector env size, the training steps and the config. */
export type Presets<C> = Record<string, { numEnvs: number; steps: number; config: Partial<C> }>;

/** The config of the preset `name`, or a {@link ConfigError} listing the presets. */
export function presetConfig<C>(algo: string, presets: Presets<C>, name: string): Partial<C> {
  const p = presets[name];
  if (!p) throw new ConfigError(algo, "preset", name, Object.keys(presets).map((k) => JSON.stringify(k)).join(" | "));
  return p.config;
}

/** How an agent reads observations: Box rows as they are, Discrete indices one-hot encoded. */
export class ObsEncoder {
  /** Network input width. */
  readonly inputDim: number;
  /** Numbers per env in the vector env's obs rows. */
  readonly rawDim: number;
  private readonly oneHot: number;
  private readonly start: number;

  constructor(space: Space, algo: string) {
    if (space instanceof Box) {
      this.rawDim = space.vecDim;
      this.inputDim = space.vecDim;
      this.oneHot = 0;
      this.start = 0;
    } else if (space instanceof Discrete) {
      this.rawDim = 1;
      this.inputDim = space.n;
      this.oneHot = space.n;
      this.start = space.start;
    } else {
      throw new ConfigError(algo, "env.singleObservationSpace", space, "Box or Discrete observations (wrap others with FlattenObservation)");
    }
  }

  /** Encodes k raw rows into network inputs [k, inputDim]. */
  encode(raw: ArrayLike<number>, k: number, out: Float32Array = new Float32Array(k * this.inputDim)): Float32Array {
    if (!this.oneHot) {
      out.set(raw as ArrayLike<number>);
      return out;
    }
    out.fill(0);
    for (let i = 0; i < k; i++) out[i * this.oneHot + (raw[i] - this.start)] = 1;
    return out;
  }
}

/** An action space an algorithm handles. */
export type ActionSpec = { kind: "discrete"; n: number; start: number } | { kind: "box"; dim: number; low: Float64Array; high: Float64Array };

/** Reads the action space, rejecting kinds the algorithm cannot handle. */
export function actionSpec(space: Space, algo: string, accepts: readonly ("discrete" | "box")[]): ActionSpec {
  if (space instanceof Discrete && accepts.includes("discrete")) return { kind: "discrete", n: space.n, start: space.start };
  if (space instanceof Box && accepts.includes("box")) {
    if (space.shape.length > 1) throw new ConfigError(algo, "env.singleActionSpace", space, "a 1-D Box");
    for (let i = 0; i < space.vecDim; i++) {
      if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i])) {
        throw new ConfigError(algo, "env.singleActionSpace", space, "a Box with finite bounds (rescale unbounded actions)");
      }
    }
    return { kind: "box", dim: space.vecDim, low: space.low, high: space.high };
  }
  const names = accepts.map((a) => (a === "discrete" ? "Discrete" : "Box (continuous)")).join(" or ");
  throw new ConfigError(algo, "env.singleActionSpace", space, `${names} action spaces (${algo} cannot handle ${space.constructor.name})`);
}

/** Per-env episode returns and lengths under next-step autoreset (reset steps are not counted). */
export class EpisodeTracker {
  private readonly ret: Float64Array;
  private readonly len: Int32Array;

  constructor(readonly n: number) {
    this.ret = new Float64Array(n);
    this.len = new Int32Array(n);
  }

  reset(): void {
    this.ret.fill(0);
    this.len.fill(0);
  }

  /** Records one vector step; appends finished episodes to `out`. */
  step(reward: ArrayLike<number>, terminated: ArrayLike<number>, truncated: ArrayLike<number>, autoreset: ArrayLike<number> | undefined, out: EpisodeRecord[]): void {
    for (let i = 0; i < this.n; i++) {
      if (autoreset && autoreset[i]) continue;
      this.ret[i] += reward[i];
      this.len[i]++;
      if (terminated[i] || truncated[i]) {
        out.push({ return: this.ret[i], length: this.len[i] });
        this.ret[i] = 0;
        this.len[i] = 0;
      }
    }
  }
}

/** Mean of a list (NaN when empty). */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/**
 * The mean of equal-length stat vectors (one per gradient step: losses, Q values, ...), read
 * back once; the stat tensors are disposed.
 */
export function meanStats(stats: Tensor[]): Float32Array {
  const m = tf.tidy(() => tf.mean(tf.stack(stats), 0));
  const v = m.dataSync() as Float32Array;
  m.dispose();
  tf.dispose(stats);
  return v;
}

/** {@link meanStats} by name: `names[k]` -> mean of entry k; {} when no gradient step was taken. */
export function namedMeans(stats: Tensor[], names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (!stats.length) return out;
  const v = meanStats(stats);
  names.forEach((name, k) => (out[name] = v[k]));
  return out;
}

/** A fresh seeded generator for an agent: `seed` or entropy. */
export function agentRng(seed: number | undefined): Rng {
  return seed === undefined ? Rng.fromEntropy() : new Rng(seed);
}

/** Clips Box actions to the space's bounds (row-major [k, dim]). */
export function clipActions(a: Float32Array, spec: Extract<ActionSpec, { kind: "box" }>, out: Float32Array = new Float32Array(a.length)): Float32Array {
  const d = spec.dim;
  for (let i = 0; i < a.length; i++) {
    const j = i % d;
    const v = a[i];
    out[i] = v < spec.low[j] ? spec.low[j] : v > spec.high[j] ? spec.high[j] : v;
  }
  return out;
}

/** Normalizes a single observation or a batch passed to `act` into k rows. */
export function obsRows(obs: ArrayLike<number> | number, rawDim: number): { data: Float32Array; k: number; single: boolean } {
  const data = typeof obs === "number" ? Float32Array.of(obs) : Float32Array.from(obs);
  if (data.length % rawDim !== 0 || data.length === 0) {
    throw new RangeError(`act: expected ${rawDim} numbers per observation, got ${data.length}`);
  }
  return { data, k: data.length / rawDim, single: data.length === rawDim };
}
