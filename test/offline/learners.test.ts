import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BC, CQL, ConfigError, ContinuousCQL, Dataset, DatasetError, IQL, TD3BC, backend, evaluate, make, recordDataset, train } from "../../src/index.js";

before(async () => {
  await backend("wasm");
});

// Hand-written experts (independent of the code under test).
// CartPole: push toward where the pole is falling; balances for the full 500 steps from Gymnasium's starts.
const cartpoleExpert = (o: Float32Array) => (o[2] + 0.5 * o[3] > 0 ? 1 : 0);
// Pendulum: energy-pumping swing-up (torque along the velocity while the energy is below the upright's)
// and a PD controller near the top; about -150 on average (a trained SAC gets about -150).
const pendulumExpert = (o: Float32Array) => {
  const th = Math.atan2(o[1], o[0]);
  const w = o[2];
  if (Math.abs(th) < 0.8) return [Math.max(-2, Math.min(2, -(12 * th + 2.5 * w)))];
  const energy = (0.5 * w * w) / 3 + 5 * (Math.cos(th) - 1);
  return [energy < 0 ? 2 * Math.sign(w || 1) : -2 * Math.sign(w)];
};

test("BC on an expert CartPole dataset reaches the expert's return (500) through train()", async () => {
  const ds = recordDataset(make("CartPole-v1"), cartpoleExpert, { episodes: 8, seed: 1, name: "expert" });
  assert.equal(ds.meanReturn(), 500); // the expert's own return: every episode runs to the TimeLimit
  const agent = new BC(ds, make("CartPole-v1"), { seed: 1, netArch: [64, 64], batchSize: 64, learningRate: 1e-3 });
  // Measured with Gymnasium-seeded starts: 8 episodes x 1000 updates 409, x 2000 updates 500.
  const records = await train(agent, { steps: 2000, evalEnv: make("CartPole-v1"), evalEvery: 500, evalEpisodes: 5 });
  assert.equal(records.length, 20); // 100 updates per record
  assert.equal(agent.numTimesteps, 2000);
  assert.ok(records.every((r) => Number.isFinite(r.loss!) && r.episodes === 0));
  assert.ok(records[19].loss! < records[0].loss!);
  assert.equal(records.at(-1)!.evalMeanReturn, 500);
  // A checkpoint restores the same policy.
  const dir = mkdtempSync(path.join(tmpdir(), "rlbook-bc-"));
  await agent.save(dir);
  const back = await BC.load(dir, ds, make("CartPole-v1"));
  const probe = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i) * 0.1);
  assert.deepEqual(back.actBatch(probe, 10, true), agent.actBatch(probe, 10, true));
  assert.equal(back.numTimesteps, 2000);
});

test("CQL beats BC on a mixed random + expert CartPole dataset (5000 random, 1000 expert transitions)", async () => {
  const ds = Dataset.concat([
    recordDataset(make("CartPole-v1"), "random", { steps: 5000, seed: 1, name: "random" }),
    recordDataset(make("CartPole-v1"), cartpoleExpert, { steps: 1000, seed: 2, name: "expert" }),
  ]);
  assert.equal(ds.meta.policy, "random+expert");
  const settings = { seed: 1, netArch: [64, 64], batchSize: 128, learningRate: 1e-3 };
  const cql = new CQL(ds, make("CartPole-v1"), { ...settings, targetUpdateInterval: 100 });
  await train(cql, { steps: 2000 });
  const bc = new BC(ds, make("CartPole-v1"), settings);
  await train(bc, { steps: 1000 });
  const cqlReturn = (await evaluate(cql, make("CartPole-v1"), { episodes: 10, seed: 5 })).meanReturn;
  const bcReturn = (await evaluate(bc, make("CartPole-v1"), { episodes: 10, seed: 5 })).meanReturn;
  // Measured with Gymnasium-seeded starts after 2000 updates: CQL 370 (seed 1), 497 (seed 2); 300-480
  // after 3000-4000; BC about 40-70 (it imitates the random majority).
  assert.ok(cqlReturn >= 300, `CQL ${cqlReturn}`);
  assert.ok(cqlReturn > bcReturn + 100, `CQL ${cqlReturn} vs BC ${bcReturn}`);
});

// TD3+BC and IQL beating the Pendulum medium dataset's average (the expert with Gaussian action noise of
// std 2 N m, 30 episodes, seed 1; [64, 64] nets, batch 128, lr 1e-3, 2000 updates, 30 evaluation episodes,
// seed 11) is asserted on the offline RL notebook's run of exactly that setting (test/offline/notebook.test.ts;
// measured there: TD3+BC -303, IQL -319 against the dataset's -406; IQL seeds 2 / 3: -247 / -261).
test("IQL's defaults are the paper's locomotion settings (expectile 0.7, beta 3, Gaussian actor)", () => {
  const ds = recordDataset(make("Pendulum-v1"), pendulumExpert, { episodes: 2, seed: 1, actionNoise: 1.0, name: "medium" });
  const iql = new IQL(ds, make("Pendulum-v1"), { seed: 1, netArch: [8] });
  assert.equal(iql.config.expectile, 0.7);
  assert.equal(iql.config.beta, 3);
  assert.equal(iql.config.policy, "gaussian");
  iql.dispose();
});

test("continuous CQL (CQL(H) on SAC) trains through train(): finite losses, tuned temperature, exact checkpoint", async () => {
  // 20 random episodes (4000 transitions) and 5 expert episodes (1000): BC imitates the mixture.
  const ds = Dataset.concat([
    recordDataset(make("Pendulum-v1"), "random", { episodes: 20, seed: 1, name: "random" }),
    recordDataset(make("Pendulum-v1"), pendulumExpert, { episodes: 5, seed: 2, name: "expert" }),
  ]);
  // cqlAlpha 5 (the paper's Gym-MuJoCo weight), importance-sampled CQL(H), automatic entropy tuning; for a
  // CPU-fast run: [64, 64] nets, batch 128, 4 sampled actions, lr 1e-3 for both, gamma 0.95. That CQL beats BC
  // on this mix after 3000 updates (measured, seed 1: CQL -563, BC -1271, dataset -940; bar: 300 above BC) is
  // asserted on the offline RL notebook's run of exactly this setting (test/offline/notebook.test.ts).
  const steps = 300;
  const cql = new ContinuousCQL(ds, make("Pendulum-v1"), { seed: 1, netArch: [64, 64], batchSize: 128, nActions: 4, policyLr: 1e-3, qLr: 1e-3, gamma: 0.95, cqlAlpha: 5 });
  const records = await train(cql, { steps });
  assert.ok(records.every((r) => Number.isFinite(r.qLoss!) && Number.isFinite(r.cqlPenalty!)));
  assert.ok(records.at(-1)!.alpha! < records[0].alpha!, "the entropy temperature is tuned down from 1");
  // The checkpoint restores the policy and both temperatures.
  const dir = mkdtempSync(path.join(tmpdir(), "rlbook-cqlc-"));
  await cql.save(dir);
  const back = await ContinuousCQL.load(dir, ds, make("Pendulum-v1"));
  const probe = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
  assert.deepEqual(back.actBatch(probe, 10, true), cql.actBatch(probe, 10, true));
  assert.equal(back.numTimesteps, steps);
  assert.equal((await back.logAlpha.data())[0], (await cql.logAlpha.data())[0]);
  assert.throws(() => new ContinuousCQL(ds, make("Pendulum-v1"), { nActions: 0 }), /nActions = 0 is invalid/);
  assert.throws(() => new ContinuousCQL(recordDataset(make("CartPole-v1"), "random", { steps: 20 }), make("CartPole-v1")), /ContinuousCQL cannot handle Discrete/);
});

test("offline learners refuse a dataset from another env, bad configs and continuous actions they cannot handle", () => {
  const cp = recordDataset(make("CartPole-v1"), "random", { steps: 50 });
  assert.throws(() => new BC(cp, make("Pendulum-v1")), (e: Error) => e instanceof DatasetError && /holds 4 numbers per row but BC's env observes Box/.test(e.message));
  assert.throws(() => new BC(cp, make("CartPole-v1"), { learningRate: -1 }), (e: Error) => e instanceof ConfigError && /learningRate = -1/.test(e.message));
  assert.throws(() => new BC(cp, make("CartPole-v1"), { learningrate: 1 } as never), /learningrate = 1 is invalid; accepted values: a known BC option/);
  assert.throws(() => new BC(cp, make("CartPole-v1"), { policy: "gaussian" }), /policy = "gaussian" is invalid; accepted values: "deterministic" for Discrete actions/);
  assert.throws(() => new TD3BC(cp, make("CartPole-v1")), /TD3\+BC cannot handle Discrete/);
  const pend = recordDataset(make("Pendulum-v1"), "random", { steps: 50 });
  assert.throws(() => new CQL(pend, make("Pendulum-v1")), /CQL cannot handle Box/);
  assert.throws(() => new BC({} as Dataset, make("CartPole-v1")), /BC needs a Dataset/);
});
