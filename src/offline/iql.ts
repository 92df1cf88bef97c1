/**
 * Implicit Q-Learning (Kostrikov, Nair & Levine 2022, "Offline Reinforcement Learning with
 * Implicit Q-Learning"): never queries actions outside the dataset.
 *
 *   V:     expectile regression on the target critics, L = mean |tau - 1(u < 0)| u^2,
 *          u = min_i Q'_i(s, a) - V(s)
 *   Q_i:   mean (Q_i(s, a) - (r + gamma (1 - terminal) V(s')))^2, averaged over the two critics
 *   actor: advantage-weighted regression, weights exp(beta (min_i Q'_i(s, a) - V(s))) capped at
 *          100, times -log pi(a | s) ("gaussian") or ||pi(s) - a||^2 ("deterministic")
 * then Polyak target critics.
 *
 * Defaults are the paper's Gym-MuJoCo settings as CORL's iql.py runs them: expectile 0.7, beta
 * 3.0, gamma 0.99, tau 0.005, lr 3e-4 (all three networks), batch 256, [256, 256] ReLU, states
 * normalized, rewards normalized (divided by the spread of the dataset's episode returns and
 * multiplied by the episode length, the paper's Appendix B: beta 3 is meant for rewards on that
 * scale), Gaussian actor with a tanh-squashed mean and a free, state-independent log std clipped to
 * [-20, 2] (CORL's GaussianPolicy). Difference: CORL's actor lr follows a cosine schedule; here it
 * is fixed. Box actions only.
 */
import type { Tensor, Variable } from "../nn/tf.js";
import { tf } from "../nn/tf.js";
import { Adam, MLP, mlpGrads, type Optimizer } from "../nn/index.js";
import { type ActionSpec, type ConfigCheck } from "../algos/base.js";
import type { Dataset } from "./dataset.js";
import { OfflineAgent, boxScale, returnRangeScale, type EnvLike, type OfflineConfig } from "./base.js";

export interface IQLConfig extends OfflineConfig {
  /** Expectile of the value regression (CORL iql_tau 0.7). */
  expectile: number;
  /** Inverse temperature of the advantage weights (3.0). */
  beta: number;
  /** Largest advantage weight (CORL EXP_ADV_MAX 100). */
  maxWeight: number;
  gamma: number;
  tau: number;
  learningRate: number;
  /** "gaussian" (CORL's default) or "deterministic". */
  policy: "gaussian" | "deterministic";
  netArch: number[];
  normalizeObs: boolean;
  /** Scale rewards so the dataset's episode returns span one episode length (the paper's locomotion setting; true). */
  normalizeReward: boolean;
}

export const IQL_DEFAULTS: Readonly<IQLConfig> = Object.freeze({
  expectile: 0.7,
  beta: 3.0,
  maxWeight: 100,
  gamma: 0.99,
  tau: 0.005,
  learningRate: 3e-4,
  batchSize: 256,
  policy: "gaussian",
  netArch: [256, 256],
  normalizeObs: true,
  normalizeReward: true,
  updatesPerIteration: 100,
  seed: undefined,
});

function validate(check: ConfigCheck, c: IQLConfig): void {
  check.number("expectile", { min: 0, gtMin: true, max: 1 });
  check.number("beta", { min: 0 });
  check.number("maxWeight", { min: 0, gtMin: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("tau", { min: 0, gtMin: true, max: 1 });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.oneOf("policy", ["gaussian", "deterministic"]);
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.layers("netArch");
  check.oneOf("normalizeObs", [true, false]);
  check.oneOf("normalizeReward", [true, false]);
  check.number("seed", { min: 0, integer: true, optional: true });
}

const LOG_STD_MIN = -20;
const LOG_STD_MAX = 2;

export class IQL extends OfflineAgent<IQLConfig> {
  readonly v: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly actor: MLP;
  /** The Gaussian actor's log std, one per action dimension (state-independent, as CORL's). */
  readonly logStd: Variable;
  /** Host copy of the clipped log std (refreshed with the actor's weights). */
  private hostLogStd: Float32Array;
  readonly vOpt: Adam;
  readonly qOpt: Adam;
  readonly actorOpt: Adam;
  protected readonly statNames = ["vLoss", "qLoss", "actorLoss", "advantage"];
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly A: number;

  constructor(dataset: Dataset, env: EnvLike, config: Partial<IQLConfig> = {}) {
    super("IQL", dataset, env, IQL_DEFAULTS, config, validate, ["box"], config.normalizeObs ?? IQL_DEFAULTS.normalizeObs);
    const c = this.config;
    ({ scale: this.scale, bias: this.bias } = boxScale(this.spec as Extract<ActionSpec, { kind: "box" }>));
    this.A = this.scale.length;
    const D = this.obsDim;
    const opts = { hidden: c.netArch, activation: "relu" as const, init: "torch" as const, rng: this.rng.split() };
    this.v = new MLP(D, 1, { ...opts, name: "v" });
    this.q1 = new MLP(D + this.A, 1, { ...opts, name: "q1" });
    this.q2 = new MLP(D + this.A, 1, { ...opts, name: "q2" });
    this.q1Target = new MLP(D + this.A, 1, { ...opts, name: "q1_target" });
    this.q2Target = new MLP(D + this.A, 1, { ...opts, name: "q2_target" });
    this.q1Target.copyFrom(this.q1);
    this.q2Target.copyFrom(this.q2);
    this.actor = new MLP(D, this.A, { ...opts, name: "actor" });
    this.logStd = tf.tidy(() => tf.variable(tf.zeros([this.A]), true));
    this.hostLogStd = new Float32Array(this.A);
    this.vOpt = new Adam(this.v.variables, { lr: c.learningRate });
    this.qOpt = new Adam([...this.q1.variables, ...this.q2.variables], { lr: c.learningRate });
    this.actorOpt = new Adam(c.policy === "gaussian" ? [...this.actor.variables, this.logStd] : this.actor.variables, { lr: c.learningRate });
    if (c.normalizeReward) this.rewardScale = returnRangeScale(dataset, "IQL");
  }

  private mean(out: Tensor): Tensor {
    return tf.add(tf.mul(tf.tanh(out), tf.tensor1d(this.scale)), tf.tensor1d(this.bias));
  }

  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const D = this.obsDim;
    const A = this.A;
    const b = this.sampleBatch();
    return tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, D]);
      const act = tf.tensor2d(b.actions, [B, A]);
      const sa = tf.concat([obs, act], 1);
      const qT = tf.reshape(tf.minimum(this.q1Target.apply(sa), this.q2Target.apply(sa)), [-1]);
      // As CORL: V(s') for the critics' targets is read before V's update.
      const vNext = tf.reshape(this.v.apply(tf.tensor2d(b.nextObs, [B, D])), [-1]);
      // Value: expectile regression toward the target critics.
      let adv: Tensor | undefined;
      const vg = mlpGrads([this.v], [obs], (vOut) => {
        const u = tf.sub(qT, tf.reshape(vOut, [-1]));
        adv = tf.keep(u);
        // |tau - 1(u < 0)| = tau + (1 - 2 tau) step(-u) (tf.step has a zero gradient; a comparison has none).
        const w = tf.add(c.expectile, tf.mul(1 - 2 * c.expectile, tf.step(tf.neg(u))));
        return tf.mean(tf.mul(w, tf.square(u)));
      });
      this.vOpt.apply(vg.grads)?.dispose();
      // Critics: toward r + gamma V(s').
      const y = tf.add(tf.tensor1d(b.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(b.terminals)), c.gamma), vNext));
      const qg = mlpGrads([this.q1, this.q2], [sa, sa], (o1, o2) =>
        tf.div(tf.add(tf.mean(tf.square(tf.sub(tf.reshape(o1, [-1]), y))), tf.mean(tf.square(tf.sub(tf.reshape(o2, [-1]), y)))), 2),
      );
      this.qOpt.apply(qg.grads)?.dispose();
      // Actor: advantage-weighted regression.
      const weights = tf.minimum(tf.exp(tf.mul(adv!, c.beta)), c.maxWeight);
      const head = (out: Tensor, logStdVar?: Tensor) => {
        const mu = this.mean(out);
        if (!logStdVar) return tf.mean(tf.mul(weights, tf.sum(tf.square(tf.sub(mu, act)), 1)));
        const logStd = tf.clipByValue(logStdVar, LOG_STD_MIN, LOG_STD_MAX);
        const z = tf.div(tf.sub(act, mu), tf.exp(logStd));
        const nll = tf.sum(tf.add(tf.mul(0.5, tf.square(z)), tf.add(logStd, 0.5 * Math.log(2 * Math.PI))), 1);
        return tf.mean(tf.mul(weights, nll));
      };
      const ag = c.policy === "gaussian" ? mlpGrads([this.actor], [obs], head, [this.logStd]) : mlpGrads([this.actor], [obs], (out) => head(out));
      this.actorOpt.apply(ag.grads)?.dispose();
      this.q1Target.softUpdate(this.q1, c.tau);
      this.q2Target.softUpdate(this.q2, c.tau);
      const out = tf.stack([vg.loss, qg.loss, ag.loss, tf.mean(adv!)]);
      adv!.dispose();
      return out;
    });
  }

  protected policyActions(x: Float32Array, k: number, deterministic: boolean): Float32Array {
    const A = this.A;
    const spec = this.spec as Extract<ActionSpec, { kind: "box" }>;
    const o = this.actor.forwardHost(x, k);
    const a = new Float32Array(k * A);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < A; j++) {
        let v = Math.tanh(o[i * A + j]) * this.scale[j] + this.bias[j];
        if (!deterministic && this.config.policy === "gaussian") v = Math.min(spec.high[j], Math.max(spec.low[j], v + Math.exp(this.hostLogStd[j]) * this.rng.normal(0, 1)));
        a[i * A + j] = v;
      }
    }
    return a;
  }

  protected actingNets(): MLP[] {
    return [this.actor];
  }

  protected override actingExtra(): Tensor[] {
    return [this.logStd];
  }

  protected override setActingExtra([logStd]: Float32Array[]): void {
    this.hostLogStd = logStd.map((v) => Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, v)));
  }

  protected parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> } {
    return {
      networks: { v: this.v, q1: this.q1, q2: this.q2, q1_target: this.q1Target, q2_target: this.q2Target, actor: this.actor },
      optimizers: { vOpt: this.vOpt, qOpt: this.qOpt, actorOpt: this.actorOpt },
    };
  }

  protected override async extraArrays(): Promise<Record<string, Float32Array>> {
    return { logStd: Float32Array.from((await this.logStd.data()) as Float32Array) };
  }

  protected override restoreExtra(read: (name: string, length?: number) => Float32Array): void {
    const v = read("logStd", this.A);
    tf.tidy(() => this.logStd.assign(tf.tensor1d(v)));
    this.hostLogStd = v.map((x) => Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, x)));
  }

  override dispose(): void {
    super.dispose();
    this.logStd.dispose();
  }

  static async load(dir: string, dataset: Dataset, env: EnvLike): Promise<IQL> {
    const agent = new IQL(dataset, env, (await OfflineAgent.savedConfig(dir, "IQL")) as Partial<IQLConfig>);
    await agent.restore(dir);
    return agent;
  }
}
