/**
 * Vector environments: N copies of an env stepped together, observations in one Float32Array.
 *
 * Layout: `obs` is a Float32Array of `numEnvs * obsDim` numbers, env i's observation in row i
 * (`obs.subarray(i * obsDim, (i + 1) * obsDim)`), with `obsShape` the shape of one row; a
 * Discrete observation is its index. Actions are passed the same way: one number per env for a
 * Discrete action space, `numEnvs * actDim` numbers for a Box.
 *
 * Autoreset (Gymnasium 1.x `AutoresetMode`):
 * - `"next-step"` (the default, as in Gymnasium 1.x): when env i terminates or truncates at step
 *   t, step t returns its final observation as usual. At step t + 1 env i ignores its action,
 *   resets, and returns the reset observation with reward 0, terminated = truncated = false and
 *   `info.autoreset[i] = 1`. Training code must not treat that (final obs -> reset obs)
 *   transition as real: mask it with `info.autoreset`.
 * - `"same-step"`: env i resets within step t; `obs` holds the reset observation and the final
 *   observation is in `info.finalObs` (row i), its info in `info.finalInfo[i]`.
 *
 * Seeds: `reset({seed: s})` seeds env i with `s + i` (as Gymnasium does); an array gives one seed
 * per env. A vector env therefore reproduces N single envs reset with those seeds.
 */
import { displaySymbol, type MimeBundle } from "../display.js";
import { EpisodeStateError, InvalidActionError, type Env, type EnvSpec, type Info } from "./env.js";
import type { Seed } from "./rng.js";
import { formatValue, type Space } from "./spaces.js";
import { tileFrames } from "./svg.js";

/** When a finished sub-env is reset (see the module comment). */
export type AutoresetMode = "next-step" | "same-step";

/** Arguments of a vector env's `reset`. */
export interface VectorResetArgs {
  /** One seed for all (env i gets seed + i) or one per env. */
  seed?: Seed | readonly Seed[];
  /** Passed to every sub-env's reset. */
  options?: Record<string, unknown>;
}

/** Infos of a vector step; per-env values are arrays of length numEnvs. */
export interface VectorInfoBase {
  /** next-step mode: 1 where the env was reset in this step (reward 0, action ignored). */
  autoreset?: Uint8Array;
  /** same-step mode: final observations (rows of the envs that ended in this step, others 0). */
  finalObs?: Float32Array;
  /** same-step mode: final infos of the envs that ended in this step. */
  finalInfo?: (Info | undefined)[];
  /** Sub-env info keys, each an array with one entry per env (undefined where absent). */
  [key: string]: unknown;
}

/** The keys of `T` without its index signatures (`keyof Info` would be every string). */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/**
 * Infos of a vector step: the {@link VectorInfoBase} keys, and each key of the sub-envs' step
 * info `I` as an array with one entry per env (undefined where absent), e.g. `info.regret` of a
 * vector of bandits is `(number | undefined)[]`.
 */
export type VectorInfo<I extends Info = Info> = VectorInfoBase & { [K in Exclude<KnownKeys<I>, KnownKeys<VectorInfoBase>>]?: (I[K] | undefined)[] };

/** What a vector env's `reset` returns. */
export interface VectorResetResult {
  /** numEnvs * obsDim observations. */
  obs: Float32Array;
  info: VectorInfo;
}

/** What a vector env's `step` returns; `I` is the sub-envs' step info type. */
export interface VectorStepResult<I extends Info = Info> {
  obs: Float32Array;
  reward: Float64Array;
  /** 1 where the env terminated. */
  terminated: Uint8Array;
  /** 1 where the env was truncated. */
  truncated: Uint8Array;
  info: VectorInfo<I>;
}

/** Options every vector env takes. */
export interface VectorOptions {
  /** When finished envs reset (default "next-step", as Gymnasium 1.x). */
  autoreset?: AutoresetMode;
}

/** Expands a vector seed into one seed per env. */
export function seedsFor(seed: Seed | readonly Seed[] | undefined, numEnvs: number): (Seed | undefined)[] {
  if (seed === undefined) return new Array<undefined>(numEnvs).fill(undefined);
  if (typeof seed === "number") return Array.from({ length: numEnvs }, (_, i) => seed + i);
  if (seed.length !== numEnvs) throw new RangeError(`expected ${numEnvs} seeds, got ${seed.length}`);
  return [...seed];
}

/**
 * The base class of vector envs: `O`, `A` and `I` are one sub-env's observation, action and step
 * info types (observations and actions travel batched in typed arrays).
 */
export abstract class VectorEnv<O = unknown, A = unknown, I extends Info = Info> {
  abstract readonly numEnvs: number;
  /** The space of one env's observations. */
  abstract readonly singleObservationSpace: Space<O>;
  /** The space of one env's actions. */
  abstract readonly singleActionSpace: Space<A>;
  /** When finished envs reset. */
  abstract readonly autoresetMode: AutoresetMode;
  /** How the env was made, when it came from `make()`. */
  spec: EnvSpec | undefined = undefined;

  /** Resets every env. */
  abstract reset(args?: VectorResetArgs): VectorResetResult;
  /** Steps every env with its row of `actions`. */
  abstract step(actions: ArrayLike<number>): VectorStepResult<I>;
  /** An SVG frame of env `index`. */
  abstract render(index?: number): string;

  /** Numbers per env in `obs`. */
  get obsDim(): number {
    return this.singleObservationSpace.vecDim;
  }

  /** Shape of one env's row of `obs` (a Box's shape, else [obsDim]). */
  get obsShape(): readonly number[] {
    const s = this.singleObservationSpace.shape;
    return s.length > 0 ? s : [this.obsDim];
  }

  /** Numbers per env in `actions`. */
  get actDim(): number {
    return this.singleActionSpace.vecDim;
  }

  /** The registered id, or the class name. */
  get name(): string {
    return this.spec?.id ?? this.constructor.name;
  }

  /** Releases resources. */
  close(): void {}

  /** Checks the length of a batched action array. */
  protected checkActionsLength(actions: ArrayLike<number>): void {
    if (!actions || typeof (actions as ArrayLike<number>).length !== "number") {
      throw new TypeError(`${this.name} (vector): actions must be an array of ${this.numEnvs * this.actDim} numbers, got ${formatValue(actions)}`);
    }
    if (actions.length !== this.numEnvs * this.actDim) {
      throw new InvalidActionError(`${this.name} (vector)`, this.singleActionSpace, actions, `expected ${this.numEnvs} x ${this.actDim} = ${this.numEnvs * this.actDim} numbers, got ${actions.length}`);
    }
  }

  /** Several envs' frames side by side (the first `max`). */
  renderAll(max = 8, columns = 4): string {
    const k = Math.min(max, this.numEnvs);
    const frames: string[] = [];
    for (let i = 0; i < k; i++) frames.push(this.render(i));
    return tileFrames(frames, columns, 200, frames.map((_, i) => `env ${i}`));
  }

  toString(): string {
    return `${this.constructor.name}(${this.name}, numEnvs=${this.numEnvs})`;
  }

  /** Notebook display: the first envs' frames tiled. */
  [displaySymbol](): MimeBundle {
    try {
      return { "image/svg+xml": this.renderAll(), "text/plain": this.toString() };
    } catch {
      return { "text/plain": this.toString() };
    }
  }
}

/**
 * Steps N single envs in a loop and gathers their results into typed arrays (Gymnasium's
 * SyncVectorEnv). Works for every env; CartPole has a faster dedicated vector env.
 */
export class SyncVectorEnv extends VectorEnv {
  readonly envs: Env[];
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly autoresetMode: AutoresetMode;
  private needsReset: Uint8Array;
  private started = false;

  /** @param envs the sub-envs (or functions making them), all with equal spaces */
  constructor(envs: readonly (Env | (() => Env))[], options: VectorOptions = {}) {
    super();
    if (envs.length === 0) throw new RangeError("SyncVectorEnv: need at least one env");
    this.envs = envs.map((e) => (typeof e === "function" ? e() : e));
    this.numEnvs = this.envs.length;
    this.singleObservationSpace = this.envs[0].observationSpace;
    this.singleActionSpace = this.envs[0].actionSpace;
    this.envs.forEach((e, i) => {
      if (!e.observationSpace.equals(this.singleObservationSpace) || !e.actionSpace.equals(this.singleActionSpace)) {
        throw new TypeError(`SyncVectorEnv: env ${i} has different spaces from env 0`);
      }
    });
    this.autoresetMode = options.autoreset ?? "next-step";
    this.needsReset = new Uint8Array(this.numEnvs);
    this.spec = this.envs[0].spec;
  }

  reset(args: VectorResetArgs = {}): VectorResetResult {
    const seeds = seedsFor(args.seed, this.numEnvs);
    const obs = new Float32Array(this.numEnvs * this.obsDim);
    const infos: Info[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const r = this.envs[i].reset({ seed: seeds[i], options: args.options });
      this.singleObservationSpace.writeVec(r.obs, obs, i * this.obsDim);
      infos.push(r.info);
    }
    this.needsReset.fill(0);
    this.started = true;
    return { obs, info: mergeInfos(infos, this.numEnvs) };
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.started) throw new EpisodeStateError(`${this.name} (vector): call reset() before step()`);
    this.checkActionsLength(actions);
    const N = this.numEnvs;
    const d = this.obsDim;
    const obs = new Float32Array(N * d);
    const reward = new Float64Array(N);
    const terminated = new Uint8Array(N);
    const truncated = new Uint8Array(N);
    const infos: Info[] = new Array<Info>(N);
    const nextStep = this.autoresetMode === "next-step";
    const autoreset = nextStep ? new Uint8Array(N) : undefined;
    let finalObs: Float32Array | undefined;
    let finalInfo: (Info | undefined)[] | undefined;
    for (let i = 0; i < N; i++) {
      const env = this.envs[i];
      if (nextStep && this.needsReset[i]) {
        const r = env.reset();
        this.singleObservationSpace.writeVec(r.obs, obs, i * d);
        infos[i] = r.info;
        autoreset![i] = 1;
        this.needsReset[i] = 0;
        continue;
      }
      const a = this.singleActionSpace.readVec(actions, i * this.actDim);
      const r = env.step(a);
      reward[i] = r.reward;
      terminated[i] = r.terminated ? 1 : 0;
      truncated[i] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) {
        if (nextStep) this.needsReset[i] = 1;
        else {
          finalObs ??= new Float32Array(N * d);
          finalInfo ??= new Array<Info | undefined>(N).fill(undefined);
          this.singleObservationSpace.writeVec(r.obs, finalObs, i * d);
          finalInfo[i] = r.info;
          const rr = env.reset();
          this.singleObservationSpace.writeVec(rr.obs, obs, i * d);
          infos[i] = rr.info;
          continue;
        }
      }
      this.singleObservationSpace.writeVec(r.obs, obs, i * d);
      infos[i] = r.info;
    }
    const info = mergeInfos(infos, N);
    if (autoreset) info.autoreset = autoreset;
    if (!nextStep) {
      info.finalObs = finalObs ?? new Float32Array(N * d);
      info.finalInfo = finalInfo ?? new Array<Info | undefined>(N).fill(undefined);
    }
    return { obs, reward, terminated, truncated, info };
  }

  render(index = 0): string {
    return this.envs[index].render();
  }

  override close(): void {
    for (const e of this.envs) e.close();
  }
}

/** Gymnasium-style info merging: each key becomes an array with one entry per env. */
function mergeInfos(infos: readonly Info[], n: number): VectorInfo {
  const out: VectorInfo = {};
  for (let i = 0; i < n; i++) {
    const info = infos[i];
    if (!info) continue;
    for (const k of Object.keys(info)) {
      let arr = out[k] as unknown[] | undefined;
      if (!arr) {
        arr = new Array<unknown>(n).fill(undefined);
        out[k] = arr;
      }
      arr[i] = info[k];
    }
  }
  return out;
}

/** Episode statistics of a vector env, reported in `info.episode` when any env ends. */
export interface VectorEpisodeStats {
  /** Returns of the envs that ended in this step (0 elsewhere). */
  r: Float64Array;
  /** Lengths of the envs that ended in this step (0 elsewhere). */
  l: Int32Array;
  /** 1 where an episode ended in this step. */
  mask: Uint8Array;
}

/**
 * Tracks each sub-env's episode return and length (Gymnasium's vector RecordEpisodeStatistics)
 * and reports finished episodes in `info.episode`; also keeps the last `bufferLength` of each in
 * `returnQueue` / `lengthQueue`.
 */
export class VectorRecordEpisodeStatistics extends VectorEnv {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly autoresetMode: AutoresetMode;
  /** Returns of the most recent episodes (oldest first). */
  readonly returnQueue: number[] = [];
  /** Lengths of the most recent episodes. */
  readonly lengthQueue: number[] = [];
  private returns: Float64Array;
  private lengths: Int32Array;

  constructor(readonly env: VectorEnv, readonly bufferLength = 100) {
    super();
    this.numEnvs = env.numEnvs;
    this.singleObservationSpace = env.singleObservationSpace;
    this.singleActionSpace = env.singleActionSpace;
    this.autoresetMode = env.autoresetMode;
    this.returns = new Float64Array(this.numEnvs);
    this.lengths = new Int32Array(this.numEnvs);
    this.spec = env.spec;
  }

  reset(args?: VectorResetArgs): VectorResetResult {
    this.returns.fill(0);
    this.lengths.fill(0);
    return this.env.reset(args);
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    const r = this.env.step(actions);
    const auto = r.info.autoreset;
    let stats: VectorEpisodeStats | undefined;
    for (let i = 0; i < this.numEnvs; i++) {
      if (auto && auto[i]) {
        this.returns[i] = 0;
        this.lengths[i] = 0;
        continue;
      }
      this.returns[i] += r.reward[i];
      this.lengths[i] += 1;
      if (r.terminated[i] || r.truncated[i]) {
        stats ??= { r: new Float64Array(this.numEnvs), l: new Int32Array(this.numEnvs), mask: new Uint8Array(this.numEnvs) };
        stats.r[i] = this.returns[i];
        stats.l[i] = this.lengths[i];
        stats.mask[i] = 1;
        this.returnQueue.push(this.returns[i]);
        this.lengthQueue.push(this.lengths[i]);
        if (this.returnQueue.length > this.bufferLength) {
          this.returnQueue.shift();
          this.lengthQueue.shift();
        }
        this.returns[i] = 0;
        this.lengths[i] = 0;
      }
    }
    if (stats) r.info.episode = stats;
    return r;
  }

  render(index = 0): string {
    return this.env.render(index);
  }

  override close(): void {
    this.env.close();
  }

  override toString(): string {
    return `VectorRecordEpisodeStatistics<${this.env.toString()}>`;
  }
}

/**
 * Per-env generators for `reset` seeds (used by dedicated vector envs): env i gets
 * `create(seed_i)`; an env without a seed keeps its generator (or gets `create(undefined)`, from entropy).
 */
export function reseed<G>(gens: (G | undefined)[], seed: Seed | readonly Seed[] | undefined, create: (seed: Seed | undefined) => G): void {
  const seeds = seedsFor(seed, gens.length);
  for (let i = 0; i < gens.length; i++) {
    const s = seeds[i];
    if (s !== undefined) gens[i] = create(s);
    else if (!gens[i]) gens[i] = create(undefined);
  }
}
