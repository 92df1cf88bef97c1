/**
 * The objective a sweep optimizes, and what a trial sees while it runs.
 *
 *   async function objective(config, {report, signal}) {
 *     const agent = new PPO(make("CartPole-v1", {numEnvs: 8}), config);
 *     await train(agent, {steps: 50_000, signal, callbacks: (r) => report(r.episodeReturn, r.step)});
 *     return (await evaluate(agent, make("CartPole-v1"))).meanReturn;
 *   }
 *
 * `report(value, step)` hands an intermediate value to the pruner. When the pruner stops the
 * trial, `signal` aborts (so `train(..., {signal})` ends at once) and the `report` promise rejects
 * with {@link TrialPruned}; either way the trial is recorded as pruned.
 *
 * To run trials in other processes or on other machines the objective must be importable: give
 * `{module: "./objective.js", export: "objective"}` (or "./objective.js#objective") instead of the
 * function. The module is imported in each worker.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Config } from "./space.js";
import type { ObjectiveRef } from "./store.js";

export interface TrialContext {
  /** The trial's number in its sweep (0-based). */
  trial: number;
  /**
   * Reports an intermediate value at `step` (default: 1, 2, 3, ... in report order). Resolves
   * when the trial may go on; rejects with {@link TrialPruned} when the pruner stops it.
   */
  report(value: number, step?: number): Promise<void>;
  /** Aborted when the trial is pruned, the sweep is stopped, or the kernel interrupts the cell. */
  signal: AbortSignal;
  /** A folder for this trial's files (checkpoints); not created until the objective writes there. */
  dir: string;
  /** Population-based training: a checkpoint folder to restore from (absent on a first segment). */
  restore?: string;
  /** Population-based training: which round this segment is (0-based). */
  round?: number;
}

/** What an objective returns: the metric, or a record holding it under the sweep's metric name. */
export type ObjectiveResult = number | Record<string, unknown>;
/** The function a sweep optimizes; `C` is the configuration type (typed from the space by `sweep`). */
export type Objective<C = Config> = (config: C, ctx: TrialContext) => Promise<ObjectiveResult> | ObjectiveResult;

/** Thrown by `report` (and recognised by the sweep) when a trial is pruned. */
export class TrialPruned extends Error {
  constructor(
    readonly trial: number,
    readonly step: number,
  ) {
    super(`trial ${trial} pruned at step ${step}`);
    this.name = "TrialPruned";
  }
}

/** Reads "path#export" or {module, export} into a ref with an absolute module URL. */
export function toObjectiveRef(x: string | ObjectiveRef): ObjectiveRef {
  let module: string;
  let exp: string;
  if (typeof x === "string") {
    const i = x.lastIndexOf("#");
    module = i >= 0 ? x.slice(0, i) : x;
    exp = i >= 0 ? x.slice(i + 1) : "default";
  } else {
    module = x.module;
    exp = x.export ?? "default";
  }
  if (!module) throw new RangeError('sweep: an objective reference needs a module path, e.g. "./objective.js#objective"');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(module) || /^[a-z]:[\\/]/i.test(module)) module = pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
  return { module, export: exp };
}

/** Imports a referenced objective (in whatever process runs the trial). */
export async function loadObjective(ref: ObjectiveRef): Promise<Objective> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const fn = mod[ref.export];
  if (typeof fn !== "function") {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === "function");
    throw new TypeError(`sweep: ${ref.module} has no exported function "${ref.export}" (functions exported: ${names.join(", ") || "none"})`);
  }
  return fn as Objective;
}

/** The metric out of an objective's result (possibly NaN: the sweep fails such a trial); throws when there is none. */
export function metricOf(result: unknown, metric: string): number {
  if (typeof result === "number") return result;
  if (result && typeof result === "object" && typeof (result as Record<string, unknown>)[metric] === "number") return (result as Record<string, number>)[metric];
  let shown: string;
  try {
    shown = JSON.stringify(result) ?? String(result);
  } catch {
    shown = String(result);
  }
  const hint = result === undefined ? " (does the objective return its value?)" : "";
  throw new TypeError(`sweep: the objective must return a number or a record with a numeric "${metric}" field, got ${shown}${hint}`);
}

/** Builds the context of one trial: numbering steps, aborting on prune. */
export function makeContext(
  base: { trial: number; dir: string; restore?: string; round?: number },
  signal: AbortSignal,
  ask: (value: number, step: number) => Promise<boolean>,
  onPruned: (e: TrialPruned) => void,
): TrialContext {
  let n = 0;
  return {
    ...base,
    signal,
    async report(value: number, step?: number) {
      n++;
      const s = step ?? n;
      if (typeof value !== "number") throw new TypeError(`report: value must be a number, got ${JSON.stringify(value)}`);
      if (!Number.isFinite(s)) throw new TypeError(`report: step must be a finite number, got ${s}`);
      const prune = await ask(value, s);
      if (prune) {
        const e = new TrialPruned(base.trial, s);
        onPruned(e);
        throw e;
      }
    },
  };
}
