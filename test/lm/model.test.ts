/**
 * The LM core: tokenizer round trips and errors, context errors, the loss falling on a tiny
 * corpus through a custom loss on `tokenLogProbs`, KV-cached generation equal to uncached
 * generation token for token with matching logits, log-probs of given continuations checked
 * against the generation's own, seeded sampling, frozen references and checkpoints.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Adam, CharTokenizer, LanguageModel, TokenizerError, backend, tf } from "../../src/index.js";

test("tokenizer: round trip, special tokens, unknown characters named with their positions", () => {
  const tok = new CharTokenizer("0123456789+=");
  assert.equal(tok.vocabSize, 14);
  const text = "12+34=46";
  const ids = tok.encode(text);
  assert.deepEqual(ids, [3, 4, 12, 5, 6, 13, 6, 8]); // id = index in the alphabet + 2
  assert.equal(tok.decode(ids), text);
  assert.equal(tok.decode([tok.bos, ...ids, tok.eos, 3, 3]), text); // <bos> skipped, stops at <eos>
  assert.equal(tok.decode([...ids, tok.eos, 3], { stopAtEos: false }), text + "1");
  assert.throws(() => tok.encode("12*3x"), (e: Error) => e instanceof TokenizerError && /"\*" at position 2, "x" at position 4/.test(e.message) && /alphabet is "0123456789\+="/.test(e.message));
  assert.throws(() => tok.decode([99]), /id 99 at position 0 is outside the vocabulary \(0 \.\. 13\)/);
  assert.throws(() => new CharTokenizer("abca"), /"a" appears twice/);
  const fromCorpus = CharTokenizer.fromCorpus(["ba", "cab"]);
  assert.equal(fromCorpus.alphabet, "abc");
  assert.equal(CharTokenizer.fromJSON(fromCorpus.toJSON()).alphabet, "abc");
  // Unicode code points are one token each.
  const u = new CharTokenizer("aé€");
  assert.equal(u.decode(u.encode("é€a")), "é€a");
});

test("model: config errors, prompts longer than the context and unknown characters are named", async () => {
  await backend("wasm");
  const tok = new CharTokenizer("ab");
  assert.throws(() => new LanguageModel(tok, { dModel: 30, nHeads: 4, nLayer: 2 } as never), (e: Error) => /nHeads = 4 .*divisor of dModel \(30\)/.test(e.message) && /nLayer/.test(e.message));
  const lm = new LanguageModel(tok, { contextLength: 8, dModel: 8, nHeads: 2, nLayers: 1 });
  await assert.rejects(lm.generate(["abababab"]), /prompt 0 "abababab" takes 9 tokens with <bos>.*context of 8/);
  await assert.rejects(lm.generate(["ab"], { maxTokens: 9 }), /only 5 of the context of 8 are left, fewer than maxTokens = 9/);
  await assert.rejects(lm.generate(["ac"]), /prompt 0: .*"c" at position 1/);
  assert.throws(() => lm.encode(["abab"], ["abab"]), /sequence 0 .* takes 10 tokens with <bos> and <eos>, more than the context of 8/);
  assert.throws(() => lm.encode(["a", "b"], ["a"]), /2 prompts but 1 completions/);
  lm.dispose();
});

test("loss falls on a tiny corpus with a custom loss on tokenLogProbs inside tf.variableGrads", async () => {
  await backend("wasm");
  const tok = new CharTokenizer("abc=");
  const lm = new LanguageModel(tok, { contextLength: 12, dModel: 32, nHeads: 4, nLayers: 1, seed: 3 });
  // A deterministic corpus: the completion reverses the prompt.
  const prompts = ["abc=", "bca=", "cab=", "acb=", "bac=", "cba="];
  const completions = prompts.map((p) => [...p.slice(0, 3)].reverse().join(""));
  const b = lm.encode(prompts, completions);
  const ids = LanguageModel.idsTensor(b);
  const mask = LanguageModel.maskTensor(b);
  const opt = new Adam(lm.variables, { lr: 3e-3 });
  const losses: number[] = [];
  for (let step = 0; step < 60; step++) {
    const { value, grads } = tf.variableGrads(() => tf.div(tf.neg(tf.sum(tf.mul(lm.tokenLogProbs(ids), mask))), tf.sum(mask)) as tf.Scalar, lm.variables);
    opt.apply(lm.variables.map((v) => grads[v.name]));
    losses.push((await value.data())[0]);
    tf.dispose([value, ...Object.values(grads)]);
  }
  // At init the model is near uniform over 6 ids: loss ~ ln 6 = 1.79.
  assert.ok(Math.abs(losses[0] - Math.log(6)) < 0.3, `initial loss ${losses[0]}`);
  assert.ok(losses[59] < 0.1, `final loss ${losses[59]}`);
  const out = await lm.generate(prompts, { temperature: 0, maxTokens: 4 });
  assert.deepEqual(out.map((g) => g.text), completions);
  assert.ok(out.every((g) => g.finished));
  tf.dispose([ids, mask]);
  opt.dispose();
  lm.dispose();
});

test("KV-cached generation equals uncached token for token; logits and log-probs match; logProbs() agrees", async () => {
  await backend("wasm");
  const tok = new CharTokenizer("abcdefgh");
  const lm = new LanguageModel(tok, { contextLength: 24, dModel: 32, nHeads: 4, nLayers: 2, seed: 7 });
  // Make the random model peaked so greedy paths are not decided by float noise.
  tf.tidy(() => lm.variables.forEach((v) => v.assign(tf.mul(v, 3))));
  const prompts = ["abc", "h", "gfedcba", "ddd"]; // unequal lengths: left padding in the batch
  const greedyC = await lm.generate(prompts, { temperature: 0, maxTokens: 10, returnLogits: true });
  const greedyU = await lm.generate(prompts, { temperature: 0, maxTokens: 10, returnLogits: true, cache: false });
  for (let i = 0; i < prompts.length; i++) {
    assert.deepEqual([...greedyC[i].tokens], [...greedyU[i].tokens], `prompt ${i}`);
    const a = greedyC[i].logits!;
    const u = greedyU[i].logits!;
    let maxDiff = 0;
    for (let k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - u[k]));
    assert.ok(maxDiff < 1e-4, `prompt ${i}: logits differ by ${maxDiff}`);
  }
  // Each prompt alone (no padding) gives the same continuation as in the padded batch.
  for (let i = 0; i < prompts.length; i++) {
    const alone = await lm.generate([prompts[i]], { temperature: 0, maxTokens: 10 });
    assert.deepEqual([...alone[0].tokens], [...greedyC[i].tokens]);
  }
  // Sampling: seeded, the same with and without the cache, different under another seed.
  const s1 = await lm.generate(prompts, { temperature: 1, topK: 4, seed: 11, maxTokens: 10 });
  const s2 = await lm.generate(prompts, { temperature: 1, topK: 4, seed: 11, maxTokens: 10, cache: false });
  const s3 = await lm.generate(prompts, { temperature: 1, topK: 4, seed: 12, maxTokens: 10 });
  assert.deepEqual(s1.map((g) => g.text), s2.map((g) => g.text));
  assert.notDeepEqual(s1.map((g) => [...g.tokens]), s3.map((g) => [...g.tokens]));
  // top-k 1 is greedy.
  const k1 = await lm.generate(prompts, { temperature: 1, topK: 1, seed: 5, maxTokens: 10 });
  assert.deepEqual(k1.map((g) => [...g.tokens]), greedyC.map((g) => [...g.tokens]));
  // logProbs of the sampled continuations (scored by a full forward pass) equal the log-probs
  // recorded during (cached) generation, token by token.
  const finished = s1.filter((g) => g.finished);
  assert.ok(finished.length > 0);
  const lp = await lm.logProbs(finished.map((g) => g.prompt), finished.map((g) => g.text));
  finished.forEach((g, i) => {
    assert.equal(lp[i].logProbs.length, g.tokens.length);
    for (let k = 0; k < g.tokens.length; k++) assert.ok(Math.abs(lp[i].logProbs[k] - g.logProbs[k]) < 1e-4);
    assert.equal(lp[i].tokens.at(-1), "<eos>");
  });
  lm.dispose();
});

test("reference() is frozen and independent; save/load round trip; bad checkpoints refused", async () => {
  await backend("wasm");
  const tok = new CharTokenizer("xy");
  const lm = new LanguageModel(tok, { contextLength: 10, dModel: 16, nHeads: 2, nLayers: 1, seed: 1 });
  const ref = lm.reference();
  assert.equal(ref.frozen, true);
  const w0 = await lm.weights();
  assert.deepEqual(await ref.weights(), w0);
  tf.tidy(() => lm.variables.forEach((v) => v.assign(tf.add(v, 1))));
  assert.deepEqual(await ref.weights(), w0); // the reference kept the old weights
  const dir = path.join(await mkdtemp(path.join(tmpdir(), "rlbook-lm-")), "ck");
  await lm.save(dir);
  const back = await LanguageModel.load(dir);
  assert.deepEqual(await back.weights(), await lm.weights());
  assert.equal(back.tokenizer.alphabet, "xy");
  assert.deepEqual(back.config, lm.config);
  const a = await lm.generate(["xyx"], { seed: 4, maxTokens: 5 });
  const c = await back.generate(["xyx"], { seed: 4, maxTokens: 5 });
  assert.equal(a[0].text, c[0].text);
  await assert.rejects(LanguageModel.load(path.dirname(dir)), /no checkpoint\.json/);
  [lm, ref, back].forEach((m) => m.dispose());
});
