/**
 * The env registry: `make(id, options)` builds a registered env the way Gymnasium's
 * `gymnasium.make` does, wrapped in OrderEnforcing and TimeLimit with the registered
 * `maxEpisodeSteps`; `make(id, {numEnvs: N})` builds a vector env; `make(family, params)` builds a
 * task family's env for one task (meta-RL, gymnax-style params).
 */
import { Env, type EnvSpec, type Info } from "./env.js";
import type { Rng } from "./rng.js";
import type { Space } from "./spaces.js";
import { SyncVectorEnv, VectorEnv, type AutoresetMode } from "./vector.js";
import { OrderEnforcing, TimeLimit } from "./wrappers.js";

/** Options every `make` accepts (env-specific ones are passed to the env's constructor). */
export interface MakeOptions {
  /** Overrides the registered TimeLimit; `null` disables it. */
  maxEpisodeSteps?: number | null;
  /** Env-specific params (physics constants, task params). */
  params?: unknown;
  /** Other env-specific options. */
  [key: string]: unknown;
}

/** Options of `make` for a vector env. */
export interface MakeVectorOptions extends MakeOptions {
  /** Number of copies stepped together. */
  numEnvs: number;
  /** "next-step" (default) or "same-step" autoreset. */
  autoreset?: AutoresetMode;
}

/** A registered env. */
export interface EnvRegistration {
  id: string;
  /** Builds the bare env (no TimeLimit) from make's options. */
  create(options: MakeOptions): Env;
  /** Builds a dedicated vector env (with its own TimeLimit); SyncVectorEnv when absent. */
  createVector?(options: MakeVectorOptions & { maxEpisodeSteps: number | null }): VectorEnv;
  /** TimeLimit steps; a function for envs whose horizon depends on their options. */
  maxEpisodeSteps?: number | ((env: Env, options: MakeOptions) => number | undefined);
  rewardThreshold?: number;
  nondeterministic?: boolean;
  /** One line for `registeredIds` listings. */
  description?: string;
}

/**
 * A family of tasks (meta-RL) with explicit params, gymnax-style: `sample(rng)` draws one task's
 * params; `make(family, params)` builds that task's env.
 */
export interface TaskFamily<P, E extends Env = Env> {
  /** The family's name (used as the env id). */
  readonly name: string;
  /** Draws the params of one task. */
  sample(rng: Rng): P;
  /** Builds the (not time-limited) env of one task. */
  create(params: P): E;
  /** Episode length `make` applies (TimeLimit). */
  readonly maxEpisodeSteps?: number | ((params: P) => number);
  /** Every task, for families with finitely many (e.g. Dark Room goals), in a fixed order. */
  tasks?(): P[];
}

/**
 * The env type of every registered id, for `make`'s return type and the ids' Tab completion.
 * The built-in envs add their ids here; declare your own env's type the same way (declaration
 * merging) so `make` of its id is typed too:
 *
 *   declare module "rlbook" { interface EnvRegistry { "GridWorld-v0": GridWorldEnv } }
 *   register({ id: "GridWorld-v0", create: () => new GridWorldEnv() });
 *   make("GridWorld-v0")   // Env<observation, action, info> of GridWorldEnv
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface EnvRegistry {}

/** A registered env id (completed from {@link EnvRegistry}), or any other string (ids registered without a type). */
export type EnvId = keyof EnvRegistry | (string & {});

/** The observation type of an env (from its observation space). */
export type ObsOf<E> = E extends { readonly observationSpace: Space<infer O> } ? O : unknown;
/** The action type of an env (from its action space). */
export type ActOf<E> = E extends { readonly actionSpace: Space<infer A> } ? A : unknown;
/** The step-info type of an env. */
export type InfoOf<E> = E extends { step(action: never): { info: infer I } } ? (I extends Info ? I : Info) : Info;

/** The env type registered for `Id` in {@link EnvRegistry} (`Env` for other ids). */
export type Registered<Id> = Id extends keyof EnvRegistry ? EnvRegistry[Id] : Env;
/** What `make(id)` returns: the registered env's observation, action and info types behind `Env`. */
export type EnvOf<Id> = Env<ObsOf<Registered<Id>>, ActOf<Registered<Id>>, InfoOf<Registered<Id>>>;
/** What `make(id, {numEnvs})` returns: a vector env of the registered env's types. */
export type VectorEnvOf<Id> = VectorEnv<ObsOf<Registered<Id>>, ActOf<Registered<Id>>, InfoOf<Registered<Id>>>;

const registry = new Map<string, EnvRegistration>();

/** Registers an env id (throws when the id is taken, unless `override`). */
export function register(entry: EnvRegistration, override = false): void {
  if (!/^[A-Za-z0-9_/:.-]+-v\d+$/.test(entry.id)) throw new RangeError(`register: env ids look like "Name-v0", got "${entry.id}"`);
  if (registry.has(entry.id) && !override) throw new Error(`register: "${entry.id}" is already registered`);
  registry.set(entry.id, entry);
}

/** All registered ids, sorted. */
export function registeredIds(): string[] {
  return [...registry.keys()].sort();
}

/** The registration of `id` (throws like `make` for unknown ids). */
export function registration(id: string): EnvRegistration {
  const entry = registry.get(id);
  if (!entry) throw unknownId(id);
  return entry;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

function unknownId(id: string): Error {
  const ids = registeredIds();
  const close = ids.filter((k) => editDistance(id, k) <= Math.max(2, Math.floor(k.length / 4)));
  const hint = close.length ? ` Did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : "";
  return new Error(`Unknown environment id "${id}".${hint} Registered ids: ${ids.join(", ")}`);
}

function isTaskFamily(x: unknown): x is TaskFamily<unknown> {
  return typeof x === "object" && x !== null && typeof (x as TaskFamily<unknown>).sample === "function" && typeof (x as TaskFamily<unknown>).create === "function";
}

/**
 * Builds a registered env: the env, wrapped in OrderEnforcing and TimeLimit(maxEpisodeSteps).
 * Typed by the id: `make("CartPole-v1")` is an `Env<Float32Array, number, Info>`.
 */
export function make<Id extends EnvId>(id: Id, options?: MakeOptions & { numEnvs?: undefined }): Env<ObsOf<Registered<Id>>, ActOf<Registered<Id>>, InfoOf<Registered<Id>>>;
/** Builds a vector env of `numEnvs` copies (see `VectorEnv`), typed by the id. */
export function make<Id extends EnvId>(id: Id, options: MakeVectorOptions): VectorEnv<ObsOf<Registered<Id>>, ActOf<Registered<Id>>, InfoOf<Registered<Id>>>;
/** Builds a task family's env for the task `params`. */
export function make<P, E extends Env>(family: TaskFamily<P, E>, params: P, options?: { maxEpisodeSteps?: number | null }): Env<ObsOf<E>, ActOf<E>, InfoOf<E>>;
export function make(idOrFamily: string | TaskFamily<unknown>, options?: unknown, extra?: { maxEpisodeSteps?: number | null }): Env | VectorEnv {
  if (isTaskFamily(idOrFamily)) return makeTask(idOrFamily, options, extra ?? {});
  if (typeof idOrFamily !== "string") throw new TypeError(`make: expected an env id or a task family, got ${String(idOrFamily)}`);
  const entry = registration(idOrFamily);
  const opts = (options ?? {}) as MakeOptions & { numEnvs?: number; autoreset?: AutoresetMode };
  if (opts.numEnvs !== undefined) {
    const n = opts.numEnvs;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`make("${entry.id}"): numEnvs must be a positive integer, got ${n}`);
    const { numEnvs: _n, autoreset, ...single } = opts;
    let vec: VectorEnv;
    if (entry.createVector) {
      const probe = wrapSingle(entry, single);
      const max = probe.spec?.maxEpisodeSteps ?? null;
      vec = entry.createVector({ ...opts, numEnvs: n, maxEpisodeSteps: max });
      vec.spec = probe.spec;
    } else {
      vec = new SyncVectorEnv(Array.from({ length: n }, () => () => wrapSingle(entry, single)), { autoreset });
    }
    return vec;
  }
  return wrapSingle(entry, opts);
}

function wrapSingle(entry: EnvRegistration, opts: MakeOptions): Env {
  const env = entry.create(opts);
  let max: number | undefined;
  if (opts.maxEpisodeSteps === null) max = undefined;
  else if (opts.maxEpisodeSteps !== undefined) max = opts.maxEpisodeSteps;
  else if (typeof entry.maxEpisodeSteps === "function") max = entry.maxEpisodeSteps(env, opts);
  else max = entry.maxEpisodeSteps;
  const spec: EnvSpec = { id: entry.id, maxEpisodeSteps: max, rewardThreshold: entry.rewardThreshold, nondeterministic: entry.nondeterministic ?? false, kwargs: { ...opts } };
  env.spec = spec;
  let wrapped: Env = new OrderEnforcing(env);
  if (max !== undefined) wrapped = new TimeLimit(wrapped, max);
  return wrapped;
}

function makeTask(family: TaskFamily<unknown>, params: unknown, extra: { maxEpisodeSteps?: number | null }): Env {
  if (params === undefined) throw new TypeError(`make(${family.name}): give the task params, e.g. make(family, family.sample(rng))`);
  const env = family.create(params);
  let max: number | undefined;
  if (extra.maxEpisodeSteps === null) max = undefined;
  else if (extra.maxEpisodeSteps !== undefined) max = extra.maxEpisodeSteps;
  else if (typeof family.maxEpisodeSteps === "function") max = family.maxEpisodeSteps(params);
  else max = family.maxEpisodeSteps;
  env.spec = { id: family.name, maxEpisodeSteps: max, kwargs: { params } };
  let wrapped: Env = new OrderEnforcing(env);
  if (max !== undefined) wrapped = new TimeLimit(wrapped, max);
  return wrapped;
}

/**
 * A vector env of one task family, env i running task `params[i]` (e.g. a batch of sampled
 * goals), each with the family's TimeLimit.
 */
export function makeTaskVector<P>(family: TaskFamily<P>, params: readonly P[], options: { autoreset?: AutoresetMode } = {}): VectorEnv {
  return new SyncVectorEnv(params.map((p) => () => make(family, p)), options);
}
