/** In-context RL: the Decision-Pretrained Transformer (and the sequence model it trains). */
export { DPT, DPT_PRESETS, darkRoomGoalSplit, darkRoomOptimalAction, type DPTConfig, type DPTDataset, type DPTTask } from "./dpt.js";
export { SequenceModel, type PretrainOptions, type PretrainRecord, type SequenceBatch, type TransformerSize } from "./sequence-model.js";
