/**
 * Fitted Q-iteration (Ernst et al. 2005; Riedmiller 2005's neural FQI) with the squared loss,
 * and FQI-LOG, the same iteration with the log loss (Ayoub, Wang, Liu, Robertson, McInerney,
 * Liang, Kallus, Szepesvari 2024, "Switching the Loss Reduces the Cost in Batch Reinforcement
 * Learning", ICML). Discrete actions.
 *
 * Costs, not rewards: the paper minimizes cost c(s, a) in [0, 1]; here c = -reward (so an env
 * paying -1 per step and 0 at the goal, such as rlbook's goal tasks, has cost 1 per step and 0 at
 * the goal). Values are kept on the [0, 1] scale of a probability: the network predicts
 * f(s, a) ~ (1 - gamma) q(s, a), the normalized discounted cost-to-go, and iteration k + 1 fits
 *
 *   y = (1 - gamma) c + gamma (1 - terminal) min_a' f_k(s', a')          (in [0, 1] when c is)
 *
 * with f_k a frozen copy refreshed every `iterationUpdates` gradient steps (one FQI iteration:
 * the regression on the fixed targets is approximately solved by that many Adam steps, warm-
 * started from f_k).
 * - loss "squared" (FQI): f = the network's output, loss mean (f - y)^2;
 * - loss "log" (FQI-LOG): f = sigmoid(output), loss the binary cross-entropy
 *   -[y log f + (1 - y) log(1 - f)], which the paper calls the log loss; its curvature near 0 is
 *   what gives the small-cost bound (fewer samples when the optimal policy reaches the goal).
 * Acting is greedy: argmin_a f(s, a).
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
   * Clip every target into [0, 1], the range of the normalized cost-to-go (true). A projection onto
   * the range the true values lie in, so it never moves a target away from them; it matters for the
   * squared loss only, whose unbounded outputs can leave [0, 1] (the log loss's sigmoid cannot).
   */
  clipTargets: boolean;
}

export const FQI_DEFAULTS: Readonly<FQIConfig> = Object.freeze({
  loss: "squared",
  gamma: 0.99,
  learningRate: 1e-3,
  batchSize: 256,
  iterationUpdates: 500,
  netArch: [256, 256],
  normalizeObs: true,
  clipTargets: true,
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
    if (c.loss === "log") {
      for (let i = 0; i < dataset.size; i++) {
        const cost = -dataset.rewards[i];
        if (!(cost >= 0 && cost <= 1)) {
          throw new DatasetError("rewards", `row ${i} has reward ${dataset.rewards[i]}, a cost of ${cost}; FQI-LOG needs costs (-reward) in [0, 1]: use a goal task (cost 1 per step, 0 at the goal) or rescale the rewards into [-1, 0]`);
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

  /** The normalized cost-to-go f(s, .) from a network output. */
  private value(out: Tensor): Tensor {
    return this.config.loss === "log" ? tf.sigmoid(out) : out;
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
          fMean = tf.keep(tf.mean(taken));
          return tf.mean(tf.square(tf.sub(taken, y)));
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
    // The sigmoid of FQI-LOG is monotone: the argmin of the logits is the argmin of f.
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
