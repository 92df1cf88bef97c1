/**
 * SAC: Soft Actor-Critic (Haarnoja et al. 2018, with automatic entropy tuning from the
 * "Algorithms and Applications" version): twin Q networks with Polyak-averaged targets, a
 * tanh-squashed Gaussian policy, and a learned temperature alpha aiming at entropy -dim(A).
 * Continuous (Box) actions only.
 *
 * Reads like CleanRL's sac_continuous_action.py: step the vector env (random actions until
 * `learningStarts`), store transitions, then per update:
 *   critic:  y = r + gamma (1 - term) (min_i Q'_i(s', a') - alpha log pi(a'|s')),  a' ~ pi(s')
 *            loss = mse(Q_1(s,a), y) + mse(Q_2(s,a), y)
 *   actor (every policyFrequency updates, policyFrequency times, as CleanRL):
 *            loss = mean(alpha log pi(a|s) - min_i Q_i(s, a)),  a ~ pi(s) reparameterized
 *   alpha:   loss = mean(-alpha (log pi(a|s) + targetEntropy))   (CleanRL; log-alpha is learned)
 *   targets: Q' <- tau Q + (1 - tau) Q'
 * The collection loop and the trainFreq / gradientSteps schedule are off-policy.ts's (shared with
 * TD3 and DQN). Defaults are CleanRL's; `SAC_PRESETS["Pendulum-v1"]` is RL-Zoo's sac.yml.
 */
import type { RngState } from "../core/rng.js";
import type { ReplayBuffer } from "../buffers/replay.js";
import type { HerConfig } from "../buffers/her.js";
import { Adam } from "../nn/optimizers.js";
import { restoreNetwork } from "../nn/checkpoint.js";
import { normalNoise } from "../nn/distributions.js";
import { MLP, mlpGrads, syncHostWeights } from "../nn/mlp.js";
import { readFloats } from "../nn/read.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import { presetConfig, toVectorEnv, type ActionSpec, type AgentEnv, type ConfigCheck, type IterationResult, type Presets } from "./base.js";
import { buildFromCheckpoint, envSignature, openCheckpoint, restoreOptimizer, restoreReplay, saveOptimizer, saveReplay, writeAgentCheckpoint, type CheckpointArrays } from "./checkpointing.js";
import { twinCriticLoss } from "./losses.js";
import { rateAt, type Rate } from "./schedules.js";
import { checkHer, offPolicyReplay, OffPolicyAgent } from "./off-policy.js";

export interface SACConfig {
  /** Replay capacity (CleanRL 1e6). */
  bufferSize: number;
  gamma: number;
  /** Target smoothing (0.005). */
  tau: number;
  /** Minibatch size (256). */
  batchSize: number;
  /** Env steps of uniformly random actions before learning (CleanRL 5e3; SB3 100). */
  learningStarts: number;
  /** Actor learning rate, a number or a schedule of training progress (3e-4). */
  policyLr: Rate;
  /** Critic and alpha learning rate, a number or a schedule (1e-3). */
  qLr: Rate;
  /** Updates between actor updates (TD3-style delay; CleanRL 2). */
  policyFrequency: number;
  /** Updates between target updates (1). */
  targetNetworkFrequency: number;
  /** Env steps between updates (1; with a vector env, one vector step is numEnvs env steps). */
  trainFreq: number;
  /** Updates per training round (1). */
  gradientSteps: number;
  /** Initial (or fixed) entropy coefficient (0.2). */
  alpha: number;
  /** Learn alpha towards targetEntropy (True). */
  autotune: boolean;
  /** Target entropy; null: -dim(A) (default). */
  targetEntropy: number | null;
  /** Hidden layers of actor and critics ([256, 256]), ReLU. */
  netArch: number[];
  seed: number | undefined;
  /** Hindsight experience replay on a goal env (off-policy.ts; SB3 defaults nSampledGoal 4, "future"), or null (default). */
  her: Partial<HerConfig> | null;
}

export const SAC_DEFAULTS: Readonly<SACConfig> = Object.freeze({
  bufferSize: 1_000_000,
  gamma: 0.99,
  tau: 0.005,
  batchSize: 256,
  learningStarts: 5000,
  policyLr: 3e-4,
  qLr: 1e-3,
  policyFrequency: 2,
  targetNetworkFrequency: 1,
  trainFreq: 1,
  gradientSteps: 1,
  alpha: 0.2,
  autotune: true,
  targetEntropy: null,
  netArch: [256, 256],
  seed: undefined,
  her: null,
});

/**
 * - "Pendulum-v1": RL-Zoo sac.yml: n_timesteps 20000, learning_rate 1e-3 (policy, critics and
 *   alpha), otherwise SB3 defaults (learning_starts 100, batch 256, tau 0.005, train_freq 1,
 *   gradient_steps 1, policy delay 1, net_arch [256, 256]).
 * - "Pendulum-v1/fast": rlbook's, 4 envs, [64, 64] networks, batch 128, one update per vector step
 *   (0.25 updates per env step, 4x fewer than RL-Zoo).
 */
export const SAC_PRESETS = {
  "Pendulum-v1": { numEnvs: 1, steps: 20_000, config: { policyLr: 1e-3, qLr: 1e-3, learningStarts: 100, policyFrequency: 1 } },
  "Pendulum-v1/fast": { numEnvs: 4, steps: 20_000, config: { policyLr: 1e-3, qLr: 1e-3, learningStarts: 400, policyFrequency: 1, netArch: [64, 64], batchSize: 128, trainFreq: 4, gradientSteps: 1 } },
} satisfies Presets<SACConfig>;

/** The names of SAC_PRESETS (the presets of SAC.preset). */
export type SACPresetName = keyof typeof SAC_PRESETS;

function validate(check: ConfigCheck, c: SACConfig): void {
  check.number("bufferSize", { min: 1, integer: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("tau", { min: 0, gtMin: true, max: 1 });
  check.number("batchSize", { min: 1, integer: true });
  if (!check.failed("batchSize") && !check.failed("bufferSize") && c.batchSize > c.bufferSize) check.fail("batchSize", c.batchSize, `an integer from 1 to bufferSize (${c.bufferSize})`);
  check.number("learningStarts", { min: 0, integer: true });
  check.rate("policyLr", { min: 0, gtMin: true });
  check.rate("qLr", { min: 0, gtMin: true });
  check.number("policyFrequency", { min: 1, integer: true });
  check.number("targetNetworkFrequency", { min: 1, integer: true });
  check.number("trainFreq", { min: 1, integer: true });
  check.number("gradientSteps", { min: 1, integer: true });
  check.number("alpha", { min: 0 });
  check.bool("autotune");
  check.number("targetEntropy", { optional: true });
  check.layers("netArch");
  check.number("seed", { min: 0, integer: true, optional: true });
  checkHer(check, c.her);
}

const LOG_STD_MIN = -5;
const LOG_STD_MAX = 2;
const LOG2 = Math.LN2;
const LOG_2PI = Math.log(2 * Math.PI);

/** SAC; `A` is the env's action type (what {@link SAC.act} returns: a Float32Array for its Box actions). */
export class SAC<A = any> extends OffPolicyAgent<SACConfig, Extract<ActionSpec, { kind: "box" }>, A> {
  readonly actor: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly logAlpha: Variable;
  readonly actorOpt: Adam;
  readonly qOpt: Adam;
  readonly alphaOpt: Adam;
  readonly replay: ReplayBuffer;
  numUpdates = 0;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly targetEntropy: number;
  /** Host copy of log(alpha), refreshed with the actor's host weights. */
  private logAlphaHost: number;

  constructor(env: AgentEnv<A>, config: Partial<SACConfig> = {}) {
    super(env, "SAC", SAC_DEFAULTS, config, validate, "box");
    const c = this.config;
    this.scale = Float32Array.from(this.spec.high, (h, i) => (h - this.spec.low[i]) / 2);
    this.bias = Float32Array.from(this.spec.high, (h, i) => (h + this.spec.low[i]) / 2);
    const init = this.rng.split();
    const D = this.enc.inputDim;
    const opts = { hidden: c.netArch, activation: "relu" as const, init: "torch" as const, rng: init };
    this.actor = new MLP(D, 2 * this.actDim, { ...opts, name: "actor" });
    this.q1 = new MLP(D + this.actDim, 1, { ...opts, name: "q1" });
    this.q2 = new MLP(D + this.actDim, 1, { ...opts, name: "q2" });
    this.q1Target = new MLP(D + this.actDim, 1, { ...opts, name: "q1_target" });
    this.q2Target = new MLP(D + this.actDim, 1, { ...opts, name: "q2_target" });
    this.q1Target.copyFrom(this.q1);
    this.q2Target.copyFrom(this.q2);
    this.targetEntropy = c.targetEntropy ?? -this.actDim;
    this.logAlphaHost = Math.fround(Math.log(Math.max(c.alpha, 1e-8)));
    this.logAlpha = tf.tidy(() => tf.variable(tf.scalar(this.logAlphaHost), true));
    this.actorOpt = new Adam(this.actor.variables, { lr: rateAt(c.policyLr, 1) });
    this.qOpt = new Adam([...this.q1.variables, ...this.q2.variables], { lr: rateAt(c.qLr, 1) });
    this.alphaOpt = new Adam([this.logAlpha], { lr: rateAt(c.qLr, 1) });
    this.replay = offPolicyReplay(this.env, "SAC", c, D, this.actDim);
  }

  /**
   * A SAC agent with a preset's tuned config (overrides on top). Presets: "Pendulum-v1" (RL-Zoo,
   * 1 env) and "Pendulum-v1/fast" (4 envs); see SAC_PRESETS. They count trainFreq in env steps,
   * so they hold for any env count.
   */
  static preset<A>(name: keyof typeof SAC_PRESETS, env: AgentEnv<A>, overrides: Partial<SACConfig> = {}): SAC<A> {
    return new SAC(env, { ...presetConfig("SAC", SAC_PRESETS as Presets<SACConfig>, name), ...overrides });
  }

  protected learningRates(): readonly (readonly [Adam, Rate])[] {
    const c = this.config;
    return [[this.actorOpt, c.policyLr], [this.qOpt, c.qLr], [this.alphaOpt, c.qLr]];
  }

  /** The current entropy coefficient (as of the last training iteration or load). */
  get alpha(): number {
    return Math.exp(this.logAlphaHost);
  }

  /** Mean and log-std of the squashed Gaussian from the actor's raw output [B, 2d]. */
  private meanLogStd(out: Tensor): { mean: Tensor; logStd: Tensor } {
    const [mean, raw] = tf.split(out, 2, 1);
    const logStd = tf.add(LOG_STD_MIN, tf.mul(0.5 * (LOG_STD_MAX - LOG_STD_MIN), tf.add(tf.tanh(raw), 1)));
    return { mean, logStd };
  }

  /** Reparameterized action in env units and its log-density (tanh and scale corrected). */
  private sampleAction(out: Tensor, noise: Tensor): { action: Tensor; logProb: Tensor } {
    const { mean, logStd } = this.meanLogStd(out);
    const u = tf.add(mean, tf.mul(tf.exp(logStd), noise));
    const y = tf.tanh(u);
    const action = tf.add(tf.mul(y, tf.tensor1d(this.scale)), tf.tensor1d(this.bias));
    const gauss = tf.sub(tf.mul(tf.square(noise), -0.5), tf.add(logStd, 0.5 * LOG_2PI));
    // log |d action / d u| = log scale + log(1 - tanh(u)^2), the latter in SB3's stable form.
    const logDet = tf.add(tf.mul(tf.sub(tf.sub(LOG2, u), tf.softplus(tf.mul(u, -2))), 2), tf.log(tf.tensor1d(this.scale)));
    return { action, logProb: tf.sum(tf.sub(gauss, logDet), 1) };
  }

  /**
   * Acting on the actor's host copy: the mean squashed (deterministic) or a reparameterized
   * sample, exactly as {@link sampleAction} computes it on the backend.
   */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array {
    const d = this.actDim;
    const out = this.actor.forwardHost(this.enc.encode(obs, k), k);
    const a = new Float32Array(k * d);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < d; j++) {
        const mean = out[i * 2 * d + j];
        let u = mean;
        if (!deterministic) {
          const logStd = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(out[i * 2 * d + d + j]) + 1);
          u = mean + Math.exp(logStd) * Math.fround(this.rng.normal());
        }
        a[i * d + j] = Math.tanh(u) * this.scale[j] + this.bias[j];
      }
    }
    return a;
  }

  override async syncActing(): Promise<void> {
    const [la] = await syncHostWeights([this.actor], [this.logAlpha]);
    this.logAlphaHost = la[0];
  }

  protected override async exploreActions(obs: Float32Array, k: number): Promise<Float32Array> {
    const x = this.enc.encode(obs, k);
    const t = tf.tidy(() => {
      const out = this.actor.apply(tf.tensor2d(x, [k, this.enc.inputDim]));
      return this.sampleAction(out, normalNoise(this.rng, k, this.actDim)).action;
    });
    return readFloats(t, { dispose: true });
  }

  /** The shared off-policy iteration (off-policy.ts), reporting alpha too. */
  override async learnIteration(): Promise<IterationResult> {
    const it = await super.learnIteration();
    it.losses.alpha = this.alpha;
    return it;
  }

  protected readonly statNames = ["qLoss", "actorLoss", "alphaLoss", "qValue"];

  /** One SAC update; returns [qLoss, actorLoss, alphaLoss, mean Q] (actor/alpha 0 when skipped). */
  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const D = this.enc.inputDim;
    const b = this.replay.sample(B, this.rng);
    this.numUpdates++;
    const noiseNext = normalNoise(this.rng, B, this.actDim);
    const res = tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, D]);
      const next = tf.tensor2d(b.nextObs, [B, D]);
      const act = tf.tensor2d(b.actions, [B, this.actDim]);
      const alpha = tf.exp(this.logAlpha);
      // Critic targets.
      const y = tf.tidy(() => {
        const { action: a2, logProb: lp2 } = this.sampleAction(this.actor.apply(next), noiseNext);
        const sa2 = tf.concat([next, a2], 1);
        const qn = tf.minimum(this.q1Target.apply(sa2), this.q2Target.apply(sa2));
        const soft = tf.sub(tf.reshape(qn, [-1]), tf.mul(alpha, lp2));
        return tf.add(tf.tensor1d(b.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(b.terminated)), tf.tensor1d(b.discounts)), soft));
      });
      const sa = tf.concat([obs, act], 1);
      let qMean: Tensor | undefined;
      const qg = mlpGrads([this.q1, this.q2], [sa, sa], (o1, o2) => {
        qMean = tf.keep(tf.mean(o1));
        return twinCriticLoss(tf.reshape(o1, [-1]), tf.reshape(o2, [-1]), y);
      });
      this.qOpt.apply(qg.grads)?.dispose();
      let actorLoss: Tensor = tf.scalar(0);
      let alphaLoss: Tensor = tf.scalar(0);
      if (this.numUpdates % c.policyFrequency === 0) {
        for (let k = 0; k < c.policyFrequency; k++) {
          const noise = normalNoise(this.rng, B, this.actDim);
          const ag = this.actorGrads(obs, noise, alpha);
          const logp = ag.logp;
          this.actorOpt.apply(ag.grads)?.dispose();
          actorLoss = ag.loss;
          if (c.autotune) {
            const lpConst = logp;
            const { value, grads } = tf.variableGrads(() => tf.mean(tf.mul(tf.neg(tf.exp(this.logAlpha)), tf.add(lpConst, this.targetEntropy))) as tf.Scalar, [this.logAlpha]);
            this.alphaOpt.apply([grads[this.logAlpha.name]])?.dispose();
            alphaLoss = value;
          }
        }
      }
      if (this.numUpdates % c.targetNetworkFrequency === 0) {
        this.q1Target.softUpdate(this.q1, c.tau);
        this.q2Target.softUpdate(this.q2, c.tau);
      }
      const out = tf.stack([qg.loss, actorLoss, alphaLoss, qMean!]);
      qMean!.dispose();
      return out;
    });
    noiseNext.dispose();
    return res;
  }

  /**
   * Gradient of the actor loss mean(alpha log pi(a|s) - min_i Q_i(s, a)), a = a(actor(s), noise).
   * dQ/da comes from the critics' hand-written backward pass (fast on wasm); autodiff only
   * covers the squashing and log-density, as the vector-Jacobian product with dQ/da.
   */
  private actorGrads(obs: Tensor, noise: Tensor, alpha: Tensor): { loss: Tensor; grads: Tensor[]; logp: Tensor } {
    const B = obs.shape[0]!;
    const D = this.enc.inputDim;
    const f = this.actor.forward(obs);
    const { action, logProb } = this.sampleAction(f.out, noise);
    const sa = tf.concat([obs, action], 1);
    const f1 = this.q1.forward(sa);
    const f2 = this.q2.forward(sa);
    const q1 = tf.reshape(f1.out, [-1]);
    const q2 = tf.reshape(f2.out, [-1]);
    const first = tf.cast(tf.lessEqual(q1, q2), "float32");
    // d(-mean(min(q1, q2)))/dq_i: -1/B where Q_i is the minimum.
    const d1 = tf.reshape(tf.mul(first, -1 / B), [B, 1]);
    const d2 = tf.reshape(tf.mul(tf.sub(1, first), -1 / B), [B, 1]);
    const dsa = tf.add(this.q1.backward(f1.cache, d1, true).dx!, this.q2.backward(f2.cache, d2, true).dx!);
    const dAction = tf.slice(dsa, [0, D], [B, this.actDim]);
    const { value, grads } = tf.valueAndGrads((out: Tensor) => {
      const s = this.sampleAction(out, noise);
      return tf.add(tf.mean(tf.mul(alpha, s.logProb)), tf.sum(tf.mul(dAction, s.action))) as tf.Scalar;
    })([f.out]);
    const loss = tf.sub(tf.sub(value, tf.sum(tf.mul(dAction, action))), tf.mean(tf.minimum(q1, q2)));
    return { loss, grads: this.actor.backward(f.cache, grads[0]).grads, logp: logProb };
  }

  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    const meta: Record<string, unknown> = { numTimesteps: this.numTimesteps, numUpdates: this.numUpdates, rng: this.rng.state, env: envSignature(this.env), logAlpha: (await readFloats(this.logAlpha))[0], sinceTrain: this.sinceTrain };
    for (const [name, opt] of [["actorOpt", this.actorOpt], ["qOpt", this.qOpt], ["alphaOpt", this.alphaOpt]] as const) meta[name] = await saveOptimizer(name, opt, arrays);
    meta.replay = saveReplay(this.replay, arrays);
    await writeAgentCheckpoint(dir, { algo: this.algo, config: this.config, meta, networks: { actor: this.actor, q1: this.q1, q2: this.q2, q1_target: this.q1Target, q2_target: this.q2Target }, arrays });
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<SACConfig> = {}): Promise<SAC<A>> {
    const venv = toVectorEnv(env, "SAC");
    const ck = await openCheckpoint(dir, "SAC", venv);
    const agent = buildFromCheckpoint(dir, ck, venv, () => new SAC<A>(venv as AgentEnv<A>, { ...(ck.config as Partial<SACConfig>), ...overrides }));
    for (const [n, net] of [["actor", agent.actor], ["q1", agent.q1], ["q2", agent.q2], ["q1_target", agent.q1Target], ["q2_target", agent.q2Target]] as const) restoreNetwork(dir, ck, n, net);
    for (const [name, opt] of [["actorOpt", agent.actorOpt], ["qOpt", agent.qOpt], ["alphaOpt", agent.alphaOpt]] as const) restoreOptimizer(dir, ck, name, opt);
    tf.tidy(() => agent.logAlpha.assign(tf.scalar(ck.meta.logAlpha as number)));
    agent.logAlphaHost = Math.fround(ck.meta.logAlpha as number);
    restoreReplay(dir, ck, agent.replay);
    agent.numTimesteps = ck.meta.numTimesteps as number;
    agent.numUpdates = ck.meta.numUpdates as number;
    agent.sinceTrain = ck.meta.sinceTrain as number;
    agent.rng.state = ck.meta.rng as RngState;
    return agent;
  }

  dispose(): void {
    for (const n of [this.actor, this.q1, this.q2, this.q1Target, this.q2Target]) n.dispose();
    this.logAlpha.dispose();
    this.actorOpt.dispose();
    this.qOpt.dispose();
    this.alphaOpt.dispose();
  }
}
