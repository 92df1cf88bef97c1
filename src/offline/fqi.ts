/**
 * Fitted Q-iteration (Ernst et al. 2005; Riedmiller 2005's neural FQI) with the squared loss,
 * and FQI-LOG, the same iteration with the log loss (Ayoub, Wang, Liu, Robertson, McInerney,
 * Liang, Kallus, Szepesvari 2024, "Switching the Loss Reduces the Cost in Batch Reinforcement
 * Learning", ICML). Discrete actions.
 *
 * The paper's method: costs, not rewards, and a problem whose discounted returns lie in a bounded
 * interval, [0, 1]; each iteration fits f_{k+1} = argmin_f sum_i l(f(s_i, a_i), c_i + gamma min_a'
 * f_k(s'_i, a')) over a class of functions with values in [0, 1], where l is the log loss
 * l(p, y) = -y log p - (1 - y) log(1 - p) (a Bernoulli log-likelihood with a real-valued target y in
 * [0, 1]), against l(p, y) = (p - y)^2 for FQI; acting is greedy, argmin_a f(s, a). A sigmoid output
 * keeps the network's values in [0, 1].
 *
 * Here: c = -reward must lie in [0, 1] (an env paying -1 per step and 0 at the goal, as rlbook's goal
 * tasks do, has cost 1 per step and 0 at the goal). To put the returns in [0, 1] for every horizon,
 * the per-step cost is taken as (1 - gamma) c, so the network predicts f(s, a) ~ (1 - gamma) q(s, a),
 * the normalized discounted cost-to-go (a goal d steps away: 1 - gamma^d), and iteration k + 1 fits
 *
 *   y = (1 - gamma) c + gamma (1 - terminal) min_a' f_k(s', a')          (in [0, 1] when c is)
 *
 * with f_k a frozen copy refreshed every `iterationUpdates` gradient steps (one FQI iteration:
 * the regression on the fixed targets is approximately solved by that many Adam steps, warm-
 * started from f_k), as the paper's neural-network experiments approximate the argmin.
 * - loss "squared" (FQI): f = the network's output (or its sigmoid, `squaredOutput: "sigmoid"`:
 *   FQI-LOG's function class), loss mean (f - y)^2; `clipTargets` projects y onto [0, 1];
 * - loss "log" (FQI-LOG): f = sigmoid(output), loss the binary cross-entropy with logits; its
 *   curvature near 0 is what gives the small-cost bound (fewer samples when the optimal policy
 *   reaches the goal).
 * Checked against the exact cost-to-go of a chain and the paper's goal-task comparison in
 * test/offline/fqi.test.ts.
 *
 * Defaults: the paper's networks are small MLPs trained with Adam; here lr 1e-3, batch 256,
 * [256, 256] ReLU, gamma 0.99, 500 updates per iteration (rlbook's choices, documented as such).
 */
import type { Tensor } from "../nn/tf.js";
import { tf } from "../nn/tf.js";
import { Adam, MLP, mlpGrads, type Optimizer } from "../nn/index.js";
import { type ActionSpec, type ConfigCheck } from "../algos/base.js";
import { DatasetError, type Dataset } from "./dataset.js";
import { OfflineAgent, actionIndices, argmaxActions, type EnvLike, type OfflineConfig } from "./base.js";

export interface FQIConfig extends OfflineConfig {
  /** "squared" (FQI) or "log" (FQI-LOG, costs must lie in [0, 1]). */
  loss: "squared" | "log";
  gamma: number;
  /** Adam step size. */
  learningRate: number;
  /** Gradient steps per FQI iteration (between refreshes of the frozen f_k). */
  iterationUpdates: number;
  netArch: number[];
  normalizeObs: boolean;
  /**
   * Clip every target into [0, 1], the range of the normalized cost-to-go (false; needs costs in
   * [0, 1]). A projection onto
   * the range the true values lie in, so it never moves a target away from them; it matters for the
   * squared loss only, whose unbounded outputs can leave [0, 1] (the log loss's sigmoid cannot).
   */
  clipTargets: boolean;
  /**
   * The output layer of the squared-loss FQI: "linear" (the network's output is f) or "sigmoid"
   * (f = sigmoid(output), FQI-LOG's function class with the squared loss in place of the log loss).
   * FQI-LOG always uses "sigmoid".
   */
  squaredOutput: "linear" | "sigmoid";
}

export const FQI_DEFAULTS: Readonly<FQIConfig> = Object.freeze({
  loss: "squared",
  gamma: 0.99,
  learningRate: 1e-3,
  batchSize: 256,
  iterationUpdates: 500,
  netArch: [256, 256],
  normalizeObs: true,
  clipTargets: false,
  squaredOutput: "linear",
  updatesPerIteration: 100,
  seed: undefined,
});

function validate(check: ConfigCheck, c: FQIConfig): void {
  check.oneOf("loss", ["squared", "log"]);
  check.number("gamma", { min: 0, max: 1 });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("iterationUpdates", { min: 1, integer: true });
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.layers("netArch");
  check.oneOf("normalizeObs", [true, false]);
  check.oneOf("clipTargets", [true, false]);
  check.oneOf("squaredOutput", ["linear", "sigmoid"]);
  check.number("seed", { min: 0, integer: true, optional: true });
}

export class FQI extends OfflineAgent<FQIConfig> {
  readonly q: MLP;
  readonly qFrozen: MLP;
  readonly opt: Adam;
  protected readonly statNames = ["loss", "value"];
  private readonly n: number;

  constructor(dataset: Dataset, env: EnvLike, config: Partial<FQIConfig> = {}) {
    super(config.loss === "log" ? "FQI-LOG" : "FQI", dataset, env, FQI_DEFAULTS, config, validate, ["discrete"], config.normalizeObs ?? FQI_DEFAULTS.normalizeObs);
    const c = this.config;
    const needs = c.loss === "log" ? "FQI-LOG needs" : c.squaredOutput === "sigmoid" ? 'squaredOutput "sigmoid" needs' : c.clipTargets ? "clipTargets needs" : undefined;
    if (needs) {
      for (let i = 0; i < dataset.size; i++) {
        const cost = -dataset.rewards[i];
        if (!(cost >= 0 && cost <= 1)) {
          throw new DatasetError("rewards", `row ${i} has reward ${dataset.rewards[i]}, a cost of ${cost}; ${needs} costs (-reward) in [0, 1]: use a goal task (cost 1 per step, 0 at the goal) or rescale the rewards into [-1, 0]`);
        }
      }
    }
    this.n = (this.spec as Extract<ActionSpec, { kind: "discrete" }>).n;
    const opts = { hidden: c.netArch, activation: "relu" as const, init: "torch" as const, rng: this.rng.split() };
    this.q = new MLP(this.obsDim, this.n, { ...opts, name: "fqi_q" });
    this.qFrozen = new MLP(this.obsDim, this.n, { ...opts, name: "fqi_q_frozen" });
    this.qFrozen.copyFrom(this.q);
    this.opt = new Adam(this.q.variables, { lr: c.learningRate });
  }

  /** Whether f = sigmoid(network output). */
  private get sigmoidOutput(): boolean {
    return this.config.loss === "log" || this.config.squaredOutput === "sigmoid";
  }

  /** The normalized cost-to-go f(s, .) from a network output. */
  private value(out: Tensor): Tensor {
    return this.sigmoidOutput ? tf.sigmoid(out) : out;
  }

  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const b = this.sampleBatch();
    if (this.numTimesteps > 0 && this.numTimesteps % c.iterationUpdates === 0) this.qFrozen.copyFrom(this.q);
    const spec = this.spec as Extract<ActionSpec, { kind: "discrete" }>;
    return tf.tidy(() => {
      const next = tf.tensor2d(b.nextObs, [B, this.obsDim]);
      const cost = tf.neg(tf.tensor1d(b.rewards));
      const minNext = tf.min(this.value(this.qFrozen.apply(next)), 1);
      const raw = tf.add(tf.mul(cost, 1 - c.gamma), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(b.terminals)), c.gamma), minNext));
      const y = c.clipTargets ? tf.clipByValue(raw, 0, 1) : raw;
      const mask = tf.oneHot(tf.tensor1d(actionIndices(b.actions, spec), "int32"), this.n);
      let fMean: Tensor | undefined;
      const { loss, grads } = mlpGrads([this.q], [tf.tensor2d(b.obs, [B, this.obsDim])], (out) => {
        const taken = tf.sum(tf.mul(out, mask), 1);
        if (c.loss === "squared") {
          const f = this.value(taken);
          fMean = tf.keep(tf.mean(f));
          return tf.mean(tf.square(tf.sub(f, y)));
        }
        fMean = tf.keep(tf.mean(tf.sigmoid(taken)));
        // Binary cross-entropy with logits, numerically stable: max(z, 0) - z y + log(1 + e^-|z|).
        return tf.mean(tf.add(tf.sub(tf.relu(taken), tf.mul(taken, y)), tf.log1p(tf.exp(tf.neg(tf.abs(taken))))));
      });
      this.opt.apply(grads)?.dispose();
      const out = tf.stack([loss, fMean!]);
      fMean!.dispose();
      return out;
    });
  }

  protected policyActions(x: Float32Array, k: number, _deterministic: boolean): Int32Array {
    // The sigmoid is monotone: the argmin of the logits is the argmin of f.
    return argmaxActions(this.q.forwardHost(x, k), k, this.spec as Extract<ActionSpec, { kind: "discrete" }>, true);
  }

  protected actingNets(): MLP[] {
    return [this.q];
  }

  protected parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> } {
    return { networks: { q: this.q, q_frozen: this.qFrozen }, optimizers: { opt: this.opt } };
  }

  static async load(dir: string, dataset: Dataset, env: EnvLike): Promise<FQI> {
    const cfg = (await OfflineAgent.savedConfig(dir, "FQI").catch(() => OfflineAgent.savedConfig(dir, "FQI-LOG"))) as Partial<FQIConfig>;
    const agent = new FQI(dataset, env, cfg);
    await agent.restore(dir);
    return agent;
  }
}
