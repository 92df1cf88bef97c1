import { test } from "node:test";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import type { Env } from "../../src/core/env.js";
import { backend } from "../../src/nn/backend.js";
import { PPO } from "../../src/algos/ppo.js";
import { DQN } from "../../src/algos/dqn.js";
import { ConfigError } from "../../src/algos/base.js";
import { train, type MetricRecord } from "../../src/train/train.js";
import { evaluate } from "../../src/train/evaluate.js";

const cartpole = (n: number) => make("CartPole-v1", { numEnvs: n }) as VectorEnv;

test("train: metric records to callbacks and as an async iterable; returns the history; yields to the event loop", async () => {
  await backend("wasm");
  const agent = new PPO(cartpole(4), { nSteps: 32, batchSize: 64, seed: 3 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const seen: MetricRecord[] = [];
  const run = train(agent, { steps: 2000, callbacks: (r) => void seen.push(r), evalEvery: 1000, evalEnv: cartpole(5), evalEpisodes: 5 });
  const streamed: MetricRecord[] = [];
  for await (const r of run) streamed.push(r);
  const history = await run;
  clearInterval(timer);
  assert.equal(run.stopReason, "steps");
  assert.ok(history.length >= 15, `${history.length} iterations`);
  assert.deepEqual(streamed, history);
  assert.deepEqual(seen, history);
  assert.ok(ticks >= history.length / 2, `the event loop ran timers during training (${ticks} ticks)`);
  for (let i = 0; i < history.length; i++) {
    const r = history[i];
    assert.equal(r.iteration, i);
    assert.ok(r.step > (i ? history[i - 1].step : 0));
    assert.ok(r.fps > 0 && Number.isFinite(r.fps));
    for (const k of ["policyLoss", "valueLoss", "entropy"]) assert.ok(Number.isFinite(r[k]), `${k} in record ${i}`);
  }
  assert.ok(history.some((r) => r.episodes > 0 && r.episodeReturn! > 0 && r.episodeLength! > 0));
  const evals = history.filter((r) => r.evalMeanReturn !== undefined);
  assert.ok(evals.length >= 2, "evaluated every 1000 steps and at the end");
  assert.ok(history[history.length - 1].step >= 2000);
  agent.dispose();
});

test("train: stops cleanly on an AbortSignal, and when a callback says stop", async () => {
  await backend("wasm");
  const agent = new PPO(cartpole(4), { nSteps: 16, batchSize: 32, seed: 4 });
  const ac = new AbortController();
  const run = train(agent, { steps: 1_000_000, signal: ac.signal });
  setTimeout(() => ac.abort(), 300);
  const h = await run;
  assert.equal(run.stopReason, "aborted");
  assert.ok(h.length > 0 && agent.numTimesteps < 1_000_000);
  const n = agent.numTimesteps;
  // The agent is usable afterwards; a callback can stop a run.
  const run2 = train(agent, { steps: 100_000, callbacks: (r) => r.iteration < 2 });
  const h2 = await run2;
  assert.equal(run2.stopReason, "callback");
  assert.equal(h2.length, 3);
  assert.ok(agent.numTimesteps > n);
  const aborted = new AbortController();
  aborted.abort();
  const h3 = await train(agent, { steps: 1000, signal: aborted.signal });
  assert.equal(h3.length, 0);
  agent.dispose();
});

test("train: option errors; an error inside the agent rejects the run and the iterator", async () => {
  await backend("wasm");
  const agent = new PPO(cartpole(2), { nSteps: 8, batchSize: 16, seed: 1 });
  assert.throws(() => train(agent, { steps: -5 }), /steps must be a positive integer/);
  assert.throws(() => train(agent, { steps: 100, evalEvery: 10 }), /evalEvery needs evalEnv/);
  const boom = new Error("boom");
  const run = train(agent, {
    steps: 1000,
    callbacks: () => {
      throw boom;
    },
  });
  await assert.rejects(async () => {
    for await (const _ of run) {
      /* drain */
    }
  }, /boom/);
  await assert.rejects(Promise.resolve(run), /boom/);
  agent.dispose();
});

test("evaluate: vector and single envs, episode counts, deterministic actions; act() for one observation or a batch", async () => {
  await backend("wasm");
  const agent = new PPO(cartpole(2), { nSteps: 8, batchSize: 16, seed: 2 });
  const v = await evaluate(agent, cartpole(3), { episodes: 7, seed: 5 });
  assert.equal(v.returns.length, 7);
  assert.equal(v.lengths.length, 7);
  const mean = v.returns.reduce((a, b) => a + b, 0) / 7;
  assert.ok(Math.abs(v.meanReturn - mean) < 1e-9);
  assert.ok(v.stdReturn >= 0);
  const single = make("CartPole-v1") as Env;
  const s1 = await evaluate(agent, single, { episodes: 3, seed: 9 });
  const s2 = await evaluate(agent, make("CartPole-v1") as Env, { episodes: 3, seed: 9 });
  assert.deepEqual(s1.returns, s2.returns, "deterministic policy + seeded env = same returns");
  const a = agent.act([0.01, 0, 0.02, 0], { deterministic: true });
  assert.ok(a === 0 || a === 1);
  const batch = agent.actBatch(new Float32Array(12), 3, true);
  assert.equal(batch.length, 3);
  assert.throws(() => agent.act([1, 2, 3]), /expected 4 numbers per observation/);
  // act takes one observation (typed as the env's action); a batch is pointed to actBatch.
  assert.throws(() => agent.act(new Float32Array(12)), /act takes one; use actBatch\(obs, 3, deterministic\)/);
  agent.dispose();
});

test("DQN refuses a continuous action space, naming the field and what it accepts", () => {
  const pend = make("Pendulum-v1", { numEnvs: 1 }) as VectorEnv;
  assert.throws(() => new DQN(pend), (e: unknown) => e instanceof ConfigError && /env.singleActionSpace/.test(e.message) && /Discrete action spaces/.test(e.message));
  assert.throws(() => new DQN(cartpole(1), { batchSize: 1000, bufferSize: 100 }), /batchSize = 1000.*bufferSize \(100\)/);
});

test("train({steps}) trains at least `steps` env steps, stopping at the first iteration boundary past it (as SB3's learn)", async () => {
  await backend("wasm");
  const agents = [
    new PPO(cartpole(8), { nSteps: 128, batchSize: 256, seed: 1 }), // one rollout is 1024 vector slots, ~990 real transitions
    new DQN(cartpole(4), { learningStarts: 200, batchSize: 32, trainFreq: 16, gradientSteps: 1, netArch: [16], seed: 1 }),
  ];
  for (const agent of agents) {
    const history = await train(agent, { steps: 1000 });
    const last = history[history.length - 1];
    assert.ok(agent.numTimesteps >= 1000 && last.step === agent.numTimesteps, `${agent.constructor.name} stopped at ${agent.numTimesteps}`);
    // The iteration before the last had not reached 1000 steps yet.
    if (history.length > 1) assert.ok(history[history.length - 2].step < 1000);
    agent.dispose();
  }
});

test("DQN: every record, the last included, reports the training episodes that ended in it", async () => {
  await backend("wasm");
  // Random-ish CartPole episodes last ~20 steps; with one record per update (every 16 steps) most
  // records held no finished episode (episodeReturn NaN, episodes 0), the last one often too.
  const agent = new DQN(cartpole(4), { learningStarts: 200, batchSize: 32, trainFreq: 16, gradientSteps: 1, netArch: [16], seed: 2 });
  const history = await train(agent, { steps: 3000 });
  for (const r of history) {
    assert.ok(r.episodes > 0 && Number.isFinite(r.episodeReturn) && r.episodeReturn > 0, `record ${r.iteration} at step ${r.step}: ${r.episodes} episodes, return ${r.episodeReturn}`);
    if (r.step > 200 + 16) assert.ok(Number.isFinite(r.loss), `record ${r.iteration} has the update's loss`);
  }
  agent.dispose();
});
