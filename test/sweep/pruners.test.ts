import { test } from "node:test";
import assert from "node:assert/strict";
import { sweep, choice, ashaPruner, medianPruner, TrialPruned, type TrialContext, type Config } from "../../src/sweep/index.js";

/** Reports q * step at steps 1..8 (a trial's quality is q), counting what each trial reported. */
function linearObjective(log: Map<number, number[]>) {
  return async (c: Config, ctx: TrialContext) => {
    const q = c.q as number;
    const steps: number[] = [];
    log.set(ctx.trial, steps);
    for (let s = 1; s <= 8; s++) {
      await ctx.report(q * s, s);
      steps.push(s);
    }
    return q * 8;
  };
}

test("median stopping prunes exactly the trials below the median of completed trials", async () => {
  const log = new Map<number, number[]>();
  const r = await sweep({
    space: { q: choice([1, 3, 0.5, 2.5, 1.9, 2.1]) },
    objective: linearObjective(log),
    sampler: "grid",
    pruner: medianPruner({ nStartupTrials: 2 }),
    mode: "max",
    seed: 0,
  });
  // Trials 0 (q=1) and 1 (q=3) complete (start-up); the median of {1, 3} is 2 (times the step):
  // q=0.5 is below it at step 1 and pruned; q=2.5 stays above and completes; then the completed
  // q are {1, 3, 2.5}, median 2.5: q=1.9 and q=2.1 are pruned at step 1.
  assert.deepEqual(r.trials.map((t) => t.status), ["complete", "complete", "pruned", "complete", "pruned", "pruned"]);
  assert.deepEqual(r.trials.map((t) => t.reports.length), [8, 8, 1, 8, 1, 1]);
  // A pruned trial's report threw: it reported nothing after being pruned.
  assert.deepEqual(log.get(2), []);
  assert.equal(r.trials[2].value, 0.5);
  assert.equal(r.best!.config.q, 3);
});

test("median stopping waits for warm-up steps and start-up trials", async () => {
  const log = new Map<number, number[]>();
  const r = await sweep({ space: { q: choice([1, 3, 0.5, 0.2]) }, objective: linearObjective(log), sampler: "grid", pruner: medianPruner({ nStartupTrials: 3, nWarmupSteps: 4 }), mode: "max", seed: 0 });
  // q=0.5 is the third trial: only 2 completed before it, so it runs to the end; q=0.2 is pruned at the first step >= 4.
  assert.deepEqual(r.trials.map((t) => t.status), ["complete", "complete", "complete", "pruned"]);
  assert.equal(r.trials[3].reports.at(-1)!.step, 4);
});

test("ASHA promotes the top 1/rf at each rung and prunes the rest (rungs at steps 1, 2, 4, 8)", async () => {
  const log = new Map<number, number[]>();
  const r = await sweep({
    space: { q: choice([1, 2, 0.5, 3, 1.5, 1.8]) },
    objective: linearObjective(log),
    sampler: "grid",
    pruner: ashaPruner({ minResource: 1, reductionFactor: 2 }),
    mode: "max",
    seed: 0,
  });
  // rung 0 (step 1), values so far incl. itself, keep the top floor(n/2) (at least 1):
  //   q=1 [1] -> on; q=2 [1,2] -> on; q=0.5 [1,2,.5]: top 1 is 2 -> pruned; q=3 [.5,1,2,3]: top 2 -> on;
  //   q=1.5 [.5,1,1.5,2,3]: top 2 are 2,3 -> pruned; q=1.8 [.5,1,1.5,1.8,2,3]: top 3 -> on.
  // rung 1 (step 2): q=1.8 has 3.6 against 2 (q=1), 4 (q=2), 6 (q=3): top 2 are 4, 6 -> pruned.
  assert.deepEqual(r.trials.map((t) => t.status), ["complete", "complete", "pruned", "complete", "pruned", "pruned"]);
  assert.deepEqual(r.trials.map((t) => t.reports.at(-1)!.step), [8, 8, 1, 8, 1, 2]);
  assert.deepEqual(log.get(5), [1]);
});

test("ASHA minimizing, with the first rung at minResource * rf^minEarlyStoppingRate", async () => {
  const log = new Map<number, number[]>();
  const r = await sweep({
    space: { q: choice([1, 2, 0.5, 3]) },
    objective: linearObjective(log),
    sampler: "grid",
    pruner: ashaPruner({ minResource: 2, reductionFactor: 2, minEarlyStoppingRate: 1 }),
    mode: "min",
    seed: 0,
  });
  // Rungs at steps 4 and 8. At step 4: q=1 alone -> on; q=2 [4,8]: best 1 is 4 -> pruned;
  // q=0.5 [4,8,2] -> on (2 is the best); q=3 [4,8,2,12]: top 2 are 2, 4 -> pruned.
  assert.deepEqual(r.trials.map((t) => t.status), ["complete", "pruned", "complete", "pruned"]);
  assert.deepEqual(r.trials.map((t) => t.reports.at(-1)!.step), [8, 4, 8, 4]);
  assert.equal(r.best!.config.q, 0.5);
});

test("a pruned trial's signal aborts, so code that ignores the rejected report still stops", async () => {
  let sawAbort = false;
  const r = await sweep({
    space: { q: choice([2, 1]) },
    objective: async (c, ctx) => {
      for (let s = 1; s <= 5; s++) {
        await ctx.report((c.q as number) * s, s).catch((e) => assert.ok(e instanceof TrialPruned));
        if (ctx.signal.aborted) {
          sawAbort = true;
          return -1; // returning after a prune still records the trial as pruned
        }
      }
      return c.q as number;
    },
    sampler: "grid",
    pruner: ashaPruner({ reductionFactor: 2 }),
    seed: 0,
  });
  assert.ok(sawAbort);
  assert.deepEqual(r.trials.map((t) => t.status), ["complete", "pruned"]);
  assert.equal(r.trials[1].value, 1);
});
