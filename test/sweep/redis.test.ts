import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sweep, choice, redisExecutor, runWorker, readLog, type Pruner } from "../../src/sweep/index.js";

const fixtures = fileURLToPath(new URL("./fixtures.js", import.meta.url));
const workerScript = fileURLToPath(new URL("./redis-worker.js", import.meta.url));
const REDIS = "/usr/bin/redis-server";

const freePort = () =>
  new Promise<number>((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });

const ping = (port: number) =>
  new Promise<boolean>((res) => {
    const c = createConnection({ port, host: "127.0.0.1" });
    c.setTimeout(500);
    c.once("data", (d) => (c.destroy(), res(d.toString().startsWith("+PONG"))));
    c.once("error", () => res(false));
    c.once("timeout", () => (c.destroy(), res(false)));
    c.once("connect", () => c.write("PING\r\n"));
  });

let server: ChildProcess | undefined;
let url = "";
let tmp = "";
const workers: ChildProcess[] = [];

before(async () => {
  // A missing server fails these tests (it does not skip them): .ci/run installs it.
  assert.ok(existsSync(REDIS), `${REDIS} is not installed (Debian: apt-get install redis-server)`);
  tmp = mkdtempSync(join(tmpdir(), "rlbook-redis-"));
  const port = await freePort();
  server = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  url = `redis://127.0.0.1:${port}`;
  for (let i = 0; !(await ping(port)); i++) {
    if (i > 100) throw new Error("redis-server did not answer PING within 10 s");
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
  if (server) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function startWorker(queue: string): ChildProcess {
  const w = spawn(process.execPath, [workerScript, url, queue], { env: { ...process.env, RLBOOK_REDIS_WORKER: "1" }, stdio: ["ignore", "inherit", "inherit"] });
  workers.push(w);
  return w;
}

const stopWorker = async (w: ChildProcess) => {
  if (w.exitCode !== null || w.signalCode !== null) return;
  const exited = new Promise((r) => w.once("exit", r));
  w.kill("SIGTERM");
  await exited;
};

/** The events of a sweep log, by type and trial. */
function logEvents(path: string): { type: string; trial?: number }[] {
  return readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
}
const count = (evs: { type: string; trial?: number }[], type: string, trial: number) => evs.filter((e) => e.type === type && e.trial === trial).length;

test("the Redis executor: 2 worker processes complete a sweep; pruning decisions reach them", { timeout: 60_000 }, async () => {
  const queue = "q-basic";
  const ws = [startWorker(queue), startWorker(queue)];
  const executor = redisExecutor({ redis: url, queue, capacity: 2 });
  try {
    const storage = join(tmp, "basic.jsonl");
    const r = await sweep({ space: { q: choice([1, 2, 3, 4]), ms: 450 }, objective: `${fixtures}#timed`, sampler: "grid", executor, seed: 0, storage });
    assert.deepEqual(r.trials.map((t) => t.status), ["complete", "complete", "complete", "complete"]);
    assert.deepEqual(r.trials.map((t) => t.value), [3, 6, 9, 12]);
    assert.deepEqual(r.trials.map((t) => t.reports.map((x) => x.step)), [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    const pids = new Set(r.trials.map((t) => (t.attrs as { pid: number }).pid));
    assert.deepEqual([...pids].sort(), ws.map((w) => w.pid).sort(), "both worker processes ran trials");
    assert.deepEqual(readLog(storage).trials.map((t) => t.value), [3, 6, 9, 12]);

    // Pruning across processes: the pruner's decision stops trials q < 1.5 after their 2nd report.
    const pruner: Pruner = { spec: { kind: "none", options: {} }, shouldPrune: (t) => (t.config.q as number) < 1.5 && t.reports.length === 2 };
    const r2 = await sweep({ space: { q: choice([3, 2, 1, 0.5]) }, objective: `${fixtures}#linear`, sampler: "grid", pruner, executor, seed: 0 });
    assert.deepEqual(r2.trials.map((t) => [t.status, t.reports.length]), [["complete", 8], ["complete", 8], ["pruned", 2], ["pruned", 2]]);
    assert.deepEqual(r2.trials.map((t) => t.value), [24, 16, 2, 1]);

    // An objective's error fails its trial (no retry) with its message.
    const r3 = await sweep({ space: { fail: choice([false, true]) }, objective: `${fixtures}#failing`, sampler: "grid", executor, seed: 0 });
    assert.deepEqual(r3.trials.map((t) => [t.status, t.attempts]), [["complete", 1], ["failed", 1]]);
    assert.match(r3.trials[1].error!, /bad config \{"fail":true\}/);
    const r4 = await sweep({ space: { q: choice([1]) }, objective: () => 1, executor, trials: 1 });
    assert.match(r4.trials[0].error!, /importable objective/);

    // Stopping the sweep aborts the trials running on the workers; they are left unfinished.
    const run = sweep({ space: { q: choice([1, 2, 3]), ms: 30_000 }, objective: `${fixtures}#timed`, sampler: "grid", executor, seed: 0 });
    const t0 = Date.now();
    setTimeout(() => run.stop(), 500);
    const r5 = await run;
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
    assert.ok(r5.trials.every((t) => t.status === "running"));
    // The workers are free again.
    const r6 = await sweep({ space: { q: choice([1, 2]), ms: 60 }, objective: `${fixtures}#timed`, sampler: "grid", executor, seed: 0 });
    assert.deepEqual(r6.trials.map((t) => t.value), [3, 6]);
  } finally {
    await executor.close();
    await Promise.all(ws.map(stopWorker));
  }
});

test("the Redis executor survives a worker killed mid-trial: its trial is retried elsewhere, every result recorded exactly once", { timeout: 60_000 }, async () => {
  const queue = "q-kill";
  const ws = [startWorker(queue), startWorker(queue)];
  const executor = redisExecutor({ redis: url, queue, capacity: 2 });
  const storage = join(tmp, "kill.jsonl");
  try {
    const run = sweep({ space: { q: choice([1, 2, 3, 4, 5]), ms: 900 }, objective: `${fixtures}#timed`, sampler: "grid", executor, seed: 0, storage });
    let killed: { trial: number; pid: number } | undefined;
    for await (const e of run) {
      // At the first report of trial 1, kill -9 the worker running it.
      if (!killed && e.type === "report" && e.trial === 1) {
        const worker = run.trials.get(1)!.worker!;
        const pid = Number(/^pid-(\d+)\./.exec(worker)![1]);
        const w = ws.find((x) => x.pid === pid)!;
        assert.ok(w, `worker ${worker} is one of ours`);
        w.kill("SIGKILL");
        killed = { trial: 1, pid };
      }
    }
    const r = await run;
    assert.ok(killed, "a worker was killed mid-trial");
    const survivor = ws.find((w) => w.pid !== killed!.pid)!.pid;
    assert.deepEqual(r.trials.map((t) => t.status), ["complete", "complete", "complete", "complete", "complete"]);
    assert.deepEqual(r.trials.map((t) => t.value), [3, 6, 9, 12, 15]);
    const t1 = r.trials[1];
    assert.equal(t1.attempts, 2, "the killed trial ran twice");
    assert.equal((t1.attrs as { pid: number }).pid, survivor, "and finished on the other worker");
    // The store: one start and one end per trial, the killed attempt's reports discarded.
    const evs = logEvents(storage);
    for (let i = 0; i < 5; i++) {
      assert.equal(count(evs, "start", i), 1, `trial ${i}: one start`);
      assert.equal(count(evs, "end", i), 1, `trial ${i}: one end`);
      assert.equal(count(evs, "restart", i), i === 1 ? 1 : 0, `trial ${i}: restarts`);
    }
    const log = readLog(storage);
    assert.deepEqual(log.trials.map((t) => [t.status, t.value, t.reports.map((x) => x.step)]), [0, 1, 2, 3, 4].map((i) => ["complete", 3 * (i + 1), [1, 2, 3]]));
    assert.equal(log.trials[1].attempts, 2);
  } finally {
    await executor.close();
    await Promise.all(ws.map(stopWorker));
  }
});

test("a worker stopped (SIGTERM) mid-trial hands its trial back to the queue; another worker runs it", { timeout: 60_000 }, async () => {
  const queue = "q-term";
  const ws = [startWorker(queue), startWorker(queue)];
  const executor = redisExecutor({ redis: url, queue, capacity: 2 });
  try {
    const run = sweep({ space: { q: choice([1, 2, 3]), ms: 600 }, objective: `${fixtures}#timed`, sampler: "grid", executor, seed: 0 });
    let stopped: number | undefined;
    let stopTime = 0;
    for await (const e of run) {
      if (stopped === undefined && e.type === "report" && e.trial === 0) {
        stopped = Number(/^pid-(\d+)\./.exec(run.trials.get(0)!.worker!)![1]);
        stopTime = Date.now();
        void stopWorker(ws.find((w) => w.pid === stopped)!);
      }
    }
    const r = await run;
    assert.deepEqual(r.trials.map((t) => [t.status, t.value]), [["complete", 3], ["complete", 6], ["complete", 9]]);
    assert.equal(r.trials[0].attempts, 2);
    const restart = run.events.find((e) => e.type === "restart" && e.trial === 0)!;
    assert.ok(restart.time >= stopTime);
    assert.notEqual((r.trials[0].attrs as { pid: number }).pid, stopped);
    assert.equal(ws.find((w) => w.pid === stopped)!.exitCode, 0, "the stopped worker exited cleanly");
  } finally {
    await executor.close();
    await Promise.all(ws.map(stopWorker));
  }
});

test("the Redis executor and worker: bad URLs and unreachable servers get clear errors", { timeout: 30_000 }, async () => {
  assert.throws(() => redisExecutor({ redis: "http://127.0.0.1:6379" }), /not a Redis URL.*redis:\/\/127\.0\.0\.1:6379/);
  assert.throws(() => redisExecutor({ redis: "not a url" }), /not a valid Redis URL/);
  await assert.rejects(runWorker({ redis: "localhost:6379" }), /not a Redis URL|not a valid Redis URL/);
  const port = await freePort(); // nothing listens there
  const dead = `redis://127.0.0.1:${port}`;
  await assert.rejects(runWorker({ redis: dead }), (e: Error) => e.message.includes(dead) && /cannot reach the Redis server/.test(e.message) && /redis-server/.test(e.message));
  const executor = redisExecutor({ redis: dead });
  await assert.rejects(async () => await sweep({ space: { q: choice([1]) }, objective: `${fixtures}#linear`, executor, trials: 1 }), (e: Error) => e.message.includes(dead) && /redis-server/.test(e.message));
  await executor.close();
});

test("`rlbook worker --redis URL` runs a sweep's trials and stops cleanly on SIGTERM", { timeout: 60_000 }, async () => {
  const cli = fileURLToPath(new URL("../../cli.js", import.meta.url));
  const worker = spawn(process.execPath, [cli, "worker", "--redis", url, "--queue", "cli-queue", "--concurrency", "2"], { stdio: ["ignore", "inherit", "inherit"] });
  workers.push(worker);
  const executor = redisExecutor({ redis: url, queue: "cli-queue" });
  try {
    const result = await sweep({ space: { q: choice([1, 2, 3]), ms: 50 }, objective: `${fixtures}#timed`, sampler: "grid", executor, seed: 0 });
    assert.deepEqual(result.trials.map((t) => [t.status, t.value]), [["complete", 3], ["complete", 6], ["complete", 9]]);
  } finally {
    await executor.close();
  }
  const exited = new Promise<number | null>((r) => worker.once("exit", (code) => r(code)));
  worker.kill("SIGTERM");
  assert.equal(await exited, 0);
  const usage = spawn(process.execPath, [cli, "worker"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  usage.stderr!.on("data", (d) => (stderr += d));
  assert.equal(await new Promise((r) => usage.once("exit", r)), 2);
  assert.match(stderr, /rlbook worker needs --redis URL/);
});
