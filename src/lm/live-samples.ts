/**
 * A live table of sample texts during LM training: after every train() record it shows the
 * trainer's latest samples (prompt, completion, reward and whatever else the trainer scores),
 * newest step first, redrawn in place in the cell, as the live charts are (one display_data
 * with a display_id, then update_display_data on it). Outside a kernel nothing is shown; the
 * rows are kept and the object displays as the table when it is a cell's value.
 *
 *   const ppo = new RLHFPPO(lm, reward, prompts);
 *   const samples = liveSamples(ppo, {perStep: 3});
 *   await train(ppo, {steps: 64 * 20, live: {y: "score"}, callbacks: samples.callback});
 *
 * Sources: a GRPO (its `samples`), an RLHFPPO (its `lastSamples`), or a function returning rows.
 * Each redraw is awaited by train() (callbacks may return a promise), so the table shows every
 * step, the last one included, before the run resolves.
 */
import { randomUUID } from "node:crypto";
import { displaySymbol, type DisplayResult, type MimeBundle } from "../display.js";
import { kernelHooks, type KernelHooks } from "../kernel-hooks.js";
import { tableBundle } from "../data/frame.js";

/** One sample text: its prompt, completion and scores (numbers are shown to 3 decimals). */
export type SampleRow = { prompt: string; completion: string } & Record<string, string | number>;

/** What {@link liveSamples} reads samples from. */
export type SampleSource =
  | { samples: readonly { prompt: string; completion: string; reward: number; advantage?: number }[] }
  | { lastSamples: { prompts: readonly string[]; completions: readonly string[]; scores: ArrayLike<number>; kl: ArrayLike<number>; trueScores?: ArrayLike<number> } | undefined }
  | (() => readonly SampleRow[] | undefined);

export interface LiveSamplesOptions {
  /** Samples shown per step (the first ones of the batch; default 4). */
  perStep?: number;
  /** Steps kept in the table, newest first (default 8). */
  keepSteps?: number;
  /** A line above the table (default "Sample texts per step"). */
  title?: string;
  /** The display_id (default: a fresh UUID). */
  displayId?: string;
}

/** The rows of the current samples of a source. */
function rowsOf(source: SampleSource): readonly SampleRow[] {
  if (typeof source === "function") return source() ?? [];
  if ("samples" in source) return source.samples.map((s) => ({ prompt: s.prompt, completion: s.completion, reward: s.reward, ...(s.advantage !== undefined ? { advantage: s.advantage } : {}) }));
  const s = source.lastSamples;
  if (!s) return [];
  return s.prompts.map((prompt, i) => ({ prompt, completion: s.completions[i], score: s.scores[i], kl: s.kl[i], ...(s.trueScores ? { trueScore: s.trueScores[i] } : {}) }));
}

const fmt = (v: unknown) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v));

/** A live table of sample texts per training step (see the module comment). */
export class LiveSamples {
  /** Every row recorded, oldest first, with the step of its record. */
  readonly rows: (SampleRow & { step: number })[] = [];
  readonly displayId: string;
  /** Redraws sent. */
  updates = 0;
  private readonly hooks: KernelHooks | undefined;
  private readonly perStep: number;
  private readonly keepSteps: number;
  private readonly title: string;
  private shown: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: SampleSource,
    options: LiveSamplesOptions = {},
  ) {
    const ok = typeof source === "function" || (!!source && typeof source === "object" && ("samples" in source || "lastSamples" in source));
    if (!ok) throw new TypeError("liveSamples: the source must be a GRPO or RLHFPPO trainer (with samples / lastSamples) or a function returning {prompt, completion, ...} rows");
    this.perStep = options.perStep ?? 4;
    this.keepSteps = options.keepSteps ?? 8;
    for (const [k, v] of [["perStep", this.perStep], ["keepSteps", this.keepSteps]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`liveSamples: ${k} must be a positive integer, got ${v}`);
    }
    this.title = options.title ?? "Sample texts per step";
    this.displayId = options.displayId ?? randomUUID();
    this.hooks = kernelHooks();
    if (this.hooks) this.shown = this.hooks.display(this.value(), { displayId: this.displayId }).catch(() => {});
  }

  /**
   * A train() callback: records the source's current samples under the record's step and redraws
   * the table (the returned promise resolves when the kernel has sent it).
   */
  readonly callback = (record: { step: number }): Promise<void> => {
    const step = record.step;
    for (const r of rowsOf(this.source).slice(0, this.perStep)) this.rows.push({ step, ...r });
    if (!this.hooks) return Promise.resolve();
    const hooks = this.hooks;
    this.updates++;
    this.shown = this.shown.then(() => hooks.updateDisplay(this.value(), { displayId: this.displayId })).catch(() => {});
    return this.shown;
  };

  /** The table's bundle: the last `keepSteps` steps, newest first. */
  bundle(): MimeBundle {
    const steps = [...new Set(this.rows.map((r) => r.step))].slice(-this.keepSteps);
    const keep = new Set(steps);
    const rows = this.rows.filter((r) => keep.has(r.step)).reverse();
    const columns = ["step", "prompt", "completion", ...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => k !== "step" && k !== "prompt" && k !== "completion")))];
    const shown = rows.map((r) => Object.fromEntries(columns.map((c) => [c, c === "step" ? r.step : fmt(r[c] ?? "")])));
    return tableBundle({ caption: `${this.title} (last ${steps.length} of ${new Set(this.rows.map((r) => r.step)).size} steps)`, columns: rows.length ? columns : ["step", "prompt", "completion"], rows: shown });
  }

  private value(): object {
    return { [displaySymbol]: (): DisplayResult => this.bundle() };
  }

  [displaySymbol](): DisplayResult {
    return this.bundle();
  }

  toString(): string {
    return `LiveSamples(${this.rows.length} rows, ${this.updates} updates)`;
  }
}

/** A live table of a trainer's sample texts per step: pass `.callback` to train() (see {@link LiveSamples}). */
export function liveSamples(source: SampleSource, options: LiveSamplesOptions = {}): LiveSamples {
  return new LiveSamples(source, options);
}
