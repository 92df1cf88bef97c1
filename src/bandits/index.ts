/** Bandit algorithms (one interface, vectorized over tasks), the regret runner and regret charts. */
export { argmaxScores, NormalSource, sampleBeta, sampleGamma, CountingPolicy, type BanditBatch, type BanditPolicy } from "./policy.js";
export { Greedy, EpsilonGreedy, type EpsilonGreedyOptions } from "./greedy.js";
export { UCB1, KLUCB, bernoulliKL, klUcbIndex, type UCB1Options, type KLUCBOptions } from "./ucb.js";
export { BetaThompson, GaussianThompson, type BetaThompsonOptions, type GaussianThompsonOptions } from "./thompson.js";
export { LinUCB, LinearThompson, type LinUCBOptions, type LinearThompsonOptions, type RidgeOptions } from "./linear.js";
export {
  sampleBanditTasks,
  simulateBandit,
  regretCurves,
  functionPolicy,
  type BanditTasks,
  type BanditSource,
  type BanditPresetName,
  type BanditTaskParams,
  type BanditFunction,
  type NoiseOption,
  type PolicySet,
  type SampleTasksOptions,
  type SimulateOptions,
  type SimulationResult,
} from "./regret.js";
export { regretChart, type RegretChartOptions } from "./plot.js";
export { OptimalArmPosterior } from "./posterior.js";
