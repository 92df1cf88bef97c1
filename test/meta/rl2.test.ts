/**
 * RL^2 on a 2-armed bandit family: each trial is 10 one-pull episodes of one task (arm means
 * uniform in [0, 1], Gaussian reward noise of variance 0.01), the GRU state kept across the
 * episodes. After a short PPO training through train() it should, on unseen tasks, (a) earn more
 * than a random policy over the trial and (b) do better in the trial's later episodes than in
 * its first (it learned to explore, then exploit).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { RL2, Rng, train, gaussianBanditFamily } from "../../src/index.js";

const family = gaussianBanditFamily({ arms: 2, horizon: 1, noiseVariance: 0.01 });
const split = new Rng(7);
const testTasks = Array.from({ length: 200 }, () => family.sample(split));
// Exact references for these tasks: a random policy earns the mean of the arm means per pull;
// an oracle that knows the task earns the larger mean.
const randomReturn = testTasks.reduce((s, p) => s + (p.means[0] + p.means[1]) / 2, 0) / testTasks.length;
const oracleReturn = testTasks.reduce((s, p) => s + Math.max(...p.means), 0) / testTasks.length;

test("RL^2 on unseen 2-armed bandit tasks: better than random over the trial, and improves within the trial", async () => {
  const rl2 = new RL2(family, { numTrials: 32, minibatches: 2, episodesPerTrial: 10, hiddenDim: 32, lr: 0.01, epochs: 8, gaeLambda: 0.3, seed: 0, testEvery: 10 }, { testTasks: testTasks.slice(0, 20) });
  const history = await train(rl2, { steps: 40 * rl2.stepsPerIteration });
  assert.equal(history.length, 40);
  assert.ok(history.some((r) => r.testPostReturn !== undefined));
  const t = await rl2.metaTest(testTasks);
  const m = t.episodeMeans;
  const trialMean = m.reduce((a, b) => a + b, 0) / m.length;
  const late = m.slice(5).reduce((a, b) => a + b, 0) / 5;
  console.log(`RL^2 per-episode mean return over a trial: ${m.map((x) => x.toFixed(3)).join(" ")}; random ${randomReturn.toFixed(3)}, oracle ${oracleReturn.toFixed(3)}`);
  assert.ok(trialMean > randomReturn + 0.05, `trial mean ${trialMean} > random ${randomReturn} + 0.05`);
  assert.ok(late > m[0] + 0.05, `episodes 6-10 (${late}) beat episode 1 (${m[0]})`);
  assert.ok(late < oracleReturn + 0.01, "cannot beat the oracle (sanity)");
  assert.throws(() => rl2.act(0), /recurrent.*metaTest/);

  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-rl2-"));
  try {
    await rl2.save(path.join(dir, "ck"));
    const back = await RL2.load(path.join(dir, "ck"), family, { testTasks: testTasks.slice(0, 20) });
    assert.deepEqual((await back.metaTest(testTasks.slice(0, 10), { seed: 3 })).episodeMeans, (await rl2.metaTest(testTasks.slice(0, 10), { seed: 3 })).episodeMeans);
    back.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  rl2.dispose();
});
