/** rlbook: reinforcement learning for TypeScript notebooks. */
export * from "./display.js";
