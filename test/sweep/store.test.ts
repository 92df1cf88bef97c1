import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweep, choice, readLog, type LogEvent } from "../../src/sweep/index.js";
import { LogWriter } from "../../src/sweep/store.js";

const tmp = () => mkdtempSync(join(tmpdir(), "rlbook-store-test-"));

/** Runs `f` with console.warn captured; returns the warnings. */
async function captureWarnings(f: () => unknown): Promise<string[]> {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(" "));
  try {
    await f();
  } finally {
    console.warn = orig;
  }
  return warnings;
}

let calls: number[] = [];
const objective = async (c: Record<string, unknown>, { report, trial }: { report: (v: number, s?: number) => Promise<void>; trial: number }) => {
  calls.push(trial);
  await report(c.q as number, 1);
  return (c.q as number) * 10;
};

/** A finished 4-trial sweep log, its lines, and the 1-based line number of each trial's event of a type. */
async function finishedLog(): Promise<{ path: string; lines: string[]; lineOf: (type: LogEvent["type"], trial: number) => number }> {
  const path = join(tmp(), "s.jsonl");
  await sweep({ space: { q: choice([1, 2, 3, 4]) }, objective, sampler: "grid", storage: path, seed: 1 });
  const lines = readFileSync(path, "utf8").split("\n");
  const lineOf = (type: LogEvent["type"], trial: number) => 1 + lines.findIndex((l) => l && JSON.parse(l).type === type && JSON.parse(l).trial === trial);
  return { path, lines, lineOf };
}

function corrupt(path: string, lines: string[], lineNo: number, junk = '{"type":"end","trial":1,"sta\u0000\u0000tus"'): void {
  const copy = [...lines];
  copy[lineNo - 1] = junk;
  writeFileSync(path, copy.join("\n"));
}

test("sweep log: a corrupt end line in the middle is reported by line number, and resume says which trial runs again", async () => {
  const { path, lines, lineOf } = await finishedLog();
  const bad = lineOf("end", 1);
  assert.ok(bad > 1 && bad < lines.length - 2, "a line in the middle");
  corrupt(path, lines, bad);
  const log = readLog(path);
  assert.deepEqual(log.damaged.map((d) => d.line), [bad]);
  assert.deepEqual(log.trials.map((t) => t.status), ["complete", "running", "complete", "complete"]);
  let loaded: ReturnType<typeof sweep.load> | undefined;
  const printed = await captureWarnings(() => (loaded = sweep.load(path)));
  assert.equal(printed.length, 2);
  assert.match(loaded!.warnings[0], new RegExp(`s\\.jsonl: line ${bad} is corrupt`));
  assert.match(loaded!.warnings[1], new RegExp(`trial 1 has no end record and may have ended on corrupt line ${bad}; sweep.resume runs it again`));
  const bundle = (loaded as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
  assert.match(bundle["text/plain"], new RegExp(`warning: .*line ${bad} is corrupt`));
  // Resume reruns trial 1 only, saying so, and keeps the others' results.
  calls = [];
  let r: Awaited<ReturnType<typeof sweep.resume>> | undefined;
  const atResume = await captureWarnings(async () => (r = await sweep.resume(path, { objective })));
  assert.deepEqual(calls, [1]);
  assert.equal(atResume.length, 2);
  assert.deepEqual(r!.warnings, loaded!.warnings);
  assert.deepEqual(r!.trials.map((t) => [t.status, t.value]), [["complete", 10], ["complete", 20], ["complete", 30], ["complete", 40]]);
});

test("sweep log: a trial whose start line is corrupt keeps its result from its later end line and is not run again", async () => {
  const { path, lines, lineOf } = await finishedLog();
  const bad = lineOf("start", 2);
  corrupt(path, lines, bad, "garbage that is not JSON");
  const log = readLog(path);
  assert.deepEqual(log.damaged, [{ line: bad, text: "garbage that is not JSON" }]);
  const t2 = log.trials[2];
  assert.deepEqual([t2.number, t2.status, t2.value, t2.config, t2.reports], [2, "complete", 30, {}, [{ step: 1, value: 3 }]]);
  assert.equal(log.warnings.length, 2);
  assert.match(log.warnings[1], new RegExp(`trial 2's start record \\(its configuration\\) was lost on a corrupt line \\(line ${bad}\\); its result \\(complete, 30\\) is kept`));
  calls = [];
  const r = await captureWarnings(() => sweep.resume(path, { objective })).then(() => sweep.load(path));
  assert.deepEqual(calls, [], "every trial had finished: nothing runs again");
  assert.equal(r.best!.value, 40);
});

test("sweep log: a corrupt report line keeps the trial's result; a started trial whose start line is lost fails (it cannot be rerun)", async () => {
  const { path, lines, lineOf } = await finishedLog();
  corrupt(path, lines, lineOf("report", 0), "{bad json");
  const log = readLog(path);
  assert.deepEqual(log.trials.map((t) => [t.status, t.value]), [["complete", 10], ["complete", 20], ["complete", 30], ["complete", 40]]);
  assert.deepEqual(log.trials[0].reports, []);
  assert.equal(log.warnings.length, 1);
  // Trial 3's start line lost and its end line missing (only a report survives).
  const copy = [...lines];
  copy[lineOf("start", 3) - 1] = "#";
  copy[lineOf("end", 3) - 1] = "";
  writeFileSync(path, copy.join("\n"));
  const log2 = readLog(path);
  const t3 = log2.trials[3];
  assert.equal(t3.status, "failed");
  assert.match(t3.error!, /start record \(with its configuration\) was lost on a corrupt line of the log \(line \d+\), so it cannot run again/);
  calls = [];
  await captureWarnings(() => sweep.resume(path, { objective }));
  assert.deepEqual(calls, [], "a trial without its configuration is not rerun with an empty one");
});

test("sweep log: a torn last line is no damage, also once a resumed writer has appended after it", () => {
  const path = join(tmp(), "torn.jsonl");
  writeFileSync(path, JSON.stringify({ type: "sweep", version: 1, id: "x", time: 0, space: { q: { kind: "uniform", low: 0, high: 1 } }, metric: "value", direction: "maximize", trials: 2, seed: 0, sampler: { kind: "random", options: {} }, pruner: { kind: "none", options: {} } }) + "\n");
  appendFileSync(path, JSON.stringify({ type: "start", trial: 0, config: { q: 0.5 }, time: 1 }) + "\n" + '{"type":"end","tri');
  const torn = readLog(path);
  assert.deepEqual([torn.skipped, torn.damaged, torn.warnings], [1, [], []]);
  const w = new LogWriter(path);
  w.append({ type: "end", trial: 0, status: "complete", value: 0.25, time: 2 });
  w.close();
  const again = readLog(path);
  assert.deepEqual([again.skipped, again.damaged, again.warnings], [1, [], []]);
  assert.deepEqual(again.trials.map((t) => [t.status, t.value]), [["complete", 0.25]]);
  // The same torn line in the middle without the writer's mark (a hand edit) is damage.
  const text = readFileSync(path, "utf8").split("\n").filter((l) => !l.includes("torn-line-above")).join("\n");
  writeFileSync(path, text);
  assert.deepEqual(readLog(path).damaged.map((d) => d.line), [3]);
});
