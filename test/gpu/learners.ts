/**
 * The learners the WebGPU tests train on both backends: one entry each. Tiny networks and short
 * runs, because the software driver the tests run on (Mesa's lavapipe) is slow; what is checked is
 * the code path (every tensor read awaited, every op supported by tfjs-backend-webgpu) and that
 * the numbers match wasm's, not speed.
 *
 * To add a learner: one entry `name: { steps, make: (seed) => learner }` (an env-id agent), plus
 * the hooks below for learners that are not "env id + act" (meta-RL task families, in-context
 * deployment, LM tasks, a checkpoint that needs its dataset). The record keys compared are every
 * numeric key both backends report (losses, returns, statistics), except timings.
 */
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { Agent, Trainable } from "../../src/algos/base.js";
import { A2C, CrossQ, DQN, PPO, REINFORCE, SAC, StreamAC, StreamQ, StreamSARSA, TD3 } from "../../src/algos/index.js";
import { BC, CQL, ContinuousCQL, DecisionTransformer, FQI, IQL, TD3BC, recordDataset, type Dataset, type OfflineAgent, type OfflineConfig } from "../../src/offline/index.js";
import { evaluate } from "../../src/train/evaluate.js";
import { PPOPopulation } from "../../src/population/index.js";
import { AD, DPT } from "../../src/incontext/index.js";
import { simulateBandit, sampleBanditTasks } from "../../src/bandits/index.js";
import { JointPretrain, MAML, RL2, Reptile } from "../../src/meta/index.js";
import { gaussianBanditFamily, navigation2DFamily } from "../../src/envs/index.js";
import { Rng } from "../../src/core/rng.js";
import { CharTokenizer, DPO, GRPO, LanguageModel, PreferenceTask, RLHFPPO, RewardModel, SFT, additionTask, type RLTask } from "../../src/lm/index.js";

/** What the child trains: anything `train()` drives that can release its tensors. */
export type GpuLearner = Trainable & { dispose(): void };

export interface GpuLearnerCase<T extends GpuLearner = GpuLearner> {
  /** `train()` steps of the run, in the learner's unit (env steps, gradient steps, iterations, completions): a few iterations. */
  steps: number;
  /** A fresh learner (with its own fresh env, model or data) from the seed. */
  make: (seed: number) => T;
  /**
   * What the trained learner does, as numbers compared across backends (default: the returns of
   * 2 deterministic episodes on `make(agent.env.spec.id)` from seed 3). Meta-RL: meta-test
   * returns; in-context learners: their deployment; LMs: log-probabilities and rewards.
   */
  evaluate?: (learner: T) => Promise<number[]>;
  /** Writes a checkpoint (default `learner.save(dir)`). */
  save?: (learner: T, dir: string) => Promise<void>;
  /**
   * Loads the checkpoint into a learner `evaluate` accepts (default: the class's static
   * `load(dir, env)`); `null` where the learner has no checkpoint format (say why beside it).
   */
  load?: ((dir: string, learner: T) => Promise<T>) | null;
  /** Releases every tensor of a learner `make` or `load` built (default `learner.dispose()`). */
  dispose?: (learner: T) => void;
  /** Relative tolerance of the record comparison when the default (1e-3) does not fit; say why beside it. */
  relTol?: number;
  /**
   * The record keys that show an update ran on the backend (default: a loss, or the streaming
   * learners' TD error); for learners that report no loss, what their update produced.
   */
  learned?: RegExp;
  /** Plain-JS learners (no tensors): records and evaluation must be equal, not just close. */
  exact?: boolean;
}

/** Type-checks one case against its learner type (the registry holds them as GpuLearnerCase). */
function gpuCase<T extends GpuLearner>(c: GpuLearnerCase<T>): GpuLearnerCase {
  return c as unknown as GpuLearnerCase;
}

/** Offline learners: a small recorded dataset per env; `steps` counts gradient updates (5 per record here). */
const offlineData: Record<string, Dataset> = {};
function dataset(id: "CartPole-v1" | "Pendulum-v1" | "GoalPendulum-v0"): Dataset {
  return (offlineData[id] ??= recordDataset(make(id), "random", { steps: 400, seed: 1 }));
}
const offlineSmall = { batchSize: 16, netArch: [16, 16], updatesPerIteration: 5 };
function offline<C extends OfflineConfig>(id: "CartPole-v1" | "Pendulum-v1" | "GoalPendulum-v0", build: (ds: Dataset, seed: number) => OfflineAgent<C>, load: (dir: string, ds: Dataset, env: unknown) => Promise<Agent>): GpuLearnerCase {
  return { steps: 20, make: (seed) => build(dataset(id), seed), load: (dir, agent) => load(dir, dataset(id), (agent as Agent).env) as Promise<never> };
}
const vec = (id: "CartPole-v1" | "Pendulum-v1" | "GoalPendulum-v0") => make(id, { numEnvs: 1 });

const offPolicySmall = { learningStarts: 40, batchSize: 16, bufferSize: 1000, netArch: [16, 16] };

// Meta-RL: 2D navigation with a 20-step horizon (2 tasks x 2 episodes per meta-batch) and a
// 2-armed Gaussian bandit for RL^2; held-out tasks drawn once from a fixed seed.
const navigation = navigation2DFamily({ horizon: 20 });
const navTest = (() => {
  const rng = new Rng(2024);
  return Array.from({ length: 2 }, () => navigation.sample(rng));
})();
const metaSmall = { metaBatchSize: 2, episodesPerTask: 2, netArch: [8] };
/** Pre- and post-adaptation return per held-out task (adaptation runs its VPG step on the backend). */
async function metaTest(agent: MAML<unknown> | Reptile<unknown> | JointPretrain<unknown>): Promise<number[]> {
  const r = await agent.metaTest(navTest, { seed: 1, episodesPerTask: 2 });
  return r.tasks.flatMap((t) => [t.preReturn, t.postReturn]);
}
const bandit2 = gaussianBanditFamily({ arms: 2, horizon: 1, noiseVariance: 0.01 });
const banditTest = (() => {
  const rng = new Rng(7);
  return Array.from({ length: 8 }, () => bandit2.sample(rng));
})();

// In-context RL: a 1-layer, 16-wide transformer; bandit DPT over 12 pulls, AD in a 5 x 5 Dark Room.
const dptTiny = { horizon: 12, model: { dModel: 16, nLayers: 1, nHeads: 1 }, batchSize: 8, pretrainTasks: 64, updatesPerIteration: 2 };
const adTiny = { model: { dModel: 16, nLayers: 1, nHeads: 1 }, batchSize: 4, historiesPerGoal: 1, sourceEpisodes: 4, contextEpisodes: 2, updatesPerIteration: 2 };
const dptTasks = sampleBanditTasks("dpt", { tasks: 4, seed: 1, horizon: 12 });

// LM lab: the synthetic preference task (3-letter prompts, 6-letter completions, 12 tokens with
// <bos>, ":" and <eos>) and 2-digit addition (reversed, padded), on a 1-layer, 16-wide model.
const prefTask = new PreferenceTask();
const prefTok = new CharTokenizer(prefTask.vocabulary);
const prefPairs = prefTask.pairs(64, { seed: 1 });
const addition = additionTask({ digits: 2, pad: true, reverse: true });
const addTok = new CharTokenizer(addition.alphabet);
const lmSmall = { contextLength: 12, dModel: 16, nHeads: 2, nLayers: 1 };
/** What an LM is evaluated on: fixed continuations to score, prompts to sample from, and the task's reward. */
interface LMProbe {
  tokenizer: CharTokenizer;
  fixed: { prompt: string; completion: string }[];
  prompts: string[];
  reward: (prompt: string, completion: string) => number;
}
const PREFERENCE_PROBE: LMProbe = {
  tokenizer: prefTok,
  fixed: prefPairs.slice(0, 4).map((p) => ({ prompt: p.prompt, completion: p.chosen })),
  prompts: prefTask.samplePrompts(4, 3),
  reward: (p, c) => prefTask.reward(p, c),
};
const ADDITION_PROBE: LMProbe = {
  tokenizer: addTok,
  fixed: addition.sample(4, new Rng(1)),
  prompts: addition.samplePrompts(4, new Rng(2)),
  reward: (p, c) => addition.reward(p, c),
};
type LMLearner = SFT | GRPO | DPO | RLHFPPO;
const policyOf = (t: LMLearner): LanguageModel => (t instanceof SFT ? t.lm : t.policy);
/**
 * An LM learner's behaviour: the log-probability of fixed continuations (every weight, no
 * sampling) and the task reward of 4 seeded samples (the KV-cached generation path).
 */
async function lmEval(t: LMLearner, probe: LMProbe): Promise<number[]> {
  const lm = policyOf(t);
  const lp = await lm.logProbs(probe.fixed.map((e) => e.prompt), probe.fixed.map((e) => e.completion));
  const gens = await lm.generate(probe.prompts, { seed: 4 });
  return [...lp.map((x) => x.total), ...gens.map((g, i) => probe.reward(probe.prompts[i], g.text))];
}
/** The LM learners' checkpoint is their model's (`lm.save`); the loaded model is wrapped in a fresh learner to evaluate it. */
function lmCase<T extends LMLearner>(steps: number, build: (lm: LanguageModel, seed: number) => T, probe: LMProbe = PREFERENCE_PROBE): GpuLearnerCase {
  return gpuCase<T>({
    steps,
    make: (seed) => build(new LanguageModel(probe.tokenizer, { ...lmSmall, seed }), seed),
    evaluate: (t) => lmEval(t, probe),
    save: (t, dir) => policyOf(t).save(dir),
    load: async (dir) => build(await LanguageModel.load(dir), 0),
    dispose: (t) => {
      t.dispose();
      policyOf(t).dispose();
    },
  });
}
const trueReward = (p: readonly string[], c: readonly string[]) => p.map((q, i) => prefTask.reward(q, c[i]));
/** The preference task's hidden score as GRPO's task: graded rewards, so group advantages are not all zero (2-digit addition gives an untrained model 0 everywhere). */
const preferenceRL: RLTask = { name: "preference", samplePrompts: (n, rng) => prefTask.samplePrompts(n, rng), rewards: trueReward, maxCompletionTokens: 8 };

/*
 * Measured on lavapipe, seed 7 (2026-12-03): worst relative webgpu-vs-wasm difference over the
 * record values >= 1e-3, with the default tolerance of 1e-3 unless the entry sets its own (the
 * test prints these each run). Float32 sums in another order (webgpu's tree reductions) explain
 * them: u = 6e-8 per rounding, grown by later updates.
 *   PPO 1.5e-6, PPO continuous 7.3e-7, A2C 5.5e-7, REINFORCE 4.1e-7, DQN 6.3e-8, SAC 5.0e-7,
 *   CrossQ 8.1e-3 (bound 1.5e-2), TD3 2.4e-6; StreamQ / StreamSARSA / StreamAC 0 (exact);
 *   PPOPopulation 3.2e-7; offline BC 8.7e-8, BC gaussian 2.2e-7, FQI-LOG 1.7e-7, CQL discrete
 *   2.3e-7, CQL continuous 4.1e-6, IQL 1.3e-6, TD3+BC 1.8e-7, DT 0; DPT 2.9e-7, AD 7.4e-8;
 *   MAML 2.7e-6, Reptile 1.5e-8, JointPretrain 4.2e-9, RL2 1.1e-7; SFT 0, GRPO 1.0e-7,
 *   DPO 1.2e-5, RLHFPPO 1.7e-5 (value loss over 8 completions' tokens), RewardModel 2.5e-7.
 */
export const GPU_LEARNERS: Record<string, GpuLearnerCase> = {
  PPO: { steps: 128, make: (seed) => new PPO(make("CartPole-v1", { numEnvs: 4 }), { nSteps: 16, batchSize: 32, nEpochs: 2, netArch: [16, 16], seed }) },
  "PPO continuous": { steps: 128, make: (seed) => new PPO(make("Pendulum-v1", { numEnvs: 4 }), { nSteps: 16, batchSize: 32, nEpochs: 2, netArch: [16, 16], normalizeObs: true, normalizeReward: true, seed }) },
  A2C: { steps: 96, make: (seed) => new A2C(make("CartPole-v1", { numEnvs: 4 }), { nSteps: 8, netArch: [16, 16], seed }) },
  REINFORCE: { steps: 60, make: (seed) => new REINFORCE(make("CartPole-v1", { numEnvs: 2 }), { netArch: [16], seed }) },
  DQN: { steps: 1000, make: (seed) => new DQN(make("CartPole-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 32, gradientSteps: 2, targetUpdateInterval: 100, doubleQ: true, prioritized: true, seed }) },
  SAC: { steps: 400, make: (seed) => new SAC(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 16, seed }) },
  CrossQ: { steps: 400, make: (seed) => new CrossQ(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, criticArch: [32, 32], trainFreq: 16, seed }),
    // Batch renormalization divides by the std of a 16-sample batch, which magnifies float32
    // rounding differences in the actor loss (a small difference of larger terms). Measured with the
    // hand-written critic gradients (seed 7, record 1's actor loss): webgpu vs wasm 8.1e-3, cpu vs wasm
    // 2.2e-3, while every critic loss, Q value and alpha agrees within 1.5e-5 on all three backends.
    relTol: 1.5e-2 },
  TD3: { steps: 400, make: (seed) => new TD3(make("Pendulum-v1", { numEnvs: 2 }), { ...offPolicySmall, trainFreq: 8, seed }) },
  // Streaming deep RL: plain JS (Float64Array networks, ObGD), no tensors at all; on the webgpu
  // backend they must still run through train() and give the wasm run's numbers exactly.
  StreamQ: { steps: 400, exact: true, make: (seed) => new StreamQ(make("CartPole-v1"), { netArch: [16, 16], seed }) },
  StreamSARSA: { steps: 400, exact: true, make: (seed) => new StreamSARSA(make("CartPole-v1"), { netArch: [16, 16], seed }) },
  StreamAC: { steps: 400, exact: true, make: (seed) => new StreamAC(make("CartPole-v1"), { netArch: [16, 16], seed }) },
  // Three PPO seeds as one stacked program (the GPU layout, pinned so that wasm runs the same
  // arithmetic: wasm's own default is the "members" layout); the record holds the members' mean losses.
  PPOPopulation: gpuCase<PPOPopulation>({
    steps: 64,
    make: (seed) => new PPOPopulation({ env: () => make("CartPole-v1", { numEnvs: 2 }), seeds: [seed, seed + 1, seed + 2], layout: "stacked", config: { nSteps: 16, batchSize: 16, nEpochs: 2, netArch: [16, 16] } }),
    load: (dir) => PPOPopulation.load(dir, { env: () => make("CartPole-v1", { numEnvs: 2 }), layout: "stacked" }),
  }),
  "offline BC": offline("CartPole-v1", (ds, seed) => new BC(ds, vec("CartPole-v1"), { ...offlineSmall, seed }), (d, ds, env) => BC.load(d, ds, env as never)),
  "offline BC gaussian": offline("Pendulum-v1", (ds, seed) => new BC(ds, vec("Pendulum-v1"), { ...offlineSmall, policy: "gaussian", seed }), (d, ds, env) => BC.load(d, ds, env as never)),
  "offline FQI-LOG": offline("GoalPendulum-v0", (ds, seed) => new FQI(ds, vec("GoalPendulum-v0"), { ...offlineSmall, loss: "log", iterationUpdates: 4, seed }), (d, ds, env) => FQI.load(d, ds, env as never)),
  "offline CQL discrete": offline("CartPole-v1", (ds, seed) => new CQL(ds, vec("CartPole-v1"), { ...offlineSmall, targetUpdateInterval: 4, seed }), (d, ds, env) => CQL.load(d, ds, env as never)),
  "offline CQL continuous": offline("Pendulum-v1", (ds, seed) => new ContinuousCQL(ds, vec("Pendulum-v1"), { ...offlineSmall, nActions: 2, targetActionGap: 1, bcSteps: 5, seed }), (d, ds, env) => ContinuousCQL.load(d, ds, env as never)),
  "offline IQL": offline("Pendulum-v1", (ds, seed) => new IQL(ds, vec("Pendulum-v1"), { ...offlineSmall, seed }), (d, ds, env) => IQL.load(d, ds, env as never)),
  "offline TD3+BC": offline("Pendulum-v1", (ds, seed) => new TD3BC(ds, vec("Pendulum-v1"), { ...offlineSmall, seed }), (d, ds, env) => TD3BC.load(d, ds, env as never)),
  // Decision Transformer: acts from the episode's history, conditioned on a target return.
  "offline DT": gpuCase<DecisionTransformer>({
    steps: 10,
    make: (seed) => new DecisionTransformer(dataset("CartPole-v1"), vec("CartPole-v1"), { contextLength: 4, nLayers: 1, dModel: 16, nHeads: 1, batchSize: 8, updatesPerIteration: 5, seed }),
    evaluate: async (dt) => (await evaluate(dt, dt.conditioned(make("CartPole-v1"), 100), { episodes: 2, seed: 3 })).returns,
    load: (dir, dt) => DecisionTransformer.load(dir, dataset("CartPole-v1"), dt.env),
  }),
  // In-context RL: pretraining through train() (steps = gradient steps), deployment in context.
  DPT: gpuCase<DPT>({
    steps: 4,
    make: (seed) => DPT.preset("bandit/fast", { ...dptTiny, seed }),
    // Regret per task after 12 pulls, the model choosing each pull from the pulls so far.
    evaluate: async (dpt) => [...(await simulateBandit(dpt.banditPolicy(), dptTasks, { seed: 2 })).finalRegret],
    load: (dir) => DPT.load(dir),
  }),
  AD: gpuCase<AD>({
    steps: 4,
    make: (seed) => AD.preset("darkRoom/fast", { ...adTiny, seed }),
    // Returns of 2 consecutive episodes on 2 held-out goals, each action predicted from the history.
    evaluate: async (ad) => (await ad.inContext(ad.goals.test.slice(0, 2), { episodes: 2, seed: 4 })).returns.flat(),
    load: (dir) => AD.load(dir),
  }),
  // Meta-RL: steps = env steps; 2 meta-iterations each.
  MAML: gpuCase<MAML<unknown>>({
    steps: 2 * 2 * 2 * 2 * 20,
    make: (seed) => new MAML(navigation, { ...metaSmall, seed }) as MAML<unknown>,
    evaluate: metaTest,
    load: (dir) => MAML.load(dir, navigation) as Promise<MAML<unknown>>,
  }),
  Reptile: gpuCase<Reptile<unknown>>({
    steps: 2 * 2 * 2 * 2 * 20,
    make: (seed) => new Reptile(navigation, { ...metaSmall, seed }) as Reptile<unknown>,
    // Reptile reports no loss: its post-adaptation return comes from inner SGD steps run on the backend.
    learned: /^postReturn$/,
    evaluate: metaTest,
    load: (dir) => Reptile.load(dir, navigation) as Promise<Reptile<unknown>>,
  }),
  JointPretrain: gpuCase<JointPretrain<unknown>>({
    steps: 2 * 2 * 2 * 2 * 20,
    make: (seed) => new JointPretrain(navigation, { ...metaSmall, seed }) as JointPretrain<unknown>,
    // No loss reported: the return of the last rollout follows the joint updates run on the backend.
    learned: /^lastReturn$/,
    evaluate: metaTest,
    load: (dir) => JointPretrain.load(dir, navigation) as Promise<JointPretrain<unknown>>,
  }),
  RL2: gpuCase<RL2<unknown>>({
    steps: 2 * 4 * 4,
    make: (seed) => new RL2(bandit2, { numTrials: 4, minibatches: 2, episodesPerTrial: 4, hiddenDim: 8, epochs: 2, seed }) as RL2<unknown>,
    // Mean return of episode 1..4 of a trial on 8 held-out bandits, the GRU state carried across.
    evaluate: async (rl2) => (await rl2.metaTest(banditTest, { seed: 3 })).episodeMeans,
    load: (dir) => RL2.load(dir, bandit2) as Promise<RL2<unknown>>,
  }),
  // LM lab (steps: SFT / DPO / reward model = gradient steps, GRPO = iterations, RLHF-PPO = completions).
  // SFT on a task (fresh 2-digit sums every batch); the preference learners on the synthetic task.
  SFT: lmCase(4, (lm, seed) => new SFT(lm, addition, { batchSize: 8, stepsPerIteration: 2, learningRate: 3e-3, seed }), ADDITION_PROBE),
  GRPO: lmCase(2, (lm, seed) => new GRPO(lm, preferenceRL, { groupSize: 4, promptsPerIteration: 4, seed })),
  DPO: lmCase(4, (lm, seed) => new DPO(lm, prefPairs, { rpoAlpha: 1, batchSize: 8, stepsPerIteration: 2, seed }, { task: prefTask })),
  RLHFPPO: lmCase(16, (lm, seed) => new RLHFPPO(lm, trueReward, (rng) => prefTask.samplePrompt(rng), { batchSize: 8, miniBatchSize: 4, ppoEpochs: 1, valueDModel: 8, seed })),
  RewardModel: gpuCase<RewardModel>({
    steps: 4,
    make: (seed) => new RewardModel(prefTok, { maxLength: 12, dModel: 16, nLayers: 1, batchSize: 8, updatesPerIteration: 2, seed }).setPairs(prefPairs),
    // Score margins (chosen minus rejected) of 4 held pairs: every weight of the model, no
    // sampling. Margins, not raw scores: the Bradley-Terry loss is blind to a constant shift, so
    // the output bias's gradient is float32 noise that Adam scales up to lr-sized steps whose
    // sign differs by backend (measured: every raw score 2.2e-4 higher on webgpu, margins equal).
    evaluate: async (rm) => {
      const held = prefPairs.slice(4, 8);
      const prompts = held.map((p) => p.prompt);
      const s = await rm.score([...prompts, ...prompts], [...held.map((p) => p.chosen), ...held.map((p) => p.rejected)]);
      return held.map((_, i) => s[i] - s[i + held.length]);
    },
    // RewardModel has no save/load yet (src/lm has none for it); nothing to round-trip.
    load: null,
  }),
};
