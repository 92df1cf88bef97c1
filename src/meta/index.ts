export * from "./learner.js";
export * from "./policy.js";
export * from "./adaptation.js";
export * from "./gradient-agent.js";
export * from "./maml.js";
export * from "./reptile.js";
export * from "./rl2.js";
export * from "./pretrain.js";
