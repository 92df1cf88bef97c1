/** The algorithms, one file each; what they share lives in base.ts, on-policy.ts, off-policy.ts, losses.ts, schedules.ts. */
export { ConfigError, type ConfigProblem, type Agent, type Trainable, type AgentEnv, type ActionOf, type AnyAction, type EnvAction, type ActOptions, type IterationResult, type EpisodeRecord, type Preset, type Presets } from "./base.js";
export { linearSchedule, constantSchedule, stepSchedule, rateAt, type Rate, type ScheduleSpec, type ScheduleFn } from "./schedules.js";
export { twinCriticLoss } from "./losses.js";
export { PPO, PPO_DEFAULTS, PPO_PRESETS, ppoLoss, type PPOConfig, type PPOPresetName } from "./ppo.js";
export { A2C, A2C_DEFAULTS, type A2CConfig } from "./a2c.js";
export { REINFORCE, REINFORCE_DEFAULTS, reinforceLoss, type ReinforceConfig } from "./reinforce.js";
export { DQN, DQN_DEFAULTS, DQN_PRESETS, dqnLoss, dqnTargets, type DQNConfig, type DQNPresetName } from "./dqn.js";
export { SAC, SAC_DEFAULTS, SAC_PRESETS, type SACConfig, type SACPresetName } from "./sac.js";
export { TD3, TD3_DEFAULTS, TD3_PRESETS, type TD3Config, type TD3PresetName } from "./td3.js";
export { StreamQ, STREAM_Q_DEFAULTS, type StreamQConfig } from "./stream-q.js";
export { StreamAC, STREAM_AC_DEFAULTS, type StreamACConfig } from "./stream-ac.js";
export { StreamSARSA, STREAM_SARSA_DEFAULTS, type StreamSARSAConfig } from "./stream-sarsa.js";
export { StreamValueAgent, STREAM_VALUE_DEFAULTS, type StreamValueConfig } from "./streaming.js";
export { CrossQ, CROSSQ_DEFAULTS, BRNCritic, type CrossQConfig } from "./crossq.js";
