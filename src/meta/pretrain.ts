/**
 * The "pretrained" baseline of MAML's RL experiments (Finn, Abbeel, Levine 2017, sec. 5.3:
 * "pretraining one policy on all of the tasks and then fine-tuning"): a policy trained with
 * vanilla policy gradient on the mixture of tasks, no meta-learning. Each iteration draws a batch
 * of tasks and takes `innerSteps + 1` joint VPG steps (Adam, outerLr), each on fresh episodes of
 * every task, so it spends the same env steps per iteration as MAML with the same settings. Its
 * `metaTest` adapts exactly as MAML's does (innerSteps VPG steps at innerLr from its parameters),
 * which is the paper's comparison: does meta-learning find parameters that adapt better than
 * parameters that are good on average?
 *
 *   const joint = new JointPretrain(navigation2DFamily(), { seed: 1 });
 *   await train(joint, { steps: 60 * joint.stepsPerIteration });
 *   await joint.metaTest(testTasks)   // { preReturn, postReturn }
 */
import type { IterationResult } from "../algos/base.js";
import { readAgentCheckpoint } from "../algos/checkpointing.js";
import type { TaskFamily } from "../core/registry.js";
import { tf } from "../nn/tf.js";
import { batchTensors, sampleTasks, vpgSurrogate, type TaskBatch } from "./adaptation.js";
import { GradientMetaAgent, NAVIGATION_META_SETTINGS, checkGradientMetaConfig, metaIterationResult, resolveMetaConfig, type GradientMetaConfig, type MetaTasks } from "./gradient-agent.js";

export type JointPretrainConfig = GradientMetaConfig;

/** MAML's 2D-navigation settings (sec. 5.3 of the paper): the comparison uses the same policy, batch sizes and adaptation; Adam on the joint policy gradient at MAML's outer learning rate. */
export const JOINT_PRETRAIN_DEFAULTS: Readonly<JointPretrainConfig> = NAVIGATION_META_SETTINGS;

export class JointPretrain<P> extends GradientMetaAgent<P, JointPretrainConfig> {
  readonly algo = "JointPretrain";

  constructor(family: TaskFamily<P>, config: Partial<JointPretrainConfig> = {}, tasks: MetaTasks<P> = {}) {
    super(family, resolveMetaConfig("JointPretrain", JOINT_PRETRAIN_DEFAULTS, config, checkGradientMetaConfig), tasks, "JointPretrain");
  }

  protected async metaUpdate(tasks: P[]): Promise<IterationResult> {
    const c = this.config;
    const policy = this.policy;
    const batches: TaskBatch[][] = [];
    for (let s = 0; s <= c.innerSteps; s++) {
      const step = sampleTasks(this.family, tasks, tasks.map(() => policy.host), policy, c.episodesPerTask, c.gamma, this.rng);
      batches.push(step);
      const ts = step.map((b) => batchTensors(b, policy));
      try {
        const { grads } = tf.tidy(() => {
          const { grads: g } = tf.variableGrads(() => tf.mean(tf.stack(ts.map((t) => vpgSurrogate(policy, t)(policy.variables)))) as tf.Scalar, policy.variables);
          return { grads: policy.variables.map((v) => g[v.name] ?? tf.zerosLike(v)) };
        });
        this.optimizer.apply(grads);
        tf.dispose(grads);
      } finally {
        for (const t of ts) tf.dispose([t.obs, t.actions, t.advantages]);
      }
      await policy.syncHost();
    }
    return metaIterationResult(batches, policy.obsDim, ["firstReturn", "lastReturn"]);
  }

  /** Loads a JointPretrain agent saved with `save` (give the same family and task split). */
  static async load<P>(dir: string, family: TaskFamily<P>, tasks: MetaTasks<P> = {}): Promise<JointPretrain<P>> {
    const ck = await readAgentCheckpoint(dir, "JointPretrain");
    const agent = new JointPretrain(family, ck.config as Partial<JointPretrainConfig>, tasks);
    agent.restore(dir, ck);
    return agent;
  }
}
