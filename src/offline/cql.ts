/**
 * Conservative Q-Learning for discrete actions (Kumar, Zhou, Tucker & Levine 2020, "Conservative
 * Q-Learning for Offline Reinforcement Learning", CQL(H) on a DQN): the TD loss plus a penalty
 * that pushes down the values of all actions (soft maximum) and up the values of the dataset's:
 *
 *   loss = 0.5 mean (Q(s, a) - y)^2 + alpha mean [logsumexp_a' Q(s, a') - Q(s, a)]
 *   y    = r + gamma (1 - terminal) max_a' Q'(s', a')        (Q' a target copy)
 *
 * with the target copied every `targetUpdateInterval` updates. Acting is greedy.
 *
 * Defaults are d3rlpy's DiscreteCQLConfig: lr 6.25e-5, batch 32, gamma 0.99, target update
 * interval 8000, alpha 1.0 (its Q loss is the Huber loss of DQN; here the squared loss, as in
 * the CQL paper's equation). Networks: [256, 256] ReLU (d3rlpy's default encoder for vectors).
 */
import type { Tensor } from "../nn/tf.js";
import { tf } from "../nn/tf.js";
import { Adam, MLP, mlpGrads, type Optimizer } from "../nn/index.js";
import { type ActionSpec, type ConfigCheck } from "../algos/base.js";
import type { Dataset } from "./dataset.js";
import { OfflineAgent, actionIndices, argmaxActions, type EnvLike, type OfflineConfig } from "./base.js";

export interface CQLConfig extends OfflineConfig {
  /** Weight of the conservative penalty (d3rlpy alpha 1.0). */
  alpha: number;
  gamma: number;
  learningRate: number;
  /** Updates between target copies (d3rlpy 8000). */
  targetUpdateInterval: number;
  netArch: number[];
  normalizeObs: boolean;
}

export const CQL_DEFAULTS: Readonly<CQLConfig> = Object.freeze({
  alpha: 1.0,
  gamma: 0.99,
  learningRate: 6.25e-5,
  batchSize: 32,
  targetUpdateInterval: 8000,
  netArch: [256, 256],
  normalizeObs: false,
  updatesPerIteration: 100,
  seed: undefined,
});

function validate(check: ConfigCheck, c: CQLConfig): void {
  check.number("alpha", { min: 0 });
  check.number("gamma", { min: 0, max: 1 });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("targetUpdateInterval", { min: 1, integer: true });
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.layers("netArch");
  check.oneOf("normalizeObs", [true, false]);
  check.number("seed", { min: 0, integer: true, optional: true });
}

export class CQL extends OfflineAgent<CQLConfig> {
  readonly q: MLP;
  readonly qTarget: MLP;
  readonly opt: Adam;
  protected readonly statNames = ["tdLoss", "cqlPenalty", "qValue"];
  private readonly n: number;

  constructor(dataset: Dataset, env: EnvLike, config: Partial<CQLConfig> = {}) {
    super("CQL", dataset, env, CQL_DEFAULTS, config, validate, ["discrete"], config.normalizeObs ?? CQL_DEFAULTS.normalizeObs);
    const c = this.config;
    this.n = (this.spec as Extract<ActionSpec, { kind: "discrete" }>).n;
    const opts = { hidden: c.netArch, activation: "relu" as const, init: "torch" as const, rng: this.rng.split() };
    this.q = new MLP(this.obsDim, this.n, { ...opts, name: "cql_q" });
    this.qTarget = new MLP(this.obsDim, this.n, { ...opts, name: "cql_q_target" });
    this.qTarget.copyFrom(this.q);
    this.opt = new Adam(this.q.variables, { lr: c.learningRate });
  }

  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const b = this.sampleBatch();
    if (this.numTimesteps > 0 && this.numTimesteps % c.targetUpdateInterval === 0) this.qTarget.copyFrom(this.q);
    const spec = this.spec as Extract<ActionSpec, { kind: "discrete" }>;
    return tf.tidy(() => {
      const maxNext = tf.max(this.qTarget.apply(tf.tensor2d(b.nextObs, [B, this.obsDim])), 1);
      const y = tf.add(tf.tensor1d(b.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(b.terminals)), c.gamma), maxNext));
      const mask = tf.oneHot(tf.tensor1d(actionIndices(b.actions, spec), "int32"), this.n);
      let td: Tensor | undefined;
      let pen: Tensor | undefined;
      let qm: Tensor | undefined;
      const { grads } = mlpGrads([this.q], [tf.tensor2d(b.obs, [B, this.obsDim])], (out) => {
        const taken = tf.sum(tf.mul(out, mask), 1);
        td = tf.keep(tf.mul(0.5, tf.mean(tf.square(tf.sub(taken, y)))));
        pen = tf.keep(tf.mean(tf.sub(tf.logSumExp(out, 1), taken)));
        qm = tf.keep(tf.mean(taken));
        return tf.add(td, tf.mul(c.alpha, pen));
      });
      this.opt.apply(grads)?.dispose();
      const out = tf.stack([td!, pen!, qm!]);
      tf.dispose([td!, pen!, qm!]);
      return out;
    });
  }

  protected policyActions(x: Float32Array, k: number, _deterministic: boolean): Int32Array {
    return argmaxActions(this.q.forwardHost(x, k), k, this.spec as Extract<ActionSpec, { kind: "discrete" }>);
  }

  protected actingNets(): MLP[] {
    return [this.q];
  }

  protected parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> } {
    return { networks: { q: this.q, q_target: this.qTarget }, optimizers: { opt: this.opt } };
  }

  static async load(dir: string, dataset: Dataset, env: EnvLike): Promise<CQL> {
    const agent = new CQL(dataset, env, (await OfflineAgent.savedConfig(dir, "CQL")) as Partial<CQLConfig>);
    await agent.restore(dir);
    return agent;
  }
}
