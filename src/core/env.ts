/**
 * The Env interface, with Gymnasium 1.x semantics (`gymnasium/core.py`):
 * `reset({seed, options}) -> {obs, info}` and
 * `step(action) -> {obs, reward, terminated, truncated, info}`.
 *
 * `terminated` means the MDP reached a terminal state (the value of the next state is 0);
 * `truncated` means the episode was cut short (a time limit) and bootstrapping is still valid.
 *
 * Built-in envs check every action against `actionSpace` (an invalid one, NaN or a wrong shape
 * throws an {@link InvalidActionError} naming the env, the space and the value) and refuse to step
 * before `reset()` or after an episode ended (an {@link EpisodeStateError}).
 *
 * An env shows its current frame in a notebook: `[displaySymbol]()` returns the SVG from
 * `render()` and a text line.
 */
import { displaySymbol, type MimeBundle } from "../display.js";
import { npRandom, type NumpyGenerator } from "./numpy-random.js";
import { Rng, type Seed } from "./rng.js";
import { Box, formatValue, type NumericArray, type Space } from "./spaces.js";

/** Extra information an env returns beside observations. */
export type Info = Record<string, unknown>;

/** Arguments of `reset`. */
export interface ResetArgs {
  /** Reseeds the env's generator; without it the generator continues (seeded from entropy the first time). */
  seed?: Seed;
  /** Env-specific reset options (e.g. `{low, high}` bounds for the classic-control initial state). */
  options?: Record<string, unknown>;
}

/** What `reset` returns. */
export interface ResetResult<O> {
  obs: O;
  info: Info;
}

/** What `step` returns; `I` is the type of the step's info (e.g. a bandit's `{regret: number, ...}`). */
export interface StepResult<O, I extends Info = Info> {
  obs: O;
  reward: number;
  /** The episode reached a terminal state of the MDP. */
  terminated: boolean;
  /** The episode was cut short (a time limit); the state is not terminal. */
  truncated: boolean;
  info: I;
}

/**
 * What `step` accepts for an action of type `A`: the action itself, or for a Box action (a typed
 * array) also a plain array of numbers (`env.step([0.5])`), which the Box checks the same way.
 */
export type ActionInput<A> = A extends NumericArray ? A | readonly number[] : A;

/** How an env was registered (Gymnasium's EnvSpec). */
export interface EnvSpec {
  id: string;
  /** Steps after which TimeLimit truncates the episode. */
  maxEpisodeSteps?: number;
  /** The return at which the task counts as solved. */
  rewardThreshold?: number;
  /** True when the same seed may not reproduce the same episode. */
  nondeterministic?: boolean;
  /** Options passed to the env's constructor. */
  kwargs?: Record<string, unknown>;
}

/** Static facts about an env. */
export interface EnvMetadata {
  /** Frames per second for an episode player. */
  renderFps: number;
}

/** An action that is not in the env's action space. */
export class InvalidActionError extends Error {
  constructor(readonly envName: string, readonly space: Space, readonly value: unknown, readonly reason: string) {
    super(`${envName}: invalid action ${formatValue(value)} for action space ${space.toString()}: ${reason}`);
    this.name = "InvalidActionError";
  }
}

/** `step` called before `reset` or after the episode ended. */
export class EpisodeStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EpisodeStateError";
  }
}

/** Where an env is in its episode. */
export type EpisodeStatus = "needs-reset" | "running" | "done";

/** Throws an InvalidActionError unless `action` is in `space`. */
export function checkAction(envName: string, space: Space, action: unknown): void {
  const why = space.whyNot(action);
  if (why !== undefined) throw new InvalidActionError(envName, space, action, why);
}

/**
 * The base class of every environment and wrapper: `O` is the observation type, `A` the action
 * type, `I` the type of a step's info.
 */
export abstract class Env<O = unknown, A = unknown, I extends Info = Info> {
  /** The space observations belong to. */
  abstract readonly observationSpace: Space<O>;
  /** The space actions must belong to. */
  abstract readonly actionSpace: Space<A>;
  private _spec: EnvSpec | undefined;
  /** Static facts (render frame rate). */
  metadata: EnvMetadata = { renderFps: 30 };
  private _rng: Rng | undefined;
  private _npRandom: NumpyGenerator | undefined;
  private _npSeed: Seed | undefined;
  /** Where the episode is; built-in envs keep it up to date. */
  protected status: EpisodeStatus = "needs-reset";

  /** Starts a new episode. Subclasses call `this.seedRng(args.seed)` first. */
  abstract reset(args?: ResetArgs): ResetResult<O>;
  /** Advances the episode by one action. */
  abstract step(action: ActionInput<A>): StepResult<O, I>;

  /** An SVG image of the current frame. */
  render(): string {
    throw new Error(`${this.name} draws no frames: override render() to return an SVG string of the current state`);
  }

  /** Releases resources; the env is not used afterwards. */
  close(): void {}

  /** How the env was made, when it came from `make()`. */
  get spec(): EnvSpec | undefined {
    return this._spec;
  }

  set spec(s: EnvSpec | undefined) {
    this._spec = s;
  }

  /** The env's generator (rlbook's {@link Rng}); seeded from entropy until `reset({seed})`. */
  get rng(): Rng {
    if (!this._rng) this._rng = Rng.fromEntropy();
    return this._rng;
  }

  set rng(r: Rng) {
    this._rng = r;
  }

  /**
   * NumPy's `Generator(PCG64(SeedSequence(seed)))`, seeded by `reset({seed})` as Gymnasium seeds
   * `np_random` (from entropy until then). The classic-control envs draw their start states from
   * it, so that they start where Gymnasium's do.
   */
  get npRandom(): NumpyGenerator {
    if (!this._npRandom) {
      this._npRandom = npRandom(this._npSeed);
      this._npSeed = undefined;
    }
    return this._npRandom;
  }

  set npRandom(g: NumpyGenerator) {
    this._npRandom = g;
  }

  /** The innermost env under all wrappers. */
  get unwrapped(): Env {
    return this;
  }

  /** The registered id, or the class name. */
  get name(): string {
    return this.spec?.id ?? this.constructor.name;
  }

  /** Reseeds the generator when `seed` is given (Gymnasium's `super().reset(seed=seed)`). */
  protected seedRng(seed: Seed | undefined): void {
    if (seed === undefined) return;
    this._rng = new Rng(seed);
    // Created on first use: envs that never draw from it pay nothing for the 128-bit setup.
    this._npRandom = undefined;
    this._npSeed = seed;
  }

  /**
   * For built-in envs: checks the episode status and the action before a step. With
   * `outOfBounds: "clip"` (envs whose Gymnasium original clips, e.g. Pendulum's torque) a Box
   * action outside the bounds passes and only its shape and numbers are checked.
   */
  protected checkStep(action: unknown, outOfBounds: "throw" | "clip" = "throw"): void {
    if (this.status === "needs-reset") throw new EpisodeStateError(`${this.name}: call reset() before step()`);
    if (this.status === "done") {
      throw new EpisodeStateError(`${this.name}: the episode is over (terminated or truncated); call reset() before stepping again`);
    }
    const space = this.actionSpace;
    if (outOfBounds === "clip" && space instanceof Box) {
      const why = space.whyNotShape(action);
      if (why !== undefined) throw new InvalidActionError(this.name, space, action, why);
    } else checkAction(this.name, space, action);
  }

  /** For built-in envs: records the step's outcome and returns it. */
  protected finishStep<R extends StepResult<O>>(r: R): R {
    if (r.terminated || r.truncated) this.status = "done";
    return r;
  }

  toString(): string {
    const id = this.spec?.id;
    return id ? `${this.constructor.name}<${id}>` : `${this.constructor.name}`;
  }

  /** Notebook display: the current frame as SVG, and a text line. */
  [displaySymbol](): MimeBundle {
    try {
      return { "image/svg+xml": this.render(), "text/plain": this.toString() };
    } catch {
      return { "text/plain": this.toString() };
    }
  }
}

/**
 * The base class of wrappers: forwards everything to the wrapped env. A subclass overrides what it
 * changes (the step, the spaces) and sets `observationSpace` / `actionSpace` when they change.
 */
export class Wrapper<O = unknown, A = unknown, WO = O, WA = A> extends Env<O, A> {
  private _observationSpace: Space<O> | undefined;
  private _actionSpace: Space<A> | undefined;

  constructor(readonly env: Env<WO, WA>) {
    super();
    if (!(env instanceof Env)) throw new TypeError(`${new.target.name}: expected an Env to wrap, got ${formatValue(env)}`);
    this.metadata = env.metadata;
  }

  get observationSpace(): Space<O> {
    return this._observationSpace ?? (this.env.observationSpace as unknown as Space<O>);
  }

  set observationSpace(s: Space<O>) {
    this._observationSpace = s;
  }

  get actionSpace(): Space<A> {
    return this._actionSpace ?? (this.env.actionSpace as unknown as Space<A>);
  }

  set actionSpace(s: Space<A>) {
    this._actionSpace = s;
  }

  override get spec(): EnvSpec | undefined {
    return this.env.spec;
  }

  override set spec(s: EnvSpec | undefined) {
    if (s !== undefined) this.env.spec = s;
  }

  override get rng(): Rng {
    return this.env.rng;
  }

  override set rng(r: Rng) {
    this.env.rng = r;
  }

  override get npRandom(): NumpyGenerator {
    return this.env.npRandom;
  }

  override set npRandom(g: NumpyGenerator) {
    this.env.npRandom = g;
  }

  override get unwrapped(): Env {
    return this.env.unwrapped;
  }

  reset(args?: ResetArgs): ResetResult<O> {
    return this.env.reset(args) as unknown as ResetResult<O>;
  }

  step(action: ActionInput<A>): StepResult<O> {
    return this.env.step(action as unknown as ActionInput<WA>) as unknown as StepResult<O>;
  }

  override render(): string {
    return this.env.render();
  }

  override close(): void {
    this.env.close();
  }

  override toString(): string {
    return `${this.constructor.name}<${this.env.toString()}>`;
  }
}
