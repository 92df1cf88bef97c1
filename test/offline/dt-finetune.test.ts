import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Dataset, DecisionTransformer, TD3BC, backend, evaluate, make, recordDataset, td3FromTD3BC, train, type VectorEnv } from "../../src/index.js";

before(async () => {
  await backend("wasm");
});

// Push toward where the pole falls (balances), and its opposite (falls in about 10 steps).
const balance = (o: Float32Array) => (o[2] + 0.5 * o[3] > 0 ? 1 : 0);
const topple = (o: Float32Array) => 1 - balance(o);

test("Decision Transformer: the return rises with the target return it is conditioned on", async () => {
  // CartPole with 100-step episodes: 10 balancing episodes (return 100), 60 toppling (about 9), 40 random (about 22).
  const env = () => make("CartPole-v1", { maxEpisodeSteps: 100 });
  const ds = Dataset.concat([
    recordDataset(env(), balance, { episodes: 10, seed: 1 }),
    recordDataset(env(), topple, { episodes: 60, seed: 2 }),
    recordDataset(env(), "random", { episodes: 40, seed: 3 }),
  ]);
  const dt = new DecisionTransformer(ds, env(), { seed: 1, contextLength: 4, nLayers: 1, dModel: 32, learningRate: 3e-3, batchSize: 32 });
  await train(dt, { steps: 400 });
  const at = async (target: number) => (await evaluate(dt, dt.conditioned(env(), target), { episodes: 5, seed: 3 })).meanReturn;
  const [low, mid, high] = [await at(10), await at(30), await at(100)];
  // Measured: 29, 57.6, 100.
  assert.ok(low < mid && mid <= high, `returns at targets 10 / 30 / 100: ${low} / ${mid} / ${high}`);
  assert.ok(high - low >= 40, `returns at targets 10 / 30 / 100: ${low} / ${mid} / ${high}`);
  // Saved and loaded, it acts the same.
  const dir = mkdtempSync(path.join(tmpdir(), "rlbook-dt-"));
  await dt.save(dir);
  const back = await DecisionTransformer.load(dir, ds, env());
  assert.equal((await evaluate(back, back.conditioned(env(), 100), { episodes: 2, seed: 9 })).meanReturn, (await evaluate(dt, dt.conditioned(env(), 100), { episodes: 2, seed: 9 })).meanReturn);
  assert.throws(() => dt.actBatch(new Float32Array(8), 2, true), /one episode at a time/);
});

test("offline-to-online: a TD3+BC agent continues as TD3 with its networks and its dataset in the replay buffer", async () => {
  const ds = recordDataset(make("Pendulum-v1"), "random", { steps: 600, seed: 1 });
  const offline = new TD3BC(ds, make("Pendulum-v1"), { seed: 1, netArch: [32, 32], batchSize: 64, normalizeObs: false });
  await train(offline, { steps: 100 });
  const online = td3FromTD3BC(offline, make("Pendulum-v1", { numEnvs: 1 }) as VectorEnv, { seed: 2, batchSize: 64 });
  const probe = Float32Array.from({ length: 30 }, (_, i) => Math.cos(i));
  assert.deepEqual(online.actBatch(probe, 10, true), offline.actBatch(probe, 10, true));
  assert.equal(online.replay.size, 600);
  const hist = await train(online, { steps: 400 });
  assert.equal(online.replay.size, 1000);
  assert.ok(hist.some((r) => Number.isFinite(r.qLoss!)), "it trains online from the first step");
  const normalized = new TD3BC(ds, make("Pendulum-v1"), { netArch: [32, 32] });
  assert.throws(() => td3FromTD3BC(normalized, make("Pendulum-v1", { numEnvs: 1 }) as VectorEnv), /normalizeObs = true is invalid; accepted values: false for fine-tuning online/);
  assert.ok(Number.isFinite((await evaluate(online, make("Pendulum-v1"), { episodes: 1 })).meanReturn));
});
