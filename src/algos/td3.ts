/**
 * TD3: Twin Delayed DDPG (Fujimoto et al. 2018): a deterministic actor, twin critics with the
 * minimum in the target (clipped double Q), target policy smoothing noise, and delayed actor
 * and target updates. Continuous (Box) actions only.
 *
 * Reads like CleanRL's td3_continuous_action.py, whose values are the defaults here:
 *   critic: y = r + gamma (1 - term) min_i Q'_i(s', clip(pi'(s') + clip(N(0, policyNoise), -noiseClip, noiseClip)))
 *           loss = mse(Q_1(s,a), y) + mse(Q_2(s,a), y)
 *   every policyFrequency updates: actor loss = -mean(Q_1(s, pi(s))), then Polyak targets (tau).
 * Exploration: pi(s) + N(0, explorationNoise * scale), clipped to the action bounds; uniformly
 * random actions before `learningStarts`. The collection loop and the trainFreq / gradientSteps
 * schedule are off-policy.ts's (shared with SAC and DQN). `TD3_PRESETS["Pendulum-v1"]` is RL-Zoo's td3.yml.
 */
import type { RngState } from "../core/rng.js";
import type { ReplayBuffer } from "../buffers/replay.js";
import type { HerConfig } from "../buffers/her.js";
import { Adam } from "../nn/optimizers.js";
import { restoreNetwork } from "../nn/checkpoint.js";
import { MLP, mlpGrads, syncHostWeights } from "../nn/mlp.js";
import { readFloats } from "../nn/read.js";
import { tf, type Tensor } from "../nn/tf.js";
import { clipActions, presetConfig, toVectorEnv, type ActionSpec, type AgentEnv, type ConfigCheck, type Presets } from "./base.js";
import { buildFromCheckpoint, envSignature, openCheckpoint, restoreOptimizer, restoreReplay, saveOptimizer, saveReplay, writeAgentCheckpoint, type CheckpointArrays } from "./checkpointing.js";
import { twinCriticLoss } from "./losses.js";
import { rateAt, type Rate } from "./schedules.js";
import { checkHer, offPolicyReplay, OffPolicyAgent } from "./off-policy.js";

export interface TD3Config {
  /** Adam step size of actor and critics, a number or a schedule of training progress (3e-4). */
  learningRate: Rate;
  bufferSize: number;
  gamma: number;
  /** Target smoothing (0.005). */
  tau: number;
  batchSize: number;
  /** Std of the target policy smoothing noise, in units of the action scale (0.2). */
  policyNoise: number;
  /** Std of the exploration noise, in units of the action scale (0.1). */
  explorationNoise: number;
  /** Env steps of uniformly random actions before learning (CleanRL 25e3). */
  learningStarts: number;
  /** Critic updates per actor / target update (2). */
  policyFrequency: number;
  /** Clip of the smoothing noise (0.5). */
  noiseClip: number;
  /** Env steps between updates (1) and updates per round (1). */
  trainFreq: number;
  gradientSteps: number;
  /** Hidden layers ([256, 256]), ReLU. */
  netArch: number[];
  seed: number | undefined;
  /** Hindsight experience replay on a goal env (off-policy.ts; SB3 defaults nSampledGoal 4, "future"), or null (default). */
  her: Partial<HerConfig> | null;
}

export const TD3_DEFAULTS: Readonly<TD3Config> = Object.freeze({
  learningRate: 3e-4,
  bufferSize: 1_000_000,
  gamma: 0.99,
  tau: 0.005,
  batchSize: 256,
  policyNoise: 0.2,
  explorationNoise: 0.1,
  learningStarts: 25_000,
  policyFrequency: 2,
  noiseClip: 0.5,
  trainFreq: 1,
  gradientSteps: 1,
  netArch: [256, 256],
  seed: undefined,
  her: null,
});

/**
 * - "Pendulum-v1": RL-Zoo td3.yml: n_timesteps 20000, gamma 0.98, buffer_size 200000,
 *   learning_starts 10000, normal action noise std 0.1 (of the action scale), learning_rate 1e-3,
 *   net_arch [400, 300], train_freq [1, "episode"] with gradient_steps -1 (as many updates as
 *   the episode had steps: 200 updates after each 200-step Pendulum episode); otherwise SB3
 *   defaults (batch 256, tau 0.005, policy delay 2, target noise 0.2 clipped at 0.5).
 *   Published (sb3/td3-Pendulum-v1): -196 +- 119; here seeds 1, 2: -128, -134 (20 deterministic
 *   episodes), about 11 min each on 2 CPU cores (wasm).
 * - "Pendulum-v1/fast": rlbook's, 4 envs, [64, 64] networks, batch 128, learning from 1000 steps,
 *   with RL-Zoo's gamma 0.98, lr 1e-3 and one update per env step (4 per vector step). Seeds 1-5:
 *   -126 to -143 (20 deterministic episodes), about 70 s on 2 CPU cores (wasm). With 0.5 or 0.25
 *   updates per env step (or gamma 0.99) some seeds stay near -300 to -850.
 */
export const TD3_PRESETS = {
  "Pendulum-v1": {
    numEnvs: 1,
    steps: 20_000,
    config: { gamma: 0.98, bufferSize: 200_000, learningStarts: 10_000, explorationNoise: 0.1, learningRate: 1e-3, netArch: [400, 300], trainFreq: 200, gradientSteps: 200 },
  },
  "Pendulum-v1/fast": { numEnvs: 4, steps: 20_000, config: { gamma: 0.98, learningRate: 1e-3, learningStarts: 1000, netArch: [64, 64], batchSize: 128, trainFreq: 4, gradientSteps: 4, policyFrequency: 2 } },
} satisfies Presets<TD3Config>;

/** The names of TD3_PRESETS (the presets of TD3.preset). */
export type TD3PresetName = keyof typeof TD3_PRESETS;

function validate(check: ConfigCheck, c: TD3Config): void {
  check.rate("learningRate", { min: 0, gtMin: true });
  check.number("bufferSize", { min: 1, integer: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("tau", { min: 0, gtMin: true, max: 1 });
  check.number("batchSize", { min: 1, integer: true });
  if (!check.failed("batchSize") && !check.failed("bufferSize") && c.batchSize > c.bufferSize) check.fail("batchSize", c.batchSize, `an integer from 1 to bufferSize (${c.bufferSize})`);
  check.number("policyNoise", { min: 0 });
  check.number("explorationNoise", { min: 0 });
  check.number("learningStarts", { min: 0, integer: true });
  check.number("policyFrequency", { min: 1, integer: true });
  check.number("noiseClip", { min: 0 });
  check.number("trainFreq", { min: 1, integer: true });
  check.number("gradientSteps", { min: 1, integer: true });
  check.layers("netArch");
  check.number("seed", { min: 0, integer: true, optional: true });
  checkHer(check, c.her);
}

/** TD3; `A` is the env's action type (what {@link TD3.act} returns: a Float32Array for its Box actions). */
export class TD3<A = any> extends OffPolicyAgent<TD3Config, Extract<ActionSpec, { kind: "box" }>, A> {
  readonly actor: MLP;
  readonly actorTarget: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly actorOpt: Adam;
  readonly qOpt: Adam;
  readonly replay: ReplayBuffer;
  numUpdates = 0;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;

  constructor(env: AgentEnv<A>, config: Partial<TD3Config> = {}) {
    super(env, "TD3", TD3_DEFAULTS, config, validate, "box");
    const c = this.config;
    this.scale = Float32Array.from(this.spec.high, (h, i) => (h - this.spec.low[i]) / 2);
    this.bias = Float32Array.from(this.spec.high, (h, i) => (h + this.spec.low[i]) / 2);
    const D = this.enc.inputDim;
    const opts = { hidden: c.netArch, activation: "relu" as const, init: "torch" as const, rng: this.rng.split() };
    this.actor = new MLP(D, this.actDim, { ...opts, name: "actor" });
    this.actorTarget = new MLP(D, this.actDim, { ...opts, name: "actor_target" });
    this.q1 = new MLP(D + this.actDim, 1, { ...opts, name: "q1" });
    this.q2 = new MLP(D + this.actDim, 1, { ...opts, name: "q2" });
    this.q1Target = new MLP(D + this.actDim, 1, { ...opts, name: "q1_target" });
    this.q2Target = new MLP(D + this.actDim, 1, { ...opts, name: "q2_target" });
    this.actorTarget.copyFrom(this.actor);
    this.q1Target.copyFrom(this.q1);
    this.q2Target.copyFrom(this.q2);
    this.actorOpt = new Adam(this.actor.variables, { lr: rateAt(c.learningRate, 1) });
    this.qOpt = new Adam([...this.q1.variables, ...this.q2.variables], { lr: rateAt(c.learningRate, 1) });
    this.replay = offPolicyReplay(this.env, "TD3", c, D, this.actDim);
  }

  /**
   * A TD3 agent with a preset's tuned config (overrides on top). Presets: "Pendulum-v1" (RL-Zoo,
   * 1 env) and "Pendulum-v1/fast" (4 envs); see TD3_PRESETS. They count trainFreq in env steps,
   * so they hold for any env count.
   */
  static preset<A>(name: keyof typeof TD3_PRESETS, env: AgentEnv<A>, overrides: Partial<TD3Config> = {}): TD3<A> {
    return new TD3(env, { ...presetConfig("TD3", TD3_PRESETS as Presets<TD3Config>, name), ...overrides });
  }

  protected learningRates(): readonly (readonly [Adam, Rate])[] {
    return [[this.actorOpt, this.config.learningRate], [this.qOpt, this.config.learningRate]];
  }

  /** pi(s) = tanh(actor(s)) * scale + bias. */
  private policy(out: Tensor): Tensor {
    return tf.add(tf.mul(tf.tanh(out), tf.tensor1d(this.scale)), tf.tensor1d(this.bias));
  }

  /** Acting on the actor's host copy: tanh(actor(s)) * scale + bias, plus Gaussian exploration noise unless deterministic. */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array {
    const out = this.actor.forwardHost(this.enc.encode(obs, k), k);
    const a = new Float32Array(out.length);
    for (let i = 0; i < a.length; i++) a[i] = Math.tanh(out[i]) * this.scale[i % this.actDim] + this.bias[i % this.actDim];
    return this.addNoise(a, deterministic);
  }

  override async syncActing(): Promise<void> {
    await syncHostWeights([this.actor]);
  }

  protected override async exploreActions(obs: Float32Array, k: number): Promise<Float32Array> {
    const x = this.enc.encode(obs, k);
    const t = tf.tidy(() => this.policy(this.actor.apply(tf.tensor2d(x, [k, this.enc.inputDim]))));
    return this.addNoise(await readFloats(t, { dispose: true }), false);
  }

  /** Exploration noise N(0, (explorationNoise * scale)^2) (unless deterministic), then clipping to the bounds. */
  private addNoise(a: Float32Array, deterministic: boolean): Float32Array {
    if (!deterministic) for (let i = 0; i < a.length; i++) a[i] += this.rng.normal(0, this.scale[i % this.actDim] * this.config.explorationNoise);
    return clipActions(a, this.spec, a);
  }

  protected readonly statNames = ["qLoss", "actorLoss", "qValue"];

  /** One TD3 update; returns [qLoss, actorLoss, mean Q] (actorLoss 0 between actor updates). */
  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const D = this.enc.inputDim;
    const b = this.replay.sample(B, this.rng);
    this.numUpdates++;
    const noise = new Float32Array(B * this.actDim);
    for (let i = 0; i < noise.length; i++) {
      const s = this.scale[i % this.actDim];
      noise[i] = Math.max(-c.noiseClip * s, Math.min(c.noiseClip * s, this.rng.normal(0, c.policyNoise * s)));
    }
    return tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, D]);
      const next = tf.tensor2d(b.nextObs, [B, D]);
      const act = tf.tensor2d(b.actions, [B, this.actDim]);
      const y = tf.tidy(() => {
        const lo = tf.tensor1d(Float32Array.from(this.spec.low));
        const hi = tf.tensor1d(Float32Array.from(this.spec.high));
        const a2 = tf.minimum(tf.maximum(tf.add(this.policy(this.actorTarget.apply(next)), tf.tensor2d(noise, [B, this.actDim])), lo), hi);
        const sa2 = tf.concat([next, a2], 1);
        const qn = tf.reshape(tf.minimum(this.q1Target.apply(sa2), this.q2Target.apply(sa2)), [-1]);
        return tf.add(tf.tensor1d(b.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(b.terminated)), tf.tensor1d(b.discounts)), qn));
      });
      const sa = tf.concat([obs, act], 1);
      let qMean: Tensor | undefined;
      const qg = mlpGrads([this.q1, this.q2], [sa, sa], (o1, o2) => {
        qMean = tf.keep(tf.mean(o1));
        return twinCriticLoss(tf.reshape(o1, [-1]), tf.reshape(o2, [-1]), y);
      });
      this.qOpt.apply(qg.grads)?.dispose();
      let actorLoss: Tensor = tf.scalar(0);
      if (this.numUpdates % c.policyFrequency === 0) {
        const ag = this.actorGrads(obs);
        this.actorOpt.apply(ag.grads)?.dispose();
        actorLoss = ag.loss;
        this.actorTarget.softUpdate(this.actor, c.tau);
        this.q1Target.softUpdate(this.q1, c.tau);
        this.q2Target.softUpdate(this.q2, c.tau);
      }
      const out = tf.stack([qg.loss, actorLoss, qMean!]);
      qMean!.dispose();
      return out;
    });
  }

  /** Gradient of -mean(Q_1(s, pi(s))): dQ/da by the critic's backward pass, then through tanh. */
  private actorGrads(obs: Tensor): { loss: Tensor; grads: Tensor[] } {
    const B = obs.shape[0]!;
    const D = this.enc.inputDim;
    const f = this.actor.forward(obs);
    const a = this.policy(f.out);
    const fq = this.q1.forward(tf.concat([obs, a], 1));
    const dsa = this.q1.backward(fq.cache, tf.fill([B, 1], -1 / B), true).dx!;
    const dA = tf.slice(dsa, [0, D], [B, this.actDim]);
    // d pi / d out = scale * (1 - tanh(out)^2)
    const t = tf.tanh(f.out);
    const dOut = tf.mul(tf.mul(dA, tf.tensor1d(this.scale)), tf.sub(1, tf.square(t)));
    return { loss: tf.neg(tf.mean(fq.out)), grads: this.actor.backward(f.cache, dOut).grads };
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    const meta: Record<string, unknown> = { numTimesteps: this.numTimesteps, numUpdates: this.numUpdates, rng: this.rng.state, env: envSignature(this.env), sinceTrain: this.sinceTrain };
    for (const [name, opt] of [["actorOpt", this.actorOpt], ["qOpt", this.qOpt]] as const) meta[name] = await saveOptimizer(name, opt, arrays);
    meta.replay = saveReplay(this.replay, arrays);
    await writeAgentCheckpoint(dir, {
      algo: this.algo,
      config: this.config,
      meta,
      networks: { actor: this.actor, actor_target: this.actorTarget, q1: this.q1, q2: this.q2, q1_target: this.q1Target, q2_target: this.q2Target },
      arrays,
    });
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<TD3Config> = {}): Promise<TD3<A>> {
    const venv = toVectorEnv(env, "TD3");
    const ck = await openCheckpoint(dir, "TD3", venv);
    const agent = buildFromCheckpoint(dir, ck, venv, () => new TD3<A>(venv as AgentEnv<A>, { ...(ck.config as Partial<TD3Config>), ...overrides }));
    const nets = [["actor", agent.actor], ["actor_target", agent.actorTarget], ["q1", agent.q1], ["q2", agent.q2], ["q1_target", agent.q1Target], ["q2_target", agent.q2Target]] as const;
    for (const [n, net] of nets) restoreNetwork(dir, ck, n, net);
    for (const [name, opt] of [["actorOpt", agent.actorOpt], ["qOpt", agent.qOpt]] as const) restoreOptimizer(dir, ck, name, opt);
    restoreReplay(dir, ck, agent.replay);
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.numUpdates = ck.meta.numUpdates as number;
    agent.sinceTrain = ck.meta.sinceTrain as number;
    agent.rng.state = ck.meta.rng as RngState;
    return agent;
  }

  dispose(): void {
    for (const n of [this.actor, this.actorTarget, this.q1, this.q2, this.q1Target, this.q2Target]) n.dispose();
    this.actorOpt.dispose();
    this.qOpt.dispose();
  }
}
