/**
 * Trainer checkpoints (SFT, DPO, GRPO): a run saved mid-way and resumed from the checkpoint ends
 * with the same weights as the uninterrupted run, because the optimizer's moments and step, the
 * generator and the minibatch order are saved with the weights. A control resumes from the
 * weights alone (a fresh Adam): its weights differ, so the comparison can fail. Also: bad input
 * to the trainers (item 7 of issue 17) is refused with an error that names it.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CharTokenizer, DPO, GRPO, LanguageModel, PreferenceTask, RewardModel, RLHFPPO, SFT, additionTask, backend, train } from "../../src/index.js";

before(async () => {
  await backend("wasm");
});

const tmp = () => mkdtemp(path.join(tmpdir(), "rlbook-lm-ckpt-"));

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test("SFT: save mid-run and load continues exactly like the uninterrupted run; weights alone do not", async () => {
  const task = additionTask({ digits: 1 });
  const lm = new LanguageModel(new CharTokenizer(task.alphabet), { contextLength: 10, dModel: 16, nHeads: 2, nLayers: 1, seed: 2 });
  const sft = new SFT(lm, task, { batchSize: 16, stepsPerIteration: 3, learningRate: 3e-3, seed: 4 });
  await train(sft, { steps: 6 });
  const dir = await tmp();
  await sft.save(dir);
  await train(sft, { steps: 6 });
  const uninterrupted = await lm.weights();

  const resumed = await SFT.load(dir, task);
  assert.equal(resumed.numTimesteps, 6);
  await train(resumed, { steps: 6 });
  assert.equal(resumed.numTimesteps, 12);
  // Same ops on the same backend in the same order: bit-identical.
  assert.equal(maxAbsDiff(await resumed.lm.weights(), uninterrupted), 0);

  // Control: the saved weights with a fresh optimizer (step 0, zero moments) and a fresh generator.
  const weightsOnly = await SFT.load(dir, task);
  const fresh = new SFT(weightsOnly.lm, task, { batchSize: 16, stepsPerIteration: 3, learningRate: 3e-3, seed: 4 });
  await train(fresh, { steps: 6 });
  assert.ok(maxAbsDiff(await weightsOnly.lm.weights(), uninterrupted) > 1e-4, "a resume without the optimizer state should differ");

  await assert.rejects(DPO.load(dir, [{ prompt: "a:", chosen: "b", rejected: "c" }]), /holds a SFT checkpoint, not DPO/);
  await assert.rejects(LanguageModel.load(dir), /holds a SFT checkpoint, not a LanguageModel/);
  for (const t of [sft, resumed, weightsOnly, fresh]) t.dispose();
  for (const m of [lm, resumed.lm, weightsOnly.lm]) m.dispose();
});

test("DPO and GRPO: resumed runs equal uninterrupted ones (policy, reference, Adam, minibatch order, sampling generator)", async () => {
  const task = new PreferenceTask({ promptLength: 2, completionLength: 3 });
  const tok = new CharTokenizer(task.vocabulary);
  const lm = new LanguageModel(tok, { contextLength: 8, dModel: 16, nHeads: 2, nLayers: 1, seed: 3 });
  const pairs = task.pairs(40, { seed: 1 });
  // Batch 16 of 40 pairs: the resumed part crosses an epoch boundary (a reshuffle of the order).
  const dpo = new DPO(lm, pairs, { batchSize: 16, stepsPerIteration: 2, learningRate: 1e-3, seed: 5 }, { task });
  await train(dpo, { steps: 2 });
  const dir = await tmp();
  await dpo.save(dir);
  await train(dpo, { steps: 4 });
  const want = await lm.weights();
  await assert.rejects(DPO.load(dir, pairs.slice(1), { task }), /was trained on 40 preference pairs, but 39 were given/);
  const back = await DPO.load(dir, pairs, { task });
  assert.equal(maxAbsDiff(await back.reference.weights(), await dpo.reference.weights()), 0);
  await train(back, { steps: 4 });
  assert.equal(maxAbsDiff(await back.policy.weights(), want), 0);
  dpo.dispose();
  back.dispose();
  lm.dispose();
  back.policy.dispose();

  const add = additionTask({ digits: 1 });
  const calc = new LanguageModel(new CharTokenizer(add.alphabet), { contextLength: 10, dModel: 16, nHeads: 2, nLayers: 1, seed: 6 });
  const grpo = new GRPO(calc, add, { groupSize: 4, promptsPerIteration: 4, learningRate: 1e-3, seed: 7 });
  await train(grpo, { steps: 1 });
  const gdir = await tmp();
  await grpo.save(gdir);
  await train(grpo, { steps: 2 });
  const gwant = await calc.weights();
  const gback = await GRPO.load(gdir, add);
  await train(gback, { steps: 2 });
  assert.deepEqual(gback.samples.map((s) => s.completion), grpo.samples.map((s) => s.completion), "the resumed run samples the same completions");
  assert.equal(maxAbsDiff(await gback.policy.weights(), gwant), 0);
  assert.equal(maxAbsDiff(await gback.reference.weights(), await grpo.reference.weights()), 0);
  grpo.dispose();
  gback.dispose();
  calc.dispose();
  gback.policy.dispose();
});

test("RLHF-PPO (policy, value model, adaptive KL coefficient) and the reward model resume exactly", async () => {
  const task = new PreferenceTask({ promptLength: 2, completionLength: 3 });
  const tok = new CharTokenizer(task.vocabulary);
  const lm = new LanguageModel(tok, { contextLength: 8, dModel: 16, nHeads: 2, nLayers: 1, seed: 8 });
  const reward = (p: readonly string[], c: readonly string[]) => p.map((q, i) => task.reward(q, c[i]));
  const prompts = (rng: import("../../src/core/rng.js").Rng) => task.samplePrompt(rng);
  const cfg = { batchSize: 8, miniBatchSize: 4, ppoEpochs: 1, valueDModel: 8, klTarget: 1, klHorizon: 16, seed: 9 };
  const ppo = new RLHFPPO(lm, reward, prompts, cfg);
  await train(ppo, { steps: 8 });
  const dir = await tmp();
  await ppo.save(dir);
  await train(ppo, { steps: 16 });
  const back = await RLHFPPO.load(dir, reward, prompts);
  assert.equal(back.numTimesteps, 8);
  await train(back, { steps: 16 });
  assert.deepEqual(back.lastSamples!.completions, ppo.lastSamples!.completions);
  assert.equal(back.kl.value, ppo.kl.value, "the adaptive KL coefficient continues");
  assert.notEqual(back.kl.value, 0.2, "the coefficient moved from its initial value");
  assert.equal(maxAbsDiff(await back.policy.weights(), await lm.weights()), 0);
  for (const t of [ppo, back]) t.dispose();
  lm.dispose();
  back.policy.dispose();

  const pairs = task.pairs(24, { seed: 2 });
  const rm = new RewardModel(tok, { maxLength: 8, dModel: 8, nHeads: 2, nLayers: 1, batchSize: 8, seed: 3 }).setPairs(pairs);
  await train(rm, { steps: 2 });
  rm.offset = 0.25;
  rm.scale = 2;
  const rdir = await tmp();
  await rm.save(rdir);
  await train(rm, { steps: 4 });
  const texts = pairs.map((p) => p.chosen);
  const want = await rm.score(pairs.map((p) => p.prompt), texts);
  const rback = await RewardModel.load(rdir, tok, pairs);
  await train(rback, { steps: 4 });
  assert.deepEqual(await rback.score(pairs.map((p) => p.prompt), texts), want);
  await assert.rejects(RewardModel.load(rdir, tok, pairs.slice(2)), /was trained on 24 pairs, but 22 were given/);
  rm.dispose();
  rback.dispose();
});

test("bad input to the trainers is named: context, vocabulary, mismatched preference pairs", async () => {
  const task = new PreferenceTask();
  const tok = new CharTokenizer(task.vocabulary);
  const small = new LanguageModel(tok, { contextLength: 8, dModel: 8, nHeads: 2, nLayers: 1 });
  // Prompt + completion longer than the context (4 + 6 + <bos> + <eos> = 12 > 8).
  assert.throws(() => new DPO(small, task.pairs(2, { seed: 1 }), {}, { task }), /sequence 0 .* takes 12 tokens with <bos> and <eos>, more than the context of 8/);
  assert.throws(() => new SFT(small, [{ prompt: "abc:", completion: "abcdef" }]), /SFT: data\[0\]: .*takes 12 tokens/);
  const lm = new LanguageModel(tok, { contextLength: 12, dModel: 8, nHeads: 2, nLayers: 1 });
  // Characters outside the vocabulary, with their position.
  assert.throws(() => new SFT(lm, ["abc:abcdez"]), /SFT: data\[0\]: .*"z" at position 9/);
  assert.throws(() => new DPO(lm, [{ prompt: "abc:", chosen: "abcde!", rejected: "abcdef" }]), /"!" at position 5/);
  // Pairs whose prompts or lengths do not match.
  assert.throws(() => new DPO(lm, [{ chosen: "abc:aaaaaa", rejected: "abd:aaaaaa" }], {}, { task }), /pair 0 compares completions of different prompts/);
  assert.throws(() => new DPO(lm, [{ prompt: "abc:", chosen: "aaaaaa", rejected: "aaa" }], {}, { task }), /pair 0 has completions of different lengths: chosen "aaaaaa" \(6\) and rejected "aaa" \(3\)/);
  assert.throws(() => new DPO(lm, [{ chosen: "abc:aaaaaa", rejected: "abc:bbbbbb" }]), /pair 0 should be \{prompt, chosen, rejected\} strings \(full texts \{chosen, rejected\} need options.task/);
  // RLHF-PPO prompts that leave no room for a completion; reward-model texts too long or outside the alphabet.
  assert.throws(() => new RLHFPPO(small, () => [0], ["abc:", "abcdefg:"]), /sequence 1 .*"abcdefg:".* takes 10 tokens with <bos> and <eos>, more than the context of 8/);
  const rm = new RewardModel(tok, { maxLength: 10, dModel: 8, nHeads: 2, nLayers: 1 });
  assert.throws(() => rm.setPairs([{ prompt: "abc:", chosen: "abcdefg", rejected: "abcdef" }]), /RewardModel.setPairs: text 0 "abc:abcdefg" has 11 tokens, more than maxLength 10/);
  assert.throws(() => rm.setPairs([{ prompt: "abc:", chosen: "abcdef", rejected: "abcde?" }]), /text 1: .*"\?" at position 9/);
  rm.dispose();
  // A GRPO task prompt that leaves no room in the context.
  const add = additionTask({ digits: 3 });
  const tiny = new LanguageModel(new CharTokenizer(add.alphabet), { contextLength: 8, dModel: 8, nHeads: 2, nLayers: 1 });
  await assert.rejects(async () => {
    await train(new GRPO(tiny, add, { groupSize: 2, promptsPerIteration: 1 }), { steps: 1 });
  }, /context of 8/);
  for (const m of [small, lm, tiny]) m.dispose();
});
