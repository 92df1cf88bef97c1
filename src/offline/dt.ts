/**
 * Decision Transformer (Chen et al. 2021, "Decision Transformer: Reinforcement Learning via
 * Sequence Modeling"): a causal transformer that predicts the dataset's action from the recent
 * history of (return-to-go, observation, previous action); at evaluation it is conditioned on a
 * chosen target return, which is decreased by each reward received.
 *
 * Tokens: one per time step, [returnToGo * returnScale, normalized observation, previous action
 * (one-hot plus a "none" slot for Discrete, the value for Box)], so the prediction at step t sees
 * R_<=t, s_<=t and a_<t, as in the paper (which uses three tokens per step; one token per step
 * keeps the same conditioning with a third of the sequence length). Windows of `contextLength`
 * steps are drawn from the dataset's episodes (shorter at episode ends, padded and masked).
 * Loss: cross-entropy (Discrete) or squared error of tanh-squashed actions (Box).
 *
 * Acting needs the history of the current episode and its remaining target: wrap the env with
 * `dt.conditioned(env, targetReturn)` (resets the context and target at each reset, subtracts each
 * reward), then `evaluate(dt, dt.conditioned(make(id), 500))` or
 * `train(dt, {steps, evalEnv: dt.conditioned(make(id), 500)})`.
 *
 * Defaults follow CORL's dt.py where they apply (3 layers, 1 head, context 20, batch 64, lr 1e-4,
 * gradient clipping 0.25); embedding 64 instead of 128, no dropout, no warm-up, no weight decay, and
 * the return scale is a config (CORL 0.001 for MuJoCo returns in the thousands).
 */
import { Env, Wrapper, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { Adam, CausalTransformer, type MLP, type Optimizer } from "../nn/index.js";
import { tf, type Tensor } from "../nn/tf.js";
import { ConfigError, type ActionSpec, type ConfigCheck } from "../algos/base.js";
import type { Dataset } from "./dataset.js";
import { OfflineAgent, boxScale, type EnvLike, type OfflineConfig } from "./base.js";

export interface DTConfig extends OfflineConfig {
  contextLength: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  learningRate: number;
  /** Global gradient-norm clip (CORL 0.25). */
  maxGradNorm: number;
  /** Returns-to-go are multiplied by this before entering the model (e.g. 0.01 for CartPole's returns up to 500). */
  returnScale: number;
}

export const DT_DEFAULTS: Readonly<DTConfig> = Object.freeze({
  contextLength: 20,
  dModel: 64,
  nHeads: 1,
  nLayers: 3,
  learningRate: 1e-4,
  maxGradNorm: 0.25,
  returnScale: 0.01,
  batchSize: 64,
  updatesPerIteration: 20,
  seed: undefined,
});

function validate(check: ConfigCheck, c: DTConfig): void {
  check.number("contextLength", { min: 1, integer: true });
  check.number("dModel", { min: 1, integer: true });
  check.number("nHeads", { min: 1, integer: true });
  if (!check.failed("dModel") && !check.failed("nHeads") && c.dModel % c.nHeads !== 0) check.fail("nHeads", c.nHeads, `a divisor of dModel (${c.dModel})`);
  check.number("nLayers", { min: 1, integer: true });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("maxGradNorm", { min: 0, gtMin: true });
  check.number("returnScale", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.number("seed", { min: 0, integer: true, optional: true });
}

export class DecisionTransformer extends OfflineAgent<DTConfig> {
  readonly model: CausalTransformer;
  readonly opt: Adam;
  protected readonly statNames = ["loss"];
  /** Numbers per token. */
  readonly tokenDim: number;
  private readonly prevDim: number;
  private readonly returnsToGo: Float32Array;
  private readonly episodeOf: Int32Array;
  private readonly starts: Int32Array;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  // The running episode when acting: tokens so far, the remaining target, the last action.
  private context: Float32Array[] = [];
  private remaining = 0;
  private prevAction: Float32Array | undefined;

  constructor(dataset: Dataset, env: EnvLike, config: Partial<DTConfig> = {}) {
    super("DecisionTransformer", dataset, env, DT_DEFAULTS, config, validate, ["discrete", "box"], true);
    const c = this.config;
    this.prevDim = this.spec.kind === "discrete" ? this.spec.n + 1 : this.spec.dim;
    this.tokenDim = 1 + this.obsDim + this.prevDim;
    ({ scale: this.scale, bias: this.bias } = this.spec.kind === "box" ? boxScale(this.spec) : { scale: new Float32Array(0), bias: new Float32Array(0) });
    const outDim = this.spec.kind === "discrete" ? this.spec.n : this.spec.dim;
    this.model = new CausalTransformer({ inputDim: this.tokenDim, outputDim: outDim, dModel: c.dModel, nHeads: c.nHeads, nLayers: c.nLayers, maxLength: c.contextLength, rng: this.rng.split(), name: "decision_transformer" });
    this.opt = new Adam(this.model.variables, { lr: c.learningRate, maxGradNorm: c.maxGradNorm });
    // Returns-to-go within each episode, and each row's episode start.
    const n = dataset.size;
    this.returnsToGo = new Float32Array(n);
    this.episodeOf = new Int32Array(n);
    const eps = dataset.episodes();
    this.starts = Int32Array.from(eps, (e) => e.start);
    eps.forEach((e, k) => {
      let g = 0;
      for (let i = e.end - 1; i >= e.start; i--) {
        g += dataset.rewards[i];
        this.returnsToGo[i] = g;
        this.episodeOf[i] = k;
      }
    });
  }

  /** Writes the token of step i (dataset row) into out at offset o. */
  private datasetToken(i: number, out: Float32Array, o: number): void {
    const D = this.obsDim;
    out[o] = this.returnsToGo[i] * this.config.returnScale;
    for (let j = 0; j < D; j++) out[o + 1 + j] = (this.dataset.observations[i * D + j] - this.obsMean[j]) * this.obsInvStd[j];
    const first = this.starts[this.episodeOf[i]] === i;
    this.writePrev(first ? undefined : this.dataset.action(i - 1), out, o + 1 + D);
  }

  private writePrev(a: ArrayLike<number> | undefined, out: Float32Array, o: number): void {
    const spec = this.spec;
    if (spec.kind === "discrete") out[o + (a === undefined ? spec.n : a[0] - spec.start)] = 1;
    else if (a) for (let j = 0; j < spec.dim; j++) out[o + j] = a[j];
  }

  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const K = c.contextLength;
    const F = this.tokenDim;
    const x = new Float32Array(B * K * F);
    const mask = new Float32Array(B * K);
    const spec = this.spec;
    const A = spec.kind === "discrete" ? spec.n : spec.dim;
    const target = new Float32Array(B * K * A);
    const eps = this.dataset.episodes();
    for (let b = 0; b < B; b++) {
      const i0 = this.rng.integer(this.dataset.size);
      const end = eps[this.episodeOf[i0]].end;
      const T = Math.min(K, end - i0);
      for (let t = 0; t < T; t++) {
        const i = i0 + t;
        this.datasetToken(i, x, (b * K + t) * F);
        mask[b * K + t] = 1;
        const a = this.dataset.action(i);
        if (spec.kind === "discrete") target[(b * K + t) * A + (a[0] - spec.start)] = 1;
        else target.set(a, (b * K + t) * A);
      }
    }
    return tf.tidy(() => {
      const xs = tf.tensor3d(x, [B, K, F]);
      const m = tf.tensor1d(mask);
      const y = tf.tensor2d(target, [B * K, A]);
      const { value, grads } = tf.variableGrads(() => {
        const out = tf.reshape(this.model.apply(xs), [B * K, A]);
        const per =
          spec.kind === "discrete"
            ? tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(out)), 1))
            : tf.mean(tf.square(tf.sub(tf.add(tf.mul(tf.tanh(out), tf.tensor1d(this.scale)), tf.tensor1d(this.bias)), y)), 1);
        return tf.div(tf.sum(tf.mul(per, m)), tf.sum(m)) as tf.Scalar;
      }, this.model.variables);
      this.opt.apply(this.model.variables.map((v) => grads[v.name]))?.dispose();
      return tf.stack([value]);
    });
  }

  /** Starts an episode conditioned on `targetReturn` (the `conditioned` wrapper calls this at each reset). */
  beginEpisode(targetReturn: number): void {
    if (!Number.isFinite(targetReturn)) throw new RangeError(`DecisionTransformer: targetReturn must be a finite number, got ${targetReturn}`);
    this.context = [];
    this.remaining = targetReturn;
    this.prevAction = undefined;
  }

  /** Subtracts a received reward from the remaining target (the `conditioned` wrapper calls this at each step). */
  observeReward(reward: number): void {
    this.remaining -= reward;
  }

  protected policyActions(x: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    if (k !== 1) throw new RangeError("DecisionTransformer acts on one episode at a time (k = 1); evaluate it on a single env wrapped by dt.conditioned(env, target)");
    const c = this.config;
    const F = this.tokenDim;
    const tok = new Float32Array(F);
    tok[0] = this.remaining * c.returnScale;
    tok.set(x, 1);
    this.writePrev(this.prevAction, tok, 1 + this.obsDim);
    this.context.push(tok);
    if (this.context.length > c.contextLength) this.context.shift();
    const T = this.context.length;
    const seq = new Float32Array(T * F);
    this.context.forEach((t, i) => seq.set(t, i * F));
    const spec = this.spec as ActionSpec;
    const A = spec.kind === "discrete" ? spec.n : spec.dim;
    const out = tf.tidy(() => tf.slice(tf.reshape(this.model.apply(tf.tensor3d(seq, [1, T, F])), [T, A]), [T - 1, 0], [1, A]));
    const o = out.dataSync() as Float32Array;
    out.dispose();
    if (spec.kind === "discrete") {
      let best = 0;
      if (deterministic) for (let j = 1; j < A; j++) best = o[j] > o[best] ? j : best;
      else {
        const mx = Math.max(...o);
        const p = Array.from(o, (v) => Math.exp(v - mx));
        let u = this.rng.uniform(0, p.reduce((a, b) => a + b, 0));
        while (best < A - 1 && u >= p[best]) u -= p[best++];
      }
      this.prevAction = Float32Array.of(best + spec.start);
      return Int32Array.of(best + spec.start);
    }
    const a = Float32Array.from(o, (v, j) => Math.tanh(v) * this.scale[j] + this.bias[j]);
    this.prevAction = a;
    return a;
  }

  /**
   * `env` wrapped so that each reset starts a new episode of this transformer conditioned on
   * `targetReturn`, and each step's reward is subtracted from the remaining target.
   */
  conditioned(env: Env, targetReturn: number): Env {
    return new ReturnConditioned(env, this, targetReturn);
  }

  protected parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> } {
    return { networks: {}, optimizers: { opt: this.opt } };
  }

  protected override async extraArrays(): Promise<Record<string, Float32Array>> {
    return Object.fromEntries((await this.model.getWeights()).map((w, i) => [`model/${i}`, w]));
  }

  protected override restoreExtra(read: (name: string, length?: number) => Float32Array): void {
    this.model.setWeights(this.model.variables.map((v, i) => read(`model/${i}`, v.size)));
  }

  static async load(dir: string, dataset: Dataset, env: EnvLike): Promise<DecisionTransformer> {
    const agent = new DecisionTransformer(dataset, env, (await OfflineAgent.savedConfig(dir, "DecisionTransformer")) as Partial<DTConfig>);
    await agent.restore(dir);
    return agent;
  }

  override dispose(): void {
    this.model.dispose();
    this.opt.dispose();
  }
}

/** See {@link DecisionTransformer.conditioned}. */
class ReturnConditioned extends Wrapper {
  constructor(
    env: Env,
    private readonly dt: DecisionTransformer,
    private readonly target: number,
  ) {
    super(env);
  }

  override reset(args?: ResetArgs): ResetResult<unknown> {
    this.dt.beginEpisode(this.target);
    return this.env.reset(args);
  }

  override step(action: unknown): StepResult<unknown> {
    const r = this.env.step(action);
    this.dt.observeReward(r.reward);
    return r;
  }
}
