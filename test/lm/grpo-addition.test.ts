/**
 * GRPO's training records on 2-digit addition through train(): the KL to the frozen reference starts at 0
 * and grows, one record per iteration counts its group samples as episodes, and the mean reward is the
 * episode return.
 *
 * That GRPO lifts exact-match accuracy clearly above the supervised model's (a 2-layer, d = 48 LM after
 * 800 SFT steps: 0.52 -> 0.80 after 60 GRPO iterations; bar: 0.15 above) is asserted on
 * notebooks/rl-for-lms.ipynb's run of exactly that setting (test/lm/notebook.test.ts), which trains it anyway;
 * this file used to train it a second time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CharTokenizer, GRPO, LanguageModel, SFT, additionTask, backend, evaluateLM, train } from "../../src/index.js";

test("GRPO on addition through train(): KL from 0 upward, group samples as episodes, reward = episode return", async () => {
  await backend("wasm");
  const task = additionTask({ digits: 2, pad: true, reverse: true });
  const lm = new LanguageModel(new CharTokenizer(task.alphabet), { contextLength: 12, dModel: 16, nHeads: 2, nLayers: 1, seed: 1 });
  // A short supervised start, so that some sampled answers are right and the group advantages are not all 0.
  const sft = new SFT(lm, task, { batchSize: 32, learningRate: 3e-3, stepsPerIteration: 50 });
  await train(sft, { steps: 300 });
  sft.dispose();
  const before = await evaluateLM(lm, task, { n: 50 });
  assert.ok(before.accuracy > 0, `the supervised start gets some answers right: ${before.accuracy}`);
  const grpo = new GRPO(lm, task, { groupSize: 8, promptsPerIteration: 16, learningRate: 1e-3, beta: 0.04, seed: 1 });
  const h = await train(grpo, { steps: 3 });
  assert.equal(h.length, 3);
  console.log(`supervised start ${before.accuracy}; GRPO KL per iteration ${h.map((r) => r.kl!.toExponential(2)).join(", ")}; mean reward ${h.map((r) => r.reward!.toFixed(3)).join(", ")}`);
  // The policy equals its reference before the first update, so the k3 estimate is 0; after updates it is not.
  assert.ok(Math.abs(h[0].kl!) < 1e-3, `KL at the first iteration ${h[0].kl}`);
  assert.ok(h.at(-1)!.kl! > 0 && Number.isFinite(h.at(-1)!.kl!), `KL at the last iteration ${h.at(-1)!.kl}`);
  assert.equal(h[0].episodes, 16 * 8);
  assert.ok(Math.abs(h[0].episodeReturn - h[0].reward!) < 1e-9);
  assert.equal(grpo.samples.length, 128);
  grpo.dispose();
  lm.dispose();
});
