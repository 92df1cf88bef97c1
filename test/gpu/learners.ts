/**
 * The learners the WebGPU tests train on both backends: one line each. Tiny networks and short
 * runs, because the software driver the tests run on (Mesa's lavapipe) is slow; what is checked is
 * the code path (every tensor read awaited, every op supported by tfjs-backend-webgpu) and that
 * the numbers match wasm's, not speed.
 *
 * To add a learner: one entry `name: { steps, make: (seed) => agent }`. The record keys compared
 * are every numeric key both backends report (losses, returns, statistics), except timings.
 */
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { Agent } from "../../src/algos/base.js";
import { A2C, CrossQ, DQN, PPO, REINFORCE, SAC, TD3 } from "../../src/algos/index.js";
import { BC, CQL, ContinuousCQL, FQI, IQL, TD3BC, recordDataset, type Dataset, type OfflineAgent, type OfflineConfig } from "../../src/offline/index.js";

export interface GpuLearnerCase {
  /** Env steps of the `train()` run (a few iterations of the learner). */
  steps: number;
  /** A fresh agent (with its own fresh env) from the seed. */
  make: (seed: number) => Agent;
  /** Loads a checkpoint of `agent` (default: the class's static `load(dir, env)`; offline learners also need their dataset). */
  load?: (dir: string, agent: Agent) => Promise<Agent>;
  /** Relative tolerance of the record comparison when the default (1e-3) does not fit; say why beside it. */
  relTol?: number;
}

/** Offline learners: a small recorded dataset per env; `steps` counts gradient updates (5 per record here). */
const offlineData: Record<string, Dataset> = {};
function dataset(id: "CartPole-v1" | "Pendulum-v1" | "GoalPendulum-v0"): Dataset {
  return (offlineData[id] ??= recordDataset(make(id), "random", { steps: 400, seed: 1 }));
}
const offlineSmall = { batchSize: 16, netArch: [16, 16], updatesPerIteration: 5 };
function offline<C extends OfflineConfig>(id: "CartPole-v1" | "Pendulum-v1" | "GoalPendulum-v0", build: (ds: Dataset, seed: number) => OfflineAgent<C>, load: (dir: string, ds: Dataset, env: unknown) => Promise<Agent>): GpuLearnerCase {
  return { steps: 20, make: (seed) => build(dataset(id), seed), load: (dir, agent) => load(dir, dataset(id), agent.env) };
}
const vec = (id: "CartPole-v1" | "Pendulum-v1" | "GoalPendulum-v0") => make(id, { numEnvs: 1 });

const offPolicySmall = { learningStarts: 40, batchSize: 16, bufferSize: 1000, netArch: [16, 16] };

export const GPU_LEARNERS: Record<string, GpuLearnerCase> = {
  PPO: { steps: 128, make: (seed) => new PPO(make("CartPole-v1", { numEnvs: 4 }), { nSteps: 16, batchSize: 32, nEpochs: 2, netArch: [16, 16], seed }) },
  "PPO continuous": { steps: 128, make: (seed) => new PPO(make("Pendulum-v1", { numEnvs: 4 }), { nSteps: 16, batchSize: 32, nEpochs: 2, netArch: [16, 16], normalizeObs: true, normalizeReward: true, seed }) },
  A2C: { steps: 96, make: (seed) => new A2C(make("CartPole-v1", { numEnvs: 4 }), { nSteps: 8, netArch: [16, 16], seed }) },
  REINFORCE: { steps: 60, make: (seed) => new REINFORCE(make("CartPole-v1", { numEnvs: 2 }), { netArch: [16], seed }) },
  DQN: { steps: 1000, make: (seed) => new DQN(make("CartPole-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 32, gradientSteps: 2, targetUpdateInterval: 100, doubleQ: true, prioritized: true, seed }) },
  SAC: { steps: 400, make: (seed) => new SAC(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 16, seed }) },
  CrossQ: { steps: 400, make: (seed) => new CrossQ(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, criticArch: [32, 32], trainFreq: 16, seed }),
    // Batch renormalization divides by the std of a 16-sample batch, which magnifies float32
    // rounding differences (measured: actor loss 2.4e-3 relative after 2 iterations).
    relTol: 5e-3 },
  TD3: { steps: 400, make: (seed) => new TD3(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 8, seed }) },
  "offline BC": offline("CartPole-v1", (ds, seed) => new BC(ds, vec("CartPole-v1"), { ...offlineSmall, seed }), (d, ds, env) => BC.load(d, ds, env as never)),
  "offline BC gaussian": offline("Pendulum-v1", (ds, seed) => new BC(ds, vec("Pendulum-v1"), { ...offlineSmall, policy: "gaussian", seed }), (d, ds, env) => BC.load(d, ds, env as never)),
  "offline FQI-LOG": offline("GoalPendulum-v0", (ds, seed) => new FQI(ds, vec("GoalPendulum-v0"), { ...offlineSmall, loss: "log", iterationUpdates: 4, seed }), (d, ds, env) => FQI.load(d, ds, env as never)),
  "offline CQL discrete": offline("CartPole-v1", (ds, seed) => new CQL(ds, vec("CartPole-v1"), { ...offlineSmall, targetUpdateInterval: 4, seed }), (d, ds, env) => CQL.load(d, ds, env as never)),
  "offline CQL continuous": offline("Pendulum-v1", (ds, seed) => new ContinuousCQL(ds, vec("Pendulum-v1"), { ...offlineSmall, nActions: 2, targetActionGap: 1, bcSteps: 5, seed }), (d, ds, env) => ContinuousCQL.load(d, ds, env as never)),
  "offline IQL": offline("Pendulum-v1", (ds, seed) => new IQL(ds, vec("Pendulum-v1"), { ...offlineSmall, seed }), (d, ds, env) => IQL.load(d, ds, env as never)),
  "offline TD3+BC": offline("Pendulum-v1", (ds, seed) => new TD3BC(ds, vec("Pendulum-v1"), { ...offlineSmall, seed }), (d, ds, env) => TD3BC.load(d, ds, env as never)),
};
