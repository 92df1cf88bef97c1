/** Hyperparameter sweeps: search spaces, samplers, pruners, PBT, executors, a durable result store. */
export { uniform, logUniform, intUniform, quantized, choice, fixed, validateSpace, isParam, SpaceError, type Param, type Space, type SpaceInput, type Config } from "./space.js";
export { gridSampler, randomSampler, tpeSampler, gridValues, type Sampler, type SamplerSpec, type TPEOptions, type GridOptions, type Direction, type TrialStatus, type TrialView } from "./samplers.js";
export { medianPruner, ashaPruner, noPruner, type Pruner, type PrunerSpec, type MedianOptions, type ASHAOptions } from "./pruners.js";
export { TrialPruned, type Objective, type TrialContext, type ObjectiveResult } from "./objective.js";
export { inlineExecutor, poolExecutor, type Executor, type TrialJob, type TrialHooks, type PoolOptions } from "./executors.js";
export { readLog, type LogEvent, type ObjectiveRef, type TrialRecord, type SweepLog } from "./store.js";
export { parameterImportance } from "./importance.js";
export { sweep, SweepRun, SweepResult, type SweepOptions, type SweepEvent, type ResumeOptions, type Mode } from "./sweep.js";
