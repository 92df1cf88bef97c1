import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { transformerLastHost } from "../../src/offline/transformer-host.js";
import { CausalTransformer, tf } from "../../src/index.js";
import { Dataset, DecisionTransformer, IQL, OnlineTransitions, Rng, TD3BC, backend, evaluate, finetuneOnline, make, recordDataset, td3FromTD3BC, train, type VectorEnv } from "../../src/index.js";

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

// Pendulum: energy-pumping swing-up and a PD controller near the top (about -150), hand-written.
const pendulumExpert = (o: Float32Array) => {
  const th = Math.atan2(o[1], o[0]);
  const w = o[2];
  if (Math.abs(th) < 0.8) return [Math.max(-2, Math.min(2, -(12 * th + 2.5 * w)))];
  const energy = (0.5 * w * w) / 3 + 5 * (Math.cos(th) - 1);
  return [energy < 0 ? 2 * Math.sign(w || 1) : -2 * Math.sign(w)];
};

test("offline-to-online: IQL pretrained offline continues online with its own losses (finetuneOnline): replay, step and update counts", async () => {
  // A poor dataset: the expert with Gaussian action noise of std 2.0 x the half range (4 N m), 30 episodes,
  // average return about -715. IQL at the paper's settings ([64, 64] nets and lr 1e-3 for speed). That IQL
  // improves online (1000 updates offline, then 3000 env steps; measured with 20 evaluation episodes, seed 11:
  // seed 1 -1248 -> -171, seed 2 -1067 -> -166; bar: 300 above the offline return) is asserted on the offline
  // RL notebook's run of exactly this setting (test/offline/notebook.test.ts), which this test used to repeat.
  // On the less noisy dataset (std 1.0, average -406) the gain is not reliable: seed 2 -734 -> -427, seed 1 -451 -> -753.
  const ds = recordDataset(make("Pendulum-v1"), pendulumExpert, { episodes: 30, seed: 1, actionNoise: 2.0, name: "noisy" });
  const iql = new IQL(ds, make("Pendulum-v1"), { seed: 1, netArch: [64, 64], batchSize: 128, learningRate: 1e-3 });
  await train(iql, { steps: 100 });
  const tuned = finetuneOnline(iql, make("Pendulum-v1"), { seed: 1 });
  assert.equal(tuned.transitions.size, ds.size);
  const online = 600;
  const hist = await train(tuned, { steps: online });
  assert.equal(tuned.numTimesteps, online);
  assert.equal(tuned.transitions.size, ds.size + online);
  const episodes = hist.reduce((n, r) => n + r.episodes, 0);
  assert.equal(episodes, online / 200); // 200-step episodes
  // One update per vector step, the autoreset step after each finished episode (but the last) included.
  assert.equal(iql.numTimesteps, 100 + online + episodes - 1);
  assert.ok(hist.every((r) => Number.isFinite(r.qLoss!)));
  assert.throws(() => finetuneOnline(iql, make("CartPole-v1")), /holds 3 numbers per row/);
  assert.throws(() => finetuneOnline(new IQL(ds, make("Pendulum-v1"), { netArch: [8] }), make("Pendulum-v1"), { exploration: -1 }), /exploration = -1 is invalid/);
});

test("fine-tuning options: symmetric sampling draws its share from the dataset, warm-up steps take no updates, learning rates scale", async () => {
  const ds = recordDataset(make("Pendulum-v1"), "random", { steps: 400, seed: 1 });
  // offlineFraction 0.5 (RLPD / Cal-QL): with online rows present, the first half of each batch comes from the
  // dataset's rows (indices < 400), the rest from the online rows (indices >= 400).
  const buf = new OnlineTransitions(ds, 100);
  buf.offlineFraction = 0.5;
  const rng = new Rng(3);
  assert.ok(Array.from(buf.sample(64, rng).index).every((i) => i < 400), "no online rows yet: all from the dataset");
  for (let t = 0; t < 10; t++) buf.add([1, 0, t], [0.5], -1, [1, 0, t + 1], false);
  const b = buf.sample(64, rng);
  assert.deepEqual([Array.from(b.index.subarray(0, 32)).every((i) => i < 400), Array.from(b.index.subarray(32)).every((i) => i >= 400 && i < 410)], [true, true]);
  assert.deepEqual(Array.from(b.obs.subarray(32 * 3, 32 * 3 + 3)).slice(0, 2), [1, 0]);
  // Warm-up: 300 env steps with the offline policy before the first update, then one update per step.
  const iql = new IQL(ds, make("Pendulum-v1"), { seed: 1, netArch: [8], batchSize: 16 });
  const lr = (iql.scaleLearningRates(1) as Record<string, number>);
  const tuned = finetuneOnline(iql, make("Pendulum-v1"), { seed: 1, warmupSteps: 300, offlineFraction: 0.5, learningRateScale: 0.5, stepsPerIteration: 100 });
  assert.deepEqual(iql.scaleLearningRates(1), Object.fromEntries(Object.entries(lr).map(([k, v]) => [k, v * 0.5])));
  await train(tuned, { steps: 300 });
  assert.equal(iql.numTimesteps, 0, "no updates during the warm-up");
  assert.equal(tuned.transitions.size, 700);
  await train(tuned, { steps: 100 });
  assert.equal(iql.numTimesteps, 100);
  assert.throws(() => finetuneOnline(iql, make("Pendulum-v1"), { offlineFraction: 2 }), /offlineFraction = 2 is invalid/);
  assert.throws(() => finetuneOnline(iql, make("Pendulum-v1"), { warmupSteps: -1 }), /warmupSteps = -1 is invalid/);
  assert.throws(() => iql.scaleLearningRates(0), /factor must be a positive number/);
  tuned.dispose();
});

test("Decision Transformer acts on a host copy of its transformer: the JavaScript forward matches tfjs's", async () => {
  // The second implementation is tfjs's CausalTransformer.apply (autodiff ops), the first transformer-host.ts.
  const shape = { inputDim: 5, outputDim: 3, dModel: 16, nHeads: 2, nLayers: 2 };
  const model = new CausalTransformer({ ...shape, maxLength: 6, rng: 4 });
  const T = 6;
  const seq = Float32Array.from({ length: T * 5 }, (_, i) => Math.sin(i * 1.3));
  const ref = tf.tidy(() => tf.slice(tf.reshape(model.apply(tf.tensor3d(seq, [1, T, 5])), [T, 3]), [T - 1, 0], [1, 3]));
  const want = (await ref.data()) as Float32Array;
  ref.dispose();
  const got = transformerLastHost(await model.getWeights(), shape, seq, T);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(got[j] - want[j]) < 1e-4, `output ${j}: host ${got[j]} vs tfjs ${want[j]}`);
  model.dispose();
});
