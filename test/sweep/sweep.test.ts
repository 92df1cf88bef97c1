import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, appendFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sweep, uniform, choice, intUniform, readLog, type LogEvent } from "../../src/sweep/index.js";
import { readParquet } from "../../src/data/parquet.js";
import { LogWriter } from "../../src/sweep/store.js";
import { bowl } from "./fixtures.js";

const fixtures = fileURLToPath(new URL("./fixtures.js", import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), "rlbook-sweep-test-"));
const events = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LogEvent);

test("the log holds every trial's config, reports, value, status and timing; load() reads it back", async () => {
  const path = join(tmp(), "s.jsonl");
  const r = await sweep({
    space: { q: choice([1, 2, 3]), fail: choice([false, true]) },
    objective: async (c, { report }) => {
      await report(c.q as number, 1);
      if (c.fail) throw new Error(`bad q ${c.q}`);
      return { value: (c.q as number) * 10, extra: "kept" };
    },
    sampler: "grid",
    storage: path,
    seed: 3,
  });
  const ev = events(path);
  assert.equal(ev[0].type, "sweep");
  assert.equal(ev.filter((e) => e.type === "start").length, 6);
  assert.equal(ev.filter((e) => e.type === "report").length, 6);
  const loaded = sweep.load(path);
  assert.deepEqual(loaded.trials.map((t) => [t.status, t.value, t.config]), r.trials.map((t) => [t.status, t.value, t.config]));
  assert.deepEqual(r.counts(), { complete: 3, pruned: 0, failed: 3, running: 0 });
  assert.match(r.trials[1].error!, /bad q 1/);
  assert.equal(r.best!.value, 30);
  assert.deepEqual(r.best!.attrs, { extra: "kept" });
  assert.ok(loaded.trials.every((t) => t.duration! >= 0 && t.end! >= t.start));
  // Refuses to overwrite a log.
  assert.throws(() => sweep({ space: { q: uniform(0, 1) }, objective: () => 1, storage: path }), /already holds a sweep log.*sweep\.resume/);
});

test("results: polars frame, best, importance, Parquet round trip", async () => {
  const dir = tmp();
  const r = await sweep({
    space: { a: uniform(-1, 1), b: uniform(-1, 1), unused: intUniform(0, 9), act: choice(["x", "y"]) },
    objective: (c) => 5 * (c.a as number) + 0.5 * (c.b as number) + (c.act === "x" ? 2 : 0),
    sampler: "random",
    trials: 80,
    metric: "score",
    seed: 11,
  });
  const df = await r.frame();
  assert.equal(df.height, 80);
  assert.deepEqual(df.columns.slice(0, 3), ["trial", "status", "score"]);
  assert.ok(df.columns.includes("a") && df.columns.includes("act"));
  const imp = r.importance();
  assert.deepEqual(Object.keys(imp), ["a", "act", "b", "unused"].filter((k) => k in imp).sort((x, y) => imp[y] - imp[x]));
  assert.ok(imp.a > 0.6, `a explains most: ${JSON.stringify(imp)}`);
  assert.ok(imp.act > imp.b && imp.act > imp.unused, JSON.stringify(imp));
  assert.ok(imp.unused < 0.05, JSON.stringify(imp));
  assert.ok(Math.abs(Object.values(imp).reduce((x, y) => x + y, 0) - 1) < 1e-9);
  const file = join(dir, "trials.parquet");
  await r.toParquet(file);
  const back = readParquet(file);
  assert.equal(back.height, 80);
  const best = back.sort("score", true).head(1).toRecords()[0];
  assert.equal(best.trial, r.best!.number);
  assert.equal(best.score, r.best!.value);
  const rep = await r.reportsFrame();
  assert.equal(rep.height, 0);
  const bundle = (r as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
  assert.match(bundle["text/plain"], /80 trials \(80 complete/);
});

test("the signal stops a sweep; resume runs the stopped trial again and the rest", async () => {
  const path = join(tmp(), "stop.jsonl");
  const ctrl = new AbortController();
  let calls = 0;
  const objective = async (c: Record<string, unknown>, ctx: { signal: AbortSignal; trial: number }) => {
    calls++;
    if (ctx.trial === 2) {
      ctrl.abort();
      await new Promise((res) => setTimeout(res, 5));
      if (ctx.signal.aborted) throw new Error("aborted");
    }
    return bowl({ x: c.x, y: 0, lr: 1e-2, n: 40 });
  };
  const r1 = await sweep({ space: { x: uniform(-2, 2) }, objective, sampler: "random", trials: 5, seed: 5, storage: path, signal: ctrl.signal });
  assert.deepEqual(r1.trials.map((t) => t.status), ["complete", "complete", "running"]);
  assert.equal(events(path).at(-1)!.type, "stop");
  assert.throws(() => sweep.resume(path), /pass it again/);
  const r2 = await sweep.resume(path, { objective });
  assert.deepEqual(r2.trials.map((t) => t.status), ["complete", "complete", "complete", "complete", "complete"]);
  assert.equal(r2.trials[2].attempts, 2);
  assert.deepEqual(r2.trials[2].config, r1.trials[2].config);
  assert.equal(calls, 3 + 3);
  // The same configurations as an uninterrupted sweep with the same seed.
  const r3 = await sweep({ space: { x: uniform(-2, 2) }, objective: (c) => bowl({ x: c.x, y: 0, lr: 1e-2, n: 40 }), sampler: "random", trials: 5, seed: 5 });
  assert.deepEqual(r2.trials.map((t) => t.config), r3.trials.map((t) => t.config));
});

test("a torn last line is skipped and the next record starts on a fresh line", () => {
  const path = join(tmp(), "torn.jsonl");
  writeFileSync(path, JSON.stringify({ type: "sweep", version: 1, id: "x", time: 0, space: { q: { kind: "uniform", low: 0, high: 1 } }, metric: "value", direction: "maximize", trials: 2, seed: 0, sampler: { kind: "random", options: {} }, pruner: { kind: "none", options: {} } }) + "\n");
  appendFileSync(path, JSON.stringify({ type: "start", trial: 0, config: { q: 0.5 }, time: 1 }) + "\n" + '{"type":"end","tri');
  const log = readLog(path);
  assert.equal(log.skipped, 1);
  assert.deepEqual(log.trials.map((t) => t.status), ["running"]);
  const w = new LogWriter(path);
  w.append({ type: "end", trial: 0, status: "complete", value: 0.25, time: 2 });
  w.close();
  const again = readLog(path);
  assert.equal(again.skipped, 1);
  assert.deepEqual(again.trials.map((t) => [t.status, t.value]), [["complete", 0.25]]);
});

test("resume after kill -9 keeps every completed trial and reruns only the unfinished one", async () => {
  const dir = tmp();
  const path = join(dir, "crash.jsonl");
  const child = spawn(process.execPath, [fileURLToPath(new URL("./crash-child.js", import.meta.url)), path, `${fixtures}#timed`], { env: { ...process.env, RLBOOK_SWEEP_CRASH_CHILD: "1" }, stdio: "inherit" });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_c, sig) => res(sig)));
  // Wait until 3 trials have ended and the 4th has reported once, then kill -9.
  for (;;) {
    await new Promise((res) => setTimeout(res, 20));
    if (!existsSync(path)) continue;
    const ev = events(path);
    if (ev.filter((e) => e.type === "end").length >= 3 && ev.some((e) => e.type === "report" && e.trial === 3)) break;
  }
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
  const before = readLog(path);
  const done = before.trials.filter((t) => t.status === "complete");
  const unfinished = before.trials.filter((t) => t.status === "running");
  assert.ok(done.length >= 3 && unfinished.length === 1, JSON.stringify(before.trials.map((t) => t.status)));
  const r = await sweep.resume(path);
  assert.equal(r.trials.length, 8);
  assert.ok(r.trials.every((t) => t.status === "complete"));
  for (const t of done) {
    const after = r.trials[t.number];
    assert.equal(after.value, t.value);
    assert.equal(after.end, t.end);
    assert.equal(after.attempts, 1);
  }
  const starts = events(path).filter((e): e is Extract<LogEvent, { type: "start" }> => e.type === "start");
  const count = (n: number) => starts.filter((s) => s.trial === n).length;
  for (const t of done) assert.equal(count(t.number), 1, `completed trial ${t.number} must not run again`);
  assert.equal(count(unfinished[0].number), 2);
  assert.equal(r.trials[unfinished[0].number].reports.length, 3); // the rerun's reports only
  assert.equal(starts.length, 8 + 1);
});
