/**
 * Behaviour cloning: supervised learning of the dataset's actions from its observations.
 *
 * - Box actions, policy "deterministic": pi(s) = tanh(f(s)) * scale + bias, loss
 *   mean ||pi(s) - a||^2 (CORL's any_percent_bc.py; d3rlpy's BC with policy_type "deterministic").
 * - Box actions, policy "gaussian": f(s) = [mu, log_std] with log_std clipped to [-5, 2], loss
 *   the negative log-likelihood of a under N(mu, std) (d3rlpy's BC with policy_type "stochastic"
 *   fits a Gaussian by likelihood); acting samples, or takes the clipped mean when deterministic.
 * - Discrete actions: logits, cross-entropy (d3rlpy's DiscreteBC); greedy is the argmax.
 *
 * Defaults follow CORL's any_percent_bc.py: Adam lr 3e-4, batch 256, two hidden layers of 256.
 */
import type { Tensor } from "../nn/tf.js";
import { tf } from "../nn/tf.js";
import { Adam, MLP, mlpGrads, type Optimizer } from "../nn/index.js";
import { ConfigError, type ActionSpec, type ConfigCheck } from "../algos/base.js";
import type { Dataset } from "./dataset.js";
import { OfflineAgent, actionIndices, argmaxActions, boxScale, type EnvLike, type OfflineConfig } from "./base.js";

export interface BCConfig extends OfflineConfig {
  /** "deterministic" (MSE to the actions) or "gaussian" (likelihood); Box actions only. Discrete actions always use a categorical policy. */
  policy: "deterministic" | "gaussian";
  /** Adam step size (CORL 3e-4). */
  learningRate: number;
  /** Hidden layers (CORL [256, 256]), ReLU. */
  netArch: number[];
  /** Normalize observations with the dataset's mean and std (CORL normalize=True). */
  normalizeObs: boolean;
}

export const BC_DEFAULTS: Readonly<BCConfig> = Object.freeze({
  policy: "deterministic",
  learningRate: 3e-4,
  batchSize: 256,
  netArch: [256, 256],
  normalizeObs: true,
  updatesPerIteration: 100,
  seed: undefined,
});

function validate(check: ConfigCheck, c: BCConfig): void {
  check.oneOf("policy", ["deterministic", "gaussian"]);
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.layers("netArch");
  check.oneOf("normalizeObs", [true, false]);
  check.number("seed", { min: 0, integer: true, optional: true });
}

const LOG_STD_MIN = -5;
const LOG_STD_MAX = 2;

export class BC extends OfflineAgent<BCConfig> {
  readonly net: MLP;
  readonly opt: Adam;
  protected readonly statNames = ["loss"];
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;

  constructor(dataset: Dataset, env: EnvLike, config: Partial<BCConfig> = {}) {
    super("BC", dataset, env, BC_DEFAULTS, config, validate, ["discrete", "box"], config.normalizeObs ?? BC_DEFAULTS.normalizeObs);
    const c = this.config;
    if (this.spec.kind === "discrete" && c.policy === "gaussian") throw new ConfigError("BC", "policy", c.policy, `"deterministic" for Discrete actions (a categorical policy is used)`);
    const out = this.spec.kind === "discrete" ? this.spec.n : c.policy === "gaussian" ? 2 * this.spec.dim : this.spec.dim;
    ({ scale: this.scale, bias: this.bias } = this.spec.kind === "box" ? boxScale(this.spec) : { scale: new Float32Array(0), bias: new Float32Array(0) });
    this.net = new MLP(this.obsDim, out, { hidden: c.netArch, activation: "relu", init: "torch", rng: this.rng.split(), name: "bc_policy" });
    this.opt = new Adam(this.net.variables, { lr: c.learningRate });
  }

  protected update(): Tensor {
    const b = this.sampleBatch();
    const B = this.config.batchSize;
    return tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, this.obsDim]);
      const { loss, grads } = mlpGrads([this.net], [obs], (out) => this.loss(out, b.actions, B));
      this.opt.apply(grads)?.dispose();
      return tf.stack([loss]);
    });
  }

  private loss(out: Tensor, actions: Float32Array, B: number): Tensor {
    const spec = this.spec;
    if (spec.kind === "discrete") {
      const labels = tf.oneHot(tf.tensor1d(actionIndices(actions, spec), "int32"), spec.n);
      return tf.losses.softmaxCrossEntropy(labels, out);
    }
    const A = spec.dim;
    const a = tf.tensor2d(actions, [B, A]);
    if (this.config.policy === "deterministic") return tf.mean(tf.square(tf.sub(this.squash(out), a)));
    const mu = this.squash(tf.slice(out, [0, 0], [B, A]));
    const logStd = tf.clipByValue(tf.slice(out, [0, A], [B, A]), LOG_STD_MIN, LOG_STD_MAX);
    // -log N(a; mu, std) up to the constant 0.5 log(2 pi) per dimension.
    const z = tf.div(tf.sub(a, mu), tf.exp(logStd));
    return tf.mean(tf.sum(tf.add(tf.mul(0.5, tf.square(z)), logStd), 1));
  }

  private squash(out: Tensor): Tensor {
    return tf.add(tf.mul(tf.tanh(out), tf.tensor1d(this.scale)), tf.tensor1d(this.bias));
  }

  protected policyActions(x: Float32Array, k: number, deterministic: boolean): Float32Array | Int32Array {
    const spec = this.spec as ActionSpec;
    const o = this.net.forwardHost(x, k);
    if (spec.kind === "discrete") {
      if (deterministic) return argmaxActions(o, k, spec);
      const n = spec.n;
      const a = new Int32Array(k);
      for (let i = 0; i < k; i++) {
        // Softmax sampling of row i's logits.
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, o[i * n + j]);
        let z = 0;
        for (let j = 0; j < n; j++) z += Math.exp(o[i * n + j] - mx);
        let u = this.rng.uniform(0, 1) * z;
        let j = 0;
        while (j < n - 1 && u >= Math.exp(o[i * n + j] - mx)) u -= Math.exp(o[i * n + j++] - mx);
        a[i] = j + spec.start;
      }
      return a;
    }
    const A = spec.dim;
    const stride = this.config.policy === "gaussian" ? 2 * A : A;
    const a = new Float32Array(k * A);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < A; j++) {
        let v = Math.tanh(o[i * stride + j]) * this.scale[j] + this.bias[j];
        if (!deterministic && this.config.policy === "gaussian") {
          const ls = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, o[i * stride + A + j]));
          v = Math.min(spec.high[j], Math.max(spec.low[j], v + Math.exp(ls) * this.rng.normal(0, 1)));
        }
        a[i * A + j] = v;
      }
    }
    return a;
  }

  protected actingNets(): MLP[] {
    return [this.net];
  }

  protected parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> } {
    return { networks: { policy: this.net }, optimizers: { opt: this.opt } };
  }

  /** Loads a checkpoint written by `save` (the dataset supplies the normalization's shape; its statistics come from the checkpoint). */
  static async load(dir: string, dataset: Dataset, env: EnvLike): Promise<BC> {
    const agent = new BC(dataset, env, (await OfflineAgent.savedConfig(dir, "BC")) as Partial<BCConfig>);
    await agent.restore(dir);
    return agent;
  }
}
