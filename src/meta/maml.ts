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
 * The paper's outer step is TRPO; here it is a vanilla policy-gradient (REINFORCE surrogate)
 * step with Adam, as learn2learn's `maml_vpg` example and many reimplementations do: simpler,
 * and the meta-gradient is the same quantity TRPO would precondition. With `firstOrder: true`
 * the inner gradient is held constant in the outer derivative (first-order MAML, sec. 5.2);
 * otherwise tfjs differentiates through it (the Hessian-vector term). As in the paper's code,
 * the outer derivative flows through the inner REINFORCE surrogate but not through the
 * sampling distribution of the pre-adaptation episodes (the term ProMP / DiCE add).
 *
 *   const maml = new MAML(navigation2DFamily(), { seed: 0 }, { testTasks, });
 *   await train(maml, { steps: 200 * maml.stepsPerIteration });
 *   maml.metaTest(testTasks)   // { preReturn, postReturn, tasks: [...] }
 */
import type { IterationResult } from "../algos/base.js";
import { readAgentCheckpoint } from "../algos/checkpointing.js";
import type { TaskFamily } from "../core/registry.js";
import { tf } from "../nn/tf.js";
import { adaptationRollouts, batchTensors, innerLrAt, meanOf, vpgSurrogate, type BatchTensors } from "./adaptation.js";
import { GradientMetaAgent, checkGradientMetaConfig, resolveMetaConfig, type GradientMetaConfig, type MetaTasks } from "./gradient-agent.js";
import { MetaModule } from "./learner.js";

export interface MAMLConfig extends GradientMetaConfig {
  /** Hold the inner gradient constant in the outer derivative (first-order MAML). */
  firstOrder: boolean;
}

/** MAML's 2D-navigation settings (sec. 5.3 and appendix A.2 of the paper, rllab's maml code). */
export const MAML_DEFAULTS: Readonly<MAMLConfig> = Object.freeze({
  /** 20 tasks per meta-batch (2D navigation). */
  metaBatchSize: 20,
  /** K = 20 trajectories per task and gradient step. */
  episodesPerTask: 20,
  /** alpha = 0.1, one inner step. */
  innerLr: 0.1,
  innerSteps: 1,
  /** rllab's discount. */
  gamma: 0.99,
  /** Two hidden layers of 100 ReLU units. */
  netArch: [100, 100],
  activation: "relu",
  /** rllab GaussianMLPPolicy's init_std. */
  initStd: 1,
  /** Adam step on the meta-gradient (the paper: TRPO with KL step 0.01). */
  outerLr: 0.01,
  firstOrder: false,
  testEvery: 0,
  seed: undefined,
});

export class MAML<P> extends GradientMetaAgent<P, MAMLConfig> {
  readonly algo = "MAML";
  readonly meta: MetaModule;

  constructor(family: TaskFamily<P>, config: Partial<MAMLConfig> = {}, tasks: MetaTasks<P> = {}) {
    const c = resolveMetaConfig("MAML", MAML_DEFAULTS, config, (check, x) => {
      checkGradientMetaConfig(check, x);
      check.bool("firstOrder");
    });
    super(family, c, tasks, "MAML");
    this.meta = new MetaModule(this.policy.variables);
  }

  protected async metaUpdate(tasks: P[]): Promise<IterationResult> {
    const c = this.config;
    const policy = this.policy;
    // 1. Rollouts: pre-adaptation, then after each (numerical) inner step.
    const { batches } = await adaptationRollouts(this.family, tasks, policy, policy.host, this.adaptSettings, this.rng);
    const tensors: BatchTensors[][] = batches.map((step) => step.map((b) => batchTensors(b, policy)));
    // 2. The outer loss through the adaptation, differentiated with respect to theta.
    let outerLoss: number;
    try {
      const { loss, grads } = await this.meta.metaGradients(() => {
        const losses = tasks.map((_, i) => {
          const learner = this.meta.clone({ lr: innerLrAt(c.innerLr, 0), firstOrder: c.firstOrder });
          for (let s = 0; s < c.innerSteps; s++) learner.adapt(vpgSurrogate(policy, tensors[s][i]), innerLrAt(c.innerLr, s));
          return vpgSurrogate(policy, tensors[c.innerSteps][i])(learner.params);
        });
        return tf.mean(tf.stack(losses));
      });
      this.optimizer.apply(grads);
      tf.dispose(grads);
      outerLoss = loss;
    } finally {
      for (const step of tensors) for (const t of step) tf.dispose([t.obs, t.actions, t.advantages]);
    }
    const pre = batches[0];
    const post = batches[batches.length - 1];
    const steps = batches.reduce((a, step) => a + step.reduce((b, x) => b + x.n, 0), 0);
    return {
      steps,
      // The curve train() draws is the post-adaptation return: what MAML maximizes.
      episodes: post.flatMap((b) => b.returns.map((r, k) => ({ return: r, length: b.trajectories[k].length / policy.obsDim }))),
      losses: {
        preReturn: meanOf(pre.map((b) => meanOf(b.returns))),
        postReturn: meanOf(post.map((b) => meanOf(b.returns))),
        outerLoss,
      },
    };
  }

  /** Loads a MAML agent saved with `save` (give the same family and task split). */
  static async load<P>(dir: string, family: TaskFamily<P>, tasks: MetaTasks<P> = {}): Promise<MAML<P>> {
    const ck = await readAgentCheckpoint(dir, "MAML");
    const agent = new MAML(family, ck.config as Partial<MAMLConfig>, tasks);
    agent.restore(dir, ck);
    return agent;
  }
}
