/**
 * DQN (Mnih et al. 2015) with a target network, double Q-learning (van Hasselt et al. 2016,
 * optional), a linear epsilon-greedy schedule, Huber or MSE loss, optional n-step returns and
 * optional prioritized replay. Discrete actions only.
 *
 * Reads like CleanRL's dqn.py: step every copy of the vector env with epsilon-greedy actions,
 * store transitions, and every `trainFreq` env steps take `gradientSteps` minibatch steps;
 * copy (or Polyak-average) the online network into the target every `targetUpdateInterval`
 * env steps. The collection step and the trainFreq / gradientSteps schedule are shared with SAC
 * and TD3 (off-policy.ts). Defaults are CleanRL's dqn.py; `DQN_PRESETS` has RL-Zoo's CartPole
 * settings and rlbook's faster variant.
 */
import type { RngState } from "../core/rng.js";
import { NStepAdder } from "../buffers/nstep.js";
import { PrioritizedReplayBuffer, ReplayBuffer, type ReplayBatch } from "../buffers/replay.js";
import { Adam } from "../nn/optimizers.js";
import { restoreNetwork } from "../nn/checkpoint.js";
import { MLP, mlpGrads, syncHostWeights } from "../nn/mlp.js";
import { readFloats, readTensor } from "../nn/read.js";
import { tf, type Tensor } from "../nn/tf.js";
import { namedMeans, presetConfig, toVectorEnv, type ActionSpec, type AgentEnv, type ConfigCheck, type EpisodeRecord, type IterationResult, type Presets } from "./base.js";
import { buildFromCheckpoint, envSignature, openCheckpoint, restoreOptimizer, restoreReplay, saveOptimizer, saveReplay, writeAgentCheckpoint, type CheckpointArrays } from "./checkpointing.js";
import { checkHer, OffPolicyAgent, offPolicyReplay } from "./off-policy.js";
import type { HerConfig } from "../buffers/her.js";
import { rateAt, type Rate } from "./schedules.js";

export interface DQNConfig {
  /** Adam step size, a number or a schedule of training progress (CleanRL 2.5e-4). */
  learningRate: Rate;
  /** Replay capacity (CleanRL 10000). */
  bufferSize: number;
  /** Discount (0.99). */
  gamma: number;
  /** Target update coefficient: 1 = hard copy (CleanRL `tau` 1.0). */
  tau: number;
  /** Env steps between target updates (CleanRL `target_network_frequency` 500). */
  targetUpdateInterval: number;
  /** Minibatch size (CleanRL 128). */
  batchSize: number;
  /** Initial epsilon (1.0). */
  explorationInitialEps: number;
  /** Final epsilon (CleanRL `end_e` 0.05). */
  explorationFinalEps: number;
  /** Fraction of the run over which epsilon decays linearly (CleanRL 0.5). */
  explorationFraction: number;
  /** Env steps before learning starts (CleanRL 10000). */
  learningStarts: number;
  /** Env steps between updates (CleanRL `train_frequency` 10). */
  trainFreq: number;
  /** Gradient steps per update (1 in CleanRL). */
  gradientSteps: number;
  /** Double Q-learning targets (CleanRL's dqn.py: false). */
  doubleQ: boolean;
  /** "mse" (CleanRL) or "huber" (SB3's smooth L1). */
  loss: "mse" | "huber";
  /** n-step returns (1: plain one-step targets). */
  nStep: number;
  /** Prioritized replay (Schaul et al. 2016; off by default). */
  prioritized: boolean;
  /** Priority exponent alpha (0.6) and initial IS exponent beta (0.4, annealed to 1). */
  priorityAlpha: number;
  priorityBeta: number;
  /** Gradient-norm clip (SB3 10; CleanRL none): null for none. */
  maxGradNorm: number | null;
  /** Hidden layers (CleanRL 120, 84), ReLU. */
  netArch: number[];
  seed: number | undefined;
  /** Hindsight experience replay on a goal env (off-policy.ts; SB3 defaults nSampledGoal 4, "future"), or null (default). */
  her: Partial<HerConfig> | null;
}

/** CleanRL dqn.py defaults. */
export const DQN_DEFAULTS: Readonly<DQNConfig> = Object.freeze({
  learningRate: 2.5e-4,
  bufferSize: 10_000,
  gamma: 0.99,
  tau: 1.0,
  targetUpdateInterval: 500,
  batchSize: 128,
  explorationInitialEps: 1.0,
  explorationFinalEps: 0.05,
  explorationFraction: 0.5,
  learningStarts: 10_000,
  trainFreq: 10,
  gradientSteps: 1,
  doubleQ: false,
  loss: "mse",
  nStep: 1,
  prioritized: false,
  priorityAlpha: 0.6,
  priorityBeta: 0.4,
  maxGradNorm: null,
  netArch: [120, 84],
  seed: undefined,
  her: null,
});

/**
 * - "CartPole-v1": RL-Zoo dqn.yml: n_timesteps 5e4, learning_rate 2.3e-3, batch_size 64,
 *   buffer_size 100000, learning_starts 1000, gamma 0.99, target_update_interval 10,
 *   train_freq 256, gradient_steps 128, exploration_fraction 0.16, exploration_final_eps 0.04,
 *   net_arch [256, 256] (SB3: Huber loss, max_grad_norm 10).
 * - "CartPole-v1/fast": rlbook's: 8 envs, RL-Zoo's learning rate, Huber loss and gradient clip,
 *   [128, 128] networks, batch 128, 8 gradient steps every 64 env steps (16 sampled transitions
 *   per env step, half RL-Zoo's), double Q, a hard target update every 500 env steps, epsilon
 *   decayed over the first 10% of the run. In our runs [64, 64] networks did not solve CartPole
 *   within 100k steps; [256, 256] did, 2x slower; a 20% exploration phase took ~2x the steps.
 */
export const DQN_PRESETS = {
  "CartPole-v1": {
    numEnvs: 1,
    steps: 50_000,
    config: {
      learningRate: 2.3e-3, batchSize: 64, bufferSize: 100_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 10, trainFreq: 256,
      gradientSteps: 128, explorationFraction: 0.16, explorationFinalEps: 0.04, netArch: [256, 256], loss: "huber", maxGradNorm: 10,
    },
  },
  "CartPole-v1/fast": {
    numEnvs: 8,
    steps: 100_000,
    config: {
      learningRate: 2.3e-3, batchSize: 128, bufferSize: 50_000, learningStarts: 1000, gamma: 0.99, targetUpdateInterval: 500, trainFreq: 64,
      gradientSteps: 8, explorationFraction: 0.1, explorationFinalEps: 0.02, netArch: [128, 128], loss: "huber", maxGradNorm: 10, doubleQ: true,
    },
  },
} satisfies Presets<DQNConfig>;

/** The names of DQN_PRESETS (the presets of DQN.preset). */
export type DQNPresetName = keyof typeof DQN_PRESETS;

function validate(check: ConfigCheck, c: DQNConfig): void {
  check.rate("learningRate", { min: 0, gtMin: true });
  check.number("bufferSize", { min: 1, integer: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("tau", { min: 0, gtMin: true, max: 1 });
  check.number("targetUpdateInterval", { min: 1, integer: true });
  check.number("batchSize", { min: 1, integer: true });
  if (!check.failed("batchSize") && !check.failed("bufferSize") && c.batchSize > c.bufferSize) check.fail("batchSize", c.batchSize, `an integer from 1 to bufferSize (${c.bufferSize})`);
  check.number("explorationInitialEps", { min: 0, max: 1 });
  check.number("explorationFinalEps", { min: 0, max: 1 });
  check.number("explorationFraction", { min: 0, max: 1 });
  check.number("learningStarts", { min: 0, integer: true });
  check.number("trainFreq", { min: 1, integer: true });
  check.number("gradientSteps", { min: 1, integer: true });
  check.bool("doubleQ");
  check.oneOf("loss", ["mse", "huber"]);
  check.number("nStep", { min: 1, integer: true });
  check.bool("prioritized");
  check.number("priorityAlpha", { min: 0 });
  check.number("priorityBeta", { min: 0, max: 1 });
  check.number("maxGradNorm", { min: 0, gtMin: true, optional: true });
  check.layers("netArch");
  check.number("seed", { min: 0, integer: true, optional: true });
  checkHer(check, c.her);
  if (c.her && c.nStep > 1) check.fail("nStep", c.nStep, "1 with her (HER relabels one-step transitions)");
  if (c.her && c.prioritized) check.fail("prioritized", c.prioritized, "false with her (HER samples uniformly)");
}

/** DQN; `A` is the env's action type (what {@link DQN.act} returns: a number for its Discrete actions). */
export class DQN<A = any> extends OffPolicyAgent<DQNConfig, Extract<ActionSpec, { kind: "discrete" }>, A> {
  readonly q: MLP;
  readonly target: MLP;
  readonly optimizer: Adam;
  readonly replay: ReplayBuffer;
  numGradientSteps = 0;
  private readonly nActions: number;
  private readonly actStart: number;
  private readonly adder: NStepAdder;
  private readonly act1 = new Float32Array(1);
  private sinceTarget = 0;

  constructor(env: AgentEnv<A>, config: Partial<DQNConfig> = {}) {
    super(env, "DQN", DQN_DEFAULTS, config, validate, "discrete");
    const c = this.config;
    this.nActions = this.spec.n;
    this.actStart = this.spec.start;
    const initRng = this.rng.split();
    // CleanRL's QNetwork: nn.Linear default init, ReLU.
    this.q = new MLP(this.enc.inputDim, this.nActions, { hidden: c.netArch, activation: "relu", init: "torch", rng: initRng, name: "q" });
    this.target = new MLP(this.enc.inputDim, this.nActions, { hidden: c.netArch, activation: "relu", init: "torch", rng: initRng, name: "q_target" });
    this.target.copyFrom(this.q);
    this.optimizer = new Adam(this.q.variables, { lr: rateAt(c.learningRate, 1), maxGradNorm: c.maxGradNorm ?? undefined });
    const ropts = { capacity: c.bufferSize, obsDim: this.enc.inputDim, actDim: 1 };
    this.replay = c.prioritized ? new PrioritizedReplayBuffer({ ...ropts, alpha: c.priorityAlpha }) : offPolicyReplay(this.env, "DQN", c, ropts.obsDim, 1);
    this.adder = new NStepAdder(this.env.numEnvs, c.nStep, c.gamma, this.replay);
  }

  /**
   * A DQN agent with a preset's tuned config (overrides on top). Presets: "CartPole-v1" (RL-Zoo,
   * 1 env) and "CartPole-v1/fast" (8 envs); see DQN_PRESETS. They count trainFreq and
   * targetUpdateInterval in env steps, so they hold for any env count.
   */
  static preset<A>(name: keyof typeof DQN_PRESETS, env: AgentEnv<A>, overrides: Partial<DQNConfig> = {}): DQN<A> {
    return new DQN(env, { ...presetConfig("DQN", DQN_PRESETS as Presets<DQNConfig>, name), ...overrides });
  }

  protected learningRates(): readonly (readonly [Adam, Rate])[] {
    return [[this.optimizer, this.config.learningRate]];
  }

  /** Current exploration rate (linear schedule over explorationFraction of the run). */
  get epsilon(): number {
    const c = this.config;
    const span = this.progress.span * c.explorationFraction;
    const frac = span <= 0 ? 1 : Math.min(1, (this.numTimesteps - this.progress.startStep) / span);
    return c.explorationInitialEps + frac * (c.explorationFinalEps - c.explorationInitialEps);
  }

  /** Greedy actions on the host copy of the Q network (first maximum, as argmax). */
  private greedyHost(x: Float32Array, k: number): Int32Array {
    const q = this.q.forwardHost(x, k);
    const n = this.nActions;
    const a = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      let best = 0;
      for (let j = 1; j < n; j++) if (q[i * n + j] > q[i * n + best]) best = j;
      a[i] = best;
    }
    return a;
  }

  actBatch(obs: Float32Array, k: number, deterministic: boolean): Int32Array {
    return this.explore(this.greedyHost(this.enc.encode(obs, k), k), k, deterministic);
  }

  protected override async exploreActions(obs: Float32Array, k: number): Promise<Int32Array> {
    const x = this.enc.encode(obs, k);
    const out = tf.tidy(() => tf.argMax(this.q.apply(tf.tensor2d(x, [k, this.enc.inputDim])), 1));
    return this.explore(Int32Array.from(await readTensor(out, { dispose: true })), k, false);
  }

  override async syncActing(): Promise<void> {
    await syncHostWeights([this.q]);
  }

  /** Epsilon-greedy over greedy actions (unless deterministic), in env numbering. */
  private explore(a: Int32Array, k: number, deterministic: boolean): Int32Array {
    if (!deterministic) {
      const eps = this.epsilon;
      for (let i = 0; i < k; i++) if (this.rng.random() < eps) a[i] = this.rng.integer(this.nActions);
    }
    if (this.actStart) for (let i = 0; i < k; i++) a[i] += this.actStart;
    return a;
  }

  override beginTraining(steps: number): void {
    super.beginTraining(steps);
    this.adder.clear();
  }

  /** Transitions go through the n-step adder (which flushes a finished episode's queue). */
  protected override store(i: number, obs: Float32Array, action: Int32Array, reward: number, nextObs: Float32Array, terminated: boolean, truncated: boolean): void {
    this.act1[0] = action[0] - this.actStart;
    if (this.config.her) return super.store(i, obs, this.act1, reward, nextObs, terminated, truncated);
    this.adder.add(i, obs, this.act1, reward, nextObs, terminated, terminated || truncated);
  }

  /**
   * About max(trainFreq, 1000) env steps (off-policy.ts's collectStep), training whenever a round
   * is due; the target network follows every targetUpdateInterval env steps. An iteration spans
   * enough steps that its record nearly always holds finished episodes (one per update left most
   * records with none, the last one included).
   */
  override async learnIteration(): Promise<IterationResult> {
    if (!this.obs) this.beginTraining(1e9);
    const c = this.config;
    const episodes: EpisodeRecord[] = [];
    const before = this.numTimesteps;
    const lossTensors: Tensor[] = [];
    while (this.numTimesteps - before < Math.max(c.trainFreq, 1000) || this.numTimesteps === before) {
      this.sinceTarget += await this.collectStep(episodes);
      if (this.learningStarted()) {
        await this.trainIfDue(lossTensors);
        while (this.sinceTarget >= c.targetUpdateInterval) {
          this.sinceTarget -= c.targetUpdateInterval;
          if (c.tau >= 1) this.target.copyFrom(this.q);
          else this.target.softUpdate(this.q, c.tau);
        }
      } else {
        this.sinceTrain = Math.min(this.sinceTrain, c.trainFreq);
      }
    }
    const trained = lossTensors.length > 0;
    const losses = await namedMeans(lossTensors, this.statNames);
    if (trained) await this.syncActing();
    losses.epsilon = this.epsilon;
    return { steps: this.numTimesteps - before, episodes, losses };
  }

  protected readonly statNames = ["loss", "qValue"];

  /** One minibatch step; returns [loss, mean Q] as a tensor (read back only for prioritized replay's new priorities). */
  protected async update(): Promise<Tensor> {
    const c = this.config;
    const B = c.batchSize;
    const D = this.enc.inputDim;
    let batch: ReplayBatch;
    let beta = 1;
    if (this.replay instanceof PrioritizedReplayBuffer) {
      beta = c.priorityBeta + this.progress.elapsed(this.numTimesteps) * (1 - c.priorityBeta);
      batch = this.replay.sampleWeighted(B, this.rng, beta);
    } else {
      batch = this.replay.sample(B, this.rng);
    }
    this.numGradientSteps++;
    const prioritized = this.replay instanceof PrioritizedReplayBuffer;
    let tdKept: Tensor | undefined;
    const out = tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs, [B, D]);
      const next = tf.tensor2d(batch.nextObs, [B, D]);
      const y = dqnTargets(this.target, this.q, next, tf.tensor1d(batch.rewards), tf.tensor1d(batch.terminated), tf.tensor1d(batch.discounts), c.doubleQ);
      const actions = tf.tensor1d(Int32Array.from(batch.actions), "int32");
      const w = tf.tensor1d(batch.weights);
      let td: Tensor | undefined;
      let qMean: Tensor | undefined;
      const { loss, grads } = mlpGrads([this.q], [obs], (qAll) => {
        const qa = tf.sum(tf.mul(qAll, tf.oneHot(actions, this.nActions)), 1);
        td = tf.keep(tf.sub(qa, y));
        qMean = tf.keep(tf.mean(qa));
        return dqnLoss(qa, y, w, c.loss);
      });
      this.optimizer.apply(grads)?.dispose();
      const res = tf.stack([loss, qMean!]);
      if (prioritized) tdKept = tf.keep(td!);
      else td!.dispose();
      qMean!.dispose();
      return res;
    });
    if (tdKept) (this.replay as PrioritizedReplayBuffer).updatePriorities(batch.indices, await readFloats(tdKept, { dispose: true }));
    return out;
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    const opt = await saveOptimizer(this.optimizer.kind, this.optimizer, arrays);
    const replay = saveReplay(this.replay, arrays);
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta: {
        numTimesteps: this.numTimesteps,
        numGradientSteps: this.numGradientSteps,
        rng: this.rng.state,
        [this.optimizer.kind]: opt,
        replay,
        counters: { sinceTrain: this.sinceTrain, sinceTarget: this.sinceTarget },
        env: envSignature(this.env),
      },
      networks: { q: this.q, q_target: this.target },
      arrays,
    });
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<DQNConfig> = {}): Promise<DQN<A>> {
    const venv = toVectorEnv(env, "DQN");
    const ck = await openCheckpoint(dir, "DQN", venv);
    const agent = buildFromCheckpoint(dir, ck, venv, () => new DQN<A>(venv as AgentEnv<A>, { ...(ck.config as Partial<DQNConfig>), ...overrides }));
    restoreNetwork(dir, ck, "q", agent.q);
    restoreNetwork(dir, ck, "q_target", agent.target);
    restoreOptimizer(dir, ck, agent.optimizer.kind, agent.optimizer);
    const rp = restoreReplay(dir, ck, agent.replay);
    if (agent.replay instanceof PrioritizedReplayBuffer) agent.replay.updatePriorities(Array.from({ length: rp.size }, (_, i) => i), new Float32Array(rp.size).fill(1));
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.numGradientSteps = ck.meta.numGradientSteps as number;
    const ctr = ck.meta.counters as { sinceTrain: number; sinceTarget: number };
    agent.sinceTrain = ctr.sinceTrain;
    agent.sinceTarget = ctr.sinceTarget;
    agent.rng.state = ck.meta.rng as RngState;
    return agent;
  }

  dispose(): void {
    this.q.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }
}

/** y = r + discount * (1 - terminated) * Q_target(s', a*), a* = argmax Q_target (or Q_online for double Q). */
export function dqnTargets(target: MLP, online: MLP, next: Tensor, rewards: Tensor, terminated: Tensor, discounts: Tensor, doubleQ: boolean): Tensor {
  return tf.tidy(() => {
    const qt = target.apply(next);
    let best: Tensor;
    if (doubleQ) {
      const a = tf.argMax(online.apply(next), 1);
      best = tf.sum(tf.mul(qt, tf.oneHot(a, qt.shape[1]!)), 1);
    } else {
      best = tf.max(qt, 1);
    }
    return tf.add(rewards, tf.mul(tf.mul(discounts, tf.sub(1, terminated)), best));
  });
}

/** Mean (importance-weighted) MSE or Huber (delta 1, SB3's smooth_l1_loss) of Q(s,a) - y; `mean` reduces the per-sample terms (a population: per member). */
export function dqnLoss(qa: Tensor, y: Tensor, weights: Tensor, kind: "mse" | "huber", mean: (t: Tensor) => Tensor = (t) => tf.mean(t)): Tensor {
  const d = tf.sub(qa, y);
  let per: Tensor;
  if (kind === "mse") per = tf.square(d);
  else {
    const a = tf.abs(d);
    const quad = tf.minimum(a, 1);
    per = tf.add(tf.mul(tf.square(quad), 0.5), tf.sub(a, quad));
  }
  return mean(tf.mul(per, weights));
}
