/**
 * Population sweeps: a grid of PPO configs x seeds run by populationExecutor as one population
 * gives every trial the value the same objective returns when each trial trains alone (the
 * inline executor): member k follows the solo agent with its seed and config.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { backend } from "../../src/nn/backend.js";
import { choice } from "../../src/sweep/space.js";
import { sweep } from "../../src/sweep/sweep.js";
import { populationExecutor, populationObjective, populationScore } from "../../src/population/sweep.js";

test("a grid sweep of PPO configs x seeds through populationExecutor: one population, each trial's value equals its solo run's", async () => {
  await backend("wasm");
  const objective = populationObjective({ algo: "PPO", env: () => make("CartPole-v1", { numEnvs: 4 }), steps: 768, config: { nSteps: 32, batchSize: 64, nEpochs: 2 }, window: 2 });
  const space = { learningRate: choice([1e-3, 2.5e-4]), seed: choice([0, 1]) };
  const executor = populationExecutor({ size: 4 });
  const batched = await sweep({ space, objective, sampler: "grid", executor });
  assert.deepEqual(executor.batches, [4], "the four trials ran as one population");
  const solo = await sweep({ space, objective, sampler: "grid", executor: "inline" });
  assert.equal(batched.trials.length, 4);
  for (const t of batched.trials) {
    assert.equal(t.status, "complete");
    const s = solo.trials.find((u) => JSON.stringify(u.config) === JSON.stringify(t.config))!;
    assert.ok(Number.isFinite(t.value!), `trial ${JSON.stringify(t.config)} has a value`);
    // Same episodes; the score is a mean of episode returns, so equal to float64 rounding.
    assert.ok(Math.abs(t.value! - s.value!) <= 1e-9 * Math.abs(s.value!), `${JSON.stringify(t.config)}: population ${t.value} vs solo ${s.value}`);
    assert.ok(t.reports.length >= 3 && t.reports.length === s.reports.length, "a report per iteration with episodes, as the solo run's");
  }
});

test("populationScore: the mean of the last `window` returns up to the first record at or past the steps", () => {
  const recs = [
    { step: 100, episodeReturn: 10 },
    { step: 200, episodeReturn: NaN },
    { step: 300, episodeReturn: 30 },
    { step: 400, episodeReturn: 50 },
    { step: 500, episodeReturn: 1000 },
  ];
  assert.equal(populationScore(recs, 400, 2), 40);
  assert.equal(populationScore(recs, 350, 3), 30);
  assert.ok(Number.isNaN(populationScore([{ step: 10, episodeReturn: NaN }], 10)));
});

test("population sweep bad input", () => {
  const env = () => make("CartPole-v1");
  assert.throws(() => populationObjective({ algo: "A2C" as "PPO", env, steps: 10 }), /algo must be "PPO" or "DQN"/);
  assert.throws(() => populationObjective({ algo: "PPO", env, steps: 0 }), /steps must be a positive integer/);
  assert.throws(() => populationExecutor({ size: 0 }), /size must be a positive integer/);
  return assert.rejects(populationExecutor().run({ sweepId: "s", trial: 0, config: {}, dir: "/tmp/x", objective: () => 1 }, { report: async () => false, signal: new AbortController().signal }), /populationObjective/);
});
