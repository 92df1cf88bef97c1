/**
 * The distributed executor: trials are BullMQ jobs on a Redis server, run by workers started with
 * `rlbook worker --redis URL` (that is, {@link runWorker}) on any number of machines.
 *
 *   const run = sweep({space, objective: "./objective.js#objective", trials: 100,
 *                      executor: redisExecutor({redis: "redis://queue-host:6379"}), storage: "ppo.jsonl"});
 *
 * How a trial travels:
 * - the sweep adds one job per trial to the queue (default "rlbook-sweep"); a worker takes it, says
 *   "started" (its attempt id) and runs the objective, imported from the job's module path (so
 *   that path must exist on the worker's machine: a shared checkout or file system);
 * - every `report(value, step)` is pushed to the sweep's inbox list in Redis; the sweep hands it to
 *   the pruner and pushes the decision to the worker's inbox list; the report waits for it, so
 *   pruning is exact, as with the pool executor. Stopping the sweep pushes an abort the same way;
 * - the trial ends when its job ends in BullMQ: its return value (the objective's result, or
 *   "pruned") or its failure (the objective's error), read from BullMQ's event stream (with a
 *   poll of the job's state as a safety net). Completion is atomic in Redis, so a trial finishes
 *   exactly once.
 *
 * A worker that dies (kill -9, a lost machine) stops renewing its job's lock; BullMQ's stalled-job
 * check, run by the other workers, puts the job back in the queue and another worker runs the
 * trial again from the start. Its new attempt id tells the sweep to discard the previous
 * attempt's reports (a "restart" event in the store), and reports from an attempt that is no
 * longer current are ignored (and answered with an abort), so the result store records every
 * trial's reports and result exactly once. After `maxStalledCount` such restarts the trial fails.
 *
 * The sweep keeps a heartbeat key in Redis while it runs; workers skip (and abort) the trials of
 * a sweep whose heartbeat is gone (a sweep that crashed: `sweep.resume` adds them again).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis as RedisClient } from "ioredis";
import type { Job, Queue, QueueEvents, Worker } from "bullmq";
import type { Config } from "./space.js";
import type { ObjectiveRef } from "./store.js";
import type { Executor, TrialHooks, TrialJob } from "./executors.js";
import { loadObjective, makeContext, TrialPruned, type Objective } from "./objective.js";

export interface RedisExecutorOptions {
  /** The Redis server, e.g. "redis://127.0.0.1:6379" (redis:// or rediss://, optionally user:password@ and /db). */
  redis: string;
  /** The BullMQ queue (default "rlbook-sweep"); workers must use the same name. */
  queue?: string;
  /** Trials the sweep keeps queued or running at once (default 8): at least the workers' total concurrency. */
  capacity?: number;
  /** After the sweep stops, how long to wait for running trials to stop (ms, default 5000). */
  stopTimeoutMs?: number;
  /** How often the sweep polls the state of its jobs, in case an event was missed (ms, default 2000). */
  pollMs?: number;
}

export interface WorkerOptions {
  /** The Redis server (as for {@link redisExecutor}). */
  redis: string;
  /** Trials this worker runs at once (default 1: tfjs-wasm is one thread per process). */
  concurrency?: number;
  /** The BullMQ queue (default "rlbook-sweep"). */
  queue?: string;
  /** Stops the worker: running trials go back to the queue for other workers. */
  signal?: AbortSignal;
  /** How long a job's lock lasts without renewal (ms, default 30000): a dead worker's trial is retried after about this. */
  lockDuration?: number;
  /** How often this worker checks for stalled jobs of dead workers (ms, default 15000). */
  stalledInterval?: number;
  /** How many times a trial may be restarted after its worker died before it fails (default 3). */
  maxStalledCount?: number;
  /** The worker's name in the store (default host:pid). */
  name?: string;
}

const DEFAULT_QUEUE = "rlbook-sweep";
const HEARTBEAT_TTL_MS = 15_000;
const HEARTBEAT_EVERY_MS = 5_000;
const INBOX_TTL_S = 24 * 3600;

/** What a job carries (JSON). */
interface JobData {
  client: string;
  sweepId: string;
  trial: number;
  config: Config;
  dir: string;
  restore?: string;
  round?: number;
  objective: ObjectiveRef;
}

/** Worker → sweep (the sweep's inbox). */
type ToSweep = { type: "started"; job: string; attempt: string; worker: string } | { type: "report"; job: string; attempt: string; seq: number; value: number; step: number };
/** Sweep → worker (the worker's inbox). */
type ToWorker = { type: "decision"; attempt: string; seq: number; prune: boolean } | { type: "abort"; attempt: string; reason: string };
/** What a job returns (encoded as a JSON string). */
type Outcome = { kind: "done"; result: unknown } | { kind: "pruned"; step: number } | { kind: "aborted"; reason: string };

// JSON has no NaN / Infinity: encode them so that a NaN report or result survives.
const encode = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? { $num: String(v) } : v));
const decode = <T>(s: string): T => JSON.parse(s, (_k, v) => (v && typeof v === "object" && typeof v.$num === "string" ? Number(v.$num) : v)) as T;

const keys = (queue: string) => ({
  sweepInbox: (client: string) => `rlbook:${queue}:sweep:${client}`,
  workerInbox: (worker: string) => `rlbook:${queue}:worker:${worker}`,
  heartbeat: (client: string) => `rlbook:${queue}:alive:${client}`,
});

/** The URL with its password hidden, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** Checks the shape of a Redis URL; throws a clear error for a bad one. */
function checkUrl(who: string, url: unknown): string {
  const fix = 'give a URL like "redis://127.0.0.1:6379" (or "rediss://user:password@host:6380/0")';
  if (typeof url !== "string" || !url) throw new TypeError(`${who}: a Redis URL is required: ${fix}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`${who}: ${JSON.stringify(url)} is not a valid Redis URL: ${fix}`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    const guess = url.includes("//") ? "" : ` (did you mean "redis://${redact(url)}"?)`;
    throw new RangeError(`${who}: ${JSON.stringify(redact(url))} is not a Redis URL${guess}: ${fix}`);
  }
  if (!u.hostname) throw new RangeError(`${who}: ${JSON.stringify(redact(url))} names no host: ${fix}`);
  return url;
}

function checkQueue(who: string, q: unknown): string {
  if (typeof q !== "string" || !/^[A-Za-z0-9_.-]+$/.test(q)) throw new RangeError(`${who}: queue must be a non-empty name of letters, digits, "_", "." or "-", got ${JSON.stringify(q)}`);
  return q;
}

async function loadEngine(): Promise<{ bullmq: typeof import("bullmq"); Redis: typeof RedisClient }> {
  const [bullmq, ioredis] = await Promise.all([import("bullmq"), import("ioredis")]);
  return { bullmq, Redis: ioredis.Redis };
}

/**
 * Opens a client and checks the server answers (PING), failing fast with an error that names the
 * URL and the fix instead of retrying forever.
 */
async function connect(who: string, Redis: typeof RedisClient, url: string, blocking = false): Promise<RedisClient> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  let last: Error | undefined;
  probe.on("error", (e: Error) => (last = e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    probe.disconnect();
    const why = last?.message ?? (e instanceof Error ? e.message : String(e));
    throw new Error(
      `${who}: cannot reach the Redis server at ${redact(url)} (${why}). Start one (Debian: \`apt-get install redis-server\`, then \`redis-server --port 6379\`) ` +
        `or pass the URL of a running server, e.g. --redis redis://host:6379.`,
    );
  }
  probe.disconnect();
  const client = new Redis(url, { maxRetriesPerRequest: blocking ? null : 20 });
  client.on("error", () => {});
  return client;
}

/**
 * An executor whose trials run on BullMQ workers (see the module comment): start workers with
 * `rlbook worker --redis URL` (or {@link runWorker}), then pass
 * `executor: redisExecutor({redis: URL})` to `sweep`. The objective must be a reference
 * ("./objective.js#objective"). The connection opens on first use (`ready()` opens it at once and
 * a sweep calls it before its first trial, so an unreachable server fails the sweep with a clear
 * error); close the executor when done.
 */
export function redisExecutor(options: RedisExecutorOptions): Executor & { ready(): Promise<void>; readonly queue: string } {
  if (!options || typeof options !== "object") throw new TypeError('redisExecutor: expected options {redis: "redis://host:6379", ...}');
  const url = checkUrl("redisExecutor", options.redis);
  const queueName = checkQueue("redisExecutor", options.queue ?? DEFAULT_QUEUE);
  const capacity = options.capacity ?? 8;
  if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`redisExecutor: capacity must be a positive integer, got ${capacity}`);
  const stopTimeout = options.stopTimeoutMs ?? 5000;
  const pollMs = options.pollMs ?? 2000;
  const client = randomUUID().replace(/-/g, "").slice(0, 12);
  const k = keys(queueName);

  interface Pending {
    jobId: string;
    job: TrialJob;
    hooks: TrialHooks;
    attempt?: string;
    worker?: string;
    aborted?: string;
    settle(outcome: { ok: true; value: string } | { ok: false; reason: string }): void;
  }
  const pending = new Map<string, Pending>();
  let seq = 0;
  let closed = false;
  let state: Promise<{ queue: Queue; events: QueueEvents; cmd: RedisClient; inbox: RedisClient; timers: ReturnType<typeof setInterval>[] }> | undefined;

  const open = () =>
    (state ??= (async () => {
      const { bullmq, Redis } = await loadEngine();
      const cmd = await connect("redisExecutor", Redis, url);
      const inbox = await connect("redisExecutor", Redis, url, true);
      const connection = { url, maxRetriesPerRequest: null };
      const queue = new bullmq.Queue(queueName, { connection });
      queue.on("error", () => {});
      const events = new bullmq.QueueEvents(queueName, { connection });
      events.on("error", () => {});
      events.on("completed", ({ jobId, returnvalue }) => pending.get(jobId)?.settle({ ok: true, value: String(returnvalue) }));
      events.on("failed", ({ jobId, failedReason }) => pending.get(jobId)?.settle({ ok: false, reason: failedReason }));
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      const beat = () => cmd.set(k.heartbeat(client), String(Date.now()), "PX", HEARTBEAT_TTL_MS).catch(() => {});
      await beat();
      const timers = [setInterval(beat, HEARTBEAT_EVERY_MS), setInterval(() => void poll(queue), pollMs)];
      for (const t of timers) t.unref?.();
      void readInbox(inbox, cmd);
      return { queue, events, cmd, inbox, timers };
    })());

  // The safety net: a job that ended without our seeing its event.
  const poll = async (queue: Queue) => {
    for (const p of [...pending.values()]) {
      try {
        const job = await queue.getJob(p.jobId);
        if (!job) continue;
        const st = await job.getState();
        if (st === "completed") p.settle({ ok: true, value: String(job.returnvalue) });
        else if (st === "failed") p.settle({ ok: false, reason: job.failedReason });
      } catch {
        /* the next poll tries again */
      }
    }
  };

  const tell = (cmd: RedisClient, worker: string | undefined, m: ToWorker) => {
    if (!worker) return;
    const key = k.workerInbox(worker);
    cmd.multi().lpush(key, encode(m)).expire(key, INBOX_TTL_S).exec().catch(() => {});
  };

  const readInbox = async (inbox: RedisClient, cmd: RedisClient) => {
    while (!closed) {
      let raw: [string, string] | null;
      try {
        raw = await inbox.brpop(k.sweepInbox(client), 1);
      } catch {
        if (closed) return;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!raw) continue;
      const m = decode<ToSweep>(raw[1]);
      const p = pending.get(m.job);
      if (m.type === "started") {
        if (!p) {
          // A trial this sweep no longer waits for (finished, or given up after a stop).
          tell(cmd, m.worker, { type: "abort", attempt: m.attempt, reason: "the sweep no longer runs this trial" });
          continue;
        }
        if (p.attempt && p.worker && p.attempt !== m.attempt) tell(cmd, p.worker, { type: "abort", attempt: p.attempt, reason: "the trial was restarted elsewhere" });
        p.attempt = m.attempt;
        p.worker = m.worker;
        p.hooks.started?.({ attempt: m.attempt, worker: m.worker });
        if (p.aborted) tell(cmd, m.worker, { type: "abort", attempt: m.attempt, reason: p.aborted });
      } else if (m.type === "report") {
        if (!p || p.attempt !== m.attempt) continue; // a stale attempt: its worker was told to abort
        p.hooks.report(m.value, m.step).then(
          (prune) => tell(cmd, p.worker, { type: "decision", attempt: m.attempt, seq: m.seq, prune }),
          () => tell(cmd, p.worker, { type: "decision", attempt: m.attempt, seq: m.seq, prune: false }),
        );
      }
    }
  };

  return {
    kind: "redis",
    capacity,
    queue: queueName,
    async ready() {
      if (closed) throw new Error("redisExecutor: closed");
      await open();
    },
    async run(job, hooks) {
      if (closed) throw new Error("redisExecutor: closed");
      if (typeof job.objective === "function") {
        throw new TypeError(
          "sweep: trials on Redis workers need an importable objective: pass {module: './objective.js', export: 'objective'} (or 'path#name') instead of a function; the module path must exist on the workers' machines",
        );
      }
      const { queue, cmd } = await open();
      const jobId = `${client}.${job.trial}.${seq++}`;
      const data: JobData = { client, sweepId: job.sweepId, trial: job.trial, config: job.config, dir: job.dir, restore: job.restore, round: job.round, objective: job.objective };
      const outcome = await new Promise<{ ok: true; value: string } | { ok: false; reason: string } | { ok: "stopped" }>((resolve) => {
        let stopTimer: ReturnType<typeof setTimeout> | undefined;
        const p: Pending = {
          jobId,
          job,
          hooks,
          settle: (o) => {
            if (!pending.has(jobId)) return;
            pending.delete(jobId);
            hooks.signal.removeEventListener("abort", onAbort);
            if (stopTimer) clearTimeout(stopTimer);
            resolve(o);
          },
        };
        const onAbort = () => {
          const reason = hooks.signal.reason instanceof Error ? hooks.signal.reason.message : "sweep stopped";
          p.aborted = reason;
          // Not started yet: take it off the queue. Running: tell its worker.
          queue.remove(jobId).catch(() => 0);
          tell(cmd, p.worker, { type: "abort", attempt: p.attempt ?? "", reason });
          stopTimer = setTimeout(() => {
            if (!pending.has(jobId)) return;
            pending.delete(jobId);
            resolve({ ok: "stopped" });
          }, stopTimeout);
          stopTimer.unref?.();
        };
        pending.set(jobId, p);
        if (hooks.signal.aborted) onAbort();
        else hooks.signal.addEventListener("abort", onAbort, { once: true });
        queue
          .add("trial", data, { jobId, attempts: 1, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 24 * 3600, count: 10_000 } })
          .catch((e: unknown) => p.settle({ ok: false, reason: `could not queue trial ${job.trial}: ${e instanceof Error ? e.message : String(e)}` }));
      });
      if (outcome.ok === "stopped") throw new Error(`trial ${job.trial}: the sweep stopped and its worker did not stop it within ${stopTimeout} ms`);
      if (outcome.ok === false) {
        const r = outcome.reason ?? "unknown error";
        if (/stalled more than allowable limit/i.test(r)) throw new Error(`trial ${job.trial}: its workers died while running it too many times (${r})`);
        throw new Error(r);
      }
      const o = decode<Outcome>(outcome.value);
      if (o.kind === "pruned") throw new TrialPruned(job.trial, o.step);
      if (o.kind === "aborted") throw new Error(`trial ${job.trial}: ${o.reason}`);
      return o.result;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!state) return;
      let s: Awaited<NonNullable<typeof state>>;
      try {
        s = await state;
      } catch {
        return;
      }
      for (const t of s.timers) clearInterval(t);
      // Trials still queued (a stopped sweep) are taken off the queue.
      await Promise.all([...pending.keys()].map((id) => s.queue.remove(id).catch(() => 0)));
      await s.cmd.del(k.heartbeat(client)).catch(() => 0);
      await Promise.allSettled([s.queue.close(), s.events.close()]);
      s.cmd.disconnect();
      s.inbox.disconnect();
    },
  };
}

/**
 * A sweep worker: takes trials from the queue on the Redis server at `redis` and runs them, up to
 * `concurrency` at once, until `signal` aborts (then its running trials go back to the queue for
 * other workers). `rlbook worker --redis URL` runs it. Resolves when the worker has stopped;
 * rejects at once with a clear error when the server cannot be reached.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  if (!options || typeof options !== "object") throw new TypeError('runWorker: expected options {redis: "redis://host:6379", ...}');
  const url = checkUrl("rlbook worker", options.redis);
  const queueName = checkQueue("rlbook worker", options.queue ?? DEFAULT_QUEUE);
  const concurrency = options.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`rlbook worker: concurrency must be a positive integer, got ${concurrency}`);
  const signal = options.signal;
  if (signal?.aborted) return;
  const k = keys(queueName);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const id = `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.${randomUUID().slice(0, 8)}`;

  const { bullmq, Redis } = await loadEngine();
  const cmd = await connect("rlbook worker", Redis, url);
  const inbox = await connect("rlbook worker", Redis, url, true);
  const objectives = new Map<string, Promise<Objective>>();
  const running = new Map<string, { ctrl: AbortController; client: string; pending: Map<number, (prune: boolean) => void>; shutdown: boolean }>();
  let stopping = false;

  const toSweep = (client: string, m: ToSweep) => {
    const key = k.sweepInbox(client);
    return cmd.multi().lpush(key, encode(m)).expire(key, INBOX_TTL_S).exec();
  };

  const processor = async (job: Job<JobData, string>, token?: string, lost?: AbortSignal): Promise<string> => {
    const d = job.data;
    // A trial of a sweep that is gone (crashed or closed): nothing would read its results.
    if (!(await cmd.exists(k.heartbeat(d.client)))) return encode({ kind: "aborted", reason: "its sweep is gone" } satisfies Outcome);
    const attempt = `${id}.${randomUUID().slice(0, 8)}`;
    const ctrl = new AbortController();
    const entry = { ctrl, client: d.client, pending: new Map<number, (prune: boolean) => void>(), shutdown: false };
    running.set(attempt, entry);
    // A report waiting for its decision ends when the trial is aborted (pruned, stopped, lost).
    const waiting = new Set<(e: unknown) => void>();
    ctrl.signal.addEventListener("abort", () => {
      for (const f of waiting) f(ctrl.signal.reason);
    });
    const onLost = () => ctrl.abort(new Error("this worker lost the trial's lock (it was restarted elsewhere)"));
    if (lost?.aborted) onLost();
    else lost?.addEventListener("abort", onLost, { once: true });
    let pruned: TrialPruned | undefined;
    let n = 0;
    try {
      await toSweep(d.client, { type: "started", job: job.id!, attempt, worker: id });
      const key = `${d.objective.module}#${d.objective.export}`;
      if (!objectives.has(key)) objectives.set(key, loadObjective(d.objective));
      const fn = await objectives.get(key)!;
      const ctx = makeContext(
        { trial: d.trial, dir: d.dir, restore: d.restore, round: d.round },
        ctrl.signal,
        (value, step) =>
          new Promise<boolean>((res, rej) => {
            if (ctrl.signal.aborted) return rej(ctrl.signal.reason);
            const s = n++;
            const done = () => (entry.pending.delete(s), waiting.delete(fail));
            const fail = (e: unknown) => (done(), rej(e));
            entry.pending.set(s, (prune) => (done(), res(prune)));
            waiting.add(fail);
            toSweep(d.client, { type: "report", job: job.id!, attempt, seq: s, value, step }).catch(fail);
          }),
        (e) => {
          pruned = e;
          ctrl.abort(e);
        },
      );
      const result = await fn(d.config, ctx);
      if (entry.shutdown) throw new Error("worker stopping");
      if (ctrl.signal.aborted && !pruned) return encode({ kind: "aborted", reason: String((ctrl.signal.reason as Error)?.message ?? ctrl.signal.reason) } satisfies Outcome);
      return encode({ kind: "done", result } satisfies Outcome);
    } catch (e) {
      if (entry.shutdown) {
        // This worker is stopping: the trial goes back to the queue for another worker.
        await job.moveToWait(token);
        throw new bullmq.WaitingError();
      }
      const p = pruned ?? (e instanceof TrialPruned ? e : undefined);
      if (p) return encode({ kind: "pruned", step: p.step } satisfies Outcome);
      if (ctrl.signal.aborted) return encode({ kind: "aborted", reason: String((ctrl.signal.reason as Error)?.message ?? ctrl.signal.reason) } satisfies Outcome);
      throw e;
    } finally {
      running.delete(attempt);
      lost?.removeEventListener("abort", onLost);
    }
  };

  const worker: Worker = new bullmq.Worker(queueName, processor, {
    connection: { url, maxRetriesPerRequest: null },
    concurrency,
    lockDuration: options.lockDuration ?? 30_000,
    stalledInterval: options.stalledInterval ?? 15_000,
    maxStalledCount: options.maxStalledCount ?? 3,
    autorun: false,
  });
  worker.on("error", (e) => {
    if (!stopping) console.error(`rlbook worker ${id}: ${e.message}`);
  });

  // Decisions and aborts from sweeps; a check that the running trials' sweeps are alive.
  const readInbox = async () => {
    let lastCheck = Date.now();
    while (!stopping) {
      try {
        const raw = await inbox.brpop(k.workerInbox(id), 1);
        if (raw) {
          const m = decode<ToWorker>(raw[1]);
          const r = running.get(m.attempt);
          if (r && m.type === "decision") {
            r.pending.get(m.seq)?.(m.prune);
          } else if (r && m.type === "abort") r.ctrl.abort(new Error(m.reason));
        }
        if (Date.now() - lastCheck > HEARTBEAT_EVERY_MS) {
          lastCheck = Date.now();
          for (const r of running.values()) if (!(await cmd.exists(k.heartbeat(r.client)))) r.ctrl.abort(new Error("its sweep is gone"));
        }
      } catch {
        if (stopping) return;
        await new Promise((res) => setTimeout(res, 500));
      }
    }
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const r of running.values()) {
      r.shutdown = true;
      r.ctrl.abort(new Error("worker stopping"));
    }
    await worker.close();
    cmd.disconnect();
    inbox.disconnect();
  };
  let stopped: Promise<void> | undefined;
  const onAbort = () => void (stopped ??= stop());
  signal?.addEventListener("abort", onAbort, { once: true });
  const reader = readInbox();
  try {
    await worker.waitUntilReady();
    await worker.run();
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await (stopped ??= stop());
    await reader;
  }
}
