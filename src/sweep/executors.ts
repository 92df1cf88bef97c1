/**
 * Executors run trials: in this process (`inlineExecutor`), or in a pool of worker processes or
 * threads (`poolExecutor`) so trials run in parallel on all cores. tfjs-wasm runs one thread per
 * process, so trials that train networks belong in processes (the default); threads start faster
 * and suit objectives that do plain JavaScript work.
 *
 * Out-of-process trials need an importable objective ({module, export}); reports travel to the
 * sweep over the process's IPC channel (structured clone, so NaN survives) and each report waits
 * for the pruner's answer, so pruning decisions are exact, not one report late.
 */
import { fork, type ChildProcess } from "node:child_process";
import { Worker } from "node:worker_threads";
import { cpus } from "node:os";
import type { Config } from "./space.js";
import type { ObjectiveRef } from "./store.js";
import { loadObjective, makeContext, type Objective, TrialPruned } from "./objective.js";

/** One trial (or one PBT segment) to run. */
export interface TrialJob {
  sweepId: string;
  trial: number;
  config: Config;
  dir: string;
  restore?: string;
  round?: number;
  objective: Objective | ObjectiveRef;
}

/** How an executor talks back to the sweep while a trial runs. */
export interface TrialHooks {
  /** An intermediate value; resolves true when the trial must stop (pruned). */
  report(value: number, step: number): Promise<boolean>;
  /** The trial (re)started on a worker: a new attempt discards the previous attempt's reports. */
  started?(info: { attempt: string; worker?: string }): void;
  /** Aborted when the sweep stops or the trial is pruned. */
  signal: AbortSignal;
}

export interface Executor {
  readonly kind: string;
  /** Trials it runs at once. */
  readonly capacity: number;
  /** Runs the objective; resolves with what it returned. Rejects with its error (or TrialPruned). */
  run(job: TrialJob, hooks: TrialHooks): Promise<unknown>;
  /** Stops its workers. */
  close(): Promise<void>;
  /** Optional: connects (e.g. to a queue server); a sweep awaits it before its first trial and fails when it rejects. */
  ready?(): Promise<void>;
}

/** Runs trials in this process, up to `capacity` at once (their awaits interleave). */
export function inlineExecutor(capacity = 1): Executor {
  if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`inlineExecutor: capacity must be a positive integer, got ${capacity}`);
  const cache = new Map<string, Promise<Objective>>();
  return {
    kind: "inline",
    capacity,
    async run(job, hooks) {
      let fn: Objective;
      if (typeof job.objective === "function") fn = job.objective;
      else {
        const key = `${job.objective.module}#${job.objective.export}`;
        if (!cache.has(key)) cache.set(key, loadObjective(job.objective));
        fn = await cache.get(key)!;
      }
      const ctrl = new AbortController();
      const onAbort = () => ctrl.abort(hooks.signal.reason);
      if (hooks.signal.aborted) onAbort();
      else hooks.signal.addEventListener("abort", onAbort, { once: true });
      hooks.started?.({ attempt: `${process.pid}-${job.trial}-${Date.now()}`, worker: `inline:${process.pid}` });
      try {
        const ctx = makeContext({ trial: job.trial, dir: job.dir, restore: job.restore, round: job.round }, ctrl.signal, (v, s) => hooks.report(v, s), (e) => ctrl.abort(e));
        return await fn(job.config, ctx);
      } finally {
        hooks.signal.removeEventListener("abort", onAbort);
      }
    },
    async close() {},
  };
}

// ---- worker pool ---------------------------------------------------------------------------

/** Messages between the sweep and a pool worker (see child.ts). */
export type ToWorker =
  | { type: "run"; id: number; trial: number; config: Config; dir: string; restore?: string; round?: number; objective: ObjectiveRef }
  | { type: "decision"; id: number; seq: number; prune: boolean }
  | { type: "abort"; id: number };
export type FromWorker =
  | { type: "report"; id: number; seq: number; value: number; step: number }
  | { type: "done"; id: number; result: unknown }
  | { type: "error"; id: number; message: string; stack?: string; pruned?: { step: number } };

interface Channel {
  send(m: ToWorker): void;
  onMessage(f: (m: FromWorker) => void): void;
  onExit(f: (code: number | null, signal: string | null) => void): void;
  kill(): void;
  readonly pid: number | undefined;
}

function processChannel(execArgv: string[]): Channel {
  const child: ChildProcess = fork(new URL("./child.js", import.meta.url), [], { serialization: "advanced", execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return {
    send: (m) => void child.send(m),
    onMessage: (f) => void child.on("message", (m) => f(m as FromWorker)),
    onExit: (f) => void child.on("exit", (code, sig) => f(code, sig)),
    kill: () => void child.kill("SIGKILL"),
    pid: child.pid,
  };
}

function threadChannel(): Channel {
  const w = new Worker(new URL("./child.js", import.meta.url));
  return {
    send: (m) => w.postMessage(m),
    onMessage: (f) => void w.on("message", (m) => f(m as FromWorker)),
    onExit: (f) => void w.on("exit", (code) => f(code, null)),
    kill: () => void w.terminate(),
    pid: undefined,
  };
}

export interface PoolOptions {
  /** Workers (default: the number of CPU cores). */
  size?: number;
  /** "process" (default: one tfjs per process) or "thread" (worker_threads). */
  kind?: "process" | "thread";
  /** Node flags of worker processes (default none). */
  execArgv?: string[];
  /** After an abort, how long a trial may take to stop before its worker is killed (ms, default 5000). */
  killAfterMs?: number;
}

interface PoolWorker {
  channel: Channel;
  name: string;
  busy: boolean;
  dead: boolean;
  current?: { id: number; onMessage: (m: FromWorker) => void; onExit: (code: number | null, sig: string | null) => void };
}

/**
 * A pool of worker processes (or threads), each running one trial at a time; workers start on
 * first use and are reused until `close()` (a sweep closes the pools it creates itself; close
 * one you pass in when you are done with it, or its workers keep the program running). A worker that crashes fails its trial (the sweep records the error)
 * and is replaced.
 */
export function poolExecutor(options: PoolOptions = {}): Executor {
  const size = options.size ?? cpus().length;
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`poolExecutor: size must be a positive integer, got ${size}`);
  const kind = options.kind ?? "process";
  if (kind !== "process" && kind !== "thread") throw new RangeError(`poolExecutor: kind must be "process" or "thread", got ${JSON.stringify(kind)}`);
  const killAfter = options.killAfterMs ?? 5000;
  const workers: PoolWorker[] = [];
  const waiting: ((w: PoolWorker) => void)[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (): PoolWorker => {
    const channel = kind === "process" ? processChannel(options.execArgv ?? []) : threadChannel();
    const w: PoolWorker = { channel, name: `${kind}:${channel.pid ?? workers.length}`, busy: false, dead: false };
    channel.onMessage((m) => w.current?.id === m.id && w.current.onMessage(m));
    channel.onExit((code, sig) => {
      w.dead = true;
      workers.splice(workers.indexOf(w), 1);
      w.current?.onExit(code, sig);
    });
    workers.push(w);
    return w;
  };
  const acquire = (): Promise<PoolWorker> => {
    const idle = workers.find((w) => !w.busy && !w.dead);
    if (idle) return Promise.resolve(idle);
    if (workers.length < size) return Promise.resolve(spawn());
    return new Promise((res) => waiting.push(res));
  };
  const release = (w: PoolWorker) => {
    w.busy = false;
    w.current = undefined;
    const next = waiting.shift();
    if (next) {
      if (w.dead) next(spawn());
      else next(w);
    }
  };

  return {
    kind,
    capacity: size,
    async run(job, hooks) {
      if (closed) throw new Error("poolExecutor: closed");
      if (typeof job.objective === "function") {
        throw new TypeError(
          "sweep: trials in worker processes need an importable objective: pass {module: './objective.js', export: 'objective'} (or 'path#name') instead of a function, or use parallel with executor: 'inline'",
        );
      }
      const w = await acquire();
      w.busy = true;
      const id = nextId++;
      hooks.started?.({ attempt: `${w.name}-${id}`, worker: w.name });
      try {
        return await new Promise<unknown>((resolve, reject) => {
          let killTimer: ReturnType<typeof setTimeout> | undefined;
          const onAbort = () => {
            if (w.dead) return;
            w.channel.send({ type: "abort", id });
            killTimer = setTimeout(() => {
              w.channel.kill();
            }, killAfter);
            killTimer.unref?.();
          };
          const finish = () => {
            hooks.signal.removeEventListener("abort", onAbort);
            if (killTimer) clearTimeout(killTimer);
          };
          w.current = {
            id,
            onMessage: (m) => {
              if (m.type === "report") {
                hooks.report(m.value, m.step).then(
                  (prune) => !w.dead && w.channel.send({ type: "decision", id, seq: m.seq, prune }),
                  () => !w.dead && w.channel.send({ type: "decision", id, seq: m.seq, prune: false }),
                );
              } else if (m.type === "done") {
                finish();
                resolve(m.result);
              } else if (m.type === "error") {
                finish();
                if (m.pruned) reject(new TrialPruned(job.trial, m.pruned.step));
                else {
                  const e = new Error(m.message);
                  if (m.stack) e.stack = m.stack;
                  reject(e);
                }
              }
            },
            onExit: (code, sig) => {
              finish();
              reject(new Error(hooks.signal.aborted ? `trial ${job.trial}: its worker was stopped` : `trial ${job.trial}: worker ${w.name} exited (${sig ?? `code ${code}`}) while running it`));
            },
          };
          if (hooks.signal.aborted) onAbort();
          else hooks.signal.addEventListener("abort", onAbort, { once: true });
          const { objective, ...rest } = job;
          w.channel.send({ type: "run", id, trial: rest.trial, config: rest.config, dir: rest.dir, restore: rest.restore, round: rest.round, objective: objective as ObjectiveRef });
        });
      } finally {
        release(w);
      }
    },
    async close() {
      closed = true;
      const exits = workers.map((w) => new Promise<void>((res) => (w.dead ? res() : w.channel.onExit(() => res()))));
      for (const w of [...workers]) w.channel.kill();
      await Promise.all(exits);
    },
  };
}
