/**
 * Algorithm Distillation (Laskin et al. 2022, "In-context Reinforcement Learning with Algorithm
 * Distillation"): record the learning histories of a source RL algorithm on many tasks, train a
 * causal transformer to predict the source's next action from the history before it (a window
 * spanning several episodes), then deploy it on unseen tasks with frozen weights: it acts from
 * its own growing history, and its return rises across episodes because the history it reads
 * is a learning history.
 *
 *   const ad = AD.preset("darkRoom/fast");
 *   await train(ad, { steps: ad.config.steps, live: true });   // pretraining: live loss curve, Stop
 *   const { returns } = await ad.inContext(ad.goals.test, { episodes: 10, seed: 1 });
 *
 * Rlbook's setting:
 * - Tasks: Dark Room goals; the room (size, start, episode length, reward on every step at the
 *   goal) is AD's 9 x 9 Dark Room by default. Goals split 80/20 into source and held-out goals
 *   ({@link darkRoomGoalSplit}, the split DPT uses).
 * - Source algorithm: tabular Q-learning ({@link qLearningHistories}), `historiesPerGoal`
 *   learners per source goal, each `sourceEpisodes` episodes long. (The paper's sources are A3C
 *   and DQN; any learner whose history shows learning serves, and a tabular one costs nothing.)
 * - Tokens: one per step, [x / (size - 1), y / (size - 1), one-hot previous action, previous
 *   reward] (the paper's (a_{t-1}, r_{t-1}, o_t) embedding); the previous action and reward are
 *   zero on an episode's first step (which marks episode boundaries). The label at every position
 *   is the action the source took there. The cell is given by its coordinates only: an earlier
 *   layout also had a one-hot cell, and a diagnostic (the model's accuracy at predicting the
 *   source's next action on fresh histories) showed it memorising the source goals: 0.81 on
 *   source goals vs 0.66 on held-out ones, and an in-context return of ~2 of the source's ~6 by
 *   episode 12. With coordinates alone the move towards a goal seen in the context is the same
 *   function of (goal - cell) in every room, and held-out accuracy is 0.82 (source goals 0.82).
 * - Training windows: `contextEpisodes * episodeLength` consecutive steps cut at a uniformly
 *   random offset of a uniformly random history (so a window spans episode boundaries: the
 *   "across-episodic" context that makes improvement learnable), cross-entropy at every position.
 * - Deployment: the same window slides over the model's own history (the last `contextEpisodes`
 *   episodes' worth of steps); actions are sampled from the predicted distribution.
 */
import type { ConfigCheck } from "../algos/base.js";
import { resolveConfig } from "../algos/base.js";
import { Rng } from "../core/rng.js";
import { SyncVectorEnv } from "../core/vector.js";
import { DARK_ROOM, DarkRoomEnv, renderGrid, type DarkRoomParams, type GridMark, type GridStart } from "../envs/grid-worlds.js";
import type { GridPos } from "../envs/utils.js";
import { PretrainingAgent } from "./pretraining-agent.js";
import { qLearningHistories, Q_LEARNING_DEFAULTS, type LearningHistory, type QLearningConfig } from "./q-learning.js";
import { argmaxAt, readModelCheckpoint, sampleSoftmax, SequenceModel, type SequenceBatch, type TransformerSize } from "./sequence-model.js";
import { darkRoomGoalSplit } from "./tasks.js";

/** Features per token: the cell's two coordinates, the one-hot previous action, the previous reward. */
const TOKEN_FEATURES = 8;

/** AD's configuration (see the module comment). */
export interface ADConfig {
  /** Side of the room. */
  roomSize: number;
  /** Steps per episode. */
  episodeLength: number;
  /** Where each episode starts. */
  start: GridStart;
  /** Reward 1 on "every" step at the goal, or "once". */
  rewardMode: "every" | "once";
  /** Episodes of each source learning history. */
  sourceEpisodes: number;
  /** Source learners (with different seeds) per source goal. */
  historiesPerGoal: number;
  /** The source Q-learner's hyperparameters. */
  source: QLearningConfig;
  /** Episodes the context window spans (window = contextEpisodes * episodeLength steps). */
  contextEpisodes: number;
  model: TransformerSize;
  lr: number;
  batchSize: number;
  /** Gradient steps per record of `train()`. */
  updatesPerIteration: number;
  /** Gradient steps the preset is meant to be trained for (`train(ad, {steps: ad.config.steps})`). */
  steps: number;
  seed: number;
}

const defaults: ADConfig = {
  roomSize: DARK_ROOM.size,
  episodeLength: DARK_ROOM.horizon,
  start: "center",
  rewardMode: "every",
  sourceEpisodes: 60,
  historiesPerGoal: 8,
  source: { ...Q_LEARNING_DEFAULTS, lr: 1, epsilon: 0.05, replaySweeps: 10 },
  contextEpisodes: 4,
  model: { dModel: 64, nLayers: 4, nHeads: 4 },
  lr: 3e-4,
  batchSize: 64,
  updatesPerIteration: 20,
  steps: 50_000,
  seed: 1,
};

/**
 * AD's presets. "darkRoom": AD's 9 x 9 Dark Room (centre start, 20-step episodes), a 4-episode
 * context (80 steps), a 4-layer transformer, 50,000 steps: hours on a CPU. "darkRoom/fast": the
 * same recipe on a 5 x 5 room with 10-step episodes, a 3-episode context, 2 layers, 600 steps:
 * about a CPU-minute: on held-out goals its return rises to 0.62-0.84 of the source's by episodes
 * 10-12 (preset seeds 1-3; ad-darkroom.test.ts has the numbers). Both distill Q-learning with replay sweeps
 * (lr 1, epsilon 0.05, optimistic start): on a 5 x 5 room it finds the goal within a few episodes
 * and then heads for it, the behaviour AD must learn to reproduce in context. The source's
 * epsilon matters for AD: with epsilon 0 the model imitates the source better (0.92 of its moves
 * on held-out histories) but its own rollouts, which leave the source's paths, score lower (3.9
 * by episode 12; the histories show no recovery from a wrong move); with 0.15, 4.7; 0.05, 5.5.
 */
export const AD_PRESETS: Readonly<Record<string, Readonly<ADConfig>>> = Object.freeze({
  darkRoom: defaults,
  "darkRoom/fast": {
    ...defaults,
    roomSize: 5,
    episodeLength: 10,
    sourceEpisodes: 20,
    historiesPerGoal: 10,
    source: { lr: 1, gamma: 0.9, epsilon: 0.05, qInit: 1, replaySweeps: 10 },
    contextEpisodes: 3,
    model: { dModel: 32, nLayers: 2, nHeads: 2 },
    lr: 3e-3,
    batchSize: 32,
    updatesPerIteration: 20,
    steps: 600,
  },
});

/** What {@link AD.inContext} returns. */
export interface InContextResult {
  /** returns[episode][task]: reward summed over the episode. */
  returns: number[][];
  /** Mean return per episode over the tasks. */
  meanReturns: number[];
  /** paths[episode][task]: the cells visited, start included. */
  paths: GridPos[][][];
  goals: readonly GridPos[];
}

/** Algorithm Distillation on Dark Room (see the module comment). */
export class AD extends PretrainingAgent {
  readonly config: Readonly<ADConfig>;
  /** Source (pretraining) and held-out goals. */
  readonly goals: { train: GridPos[]; test: GridPos[] };
  /** Features per token. */
  readonly tokenDim: number;
  /** Steps in the context window. */
  readonly window: number;
  private histories: LearningHistory[] | undefined;
  private tokens: Float32Array[] = [];
  private readonly rng: Rng;
  private readonly batch: SequenceBatch;
  protected readonly deployHint = "ad.inContext(goals, {episodes})";

  constructor(config: Partial<ADConfig> = {}) {
    const c = resolveConfig("AD", defaults, config, validate);
    const room = new DarkRoomEnv(roomParams(c, [0, 0]));
    const F = TOKEN_FEATURES;
    const W = c.contextEpisodes * c.episodeLength;
    super("AD", new SyncVectorEnv([room]), new SequenceModel(F, 5, W, c.model, c.lr, c.seed), c.updatesPerIteration);
    this.config = c;
    this.tokenDim = F;
    this.window = W;
    this.goals = darkRoomGoalSplit(c.roomSize);
    this.rng = new Rng(c.seed + 1);
    this.batch = { tokens: new Float32Array(c.batchSize * W * F), labels: new Int32Array(c.batchSize * W), batch: c.batchSize, length: W };
  }

  /** An AD from a preset name, with overrides. */
  static preset(name: string, overrides: Partial<ADConfig> = {}): AD {
    const p = AD_PRESETS[name];
    if (!p) throw new RangeError(`AD preset "${name}" does not exist; presets are ${Object.keys(AD_PRESETS).map((k) => `"${k}"`).join(", ")}`);
    return new AD({ ...p, ...overrides, model: { ...p.model, ...overrides.model }, source: { ...p.source, ...overrides.source } });
  }

  /** The source learning histories (recorded on first use: `historiesPerGoal` per source goal). */
  sourceHistories(): readonly LearningHistory[] {
    this.prepareData();
    return this.histories!;
  }

  /**
   * The source algorithm itself on `goals` (fresh Q-learners, `episodes` episodes each): its
   * learning curve, to set beside AD's in-context one. Returns returns[episode][task].
   */
  sourceReturns(goals: readonly GridPos[], options: { episodes: number; seed?: number }): number[][] {
    const c = this.config;
    const h = qLearningHistories(goals, { room: roomParams(c, [0, 0]), episodes: options.episodes, config: c.source, seed: options.seed ?? 0 });
    return Array.from({ length: options.episodes }, (_, e) => h.map((x) => x.episodeReturns[e]));
  }

  protected prepareData(): void {
    if (this.histories) return;
    const c = this.config;
    const goals = this.goals.train.flatMap((g) => Array.from({ length: c.historiesPerGoal }, () => g));
    this.histories = qLearningHistories(goals, { room: roomParams(c, [0, 0]), episodes: c.sourceEpisodes, config: c.source, seed: c.seed });
    this.tokens = this.histories.map((h) => {
      const n = h.actions.length;
      const t = new Float32Array(n * this.tokenDim);
      for (let i = 0; i < n; i++) {
        const first = h.episodeStart[i] === 1;
        this.writeToken(t, i * this.tokenDim, h.obs[2 * i], h.obs[2 * i + 1], first ? -1 : h.actions[i - 1], first ? 0 : h.rewards[i - 1]);
      }
      return t;
    });
  }

  protected nextBatch(): SequenceBatch {
    const W = this.window;
    const F = this.tokenDim;
    const b = this.batch;
    for (let i = 0; i < b.batch; i++) {
      const k = this.rng.integer(this.tokens.length);
      const h = this.histories![k];
      const start = this.rng.integer(h.actions.length - W + 1);
      b.tokens.set(this.tokens[k].subarray(start * F, (start + W) * F), i * W * F);
      b.labels.set(h.actions.subarray(start, start + W), i * W);
    }
    return b;
  }

  /** Token [x / (size - 1), y / (size - 1), one-hot previous action (none: -1), previous reward]. */
  private writeToken(t: Float32Array, off: number, x: number, y: number, prevAction: number, prevReward: number): void {
    const n = this.config.roomSize;
    const S = Math.max(n - 1, 1);
    t.fill(0, off, off + this.tokenDim);
    t[off] = x / S;
    t[off + 1] = y / S;
    if (prevAction >= 0) t[off + 2 + prevAction] = 1;
    t[off + 7] = prevReward;
  }

  /**
   * In-context deployment with frozen weights: on each of `goals` (repeat a goal to run it with
   * several seeds), `episodes` consecutive episodes, each action predicted from the last
   * `window` steps of the model's own history across those episodes. One batched forward pass
   * (and one device read) per step for all tasks.
   */
  async inContext(goals: readonly GridPos[], options: { episodes: number; seed?: number; greedy?: boolean }): Promise<InContextResult> {
    const c = this.config;
    const E = options.episodes;
    if (!(Number.isInteger(E) && E > 0)) throw new RangeError(`AD.inContext: episodes must be a positive integer, got ${String(E)}`);
    if (!goals.length) throw new RangeError("AD.inContext: no goals given; pass cells such as ad.goals.test");
    const G = goals.length;
    const F = this.tokenDim;
    const W = this.window;
    const H = c.episodeLength;
    const rng = new Rng(options.seed ?? 0);
    const envs = goals.map((g) => new DarkRoomEnv(roomParams(c, g)));
    const hist = goals.map(() => new Float32Array(E * H * F));
    const returns: number[][] = [];
    const paths: GridPos[][][] = [];
    const x = new Float32Array(G * W * F);
    let steps = 0; // steps in each task's history so far
    for (let e = 0; e < E; e++) {
      const ret = new Array<number>(G).fill(0);
      const path: GridPos[][] = [];
      for (let g = 0; g < G; g++) {
        const o = envs[g].reset({ seed: rng.integer(2 ** 31) }).obs;
        this.writeToken(hist[g], steps * F, o[0], o[1], -1, 0);
        path.push([[o[0], o[1]]]);
      }
      for (let t = 0; t < H; t++) {
        const len = Math.min(steps + 1, W);
        const from = steps + 1 - len;
        for (let g = 0; g < G; g++) x.set(hist[g].subarray(from * F, (steps + 1) * F), g * len * F);
        const logits = await this.model.lastLogits(x.subarray(0, G * len * F), G, len);
        for (let g = 0; g < G; g++) {
          const a = options.greedy ? argmaxAt(logits, g * 5, 5) : sampleSoftmax(logits, g * 5, 5, rng);
          const r = envs[g].step(a);
          ret[g] += r.reward;
          path[g].push([r.obs[0], r.obs[1]]);
          if (t + 1 < H) this.writeToken(hist[g], (steps + 1) * F, r.obs[0], r.obs[1], a, r.reward);
        }
        if (t + 1 < H) steps++;
      }
      steps++;
      returns.push(ret);
      paths.push(path);
    }
    const meanReturns = returns.map((r) => r.reduce((s, v) => s + v, 0) / G);
    return { returns, meanReturns, paths, goals };
  }

  /**
   * SVG frames of one task's episodes from {@link inContext} (all of them, or those listed), for
   * an `EpisodePlayer`: the room, the goal (faint: the agent cannot see it), the cells visited so
   * far in the episode, and a caption with the episode, step and return so far.
   */
  playback(result: InContextResult, task: number, episodes?: readonly number[]): { frames: string[]; fps: number; envName: string } {
    const G = result.goals.length;
    if (!(Number.isInteger(task) && task >= 0 && task < G)) throw new RangeError(`AD.playback: task ${task} is not one of the result's ${G} tasks (0..${G - 1})`);
    const list = episodes ?? result.paths.map((_, e) => e);
    const goal = result.goals[task];
    const frames: string[] = [];
    for (const e of list) {
      if (!(Number.isInteger(e) && e >= 0 && e < result.paths.length)) throw new RangeError(`AD.playback: episode ${e} is not one of the result's ${result.paths.length} episodes (0..${result.paths.length - 1})`);
      const path = result.paths[e][task];
      let ret = 0;
      path.forEach((pos, t) => {
        if (t > 0 && pos[0] === goal[0] && pos[1] === goal[1]) ret++;
        const trail: GridMark[] = path.slice(0, t).map((p) => ({ pos: p, color: "#4a5a8a" }));
        frames.push(renderGrid(this.config.roomSize, pos, [...trail, { pos: goal, color: "#2e9e5b", label: "G" }], `episode ${e + 1}, step ${t}, return ${ret}`));
      });
    }
    return { frames, fps: 4, envName: `AD in context, goal [${goal.join(", ")}]` };
  }

  /** Saves the pretrained model as an rlbook checkpoint (atomic, verified on load). */
  async save(dir: string): Promise<void> {
    await this.model.save(dir, "AD", this.config, { tokenDim: this.tokenDim, numTimesteps: this.numTimesteps });
  }

  /** Loads an AD saved with {@link save} (ready for {@link inContext}, or more training). */
  static async load(dir: string): Promise<AD> {
    const ck = await readModelCheckpoint(dir, "AD");
    const ad = new AD(ck.config as ADConfig);
    ad.model.restore(dir, ck);
    ad.numTimesteps = (ck.meta.numTimesteps as number) ?? 0;
    return ad;
  }
}

function roomParams(c: ADConfig, goal: GridPos): DarkRoomParams {
  return { size: c.roomSize, goal, start: c.start, rewardMode: c.rewardMode, terminateOnGoal: false, horizon: c.episodeLength };
}

function validate(check: ConfigCheck, c: ADConfig): void {
  check.number("roomSize", { integer: true, min: 2 });
  for (const k of ["episodeLength", "sourceEpisodes", "historiesPerGoal", "contextEpisodes", "batchSize", "updatesPerIteration", "steps"] as const) check.number(k, { integer: true, min: 1 });
  check.number("lr", { min: 0, gtMin: true });
  check.oneOf("rewardMode", ["every", "once"]);
  if (!(c.start === "center" || c.start === "random" || (Array.isArray(c.start) && c.start.length === 2))) check.fail("start", c.start, '"center", "random" or a cell [x, y]');
  if (c.sourceEpisodes < c.contextEpisodes) check.fail("sourceEpisodes", c.sourceEpisodes, `at least contextEpisodes (${c.contextEpisodes}): a training window must fit in a history`);
  const m = c.model;
  if (!m || ![m.dModel, m.nLayers, m.nHeads].every((v) => Number.isInteger(v) && v > 0) || m.dModel % m.nHeads !== 0) check.fail("model", m, "{dModel, nLayers, nHeads}: positive integers with dModel divisible by nHeads");
  const s = c.source;
  const inUnit = (k: "lr" | "gamma" | "epsilon") => s[k] >= 0 && s[k] <= 1;
  if (!s || !inUnit("lr") || !inUnit("gamma") || !inUnit("epsilon") || !Number.isFinite(s.qInit) || !(Number.isInteger(s.replaySweeps) && s.replaySweeps >= 0)) {
    check.fail("source", s, "Q-learning settings {lr, gamma, epsilon in [0, 1], qInit finite, replaySweeps a non-negative integer}");
  }
}
