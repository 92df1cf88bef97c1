/**
 * RL^2 with continuous actions (a diagonal Gaussian head) on the MAML paper's 2D navigation family
 * (point robot at the origin, goal uniform in [-0.5, 0.5]^2, velocity actions clipped to
 * [-0.1, 0.1], reward minus the distance to the goal). Horizon 10 here (the paper: 100) so a
 * trial of two episodes is 20 steps and a short training fits a test. The observation is the
 * position only: the goal must be inferred from the rewards, so the first episode of a trial has
 * to find it and the second can go straight there.
 *
 * Reference: the same policy's first episode of each trial on the held-out goals. Measured with
 * these settings (40 iterations' worth of steps = 41 iterations, 50 held-out goals, metaTest
 * seed 1; mean return of episode 1 -> episode 2 of a trial):
 *   untrained:         -4.11 -> -4.27 (no within-trial improvement)
 *   trained, seed 0:   -3.59 -> -2.70 (the seed of the meta-RL notebook's run, asserted there)
 *   trained, seed 1:   -3.86 -> -2.48
 *   trained, seed 2:   -3.58 -> -2.27
 * A goal-knowing oracle (below) earns -0.50. The asserted margin, 0.3, is a third of the smallest
 * measured gap (0.89). With lr 0.02 and 32 trials a seed diverged (log-std grew, -8), hence lr 0.01
 * and 64 trials per iteration. The 40-iteration training takes ~22 s on one core.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { RL2, Rng, train, navigation2DFamily } from "../../src/index.js";

const family = navigation2DFamily({ horizon: 10 });
const split = new Rng(7);
const testTasks = Array.from({ length: 50 }, () => family.sample(split));

/**
 * An oracle that knows the goal (written here, independent of the env and of RL2): each step it
 * moves toward the goal at the largest velocity the clipping allows; reward minus the distance,
 * the episode ends within 0.01 of the goal or after 10 steps.
 */
function oracleReturn(goal: readonly [number, number]): number {
  let x = 0;
  let y = 0;
  let ret = 0;
  for (let t = 0; t < 10; t++) {
    x += Math.fround(Math.max(-0.1, Math.min(0.1, goal[0] - x)));
    y += Math.fround(Math.max(-0.1, Math.min(0.1, goal[1] - y)));
    const d = Math.hypot(x - goal[0], y - goal[1]);
    ret -= d;
    if (d < 0.01) break;
  }
  return ret;
}

const settings = { numTrials: 64, minibatches: 4, episodesPerTrial: 2, hiddenDim: 32, lr: 0.01, epochs: 8, logStdInit: -2.5, entCoef: 0 };

// That the trained policy's second episode beats its first by 0.3 (seed 0, these settings, 40 iterations) is
// asserted on the meta-RL notebook's run of exactly this training (test/meta/notebook.test.ts; its 50 held-out
// goals come from another split: measured -3.54 -> -2.62, untrained -4.11 -> -4.19), which this file used
// to repeat. Here: the training records and in-training meta-tests of a short run, and the oracle bound.
test("RL^2 (Gaussian head) on 2D navigation through train(): finite losses, meta-tests during training, never above the goal-knowing oracle", async () => {
  const rl2 = new RL2(family, { ...settings, seed: 0, testEvery: 2 }, { testTasks: testTasks.slice(0, 10) });
  const history = await train(rl2, { steps: 4 * rl2.stepsPerIteration });
  // Trials end early when the robot reaches a goal, so 4 iterations' worth of steps may take a few more iterations.
  assert.ok(history.length >= 4, `${history.length} iterations`);
  assert.ok(history.every((r) => Number.isFinite(r.policyLoss) && Number.isFinite(r.entropy)));
  assert.ok(history.some((r) => r.testPostReturn !== undefined));
  const t = await rl2.metaTest(testTasks, { seed: 1 });
  const oracle = testTasks.reduce((s, p) => s + oracleReturn(p.goal), 0) / testTasks.length;
  for (const m of t.episodeMeans) assert.ok(Number.isFinite(m) && m < oracle + 1e-6, `episode mean ${m} cannot beat the goal-knowing oracle ${oracle}`);
  rl2.dispose();
});

test("a continuous RL^2 checkpoint round-trips (GRU, heads, log-std, Adam state, rng)", async () => {
  const rl2 = new RL2(family, { ...settings, numTrials: 8, seed: 3 });
  await train(rl2, { steps: 3 * rl2.stepsPerIteration });
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-rl2c-"));
  try {
    await rl2.save(path.join(dir, "ck"));
    const back = await RL2.load(path.join(dir, "ck"), family);
    assert.equal(back.numTimesteps, rl2.numTimesteps);
    // Same sampled trials (the log-std scales every sample, so it must have come back too).
    assert.deepEqual((await back.metaTest(testTasks.slice(0, 8), { seed: 5 })).tasks.map((x) => x.episodeReturns), (await rl2.metaTest(testTasks.slice(0, 8), { seed: 5 })).tasks.map((x) => x.episodeReturns));
    // And the same next training iteration (Adam moments and the training rng restored).
    const [a, b] = [await rl2.learnIteration(), await back.learnIteration()];
    assert.deepEqual(b.losses, a.losses);
    // A fresh agent with other weights does differ (the comparison can fail).
    const fresh = new RL2(family, { ...settings, numTrials: 8, seed: 4 });
    assert.notDeepEqual((await fresh.metaTest(testTasks.slice(0, 8), { seed: 5 })).episodeMeans, (await rl2.metaTest(testTasks.slice(0, 8), { seed: 5 })).episodeMeans);
    fresh.dispose();
    back.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.throws(() => new RL2(family, { logStdInit: Number.NaN }), /logStdInit/);
  rl2.dispose();
});
