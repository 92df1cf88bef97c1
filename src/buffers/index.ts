/** Rollout (GAE), replay (uniform, prioritized) and n-step buffers. */
export { computeGae, RolloutBuffer, gatherRows, type GaeInput } from "./rollout.js";
export { ReplayBuffer, PrioritizedReplayBuffer, SumTree, type ReplayBatch, type ReplayOptions, type PrioritizedReplayOptions } from "./replay.js";
export { NStepAdder } from "./nstep.js";
