import { test } from "node:test";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { activeBackend } from "../../src/nn/backend.js";
import { tf } from "../../src/nn/tf.js";
import { PPO } from "../../src/algos/ppo.js";
import { train } from "../../src/train/train.js";

test("without a backend() call, train() picks one (wasm here) and an agent built before keeps working", async () => {
  const agent = new PPO(make("CartPole-v1", { numEnvs: 2 }) as VectorEnv, { nSteps: 16, batchSize: 32, seed: 1 });
  const w0 = agent.actor.getWeights()[0].slice();
  const hist = await train(agent, { steps: 64 });
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(activeBackend().requested, "auto");
  assert.ok(hist.length >= 2);
  assert.notDeepEqual(agent.actor.getWeights()[0], w0, "training changed the weights");
  agent.dispose();
});
