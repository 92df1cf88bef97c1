/** evaluate() runs any policy, and refuses an agent on an env with other spaces (as load does). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { backend } from "../../src/nn/backend.js";
import { PPO } from "../../src/algos/ppo.js";
import { train } from "../../src/train/train.js";
import { evaluate } from "../../src/train/evaluate.js";

/** CartPole's classic hand-written controller: push toward where the pole leans (angle + angular velocity). */
const lean = (obs: Float32Array): number => (obs[2] + 0.5 * obs[3] > 0 ? 1 : 0);

/** The reference: a plain loop over one env with the same seed, written independently of evaluate(). */
function rollout(seed: number): number {
  const env = make("CartPole-v1");
  let obs = env.reset({ seed }).obs;
  let total = 0;
  for (;;) {
    const r = env.step(lean(obs));
    total += r.reward;
    obs = r.obs;
    if (r.terminated || r.truncated) return total;
  }
}

test("evaluate takes a function policy or an object with act, on single and vector envs", async () => {
  const expected = rollout(7);
  const byFunction = await evaluate(lean, make("CartPole-v1"), { episodes: 1, seed: 7 });
  assert.deepEqual(byFunction.returns, [expected]);
  const byObject = await evaluate({ act: lean }, make("CartPole-v1"), { episodes: 1, seed: 7 });
  assert.deepEqual(byObject.returns, [expected]);
  // A vector env seeds env i with seed + i (Gymnasium), one episode each here.
  const vec = await evaluate(lean, make("CartPole-v1", { numEnvs: 2 }), { episodes: 2, seed: 7 });
  assert.deepEqual([...vec.returns].sort(), [rollout(7), rollout(8)].sort());
  // A continuous env: a policy may return a plain array.
  const pend = await evaluate(() => [0], make("Pendulum-v1"), { episodes: 1, seed: 0 });
  assert.equal(pend.lengths[0], 200);
  await assert.rejects(evaluate(42 as never, make("CartPole-v1")), /evaluate: the policy must be an Agent, an object with act\(obs\), or a function obs => action/);
});

test("an agent on an env with other spaces: evaluate and train({evalEnv}) name both spaces and the fix", async () => {
  await backend("wasm");
  const agent = new PPO(make("CartPole-v1", { numEnvs: 2 }), { nSteps: 16, batchSize: 32, seed: 1 });
  const message =
    /the PPO agent was built for observation space Box\(.*\(4,\), float32\) and action space Discrete\(2\), but the env Pendulum-v1 has observation space Box\(.*\(3,\), float32\) and action space Box\(-2\.0, 2\.0, \(1,\), float32\); evaluate on an env with the agent's spaces \(make\("CartPole-v1"\)\)/;
  await assert.rejects(evaluate(agent, make("Pendulum-v1")), (e: Error) => /^evaluate: /.test(e.message) && message.test(e.message));
  await assert.rejects(evaluate(agent, make("Acrobot-v1", { numEnvs: 2 })), /action space Discrete\(3\)/);
  assert.throws(() => train(agent, { steps: 100, evalEnv: make("Pendulum-v1"), evalEvery: 50 }), (e: Error) => /^train: evalEnv: /.test(e.message) && message.test(e.message));
  // The matching env still works.
  const ok = await evaluate(agent, make("CartPole-v1"), { episodes: 2, seed: 3 });
  assert.equal(ok.returns.length, 2);
  agent.dispose();
});
