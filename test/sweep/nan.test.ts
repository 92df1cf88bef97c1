import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sweep, choice, medianPruner, ashaPruner, type SweepResult } from "../../src/sweep/index.js";
import { splitTrials, type TrialView } from "../../src/sweep/samplers.js";
import { alwaysNaN, badResults, nanReport } from "./nan-fixtures.js";

const fixtures = fileURLToPath(new URL("./nan-fixtures.js", import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), "rlbook-nan-test-"));

/** Runs `f` with console.warn captured; returns its result and the warnings. */
async function withWarnings<T>(f: () => PromiseLike<T> | T): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(" "));
  try {
    return { value: await f(), warnings };
  } finally {
    console.warn = orig;
  }
}

const space = { q: choice([1, 2, 3, 4]) };

function checkBadResults(r: SweepResult, warnings: string[]): void {
  assert.deepEqual(r.trials.map((t) => [t.status, t.value]), [["complete", 1], ["failed", undefined], ["failed", undefined], ["failed", undefined]]);
  assert.match(r.trials[1].error!, /the objective returned NaN, not a finite number/);
  assert.match(r.trials[2].error!, /the objective returned Infinity as "value", not a finite number/);
  assert.match(r.trials[3].error!, /must return a number or a record with a numeric "value" field, got "abc"/);
  assert.equal(r.best!.number, 0);
  assert.deepEqual(r.leaderboard().map((t) => t.number), [0]);
  assert.deepEqual(r.counts(), { complete: 1, pruned: 0, failed: 3, running: 0 });
  assert.equal(r.warnings.length, 3);
  assert.deepEqual(warnings, r.warnings, "each warning is printed as it happens");
  for (const n of [1, 2, 3]) assert.ok(r.warnings.some((w) => w.includes(`trial ${n} failed: ${r.trials[n].error}`)), `warning for trial ${n}`);
}

test("NaN / Infinity / non-number results fail their trial with a reason naming the value; best ignores them (inline)", async () => {
  const storage = join(tmp(), "bad.jsonl");
  const { value: r, warnings } = await withWarnings(() => sweep({ space, objective: badResults, sampler: "grid", storage }));
  checkBadResults(r, warnings);
  // The log keeps the reasons.
  const loaded = sweep.load(storage);
  assert.deepEqual(loaded.trials.map((t) => [t.status, t.error]), r.trials.map((t) => [t.status, t.error]));
});

for (const kind of ["process", "thread"] as const) {
  test(`NaN / Infinity / non-number results fail their trial with a reason naming the value (worker ${kind === "process" ? "processes" : "threads"})`, async () => {
    const { value: r, warnings } = await withWarnings(() => sweep({ space, objective: `${fixtures}#badResults`, sampler: "grid", parallel: 2, executor: kind }));
    // Warnings arrive in completion order when trials run in parallel.
    warnings.sort();
    r.warnings.sort();
    checkBadResults(r, warnings);
  });
}

test("every trial failing: best is undefined and the warnings say why", async () => {
  const storage = join(tmp(), "all.jsonl");
  const { value: r, warnings } = await withWarnings(() => sweep({ space, objective: alwaysNaN, sampler: "grid", trials: 3, storage }));
  assert.equal(r.best, undefined);
  assert.equal(warnings.length, 4);
  assert.match(r.warnings[3], /no trial completed \(3 failed\), so best is undefined; trial 0 failed: the objective returned NaN/);
  const bundle = (r as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
  assert.match(bundle["text/plain"], /warning: .*no trial completed/);
  // Loading the log says the same.
  const { value: loaded, warnings: atLoad } = await withWarnings(() => sweep.load(storage));
  assert.equal(loaded.best, undefined);
  assert.deepEqual(atLoad, [r.warnings[3]]);
});

test("a NaN intermediate report: pruned with the reason by median and ASHA pruners, warned about without a pruner (inline and worker processes)", async () => {
  for (const objective of [nanReport, `${fixtures}#nanReport`]) {
    const executor = typeof objective === "string" ? "process" : "inline";
    const median = await withWarnings(() => sweep({ space, objective, sampler: "grid", pruner: medianPruner({ nStartupTrials: 1 }), executor }));
    const r = median.value;
    assert.deepEqual(r.trials.map((t) => t.status), ["complete", "pruned", "complete", "complete"], executor);
    assert.ok(Number.isNaN(r.trials[1].value));
    assert.equal(r.trials[1].error, "pruned after reporting NaN at step 2");
    assert.equal(r.best!.number, 3);
    assert.deepEqual(median.warnings, [`sweep ${r.id}: trial 1 reported NaN at step 2 (a diverged run?); the pruner decides whether it stops`]);
    // ASHA (rungs at steps 1, 4): the NaN at step 2 is past the first rung.
    const asha = await withWarnings(() => sweep({ space, objective, sampler: "grid", pruner: ashaPruner({ minResource: 1, reductionFactor: 4 }), executor }));
    assert.equal(asha.value.trials[1].status, "pruned");
    assert.equal(asha.value.trials[1].error, "pruned after reporting NaN at step 2");
    assert.equal(asha.warnings.length, 1);
    // No pruner: the trial goes on and completes with its final value, and the NaN report is named.
    const none = await withWarnings(() => sweep({ space, objective, sampler: "grid", executor }));
    assert.deepEqual(none.value.trials.map((t) => [t.status, t.value]), [["complete", 4], ["complete", 8], ["complete", 12], ["complete", 16]]);
    assert.match(none.warnings[0], /trial 1 reported NaN at step 2 \(a diverged run\?\); no pruner stops it/);
    assert.deepEqual(none.value.warnings, none.warnings);
  }
});

test("TPE's split ranks a pruned trial whose last report is NaN after those with numbers at the same step", () => {
  const t = (number: number, value: number, step = 3): TrialView => ({ number, config: {}, status: "pruned", reports: [{ step, value }] });
  // Reference order by the rule (later step first; then better value; NaN worst), maximizing:
  // trial 4 (step 5), then at step 3: 2 (value 9), 0 (value 1), 1 (NaN), 3 (NaN).
  const { below, above } = splitTrials([t(0, 1), t(1, NaN), t(2, 9), t(3, NaN), t(4, -5, 5)], "maximize", 3);
  assert.deepEqual(below.map((x) => x.number), [0, 2, 4]);
  assert.deepEqual(above.map((x) => x.number), [1, 3]);
});

test("PBT: a member scoring NaN ranks last (it exploits a top member), best ignores it, and a warning names it; a bad mode is named", async () => {
  const { pbt, uniform } = await import("../../src/sweep/index.js");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  // Member scores: its q, except NaN for q < 0.5 (a diverged run).
  const objective = async (c: Record<string, unknown>, ctx: { dir: string }) => {
    mkdirSync(ctx.dir, { recursive: true });
    writeFileSync(join(ctx.dir, "state.json"), "{}");
    return (c.q as number) < 0.5 ? NaN : (c.q as number);
  };
  const { value: r, warnings } = await withWarnings(() => pbt({ space: { q: uniform(0, 1) }, objective, population: 4, rounds: 2, seed: 3, dir: tmp() }));
  const round0 = r.segments.filter((s) => s.round === 0);
  const nan = round0.filter((s) => Number.isNaN(s.score)).map((s) => s.member);
  const finite = round0.filter((s) => Number.isFinite(s.score));
  assert.ok(nan.length >= 1 && finite.length >= 1, `seed 3 gives both kinds: ${round0.map((s) => s.score)}`);
  // quantile 0.25 of 4: one member exploits, the last ranked, which must be a NaN one; it copies the best.
  assert.equal(r.exploits.length, 1);
  assert.ok(nan.includes(r.exploits[0].member));
  const bestFinite = finite.reduce((a, b) => (b.score > a.score ? b : a));
  assert.equal(r.exploits[0].from, bestFinite.member);
  assert.ok(warnings.some((w) => new RegExp(`pbt: member ${nan[0]} scored NaN in round 0 .*ranks last`).test(w)), warnings.join("\n"));
  assert.ok(r.best === undefined || Number.isFinite(r.best.score));
  await assert.rejects(pbt({ space: { q: uniform(0, 1) }, objective, mode: "maximise" as never }), /pbt: mode must be "min" or "max", got "maximise"/);
});
