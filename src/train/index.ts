/** The training loop and evaluation. */
export { train, TrainingRun, type TrainOptions, type MetricRecord, type TrainCallback, type StopReason } from "./train.js";
export { evaluate, checkAgentEnv, type EvaluateOptions, type EvaluateResult, type PolicyFor, type PolicyObs, type PolicyAction } from "./evaluate.js";
