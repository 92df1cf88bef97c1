/** The training loop and evaluation. */
export { train, TrainingRun, type TrainOptions, type MetricRecord, type TrainCallback, type StopReason } from "./train.js";
export { evaluate, type EvaluateOptions, type EvaluateResult } from "./evaluate.js";
