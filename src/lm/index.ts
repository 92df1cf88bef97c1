/** The miniature LM lab: a character tokenizer, a small causal LM, checkable tasks, GRPO. */
export { CharTokenizer, TokenizerError, type CharTokenizerJSON } from "./tokenizer.js";
export { SFT, SFT_DEFAULTS, type SFTConfig, type SFTData } from "./sft.js";
export { additionTask, arithmeticTask, sortTask, palindromeTask, charCountTask, evaluateLM, type LMTask, type RLTask, type TaskExample, type ArithmeticOptions, type StringTaskOptions, type EvaluateLMOptions, type LMEvaluation } from "./tasks.js";
export { klK1, klK2, klK3, fullKL, maskedMean } from "./kl.js";
export { GRPO, GRPO_DEFAULTS, groupAdvantages, type GRPOConfig, type GRPOSample } from "./grpo.js";
export { LanguageModel, LM_DEFAULTS, gatherLogProbs, tokenEntropy, type LMConfig, type TokenBatch, type EncodeOptions, type GenerateOptions, type Generation, type ContinuationLogProbs } from "./model.js";
// Preferences and RL from feedback (reward model, DPO, RLHF-PPO, best-of-n) on the synthetic preference task.
export { PreferenceTask, type PreferencePair, type ImplicitPreferencePair, type PreferenceTaskOptions, type CompletionSampler } from "./preference.js";
export { RewardModel, REWARD_MODEL_DEFAULTS, bradleyTerryLoss, pairwiseAccuracy, type RewardModelConfig, type RewardPooling } from "./reward-model.js";
export { DPO, DPO_DEFAULTS, dpoLoss, type DPOConfig, type DpoLossType, type DpoLossOptions, type PairLogProbs } from "./dpo.js";
export { RLHFPPO, RLHF_PPO_DEFAULTS, klShapedRewards, tokenGae, maskedWhiten, klPenaltyValue, FixedKlController, AdaptiveKlController, type RLHFPPOConfig, type KlController, type KlPenalty, type RewardFunction, type PromptSource, type RolloutSamples, type TokenSteps } from "./rlhf-ppo.js";
export { bestOfN, bestOfNKl, type BestOfNResult, type BatchSampler, type BatchScorer } from "./best-of-n.js";
export { rewardKlFrontier, overoptimizationChart, type KlPoint } from "./plots.js";
export { LiveSamples, liveSamples, type LiveSamplesOptions, type SampleRow, type SampleSource } from "./live-samples.js";
export { saveTrainer, TrainerCheckpoint, type TrainerCheckpointContents } from "./trainer-checkpoint.js";
