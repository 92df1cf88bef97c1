import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { sweep, choice, poolExecutor, type TrialRecord } from "../../src/sweep/index.js";

const fixtures = fileURLToPath(new URL("./fixtures.js", import.meta.url));

/** Pairs of trials whose [start, end] intervals (measured inside the workers) overlap. */
function overlaps(trials: TrialRecord[]): number {
  let n = 0;
  for (let i = 0; i < trials.length; i++)
    for (let j = i + 1; j < trials.length; j++) {
      const a = trials[i].attrs as { start: number; end: number };
      const b = trials[j].attrs as { start: number; end: number };
      if (a.start < b.end && b.start < a.end) n++;
    }
  return n;
}

for (const kind of ["process", "thread"] as const) {
  test(`2 local ${kind} workers run trials concurrently`, async () => {
    const r = await sweep({ space: { q: choice([1, 2, 3, 4]), ms: 450 }, objective: `${fixtures}#timed`, sampler: "grid", parallel: 2, executor: kind, seed: 0 });
    assert.deepEqual(r.trials.map((t) => t.status), ["complete", "complete", "complete", "complete"]);
    assert.deepEqual(r.trials.map((t) => t.value), [3, 6, 9, 12]);
    assert.deepEqual(r.trials.map((t) => t.reports.map((x) => x.step)), [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    // Trials 0 and 1 start together, then 2 and 3: each pair overlaps in time; never 3 at once.
    assert.ok(overlaps(r.trials) >= 2, `overlapping pairs: ${overlaps(r.trials)}`);
    const pids = new Set(r.trials.map((t) => (t.attrs as { pid: number }).pid));
    if (kind === "process") {
      assert.equal(pids.size, 2, "two worker processes, reused");
      assert.ok(!pids.has(process.pid));
    } else assert.deepEqual([...pids], [process.pid]);
    for (const t of r.trials) {
      const overlapping = r.trials.filter((u) => u !== t && (u.attrs as { start: number }).start < (t.attrs as { end: number }).end && (t.attrs as { start: number }).start < (u.attrs as { end: number }).end);
      assert.ok(overlapping.length <= 2);
    }
  });
}

test("pruning decisions reach worker processes; a failing trial is recorded with its error", async () => {
  const pool = poolExecutor({ size: 2 });
  const r = await sweep({
    space: { q: choice([3, 2, 1, 0.5]) },
    objective: `${fixtures}#linear`,
    sampler: "grid",
    pruner: "median",
    parallel: 2,
    executor: pool,
    seed: 0,
  });
  await pool.close();
  // No trial completes before the others start, so median stopping (5 start-up trials) prunes nothing.
  assert.ok(r.trials.every((t) => t.status === "complete" && t.reports.length === 8));
  const r2 = await sweep({ space: { q: choice([3, 2, 1, 0.5]) }, objective: `${fixtures}#linear`, sampler: "grid", pruner: { spec: { kind: "none", options: {} }, shouldPrune: (t) => (t.config.q as number) < 1.5 && t.reports.length === 2 }, parallel: 2, executor: "process", seed: 0 });
  assert.deepEqual(r2.trials.map((t) => [t.status, t.reports.length]), [["complete", 8], ["complete", 8], ["pruned", 2], ["pruned", 2]]);
  const r3 = await sweep({ space: { fail: choice([false, true]) }, objective: `${fixtures}#failing`, sampler: "grid", parallel: 2, seed: 0 });
  assert.deepEqual(r3.trials.map((t) => t.status), ["complete", "failed"]);
  assert.match(r3.trials[1].error!, /bad config \{"fail":true\}/);
  assert.throws(() => sweep({ space: { q: choice([1]) }, objective: () => 1, executor: "process" }), /importable objective/);
});
