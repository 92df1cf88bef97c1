/** In-context RL: the Decision-Pretrained Transformer (and the sequence model it trains). */
export { DPT, DPT_PRESETS, darkRoomOptimalAction, type DPTConfig, type DPTDataset, type DPTTask, type DPTPretrainOptions } from "./dpt.js";
export { SequenceModel, type SequenceBatch, type TransformerSize } from "./sequence-model.js";
export { darkRoomGoalSplit } from "./tasks.js";
export { AD, AD_PRESETS, type ADConfig, type InContextResult } from "./ad.js";
export { qLearningHistories, Q_LEARNING_DEFAULTS, type LearningHistory, type QLearningConfig, type HistoryOptions } from "./q-learning.js";
export { PretrainingAgent } from "./pretraining-agent.js";
