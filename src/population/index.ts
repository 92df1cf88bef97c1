/** Many agents trained as one batched program (stacked networks), and their per-seed curves. */
export { PPOPopulation, defaultLayout, type PPOPopulationOptions, type PopulationLayout, type MemberRecord } from "./ppo.js";
export { StackedMLP, StackedAdam, type StackedAdamOptions, type StackedCache } from "./stacked.js";
export { seedCurves, seedBand, seedBandChart, tQuantile975, type SeedCurveRow, type SeedBandChartOptions, type HasCurves } from "./curves.js";
export { DQNPopulation, type DQNPopulationOptions } from "./dqn.js";
export { populationObjective, populationExecutor, populationScore, type PopulationSpec, type PopulationObjective } from "./sweep.js";
