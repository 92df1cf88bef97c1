/**
 * Reptile (Nichol, Achiam, Schulman 2018, "On First-Order Meta-Learning Algorithms", Algorithm 2,
 * the batched version) with a vanilla-policy-gradient inner loop:
 *
 *   for each meta-iteration:
 *     sample a meta-batch of tasks T_1..T_n
 *     for each T_i: W_i = theta after k VPG steps on T_i (fresh episodes before each step)
 *     theta <- theta + epsilon * (1/n) sum_i (W_i - theta)
 *
 * No second-order terms and no outer gradient: the update direction is the average of the
 * adapted parameters. epsilon (`outerLr`) is annealed linearly to 0 over the training run, as in
 * the paper's experiments (meta step size 1 -> 0). The paper evaluates Reptile on few-shot
 * classification; the RL inner loop here is MAML's (REINFORCE with the linear feature baseline),
 * so the two compare on the same tasks. After the last inner step one more batch is sampled, only
 * to report the post-adaptation return.
 */
import type { IterationResult } from "../algos/base.js";
import { readAgentCheckpoint } from "../algos/checkpointing.js";
import type { TaskFamily } from "../core/registry.js";
import { tf } from "../nn/tf.js";
import { adaptationRollouts } from "./adaptation.js";
import { GradientMetaAgent, NAVIGATION_META_SETTINGS, checkGradientMetaConfig, metaIterationResult, resolveMetaConfig, type GradientMetaConfig, type MetaTasks } from "./gradient-agent.js";

export interface ReptileConfig extends GradientMetaConfig {
  /** Anneal the outer step size (outerLr, epsilon) linearly to 0 over each train() run. */
  annealOuterLr: boolean;
}

/** Reptile defaults: the paper's outer step (1, annealed) and MAML's 2D-navigation policy and inner loop. */
export const REPTILE_DEFAULTS: Readonly<ReptileConfig> = Object.freeze({
  ...NAVIGATION_META_SETTINGS,
  /** k inner steps (the paper uses k = 5-10 SGD steps on classification; fewer here, each needs fresh episodes). */
  innerSteps: 3,
  /** epsilon, the outer step size (the paper: 1, linearly annealed to 0). */
  outerLr: 1,
  annealOuterLr: true,
});

export class Reptile<P> extends GradientMetaAgent<P, ReptileConfig> {
  readonly algo = "Reptile";
  private runStart = 0;
  private runSteps = 1;

  constructor(family: TaskFamily<P>, config: Partial<ReptileConfig> = {}, tasks: MetaTasks<P> = {}) {
    const c = resolveMetaConfig("Reptile", REPTILE_DEFAULTS, config, (check, x) => {
      checkGradientMetaConfig(check, x);
      check.bool("annealOuterLr");
    });
    super(family, c, tasks, "Reptile");
  }

  override beginTraining(steps: number): void {
    this.runStart = this.numTimesteps;
    this.runSteps = steps;
  }

  /** The outer step size now (annealed by the fraction of the current run done). */
  get outerStepSize(): number {
    const c = this.config;
    if (!c.annealOuterLr) return c.outerLr;
    const frac = Math.min(1, Math.max(0, (this.numTimesteps - this.runStart) / this.runSteps));
    return c.outerLr * (1 - frac);
  }

  protected async metaUpdate(tasks: P[]): Promise<IterationResult> {
    const theta = this.policy.host;
    const { batches, params } = await adaptationRollouts(this.family, tasks, this.policy, theta, this.adaptSettings, this.rng);
    const eps = this.outerStepSize;
    // theta <- theta + eps * mean_i (W_i - theta)
    tf.tidy(() => {
      this.policy.variables.forEach((v, j) => {
        const mean = new Float32Array(v.size);
        for (const w of params) for (let k = 0; k < mean.length; k++) mean[k] += w[j][k] / params.length;
        v.assign(tf.add(v, tf.mul(tf.sub(tf.tensor(mean, v.shape), v), eps)));
      });
    });
    return metaIterationResult(batches, this.policy.obsDim, ["preReturn", "postReturn"], { outerStepSize: eps });
  }

  /** Loads a Reptile agent saved with `save` (give the same family and task split). */
  static async load<P>(dir: string, family: TaskFamily<P>, tasks: MetaTasks<P> = {}): Promise<Reptile<P>> {
    const ck = await readAgentCheckpoint(dir, "Reptile");
    const agent = new Reptile(family, ck.config as Partial<ReptileConfig>, tasks);
    agent.restore(dir, ck);
    return agent;
  }
}
