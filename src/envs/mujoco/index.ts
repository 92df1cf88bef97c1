/** MuJoCo physics envs on the official MuJoCo WebAssembly module (`await loadMujoco()` first). */
export * from "./engine.js";
export * from "./render.js";
export * from "./mujoco-env.js";
export * from "./models.js";
export * from "./tasks.js";
export * from "./families.js";
export * from "./manipulation.js";
export * from "./manipulation-tasks.js";
export * from "./reward-utils.js";
export * from "./benchmarks.js";
export * from "./scripted-policies.js";
export * from "./register.js";
