/**
 * TD3+BC (Fujimoto & Gu 2021, "A Minimalist Approach to Offline Reinforcement Learning"): TD3
 * trained on a fixed dataset, with a behaviour-cloning term in the actor's loss:
 *
 *   critic: y = r + gamma (1 - terminal) min_i Q'_i(s', clip(pi'(s') + clip(N(0, policyNoise), -noiseClip, noiseClip)))
 *   actor (every policyFrequency updates): -lambda mean Q_1(s, pi(s)) + mean (pi(s) - a)^2,
 *           lambda = alpha / mean |Q_1(s, pi(s))| (not differentiated)
 * then Polyak targets. Observations are normalized with the dataset's mean and std.
 * Noise scales are in units of the action scale, as TD3's `max_action` multiplies them.
 *
 * Defaults are CORL's td3_bc.py (and the paper's): alpha 2.5, lr 3e-4, batch 256, gamma 0.99,
 * tau 0.005, policy noise 0.2, noise clip 0.5, policy frequency 2, [256, 256] ReLU, normalize True.
 * Box actions only.
 */
import type { Tensor } from "../nn/tf.js";
import { tf } from "../nn/tf.js";
import { Adam, MLP, mlpGrads, type Optimizer } from "../nn/index.js";
import { type ActionSpec, type ConfigCheck } from "../algos/base.js";
import type { Dataset } from "./dataset.js";
import { OfflineAgent, boxScale, type EnvLike, type OfflineConfig } from "./base.js";

export interface TD3BCConfig extends OfflineConfig {
  /** Weight of the Q term against behaviour cloning (2.5). */
  alpha: number;
  learningRate: number;
  gamma: number;
  tau: number;
  policyNoise: number;
  noiseClip: number;
  policyFrequency: number;
  netArch: number[];
  normalizeObs: boolean;
}

export const TD3BC_DEFAULTS: Readonly<TD3BCConfig> = Object.freeze({
  alpha: 2.5,
  learningRate: 3e-4,
  batchSize: 256,
  gamma: 0.99,
  tau: 0.005,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyFrequency: 2,
  netArch: [256, 256],
  normalizeObs: true,
  updatesPerIteration: 100,
  seed: undefined,
});

function validate(check: ConfigCheck, c: TD3BCConfig): void {
  check.number("alpha", { min: 0 });
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("gamma", { min: 0, max: 1 });
  check.number("tau", { min: 0, gtMin: true, max: 1 });
  check.number("policyNoise", { min: 0 });
  check.number("noiseClip", { min: 0 });
  check.number("policyFrequency", { min: 1, integer: true });
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.layers("netArch");
  check.oneOf("normalizeObs", [true, false]);
  check.number("seed", { min: 0, integer: true, optional: true });
}

export class TD3BC extends OfflineAgent<TD3BCConfig> {
  readonly actor: MLP;
  readonly actorTarget: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly actorOpt: Adam;
  readonly qOpt: Adam;
  protected readonly statNames = ["qLoss", "actorLoss", "bcLoss", "qValue"];
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly A: number;

  constructor(dataset: Dataset, env: EnvLike, config: Partial<TD3BCConfig> = {}) {
    super("TD3+BC", dataset, env, TD3BC_DEFAULTS, config, validate, ["box"], config.normalizeObs ?? TD3BC_DEFAULTS.normalizeObs);
    const c = this.config;
    const spec = this.spec as Extract<ActionSpec, { kind: "box" }>;
    ({ scale: this.scale, bias: this.bias } = boxScale(spec));
    this.A = spec.dim;
    const D = this.obsDim;
    const opts = { hidden: c.netArch, activation: "relu" as const, init: "torch" as const, rng: this.rng.split() };
    this.actor = new MLP(D, this.A, { ...opts, name: "actor" });
    this.actorTarget = new MLP(D, this.A, { ...opts, name: "actor_target" });
    this.q1 = new MLP(D + this.A, 1, { ...opts, name: "q1" });
    this.q2 = new MLP(D + this.A, 1, { ...opts, name: "q2" });
    this.q1Target = new MLP(D + this.A, 1, { ...opts, name: "q1_target" });
    this.q2Target = new MLP(D + this.A, 1, { ...opts, name: "q2_target" });
    this.actorTarget.copyFrom(this.actor);
    this.q1Target.copyFrom(this.q1);
    this.q2Target.copyFrom(this.q2);
    this.actorOpt = new Adam(this.actor.variables, { lr: c.learningRate });
    this.qOpt = new Adam([...this.q1.variables, ...this.q2.variables], { lr: c.learningRate });
  }

  private policy(out: Tensor): Tensor {
    return tf.add(tf.mul(tf.tanh(out), tf.tensor1d(this.scale)), tf.tensor1d(this.bias));
  }

  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const D = this.obsDim;
    const A = this.A;
    const b = this.sampleBatch();
    const spec = this.spec as Extract<ActionSpec, { kind: "box" }>;
    const noise = new Float32Array(B * A);
    for (let i = 0; i < noise.length; i++) {
      const s = this.scale[i % A];
      noise[i] = Math.max(-c.noiseClip * s, Math.min(c.noiseClip * s, this.rng.normal(0, c.policyNoise * s)));
    }
    const updateActor = (this.numTimesteps + 1) % c.policyFrequency === 0;
    return tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, D]);
      const next = tf.tensor2d(b.nextObs, [B, D]);
      const act = tf.tensor2d(b.actions, [B, A]);
      const lo = tf.tensor1d(Float32Array.from(spec.low));
      const hi = tf.tensor1d(Float32Array.from(spec.high));
      const a2 = tf.minimum(tf.maximum(tf.add(this.policy(this.actorTarget.apply(next)), tf.tensor2d(noise, [B, A])), lo), hi);
      const sa2 = tf.concat([next, a2], 1);
      const qn = tf.reshape(tf.minimum(this.q1Target.apply(sa2), this.q2Target.apply(sa2)), [-1]);
      const y = tf.add(tf.tensor1d(b.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(b.terminals)), c.gamma), qn));
      const sa = tf.concat([obs, act], 1);
      let qMean: Tensor | undefined;
      const qg = mlpGrads([this.q1, this.q2], [sa, sa], (o1, o2) => {
        qMean = tf.keep(tf.mean(o1));
        return tf.add(tf.mean(tf.square(tf.sub(tf.reshape(o1, [-1]), y))), tf.mean(tf.square(tf.sub(tf.reshape(o2, [-1]), y))));
      });
      this.qOpt.apply(qg.grads)?.dispose();
      let actorLoss: Tensor = tf.scalar(0);
      let bcLoss: Tensor = tf.scalar(0);
      if (updateActor) {
        ({ actorLoss, bcLoss } = this.actorStep(obs, act));
        this.actorTarget.softUpdate(this.actor, c.tau);
        this.q1Target.softUpdate(this.q1, c.tau);
        this.q2Target.softUpdate(this.q2, c.tau);
      }
      const out = tf.stack([qg.loss, actorLoss, bcLoss, qMean!]);
      qMean!.dispose();
      return out;
    });
  }

  /**
   * The actor's gradient by hand: d/dpi of [-lambda mean Q_1(s, pi) + mean (pi - a)^2] through
   * the critic's backward pass and the tanh squashing.
   */
  private actorStep(obs: Tensor, act: Tensor): { actorLoss: Tensor; bcLoss: Tensor } {
    const B = obs.shape[0]!;
    const D = this.obsDim;
    const A = this.A;
    const f = this.actor.forward(obs);
    const pi = this.policy(f.out);
    const fq = this.q1.forward(tf.concat([obs, pi], 1));
    const lambda = tf.div(this.config.alpha, tf.add(tf.mean(tf.abs(fq.out)), 1e-8));
    const dQ = this.q1.backward(fq.cache, tf.mul(tf.fill([B, 1], -1 / B), lambda), true).dx!;
    const dPi = tf.add(tf.slice(dQ, [0, D], [B, A]), tf.mul(tf.sub(pi, act), 2 / (B * A)));
    const t = tf.tanh(f.out);
    const dOut = tf.mul(tf.mul(dPi, tf.tensor1d(this.scale)), tf.sub(1, tf.square(t)));
    this.actorOpt.apply(this.actor.backward(f.cache, dOut).grads)?.dispose();
    const bcLoss = tf.mean(tf.square(tf.sub(pi, act)));
    return { actorLoss: tf.add(tf.neg(tf.mul(lambda, tf.mean(fq.out))), bcLoss), bcLoss };
  }

  protected policyActions(x: Float32Array, k: number, _deterministic: boolean): Float32Array {
    const o = this.actor.forwardHost(x, k);
    const A = this.A;
    return o.map((v, i) => Math.tanh(v) * this.scale[i % A] + this.bias[i % A]);
  }

  protected actingNets(): MLP[] {
    return [this.actor];
  }

  protected parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> } {
    return {
      networks: { actor: this.actor, actor_target: this.actorTarget, q1: this.q1, q2: this.q2, q1_target: this.q1Target, q2_target: this.q2Target },
      optimizers: { actorOpt: this.actorOpt, qOpt: this.qOpt },
    };
  }

  static async load(dir: string, dataset: Dataset, env: EnvLike): Promise<TD3BC> {
    const agent = new TD3BC(dataset, env, (await OfflineAgent.savedConfig(dir, "TD3+BC")) as Partial<TD3BCConfig>);
    await agent.restore(dir);
    return agent;
  }
}
