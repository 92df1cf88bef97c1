/**
 * Offline RL benchmark.
 *
 * 1. Gradient updates per second of each offline learner beside the online algorithm whose
 *    networks it shares (TD3+BC beside TD3, CQL and FQI beside DQN, IQL and BC beside SAC's
 *    actor-critic), all with [256, 256] networks and batch 256 on Pendulum-v1 / CartPole-v1.
 *    The online figure is updates per second of training with one update per env step (env
 *    stepping included; it is negligible next to the networks, FACTS.md).
 * 2. Loading a dataset of 1M Pendulum transitions (obs 3, action 1) from Parquet, HDF5 (D4RL
 *    layout) and JSON (the same arrays as JSON.parse'd number lists), with the size of each file.
 *
 * Run: `npm run bench -- offline` or `node dist/bench/offline.js`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { make } from "../src/core/registry.js";
import "../src/envs/index.js";
import type { VectorEnv } from "../src/core/vector.js";
import { backend } from "../src/nn/backend.js";
import { DQN, SAC, TD3, type Agent } from "../src/algos/index.js";
import { train } from "../src/train/train.js";
import { BC, CQL, ContinuousCQL, Dataset, FQI, IQL, TD3BC, loadHDF5, loadParquet, recordDataset, saveHDF5, saveParquet } from "../src/offline/index.js";

/**
 * Updates per second after a warm-up (tfjs kernels, first allocations; for online agents also
 * past `learningStarts`, so every measured env step takes one update).
 */
async function updatesPerSecond(agent: Agent, updates: number, learningStarts = 0): Promise<number> {
  await train(agent, { steps: learningStarts + Math.ceil(updates / 10) });
  const t0 = performance.now();
  const start = agent.numTimesteps;
  await train(agent, { steps: updates });
  return (agent.numTimesteps - start) / ((performance.now() - t0) / 1000);
}

export async function benchOffline(): Promise<void> {
  await backend("wasm");
  const pend = recordDataset(make("Pendulum-v1"), "random", { steps: 20_000, seed: 1 });
  const cart = recordDataset(make("CartPole-v1"), "random", { steps: 20_000, seed: 1 });
  const N = 300;
  const net = { netArch: [256, 256], batchSize: 256 };
  const online = (id: string) => make(id, { numEnvs: 1 }) as VectorEnv;
  const rows: [string, number, string, number][] = [];
  const td3 = await updatesPerSecond(new TD3(online("Pendulum-v1"), { ...net, learningStarts: 256, seed: 1 }), N, 256);
  rows.push(["TD3+BC", await updatesPerSecond(new TD3BC(pend, "Pendulum-v1", { ...net, seed: 1 }), N), "TD3", td3]);
  const sac = await updatesPerSecond(new SAC(online("Pendulum-v1"), { ...net, learningStarts: 256, seed: 1 }), N, 256);
  rows.push(["IQL", await updatesPerSecond(new IQL(pend, "Pendulum-v1", { ...net, seed: 1 }), N), "SAC", sac]);
  // CORL's 10 sampled actions per state and source: 31x the critic rows of SAC's update.
  rows.push(["CQL (continuous)", await updatesPerSecond(new ContinuousCQL(pend, "Pendulum-v1", { ...net, seed: 1 }), N), "SAC", sac]);
  rows.push(["BC (Gaussian)", await updatesPerSecond(new BC(pend, "Pendulum-v1", { ...net, policy: "gaussian", seed: 1 }), N), "SAC", sac]);
  const dqn = await updatesPerSecond(new DQN(online("CartPole-v1"), { ...net, learningStarts: 256, trainFreq: 1, gradientSteps: 1, seed: 1 }), N, 256);
  rows.push(["CQL (discrete)", await updatesPerSecond(new CQL(cart, "CartPole-v1", { ...net, seed: 1 }), N), "DQN", dqn]);
  rows.push(["FQI", await updatesPerSecond(new FQI(cart, "CartPole-v1", { ...net, seed: 1 }), N), "DQN", dqn]);
  console.log("updates/s, [256, 256] networks, batch 256 (wasm backend):");
  for (const [name, u, base, b] of rows) console.log(`  ${name.padEnd(16)} ${u.toFixed(0).padStart(6)} updates/s   ${base.padEnd(4)} ${b.toFixed(0).padStart(6)} updates/s   ratio ${(u / b).toFixed(2)}`);

  // 1M transitions: 5000 Pendulum episodes of random actions would take a while to record; the
  // rows of 50 recorded episodes are tiled instead (file reading does not care about content).
  const base = recordDataset(make("Pendulum-v1"), "random", { steps: 10_000, seed: 2 });
  const reps = 100;
  const tile = <T extends Float32Array | Uint8Array>(a: T, ctor: new (n: number) => T): T => {
    const out = new ctor(a.length * reps);
    for (let r = 0; r < reps; r++) out.set(a, r * a.length);
    return out;
  };
  const big = new Dataset(
    {
      observations: tile(base.observations, Float32Array),
      actions: tile(base.actions, Float32Array),
      rewards: tile(base.rewards, Float32Array),
      nextObservations: tile(base.nextObservations, Float32Array),
      terminals: tile(base.terminals, Uint8Array),
      timeouts: tile(base.timeouts, Uint8Array),
    },
    { obsDim: 3, actDim: 1 },
  );
  const dir = mkdtempSync(path.join(tmpdir(), "rlbook-bench-offline-"));
  const files = { parquet: path.join(dir, "d.parquet"), hdf5: path.join(dir, "d.hdf5"), json: path.join(dir, "d.json") };
  saveParquet(big, files.parquet);
  await saveHDF5(big, files.hdf5);
  writeFileSync(files.json, JSON.stringify({ observations: Array.from(big.observations), actions: Array.from(big.actions), rewards: Array.from(big.rewards), next_observations: Array.from(big.nextObservations), terminals: Array.from(big.terminals), timeouts: Array.from(big.timeouts) }));
  const time = async (f: () => unknown | Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  const json = await time(() => {
    const o = JSON.parse(readFileSync(files.json, "utf8")) as Record<string, number[]>;
    return new Dataset(
      { observations: Float32Array.from(o.observations), actions: Float32Array.from(o.actions), rewards: Float32Array.from(o.rewards), nextObservations: Float32Array.from(o.next_observations), terminals: Uint8Array.from(o.terminals), timeouts: Uint8Array.from(o.timeouts) },
      { obsDim: 3, actDim: 1 },
    );
  });
  await loadHDF5(files.hdf5); // h5wasm's WebAssembly compiles once per process
  const h5 = await time(() => loadHDF5(files.hdf5));
  const pq = await time(() => loadParquet(files.parquet));
  const mb = (f: string) => (statSync(f).size / 2 ** 20).toFixed(1);
  console.log(`load 1M transitions (obs 3, action 1), seconds (file MiB), ratio against JSON:`);
  console.log(`  JSON     ${json.toFixed(2)} s (${mb(files.json)} MiB)`);
  console.log(`  Parquet  ${pq.toFixed(2)} s (${mb(files.parquet)} MiB)   ${(json / pq).toFixed(1)}x faster`);
  console.log(`  HDF5     ${h5.toFixed(2)} s (${mb(files.hdf5)} MiB)   ${(json / h5).toFixed(1)}x faster`);
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await benchOffline();
