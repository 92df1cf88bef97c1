/**
 * Offline-to-online fine-tuning.
 *
 * - {@link finetuneOnline}: any offline learner (IQL, continuous CQL, TD3+BC, BC) keeps its own
 *   losses and continues online, as in the fine-tuning experiments of IQL (Kostrikov et al. 2022,
 *   Section 5.3) and CORL's finetune/ scripts: the replay starts with the dataset, every env step
 *   adds its transition, and `updatesPerStep` gradient updates follow each vector step, drawing
 *   minibatches uniformly from everything stored. `train(tuned, {steps})` counts env steps, with
 *   live curves, evaluation and interrupts as for any agent.
 * - {@link td3FromTD3BC}: a TD3+BC agent continues as a plain online TD3 agent (the same actor and
 *   critics, the replay buffer prefilled with the dataset), dropping the behaviour-cloning term:
 *   the simplest schedule (Fujimoto & Gu 2021), which dips before it recovers (see the test).
 */
import type { VectorEnv } from "../core/vector.js";
import type { Rng } from "../core/rng.js";
import { Box } from "../core/spaces.js";
import { TD3, type TD3Config } from "../algos/td3.js";
import { ConfigError, EpisodeTracker, namedMeans, obsRow, resolveConfig, type ActOptions, type Agent, type ConfigCheck, type EpisodeRecord, type IterationResult } from "../algos/base.js";
import type { Tensor } from "../nn/tf.js";
import type { TD3BC } from "./td3bc.js";
import type { Dataset, TransitionBatch } from "./dataset.js";
import { asVectorEnv, type EnvLike, type OfflineAgent, type OfflineConfig, type TransitionSource } from "./base.js";

/** The dataset's transitions followed by online ones (a FIFO over the online part once full). */
export class OnlineTransitions implements TransitionSource {
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  readonly terminals: Uint8Array;
  /** Rows stored (dataset + online). */
  size: number;
  /** Online transitions added so far. */
  added = 0;
  /**
   * Share of each minibatch drawn from the dataset rows once online rows exist (the rest from the
   * online rows); undefined draws uniformly from everything stored.
   */
  offlineFraction: number | undefined;
  private readonly base: number;

  constructor(
    dataset: Dataset,
    /** Room for online transitions. */
    readonly capacity: number,
  ) {
    const n = dataset.size + capacity;
    const D = dataset.obsDim;
    const A = dataset.actDim;
    this.obsDim = D;
    this.actDim = A;
    this.observations = new Float32Array(n * D);
    this.nextObservations = new Float32Array(n * D);
    this.actions = new Float32Array(n * A);
    this.rewards = new Float32Array(n);
    this.terminals = new Uint8Array(n);
    this.observations.set(dataset.observations);
    this.nextObservations.set(dataset.nextObservations);
    this.actions.set(dataset.actions);
    this.rewards.set(dataset.rewards);
    this.terminals.set(dataset.terminals);
    this.base = dataset.size;
    this.size = dataset.size;
  }

  readonly obsDim: number;
  readonly actDim: number;

  /** Adds one online transition (raw observations, the action as the env took it). */
  add(obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminal: boolean): void {
    const i = this.base + (this.added % this.capacity);
    this.observations.set(obs, i * this.obsDim);
    this.nextObservations.set(nextObs, i * this.obsDim);
    this.actions.set(action, i * this.actDim);
    this.rewards[i] = reward;
    this.terminals[i] = terminal ? 1 : 0;
    this.added++;
    this.size = this.base + Math.min(this.added, this.capacity);
  }

  /**
   * `batch` rows drawn with replacement: uniformly from everything stored, or (with
   * {@link offlineFraction} set and online rows present) round(fraction * batch) rows from the
   * dataset and the rest from the online rows (RLPD's and Cal-QL's symmetric sampling at 0.5).
   */
  sample(batch: number, rng: Rng): TransitionBatch {
    const D = this.obsDim;
    const A = this.actDim;
    const out: TransitionBatch = { obs: new Float32Array(batch * D), actions: new Float32Array(batch * A), rewards: new Float32Array(batch), nextObs: new Float32Array(batch * D), terminals: new Float32Array(batch), index: new Int32Array(batch) };
    const online = this.size - this.base;
    const fromDataset = this.offlineFraction === undefined || online === 0 ? batch : Math.round(this.offlineFraction * batch);
    for (let k = 0; k < batch; k++) {
      const i = this.offlineFraction === undefined || online === 0 ? rng.integer(this.size) : k < fromDataset ? rng.integer(this.base) : this.base + rng.integer(online);
      out.index[k] = i;
      out.obs.set(this.observations.subarray(i * D, (i + 1) * D), k * D);
      out.nextObs.set(this.nextObservations.subarray(i * D, (i + 1) * D), k * D);
      out.actions.set(this.actions.subarray(i * A, (i + 1) * A), k * A);
      out.rewards[k] = this.rewards[i];
      out.terminals[k] = this.terminals[i];
    }
    return out;
  }
}

/** Options of {@link finetuneOnline}. */
export interface FinetuneConfig {
  /** Gradient updates after each vector step (1, as IQL's and CORL's fine-tuning). */
  updatesPerStep: number;
  /**
   * How the agent explores: "sample" draws from its stochastic policy (IQL's Gaussian, CQL's
   * squashed Gaussian); a number adds Gaussian noise of that std (a fraction of the half range, as
   * TD3's exploration noise 0.1) to the deterministic action, for TD3+BC and deterministic actors.
   */
  exploration: "sample" | number;
  /** Room for online transitions beyond the dataset (1e6). */
  bufferSize: number;
  /** Env steps per `learnIteration` (per record of `train()`; 200). */
  stepsPerIteration: number;
  /**
   * Share of each minibatch taken from the dataset once online transitions exist, the rest from
   * the online ones: "uniform" draws from everything stored (IQL's and CORL's fine-tuning, the
   * default); 0.5 is the symmetric sampling of RLPD (Ball et al. 2023) and Cal-QL (Nakamoto et
   * al. 2023, mixing ratio 0.5), which keeps the new data from being drowned by a large dataset.
   */
  offlineFraction: "uniform" | number;
  /**
   * Env steps collected with the offline policy before the first online update (0). A warm-up
   * fills the online part of the buffer so the first updates do not fit a handful of rows.
   */
  warmupSteps: number;
  /**
   * Factor on the offline learner's step sizes for the online phase (1: unchanged). Below 1 the
   * online updates move the pretrained networks less per noisy minibatch.
   */
  learningRateScale: number;
  seed: number | undefined;
}

export const FINETUNE_DEFAULTS: Readonly<FinetuneConfig> = Object.freeze({ updatesPerStep: 1, exploration: "sample", bufferSize: 1_000_000, stepsPerIteration: 200, offlineFraction: "uniform", warmupSteps: 0, learningRateScale: 1, seed: undefined });

function validate(check: ConfigCheck, c: FinetuneConfig): void {
  check.number("updatesPerStep", { min: 0, integer: true });
  if (c.exploration !== "sample" && !(typeof c.exploration === "number" && Number.isFinite(c.exploration) && c.exploration >= 0)) check.fail("exploration", c.exploration, '"sample" or a noise std >= 0 (a fraction of the half range)');
  check.number("bufferSize", { min: 1, integer: true });
  check.number("stepsPerIteration", { min: 1, integer: true });
  if (c.offlineFraction !== "uniform" && !(typeof c.offlineFraction === "number" && c.offlineFraction >= 0 && c.offlineFraction <= 1)) check.fail("offlineFraction", c.offlineFraction, '"uniform" or a share of each minibatch in [0, 1] (0.5: symmetric sampling)');
  check.number("warmupSteps", { min: 0, integer: true });
  check.number("learningRateScale", { min: 0, gtMin: true });
  check.number("seed", { min: 0, integer: true, optional: true });
}

/** An offline learner continuing online: see {@link finetuneOnline}. */
export class OnlineFinetune<C extends OfflineConfig = OfflineConfig> implements Agent {
  readonly algo: string;
  readonly env: VectorEnv;
  readonly config: Readonly<FinetuneConfig>;
  readonly transitions: OnlineTransitions;
  /** Env steps taken online. */
  numTimesteps = 0;
  private readonly tracker: EpisodeTracker;
  private obs: Float32Array | undefined;
  private readonly box: Box | undefined;

  constructor(
    readonly offline: OfflineAgent<C>,
    env: EnvLike,
    config: Partial<FinetuneConfig> = {},
  ) {
    this.algo = `${offline.algo} (online)`;
    this.config = resolveConfig(this.algo, FINETUNE_DEFAULTS, config, validate);
    this.env = asVectorEnv(env);
    offline.dataset.checkSpaces(this.env.singleObservationSpace, this.env.singleActionSpace, `${this.algo}'s env`);
    const as = this.env.singleActionSpace;
    this.box = as instanceof Box ? as : undefined;
    if (typeof this.config.exploration === "number" && !this.box) throw new ConfigError(this.algo, "exploration", this.config.exploration, '"sample" for Discrete actions (Gaussian noise needs a Box)');
    this.transitions = new OnlineTransitions(offline.dataset, this.config.bufferSize);
    if (this.config.offlineFraction !== "uniform") this.transitions.offlineFraction = this.config.offlineFraction;
    offline.useTransitions(this.transitions);
    if (this.config.learningRateScale !== 1) offline.scaleLearningRates(this.config.learningRateScale);
    this.tracker = new EpisodeTracker(this.env.numEnvs);
  }

  beginTraining(_steps: number): void {
    this.obs = this.env.reset({ seed: this.offline.rng.integer(2 ** 31) }).obs;
    this.tracker.reset();
  }

  /** Exploring actions for the vector env's observations. */
  private explore(obs: Float32Array, N: number): Float32Array | Int32Array {
    const e = this.config.exploration;
    if (e === "sample" || !this.box) return this.offline.actBatch(obs, N, false);
    const a = this.offline.actBatch(obs, N, true) as Float32Array;
    const box = this.box;
    const A = box.vecDim;
    const rng = this.offline.rng;
    for (let i = 0; i < a.length; i++) {
      const j = i % A;
      const half = (box.high[j] - box.low[j]) / 2;
      a[i] = Math.min(box.high[j], Math.max(box.low[j], a[i] + rng.normal(0, e * half)));
    }
    return a;
  }

  /** `stepsPerIteration` env steps, each stored and followed by `updatesPerStep` updates; stats read once at the end. */
  async learnIteration(): Promise<IterationResult> {
    if (!this.obs) this.beginTraining(0);
    const N = this.env.numEnvs;
    const D = this.offline.obsDim;
    const A = this.offline.actDim;
    const episodes: EpisodeRecord[] = [];
    const stats: Tensor[] = [];
    const before = this.numTimesteps;
    while (this.numTimesteps - before < this.config.stepsPerIteration) {
      const obs = this.obs!;
      const actions = this.explore(obs, N);
      const r = this.env.step(actions);
      const auto = r.info.autoreset as ArrayLike<number> | undefined;
      this.tracker.step(r.reward, r.terminated, r.truncated, auto, episodes);
      for (let i = 0; i < N; i++) {
        if (auto && auto[i]) continue;
        this.transitions.add(obs.subarray(i * D, (i + 1) * D), actions.subarray(i * A, (i + 1) * A), r.reward[i], r.obs.subarray(i * D, (i + 1) * D), r.terminated[i] === 1);
        this.numTimesteps++;
      }
      this.obs = r.obs;
      if (this.numTimesteps <= this.config.warmupSteps) continue;
      for (let k = 0; k < this.config.updatesPerStep; k++) stats.push(this.offline.gradientStep());
    }
    const losses = await namedMeans(stats, this.offline.statLabels);
    await this.offline.syncActing();
    return { steps: this.numTimesteps - before, episodes, losses };
  }

  act(obs: ArrayLike<number> | number, options: ActOptions = {}): number | Int32Array | Float32Array {
    return this.offline.act(obsRow(obs, this.offline.obsDim), options);
  }

  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    return this.offline.actBatch(obs, k, deterministic);
  }

  /** Saves the underlying learner (its networks; the online transitions are not saved). */
  save(dir: string): Promise<void> {
    return this.offline.save(dir);
  }

  dispose(): void {
    this.offline.dispose();
  }
}

/**
 * `offline` continuing online on `env` with its own losses: the returned agent steps `env`,
 * stores each transition after the dataset's and trains `offline` on both (IQL's fine-tuning).
 * The offline agent is changed in place (its minibatches now come from the growing replay).
 */
export function finetuneOnline<C extends OfflineConfig>(offline: OfflineAgent<C>, env: EnvLike, config: Partial<FinetuneConfig> = {}): OnlineFinetune<C> {
  return new OnlineFinetune(offline, env, config);
}

/** A TD3 agent on `env` starting from `offline`'s networks, with its dataset in the replay buffer. */
export function td3FromTD3BC(offline: TD3BC, env: VectorEnv, config: Partial<TD3Config> = {}): TD3 {
  if (offline.config.normalizeObs) throw new ConfigError("TD3+BC", "normalizeObs", true, "false for fine-tuning online (TD3 reads raw observations): train the offline agent with {normalizeObs: false}");
  const ds = offline.dataset;
  const td3 = new TD3(env, { netArch: offline.config.netArch, gamma: offline.config.gamma, tau: offline.config.tau, policyNoise: offline.config.policyNoise, noiseClip: offline.config.noiseClip, policyFrequency: offline.config.policyFrequency, learningStarts: 0, bufferSize: Math.max(ds.size * 2, 100_000), ...config });
  td3.actor.copyFrom(offline.actor);
  td3.actorTarget.copyFrom(offline.actorTarget);
  td3.q1.copyFrom(offline.q1);
  td3.q2.copyFrom(offline.q2);
  td3.q1Target.copyFrom(offline.q1Target);
  td3.q2Target.copyFrom(offline.q2Target);
  for (let i = 0; i < ds.size; i++) td3.replay.add(ds.obs(i), ds.action(i), ds.rewards[i], ds.nextObservations.subarray(i * ds.obsDim, (i + 1) * ds.obsDim), ds.terminals[i] === 1, td3.config.gamma);
  return td3;
}
