/**
 * CrossQ (Bhatt et al. 2024, "CrossQ: Batch Normalization in Deep Reinforcement Learning for
 * Greater Sample Efficiency and Simplicity"): SAC without target networks. The critics carry
 * batch renormalization (nn/batch-renorm.ts) and are evaluated once on the joint batch
 * [(s, a); (s', a')], so the normalization statistics cover both the current and the next
 * state-action distributions; the bootstrap uses the (gradient-stopped) second half. The actor
 * sees the critics in evaluation mode (running statistics). Update-to-data ratio 1.
 *
 * Defaults are the paper's (Table/Appendix hyperparameters, as in its SBX code): Adam lr 1e-3
 * with beta1 0.5 for actor, critics and alpha; critics 2 x 2048 wide, actor 2 x 256; policy delay
 * 3; batch 256; batch-renorm momentum 0.99 with rMax 3, dMax 5 after a 100k-step warmup; entropy
 * coefficient tuned to target entropy -dim(A). Actions use SB3's convention: the tanh-squashed
 * Gaussian in [-1, 1] (log-probabilities there), rescaled to the env's bounds.
 */
import type { HerConfig } from "../buffers/her.js";
import type { ReplayBuffer } from "../buffers/replay.js";
import { BatchRenorm, stopGradient } from "../nn/batch-renorm.js";
import { TanhGaussian, normalNoise } from "../nn/distributions.js";
import { MLP, mlpGrads, syncHostWeights } from "../nn/mlp.js";
import { readFloats, readTensors } from "../nn/read.js";
import { Adam } from "../nn/optimizers.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import type { RngState } from "../core/rng.js";
import { CheckpointError, restoreNetwork } from "../nn/checkpoint.js";
import { toVectorEnv, type ActionSpec, type AgentEnv, type ConfigCheck } from "./base.js";
import { buildFromCheckpoint, envSignature, openCheckpoint, restoreOptimizer, restoreReplay, restoreVariable, saveOptimizer, saveReplay, writeAgentCheckpoint, type CheckpointArrays } from "./checkpointing.js";
import { twinCriticLoss } from "./losses.js";
import { checkHer, offPolicyReplay, OffPolicyAgent } from "./off-policy.js";
import { rateAt, type Rate } from "./schedules.js";

export interface CrossQConfig {
  bufferSize: number;
  gamma: number;
  batchSize: number;
  learningStarts: number;
  /** Adam step size of actor, critics and alpha (paper: 1e-3). */
  learningRate: Rate;
  /** Adam beta1 (paper: 0.5). */
  adamBeta1: number;
  /** Critic updates per actor update (paper: 3). */
  policyDelay: number;
  trainFreq: number;
  gradientSteps: number;
  /** Initial entropy coefficient and whether it is tuned (target entropy -dim(A)). */
  alpha: number;
  autotune: boolean;
  /** Actor hidden layers (paper: 256, 256). */
  netArch: number[];
  /** Critic hidden layers (paper: 2048, 2048). */
  criticArch: number[];
  /** Batch renormalization settings (paper: 0.99, 100000 warmup steps). */
  bnMomentum: number;
  bnWarmupSteps: number;
  seed: number | undefined;
  her: Partial<HerConfig> | null;
}

export const CROSSQ_DEFAULTS: Readonly<CrossQConfig> = Object.freeze({
  bufferSize: 1_000_000,
  gamma: 0.99,
  batchSize: 256,
  learningStarts: 5000,
  learningRate: 1e-3,
  adamBeta1: 0.5,
  policyDelay: 3,
  trainFreq: 1,
  gradientSteps: 1,
  alpha: 1.0,
  autotune: true,
  netArch: [256, 256],
  criticArch: [2048, 2048],
  bnMomentum: 0.99,
  bnWarmupSteps: 100_000,
  seed: undefined,
  her: null,
});

function validate(check: ConfigCheck, c: CrossQConfig): void {
  check.number("bufferSize", { min: 1, integer: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("batchSize", { min: 1, integer: true });
  check.number("learningStarts", { min: 0, integer: true });
  check.rate("learningRate", { min: 0, gtMin: true });
  check.number("adamBeta1", { min: 0, max: 0.999 });
  check.number("policyDelay", { min: 1, integer: true });
  check.number("trainFreq", { min: 1, integer: true });
  check.number("gradientSteps", { min: 1, integer: true });
  check.number("alpha", { min: 0, gtMin: true });
  check.bool("autotune");
  check.layers("netArch");
  check.layers("criticArch");
  check.number("bnMomentum", { min: 0, max: 0.999 });
  check.number("bnWarmupSteps", { min: 0, integer: true });
  check.number("seed", { min: 0, integer: true, optional: true });
  if (c.batchSize < 2 && !check.failed("batchSize")) check.fail("batchSize", c.batchSize, "at least 2 (batch statistics)");
  checkHer(check, c.her);
}

/**
 * x W + b with a hand-written gradient: tfjs's automatic gradient of a matmul uses transposed
 * matmuls that miss XNNPACK's fast path on wasm (nn/mlp.ts); here the transposes are explicit ops.
 * Measured on wasm, Pendulum-v1, batch 256, 256-unit critics: a CrossQ update took 6x SAC's
 * (245 vs 43 ms CPU) with autodiff's matmuls. The bias gradient (a column sum) is a matmul too:
 * tfjs-wasm sums over axis 0 by transposing first (batch-renorm.ts).
 */
const dense: (x: Tensor, w: Tensor, b: Tensor) => Tensor = tf.customGrad(((x: Tensor, w: Tensor, b: Tensor, save: (ts: Tensor[]) => void) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [-1])],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: Tensor, w: Tensor, b: Tensor) => Tensor;

/** A CrossQ critic: BatchRenorm on the input, then Dense -> BatchRenorm -> ReLU per hidden layer, then Dense to one value. */
export class BRNCritic {
  readonly norms: BatchRenorm[] = [];
  readonly weights: Variable[] = [];

  constructor(inDim: number, hidden: number[], opts: { momentum: number; warmupSteps: number; rng: { uniform(a: number, b: number): number } }) {
    const sizes = [inDim, ...hidden, 1];
    this.norms.push(new BatchRenorm(inDim, { momentum: opts.momentum, warmupSteps: opts.warmupSteps }));
    for (let l = 0; l + 1 < sizes.length; l++) {
      // PyTorch / flax-style uniform(+-1/sqrt(fanIn)) init.
      const b = 1 / Math.sqrt(sizes[l]);
      const w = Float32Array.from({ length: sizes[l] * sizes[l + 1] }, () => opts.rng.uniform(-b, b));
      // Inside tidy so the initial tensors are freed (a variable keeps its own copy).
      this.weights.push(...tf.tidy(() => [tf.variable(tf.tensor2d(w, [sizes[l], sizes[l + 1]]), true), tf.variable(tf.zeros([sizes[l + 1]]), true)]));
      if (l + 2 < sizes.length) this.norms.push(new BatchRenorm(sizes[l + 1], { momentum: opts.momentum, warmupSteps: opts.warmupSteps }));
    }
  }

  get variables(): Variable[] {
    return [...this.weights, ...this.norms.flatMap((n) => n.variables)];
  }

  /** Q values [B, 1]; `training` normalizes with (and updates) batch statistics. */
  apply(x: Tensor, training: boolean): Tensor {
    let h = this.norms[0].apply(x, training);
    const L = this.weights.length / 2;
    for (let l = 0; l < L; l++) {
      h = dense(h, this.weights[2 * l], this.weights[2 * l + 1]);
      if (l + 1 < L) h = tf.relu(this.norms[l + 1].apply(h, training));
    }
    return h;
  }

  dispose(): void {
    tf.dispose(this.weights);
    for (const n of this.norms) n.dispose();
  }
}

/** CrossQ; `A` is the env's action type (Box actions). */
export class CrossQ<A = any> extends OffPolicyAgent<CrossQConfig & { netArch: number[] }, Extract<ActionSpec, { kind: "box" }>, A> {
  readonly actor: MLP;
  readonly q1: BRNCritic;
  readonly q2: BRNCritic;
  readonly logAlpha: Variable;
  readonly actorOpt: Adam;
  readonly qOpt: Adam;
  readonly alphaOpt: Adam;
  readonly replay: ReplayBuffer;
  numUpdates = 0;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly targetEntropy: number;

  constructor(env: AgentEnv<A>, config: Partial<CrossQConfig> = {}) {
    super(env, "CrossQ", CROSSQ_DEFAULTS, config, validate, "box");
    const c = this.config;
    this.scale = Float32Array.from(this.spec.high, (h, i) => (h - this.spec.low[i]) / 2);
    this.bias = Float32Array.from(this.spec.high, (h, i) => (h + this.spec.low[i]) / 2);
    const init = this.rng.split();
    const D = this.enc.inputDim;
    this.actor = new MLP(D, 2 * this.actDim, { hidden: c.netArch, activation: "relu", init: "torch", rng: init, name: "actor" });
    const copts = { momentum: c.bnMomentum, warmupSteps: c.bnWarmupSteps, rng: init };
    this.q1 = new BRNCritic(D + this.actDim, c.criticArch, copts);
    this.q2 = new BRNCritic(D + this.actDim, c.criticArch, copts);
    this.targetEntropy = -this.actDim;
    this.logAlpha = tf.tidy(() => tf.variable(tf.scalar(Math.log(c.alpha)), true));
    const lr = rateAt(c.learningRate, 1);
    this.actorOpt = new Adam(this.actor.variables, { lr, beta1: c.adamBeta1 });
    this.qOpt = new Adam([...this.q1.variables, ...this.q2.variables], { lr, beta1: c.adamBeta1 });
    this.alphaOpt = new Adam([this.logAlpha], { lr, beta1: c.adamBeta1 });
    this.replay = offPolicyReplay(this.env, "CrossQ", c, D, this.actDim);
  }

  protected learningRates(): readonly (readonly [Adam, Rate])[] {
    const r = this.config.learningRate;
    return [[this.actorOpt, r], [this.qOpt, r], [this.alphaOpt, r]];
  }

  /** The current entropy coefficient exp(logAlpha) (one read; training reports it as `alpha` in every iteration's losses). */
  async alpha(): Promise<number> {
    const [v] = await readTensors([this.logAlpha]);
    return Math.exp(v[0]);
  }

  /** Squashed action in [-1, 1] and its log-density, from the actor's output [B, 2d] (SAC's log-std bounds -5..2). */
  private policy(out: Tensor, noise: Tensor): { action: Tensor; logProb: Tensor; mean: Tensor } {
    const [mean, raw] = tf.split(out, 2, 1);
    const logStd = tf.add(-5, tf.mul(3.5, tf.add(tf.tanh(raw), 1)));
    return { ...TanhGaussian.rsample(mean, logStd, noise), mean };
  }

  /**
   * Acting on the actor's host copy (plain JavaScript, synchronous on every backend): the squashed
   * mean (deterministic) or a sample, as {@link policy} computes it on the backend.
   */
  actBatch(obs: Float32Array, k: number, deterministic: boolean): Float32Array {
    const d = this.actDim;
    const out = this.actor.forwardHost(this.enc.encode(obs, k), k);
    const a = new Float32Array(k * d);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < d; j++) {
        let u = out[i * 2 * d + j];
        if (!deterministic) u += Math.exp(-5 + 3.5 * (Math.tanh(out[i * 2 * d + d + j]) + 1)) * Math.fround(this.rng.normal());
        a[i * d + j] = Math.tanh(u) * this.scale[j] + this.bias[j];
      }
    }
    return a;
  }

  /** Refreshes the actor's host copy (one awaited read). */
  override async syncActing(): Promise<void> {
    await syncHostWeights([this.actor]);
  }

  /** Exploring actions on the backend (one batched forward, one awaited read), as training collects them. */
  protected override async exploreActions(obs: Float32Array, k: number): Promise<Float32Array> {
    const x = this.enc.encode(obs, k);
    const noise = normalNoise(this.rng, k, this.actDim);
    const t = tf.tidy(() => {
      const p = this.policy(this.actor.apply(tf.tensor2d(x, [k, this.enc.inputDim])), noise);
      return tf.add(tf.mul(p.action, tf.tensor1d(this.scale)), tf.tensor1d(this.bias));
    });
    noise.dispose();
    return readFloats(t, { dispose: true });
  }

  protected readonly statNames = ["qLoss", "actorLoss", "alphaLoss", "qValue", "alpha"];

  /** One CrossQ update: critics on the joint batch, then (every policyDelay updates) actor and alpha. */
  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const D = this.enc.inputDim;
    const b = this.replay.sample(B, this.rng);
    this.numUpdates++;
    const noiseNext = normalNoise(this.rng, B, this.actDim);
    const noise = normalNoise(this.rng, B, this.actDim);
    const res = tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, D]);
      const next = tf.tensor2d(b.nextObs, [B, D]);
      // Stored actions are in env units; the critics see them in [-1, 1] as the policy's.
      const act = tf.div(tf.sub(tf.tensor2d(b.actions, [B, this.actDim]), tf.tensor1d(this.bias)), tf.tensor1d(this.scale));
      const alpha = tf.exp(this.logAlpha);
      const { action: a2, logProb: lp2 } = this.policy(this.actor.apply(next), noiseNext);
      const joint = tf.concat([tf.concat([obs, act], 1), tf.concat([next, a2], 1)], 0);
      const notDone = tf.mul(tf.sub(1, tf.tensor1d(b.terminated)), tf.tensor1d(b.discounts));
      let qMean: Tensor | undefined;
      const qv = [...this.q1.variables, ...this.q2.variables];
      const { value: qLoss, grads } = tf.variableGrads(() => {
        const [q1, q1n] = tf.split(tf.reshape(this.q1.apply(joint, true), [-1]), 2);
        const [q2, q2n] = tf.split(tf.reshape(this.q2.apply(joint, true), [-1]), 2);
        const soft = tf.sub(tf.minimum(q1n, q2n), tf.mul(stopGradient(alpha), stopGradient(lp2)));
        const y = stopGradient(tf.add(tf.tensor1d(b.rewards), tf.mul(notDone, soft)));
        qMean = tf.keep(tf.mean(q1));
        return twinCriticLoss(q1, q2, y) as tf.Scalar;
      }, qv);
      this.qOpt.apply(qv.map((v) => grads[v.name]))?.dispose();
      let actorLoss: Tensor = tf.scalar(0);
      let alphaLoss: Tensor = tf.scalar(0);
      if (this.numUpdates % c.policyDelay === 0) {
        let logp: Tensor | undefined;
        // The actor is back-propagated by hand (mlpGrads); the critics (evaluation mode) by autodiff through `dense`.
        const ag = mlpGrads([this.actor], [obs], (out) => {
          const p = this.policy(out, noise);
          logp = tf.keep(p.logProb);
          const sa = tf.concat([obs, p.action], 1);
          const q = tf.minimum(this.q1.apply(sa, false), this.q2.apply(sa, false));
          return tf.mean(tf.sub(tf.mul(stopGradient(alpha), p.logProb), tf.reshape(q, [-1])));
        });
        this.actorOpt.apply(ag.grads)?.dispose();
        actorLoss = ag.loss;
        if (c.autotune) {
          const lp = stopGradient(logp!);
          const al = tf.variableGrads(() => tf.mean(tf.mul(tf.neg(tf.exp(this.logAlpha)), tf.add(lp, this.targetEntropy))) as tf.Scalar, [this.logAlpha]);
          this.alphaOpt.apply([al.grads[this.logAlpha.name]])?.dispose();
          alphaLoss = al.value;
        }
        logp!.dispose();
      }
      const out = tf.stack([qLoss, actorLoss, alphaLoss, qMean!, tf.exp(this.logAlpha)]);
      qMean!.dispose();
      return out;
    });
    tf.dispose([noiseNext, noise]);
    return res;
  }

  /** The critics' batch-renorm running statistics, in checkpoint order (q1 then q2, layer by layer: mean, var). */
  private normStats(): { key: string; v: Variable }[] {
    const out: { key: string; v: Variable }[] = [];
    for (const [name, net] of [["q1", this.q1], ["q2", this.q2]] as const) {
      net.norms.forEach((n, i) => out.push({ key: `${name}/norm${i}/mean`, v: n.runningMean }, { key: `${name}/norm${i}/var`, v: n.runningVar }));
    }
    return out;
  }

  /** Critic weights (q1, q2: dense weights, then each norm's gamma and beta), in checkpoint order. */
  private criticVars(): { key: string; v: Variable }[] {
    return (["q1", "q2"] as const).flatMap((name) => this[name].variables.map((v, i) => ({ key: `${name}/${i}`, v })));
  }

  /** Writes everything a resumed run needs: networks, running statistics, optimizers, alpha, replay buffer, counters, generator. */
  async save(dir: string): Promise<void> {
    const arrays: CheckpointArrays = {};
    const named = [...this.criticVars(), ...this.normStats(), { key: "logAlpha", v: this.logAlpha }];
    const values = await readTensors(named.map((n) => n.v));
    named.forEach((n, i) => (arrays[n.key] = values[i] as Float32Array));
    const meta: Record<string, unknown> = {
      numTimesteps: this.numTimesteps,
      numUpdates: this.numUpdates,
      sinceTrain: this.sinceTrain,
      rng: this.rng.state as RngState,
      env: envSignature(this.env),
      normSteps: [...this.q1.norms, ...this.q2.norms].map((n) => n.steps),
    };
    for (const [name, opt] of [["actorOpt", this.actorOpt], ["qOpt", this.qOpt], ["alphaOpt", this.alphaOpt]] as const) meta[name] = await saveOptimizer(name, opt, arrays);
    meta.replay = saveReplay(this.replay, arrays);
    await writeAgentCheckpoint(dir, { algo: this.algo, config: this.config, meta, networks: { actor: this.actor }, arrays });
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. Resuming continues the saved run exactly. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<CrossQConfig> = {}): Promise<CrossQ<A>> {
    const venv = toVectorEnv(env, "CrossQ");
    const ck = await openCheckpoint(dir, "CrossQ", venv);
    const agent = buildFromCheckpoint(dir, ck, venv, () => new CrossQ<A>(venv as AgentEnv<A>, { ...(ck.config as Partial<CrossQConfig>), ...overrides }));
    try {
      restoreNetwork(dir, ck, "actor", agent.actor);
      for (const { key, v } of [...agent.criticVars(), ...agent.normStats(), { key: "logAlpha", v: agent.logAlpha }]) restoreVariable(dir, ck, key, v);
      const norms = [...agent.q1.norms, ...agent.q2.norms];
      const steps = ck.meta.normSteps;
      if (!Array.isArray(steps) || steps.length !== norms.length || !steps.every((n) => Number.isInteger(n) && n >= 0)) {
        throw new CheckpointError(dir, `meta.normSteps must list ${norms.length} batch-renorm step counts (one per critic norm layer), got ${JSON.stringify(steps)}`);
      }
      norms.forEach((n, i) => (n.steps = steps[i] as number));
      for (const [name, opt] of [["actorOpt", agent.actorOpt], ["qOpt", agent.qOpt], ["alphaOpt", agent.alphaOpt]] as const) restoreOptimizer(dir, ck, name, opt);
      restoreReplay(dir, ck, agent.replay);
      agent.numTimesteps = ck.meta.numTimesteps as number;
      agent.numUpdates = ck.meta.numUpdates as number;
      agent.sinceTrain = ck.meta.sinceTrain as number;
      agent.rng.state = ck.meta.rng as RngState;
      await agent.syncActing();
    } catch (e) {
      agent.dispose();
      throw e;
    }
    return agent;
  }

  dispose(): void {
    this.actor.dispose();
    this.q1.dispose();
    this.q2.dispose();
    tf.dispose([this.logAlpha]);
    this.actorOpt.dispose();
    this.qOpt.dispose();
    this.alphaOpt.dispose();
  }
}
