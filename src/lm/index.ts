/** The miniature LM lab: a character tokenizer, a small causal LM, checkable tasks, GRPO. */
export { CharTokenizer, TokenizerError, type CharTokenizerJSON } from "./tokenizer.js";
export { SFT, SFT_DEFAULTS, type SFTConfig, type SFTData } from "./sft.js";
export { additionTask, arithmeticTask, sortTask, palindromeTask, charCountTask, evaluateLM, type LMTask, type RLTask, type TaskExample, type ArithmeticOptions, type StringTaskOptions, type EvaluateLMOptions, type LMEvaluation } from "./tasks.js";
export { klK1, klK2, klK3, fullKL, maskedMean } from "./kl.js";
export { LanguageModel, LM_DEFAULTS, gatherLogProbs, tokenEntropy, type LMConfig, type TokenBatch, type EncodeOptions, type GenerateOptions, type Generation, type ContinuationLogProbs } from "./model.js";
