/** rlbook's environment core: RNG, spaces, the Env interface, wrappers, vector envs, registry, checker. */
export * from "./checker.js";
export * from "./env.js";
export * from "./numpy-random.js";
export * from "./registry.js";
export * from "./rng.js";
export * from "./spaces.js";
export * as svg from "./svg.js";
export * from "./vector.js";
export * from "./wrappers.js";
