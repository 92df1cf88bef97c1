/**
 * Population-based training (Jaderberg et al. 2017; the exploit / explore of Ray Tune's
 * `PopulationBasedTraining`, run in synchronous rounds).
 *
 *   const result = await pbt({
 *     space: {learningRate: logUniform(1e-4, 3e-3), entCoef: uniform(0, 0.02)},
 *     objective: segment,              // one round of training for one member (below)
 *     population: 8, rounds: 10, mode: "max",
 *   });
 *
 * The objective trains one member for one round: it restores the agent from `ctx.restore` when
 * given (a checkpoint folder; absent in round 0), trains, saves the agent into `ctx.dir` and
 * returns its score:
 *
 *   async function segment(config, {restore, dir, signal}) {
 *     const env = make("CartPole-v1", {numEnvs: 8});
 *     const agent = restore ? await PPO.load(restore, env, config) : new PPO(env, config);
 *     const history = await train(agent, {steps: 10_000, signal});
 *     await agent.save(dir);
 *     return meanOfLast(history, "episodeReturn");
 *   }
 *
 * After each round the members are ranked by score. Each member in the bottom `quantile`
 * exploits: it copies the checkpoint of a member drawn from the top `quantile` into its own
 * folder and continues from it, with that member's hyperparameters explored: each one resampled
 * from the space with probability `resampleProbability`, otherwise multiplied by 1.2 or 0.8
 * (integers rounded, clamped to the range) or, for a choice, moved to a neighbouring value.
 * Every other member continues from its own checkpoint with its own hyperparameters.
 */
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { randomUUID } from "node:crypto";
import { Rng } from "../core/rng.js";
import { kernelHooks } from "../kernel-hooks.js";
import { fromInternal, validateSpace, searchable, type Config, type Space, type SpaceInput, snapQuantized } from "./space.js";
import { randomSampler, sampleUniform, type Direction } from "./samplers.js";
import { metricOf, toObjectiveRef, type Objective } from "./objective.js";
import { inlineExecutor, poolExecutor, type Executor } from "./executors.js";
import type { ObjectiveRef } from "./store.js";
import type { Mode } from "./sweep.js";

export interface PBTOptions {
  space: SpaceInput;
  /** One round of training for one member (see the module comment). */
  objective: Objective | ObjectiveRef | string;
  /** Members (default 8). */
  population?: number;
  /** Rounds of training; exploit / explore happens between rounds (default 10). */
  rounds?: number;
  /** Fraction of the population that exploits (bottom) and is copied (top) (default 0.25, Ray's). */
  quantile?: number;
  /** Probability of resampling a hyperparameter instead of perturbing it (default 0.25, Ray's). */
  resampleProbability?: number;
  /** The factors a numeric hyperparameter is multiplied by, one drawn at random (default [1.2, 0.8]). */
  perturbFactors?: [number, number];
  /** Parameters to explore (default: every searchable one). */
  mutations?: string[];
  metric?: string;
  mode?: Mode;
  seed?: number;
  /** Members training at once (default 1). */
  parallel?: number;
  executor?: "inline" | "process" | "thread" | Executor;
  signal?: AbortSignal;
  /** Folder for the checkpoints (default: a temporary folder). */
  dir?: string;
  /** Called after every round with its segments (for live plots). */
  onRound?: (segments: PBTSegment[]) => void;
  /** Called for every exploit / explore step, before the next round starts. */
  onExploit?: (e: PBTExploit) => void;
}

/** One member's round. */
export interface PBTSegment {
  member: number;
  round: number;
  config: Config;
  score: number;
  /** Where this round started from: undefined in round 0, else a member's checkpoint of the previous round. */
  restoredFrom?: { member: number; round: number; dir: string };
  /** The checkpoint this round saved. */
  dir: string;
  /** Other fields of the record the objective returned. */
  attrs?: Record<string, unknown>;
}

/** One exploit / explore step between two rounds. */
export interface PBTExploit {
  /** After this round. */
  round: number;
  member: number;
  from: number;
  /** The member's config before, the source's config, and the explored config it continues with. */
  before: Config;
  source: Config;
  after: Config;
  /** The source's checkpoint and the copy the member continues from. */
  sourceDir: string;
  copyDir: string;
}

export class PBTResult {
  constructor(
    readonly space: Space,
    readonly metric: string,
    readonly direction: Direction,
    readonly segments: PBTSegment[],
    readonly exploits: PBTExploit[],
    /** True when the run was stopped before its last round. */
    readonly stopped: boolean,
  ) {}

  /** The best member of the last complete round (undefined when none of its scores is a finite number). */
  get best(): PBTSegment | undefined {
    const last = Math.max(-1, ...this.segments.map((s) => s.round));
    return rankSegments(this.segments.filter((s) => s.round === last && Number.isFinite(s.score)), this.direction)[0];
  }

  /** One row per member and round: member, round, score, restoredFrom, then the config. */
  rows(): Record<string, unknown>[] {
    return this.segments.map((s) => ({ member: s.member, round: s.round, [this.metric]: s.score, from: s.restoredFrom?.member ?? null, ...s.config }));
  }

  async frame() {
    const { toDataFrame } = await import("../data/frame.js");
    return toDataFrame(this.rows());
  }
}

/** Segments best first; a NaN (or otherwise non-finite) score ranks last, so that member exploits. */
function rankSegments(segments: PBTSegment[], direction: Direction): PBTSegment[] {
  const key = (s: PBTSegment) => (Number.isFinite(s.score) ? (direction === "minimize" ? s.score : -s.score) : Infinity);
  return [...segments].sort((a, b) => (key(a) === key(b) ? 0 : key(a) - key(b)) || a.member - b.member);
}

/** Ray Tune's explore: resample, or perturb by a factor, or move a choice to a neighbour. */
export function explore(space: Space, config: Config, rng: Rng, options: { resampleProbability?: number; perturbFactors?: [number, number]; mutations?: string[] } = {}): Config {
  const p = options.resampleProbability ?? 0.25;
  const [up, down] = options.perturbFactors ?? [1.2, 0.8];
  const names = new Set(options.mutations ?? searchable(space).map(([n]) => n));
  const out: Config = { ...config };
  for (const [name, param] of searchable(space)) {
    if (!names.has(name)) continue;
    if (rng.random() < p) {
      out[name] = sampleUniform(param, rng);
      continue;
    }
    const v = config[name];
    if (param.kind === "choice") {
      const i = param.values.findIndex((c) => JSON.stringify(c) === JSON.stringify(v));
      const j = Math.max(0, Math.min(param.values.length - 1, (i < 0 ? 0 : i) + (rng.random() < 0.5 ? -1 : 1)));
      out[name] = param.values[j];
      continue;
    }
    const x = (v as number) * (rng.random() < 0.5 ? up : down);
    const clamped = Math.min(param.high, Math.max(param.low, x));
    if (param.kind === "intUniform") out[name] = Math.round(clamped);
    else if (param.kind === "quantized") out[name] = snapQuantized(param, clamped);
    else out[name] = fromInternal(param, param.kind === "logUniform" ? Math.log(clamped) : clamped);
  }
  return out;
}

/** Runs population-based training (see the module comment). */
export async function pbt(options: PBTOptions): Promise<PBTResult> {
  const space = validateSpace(options.space);
  const population = options.population ?? 8;
  const rounds = options.rounds ?? 10;
  const quantile = options.quantile ?? 0.25;
  if (!(Number.isInteger(population) && population >= 2)) throw new RangeError(`pbt: population must be an integer >= 2, got ${population}`);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`pbt: rounds must be a positive integer, got ${rounds}`);
  if (!(quantile > 0 && quantile <= 0.5)) throw new RangeError(`pbt: quantile must be in (0, 0.5], got ${quantile}`);
  const mode = options.mode ?? "max";
  if (!["min", "max", "minimize", "maximize"].includes(mode)) throw new RangeError(`pbt: mode must be "min" or "max", got ${JSON.stringify(mode)}`);
  const direction: Direction = mode === "min" || mode === "minimize" ? "minimize" : "maximize";
  const metric = options.metric ?? "value";
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = new Rng(seed);
  const objective = typeof options.objective === "function" ? options.objective : toObjectiveRef(options.objective as string | ObjectiveRef);
  const parallel = options.parallel ?? 1;
  let executor: Executor;
  let owns = true;
  if (typeof options.executor === "object") (executor = options.executor), (owns = false);
  else if ((options.executor ?? (typeof objective === "function" || parallel === 1 ? "inline" : "process")) === "inline") executor = inlineExecutor(parallel);
  else executor = poolExecutor({ size: parallel, kind: options.executor === "thread" ? "thread" : "process" });
  const root = options.dir ?? join(tmpdir(), `rlbook-pbt-${randomUUID().slice(0, 8)}`);
  mkdirSync(root, { recursive: true });
  const signal = options.signal ?? kernelHooks()?.signal();
  const nq = Math.max(1, Math.min(Math.floor(population / 2), Math.ceil(population * quantile)));
  const random = randomSampler();
  const configs: Config[] = Array.from({ length: population }, () => random.sample(space, [], 0, rng.split(), direction));
  const restore: (PBTSegment["restoredFrom"] | undefined)[] = new Array(population).fill(undefined);
  const segments: PBTSegment[] = [];
  const exploits: PBTExploit[] = [];
  let stopped = false;
  try {
    for (let round = 0; round < rounds; round++) {
      if (signal?.aborted) {
        stopped = true;
        break;
      }
      const results: PBTSegment[] = new Array(population);
      let nextMember = 0;
      const lane = async () => {
        while (nextMember < population && !signal?.aborted) {
          const m = nextMember++;
          const dir = join(root, `member-${m}`, `round-${round}`);
          const ctrl = new AbortController();
          const onAbort = () => ctrl.abort(signal?.reason);
          signal?.addEventListener("abort", onAbort, { once: true });
          try {
            const result = await executor.run(
              { sweepId: "pbt", trial: m, config: configs[m], dir, restore: restore[m]?.dir, round, objective },
              { signal: ctrl.signal, report: async () => false },
            );
            const score = metricOf(result, metric);
            if (!Number.isFinite(score)) console.warn(`pbt: member ${m} scored ${score} in round ${round} (a diverged run?); it ranks last${round < rounds - 1 ? ", so it continues from a top member's checkpoint" : ""}`);
            let attrs: Record<string, unknown> | undefined;
            if (result && typeof result === "object") {
              attrs = { ...(result as Record<string, unknown>) };
              delete attrs[metric];
            }
            results[m] = { member: m, round, config: configs[m], score, restoredFrom: restore[m], dir, ...(attrs ? { attrs } : {}) };
          } finally {
            signal?.removeEventListener("abort", onAbort);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(population, executor.capacity) }, lane));
      if (signal?.aborted) {
        stopped = true;
        break;
      }
      segments.push(...results);
      options.onRound?.(results);
      if (round === rounds - 1) break;
      // Exploit and explore.
      const ranked = rankSegments(results, direction);
      const top = ranked.slice(0, nq);
      const bottom = new Set(ranked.slice(-nq).map((s) => s.member));
      for (const s of results) {
        if (!bottom.has(s.member)) {
          restore[s.member] = { member: s.member, round, dir: s.dir };
          continue;
        }
        const src = top[rng.integer(top.length)];
        const copyDir = join(root, `member-${s.member}`, `round-${round}-from-${src.member}`);
        cpSync(src.dir, copyDir, { recursive: true });
        const after = explore(space, src.config, rng, options);
        const e: PBTExploit = { round, member: s.member, from: src.member, before: s.config, source: src.config, after, sourceDir: src.dir, copyDir };
        exploits.push(e);
        options.onExploit?.(e);
        configs[s.member] = after;
        restore[s.member] = { member: src.member, round, dir: copyDir };
      }
    }
  } finally {
    if (owns) await executor.close();
  }
  return new PBTResult(space, metric, direction, segments, exploits, stopped);
}
