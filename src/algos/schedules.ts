/**
 * Rates that change over a training run (SB3's `Schedule`): every learning rate of every
 * algorithm, PPO's clip ranges, ... is a {@link Rate}: a number, or a schedule of the run's
 * progress. As in SB3 a schedule is read at `progressRemaining`, which goes from 1 at the start
 * of `train(agent, {steps})` to 0 at its end.
 *
 * Schedules are plain data ({kind: "linear", start, end, endFraction}) so that a checkpoint can
 * store them: build them with {@link linearSchedule}, {@link constantSchedule} and
 * {@link stepSchedule}. A plain function `(progressRemaining) => rate` is accepted too, but it
 * cannot be written into a checkpoint: `save` rejects it, naming the field.
 */
import type { NumberRule } from "./base.js";

/** A schedule as plain data (stored in checkpoints). */
export type ScheduleSpec =
  | { kind: "constant"; value: number }
  | { kind: "linear"; start: number; end: number; endFraction: number }
  | { kind: "step"; values: number[]; boundaries: number[] };

/** SB3's `Schedule`: the rate at `progressRemaining` (1 at the start of training, 0 at its end). Not checkpointable. */
export type ScheduleFn = (progressRemaining: number) => number;

/** A rate-like hyperparameter: a number, a schedule description, or a function of the progress remaining. */
export type Rate = number | ScheduleSpec | ScheduleFn;

/** The same value for the whole run (the same as passing the number). */
export function constantSchedule(value: number): ScheduleSpec {
  return { kind: "constant", value };
}

/**
 * From `start` to `end` linearly over the first `endFraction` of the run, then `end` (SB3's
 * `get_linear_fn(start, end, end_fraction)`; RL-Zoo's `lin_0.001` is `linearSchedule(0.001, 0)`).
 */
export function linearSchedule(start: number, end = 0, endFraction = 1): ScheduleSpec {
  return { kind: "linear", start, end, endFraction };
}

/**
 * Piecewise constant: `values[0]` until the fraction `boundaries[0]` of the run has elapsed,
 * then `values[1]` until `boundaries[1]`, ...; `boundaries` increasing in (0, 1), one fewer
 * than `values`. E.g. `stepSchedule([1e-3, 3e-4], [0.5])`.
 */
export function stepSchedule(values: number[], boundaries: number[]): ScheduleSpec {
  return { kind: "step", values: [...values], boundaries: [...boundaries] };
}

/** The value of `rate` at `progressRemaining` (1 -> 0). */
export function rateAt(rate: Rate, progressRemaining: number): number {
  if (typeof rate === "number") return rate;
  if (typeof rate === "function") return rate(progressRemaining);
  switch (rate.kind) {
    case "constant":
      return rate.value;
    case "linear": {
      // endFraction 1 uses progressRemaining directly, so linearSchedule(lr, 0) is exactly
      // progressRemaining * lr (CleanRL's anneal_lr arithmetic).
      const p = rate.endFraction === 1 ? progressRemaining : Math.max(0, 1 - (1 - progressRemaining) / rate.endFraction);
      return rate.end + (rate.start - rate.end) * p;
    }
    case "step": {
      const elapsed = 1 - progressRemaining;
      let i = 0;
      while (i < rate.boundaries.length && elapsed >= rate.boundaries[i]) i++;
      return rate.values[i];
    }
  }
}

function numberProblem(v: unknown, rule: NumberRule): boolean {
  if (typeof v !== "number" || !Number.isFinite(v)) return true;
  if (rule.min !== undefined && (rule.gtMin ? v <= rule.min : v < rule.min)) return true;
  if (rule.max !== undefined && v > rule.max) return true;
  return false;
}

/**
 * Why `v` is not a rate whose values follow `numberRule` ("" when it is one). Schedules are
 * checked value by value, their values allowed to reach an exclusive minimum; a function is
 * checked at the start and the end of the run.
 */
export function rateProblem(v: unknown, numberRule: NumberRule): string {
  if (typeof v === "number") return numberProblem(v, numberRule) ? "value out of range" : "";
  // A schedule may reach an exclusive bound (a learning rate annealed to 0 at the run's end).
  const rule = { ...numberRule, gtMin: false };
  if (typeof v === "function") {
    for (const p of [1, 0]) {
      let x: unknown;
      try {
        x = (v as ScheduleFn)(p);
      } catch (e) {
        return `the function threw at progressRemaining ${p}: ${(e as Error).message}`;
      }
      if (numberProblem(x, rule)) return `the function returned ${String(x)} at progressRemaining ${p}`;
    }
    return "";
  }
  if (typeof v !== "object" || v === null) return "not a number or schedule";
  const s = v as Record<string, unknown>;
  if (s.kind === "constant") return numberProblem(s.value, rule) ? "constant value out of range" : "";
  if (s.kind === "linear") {
    if (numberProblem(s.start, rule) || numberProblem(s.end, rule)) return "linear start / end out of range";
    if (typeof s.endFraction !== "number" || !(s.endFraction > 0 && s.endFraction <= 1)) return "endFraction must be in (0, 1]";
    return "";
  }
  if (s.kind === "step") {
    const vals = s.values;
    const b = s.boundaries;
    if (!Array.isArray(vals) || vals.length === 0 || vals.some((x) => numberProblem(x, rule))) return "step values out of range";
    if (!Array.isArray(b) || b.length !== vals.length - 1) return "step boundaries must be one fewer than values";
    for (let i = 0; i < b.length; i++) if (typeof b[i] !== "number" || !(b[i] > 0 && b[i] < 1) || (i > 0 && b[i] <= b[i - 1])) return "step boundaries must increase within (0, 1)";
    return "";
  }
  return "unknown schedule kind";
}

/** Throws when a config holds a schedule given as a function (JSON cannot store it), naming the fields. */
export function checkCheckpointable(algo: string, config: object): void {
  const fns = Object.entries(config)
    .filter(([, v]) => typeof v === "function")
    .map(([k]) => k);
  if (fns.length) {
    throw new TypeError(
      `${algo}.save: ${fns.join(", ")} ${fns.length > 1 ? "are schedules" : "is a schedule"} given as a function, which a checkpoint cannot store; ` +
        `use linearSchedule(start, end), stepSchedule(values, boundaries) or constantSchedule(value) instead`,
    );
  }
}

/**
 * Where a training run is, for schedules: `train(agent, {steps})` calls `begin(numTimesteps,
 * steps)`; `remaining(numTimesteps)` is SB3's progress_remaining (1 -> 0).
 */
export class TrainingProgress {
  private start = 0;
  private end = 1;

  begin(numTimesteps: number, steps: number): void {
    this.start = numTimesteps;
    this.end = numTimesteps + steps;
  }

  /** Fraction of the scheduled run still to go (1 -> 0). */
  remaining(numTimesteps: number): number {
    const span = this.end - this.start;
    if (span <= 0) return 1;
    return Math.max(0, 1 - (numTimesteps - this.start) / span);
  }

  /** Fraction of the scheduled run done (0 -> 1), at most 1. */
  elapsed(numTimesteps: number): number {
    const span = this.end - this.start;
    return span > 0 ? Math.min(1, (numTimesteps - this.start) / span) : 1;
  }

  /** The env steps the run spans (for fractions of it, as DQN's exploration). */
  get span(): number {
    return this.end - this.start;
  }

  get startStep(): number {
    return this.start;
  }
}
