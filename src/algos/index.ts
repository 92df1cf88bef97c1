/** The algorithms, one file each. */
export { ConfigError, type Agent, type ActOptions, type IterationResult, type EpisodeRecord } from "./base.js";
export { PPO, PPO_DEFAULTS, PPO_PRESETS, ppoLoss, type PPOConfig } from "./ppo.js";
export { A2C, A2C_DEFAULTS, type A2CConfig } from "./a2c.js";
export { REINFORCE, REINFORCE_DEFAULTS, reinforceLoss, type ReinforceConfig } from "./reinforce.js";
export { DQN, DQN_DEFAULTS, DQN_PRESETS, dqnLoss, dqnTargets, type DQNConfig } from "./dqn.js";
export { SAC, SAC_DEFAULTS, SAC_PRESETS, sacCriticLoss, type SACConfig } from "./sac.js";
export { TD3, TD3_DEFAULTS, TD3_PRESETS, type TD3Config } from "./td3.js";
