/**
 * What every rlbook agent shares: the Agent interface the training loop drives, config
 * validation with errors that name the field and the accepted values, observation / action
 * space handling for vector envs, and episode bookkeeping under Gymnasium's next-step autoreset.
 */
import { Env } from "../core/env.js";
import { Rng } from "../core/rng.js";
import { Box, Dict, Discrete, type Space } from "../core/spaces.js";
import { SyncVectorEnv, VectorEnv } from "../core/vector.js";
import { tf, type Tensor } from "../nn/tf.js";
import { readFloats } from "../nn/read.js";
import { rateProblem } from "./schedules.js";

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

/** What `act` returns when the env's action type is not known statically. */
export type AnyAction = number | Int32Array | Float32Array;

/**
 * The action type of an env: `A` of an env whose `actionSpace` is a `Space<A>` (CartPoleEnv:
 * number), or of a vector env whose `singleActionSpace` is one; `unknown` when the type does not say.
 */
export type EnvAction<E> = E extends { readonly actionSpace: Space<infer A> } ? A : E extends { readonly singleActionSpace: Space<infer A> } ? A : unknown;

/** What `act` returns for an env with action type `A`: `A` itself (number for Discrete, Float32Array for Box), or {@link AnyAction} when unknown. */
export type ActionOf<A> = unknown extends A ? AnyAction : A;

/**
 * The env an agent trains on: a vector env, or a single env (wrapped into a 1-env
 * SyncVectorEnv, as SB3's DummyVecEnv does). `A` is its action type, read from its action space.
 */
export type AgentEnv<A = unknown> = (Env & { readonly actionSpace: Space<A> }) | (VectorEnv & { readonly singleActionSpace: Space<A> });

/** The vector env an agent trains on: `env` itself, or a single env wrapped into a 1-env {@link SyncVectorEnv}. */
export function toVectorEnv(env: AgentEnv<unknown>, algo: string): VectorEnv {
  if (env instanceof VectorEnv) return env;
  if (env instanceof Env) return new SyncVectorEnv([env]);
  throw new ConfigError(algo, "env", env, 'an Env (make("CartPole-v1")) or a VectorEnv (make("CartPole-v1", {numEnvs: 8}))');
}

/** An RL agent that {@link train} can drive; `A` is its env's action type. */
export interface Agent<A = unknown> {
  /** Algorithm name ("PPO", "DQN", ...). */
  readonly algo: string;
  /** The training env (a single env given to the agent is wrapped into a 1-env vector env). */
  readonly env: VectorEnv;
  /** Env steps taken in training so far. */
  readonly numTimesteps: number;
  /** Called by `train` before its first iteration: schedules run to numTimesteps + steps; episodes restart. */
  beginTraining(steps: number): void;
  /**
   * Collects experience and learns from it: one unit of work (a rollout + update, or a few env
   * steps). Asynchronous for the built-in agents: their tensor reads are awaited (and batched),
   * which a GPU backend requires; `train` awaits either form.
   */
  learnIteration(): IterationResult | Promise<IterationResult>;
  /**
   * The action for ONE observation, typed as the env's action (a number for a Discrete action
   * space, a Float32Array for a Box). For k observations at once use {@link actBatch}. The
   * built-in agents act on a host copy of their policy network (synchronous on every backend),
   * refreshed after every training iteration and on load.
   */
  act(obs: ArrayLike<number> | number, options?: ActOptions): ActionOf<A>;
  /** Batched acting: k observations (k * obsDim numbers) -> k * actDim action numbers (env layout). */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array;
  /** Writes a checkpoint directory (atomically). */
  save(dir: string): Promise<void>;
  /** Releases the networks' tensors. */
  dispose(): void;
}

/** One invalid config value: the field, the value and what is accepted. */
export interface ConfigProblem {
  field: string;
  value: unknown;
  accepted: string;
}

/**
 * Invalid config values: names the algorithm and, for every bad field, the value and what is
 * accepted. `field`, `value` and `accepted` are the first problem's; `problems` lists all.
 */
export class ConfigError extends Error {
  readonly field: string;
  readonly value: unknown;
  readonly accepted: string;
  readonly problems: readonly ConfigProblem[];

  constructor(algo: string, field: string, value: unknown, accepted: string);
  constructor(algo: string, problems: readonly ConfigProblem[]);
  constructor(
    readonly algo: string,
    fieldOrProblems: string | readonly ConfigProblem[],
    value?: unknown,
    accepted?: string,
  ) {
    const problems = typeof fieldOrProblems === "string" ? [{ field: fieldOrProblems, value, accepted: accepted ?? "" }] : [...fieldOrProblems];
    const line = (p: ConfigProblem) => `${p.field} = ${fmt(p.value)} is invalid; accepted values: ${p.accepted}`;
    super(problems.length === 1 ? `${algo} config: ${line(problems[0])}` : `${algo} config: ${problems.length} invalid fields:\n${problems.map((p) => `  ${line(p)}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
    this.field = problems[0].field;
    this.value = problems[0].value;
    this.accepted = problems[0].accepted;
  }
}

function fmt(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  if (v && typeof v === "object" && !ArrayBuffer.isView(v)) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
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

function describeRule(rule: NumberRule): string {
  const parts: string[] = [];
  parts.push(rule.integer ? "an integer" : "a number");
  if (rule.min !== undefined) parts.push(`${rule.gtMin ? ">" : ">="} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.optional) parts.push("(or null)");
  return parts.join(" ");
}

/**
 * Checks a config field by field, collecting every problem; {@link ConfigCheck.done} throws one
 * {@link ConfigError} listing them all.
 */
export class ConfigCheck {
  readonly problems: ConfigProblem[] = [];

  constructor(
    readonly algo: string,
    readonly cfg: object,
  ) {}

  private get(field: string): unknown {
    return (this.cfg as Record<string, unknown>)[field];
  }

  /** Records a problem. */
  fail(field: string, value: unknown, accepted: string): void {
    this.problems.push({ field, value, accepted });
  }

  /** Whether `field` already has a problem (to skip checks that depend on it). */
  failed(field: string): boolean {
    return this.problems.some((p) => p.field === field);
  }

  number(field: string, rule: NumberRule): void {
    const v = this.get(field);
    if ((v === undefined || v === null) && rule.optional) return;
    const bad =
      typeof v !== "number" ||
      !Number.isFinite(v) ||
      (rule.integer && !Number.isInteger(v)) ||
      (rule.min !== undefined && (rule.gtMin ? v <= rule.min : v < rule.min)) ||
      (rule.max !== undefined && v > rule.max);
    if (bad) this.fail(field, v, describeRule(rule));
  }

  /** A {@link Rate}: a number following `rule`, or a schedule whose values do. */
  rate(field: string, rule: NumberRule): void {
    const v = this.get(field);
    if ((v === undefined || v === null) && rule.optional) return;
    const why = rateProblem(v, rule);
    if (why) this.fail(field, v, `${describeRule(rule)}, or a schedule of such values (linearSchedule(start, end), stepSchedule(values, boundaries), constantSchedule(value), or a function of progressRemaining)${why.startsWith("the function") ? ` (${why})` : ""}`);
  }

  oneOf(field: string, values: readonly unknown[]): void {
    const v = this.get(field);
    if (!values.includes(v)) this.fail(field, v, values.map(fmt).join(" | "));
  }

  bool(field: string): void {
    this.oneOf(field, [true, false]);
  }

  /** A list of hidden-layer widths. */
  layers(field: string): void {
    const v = this.get(field);
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x > 0)) {
      this.fail(field, v, "a non-empty array of positive integers, e.g. [64, 64] (one width per hidden layer)");
    }
  }

  /** Throws a {@link ConfigError} listing every problem found, if any. */
  done(): void {
    if (this.problems.length) throw new ConfigError(this.algo, this.problems);
  }
}

/**
 * A full, validated, frozen config: `given` over `defaults` (arrays copied). Unknown keys,
 * replaced keys (`replaced` maps an old name to what to pass instead) and every invalid value
 * are reported together in one {@link ConfigError}.
 */
export function resolveConfig<C extends object>(
  algo: string,
  defaults: Readonly<C>,
  given: Partial<C>,
  validate: (check: ConfigCheck, c: C) => void,
  replaced: Readonly<Record<string, string>> = {},
): Readonly<C> {
  const unknown: ConfigProblem[] = [];
  for (const k of Object.keys(given)) {
    if (k in defaults) continue;
    const v = (given as Record<string, unknown>)[k];
    unknown.push({ field: k, value: v, accepted: k in replaced ? `none: ${k} was replaced; ${replaced[k]}` : `a known ${algo} option: ${Object.keys(defaults).join(", ")}` });
  }
  const c = { ...defaults, ...given } as C;
  // Arrays (netArch, per-step rates) are copied so the frozen config shares nothing with the caller.
  for (const [k, v] of Object.entries(c)) if (Array.isArray(v)) (c as Record<string, unknown>)[k] = [...v];
  const check = new ConfigCheck(algo, c);
  check.problems.push(...unknown);
  validate(check, c);
  check.done();
  return Object.freeze(c);
}

/** One preset: the vector env size it was tuned with, the training steps and the config. */
export interface Preset<C> {
  numEnvs: number;
  steps: number;
  config: Partial<C>;
}

/** Tuned settings per name (an env id, or an id with a variant such as "CartPole-v1/fast"). */
export type Presets<C, K extends string = string> = Readonly<Record<K, Preset<C>>>;

/** The config of the preset `name`, or a {@link ConfigError} listing the presets. */
export function presetConfig<C>(algo: string, presets: Presets<C>, name: string): Partial<C> {
  const p = (presets as Record<string, Preset<C> | undefined>)[name];
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
    if (space instanceof Box || space instanceof Dict) {
      // A Dict (a GoalEnv's observation) arrives flattened in sorted key order, as the vector env lays it out.
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
      throw new ConfigError(algo, "env.singleObservationSpace", space, "Box, Discrete or Dict observations (wrap others with FlattenObservation)");
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
 * back with one await; the stat tensors are disposed.
 */
export async function meanStats(stats: Tensor[]): Promise<Float32Array> {
  const m = tf.tidy(() => tf.mean(tf.stack(stats), 0));
  tf.dispose(stats);
  return readFloats(m, { dispose: true });
}

/** {@link meanStats} by name: `names[k]` -> mean of entry k; {} when no gradient step was taken. */
export async function namedMeans(stats: Tensor[], names: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (!stats.length) return out;
  const v = await meanStats(stats);
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

/** One observation passed to `act`, as a row of numbers (a batch is refused, pointing to actBatch). */
export function obsRow(obs: ArrayLike<number> | number, rawDim: number): Float32Array {
  const data = typeof obs === "number" ? Float32Array.of(obs) : Float32Array.from(obs);
  if (data.length !== rawDim) {
    const batch = data.length > rawDim && data.length % rawDim === 0;
    throw new RangeError(
      `act: expected ${rawDim} numbers per observation, got ${data.length}` +
        (batch ? ` (${data.length / rawDim} observations: act takes one; use actBatch(obs, ${data.length / rawDim}, deterministic) for a batch)` : ""),
    );
  }
  return data;
}
