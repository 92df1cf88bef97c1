/** Hyperparameter sweeps: search spaces, samplers, pruners, PBT, executors, a durable result store. */
// `fixed` and `Space` are exported as `fixedParam` and `SearchSpace`: rlbook's top level already
// has interact's `fixed` and the Gymnasium `Space` (a plain value in a search space is fixed anyway).
export { uniform, logUniform, intUniform, quantized, choice, fixed as fixedParam, validateSpace, isParam, SpaceError, type Param, type Space as SearchSpace, type SpaceInput, type Config, type ConfigOf, type ParamValue } from "./space.js";
export { gridSampler, randomSampler, tpeSampler, gridValues, type Sampler, type SamplerSpec, type TPEOptions, type GridOptions, type Direction, type TrialStatus, type TrialView } from "./samplers.js";
export { medianPruner, ashaPruner, noPruner, type Pruner, type PrunerSpec, type MedianOptions, type ASHAOptions } from "./pruners.js";
export { TrialPruned, type Objective, type TrialContext, type ObjectiveResult } from "./objective.js";
export { inlineExecutor, poolExecutor, type Executor, type TrialJob, type TrialHooks, type PoolOptions } from "./executors.js";
export { readLog, type LogEvent, type ObjectiveRef, type TrialRecord, type SweepLog } from "./store.js";
export { parameterImportance } from "./importance.js";
export { sweep, SweepRun, SweepResult, type SweepOptions, type SweepEvent, type ResumeOptions, type Mode } from "./sweep.js";
export { Leaderboard } from "./leaderboard.js";
export { pbt, explore, PBTResult, type PBTOptions, type PBTSegment, type PBTExploit } from "./pbt.js";
export { redisExecutor, runWorker, type RedisExecutorOptions, type WorkerOptions as RedisWorkerOptions } from "./redis.js";
