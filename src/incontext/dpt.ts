/**
 * Decision-Pretrained Transformer (Lee et al. 2023, "Supervised Pretraining Can Learn In-Context
 * Reinforcement Learning"): a causal transformer reads a query state and an in-context dataset
 * of transitions (s, a, s', r) from one task and predicts that task's optimal action at the
 * query state. Pretrained on many tasks by plain cross-entropy, it then acts in new tasks with
 * no weight update:
 *   - online: it acts from its own growing history (sampling from its predicted distribution,
 *     as the paper does online), and
 *   - offline: it acts greedily (argmax) from a fixed dataset.
 *
 * Tokens follow DPT's code (net.py): token 0 is [query state, 0, 0, 0]; token j is the j-th
 * transition [s, one-hot a, s', r] (bandits: r in its arm's slot, see writeBanditTransition);
 * the prediction after token j uses the query and the first j
 * transitions. Every position is trained on the same label (train.py repeats the label along the
 * sequence); rlbook also trains position 0 (no context), which the first online action uses.
 *
 * Data (collect_data.py): bandits: arm means from the task family, actions drawn i.i.d. from a
 * Dirichlet(1) distribution over arms mixed with a point mass on a random arm with weight
 * uniform in {0, 0.1, ..., 1}; state s = s' = 1. Dark Room: H transitions from uniformly drawn
 * states and actions; query state uniform; label the shortest-path action (x first, then y,
 * "stay" at the goal); goals split 80/20 into pretraining and held-out goals by a fixed shuffle.
 * Dark Room tokens add to DPT's [s, a, s', r] the query cell and s' - query (rlbook's choice, see
 * writeGridQuery): without them a small model pretrained for minutes levels off far below the
 * optimum online, because it cannot yet tell from a rewarded transition which way the goal lies.
 *
 * Presets, each with a `/fast` variant for a 2-core CPU (paper-scale settings from DPT's
 * run_bandit.sh, run_linear_bandit.sh, run_darkroom.sh, common_args.py and train.py:
 * embedding 32, 4 layers, GPT-2 with n_head = 1 (the scripts pass --head 4, net.py hard-codes
 * 1), AdamW (rlbook: Adam), batch 64, dropout 0; bandit lr 1e-4, 100,000 tasks (80% for
 * pretraining), 400 epochs; linear bandit lr 1e-4, 1,000,000 tasks, 100 epochs; Dark Room
 * lr 1e-3, 100,000 contexts over 80 goals, 200 epochs):
 *   "bandit"        5 arms, H = 500, Gaussian noise variance 0.3
 *   "linearBandit"  10 arms, d = 2, H = 200, variance 0.3
 *   "darkRoom"      10 x 10, start (0, 0), H = 100 (`/fast`: 5 x 5, H = 25)
 */
import { Rng } from "../core/rng.js";
import { BANDIT_PRESETS } from "../envs/bandits.js";
import { gaussianBanditFamily, linearBanditFamily } from "../envs/families.js";
import { DARK_ROOM_DPT, GRID_MOVES } from "../envs/grid-worlds.js";
import type { GridPos } from "../envs/utils.js";
import type { KVCache } from "../nn/modules.js";
import type { BanditBatch, BanditPolicy } from "../bandits/policy.js";
import { GaussianThompson } from "../bandits/thompson.js";
import { OptimalArmPosterior } from "../bandits/posterior.js";
import { darkRoomGoalSplit } from "./tasks.js";
import { SyncVectorEnv } from "../core/vector.js";
import { DarkRoomEnv } from "../envs/grid-worlds.js";
import { train, type MetricRecord, type TrainCallback } from "../train/train.js";
import type { LiveLearningCurveOptions } from "../plot/live.js";
import { PretrainingAgent } from "./pretraining-agent.js";
import { argmaxAt, disposeCache, readModelCheckpoint, sampleSoftmax, SequenceModel, type SequenceBatch, type TransformerSize } from "./sequence-model.js";

/** What a DPT is pretrained on. */
export type DPTTask = "bandit" | "linearBandit" | "darkRoom";

export interface DPTConfig {
  task: DPTTask;
  /** Arms (bandits) or 5 (Dark Room moves). */
  numActions: number;
  /** In-context transitions per task (the context length H). */
  horizon: number;
  /** Bandits: Gaussian reward noise variance. */
  noiseVariance: number;
  /** Linear bandit: feature dimension (arm features are the family's, drawn from armsSeed 0). */
  dim: number;
  /** Dark Room: side of the room. */
  roomSize: number;
  /**
   * Bandits: the fraction of pretraining contexts collected by Gaussian Thompson sampling (prior
   * N(0.5, 0.5^2), the known noise) instead of DPT's Dirichlet-mix data policy (default 0, DPT's
   * data). Thompson histories pile their pulls on the good arms, as DPT's own online histories
   * do, so a small model sees during pretraining the contexts it meets when deployed online.
   */
  thompsonFraction?: number;
  /**
   * The pretraining target. "optimalArm" (default, the paper's): every position of a sequence is
   * labelled with its task's optimal action. "posterior" (5-arm Gaussian bandit only): position j
   * is trained towards P(a* = a | the first j pulls) under the task prior (means uniform on
   * [0, 1], the known noise; see OptimalArmPosterior), the distribution the paper's label is
   * drawn from given the context: the same expected gradient and minimiser, with far less label
   * noise, so a small pretraining budget goes further. An explicit option, never the default.
   */
  label?: "optimalArm" | "posterior";
  /**
   * Dense layers with hand-written gradients that stay on tfjs-wasm's fast path (the same
   * maths; see nn/fast-matmul.ts); default false. Training is faster on wasm, results differ
   * from the default only by float rounding.
   */
  fastMatMul?: boolean;
  /** Pretraining tasks (one in-context dataset each). */
  pretrainTasks: number;
  model: TransformerSize;
  lr: number;
  batchSize: number;
  /** Gradient steps of `pretrain()`. */
  steps: number;
  /** Gradient steps per record of `train()` (default 10). */
  updatesPerIteration?: number;
  seed: number;
}

/** Options of {@link DPT.pretrain}: `train()`'s, with the data to pretrain on. */
export interface DPTPretrainOptions {
  /** Gradient steps (default: the config's). */
  steps?: number;
  /** Pretraining data (default: generated from the config on first use). */
  data?: DPTDataset;
  signal?: AbortSignal;
  callbacks?: TrainCallback | TrainCallback[];
  /** A live loss curve in the notebook (`true`, or the curve's options). */
  live?: boolean | LiveLearningCurveOptions;
}

/** Dark Room: features each token has beyond DPT's [s, a, s', r] (see DPT.writeGridQuery). */
const DARK_ROOM_QUERY_FEATURES = 4;
const SMALL: TransformerSize = { dModel: 32, nLayers: 2, nHeads: 1 };
const PAPER: TransformerSize = { dModel: 32, nLayers: 4, nHeads: 1 };
const b = BANDIT_PRESETS.dpt;
const lb = BANDIT_PRESETS.dptLinear;

/** DPT's presets (see the module comment). */
export const DPT_PRESETS: Readonly<Record<string, Readonly<DPTConfig>>> = Object.freeze({
  bandit: { task: "bandit", numActions: b.arms, horizon: b.horizon, noiseVariance: b.noiseVariance, dim: 0, roomSize: 0, pretrainTasks: 80_000, model: PAPER, lr: 1e-4, batchSize: 64, steps: 500_000, seed: 1 },
  /**
   * 5 arms, H = 30 (not 500: a CPU cannot pretrain on 500-pull contexts in minutes), 2 layers,
   * lr 3e-3, 1,500 steps of 32 sequences (fastMatMul: 1.4x tfjs's own gradients' tokens/s through
   * train(), 1.66x per training step, best of interleaved runs; 139 s of CPU before it), and half of the pretraining contexts collected by Thompson
   * sampling (thompsonFraction 0.5; DPT's data policy for the other half): online histories pile
   * pulls on the good arms, which the Dirichlet-mix data rarely shows a small model. Measured on
   * 400 unseen tasks (tasks seed 2024, runner seed 7): regret after 30 pulls DPT online 6.31 +- 0.16
   * (7.59 +- 0.22 without the Thompson contexts), offline (argmax) 4.37 +- 0.20; Gaussian TS
   * 5.72 +- 0.13, UCB1 6.83 +- 0.12, greedy 4.27 +- 0.17, uniform 9.87 (see
   * test/incontext/dpt-bandit.test.ts). Greedy beats Thompson sampling itself on this preset until
   * ~150 pulls. At H = 250 (1 layer, width 16, lr 1e-2, 900 steps of 32, fastMatMul, ~5 CPU
   * minutes; 1,000 unseen tasks, TS 16.17 +- 0.27, UCB1 32.39 +- 0.26, greedy 19.40 +- 0.90):
   * label "posterior" online 24.28 +- 0.46, argmax 17.22 +- 0.69 (training loss 1.00 vs the
   * posterior's entropy 0.83: still under-confident); the paper's label at the same settings:
   * online 33.85 +- 0.68, argmax 20.43 +- 0.81; label "posterior", 300 steps at lr 3e-3: online 34.32. So the
   * fast preset keeps H = 30.
   */
  "bandit/fast": { task: "bandit", numActions: b.arms, horizon: 30, noiseVariance: b.noiseVariance, dim: 0, roomSize: 0, pretrainTasks: 4000, thompsonFraction: 0.5, model: SMALL, fastMatMul: true, lr: 3e-3, batchSize: 32, steps: 1500, seed: 1 },
  linearBandit: { task: "linearBandit", numActions: lb.arms, horizon: lb.horizon, noiseVariance: lb.noiseVariance, dim: lb.dim, roomSize: 0, pretrainTasks: 800_000, model: PAPER, lr: 1e-4, batchSize: 64, steps: 1_250_000, seed: 1 },
  "linearBandit/fast": { task: "linearBandit", numActions: lb.arms, horizon: 50, noiseVariance: lb.noiseVariance, dim: lb.dim, roomSize: 0, pretrainTasks: 4000, model: SMALL, fastMatMul: true, lr: 1e-3, batchSize: 32, steps: 600, seed: 1 },
  darkRoom: { task: "darkRoom", numActions: 5, horizon: DARK_ROOM_DPT.horizon, noiseVariance: 0, dim: 0, roomSize: DARK_ROOM_DPT.size, pretrainTasks: 80_000, model: PAPER, lr: 1e-3, batchSize: 64, steps: 250_000, seed: 1 },
  /**
   * A 5 x 5 room (20 pretraining goals, 5 held out), 25-step episodes from (0, 0), 2 layers,
   * 1,500 steps of 32 sequences (about 2 minutes of one CPU core with tfjs's own gradients, less
   * with fastMatMul). The 10 x 10 room with 100-step contexts costs ~5x more per step and needs more
   * steps: the paper preset. Deployed online on the 5 held-out goals x 8 runs (preset seed 1,
   * deployment seed 3), mean return per episode 0.88 9.45 13.50 14.72 15.35 16.68 (fastMatMul; tfjs's
   * own gradients: 1.02 9.90 14.47 16.43 17.63 18.93 20.07 20.25, +- 0.2-1.6) against an optimum of 22.60
   * (25 - BFS distance + 1 per goal); pretraining seed 2, deployment seeds 3/4/5 (120 runs):
   * 1.22 +- 0.15 -> 19.68 +- 0.40 in episode 8. At 600 steps, DPT's tokens alone (no query
   * features, see writeGridQuery) levelled off at ~2 (episode 8: 2.30 +- 0.35), with them 11.95
   * +- 1.08. See test/incontext/darkroom-dpt.test.ts.
   */
  "darkRoom/fast": { task: "darkRoom", numActions: 5, horizon: 25, noiseVariance: 0, dim: 0, roomSize: 5, pretrainTasks: 4000, model: SMALL, fastMatMul: true, lr: 1e-3, batchSize: 32, steps: 1500, seed: 1 },
} satisfies Record<string, DPTConfig>);

/** Pretraining data: tokens [N, H+1, F] and one optimal action per sequence. */
export interface DPTDataset {
  tokens: Float32Array;
  labels: Int32Array;
  numSequences: number;
}

/** The shortest-path move from (x, y) towards the goal: x first, then y, "stay" (4) at the goal. */
export function darkRoomOptimalAction(x: number, y: number, goal: GridPos): number {
  if (x < goal[0]) return 0;
  if (x > goal[0]) return 1;
  if (y < goal[1]) return 2;
  if (y > goal[1]) return 3;
  return 4;
}

/** A Decision-Pretrained Transformer (see the module comment). */
export class DPT extends PretrainingAgent {
  readonly config: DPTConfig;
  /** Features per token: state, one-hot action, next state, reward. */
  readonly tokenDim: number;
  readonly stateDim: number;
  private data: DPTDataset | undefined;
  private readonly rng: Rng;
  private batchRng: Rng | undefined;
  private batch: SequenceBatch | undefined;
  private posterior: OptimalArmPosterior | undefined;
  protected readonly deployHint = "dpt.banditPolicy() in simulateBandit / regretCurves, or dpt.darkRoomOnline(goals)";

  constructor(config: DPTConfig) {
    checkConfig(config);
    const stateDim = config.task === "darkRoom" ? 2 : 1;
    // Bandits: the reward goes in its arm's slot of an A-wide reward block (see writeBanditTransition).
    // Dark Room: DPT's [s, one-hot a, s', r] plus [query, s' - query] (see writeGridQuery).
    const tokenDim = config.task === "darkRoom" ? 2 * stateDim + config.numActions + 1 + DARK_ROOM_QUERY_FEATURES : 2 + 2 * config.numActions;
    const model = new SequenceModel(tokenDim, config.numActions, config.horizon + 1, config.model, config.lr, config.seed, config.fastMatMul ?? false);
    super("DPT", taskEnv(config), model, config.updatesPerIteration ?? 10);
    this.config = { ...config, model: { ...config.model } };
    this.stateDim = stateDim;
    this.tokenDim = tokenDim;
    this.rng = new Rng(config.seed + 1);
  }

  /** A DPT from a preset name, with overrides. */
  static preset(name: string, overrides: Partial<DPTConfig> = {}): DPT {
    const p = DPT_PRESETS[name];
    if (!p) throw new RangeError(`DPT preset "${name}" does not exist; presets are ${Object.keys(DPT_PRESETS).map((k) => `"${k}"`).join(", ")}`);
    return new DPT({ ...p, ...overrides, model: { ...p.model, ...overrides.model } });
  }

  /** The task family the bandit presets sample from (for evaluation on new tasks). */
  banditFamily() {
    const c = this.config;
    if (c.task === "bandit") return gaussianBanditFamily({ arms: c.numActions, horizon: c.horizon, noiseVariance: c.noiseVariance });
    if (c.task === "linearBandit") return linearBanditFamily({ arms: c.numActions, dim: c.dim, horizon: c.horizon, noiseVariance: c.noiseVariance });
    throw new RangeError(`DPT: a ${c.task} model has no bandit family; use a "bandit" or "linearBandit" preset`);
  }

  /** Generates the pretraining data (`pretrainTasks` sequences unless `tasks` is given). */
  generateData(options: { tasks?: number; seed?: number } = {}): DPTDataset {
    const c = this.config;
    const N = options.tasks ?? c.pretrainTasks;
    const rng = new Rng(options.seed ?? c.seed);
    const H = c.horizon;
    const F = this.tokenDim;
    const A = c.numActions;
    const tokens = new Float32Array(N * (H + 1) * F);
    const labels = new Int32Array(N);
    if (c.task === "darkRoom") {
      const goals = darkRoomGoalSplit(c.roomSize).train;
      const S = c.roomSize - 1;
      for (let i = 0; i < N; i++) {
        const goal = goals[i % goals.length];
        const base = i * (H + 1) * F;
        const qx = rng.integer(c.roomSize);
        const qy = rng.integer(c.roomSize);
        tokens[base] = qx / S;
        tokens[base + 1] = qy / S;
        labels[i] = darkRoomOptimalAction(qx, qy, goal);
        for (let j = 1; j <= H; j++) {
          const x = rng.integer(c.roomSize);
          const y = rng.integer(c.roomSize);
          const a = rng.integer(5);
          this.writeGridTransition(tokens, base + j * F, x, y, a, goal);
        }
        this.writeGridQuery(tokens, base, H + 1, qx, qy);
      }
    } else {
      const family = this.banditFamily();
      const sd = Math.sqrt(c.noiseVariance);
      const probs = new Float64Array(A);
      const frac = c.thompsonFraction ?? 0;
      const thompson: number[] = [];
      const allMeans: number[][] = [];
      for (let i = 0; i < N; i++) {
        const p = family.sample(rng) as { means?: readonly number[]; theta?: readonly number[]; arms?: readonly (readonly number[])[] };
        const means = p.means ? [...p.means] : p.arms!.map((x) => x.reduce((s, v, j) => s + v * p.theta![j], 0));
        allMeans.push(means);
        labels[i] = means.indexOf(Math.max(...means));
        const base = i * (H + 1) * F;
        tokens[base] = 1;
        if (frac > 0 && rng.random() < frac) {
          thompson.push(i);
          continue;
        }
        dirichletMix(rng, probs);
        for (let j = 1; j <= H; j++) {
          let u = rng.random();
          let a = 0;
          while (a < A - 1 && (u -= probs[a]) >= 0) a++;
          this.writeBanditTransition(tokens, base + j * F, a, means[a] + sd * rng.normal());
        }
      }
      // The Thompson-sampling contexts: one batch over those tasks, pull by pull.
      if (thompson.length > 0) {
        const ts = new GaussianThompson({ priorMean: 0.5, priorStd: 0.5 });
        const M = thompson.length;
        ts.reset({ numTasks: M, numArms: A, noiseStd: sd, rng: rng.split() });
        const arms = new Int32Array(M);
        const rewards = new Float64Array(M);
        for (let j = 1; j <= H; j++) {
          ts.selectArms(j - 1, arms);
          for (let m = 0; m < M; m++) {
            const i = thompson[m];
            rewards[m] = allMeans[i][arms[m]] + sd * rng.normal();
            this.writeBanditTransition(tokens, i * (H + 1) * F + j * F, arms[m], rewards[m]);
          }
          ts.update(arms, rewards);
        }
      }
    }
    return { tokens, labels, numSequences: N };
  }

  /**
   * A bandit transition [s = 1, one-hot a, s' = 1, r * one-hot a]. DPT's code has one reward
   * feature; writing the reward into its arm's slot instead makes per-arm reward sums a plain
   * average over tokens (what a single attention head computes at initialization), so a small
   * model learns in hundreds of steps instead of needing an MLP layer to form r * 1[a] first.
   */
  private writeBanditTransition(tokens: Float32Array, off: number, arm: number, reward: number): void {
    const A = this.config.numActions;
    tokens[off] = 1;
    tokens[off + 1 + arm] = 1;
    tokens[off + 1 + A] = 1;
    tokens[off + 2 + A + arm] = reward;
  }

  /** Writes the transition from (x, y) by action a; returns the reward. */
  private writeGridTransition(tokens: Float32Array, off: number, x: number, y: number, a: number, goal: GridPos): { x: number; y: number; r: number } {
    const S = this.config.roomSize - 1;
    const nx = Math.min(Math.max(x + GRID_MOVES[a][0], 0), S);
    const ny = Math.min(Math.max(y + GRID_MOVES[a][1], 0), S);
    const r = nx === goal[0] && ny === goal[1] ? 1 : 0;
    tokens[off] = x / S;
    tokens[off + 1] = y / S;
    tokens[off + 2 + a] = 1;
    tokens[off + 7] = nx / S;
    tokens[off + 8] = ny / S;
    tokens[off + 9] = r;
    return { x: nx, y: ny, r };
  }

  /**
   * Dark Room: writes the query cell (qx, qy) into the extra features of `len` tokens from `off`
   * (the query token and the transitions after it): [qx / S, qy / S, (s'x - qx) / 2, (s'y - qy) / 2]
   * (the query token's own displacement is 0). DPT's code gives the query only to its own token, so
   * a transition's position relative to the query must be formed by attention across positions;
   * with it in every token, the step a rewarded transition implies (towards its s', the goal) is
   * read from one token's features, which a 2-layer model learns in minutes. Same information as
   * DPT's tokens: a featurization choice (as writeBanditTransition's reward slots).
   */
  private writeGridQuery(tokens: Float32Array, off: number, len: number, qx: number, qy: number): void {
    const F = this.tokenDim;
    const S = this.config.roomSize - 1;
    for (let j = 0; j < len; j++) {
      const o = off + j * F;
      tokens[o + 10] = qx / S;
      tokens[o + 11] = qy / S;
      tokens[o + 12] = j === 0 ? 0 : (Math.round(tokens[o + 7] * S) - qx) / 2;
      tokens[o + 13] = j === 0 ? 0 : (Math.round(tokens[o + 8] * S) - qy) / 2;
    }
  }

  protected prepareData(): void {
    this.data ??= this.generateData();
  }

  /** `batchSize` sequences drawn uniformly, every position labelled with its sequence's optimal action. */
  protected nextBatch(): SequenceBatch {
    const data = this.data!;
    const { batchSize: B, horizon: H } = this.config;
    const T = H + 1;
    const F = this.tokenDim;
    this.batchRng ??= this.rng.split();
    const batch = (this.batch ??= { tokens: new Float32Array(B * T * F), labels: new Int32Array(B * T), batch: B, length: T });
    for (let b = 0; b < B; b++) {
      const i = this.batchRng.integer(data.numSequences);
      batch.tokens.set(data.tokens.subarray(i * T * F, (i + 1) * T * F), b * T * F);
      batch.labels.fill(data.labels[i], b * T, (b + 1) * T);
    }
    if (this.config.label === "posterior") this.writePosteriorTargets(batch);
    return batch;
  }

  /** The "posterior" label: each position's P(a* | the pulls before it), decoded from the batch's tokens. */
  private writePosteriorTargets(batch: SequenceBatch): void {
    const { numActions: A, noiseVariance } = this.config;
    const { batch: B, length: T } = batch;
    const F = this.tokenDim;
    const post = (this.posterior ??= new OptimalArmPosterior(A, noiseVariance));
    const targets = (batch.targets ??= new Float32Array(B * T * A));
    for (let b = 0; b < B; b++) {
      post.reset();
      post.probabilities(targets, b * T * A);
      for (let j = 1; j < T; j++) {
        const off = (b * T + j) * F;
        let arm = 0;
        while (batch.tokens[off + 1 + arm] !== 1) arm++;
        post.observe(arm, batch.tokens[off + 2 + A + arm]);
        post.probabilities(targets, (b * T + j) * A);
      }
    }
  }

  /**
   * Pretrains on `data` (generated with {@link generateData} when not given) through rlbook's
   * training loop: `train(dpt, {steps})` with the options given (live curve, Stop, callbacks).
   * Each record has `loss`, `accuracy` and `tokensPerSecond`; `step` counts gradient steps.
   */
  async pretrain(options: DPTPretrainOptions = {}): Promise<MetricRecord[]> {
    if (options.data) this.data = options.data;
    return train(this, { steps: options.steps ?? this.config.steps, signal: options.signal, callbacks: options.callbacks, live: options.live });
  }

  /**
   * The pretrained model as a bandit policy for the regret runner. "online" samples each pull
   * from the predicted distribution given the pulls so far; "offline" takes the argmax.
   */
  banditPolicy(options: { mode?: "online" | "offline"; name?: string } = {}): BanditPolicy {
    const c = this.config;
    if (c.task === "darkRoom") throw new RangeError("DPT.banditPolicy: this DPT was pretrained on Dark Room; use a \"bandit\" or \"linearBandit\" preset");
    const mode = options.mode ?? "online";
    const A = c.numActions;
    const F = this.tokenDim;
    let n = 0;
    let rng: Rng;
    // The next position of every task ([n, 1, F]: the query at pull 0, then the last transition),
    // fed to the model on top of the KV cache of the positions before it.
    let next = new Float32Array(0);
    let cache: KVCache | undefined;
    const self = this;
    const release = () => {
      if (cache) disposeCache(cache);
      cache = undefined;
    };
    return {
      name: options.name ?? `DPT (${mode})`,
      reset(batch: BanditBatch) {
        if (batch.numArms !== A) throw new RangeError(`DPT was pretrained for ${A} arms but the bandit has ${batch.numArms}; pretrain a DPT with numActions: ${batch.numArms} (DPT.preset(name, {numActions: ${batch.numArms}}))`);
        release();
        n = batch.numTasks;
        rng = batch.rng;
        next = new Float32Array(n * F);
        for (let i = 0; i < n; i++) next[i * F] = 1;
      },
      async selectArms(t: number, out: Int32Array) {
        if (t + 1 > c.horizon + 1) throw new RangeError(`DPT: pull ${t + 1} needs a context of ${t} pulls, longer than the ${c.horizon} it was pretrained for; run at most ${c.horizon} pulls (horizon: ${c.horizon}) or pretrain with a longer horizon`);
        if (t !== (cache?.length ?? 0)) throw new RangeError(`DPT: pull ${t} asked for after ${cache?.length ?? 0} pulls; a DPT policy plays its pulls in order from 0 (call reset for new tasks)`);
        const r = await self.model.stepLogits(next, n, 1, cache);
        cache = r.cache;
        for (let i = 0; i < n; i++) out[i] = mode === "online" ? sampleSoftmax(r.logits, i * A, A, rng) : argmaxAt(r.logits, i * A, A);
      },
      update(arms: Int32Array, rewards: Float64Array) {
        next.fill(0);
        for (let i = 0; i < n; i++) self.writeBanditTransition(next, i * F, arms[i], rewards[i]);
      },
      finish: release,
    };
  }

  /**
   * Offline bandit deployment: for each task's fixed dataset (`arms`, `rewards`: numTasks x n),
   * the arm DPT picks (argmax) after seeing the first j pulls, j = 0..n. Returns
   * picks[(task) * (n + 1) + j]. One forward pass per batch of tasks.
   */
  async offlineBanditPicks(arms: Int32Array, rewards: Float64Array, numTasks: number): Promise<Int32Array> {
    const c = this.config;
    const n = arms.length / numTasks;
    if (!Number.isInteger(n)) throw new RangeError(`DPT.offlineBanditPicks: ${arms.length} arms do not split into ${numTasks} tasks`);
    if (n > c.horizon) throw new RangeError(`DPT: a dataset of ${n} pulls is longer than the ${c.horizon} the model was pretrained for; pass at most ${c.horizon} pulls per task`);
    const A = c.numActions;
    const F = this.tokenDim;
    const T = n + 1;
    const x = new Float32Array(numTasks * T * F);
    for (let i = 0; i < numTasks; i++) {
      x[i * T * F] = 1;
      for (let j = 0; j < n; j++) {
        const a = arms[i * n + j];
        if (!(a >= 0 && a < A)) throw new RangeError(`DPT.offlineBanditPicks: arm ${a} (task ${i}, pull ${j}) is not one of the model's ${A} arms`);
        this.writeBanditTransition(x, (i * T + j + 1) * F, a, rewards[i * n + j]);
      }
    }
    const logits = await this.model.logits(x, numTasks, T);
    const picks = new Int32Array(numTasks * T);
    for (let i = 0; i < numTasks * T; i++) picks[i] = argmaxAt(logits, i * A, A);
    return picks;
  }

  /**
   * Online Dark Room deployment on `goals`: `episodes` episodes of `horizon` steps from (0, 0),
   * each episode acting (sampling, as DPT's code online) from the transitions of the previous
   * episode as context, fixed during the episode (the first from an empty context), as DPT's
   * deploy_online_vec with H = the episode length. Returns returns[e][g] (reward summed over the
   * episode) and the cells visited.
   */
  async darkRoomOnline(goals: readonly GridPos[], options: { episodes?: number; seed?: number; greedy?: boolean; trace?: boolean } = {}): Promise<{ returns: number[][]; paths: GridPos[][][] }> {
    const c = this.config;
    if (c.task !== "darkRoom") throw new RangeError(`DPT.darkRoomOnline: this DPT was pretrained on ${c.task}; use a "darkRoom" preset`);
    for (const g of goals) {
      if (!(Array.isArray(g) && g.length === 2 && g.every((v) => Number.isInteger(v) && v >= 0 && v < c.roomSize))) {
        throw new RangeError(`DPT.darkRoomOnline: goal ${JSON.stringify(g)} is not a cell of the ${c.roomSize} x ${c.roomSize} room this DPT was pretrained on; pass cells [x, y] with 0 <= x, y < ${c.roomSize}, such as darkRoomGoalSplit(${c.roomSize}).test`);
      }
    }
    const G = goals.length;
    const H = c.horizon;
    const F = this.tokenDim;
    const T = H + 1;
    const rng = new Rng(options.seed ?? 0);
    let context = new Float32Array(G * T * F); // previous episode's transitions
    let ctxLen = 0;
    const returns: number[][] = [];
    const paths: GridPos[][][] = [];
    for (let e = 0; e < (options.episodes ?? 4); e++) {
      const next = new Float32Array(G * T * F);
      const pos = goals.map(() => [0, 0] as [number, number]);
      const ret = new Array(G).fill(0);
      const path: GridPos[][] = goals.map(() => [[0, 0]]);
      const len = ctxLen + 1;
      for (let t = 0; t < H; t++) {
        // The query token first (DPT's layout), then the context; the query goes into every token.
        const x = new Float32Array(G * len * F);
        for (let g = 0; g < G; g++) {
          const o = g * len * F;
          x.set(context.subarray(g * T * F + F, g * T * F + F + ctxLen * F), o + F);
          x[o] = pos[g][0] / (c.roomSize - 1);
          x[o + 1] = pos[g][1] / (c.roomSize - 1);
          this.writeGridQuery(x, o, len, pos[g][0], pos[g][1]);
        }
        const logits = await this.model.logits(x, G, len);
        for (let g = 0; g < G; g++) {
          const off = (g * len + len - 1) * 5;
          const a = options.greedy ? argmaxAt(logits, off, 5) : sampleSoftmax(logits, off, 5, rng);
          const r = this.writeGridTransition(next, (g * T + t + 1) * F, pos[g][0], pos[g][1], a, goals[g]);
          pos[g] = [r.x, r.y];
          ret[g] += r.r;
          path[g].push([r.x, r.y]);
        }
      }
      returns.push(ret);
      paths.push(path);
      context = next;
      ctxLen = H;
    }
    return { returns, paths };
  }

  /** Saves the pretrained model as an rlbook checkpoint (atomic, verified on load). */
  async save(dir: string): Promise<void> {
    await this.model.save(dir, "DPT", this.config, { tokenDim: this.tokenDim, numTimesteps: this.numTimesteps });
  }

  /** Loads a DPT saved with {@link save}. */
  static async load(dir: string): Promise<DPT> {
    const ck = await readModelCheckpoint(dir, "DPT");
    const dpt = new DPT(ck.config as DPTConfig);
    dpt.model.restore(dir, ck);
    dpt.numTimesteps = (ck.meta.numTimesteps as number | undefined) ?? 0;
    return dpt;
  }
}

/** The env of one task of the config's family (train() needs an env; DPT uses only its spaces). */
function taskEnv(c: DPTConfig): SyncVectorEnv {
  if (c.task === "darkRoom") return new SyncVectorEnv([new DarkRoomEnv({ ...DARK_ROOM_DPT, size: c.roomSize, goal: [c.roomSize - 1, c.roomSize - 1], horizon: c.horizon })]);
  const family = c.task === "bandit" ? gaussianBanditFamily({ arms: c.numActions, horizon: c.horizon, noiseVariance: c.noiseVariance }) : linearBanditFamily({ arms: c.numActions, dim: c.dim, horizon: c.horizon, noiseVariance: c.noiseVariance });
  return new SyncVectorEnv([(family.create as (p: unknown) => import("../core/env.js").Env)(family.sample(new Rng(c.seed)))]);
}

/** Dirichlet(1) over arms mixed with a point mass on a random arm (weight in {0, 0.1, ..., 1}). */
function dirichletMix(rng: Rng, probs: Float64Array): void {
  const A = probs.length;
  let s = 0;
  for (let a = 0; a < A; a++) s += probs[a] = rng.exponential();
  const cov = rng.integer(11) / 10;
  const hot = rng.integer(A);
  for (let a = 0; a < A; a++) probs[a] = (1 - cov) * (probs[a] / s) + (a === hot ? cov : 0);
}

function checkConfig(c: DPTConfig): void {
  const tasks: DPTTask[] = ["bandit", "linearBandit", "darkRoom"];
  if (!tasks.includes(c.task)) throw new RangeError(`DPT: task "${c.task}" is not one of ${tasks.join(", ")}`);
  for (const k of ["numActions", "horizon", "pretrainTasks", "batchSize", "steps", "updatesPerIteration"] as const) {
    if (k === "updatesPerIteration" && c[k] === undefined) continue;
    if (!Number.isInteger(c[k]) || c[k]! < 1) throw new RangeError(`DPT: config.${k} must be a positive integer, got ${String(c[k])}`);
  }
  if (c.task === "darkRoom" && c.numActions !== 5) throw new RangeError(`DPT: Dark Room has 5 actions, config.numActions is ${c.numActions}`);
  if (c.thompsonFraction !== undefined && !(c.thompsonFraction >= 0 && c.thompsonFraction <= 1)) throw new RangeError(`DPT: config.thompsonFraction must be in [0, 1] (the share of Thompson-sampling contexts), got ${c.thompsonFraction}`);
  if (c.label !== undefined && c.label !== "optimalArm" && c.label !== "posterior") throw new RangeError(`DPT: config.label must be "optimalArm" (the paper's) or "posterior", got ${String(c.label)}`);
  if (c.label === "posterior" && c.task !== "bandit") throw new RangeError(`DPT: label "posterior" is for the Gaussian bandit (task "bandit"), not ${c.task}; use label "optimalArm"`);
  if (!(c.lr > 0)) throw new RangeError(`DPT: config.lr must be > 0, got ${c.lr}`);
}
