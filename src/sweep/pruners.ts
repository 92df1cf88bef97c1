/**
 * Pruners stop unpromising trials early, from the intermediate values trials report:
 * median stopping (Optuna's `MedianPruner`, Google Vizier's median stopping rule) and
 * asynchronous successive halving (ASHA, Li et al. 2018, as Optuna's `SuccessiveHalvingPruner`).
 *
 * Like samplers, pruners keep no state: a decision is a function of the trials' reports, so a
 * resumed sweep prunes as the original would have.
 */
import type { Direction, TrialView } from "./samplers.js";

export interface PrunerSpec {
  kind: "none" | "median" | "asha";
  options: Record<string, unknown>;
}

export interface Pruner {
  readonly spec: PrunerSpec;
  /**
   * Whether `trial` should stop now, just after its latest report. `trials` holds every trial of
   * the sweep (running ones included, `trial` among them).
   */
  shouldPrune(trial: TrialView, trials: readonly TrialView[], direction: Direction): boolean;
}

/** Never prunes. */
export function noPruner(): Pruner {
  return { spec: { kind: "none", options: {} }, shouldPrune: () => false };
}

export interface MedianOptions {
  /** No pruning until this many trials have completed (Optuna: 5). */
  nStartupTrials?: number;
  /** A trial is not pruned before this step (Optuna: 0). */
  nWarmupSteps?: number;
  /** Check every this many steps after the warm-up (Optuna: 1). */
  intervalSteps?: number;
  /** Completed trials that must have reported at the same step to compare (Optuna: 1). */
  nMinTrials?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median stopping: after a report at `step`, the trial is pruned when its best intermediate value
 * so far is worse than the median of the completed trials' values reported at the same step.
 */
export function medianPruner(options: MedianOptions = {}): Pruner {
  const nStartup = options.nStartupTrials ?? 5;
  const warmup = options.nWarmupSteps ?? 0;
  const interval = options.intervalSteps ?? 1;
  const nMin = options.nMinTrials ?? 1;
  for (const [k, v, min] of [["nStartupTrials", nStartup, 0], ["nWarmupSteps", warmup, 0], ["intervalSteps", interval, 1], ["nMinTrials", nMin, 1]] as const) {
    if (!(Number.isInteger(v) && v >= min)) throw new RangeError(`medianPruner: ${k} must be an integer >= ${min}, got ${v}`);
  }
  return {
    spec: { kind: "median", options: { nStartupTrials: nStartup, nWarmupSteps: warmup, intervalSteps: interval, nMinTrials: nMin } },
    shouldPrune(trial, trials, direction) {
      const completed = trials.filter((t) => t.status === "complete" && t.number !== trial.number);
      if (completed.length === 0 || completed.length < nStartup) return false;
      const last = trial.reports[trial.reports.length - 1];
      if (!last) return false;
      const step = last.step;
      if (step < warmup) return false;
      if ((step - warmup) % interval !== 0) return false;
      const vals = trial.reports.map((r) => r.value);
      if (vals.some((v) => Number.isNaN(v))) return true;
      const best = direction === "minimize" ? Math.min(...vals) : Math.max(...vals);
      const atStep: number[] = [];
      for (const t of completed) {
        const r = t.reports.find((x) => x.step === step);
        if (r && !Number.isNaN(r.value)) atStep.push(r.value);
      }
      if (atStep.length < nMin) return false;
      const m = median(atStep);
      return direction === "minimize" ? best > m : best < m;
    },
  };
}

export interface ASHAOptions {
  /** Step of the first rung (Optuna's min_resource; default 1). */
  minResource?: number;
  /** Keep the best 1/reductionFactor at each rung (Optuna: 4; Hyperband / Ray: 3). */
  reductionFactor?: number;
  /** Skips the lowest rungs: rung k is at minResource * rf^(minEarlyStoppingRate + k) (default 0). */
  minEarlyStoppingRate?: number;
}

/** The rungs a trial has recorded, replaying Optuna's successive-halving bookkeeping from its reports. */
export function rungValues(trial: TrialView, rungStep: (r: number) => number): number[] {
  const out: number[] = [];
  trial.reports.forEach((rep, i) => {
    const isLast = i === trial.reports.length - 1;
    while (rep.step >= rungStep(out.length)) {
      out.push(rep.value);
      // A trial pruned by this report recorded the lowest rung it crossed and no more.
      if (isLast && trial.status === "pruned") break;
    }
  });
  return out;
}

/**
 * Asynchronous successive halving: rungs at steps minResource * rf^k. When a trial's report
 * reaches a rung, it goes on only if its value is in the top 1/rf of the values every trial
 * recorded at that rung so far (itself included); otherwise it is pruned. The first trials to
 * reach a rung always continue: no trial waits for others (asynchronous).
 */
export function ashaPruner(options: ASHAOptions = {}): Pruner {
  const minResource = options.minResource ?? 1;
  const rf = options.reductionFactor ?? 4;
  const rate = options.minEarlyStoppingRate ?? 0;
  if (!(minResource > 0)) throw new RangeError(`ashaPruner: minResource must be > 0, got ${minResource}`);
  if (!(Number.isInteger(rf) && rf >= 2)) throw new RangeError(`ashaPruner: reductionFactor must be an integer >= 2, got ${rf}`);
  if (!(Number.isInteger(rate) && rate >= 0)) throw new RangeError(`ashaPruner: minEarlyStoppingRate must be an integer >= 0, got ${rate}`);
  const rungStep = (r: number) => minResource * rf ** (rate + r);
  return {
    spec: { kind: "asha", options: { minResource, reductionFactor: rf, minEarlyStoppingRate: rate } },
    shouldPrune(trial, trials, direction) {
      const last = trial.reports[trial.reports.length - 1];
      if (!last) return false;
      if (Number.isNaN(last.value) && last.step >= rungStep(0)) return true;
      // Rungs this trial recorded before its latest report, then the ones the latest one reaches.
      const before = rungValues({ ...trial, status: "running", reports: trial.reports.slice(0, -1) }, rungStep).length;
      let rung = before;
      const others = trials.filter((t) => t.number !== trial.number).map((t) => rungValues(t, rungStep));
      while (last.step >= rungStep(rung)) {
        const competing = [last.value];
        for (const rv of others) if (rv.length > rung && !Number.isNaN(rv[rung])) competing.push(rv[rung]); // NaN rungs were pruned: no competition
        competing.sort((a, b) => a - b);
        let idx = Math.floor(competing.length / rf) - 1;
        if (idx < 0) idx = 0;
        const promotable = direction === "maximize" ? last.value >= competing[competing.length - 1 - idx] : last.value <= competing[idx];
        if (!promotable) return true;
        rung++;
      }
      return false;
    },
  };
}

/** Rebuilds a pruner from the spec stored in a sweep's log. */
export function prunerFromSpec(spec: PrunerSpec): Pruner {
  switch (spec.kind) {
    case "none":
      return noPruner();
    case "median":
      return medianPruner(spec.options as MedianOptions);
    case "asha":
      return ashaPruner(spec.options as ASHAOptions);
  }
  throw new RangeError(`unknown pruner kind ${JSON.stringify((spec as PrunerSpec).kind)}; expected "none", "median" or "asha"`);
}

export function toPruner(p: Pruner | PrunerSpec["kind"] | undefined): Pruner {
  if (p === undefined || p === "none") return noPruner();
  if (p === "median") return medianPruner();
  if (p === "asha") return ashaPruner();
  if (typeof p === "object" && typeof p.shouldPrune === "function") return p;
  throw new RangeError(`sweep: pruner must be "none", "median", "asha" or a Pruner, got ${JSON.stringify(p)}`);
}
