/**
 * Tabular Q-learning (Watkins & Dayan 1992) on Dark Room: the source RL algorithm whose learning
 * histories Algorithm Distillation learns from. (Laskin et al. 2022 use A3C / DQN learners; a
 * tabular learner is the cheapest learner that really learns on Dark Room, and its histories
 * show the same shape: an exploration phase with low returns, then returns rising once the
 * goal has been found.)
 *
 *   Q(s, a) <- Q(s, a) + lr * (r + gamma * max_a' Q(s', a') - Q(s, a))
 *
 * The state is the agent's cell. Actions are epsilon-greedy with ties broken uniformly at random;
 * `qInit` > 0 is optimistic initialization (untried actions look good, so the learner explores the
 * room systematically instead of by a random walk). A step cut by the time limit bootstraps (the
 * time limit is not part of the state, Pardo et al. 2018); a terminal step (Dark Room Hard) does not.
 *
 * Every step is taken in a real {@link DarkRoomEnv}, one per task, seeded from `seed`.
 */
import { Rng } from "../core/rng.js";
import { DarkRoomEnv, type DarkRoomParams } from "../envs/grid-worlds.js";
import type { GridPos } from "../envs/utils.js";

/** Q-learning's hyperparameters. */
export interface QLearningConfig {
  /** Step size (default 0.5). */
  lr: number;
  /** Discount (default 0.9). */
  gamma: number;
  /** Probability of a uniformly random action (default 0.1). */
  epsilon: number;
  /** Initial Q value of every state-action pair (default 1: optimistic for 0/1 rewards). */
  qInit: number;
  /**
   * Experience replay: after each episode, this many sweeps of the same Q update over every
   * state-action pair tried so far (with its latest outcome; Dark Room is deterministic), as in
   * Lin (1992) / Dyna-Q (Sutton 1990). 0 (default) is plain one-step Q-learning, which moves the
   * goal's value back one step per visit; a few sweeps carry it along the whole path at once.
   */
  replaySweeps: number;
}

export const Q_LEARNING_DEFAULTS: Readonly<QLearningConfig> = Object.freeze({ lr: 0.5, gamma: 0.9, epsilon: 0.1, qInit: 1, replaySweeps: 0 });

/** One task's learning history: every step of every episode, in order. */
export interface LearningHistory {
  goal: GridPos;
  /** Observed cell [x, y] before each step (steps x 2). */
  obs: Int32Array;
  actions: Int32Array;
  rewards: Float32Array;
  /** True on the first step of each episode. */
  episodeStart: Uint8Array;
  /** Return of each episode. */
  episodeReturns: number[];
}

/** Options of {@link qLearningHistories}. */
export interface HistoryOptions {
  /** Dark Room parameters other than the goal (size, start, horizon, reward mode). */
  room: DarkRoomParams;
  /** Episodes each learner plays. */
  episodes: number;
  config?: Partial<QLearningConfig>;
  seed?: number;
}

/** Runs one Q-learner per goal for `episodes` episodes and records its learning history. */
export function qLearningHistories(goals: readonly GridPos[], options: HistoryOptions): LearningHistory[] {
  const c = { ...Q_LEARNING_DEFAULTS, ...options.config };
  for (const k of ["lr", "gamma", "epsilon"] as const) {
    if (!(c[k] >= 0 && c[k] <= 1)) throw new RangeError(`qLearningHistories: config.${k} must be in [0, 1], got ${c[k]}`);
  }
  if (!(Number.isInteger(c.replaySweeps) && c.replaySweeps >= 0)) throw new RangeError(`qLearningHistories: config.replaySweeps must be a non-negative integer, got ${c.replaySweeps}`);
  if (!(Number.isInteger(options.episodes) && options.episodes > 0)) throw new RangeError(`qLearningHistories: episodes must be a positive integer, got ${options.episodes}`);
  const rng = new Rng(options.seed ?? 0);
  return goals.map((goal) => runLearner(goal, options.room, options.episodes, c, rng.split()));
}

function runLearner(goal: GridPos, room: DarkRoomParams, episodes: number, c: QLearningConfig, rng: Rng): LearningHistory {
  const env = new DarkRoomEnv({ ...room, goal });
  const n = room.size;
  const A = 5;
  const q = new Float64Array(n * n * A).fill(c.qInit);
  const H = room.horizon;
  const obs = new Int32Array(episodes * H * 2);
  const actions = new Int32Array(episodes * H);
  const rewards = new Float32Array(episodes * H);
  const episodeStart = new Uint8Array(episodes * H);
  const episodeReturns: number[] = [];
  const best: number[] = [];
  // Latest outcome of every state-action pair tried: next state (-1: terminal) and reward.
  const seenNext = new Int32Array(n * n * A).fill(-2);
  const seenReward = new Float64Array(n * n * A);
  const tried: number[] = [];
  const maxQ = (s2: number) => {
    let m = -Infinity;
    for (let b = 0; b < A; b++) m = Math.max(m, q[s2 * A + b]);
    return m;
  };
  let k = 0;
  for (let e = 0; e < episodes; e++) {
    let o = env.reset({ seed: rng.integer(2 ** 31) }).obs;
    let ret = 0;
    episodeStart[k] = 1;
    for (let t = 0; t < H; t++) {
      const s = o[0] * n + o[1];
      let a: number;
      if (rng.random() < c.epsilon) a = rng.integer(A);
      else {
        best.length = 0;
        let m = -Infinity;
        for (let b = 0; b < A; b++) {
          const v = q[s * A + b];
          if (v > m) (m = v), (best.length = 0);
          if (v === m) best.push(b);
        }
        a = best[rng.integer(best.length)];
      }
      const r = env.step(a);
      const s2 = r.obs[0] * n + r.obs[1];
      const target = r.reward + (r.terminated ? 0 : c.gamma * maxQ(s2));
      q[s * A + a] += c.lr * (target - q[s * A + a]);
      if (seenNext[s * A + a] === -2) tried.push(s * A + a);
      seenNext[s * A + a] = r.terminated ? -1 : s2;
      seenReward[s * A + a] = r.reward;
      obs[2 * k] = o[0];
      obs[2 * k + 1] = o[1];
      actions[k] = a;
      rewards[k] = r.reward;
      k++;
      ret += r.reward;
      o = r.obs;
      if (r.terminated) break;
    }
    episodeReturns.push(ret);
    for (let sweep = 0; sweep < c.replaySweeps; sweep++) {
      for (let i = tried.length - 1; i >= 0; i--) {
        const sa = tried[i];
        const s2 = seenNext[sa];
        const target = seenReward[sa] + (s2 < 0 ? 0 : c.gamma * maxQ(s2));
        q[sa] += c.lr * (target - q[sa]);
      }
    }
  }
  return { goal, obs: obs.slice(0, 2 * k), actions: actions.slice(0, k), rewards: rewards.slice(0, k), episodeStart: episodeStart.slice(0, k), episodeReturns };
}
