import { test, before } from "node:test";
import assert from "node:assert/strict";
import { DatasetError, FQI, backend, evaluate, make, recordDataset, sampleTransitions, tf, train } from "../../src/index.js";

before(async () => {
  await backend("wasm");
});

const BOX = { low: [-Math.PI, -8], high: [Math.PI, 8] };
const SETTINGS = { netArch: [64, 64], batchSize: 128, iterationUpdates: 20, gamma: 0.99, learningRate: 1e-3 };

/** Mean cost per episode (steps before the goal; 200 when never reached) over 20 evaluation episodes of GoalPendulum-v0. */
async function cost(loss: "log" | "squared", samples: number, seed: number): Promise<number> {
  const ds = sampleTransitions(make("GoalPendulum-v0"), samples, { ...BOX, seed });
  const agent = new FQI(ds, "GoalPendulum-v0", { ...SETTINGS, loss, seed });
  await train(agent, { steps: 1500 });
  const ev = await evaluate(agent, make("GoalPendulum-v0"), { episodes: 20, seed: 100 });
  agent.dispose();
  return -ev.meanReturn;
}

test("FQI-LOG reaches the goal-task threshold with 1000 samples where FQI does not (GoalPendulum-v0, mean over seeds 1-3)", async () => {
  // Threshold: a mean cost (steps to the goal) of at most 70 per episode; the expert controller needs
  // about 30 (REFERENCE_RETURNS), a policy that never arrives 200. Measured with 1000 uniform one-step
  // transitions, 1500 updates, 20 updates per FQI iteration, gamma 0.99: FQI-LOG 64 / 31 / 43
  // (seeds 1 / 2 / 3, mean 46), FQI 102 / 96 / 57 (mean 85). With 300 transitions neither is reliable
  // (FQI-LOG 81 / 200 / 190, FQI 191 / 200 / 133); with 3000 (seeds 1, 2) FQI-LOG 30 and FQI 80 (the notebook).
  const threshold = 70;
  const seeds = [1, 2, 3];
  const log: number[] = [];
  const sq: number[] = [];
  for (const seed of seeds) {
    log.push(await cost("log", 1000, seed));
    sq.push(await cost("squared", 1000, seed));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const report = `FQI-LOG ${log.map((c) => c.toFixed(1)).join(" / ")}; FQI ${sq.map((c) => c.toFixed(1)).join(" / ")}`;
  assert.ok(mean(log) <= threshold, `FQI-LOG mean cost ${mean(log)} (${report})`);
  assert.ok(mean(sq) > threshold, `FQI mean cost ${mean(sq)} (${report})`);
});

test("FQI's targets: the log loss regresses sigmoid outputs on (1 - gamma) c + gamma min f'; costs outside [0, 1] are refused", async () => {
  // One transition that starts at the goal: terminal with cost 0, so the target is (1 - gamma) * 0 = 0, and
  // many updates drive the taken action's sigmoid output toward 0 (the cross-entropy's minimizer is the target).
  const ds = sampleTransitions(make("GoalPendulum-v0"), 1, { low: [0.05, 0], high: [0.05, 0], seed: 1 }); // starts at the goal: terminal, cost 0
  assert.equal(ds.terminals[0], 1);
  assert.equal(ds.rewards[0], 0);
  const agent = new FQI(ds, "GoalPendulum-v0", { loss: "log", netArch: [8], batchSize: 4, learningRate: 1e-2, gamma: 0.97, seed: 3, normalizeObs: false });
  await train(agent, { steps: 400 });
  const out = tf.tidy(() => tf.sigmoid(agent.q.apply(tf.tensor2d(ds.observations, [1, 3])))).dataSync();
  assert.ok(out[ds.actions[0]] < 0.02, `f(s, a) for a terminal cost-0 step: ${out[ds.actions[0]]}`);
  const pend = recordDataset(make("Pendulum-v1"), "random", { steps: 10 });
  assert.throws(() => new FQI(pend, "GoalPendulum-v0"), DatasetError);
  const goal = recordDataset(make("GoalPendulum-v0"), "random", { steps: 10 });
  const scaled = Object.assign(Object.create(Object.getPrototypeOf(goal)), goal, { rewards: goal.rewards.map((r) => r * 2) });
  assert.throws(() => new FQI(scaled, "GoalPendulum-v0", { loss: "log" }), /FQI-LOG needs costs \(-reward\) in \[0, 1\]/);
});
