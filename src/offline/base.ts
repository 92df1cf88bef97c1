/**
 * What every offline learner shares: it is an {@link Agent} that `train()` drives, whose unit
 * of work is a batch of gradient updates on minibatches drawn from a fixed {@link Dataset}
 * instead of env steps. `numTimesteps` counts gradient updates, so
 * `train(agent, {steps: 10_000, evalEnv, evalEvery: 1000, live: true})` runs 10k updates,
 * evaluates every 1000 and draws the live curve, exactly as for online agents (the "fps"
 * of its records is updates per second). The env is used only for its spaces (checked
 * against the dataset) and for offline-to-online fine-tuning.
 *
 * Optional observation normalization uses the dataset's per-dimension mean and std (as CORL's
 * TD3+BC and IQL do with `normalize=True`); acting applies the same statistics.
 */
import { Env } from "../core/env.js";
import { make } from "../core/registry.js";
import { Rng } from "../core/rng.js";
import { Box } from "../core/spaces.js";
import { SyncVectorEnv, VectorEnv } from "../core/vector.js";
import { type Agent, type ActOptions, type IterationResult } from "../algos/index.js";
import { ConfigError, actionSpec, namedMeans, obsRow, resolveConfig, type ActionSpec, type ConfigCheck } from "../algos/base.js";
import { writeCheckpoint, readCheckpoint, CheckpointError, type MLP, type Optimizer } from "../nn/index.js";
import { syncHostWeights } from "../nn/mlp.js";
import { restoreNetwork, checkpointArray } from "../nn/checkpoint.js";
import { tf, type Tensor } from "../nn/tf.js";
import { Dataset, DatasetError, type TransitionBatch } from "./dataset.js";

/** What minibatches are drawn from: a {@link Dataset}, or a dataset with online transitions added. */
export interface TransitionSource {
  readonly size: number;
  sample(batch: number, rng: Rng): TransitionBatch;
}

/** Config fields every offline learner has. */
export interface OfflineConfig {
  /** Minibatch size. */
  batchSize: number;
  /** Gradient updates per `learnIteration` (per record of `train()`); 100 by default. */
  updatesPerIteration: number;
  seed: number | undefined;
}

/** An env, a vector env, or a registered id: what offline learners accept as their env. */
export type EnvLike = Env | VectorEnv | string;

/** A vector env for `env` (a single Env becomes a one-copy SyncVectorEnv). */
export function asVectorEnv(env: EnvLike): VectorEnv {
  if (typeof env === "string") return make(env, { numEnvs: 1 });
  if (env instanceof VectorEnv) return env;
  if (env instanceof Env) return new SyncVectorEnv([env]);
  throw new TypeError("offline agent: env must be an Env, a VectorEnv or a registered env id");
}

/** Checks a config: unknown keys and every bad value reported together; returns it frozen over the defaults. */
export function offlineConfig<C extends OfflineConfig>(algo: string, defaults: Readonly<C>, given: Partial<C>, validate: (check: ConfigCheck, c: C) => void): Readonly<C> {
  return resolveConfig(algo, defaults, given, validate);
}

export abstract class OfflineAgent<C extends OfflineConfig> implements Agent {
  readonly env: VectorEnv;
  readonly config: Readonly<C>;
  readonly rng: Rng;
  /** Gradient updates taken so far. */
  numTimesteps = 0;
  /** Action space handling. */
  protected readonly spec: ActionSpec;
  /** Numbers per action row (1 for Discrete). */
  readonly actDim: number;
  readonly obsDim: number;
  /** Observation mean and 1 / std (identity when normalization is off). */
  protected readonly obsMean: Float32Array;
  protected readonly obsInvStd: Float32Array;
  /** Factor applied to the dataset's rewards in every minibatch (1 unless a learner normalizes rewards). */
  protected rewardScale = 1;

  protected constructor(
    readonly algo: string,
    readonly dataset: Dataset,
    env: EnvLike,
    defaults: Readonly<C>,
    config: Partial<C>,
    validate: (check: ConfigCheck, c: C) => void,
    accepts: readonly ("discrete" | "box")[],
    normalize: boolean,
  ) {
    if (!(dataset instanceof Dataset)) throw new DatasetError("dataset", `${algo} needs a Dataset (recordDataset, loadHDF5, loadParquet), got ${String(dataset)}`);
    this.config = offlineConfig(algo, defaults, config, validate);
    this.env = asVectorEnv(env);
    const os = this.env.singleObservationSpace;
    if (!(os instanceof Box)) throw new ConfigError(algo, "env.singleObservationSpace", os, "a Box (offline learners read observation rows as they are)");
    this.spec = actionSpec(this.env.singleActionSpace, algo, accepts);
    dataset.checkSpaces(os, this.env.singleActionSpace, `${algo}'s env`);
    this.actDim = this.spec.kind === "discrete" ? 1 : this.spec.dim;
    this.obsDim = dataset.obsDim;
    this.source = dataset;
    this.rng = this.config.seed === undefined ? Rng.fromEntropy() : new Rng(this.config.seed);
    this.obsMean = new Float32Array(this.obsDim);
    this.obsInvStd = new Float32Array(this.obsDim).fill(1);
    if (normalize) {
      const D = this.obsDim;
      const n = dataset.size;
      const sum = new Float64Array(D);
      const sq = new Float64Array(D);
      for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) sum[j] += dataset.observations[i * D + j];
      for (let j = 0; j < D; j++) this.obsMean[j] = sum[j] / n;
      for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) sq[j] += (dataset.observations[i * D + j] - this.obsMean[j]) ** 2;
      // CORL's compute_mean_std adds eps = 1e-3 to the std.
      for (let j = 0; j < D; j++) this.obsInvStd[j] = 1 / (Math.sqrt(sq[j] / n) + 1e-3);
    }
  }

  /** Normalized observations in place (k rows). */
  protected normalizeRows(x: Float32Array): Float32Array {
    const D = this.obsDim;
    for (let i = 0; i < x.length; i++) x[i] = (x[i] - this.obsMean[i % D]) * this.obsInvStd[i % D];
    return x;
  }

  /** Where minibatches come from: the dataset, or (fine-tuning online) the dataset plus new transitions. */
  private source: TransitionSource;

  /** Draws minibatches from `source` from now on (offline-to-online fine-tuning: see finetune.ts). */
  useTransitions(source: TransitionSource): void {
    this.source = source;
  }

  /** A minibatch with normalized observations. */
  protected sampleBatch(): TransitionBatch {
    const b = this.source.sample(this.config.batchSize, this.rng);
    this.normalizeRows(b.obs);
    this.normalizeRows(b.nextObs);
    if (this.rewardScale !== 1) for (let i = 0; i < b.rewards.length; i++) b.rewards[i] *= this.rewardScale;
    return b;
  }

  beginTraining(_steps: number): void {}

  /** One gradient update; returns its stats as one tensor (names in {@link statNames}). */
  protected abstract update(): Tensor;
  protected abstract readonly statNames: readonly string[];

  /**
   * One gradient update on a minibatch from the current source, counted in `numTimesteps`; returns
   * its stats tensor (entries named by {@link statNames}) unread: the caller reads and disposes it.
   */
  gradientStep(): Tensor {
    const t = this.update();
    this.numTimesteps++;
    return t;
  }

  /**
   * Scales the step size of every optimizer of this learner by `factor` (fine-tuning online at a
   * smaller step than offline: see finetune.ts); returns the previous step sizes by optimizer name.
   */
  scaleLearningRates(factor: number): Record<string, number> {
    if (!(Number.isFinite(factor) && factor > 0)) throw new RangeError(`${this.algo}.scaleLearningRates: factor must be a positive number, got ${factor}`);
    const before: Record<string, number> = {};
    for (const [name, opt] of Object.entries(this.parts().optimizers)) {
      const o = opt as Optimizer & { lr?: number };
      if (typeof o.lr !== "number") continue;
      before[name] = o.lr;
      o.lr *= factor;
    }
    return before;
  }

  /** Names of the entries of {@link gradientStep}'s stats. */
  get statLabels(): readonly string[] {
    return this.statNames;
  }

  /** `updatesPerIteration` updates; no env steps and no episodes. */
  async learnIteration(): Promise<IterationResult> {
    const stats: Tensor[] = [];
    for (let i = 0; i < this.config.updatesPerIteration; i++) stats.push(this.gradientStep());
    const losses = await namedMeans(stats, this.statNames);
    await this.syncActing();
    return { steps: this.config.updatesPerIteration, episodes: [], losses };
  }

  /**
   * The networks acting reads. Acting runs on their host copies (MLP.forwardHost), so it is
   * synchronous on every backend; {@link syncActing} refreshes the copies with one awaited read
   * after each iteration and after a checkpoint is restored.
   */
  protected abstract actingNets(): MLP[];

  /** Tensors beyond the acting networks' weights that acting reads (e.g. a free log std). */
  protected actingExtra(): Tensor[] {
    return [];
  }

  /** Receives the host values of {@link actingExtra}, in order. */
  protected setActingExtra(_values: Float32Array[]): void {}

  /** Refreshes the host copies acting uses (one awaited read). */
  async syncActing(): Promise<void> {
    this.setActingExtra(await syncHostWeights(this.actingNets(), this.actingExtra()));
  }

  /** Actions for k normalized observation rows (env layout). */
  protected abstract policyActions(x: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array;

  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    if (obs.length !== k * this.obsDim) throw new RangeError(`${this.algo}.actBatch: expected ${k} x ${this.obsDim} numbers, got ${obs.length}`);
    return this.policyActions(this.normalizeRows(Float32Array.from(obs)), k, deterministic);
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): number | Int32Array | Float32Array {
    const a = this.actBatch(obsRow(obs, this.obsDim), 1, options.deterministic ?? true);
    return this.spec.kind === "discrete" ? a[0] : a;
  }

  /** The networks and optimizers that make up the learner (saved by name). */
  protected abstract parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> };

  /** Writes a checkpoint (networks, optimizer moments, normalization, update count). */
  async save(dir: string): Promise<void> {
    const { networks, optimizers } = this.parts();
    const arrays: Record<string, Float32Array> = { obsMean: this.obsMean, obsInvStd: this.obsInvStd, ...(await this.extraArrays()) };
    const meta: Record<string, unknown> = { numTimesteps: this.numTimesteps, rng: this.rng.state, obs: this.env.singleObservationSpace.toString(), act: this.env.singleActionSpace.toString() };
    for (const [k, o] of Object.entries(optimizers)) {
      const s = await o.getState();
      arrays[`${k}/m`] = s.m;
      arrays[`${k}/v`] = s.v;
      meta[k] = { step: s.step, lr: s.lr };
    }
    await writeCheckpoint(dir, { algo: this.algo, config: this.config as unknown as Record<string, unknown>, meta, networks, arrays });
  }

  /** Restores what {@link save} wrote into this (freshly built, same config) learner. */
  protected async restore(dir: string): Promise<void> {
    const ck = await readCheckpoint(dir);
    if (ck.algo !== this.algo) throw new CheckpointError(dir, `holds a ${ck.algo} agent, not ${this.algo} (use ${ck.algo}.load)`);
    const obs = this.env.singleObservationSpace.toString();
    if (ck.meta.obs !== obs) throw new CheckpointError(dir, `was trained on observations ${String(ck.meta.obs)}, this env has ${obs}`);
    const { networks, optimizers } = this.parts();
    for (const [k, n] of Object.entries(networks)) restoreNetwork(dir, ck, k, n);
    for (const [k, o] of Object.entries(optimizers)) {
      const m = ck.meta[k] as { step: number; lr: number };
      o.setState({ step: m.step, lr: m.lr, m: checkpointArray(dir, ck, `${k}/m`, o.size), v: checkpointArray(dir, ck, `${k}/v`, o.size) });
    }
    this.obsMean.set(checkpointArray<Float32Array>(dir, ck, "obsMean", this.obsDim));
    this.obsInvStd.set(checkpointArray<Float32Array>(dir, ck, "obsInvStd", this.obsDim));
    this.numTimesteps = ck.meta.numTimesteps as number;
    this.rng.state = ck.meta.rng as Rng["state"];
    this.restoreExtra((name, length) => checkpointArray<Float32Array>(dir, ck, name, length));
    await this.syncActing();
  }

  /** Arrays beyond MLPs and optimizers that a learner saves (e.g. a transformer's weights). */
  protected extraArrays(): Record<string, Float32Array> | Promise<Record<string, Float32Array>> {
    return {};
  }

  /** Restores what {@link extraArrays} saved; `read(name, length)` returns a saved array. */
  protected restoreExtra(_read: (name: string, length?: number) => Float32Array): void {}

  /** The saved config of a checkpoint (to rebuild the learner before {@link restore}). */
  protected static async savedConfig(dir: string, algo: string): Promise<Record<string, unknown>> {
    const ck = await readCheckpoint(dir);
    if (ck.algo !== algo) throw new CheckpointError(dir, `holds a ${ck.algo} agent, not ${algo} (use ${ck.algo}.load)`);
    return ck.config as Record<string, unknown>;
  }

  dispose(): void {
    const { networks, optimizers } = this.parts();
    for (const n of Object.values(networks)) n.dispose();
    for (const o of Object.values(optimizers)) o.dispose();
  }
}

/**
 * The reward factor of IQL's locomotion runs (Kostrikov et al. 2022, Appendix B; CORL's
 * modify_reward): rewards / (max return - min return) * episode length, so the finished episodes'
 * returns span one episode length (1000 on D4RL locomotion). The length is the longest finished
 * episode of the dataset.
 */
export function returnRangeScale(dataset: Dataset, algo: string): number {
  const eps = dataset.episodes().filter((e) => e.finished);
  if (eps.length < 2) throw new DatasetError("rewards", `${algo} normalizes rewards by the spread of episode returns, but the dataset has ${eps.length} finished episode(s): record at least two, or set normalizeReward: false`);
  const rets = eps.map((e) => e.return);
  const range = Math.max(...rets) - Math.min(...rets);
  if (!(range > 0)) throw new DatasetError("rewards", `${algo} normalizes rewards by the spread of episode returns, but every finished episode returns ${rets[0]}: set normalizeReward: false`);
  return Math.max(...eps.map((e) => e.length)) / range;
}

/** pi(s) = tanh(out) * scale + bias for Box actions; scale and bias of a Box spec. */
export function boxScale(spec: Extract<ActionSpec, { kind: "box" }>): { scale: Float32Array; bias: Float32Array } {
  return {
    scale: Float32Array.from(spec.high, (h, i) => (h - spec.low[i]) / 2),
    bias: Float32Array.from(spec.high, (h, i) => (h + spec.low[i]) / 2),
  };
}

/** Discrete dataset actions (float32 indices) as int32 offsets from the space's start. */
export function actionIndices(actions: Float32Array, spec: Extract<ActionSpec, { kind: "discrete" }>): Int32Array {
  return Int32Array.from(actions, (a) => a - spec.start);
}

/** Greedy discrete actions from k rows of n values (argmax, or argmin when `minimize`), in env layout. */
export function argmaxActions(values: Float32Array, k: number, spec: Extract<ActionSpec, { kind: "discrete" }>, minimize = false): Int32Array {
  const n = spec.n;
  const a = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    let best = 0;
    for (let j = 1; j < n; j++) {
      const v = values[i * n + j];
      if (minimize ? v < values[i * n + best] : v > values[i * n + best]) best = j;
    }
    a[i] = best + spec.start;
  }
  return a;
}
