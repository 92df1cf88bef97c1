/** rlbook: reinforcement learning for TypeScript notebooks. */
export * from "./display.js";
export * from "./kernel-hooks.js";
export * from "./core/index.js";
export * from "./envs/index.js";
export * from "./nn/index.js";
export * from "./buffers/index.js";
export * from "./algos/index.js";
export * from "./train/index.js";
