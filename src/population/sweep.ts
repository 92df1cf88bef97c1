/**
 * Sweeps whose trials train as populations: a grid (or any sampler's trials) of PPO or DQN
 * configs, optionally crossed with seeds, where the trials running at once are one
 * PPOPopulation / DQNPopulation instead of separate runs.
 *
 *   const objective = populationObjective({ algo: "PPO", env: () => make("CartPole-v1", {numEnvs: 8}), steps: 50_000, config: {...} });
 *   const result = await sweep({
 *     space: { learningRate: choice([3e-4, 1e-3]), entCoef: choice([0, 0.01]), seed: choice([0, 1, 2, 3]) },
 *     sampler: "grid", objective, executor: populationExecutor({ size: 16 }),
 *   });
 *
 * The objective is an ordinary sweep objective: run by any executor it trains one agent with the
 * trial's config (a `seed` key in the space is the agent's seed) and returns its score, the mean
 * training return over its last `window` iterations that saw episodes. `populationExecutor`
 * recognises such an objective and runs the trials it receives together (up to `size`) as one
 * population, each trial one member; since member k follows the solo agent with its seed and
 * config (population/ppo.ts, population/dqn.ts), every trial gets the value it would get alone,
 * with the population's speed. Each member's return is reported after every iteration (pruners
 * see it); a pruned trial ends at once, its member training on silently with the rest.
 */
import type { AgentEnv } from "../algos/base.js";
import { PPO, type PPOConfig } from "../algos/ppo.js";
import { DQN, type DQNConfig } from "../algos/dqn.js";
import { train } from "../train/train.js";
import { TrialPruned, type Objective, type TrialContext } from "../sweep/objective.js";
import type { Executor, TrialHooks, TrialJob } from "../sweep/executors.js";
import type { Config } from "../sweep/space.js";
import { PPOPopulation, type MemberRecord } from "./ppo.js";
import { DQNPopulation } from "./dqn.js";

/** What a population objective trains. */
export type PopulationSpec<A = unknown> =
  | { algo: "PPO"; env: (k: number) => AgentEnv<A>; steps: number; config?: Partial<PPOConfig>; window?: number }
  | { algo: "DQN"; env: (k: number) => AgentEnv<A>; steps: number; config?: Partial<DQNConfig>; window?: number };

const SPEC = Symbol.for("rlbook.populationSpec");

/** A sweep objective that trains one agent per trial, and that {@link populationExecutor} batches. */
export type PopulationObjective = Objective & { readonly [SPEC]: PopulationSpec };

/** Mean episode return over the last `window` records with episodes, among those up to the first at or past `steps` (what a solo `train(agent, {steps})` would have). */
export function populationScore(records: readonly Pick<MemberRecord, "step" | "episodeReturn">[], steps: number, window = 3): number {
  const end = records.findIndex((r) => r.step >= steps);
  const upto = end < 0 ? records : records.slice(0, end + 1);
  const ys = upto.map((r) => r.episodeReturn).filter((y) => Number.isFinite(y));
  const last = ys.slice(-window);
  return last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN;
}

function splitSeed(config: Config): { seed: number; rest: Record<string, unknown> } {
  const { seed, ...rest } = config as Record<string, unknown>;
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0)) throw new RangeError(`populationObjective: the trial's seed must be an integer >= 0, got ${JSON.stringify(seed)}`);
  return { seed: (seed as number | undefined) ?? 0, rest };
}

function checkSpec(spec: PopulationSpec): void {
  if (spec.algo !== "PPO" && spec.algo !== "DQN") throw new RangeError(`populationObjective: algo must be "PPO" or "DQN", got ${JSON.stringify((spec as { algo: unknown }).algo)}`);
  if (typeof spec.env !== "function") throw new TypeError("populationObjective: env must be a function (k) => env that makes a new env per call");
  if (!(Number.isInteger(spec.steps) && spec.steps > 0)) throw new RangeError(`populationObjective: steps must be a positive integer, got ${spec.steps}`);
  if (spec.window !== undefined && !(Number.isInteger(spec.window) && spec.window >= 1)) throw new RangeError(`populationObjective: window must be a positive integer, got ${spec.window}`);
}

/** The objective of a population sweep (see the module comment). */
export function populationObjective<A>(spec: PopulationSpec<A>): PopulationObjective {
  checkSpec(spec as PopulationSpec);
  const solo = async (config: Config, ctx: TrialContext): Promise<number> => {
    const { seed, rest } = splitSeed(config);
    const env = spec.env(0);
    const agent = spec.algo === "PPO" ? new PPO(env, { ...spec.config, ...(rest as Partial<PPOConfig>), seed }) : new DQN(env, { ...spec.config, ...(rest as Partial<DQNConfig>), seed });
    try {
      let pruned: unknown;
      const h = await train(agent, {
        steps: spec.steps,
        signal: ctx.signal,
        callbacks: async (r) => {
          if (!Number.isFinite(r.episodeReturn)) return;
          try {
            await ctx.report(r.episodeReturn, r.step);
          } catch (e) {
            pruned = e;
            return "stop";
          }
        },
      });
      if (pruned) throw pruned;
      return populationScore(h, spec.steps, spec.window);
    } finally {
      agent.dispose();
    }
  };
  return Object.assign(solo, { [SPEC]: spec as PopulationSpec });
}

/**
 * An executor that runs up to `size` trials of a {@link populationObjective} as one population.
 * Trials handed to it within one turn of the event loop (a sweep launches its `capacity` trials
 * back to back) form a batch; later ones wait for the next batch.
 */
export function populationExecutor(options: { size?: number } = {}): Executor & { readonly batches: readonly number[] } {
  const size = options.size ?? 16;
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`populationExecutor: size must be a positive integer, got ${size}`);
  interface Pending {
    job: TrialJob;
    hooks: TrialHooks;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }
  let queue: Pending[] = [];
  const batches: number[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const runBatch = async (batch: Pending[]): Promise<void> => {
    const spec = (batch[0].job.objective as PopulationObjective)[SPEC];
    const parts = batch.map((p) => splitSeed(p.job.config));
    const live = new Set(batch.map((_, k) => k));
    const ctrl = new AbortController();
    const abort = () => {
      if (batch.every((p) => p.hooks.signal.aborted)) ctrl.abort(new Error("all trials of the population stopped"));
    };
    batch.forEach((p) => p.hooks.signal.addEventListener("abort", abort, { once: true }));
    batch.forEach((p) => p.hooks.started?.({ attempt: `population-${process.pid}-${p.job.trial}-${Date.now()}`, worker: `population:${process.pid}` }));
    let pop: PPOPopulation | DQNPopulation | undefined;
    try {
      const common = { env: spec.env, seeds: parts.map((p) => p.seed) };
      pop =
        spec.algo === "PPO"
          ? new PPOPopulation({ ...common, config: spec.config, configs: parts.map((p) => p.rest as Partial<PPOConfig>) })
          : new DQNPopulation({ ...common, config: spec.config, configs: parts.map((p) => p.rest as Partial<DQNConfig>) });
      const p = pop;
      let iteration = 0;
      await train(p, {
        steps: spec.steps,
        signal: ctrl.signal,
        callbacks: async () => {
          const i = iteration++;
          for (const k of [...live]) {
            const rec = p.curves[k][i];
            const pend = batch[k];
            if (pend.hooks.signal.aborted) {
              live.delete(k);
              pend.reject(pend.hooks.signal.reason ?? new Error("trial stopped"));
              continue;
            }
            if (Number.isFinite(rec.episodeReturn) && (await pend.hooks.report(rec.episodeReturn, rec.step))) {
              live.delete(k);
              pend.reject(new TrialPruned(pend.job.trial, rec.step));
            } else if (rec.step >= spec.steps) {
              // The member has its steps: its trial ends with the value its solo run would return.
              live.delete(k);
              pend.resolve(populationScore(p.curves[k], spec.steps, spec.window));
            }
          }
          return live.size === 0 ? "stop" : undefined;
        },
      });
      for (const k of live) batch[k].resolve(populationScore(p.curves[k], spec.steps, spec.window));
    } catch (e) {
      for (const k of live) batch[k].reject(e);
    } finally {
      batch.forEach((q) => q.hooks.signal.removeEventListener("abort", abort));
      pop?.dispose();
    }
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (queue.length) {
      // One population per kind of objective, in arrival order.
      const first = queue[0].job.objective;
      const batch = queue.filter((q) => q.job.objective === first).slice(0, size);
      queue = queue.filter((q) => !batch.includes(q));
      batches.push(batch.length);
      void runBatch(batch);
    }
  };
  return {
    kind: "population",
    capacity: size,
    /** The size of every population run so far. */
    batches,
    run(job, hooks) {
      const obj = job.objective as Partial<PopulationObjective>;
      if (typeof obj !== "function" || !obj[SPEC]) {
        return Promise.reject(new TypeError("populationExecutor runs the objectives of populationObjective({algo, env, steps, config}) only (other objectives: use executor \"inline\" or \"process\")"));
      }
      return new Promise((resolve, reject) => {
        queue.push({ job, hooks, resolve, reject });
        // The sweep launches its trials one event-loop turn apart: a batch closes when it is full,
        // or when no trial has arrived for a while.
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (queue.length >= size) flush();
        else timer = setTimeout(flush, 250);
      });
    },
    async close() {},
  };
}
