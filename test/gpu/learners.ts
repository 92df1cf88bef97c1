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
import { A2C, DQN, PPO, REINFORCE, SAC, TD3 } from "../../src/algos/index.js";

export interface GpuLearnerCase {
  /** Env steps of the `train()` run (a few iterations of the learner). */
  steps: number;
  /** A fresh agent (with its own fresh env) from the seed. */
  make: (seed: number) => Agent;
}

const offPolicySmall = { learningStarts: 40, batchSize: 16, bufferSize: 1000, netArch: [16, 16] };

export const GPU_LEARNERS: Record<string, GpuLearnerCase> = {
  PPO: { steps: 128, make: (seed) => new PPO(make("CartPole-v1", { numEnvs: 4 }), { nSteps: 16, batchSize: 32, nEpochs: 2, netArch: [16, 16], seed }) },
  "PPO continuous": { steps: 128, make: (seed) => new PPO(make("Pendulum-v1", { numEnvs: 4 }), { nSteps: 16, batchSize: 32, nEpochs: 2, netArch: [16, 16], normalizeObs: true, normalizeReward: true, seed }) },
  A2C: { steps: 96, make: (seed) => new A2C(make("CartPole-v1", { numEnvs: 4 }), { nSteps: 8, netArch: [16, 16], seed }) },
  REINFORCE: { steps: 60, make: (seed) => new REINFORCE(make("CartPole-v1", { numEnvs: 2 }), { netArch: [16], seed }) },
  DQN: { steps: 1000, make: (seed) => new DQN(make("CartPole-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 32, gradientSteps: 2, targetUpdateInterval: 100, doubleQ: true, prioritized: true, seed }) },
  SAC: { steps: 400, make: (seed) => new SAC(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 16, seed }) },
  TD3: { steps: 400, make: (seed) => new TD3(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 8, seed }) },
};
