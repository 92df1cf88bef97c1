/** rlbook: reinforcement learning for TypeScript notebooks. */
export * from "./display.js";
export * from "./kernel-hooks.js";
export * from "./core/index.js";
export * from "./envs/index.js";
