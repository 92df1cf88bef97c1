/** The miniature LM lab: a character tokenizer, a small causal LM, checkable tasks, GRPO. */
export { CharTokenizer, TokenizerError, type CharTokenizerJSON } from "./tokenizer.js";
export { LanguageModel, LM_DEFAULTS, gatherLogProbs, tokenEntropy, type LMConfig, type TokenBatch, type EncodeOptions, type GenerateOptions, type Generation, type ContinuationLogProbs } from "./model.js";
