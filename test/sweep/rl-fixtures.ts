/** A PPO CartPole segment for the population-based-training test and benchmark. */
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { PPO } from "../../src/algos/ppo.js";
import { train } from "../../src/train/train.js";
import type { Config, TrialContext } from "../../src/sweep/index.js";

/** Trains one PBT round of `config.steps` env steps; returns the mean return of its last episodes. */
export async function ppoSegment(config: Config, ctx: TrialContext): Promise<Record<string, unknown>> {
  const env = make("CartPole-v1", { numEnvs: 4 }) as VectorEnv;
  const hp = { learningRate: config.learningRate as number, entCoef: config.entCoef as number, nSteps: 64, batchSize: 128, nEpochs: 4, seed: (config.seed as number) ?? 0 };
  const agent = ctx.restore ? await PPO.load(ctx.restore, env, hp) : new PPO(env, hp);
  const restoredSteps = agent.numTimesteps;
  // A loaded agent keeps its checkpoint's Adam step size; PBT's explored one must be used.
  agent.optimizer.lr = hp.learningRate;
  const history = await train(agent, { steps: config.steps as number, signal: ctx.signal });
  const returns = history.map((r) => r.episodeReturn).filter((x) => Number.isFinite(x));
  const tail = returns.slice(-Math.max(1, returns.length >> 1));
  await agent.save(ctx.dir);
  const result = { value: tail.reduce((a, b) => a + b, 0) / tail.length, restoredSteps, steps: agent.numTimesteps, lrUsed: agent.optimizer.lr };
  agent.dispose();
  return result;
}
