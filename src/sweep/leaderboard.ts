/**
 * A sweep's complete trials, best first: an array of trial records that displays in a notebook
 * as a table (rank, trial, the metric, duration, then each searched parameter), the way rlbook's
 * DataFrames display, instead of a raw array of records.
 */
import { displaySymbol, type MimeBundle } from "../display.js";
import { tableBundle } from "../data/frame.js";
import type { TrialRecord } from "./store.js";

/** Complete trials, best first (an array; `[0]` is the best). Displays as a table. */
export class Leaderboard extends Array<TrialRecord> {
  /** `map`, `filter`, `slice`, ... return plain arrays. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** The metric's name (a column of the table). */
  declare readonly metric: string;
  /** The parameters shown as columns. */
  declare readonly parameters: readonly string[];

  /** A leaderboard of `trials`, already sorted best first. */
  static create(trials: readonly TrialRecord[], metric: string, parameters: readonly string[]): Leaderboard {
    const board = new Leaderboard();
    for (const t of trials) board.push(t);
    // Not own enumerable properties: the array compares and serializes as its trials.
    Object.defineProperty(board, "metric", { value: metric, enumerable: false });
    Object.defineProperty(board, "parameters", { value: [...parameters], enumerable: false });
    return board;
  }

  /** One row per trial, as displayed: rank, trial, the metric, duration, then each parameter. */
  rows(): Record<string, unknown>[] {
    return [...this].map((t, i) => ({
      rank: i + 1,
      trial: t.number,
      [this.metric]: t.value ?? null,
      duration: t.duration ?? null,
      ...Object.fromEntries(this.parameters.map((k) => [k, t.config[k]])),
    }));
  }

  [displaySymbol](): MimeBundle {
    const columns = ["rank", "trial", this.metric, "duration", ...this.parameters.filter((k) => k !== this.metric)];
    return tableBundle({ caption: `leaderboard: ${this.length} complete trial${this.length === 1 ? "" : "s"}, best first`, columns, rows: this.rows() });
  }
}
