/**
 * KL estimators against a direct computation over every possible completion, GRPO's group
 * advantages against hand-computed values, the tasks' checks, SFT through train(), and a sweep
 * over GRPO's group size in one call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CharTokenizer,
  GRPO,
  LanguageModel,
  Rng,
  SFT,
  additionTask,
  arithmeticTask,
  backend,
  charCountTask,
  choice,
  fullKL,
  groupAdvantages,
  klK1,
  klK3,
  palindromeTask,
  sortTask,
  sweep,
  tf,
  train,
} from "../../src/index.js";

test("KL: E_pi[sum of per-token k1] = E_pi[sum of k3] = the exact KL over all completions = the full-vocabulary per-position KL", async () => {
  await backend("wasm");
  const tok = new CharTokenizer("ab");
  const V = tok.vocabSize; // <bos>, <eos>, a, b
  const pi = new LanguageModel(tok, { contextLength: 6, dModel: 8, nHeads: 2, nLayers: 1, seed: 2 });
  const ref = pi.reference();
  // Move the policy away from the reference (seeded noise), as RL training would.
  tf.tidy(() => pi.variables.forEach((v, i) => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, "float32", 100 + i)))));
  // Every completion of at most 2 tokens: an <eos> ends it; any id (even <bos>) may be sampled.
  const seqs: number[][] = [];
  for (let x = 0; x < V; x++) {
    if (x === tok.eos) seqs.push([x]);
    else for (let y = 0; y < V; y++) seqs.push([x, y]);
  }
  const b = pi.encodeTokens(seqs.map(() => "a"), seqs);
  const ids = LanguageModel.idsTensor(b);
  const mask = LanguageModel.maskTensor(b);
  const [lp, lq, k1, k3, full] = tf.tidy(() => {
    const p = pi.tokenLogProbs(ids);
    const q = ref.tokenLogProbs(ids);
    const T = b.length;
    const input = tf.slice(ids, [0, 0], [b.batch, T - 1]);
    return [p, q, klK1(p, q), klK3(p, q), fullKL(pi.logits(input), ref.logits(input))];
  });
  const [P, Q, K1, K3, F, M] = await Promise.all([lp, lq, k1, k3, full, mask].map((t) => t.data()));
  const T1 = b.length - 1;
  let probSum = 0;
  let exact = 0;
  let e1 = 0;
  let e3 = 0;
  let perPosition = 0;
  const seen = new Set<string>();
  seqs.forEach((s, r) => {
    let logp = 0;
    let logq = 0;
    let s1 = 0;
    let s3 = 0;
    for (let t = 0; t < T1; t++) {
      if (!M[r * T1 + t]) continue;
      logp += P[r * T1 + t];
      logq += Q[r * T1 + t];
      s1 += K1[r * T1 + t];
      s3 += K3[r * T1 + t];
    }
    const p = Math.exp(logp);
    probSum += p;
    exact += p * (logp - logq); // the definition: sum over completions of p log(p / q)
    e1 += p * s1;
    e3 += p * s3;
    // sum over prefixes h of P(h) KL(pi(.|h) || ref(.|h)): the prompt's last position, then after the first token.
    const start = b.promptLengths[r];
    const prefixes = [[start, ""], [start + 1, String(s[0])]] as const;
    for (const [t, key] of prefixes) {
      if (t === start + 1 && s[0] === tok.eos) continue;
      if (seen.has(key)) continue;
      seen.add(key);
      perPosition += (t === start ? 1 : Math.exp(P[r * T1 + start])) * F[r * T1 + t];
    }
  });
  assert.ok(Math.abs(probSum - 1) < 1e-5, `completions' probabilities sum to ${probSum}`);
  assert.ok(exact > 0.01, `the perturbed policy should differ from the reference (KL ${exact})`);
  assert.ok(Math.abs(e1 - exact) < 1e-5, `k1: ${e1} vs ${exact}`);
  assert.ok(Math.abs(e3 - exact) < 1e-5, `k3: ${e3} vs ${exact}`);
  assert.ok(Math.abs(perPosition - exact) < 1e-5, `full-vocabulary: ${perPosition} vs ${exact}`);
  // k3 is >= 0 per token; k1 is not (that is why GRPO uses k3).
  assert.ok([...K3].every((x) => x >= -1e-7));
  assert.ok([...K1].some((x, i) => M[i] && x < 0));
  tf.dispose([ids, mask, lp, lq, k1, k3, full]);
  pi.dispose();
  ref.dispose();
});

test("group advantages: (r - group mean) / (unbiased group std + 1e-4), or r - mean without scaling", () => {
  // Group [1, 0, 0, 0]: mean 0.25, unbiased variance (0.75^2 + 3 * 0.25^2) / 3 = 0.25, std 0.5.
  const a = groupAdvantages([1, 0, 0, 0, 1, 1, 1, 1], 4);
  const s = 0.5 + 1e-4;
  [0.75 / s, -0.25 / s, -0.25 / s, -0.25 / s, 0, 0, 0, 0].forEach((x, i) => assert.ok(Math.abs(a[i] - x) < 1e-5, `${i}: ${a[i]} vs ${x}`));
  assert.deepEqual([...groupAdvantages([2, 0], 2, false)], [1, -1]);
  assert.throws(() => groupAdvantages([1, 2, 3], 2), /3 rewards do not split into groups of 2/);
});

test("tasks: every sampled answer earns reward 1; wrong ones 0; property tasks accept other valid answers", () => {
  const rng = new Rng(4);
  const tasks = [additionTask(), additionTask({ digits: 3, pad: true, reverse: true }), arithmeticTask({ ops: ["+", "-", "*"], digits: 2 }), sortTask(), palindromeTask(), charCountTask()];
  for (const t of tasks) {
    const tok = new CharTokenizer(t.alphabet);
    for (const e of t.sample(50, rng)) {
      assert.equal(t.reward(e.prompt, e.completion), 1, `${t.name}: ${e.prompt} ${e.completion}`);
      assert.equal(t.reward(e.prompt, e.completion + t.alphabet[0]), 0);
      assert.ok(tok.canEncode(e.prompt + e.completion));
      assert.ok([...e.prompt].length <= t.maxPromptLength && [...e.completion].length <= t.maxCompletionLength);
    }
  }
  // Values checked by hand.
  assert.equal(additionTask().reward("57+3=", "60"), 1);
  assert.equal(additionTask({ pad: true, reverse: true }).reward("57+03=", "060"), 1); // 060 reversed: 060 -> "060"
  assert.equal(additionTask({ pad: true, reverse: true }).reward("99+99=", "891"), 1); // 198 reversed
  assert.equal(arithmeticTask({ ops: ["-"] }).reward("3-12=", "-9"), 1);
  assert.equal(sortTask().reward("dbca:", "abcd"), 1);
  assert.equal(palindromeTask().reward("abc|", "abcba"), 1);
  assert.equal(palindromeTask().reward("abc|", "abccba"), 1);
  assert.equal(palindromeTask().reward("abc|", "abcab"), 0);
  assert.equal(charCountTask().reward("2a:", "bacdab"), 1);
  assert.equal(charCountTask().reward("2a:", "bacdbb"), 0);
  assert.throws(() => additionTask().reward("5+3", "8"), /not a prompt of this task/);
  assert.throws(() => sortTask({ letters: "ab:" }), /must not contain ":"/);
});

test("SFT through train(): loss falls on a corpus of strings; bad data named", async () => {
  await backend("wasm");
  const tok = new CharTokenizer("abcd ");
  const lm = new LanguageModel(tok, { contextLength: 16, dModel: 32, nHeads: 4, nLayers: 1, seed: 5 });
  assert.throws(() => new SFT(lm, ["abc", "abx"]), /data\[1\]: .*"x" at position 2/);
  assert.throws(() => new SFT(lm, ["a".repeat(20)]), /data\[0\]: .*more than the context of 16/);
  assert.throws(() => new SFT(lm.reference(), ["abc"]), /frozen reference/);
  const sft = new SFT(lm, ["abcd abcd", "dcba dcba", "aabb ccdd"], { batchSize: 8, stepsPerIteration: 10, learningRate: 3e-3, completionOnly: false });
  const h = await train(sft, { steps: 100 });
  assert.equal(h.length, 10);
  assert.equal(sft.numTimesteps, 100);
  assert.ok(h[0].loss! > 1.2, `first loss ${h[0].loss}`);
  assert.ok(h.at(-1)!.loss! < 0.6 * h[0].loss!, `loss ${h[0].loss} -> ${h.at(-1)!.loss}`);
  assert.ok(h.at(-1)!.tokenAccuracy! > h[0].tokenAccuracy!);
  sft.dispose();
  lm.dispose();
});

test("a sweep over GRPO's group size is one call (grid over groupSize, each trial trains through train())", async () => {
  await backend("wasm");
  const task = charCountTask({ letters: "ab", length: 3 });
  const tok = new CharTokenizer(task.alphabet);
  const result = await sweep({
    space: { groupSize: choice([2, 4]), beta: 0.04 },
    sampler: "grid",
    objective: async (config, { signal }) => {
      const lm = new LanguageModel(tok, { contextLength: 10, dModel: 16, nHeads: 2, nLayers: 1, seed: 1 });
      const grpo = new GRPO(lm, task, { ...config, promptsPerIteration: 2, seed: 3 });
      const h = await train(grpo, { steps: 2, signal });
      grpo.dispose();
      lm.dispose();
      return { value: h.at(-1)!.episodeReturn, kl: h.at(-1)!.kl };
    },
  });
  assert.deepEqual(result.trials.map((t) => [t.status, t.config.groupSize]), [["complete", 2], ["complete", 4]]);
  assert.ok(result.trials.every((t) => Number.isFinite(t.value)));
});
