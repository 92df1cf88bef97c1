/** Rollout (GAE), replay (uniform, prioritized) and n-step buffers. */
export { computeGae, RolloutBuffer, gatherRows, type GaeInput } from "./rollout.js";
export { ReplayBuffer, PrioritizedReplayBuffer, SumTree, type ReplayBatch, type ReplayOptions, type PrioritizedReplayOptions } from "./replay.js";
export { NStepAdder } from "./nstep.js";
export { HerReplayBuffer, HER_DEFAULTS, GOAL_SELECTION_STRATEGIES, goalLayout, goalRewardFn, type HerConfig, type HerReplayOptions, type GoalSelectionStrategy, type GoalLayout, type GoalRewardFn } from "./her.js";
