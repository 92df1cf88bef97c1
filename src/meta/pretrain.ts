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
import { batchTensors, meanOf, sampleTasks, vpgSurrogate, type TaskBatch } from "./adaptation.js";
import { GradientMetaAgent, checkGradientMetaConfig, resolveMetaConfig, type GradientMetaConfig, type MetaTasks } from "./gradient-agent.js";

export type JointPretrainConfig = GradientMetaConfig;

/** MAML_DEFAULTS' values (2D navigation, sec. 5.3 of the paper): the comparison uses the same policy, batch sizes and adaptation. */
export const JOINT_PRETRAIN_DEFAULTS: Readonly<JointPretrainConfig> = Object.freeze({
  metaBatchSize: 20,
  episodesPerTask: 20,
  innerLr: 0.1,
  innerSteps: 1,
  gamma: 0.99,
  netArch: [100, 100],
  activation: "relu",
  initStd: 1,
  /** Adam on the joint policy gradient, at MAML's outer learning rate. */
  outerLr: 0.01,
  testEvery: 0,
  seed: undefined,
});

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
    const first = batches[0];
    const last = batches[batches.length - 1];
    return {
      steps: batches.reduce((a, step) => a + step.reduce((b, x) => b + x.n, 0), 0),
      episodes: last.flatMap((b) => b.returns.map((r, k) => ({ return: r, length: b.trajectories[k].length / policy.obsDim }))),
      losses: { firstReturn: meanOf(first.map((b) => meanOf(b.returns))), lastReturn: meanOf(last.map((b) => meanOf(b.returns))) },
    };
  }

  /** Loads a JointPretrain agent saved with `save` (give the same family and task split). */
  static async load<P>(dir: string, family: TaskFamily<P>, tasks: MetaTasks<P> = {}): Promise<JointPretrain<P>> {
    const ck = await readAgentCheckpoint(dir, "JointPretrain");
    const agent = new JointPretrain(family, ck.config as Partial<JointPretrainConfig>, tasks);
    agent.restore(dir, ck);
    return agent;
  }
}
