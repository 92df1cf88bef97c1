/** Networks, distributions, optimizers, backends and checkpoint IO. */
export { tf } from "./tf.js";
export { backend, activeBackend, ensureBackend, releaseBackend, BackendError, BACKEND_NAMES, SOFTWARE_WEBGPU_WARNING, type BackendName, type BackendInfo, type BackendAttempt } from "./backend.js";
export { MLP, mlpGrads, syncHostWeights, type MLPOptions, type Activation, type Dense, type MLPCache } from "./mlp.js";
export { Adam, RMSprop, type AdamOptions, type OptimizerState, type OptimizerKind, type Optimizer, type RMSpropOptions } from "./optimizers.js";
export { Categorical, DiagGaussian, TanhGaussian, normalNoise } from "./distributions.js";
export { orthogonal, torchLinearDefault } from "./init.js";
export { RunningNormalizer } from "./normalize.js";
export { Module, CNN, GRU, LSTM, CausalTransformerBlock, CausalTransformer, layerNorm, gelu, causalMask, type ConvSpec, type CNNOptions, type RecurrentOptions, type TransformerBlockOptions, type CausalTransformerOptions } from "./modules.js";
export { writeCheckpoint, readCheckpoint, CheckpointError, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type CheckpointContents, type LoadedCheckpoint } from "./checkpoint.js";
export { ObGD, StreamMLP, StreamNormalizer, sparseInit, type ObGDOptions, type StreamMLPOptions } from "./stream.js";
export { BatchRenorm, stopGradient, type BatchRenormOptions } from "./batch-renorm.js";
export { readTensors, readTensor, readFloats, readScalars, type ReadArray, type ReadOptions } from "./read.js";
