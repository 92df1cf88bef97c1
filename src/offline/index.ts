/** Offline (batch) RL: datasets in D4RL / Minari layouts, recording, and offline learners. */
export { Dataset, DatasetError, FILE_NAMES, type DatasetArrays, type DatasetMeta, type EpisodeSpan, type TransitionBatch } from "./dataset.js";
export { recordDataset, RecordingVectorEnv, rowWidth, type BehaviorPolicy, type RecordOptions } from "./record.js";
export { saveParquet, loadParquet, saveHDF5, loadHDF5, DatasetFileError, type HDF5Layout, type SaveHDF5Options } from "./files.js";
export { OfflineAgent, asVectorEnv, returnRangeScale, type OfflineConfig, type EnvLike, type TransitionSource } from "./base.js";
export { BC, BC_DEFAULTS, type BCConfig } from "./bc.js";
export { FQI, FQI_DEFAULTS, type FQIConfig } from "./fqi.js";
export { GoalMountainCarEnv, GoalPendulumEnv, GOAL_PENDULUM_DEFAULTS, sampleTransitions, registerGoalTasks, type GoalPendulumParams, type SampleTransitionsOptions } from "./goal-tasks.js";
export { TD3BC, TD3BC_DEFAULTS, type TD3BCConfig } from "./td3bc.js";
export { IQL, IQL_DEFAULTS, type IQLConfig } from "./iql.js";
export { CQL, CQL_DEFAULTS, type CQLConfig } from "./cql.js";
export { ContinuousCQL, CONTINUOUS_CQL_DEFAULTS, type ContinuousCQLConfig } from "./cql-continuous.js";
export { normalizedScore, measureReferenceReturns, REFERENCE_POLICIES, REFERENCE_RETURNS, type ReferencePolicy, type ReferenceReturns } from "./scores.js";
export { DecisionTransformer, DT_DEFAULTS, type DTConfig } from "./dt.js";
export { td3FromTD3BC, finetuneOnline, OnlineFinetune, OnlineTransitions, FINETUNE_DEFAULTS, type FinetuneConfig } from "./finetune.js";
