/**
 * The result store: one append-only JSON-lines file per sweep, one event per line, each line
 * written with a single write() and fsync'ed before the sweep goes on.
 *
 * Why not SQLite with WAL: Node 20 has no built-in SQLite (node:sqlite arrived in Node 22), and
 * the npm SQLite bindings need a native build, which the machines rlbook is built and tested on
 * do not allow (install scripts are blocked). An append-only log gives the same guarantee for
 * this workload, which only ever appends: a record is durable once `fsync` returns, a crash
 * (kill -9, power loss) can at worst leave the last line torn, and the reader skips a torn last
 * line (a writer that reopens such a log ends the torn line and marks it as torn, so it stays
 * harmless in the middle of the log). Any other line that does not parse is damage: `readLog`
 * names it by line number in `warnings`, with the trials it may have touched, and keeps every
 * trial result that the readable lines hold. Every trial's config, reports, final value, status and timing are in the log as they
 * happen; `readLog` folds the events back into trials, and `sweep.resume` reruns the trials that
 * had started but not finished.
 */
import { closeSync, fstatSync, readSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Config, Space } from "./space.js";
import type { Direction, SamplerSpec, TrialStatus, TrialView } from "./samplers.js";
import type { PrunerSpec } from "./pruners.js";

/** How an objective running out of this process is found: a module path (or URL) and an export name. */
export interface ObjectiveRef {
  module: string;
  export: string;
}

export const LOG_VERSION = 1;

export type LogEvent =
  | {
      type: "sweep";
      version: number;
      id: string;
      time: number;
      space: Space;
      metric: string;
      direction: Direction;
      trials: number;
      seed: number;
      sampler: SamplerSpec;
      pruner: PrunerSpec;
      objective?: ObjectiveRef;
    }
  | { type: "start"; trial: number; config: Config; time: number; attempt?: string; worker?: string }
  | { type: "report"; trial: number; step: number; value: number; time: number }
  | { type: "restart"; trial: number; time: number; attempt?: string; worker?: string }
  | { type: "end"; trial: number; status: Exclude<TrialStatus, "running">; value?: number; time: number; error?: string; attrs?: Record<string, unknown> }
  | { type: "stop"; time: number; reason: string };

/** A trial as recorded in the store. */
export interface TrialRecord extends TrialView {
  /** Unix ms when the trial (its latest attempt) started and ended. */
  start: number;
  end?: number;
  /** Seconds it ran (latest attempt). */
  duration?: number;
  /** Why it failed (the objective's error, or the non-number it returned), or why a pruned trial's value is not a number. */
  error?: string;
  /** Attempts: > 1 when the trial was restarted (a worker died, or the sweep was resumed). */
  attempts: number;
  worker?: string;
  /** The other fields of the record the objective returned (when it returned a record). */
  attrs?: Record<string, unknown>;
}

/** The header and the trials of a sweep log. */
export interface SweepLog {
  header: Extract<LogEvent, { type: "sweep" }>;
  trials: TrialRecord[];
  /** Lines that could not be parsed (torn ones after a crash, and damaged ones). */
  skipped: number;
  /** Lines that could not be parsed and are not the torn end of a crash: damage (1-based line numbers). */
  damaged: { line: number; text: string }[];
  /** What the damage means for the trials, one sentence each (empty for an intact log). */
  warnings: string[];
}

/** Written by a {@link LogWriter} that reopens a log whose last line is torn: the line before it is a crash's torn tail, not damage. */
interface TornMark {
  type: "torn-line-above";
  time: number;
}

// JSON has no NaN / Infinity: encode them as strings so that a NaN report survives.
const encodeNum = (_k: string, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? { $num: String(v) } : v);
const decodeNum = (_k: string, v: unknown) => (v && typeof v === "object" && typeof (v as { $num?: unknown }).$num === "string" ? Number((v as { $num: string }).$num) : v);

function endsWithNewline(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Appends events to a sweep log, durably (fsync per event). */
export class LogWriter {
  private fd: number | undefined;
  /** Bytes written (for the store-overhead benchmark). */
  bytes = 0;
  records = 0;

  constructor(
    readonly path: string,
    options: { fsync?: boolean } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    // A crash may have left a torn last line: end it so that the next record starts a fresh line
    // (the reader skips the torn one).
    const torn = existsSync(path) && !endsWithNewline(path);
    this.fd = openSync(path, "a");
    this.sync = options.fsync ?? true;
    if (torn) writeSync(this.fd, "\n" + JSON.stringify({ type: "torn-line-above", time: Date.now() } satisfies TornMark) + "\n");
  }
  private readonly sync: boolean;

  append(event: LogEvent): void {
    if (this.fd === undefined) throw new Error(`sweep log ${this.path} is closed`);
    const line = JSON.stringify(event, encodeNum) + "\n";
    const buf = Buffer.from(line);
    // One write per record: a crash leaves whole records and at most one torn final line.
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
    if (this.sync) fsyncSync(this.fd);
    this.bytes += buf.length;
    this.records++;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads a sweep log and folds the events into trials. A torn last line (a crash) is skipped; any
 * other unreadable line is reported in `damaged` and `warnings`, and the trials' results on the
 * readable lines are kept (a trial whose start line is lost keeps its result, without its
 * configuration).
 */
export function readLog(path: string): SweepLog {
  if (!existsSync(path)) throw new Error(`sweep log not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`sweep log ${path} is a folder; give the path of the log file (the sweep's storage option)`);
  const text = readFileSync(path, "utf8");
  const records: ({ line: number; ev: LogEvent | TornMark } | { line: number; bad: string })[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const ev = JSON.parse(line, decodeNum);
      if (ev && typeof ev === "object" && typeof ev.type === "string") records.push({ line: i + 1, ev });
      else records.push({ line: i + 1, bad: line });
    } catch {
      records.push({ line: i + 1, bad: line });
    }
  });
  let header: SweepLog["header"] | undefined;
  const trials = new Map<number, TrialRecord>();
  /** Line of each trial's latest start or restart. */
  const startedAt = new Map<number, number>();
  /** Trials known only from events after their lost start line, with the first such line. */
  const orphans = new Map<number, number>();
  const damaged: SweepLog["damaged"] = [];
  let skipped = 0;
  const orphan = (trial: number, time: number, line: number): TrialRecord | undefined => {
    // Events of an unknown trial are ignored unless damage came before (its start line may be lost).
    if (damaged.length === 0 || !Number.isInteger(trial)) return undefined;
    const t: TrialRecord = { number: trial, config: {}, status: "running", reports: [], start: time, attempts: 1 };
    trials.set(trial, t);
    orphans.set(trial, line);
    startedAt.set(trial, line);
    return t;
  };
  records.forEach((r, i) => {
    if ("bad" in r) {
      skipped++;
      const next = records[i + 1];
      const torn = next === undefined || ("ev" in next && next.ev.type === "torn-line-above");
      if (!torn) damaged.push({ line: r.line, text: r.bad });
      return;
    }
    const ev = r.ev;
    switch (ev.type) {
      case "sweep":
        if (ev.version !== LOG_VERSION) throw new Error(`sweep log ${path}: version ${ev.version} is not supported (expected ${LOG_VERSION})`);
        header ??= ev;
        break;
      case "start": {
        const prev = trials.get(ev.trial);
        trials.set(ev.trial, { number: ev.trial, config: ev.config, status: "running", reports: [], start: ev.time, attempts: (prev?.attempts ?? 0) + 1, worker: ev.worker });
        orphans.delete(ev.trial);
        startedAt.set(ev.trial, r.line);
        break;
      }
      case "restart": {
        const t = trials.get(ev.trial) ?? orphan(ev.trial, ev.time, r.line);
        if (t) Object.assign(t, { reports: [], start: ev.time, attempts: t.attempts + 1, worker: ev.worker, status: "running" as const, end: undefined, value: undefined });
        startedAt.set(ev.trial, r.line);
        break;
      }
      case "report": {
        const t = trials.get(ev.trial) ?? orphan(ev.trial, ev.time, r.line);
        if (t) t.reports.push({ step: ev.step, value: ev.value });
        break;
      }
      case "end": {
        const t = trials.get(ev.trial) ?? orphan(ev.trial, ev.time, r.line);
        if (t) {
          t.status = ev.status;
          t.value = ev.value;
          t.end = ev.time;
          t.duration = (ev.time - t.start) / 1000;
          if (ev.error) t.error = ev.error;
          if (ev.attrs) t.attrs = ev.attrs;
        }
        break;
      }
      case "stop":
      case "torn-line-above":
        break;
    }
  });
  if (!header) throw new Error(`sweep log ${path} has no header: not a sweep log, or torn before its first record`);
  const warnings: string[] = [];
  const excerpt = (s: string) => JSON.stringify(s.length > 60 ? s.slice(0, 60) + "..." : s);
  for (const d of damaged) warnings.push(`sweep log ${path}: line ${d.line} is corrupt (${excerpt(d.text)} is not a log record); skipped it`);
  for (const [n, line] of orphans) {
    const t = trials.get(n)!;
    const lost = damaged.filter((d) => d.line < line).map((d) => d.line);
    if (t.status === "running") {
      t.status = "failed";
      t.error = `its start record (with its configuration) was lost on a corrupt line of the log (line ${lost.join(" or ")}), so it cannot run again`;
      warnings.push(`sweep log ${path}: trial ${n} ${t.error}; it counts as failed`);
    } else {
      warnings.push(`sweep log ${path}: trial ${n}'s start record (its configuration) was lost on a corrupt line (line ${lost.join(" or ")}); its result (${t.status}${t.value !== undefined ? `, ${t.value}` : ""}) is kept without its configuration`);
    }
  }
  for (const t of trials.values()) {
    if (t.status !== "running") continue;
    const after = damaged.filter((d) => d.line > startedAt.get(t.number)!).map((d) => d.line);
    if (after.length) warnings.push(`sweep log ${path}: trial ${t.number} has no end record and may have ended on corrupt line ${after.join(" or ")}; sweep.resume runs it again`);
  }
  return { header, trials: [...trials.values()].sort((a, b) => a.number - b.number), skipped, damaged, warnings };
}
