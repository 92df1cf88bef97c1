/**
 * Hyperparameter sweeps.
 *
 *   const run = sweep({
 *     space: {learningRate: logUniform(1e-4, 1e-2), gamma: uniform(0.9, 0.999)},
 *     objective,                      // async (config, {report, signal}) => number
 *     sampler: "tpe", pruner: "asha", trials: 50, mode: "max",
 *     storage: "sweeps/ppo-cartpole.jsonl",   // durable log; sweep.resume(path) after a crash
 *   });
 *   for await (const e of run) ...    // live events: start / report / end of every trial
 *   const result = await run;         // or just await it
 *   result.best; result.frame(); result.importance(); result.toParquet("ppo.parquet");
 *
 * It is async and yields between trials; it stops cleanly (running trials aborted through their
 * signal, the result so far returned) when `signal` aborts, when the kernel interrupts the cell
 * (the kernel's signal is used when none is given) or when `run.stop()` is called. Trials that
 * were stopped are not recorded as finished, so `sweep.resume(path)` runs them again.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync, statSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { kernelHooks } from "../kernel-hooks.js";
import { displaySymbol, type MimeBundle } from "../display.js";
import { validateSpace, type Config, type ConfigOf, type Space, type SpaceInput } from "./space.js";
import { toSampler, samplerFromSpec, trialRng, type Direction, type Sampler, type TrialView } from "./samplers.js";
import { toPruner, prunerFromSpec, type Pruner } from "./pruners.js";
import { LogWriter, LOG_VERSION, readLog, type LogEvent, type ObjectiveRef, type TrialRecord } from "./store.js";
import { metricOf, toObjectiveRef, TrialPruned, type Objective } from "./objective.js";
import { inlineExecutor, poolExecutor, type Executor } from "./executors.js";
import { parameterImportance } from "./importance.js";
import { Leaderboard } from "./leaderboard.js";
import type { DataFrame } from "../data/frame.js";

export type Mode = "min" | "max" | "minimize" | "maximize";

export interface SweepOptions<S extends SpaceInput = SpaceInput> {
  /** The search space (see space.ts). */
  space: S;
  /** The function to optimize (its config typed from the space), or a reference to an exported one ("./obj.js#objective") for workers. */
  objective: Objective<ConfigOf<S>> | ObjectiveRef | string;
  /** "tpe" (default), "random", "grid", or a sampler object (tpeSampler({...}), gridSampler({points})). */
  sampler?: Sampler | "grid" | "random" | "tpe";
  /** "none" (default), "median", "asha", or a pruner object (ashaPruner({...}), medianPruner({...})). */
  pruner?: Pruner | "none" | "median" | "asha";
  /** Trials to run (default 20; a grid stops after its last combination). */
  trials?: number;
  /** Trials running at once (default 1). */
  parallel?: number;
  /**
   * Where trials run: "inline" (this process; the default for a function objective), "process"
   * (a pool of `parallel` child processes; the default for a referenced objective with
   * parallel > 1), "thread", or an executor (e.g. `redisExecutor({redis})`).
   */
  executor?: "inline" | "process" | "thread" | Executor;
  /** The metric's name: a label for the value, and the field read when the objective returns a record (default "value"). */
  metric?: string;
  /** Whether larger ("max", the default: returns) or smaller ("min": losses) values are better. */
  mode?: Mode;
  /** Seed of the samplers (default: drawn at random and stored in the log). */
  seed?: number;
  /** Stops the sweep (defaults to the kernel's interrupt signal in a notebook). */
  signal?: AbortSignal;
  /** Path of the sweep's durable log (JSON lines); without it the sweep lives in memory only. */
  storage?: string;
  /** Folder for the trials' files (default: beside the log, or a temporary folder). */
  dir?: string;
}

/** What a sweep streams: every event of its log, as it happens. */
export type SweepEvent = Exclude<LogEvent, { type: "sweep" }>;

const toDirection = (m: Mode | undefined): Direction => {
  if (m === undefined || m === "max" || m === "maximize") return "maximize";
  if (m === "min" || m === "minimize") return "minimize";
  throw new RangeError(`sweep: mode must be "min" or "max", got ${JSON.stringify(m)}`);
};

/** The results of a sweep: its trials, the best one, a data frame, importance, Parquet export. */
export class SweepResult {
  constructor(
    readonly id: string,
    readonly space: Space,
    readonly metric: string,
    readonly direction: Direction,
    /** Every trial, by number. */
    readonly trials: TrialRecord[],
    /** The log file, when the sweep had storage. */
    readonly path: string | undefined,
    /** What went wrong that is not a trial's own error: damaged log lines, objectives that returned or reported a non-number (each also printed with console.warn when it happened). */
    readonly warnings: string[] = [],
  ) {}

  /** Complete trials, best first (an array that displays as a table in a notebook). */
  leaderboard(): Leaderboard {
    const sign = this.direction === "minimize" ? 1 : -1;
    const sorted = this.trials.filter((t) => t.status === "complete" && Number.isFinite(t.value)).sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
    return Leaderboard.create(sorted, this.metric, Object.keys(this.space).filter((k) => this.space[k].kind !== "fixed"));
  }

  /** The best complete trial; undefined when none completed (then `warnings` says why, e.g. every trial failed). */
  get best(): TrialRecord | undefined {
    return this.leaderboard()[0];
  }

  /** Trials per status. */
  counts(): Record<string, number> {
    const c: Record<string, number> = { complete: 0, pruned: 0, failed: 0, running: 0 };
    for (const t of this.trials) c[t.status] = (c[t.status] ?? 0) + 1;
    return c;
  }

  /** One row per trial: number, status, the metric, duration, attempts, reports, then each parameter. */
  rows(): Record<string, unknown>[] {
    return this.trials.map((t) => ({
      trial: t.number,
      status: t.status,
      [this.metric]: t.value ?? null,
      duration: t.duration ?? null,
      attempts: t.attempts,
      reports: t.reports.length,
      lastStep: t.reports.length ? t.reports[t.reports.length - 1].step : null,
      ...Object.fromEntries(Object.keys(this.space).map((k) => [k, t.config[k]])),
    }));
  }

  /** The trials as a polars DataFrame (nodejs-polars loads on first use). */
  async frame(): Promise<DataFrame> {
    const { toDataFrame } = await import("../data/frame.js");
    return toDataFrame(this.rows());
  }

  /** Every intermediate report as a DataFrame: trial, step, value, status. */
  async reportsFrame(): Promise<DataFrame> {
    const { toDataFrame } = await import("../data/frame.js");
    const rows = this.trials.flatMap((t) => t.reports.map((r) => ({ trial: t.number, step: r.step, value: r.value, status: t.status })));
    return toDataFrame(rows.length ? rows : [{ trial: null, step: null, value: null, status: null }]).head(rows.length);
  }

  /** Parameter importance (omega squared per parameter, normalized; see importance.ts). */
  importance(): Record<string, number> {
    return parameterImportance(
      this.space,
      this.trials.filter((t) => t.status === "complete" && Number.isFinite(t.value)).map((t) => ({ config: t.config, value: t.value! })),
    );
  }

  /** Writes the trials frame (or, with `{what: "reports"}`, the reports) to a Parquet file. */
  async toParquet(path: string, options: { what?: "trials" | "reports" } = {}): Promise<DataFrame> {
    const { toParquet } = await import("../data/parquet.js");
    const df = options.what === "reports" ? await this.reportsFrame() : await this.frame();
    return toParquet(df, path);
  }

  [displaySymbol](): MimeBundle {
    const c = this.counts();
    const top = this.leaderboard().slice(0, 10);
    const keys = Object.keys(this.space).filter((k) => this.space[k].kind !== "fixed");
    const fmt = (v: unknown) => (typeof v === "number" ? String(Number(v.toPrecision(5))) : JSON.stringify(v));
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const head = `sweep ${this.id}: ${this.trials.length} trials (${c.complete} complete, ${c.pruned} pruned, ${c.failed} failed${c.running ? `, ${c.running} unfinished` : ""}); ${this.direction} ${this.metric}`;
    const warn = this.warnings.map((w) => `warning: ${w}`);
    const text = [head, ...warn, ...top.map((t, i) => `${i + 1}. trial ${t.number}: ${this.metric}=${fmt(t.value)}  ${keys.map((k) => `${k}=${fmt(t.config[k])}`).join(" ")}`)].join("\n");
    const html = [
      `<div class="rlbook-sweep"><b>${esc(head)}</b>`,
      ...warn.map((w) => `<div class="rlbook-sweep-warning">${esc(w)}</div>`),
      `<table><thead><tr><th>#</th><th>trial</th><th>${esc(this.metric)}</th>${keys.map((k) => `<th>${esc(k)}</th>`).join("")}</tr></thead><tbody>`,
      ...top.map((t, i) => `<tr><td>${i + 1}</td><td>${t.number}</td><td>${fmt(t.value)}</td>${keys.map((k) => `<td>${esc(fmt(t.config[k]))}</td>`).join("")}</tr>`),
      `</tbody></table></div>`,
    ].join("");
    return { "text/plain": text, "text/html": html };
  }
}

/** A running sweep: awaitable (the result) and async-iterable (live events). */
export class SweepRun implements PromiseLike<SweepResult>, AsyncIterable<SweepEvent> {
  /** Every event so far. */
  readonly events: SweepEvent[] = [];
  private waiters: (() => void)[] = [];
  private finished = false;
  private error: unknown;
  private readonly done: Promise<SweepResult>;
  /** @internal */
  readonly controller = new AbortController();

  constructor(
    readonly id: string,
    /** Trials so far (live). */
    readonly trials: Map<number, TrialRecord>,
    body: (run: SweepRun) => Promise<SweepResult>,
  ) {
    this.done = (async () => {
      await Promise.resolve();
      try {
        return await body(this);
      } catch (e) {
        this.error = e;
        throw e;
      } finally {
        this.finished = true;
        this.wake();
      }
    })();
    this.done.catch(() => {});
  }

  /** Stops the sweep: running trials are aborted; the result so far is returned. */
  stop(): void {
    this.controller.abort(new Error("sweep stopped"));
  }

  /** @internal */
  push(e: SweepEvent): void {
    this.events.push(e);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  then<T1 = SweepResult, T2 = never>(onfulfilled?: ((value: SweepResult) => T1 | PromiseLike<T1>) | null, onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null): Promise<T1 | T2> {
    return this.done.then(onfulfilled, onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SweepEvent> {
    let i = 0;
    for (;;) {
      while (i < this.events.length) yield this.events[i++];
      if (this.finished) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((res) => this.waiters.push(res));
    }
  }
}

interface Plan {
  id: string;
  space: Space;
  objective: Objective | ObjectiveRef;
  sampler: Sampler;
  pruner: Pruner;
  trials: number;
  metric: string;
  direction: Direction;
  seed: number;
  executor: Executor;
  ownsExecutor: boolean;
  signal: AbortSignal | undefined;
  path: string | undefined;
  writer: LogWriter | undefined;
  dir: string;
  /** Trials from the log (resume). */
  previous: TrialRecord[];
  /** Warnings so far (damage found in the log on resume); the run adds its own. */
  warnings: string[];
}

function chooseExecutor(executor: SweepOptions["executor"], parallel: number, objective: Objective | ObjectiveRef): { executor: Executor; owns: boolean } {
  if (typeof executor === "object") return { executor, owns: false };
  const kind = executor ?? (typeof objective === "function" || parallel === 1 ? "inline" : "process");
  if (kind === "inline") return { executor: inlineExecutor(parallel), owns: true };
  if (kind === "process" || kind === "thread") {
    if (typeof objective === "function") {
      throw new TypeError(`sweep: trials in worker ${kind}es need an importable objective: pass {module: "./objective.js", export: "objective"} (or "path#name") instead of a function, or use executor: "inline"`);
    }
    return { executor: poolExecutor({ size: parallel, kind }), owns: true };
  }
  throw new RangeError(`sweep: executor must be "inline", "process", "thread" or an Executor, got ${JSON.stringify(executor)}`);
}

function checkPositiveInt(name: string, v: unknown): void {
  if (!(Number.isInteger(v) && (v as number) >= 1)) throw new RangeError(`sweep: ${name} must be a positive integer, got ${String(v)}`);
}

function toObjective(o: SweepOptions["objective"]): Objective | ObjectiveRef {
  if (typeof o === "function") return o;
  if (typeof o === "string" || (o && typeof o === "object")) return toObjectiveRef(o as string | ObjectiveRef);
  throw new TypeError("sweep: objective must be a function, a {module, export} reference or a 'path#export' string");
}

/** Starts a sweep (see the module comment). */
function startSweep<S extends SpaceInput>(options: SweepOptions<S>): SweepRun {
  if (!options || typeof options !== "object") throw new TypeError("sweep: expected an options object {space, objective, ...}");
  const space = validateSpace(options.space);
  // Trials receive configurations drawn from this space: the objective's typed config holds.
  const objective = toObjective(options.objective as SweepOptions["objective"]);
  const sampler = toSampler(options.sampler);
  const pruner = toPruner(options.pruner);
  const parallel = options.parallel ?? 1;
  checkPositiveInt("parallel", parallel);
  const gridSize = sampler.size?.(space);
  const trials = Math.min(options.trials ?? gridSize ?? 20, gridSize ?? Infinity);
  checkPositiveInt("trials", trials);
  const direction = toDirection(options.mode);
  const metric = options.metric ?? "value";
  if (typeof metric !== "string" || metric === "") throw new TypeError(`sweep: metric must be a non-empty string (the value's name, and the field read when the objective returns a record), got ${JSON.stringify(metric)}`);
  if (options.dir !== undefined && (typeof options.dir !== "string" || options.dir === "")) throw new TypeError(`sweep: dir must be a folder path (a string), got ${JSON.stringify(options.dir)}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new RangeError(`sweep: seed must be a non-negative integer, got ${seed}`);
  const id = randomUUID().slice(0, 8);
  const path = options.storage;
  if (path !== undefined && (typeof path !== "string" || path === "")) throw new TypeError(`sweep: storage must be the path of the log file (e.g. "sweeps/ppo.jsonl"), got ${JSON.stringify(path)}`);
  if (path && existsSync(path) && statSync(path).isDirectory()) throw new Error(`sweep: storage ${path} is a folder; give the path of a log file in it, e.g. ${JSON.stringify(join(path, "sweep.jsonl"))}`);
  if (path && existsSync(path) && statSync(path).size > 0) {
    throw new Error(`sweep: ${path} already holds a sweep log; continue it with sweep.resume(${JSON.stringify(path)}) or choose another storage path`);
  }
  const { executor, owns } = chooseExecutor(options.executor, parallel, objective);
  const writer = path ? new LogWriter(path) : undefined;
  writer?.append({
    type: "sweep",
    version: LOG_VERSION,
    id,
    time: Date.now(),
    space,
    metric,
    direction,
    trials,
    seed,
    sampler: sampler.spec,
    pruner: pruner.spec,
    objective: typeof objective === "function" ? undefined : objective,
  });
  return execute({
    id,
    space,
    objective,
    sampler,
    pruner,
    trials,
    metric,
    direction,
    seed,
    executor,
    ownsExecutor: owns,
    signal: options.signal ?? kernelHooks()?.signal(),
    path,
    writer,
    dir: options.dir ?? (path ? path.replace(/\.jsonl?$/, "") + "-trials" : join(tmpdir(), `rlbook-sweep-${id}`)),
    previous: [],
    warnings: [],
  });
}

export interface ResumeOptions {
  /** The objective, required when the original was a function (a log cannot hold a function). */
  objective?: SweepOptions["objective"];
  parallel?: number;
  executor?: SweepOptions["executor"];
  /** Total trials (default: the original sweep's). */
  trials?: number;
  signal?: AbortSignal;
  dir?: string;
}

/**
 * Continues a sweep from its log after a crash or a stop: every finished trial (complete,
 * pruned, failed) is kept as it is; trials that had started but not finished run again with the
 * same configuration; then new trials are sampled up to the total.
 */
function resumeSweep(path: string, options: ResumeOptions = {}): SweepRun {
  const log = readLog(path);
  for (const w of log.warnings) console.warn(w);
  const h = log.header;
  const objective = options.objective !== undefined ? toObjective(options.objective) : h.objective;
  if (!objective) throw new Error(`sweep.resume: the sweep in ${path} optimized a function, which a log cannot hold; pass it again: sweep.resume(path, {objective})`);
  const parallel = options.parallel ?? 1;
  checkPositiveInt("parallel", parallel);
  const { executor, owns } = chooseExecutor(options.executor, parallel, objective);
  const trials = options.trials ?? h.trials;
  checkPositiveInt("trials", trials);
  return execute({
    id: h.id,
    space: h.space,
    objective,
    sampler: samplerFromSpec(h.sampler),
    pruner: prunerFromSpec(h.pruner),
    trials,
    metric: h.metric,
    direction: h.direction,
    seed: h.seed,
    executor,
    ownsExecutor: owns,
    signal: options.signal ?? kernelHooks()?.signal(),
    path,
    writer: new LogWriter(path),
    dir: options.dir ?? path.replace(/\.jsonl?$/, "") + "-trials",
    previous: log.trials,
    warnings: [...log.warnings],
  });
}

function execute(plan: Plan): SweepRun {
  const trials = new Map<number, TrialRecord>();
  for (const t of plan.previous) trials.set(t.number, t);
  return new SweepRun(plan.id, trials, async (run) => {
    const stop = run.controller.signal;
    const signals = [stop, plan.signal].filter((s): s is AbortSignal => s !== undefined);
    const stopped = () => signals.some((s) => s.aborted);
    const emit = (e: SweepEvent) => {
      plan.writer?.append(e);
      run.push(e);
    };
    const warn = (w: string) => {
      plan.warnings.push(w);
      console.warn(w);
    };
    const views = (): TrialView[] => [...trials.values()];
    // Unfinished trials of a resumed sweep run again with their configuration.
    const reruns = plan.previous.filter((t) => t.status === "running").map((t) => ({ number: t.number, config: t.config }));
    let next = plan.previous.reduce((m, t) => Math.max(m, t.number + 1), 0);
    const controllers = new Map<number, AbortController>();
    const running = new Map<number, Promise<void>>();

    const launch = async (number: number, config: Config): Promise<void> => {
      const ctrl = new AbortController();
      controllers.set(number, ctrl);
      const prev = trials.get(number);
      const rec: TrialRecord = { number, config, status: "running", reports: [], start: Date.now(), attempts: (prev?.attempts ?? 0) + 1 };
      trials.set(number, rec);
      emit({ type: "start", trial: number, config, time: rec.start });
      let pruned = false;
      let attemptSeen = false;
      let warnedNonFinite = false;
      const end = (status: "complete" | "pruned" | "failed", value: number | undefined, error?: string, attrs?: Record<string, unknown>) => {
        rec.status = status;
        if (attrs) rec.attrs = attrs;
        rec.value = value;
        rec.end = Date.now();
        rec.duration = (rec.end - rec.start) / 1000;
        if (error) rec.error = error;
        emit({ type: "end", trial: number, status, value, time: rec.end, ...(error ? { error } : {}), ...(attrs ? { attrs } : {}) });
      };
      const fail = (reason: string) => {
        end("failed", undefined, reason);
        warn(`sweep ${plan.id}: trial ${number} failed: ${reason}`);
      };
      const endPruned = () => {
        const last = rec.reports[rec.reports.length - 1];
        // A pruner stops a trial that reported NaN: say so, since its "value" is that NaN.
        end("pruned", last?.value, last && !Number.isFinite(last.value) ? `pruned after reporting ${last.value} at step ${last.step}` : undefined);
      };
      try {
        const result = await plan.executor.run(
          { sweepId: plan.id, trial: number, config, dir: join(plan.dir, `trial-${number}`), objective: plan.objective },
          {
            signal: ctrl.signal,
            started: (info) => {
              rec.worker = info.worker;
              if (attemptSeen) {
                // The trial started over elsewhere (its worker died): its reports start over too.
                rec.reports = [];
                rec.attempts++;
                rec.start = Date.now();
                emit({ type: "restart", trial: number, time: rec.start, attempt: info.attempt, worker: info.worker });
              }
              attemptSeen = true;
            },
            report: async (value, step) => {
              if (pruned) return true;
              if (ctrl.signal.aborted) return false;
              rec.reports.push({ step, value });
              emit({ type: "report", trial: number, step, value, time: Date.now() });
              if (!Number.isFinite(value) && !warnedNonFinite) {
                warnedNonFinite = true;
                warn(`sweep ${plan.id}: trial ${number} reported ${value} at step ${step} (a diverged run?); ${plan.pruner.spec?.kind === "none" ? "no pruner stops it" : "the pruner decides whether it stops"}`);
              }
              if (plan.pruner.shouldPrune(rec, views(), plan.direction)) {
                pruned = true;
                ctrl.abort(new TrialPruned(number, step));
                return true;
              }
              return false;
            },
          },
        );
        if (pruned) endPruned();
        else if (stopped()) rec.status = "running";
        else {
          let v: number;
          try {
            v = metricOf(result, plan.metric);
          } catch (e) {
            fail((e as Error).message);
            return;
          }
          if (!Number.isFinite(v)) {
            fail(`the objective returned ${v}${typeof result === "object" ? ` as "${plan.metric}"` : ""}, not a finite number (a diverged run, or a bug in the objective)`);
            return;
          }
          let attrs: Record<string, unknown> | undefined;
          if (result && typeof result === "object") {
            attrs = { ...(result as Record<string, unknown>) };
            delete attrs[plan.metric];
          }
          end("complete", v, undefined, attrs);
        }
      } catch (e) {
        if (pruned || e instanceof TrialPruned) endPruned();
        else if (stopped()) rec.status = "running";
        else end("failed", undefined, e instanceof Error ? e.message : String(e));
      } finally {
        controllers.delete(number);
      }
    };

    const onStop = () => {
      for (const c of controllers.values()) c.abort(new Error("sweep stopped"));
    };
    let wakeOnStop: () => void = () => {};
    const stopPromise = new Promise<void>((res) => (wakeOnStop = res));
    const stopListener = () => {
      onStop();
      wakeOnStop();
    };
    for (const s of signals) s.addEventListener("abort", stopListener, { once: true });
    try {
      await plan.executor.ready?.();
      for (;;) {
        if (stopped()) break;
        while (running.size < plan.executor.capacity && !stopped()) {
          let number: number;
          let config: Config;
          const rerun = reruns.shift();
          if (rerun) ({ number, config } = rerun);
          else if (next < plan.trials) {
            number = next++;
            config = plan.sampler.sample(plan.space, views(), number, trialRng(plan.seed, number), plan.direction);
          } else break;
          running.set(
            number,
            launch(number, config).finally(() => running.delete(number)),
          );
          // Let the trial start before sampling the next (samplers see it as running).
          await new Promise<void>((res) => setImmediate(res));
        }
        if (running.size === 0) break;
        await Promise.race([...running.values(), stopPromise]);
      }
      if (stopped()) onStop();
      await Promise.allSettled([...running.values()]);
      if (stopped()) plan.writer?.append({ type: "stop", time: Date.now(), reason: "stopped" });
      const why = noBestReason([...trials.values()]);
      if (why) warn(`sweep ${plan.id}: ${why}`);
    } finally {
      for (const s of signals) s.removeEventListener("abort", stopListener);
      plan.writer?.close();
      if (plan.ownsExecutor) await plan.executor.close();
    }
    return new SweepResult(plan.id, plan.space, plan.metric, plan.direction, [...trials.values()].sort((a, b) => a.number - b.number), plan.path, plan.warnings);
  });
}

/** Why a sweep has no best trial (undefined when it has one, or has no trials at all). */
function noBestReason(trials: TrialRecord[]): string | undefined {
  if (trials.length === 0 || trials.some((t) => t.status === "complete" && Number.isFinite(t.value))) return undefined;
  const count = (s: string) => trials.filter((t) => t.status === s).length;
  const failed = trials.find((t) => t.status === "failed");
  const parts = [`${count("failed")} failed`, `${count("pruned")} pruned`, `${count("running")} unfinished`].filter((p) => !p.startsWith("0 "));
  return `no trial completed (${parts.join(", ")}), so best is undefined${failed ? `; trial ${failed.number} failed: ${failed.error}` : ""}`;
}

/** Runs a hyperparameter sweep (see the module comment); `sweep.resume(path)` continues one from its log. */
export const sweep: typeof startSweep & { resume: typeof resumeSweep; load: typeof loadSweep } = Object.assign(startSweep, { resume: resumeSweep, load: loadSweep });

/** Reads a sweep's results from its log without running anything. */
function loadSweep(path: string): SweepResult {
  const log = readLog(path);
  const warnings = [...log.warnings];
  const why = noBestReason(log.trials);
  if (why) warnings.push(`sweep ${log.header.id}: ${why}`);
  for (const w of warnings) console.warn(w);
  return new SweepResult(log.header.id, log.header.space, log.header.metric, log.header.direction, log.trials, path, warnings);
}
