/**
 * Learning on MuJoCo envs through the public API: PPO on InvertedPendulum-v5 (a vector of 8 envs
 * from make) raises the deterministic evaluation return well above the untrained policy's in a
 * short run (seconds; 1000 is the task's maximum return). SAC learning HalfCheetah-v5 (seed 1, the
 * CPU-sized settings) is asserted on the MuJoCo notebook's run (test/kernel/mujoco-notebook.test.ts),
 * which trains it anyway.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PPO, backend, evaluate, loadMujoco, make, train, type VectorEnv } from "../../src/index.js";

test("PPO improves InvertedPendulum-v5 (MuJoCo) return several-fold in a short run", async () => {
  await loadMujoco();
  await backend("wasm");
  const env = make("InvertedPendulum-v5", { numEnvs: 8 }) as VectorEnv;
  const agent = new PPO(env, { nSteps: 64, batchSize: 128, nEpochs: 10, learningRate: 1e-3, gamma: 0.98, netArch: [32, 32], seed: 0 });
  const evalEnv = make("InvertedPendulum-v5", { maxEpisodeSteps: 300 });
  const before = await evaluate(agent, evalEnv, { episodes: 5, deterministic: true, seed: 100 });
  const t0 = performance.now();
  await train(agent, { steps: 24_000 });
  const after = await evaluate(agent, evalEnv, { episodes: 5, deterministic: true, seed: 100 });
  console.log(`PPO InvertedPendulum-v5: return ${before.meanReturn.toFixed(1)} -> ${after.meanReturn.toFixed(1)} (max 300) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.ok(after.meanReturn >= 4 * before.meanReturn && after.meanReturn >= 60, `return ${before.meanReturn} -> ${after.meanReturn}`);
  agent.dispose();
});
