/** rlbook's library: everything that runs without a kernel (the package entry, index.ts, adds the widgets). */
export * from "./display.js";
export * from "./kernel-hooks.js";
export * from "./core/index.js";
export * from "./envs/index.js";
export * from "./nn/index.js";
export * from "./buffers/index.js";
export * from "./algos/index.js";
export * from "./train/index.js";
export * from "./plot/index.js";
export * from "./data/index.js";
export * from "./sweep/index.js";
export * from "./bandits/index.js";
export * from "./incontext/index.js";
export * from "./meta/index.js";
export * from "./offline/index.js";
export * from "./lm/index.js";
export * from "./population/index.js";
