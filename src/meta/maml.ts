/**
 * MAML for RL (Finn, Abbeel, Levine 2017, "Model-Agnostic Meta-Learning for Fast Adaptation of
 * Deep Networks", Algorithm 3), with a vanilla-policy-gradient inner loop and a policy-gradient
 * outer loop:
 *
 *   for each meta-iteration:
 *     sample a meta-batch of tasks T_i
 *     for each T_i: sample K episodes with pi_theta; theta_i' = theta - alpha * grad L_Ti(theta)
 *                   (REINFORCE with the linear feature baseline); sample K episodes with pi_theta_i'
 *     theta <- theta - beta * grad_theta sum_i L_Ti(theta_i')      (through theta_i'(theta))
 *
 * The outer step is the paper's when `outerOptimizer: "trpo"`: TRPO on the post-adaptation
 * surrogate (importance ratio of the adapted policies times the advantages), with the mean KL of
 * the adapted policies within `maxKl` = 0.01, conjugate gradient on Fisher-vector products taken
 * by finite differences of the KL's gradient (as the paper does, sec. 5.3: no third derivatives),
 * and rllab's backtracking line search. The default, `outerOptimizer: "adam"`, is a vanilla
 * policy-gradient outer loop (the REINFORCE surrogate's meta-gradient, one Adam step), as
 * learn2learn's `maml_vpg` example: about 4x cheaper per iteration on 2D navigation (bench/meta.ts;
 * no CG, no line search),
 * and what the tests and notebook use. With `firstOrder: true` the inner gradient is held
 * constant in the outer derivative (first-order MAML, sec. 5.2); otherwise tfjs differentiates
 * through it (the Hessian-vector term). As in the paper's code, the outer derivative flows
 * through the inner REINFORCE surrogate but not through the sampling distribution of the
 * pre-adaptation episodes (the term ProMP / DiCE add).
 *
 *   const maml = new MAML(navigation2DFamily(), { seed: 0 }, { testTasks, });
 *   await train(maml, { steps: 200 * maml.stepsPerIteration });
 *   maml.metaTest(testTasks)   // { preReturn, postReturn, tasks: [...] }
 */
import type { IterationResult } from "../algos/base.js";
import { readAgentCheckpoint } from "../algos/checkpointing.js";
import type { TaskFamily } from "../core/registry.js";
import { readTensors } from "../nn/read.js";
import { tf, type Tensor } from "../nn/tf.js";
import { adaptationRollouts, batchTensors, innerLrAt, vpgSurrogate, type BatchTensors } from "./adaptation.js";
import { GradientMetaAgent, NAVIGATION_META_SETTINGS, checkGradientMetaConfig, metaIterationResult, resolveMetaConfig, type GradientMetaConfig, type MetaTasks } from "./gradient-agent.js";
import { Learner, MetaModule } from "./learner.js";
import { finiteDifferenceHvp, trustRegionStep, type TrustRegionSettings } from "./trust-region.js";

export interface MAMLConfig extends GradientMetaConfig, TrustRegionSettings {
  /** Hold the inner gradient constant in the outer derivative (first-order MAML). */
  firstOrder: boolean;
  /** The outer step: "adam" (vanilla policy gradient, Adam at outerLr) or "trpo" (the paper's; maxKl, cgIters, ...). */
  outerOptimizer: "adam" | "trpo";
}

/**
 * MAML's 2D-navigation settings (sec. 5.3 and appendix A.2 of the paper, rllab's maml code):
 * 20 tasks x 20 episodes, alpha = 0.1 with one inner step, a 100-100 ReLU Gaussian policy. The
 * paper's outer step is TRPO with KL radius 0.01 (rllab's CG settings: 10 iterations, damping
 * 1e-5, backtracking 0.8 x 15); the default here is the cheaper VPG + Adam outer loop.
 */
export const MAML_DEFAULTS: Readonly<MAMLConfig> = Object.freeze({
  ...NAVIGATION_META_SETTINGS,
  /** Adam step on the meta-gradient (outerOptimizer "adam"). */
  outerLr: 0.01,
  firstOrder: false,
  outerOptimizer: "adam",
  /** TRPO's KL radius (the paper: 0.01). */
  maxKl: 0.01,
  cgIters: 10,
  cgDamping: 1e-5,
  backtrackRatio: 0.8,
  maxBacktracks: 15,
});

export class MAML<P> extends GradientMetaAgent<P, MAMLConfig> {
  readonly algo = "MAML";
  readonly meta: MetaModule;

  constructor(family: TaskFamily<P>, config: Partial<MAMLConfig> = {}, tasks: MetaTasks<P> = {}) {
    const c = resolveMetaConfig("MAML", MAML_DEFAULTS, config, (check, x) => {
      checkGradientMetaConfig(check, x);
      check.bool("firstOrder");
      check.oneOf("outerOptimizer", ["adam", "trpo"]);
      check.number("maxKl", { min: 0, gtMin: true });
      check.number("cgIters", { min: 1, integer: true });
      check.number("cgDamping", { min: 0 });
      check.number("backtrackRatio", { min: 0, max: 1, gtMin: true });
      check.number("maxBacktracks", { min: 1, integer: true });
    });
    super(family, c, tasks, "MAML");
    this.meta = new MetaModule(this.policy.variables);
  }

  /** Task i's parameters after the inner steps from `params` (differentiable unless firstOrder). */
  private adapted(params: readonly Tensor[], pre: readonly BatchTensors[][], i: number): readonly Tensor[] {
    const c = this.config;
    const learner = new Learner(params, { lr: innerLrAt(c.innerLr, 0), firstOrder: c.firstOrder });
    for (let s = 0; s < c.innerSteps; s++) learner.adapt(vpgSurrogate(this.policy, pre[s][i]), innerLrAt(c.innerLr, s));
    return learner.params;
  }

  protected async metaUpdate(tasks: P[]): Promise<IterationResult> {
    const policy = this.policy;
    // 1. Rollouts: pre-adaptation, then after each (numerical) inner step.
    const { batches } = await adaptationRollouts(this.family, tasks, policy, policy.host, this.adaptSettings, this.rng);
    const tensors: BatchTensors[][] = batches.map((step) => step.map((b) => batchTensors(b, policy)));
    // 2. The outer step through the adaptation.
    let outer: Record<string, number>;
    try {
      outer = this.config.outerOptimizer === "trpo" ? await this.trpoStep(tensors) : await this.adamStep(tensors);
    } finally {
      for (const step of tensors) for (const t of step) tf.dispose([t.obs, t.actions, t.advantages]);
    }
    // The curve train() draws is the post-adaptation return: what MAML maximizes.
    return metaIterationResult(batches, policy.obsDim, ["preReturn", "postReturn"], outer);
  }

  /** The VPG outer step: the REINFORCE surrogate of the post-adaptation episodes, differentiated through the adaptation, one Adam step. */
  private async adamStep(tensors: BatchTensors[][]): Promise<Record<string, number>> {
    const post = tensors[this.config.innerSteps];
    const { loss, grads } = await this.meta.metaGradients(() => tf.mean(tf.stack(post.map((t, i) => vpgSurrogate(this.policy, t)(this.adapted(this.meta.variables, tensors, i))))));
    this.optimizer.apply(grads);
    tf.dispose(grads);
    return { outerLoss: loss };
  }

  /**
   * The TRPO outer step (see the module comment): minimize the mean over tasks of
   * -mean(pi_theta_i'(a|s) / pi_old_i'(a|s) * A) on the post-adaptation episodes subject to the
   * mean KL(pi_old_i' || pi_theta_i') <= maxKl, where theta_i' is task i's adaptation of theta.
   */
  private async trpoStep(tensors: BatchTensors[][]): Promise<Record<string, number>> {
    const c = this.config;
    const policy = this.policy;
    const post = tensors[c.innerSteps];
    const vars = policy.variables;
    const theta = new Float64Array(vars.reduce((a, v) => a + v.size, 0));
    let o = 0;
    for (const h of policy.host) {
      theta.set(h, o);
      o += h.length;
    }
    const unflatten = (flat: Float64Array): Tensor[] => {
      let at = 0;
      return vars.map((v) => {
        const t = tf.tensor(Float32Array.from(flat.subarray(at, at + v.size)), v.shape);
        at += v.size;
        return t;
      });
    };
    // The old adapted policies on the post-adaptation episodes (constants).
    const old = tf.tidy(() =>
      post.map((t, i) => {
        const p = this.adapted(vars, tensors, i);
        return { mean: policy.mean(p, t.obs), logStd: tf.clone(p[p.length - 1]), logp: policy.logProb(p, t.obs, t.actions) };
      }),
    );
    const surrogate = (params: readonly Tensor[]) =>
      tf.mean(tf.stack(post.map((t, i) => tf.neg(tf.mean(tf.mul(tf.exp(tf.sub(policy.logProb(this.adapted(params, tensors, i), t.obs, t.actions), old[i].logp)), t.advantages))))));
    const meanKl = (params: readonly Tensor[]) => tf.mean(tf.stack(post.map((t, i) => policy.meanKl(this.adapted(params, tensors, i), t.obs, old[i].mean, old[i].logStd))));
    // Value and gradient of f at flat params, read with one await.
    const valueAndGrad = async (f: (p: readonly Tensor[]) => Tensor, flat: Float64Array): Promise<{ value: number; grad: Float64Array }> => {
      const out = tf.tidy(() => {
        const ps = unflatten(flat);
        const { value, grads } = tf.valueAndGrads((...p: Tensor[]) => f(p) as tf.Scalar)(ps);
        return tf.concat([tf.reshape(value, [1]), ...grads.map((g) => tf.reshape(g, [-1]))]);
      });
      const [a] = await readTensors([out], { dispose: true });
      return { value: a[0], grad: Float64Array.from(a.subarray(1)) };
    };
    try {
      const { value: lossBefore, grad } = await valueAndGrad(surrogate, theta);
      const klGrad = async (flat: Float64Array) => (await valueAndGrad(meanKl, flat)).grad;
      const g0 = await klGrad(theta);
      const evaluate = async (flat: Float64Array) => {
        const out = tf.tidy(() => {
          const ps = unflatten(flat);
          return tf.stack([surrogate(ps), meanKl(ps)]);
        });
        const [a] = await readTensors([out], { dispose: true });
        return { loss: a[0], kl: a[1] };
      };
      const step = await trustRegionStep(theta, grad, lossBefore, (v) => finiteDifferenceHvp(klGrad, theta, g0, v), evaluate, c);
      if (step.stepFraction > 0) {
        const news = unflatten(step.params);
        vars.forEach((v, i) => v.assign(news[i]));
        tf.dispose(news);
      }
      return { outerLoss: lossBefore, outerLossAfter: step.lossAfter, outerKl: step.kl, stepFraction: step.stepFraction };
    } finally {
      for (const x of old) tf.dispose([x.mean, x.logStd, x.logp]);
    }
  }

  /** Loads a MAML agent saved with `save` (give the same family and task split). */
  static async load<P>(dir: string, family: TaskFamily<P>, tasks: MetaTasks<P> = {}): Promise<MAML<P>> {
    const ck = await readAgentCheckpoint(dir, "MAML");
    const agent = new MAML(family, ck.config as Partial<MAMLConfig>, tasks);
    agent.restore(dir, ck);
    return agent;
  }
}
