/** rlbook: reinforcement learning for TypeScript notebooks. */
export * from "./display.js";
export * from "./kernel-hooks.js";
export * from "./core/index.js";
export * from "./envs/index.js";
export * from "./nn/index.js";
export * from "./buffers/index.js";
export * from "./algos/index.js";
export * from "./train/index.js";
// Widgets live in widgets/ (outside src/, which must run without a kernel); they are exported
// here so that cells import everything from "rlbook". `Box` stays the Gymnasium space: the
// Box widget is `widgets.Box` (HBox, VBox and GridBox are exported directly).
export * from "../widgets/index.js";
export * as widgets from "../widgets/index.js";
export { Box } from "./core/index.js";
export * from "./plot/index.js";
export * from "./data/index.js";
export * from "./sweep/index.js";
