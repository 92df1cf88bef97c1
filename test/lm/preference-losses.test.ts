// The synthetic preference task and the pure losses of RLHF / DPO, against hand derivations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { tf } from "../../src/nn/tf.js";
import { PreferenceTask } from "../../src/lm/preference.js";
import { bradleyTerryLoss, pairwiseAccuracy } from "../../src/lm/reward-model.js";
import { dpoLoss } from "../../src/lm/dpo.js";
import { AdaptiveKlController, FixedKlController, klShapedRewards, maskedWhiten, tokenGae } from "../../src/lm/rlhf-ppo.js";
import { bestOfN, bestOfNKl } from "../../src/lm/best-of-n.js";

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test("preference task: the hidden score on worked examples, and the best score equals brute force over all completions", async () => {
  // Default letter values for "abcdefgh": 1 - 2i/7 = 1, 0.714286, 0.428571, ..., -1.
  const d = new PreferenceTask();
  const v = (i: number) => 1 - (2 * i) / 7;
  // "ababab": 3 * value(a) + 3 * value(b) + 6 prompt letters, no repeats.
  assert.ok(Math.abs(d.score("abc:", "ababab") - (3 * v(0) + 3 * v(1) + 6)) < 1e-12);
  assert.ok(Math.abs(d.score("abc:", "ababab") - 11.142857142857) < 1e-9);
  // "aaaaaa": 6 + 6 - 5 repeats; "hhhhhh": -6 - 5.
  assert.ok(Math.abs(d.score("abc:", "aaaaaa") - 7) < 1e-12);
  assert.ok(Math.abs(d.score("abc:", "hhhhhh") + 11) < 1e-12);
  // With letter values 0 the score counts prompt letters and repeats only.
  const task = new PreferenceTask({ letterValues: new Array(8).fill(0) });
  // Prompt "abc:": every letter of "abcabc" is a prompt letter, no repeats: 6.
  assert.equal(task.score("abc:", "abcabc"), 6);
  // "aaaaaa": 6 prompt letters, 5 repeats at penalty 1: 1.
  assert.equal(task.score("abc:", "aaaaaa"), 1);
  // "dddddd": no prompt letter, 5 repeats: -5.
  assert.equal(task.score("abc:", "dddddd"), -5);
  // "adbeef": a, b are prompt letters (2), one repeat (ee): 1.
  assert.equal(task.score("abc:", "adbeef"), 1);
  // Brute force over all 8^4 completions of a shorter task (prompt of 1 letter makes the DP non-trivial:
  // the best completion alternates the prompt letter with another, not repeats it).
  for (const [opts, prompt] of [
    [{ promptLength: 1, completionLength: 4, repeatPenalty: 0.7 }, "c:"],
    [{ promptLength: 1, completionLength: 4, repeatPenalty: 0.2, letterValues: new Array(8).fill(0) }, "c:"],
    [{ promptLength: 1, completionLength: 4, repeatPenalty: 0.2 }, "h:"],
    [{ promptLength: 2, completionLength: 4 }, "hb:"],
  ] as [object, string][]) {
    const t = new PreferenceTask(opts);
    let best = -Infinity;
    const A = t.alphabet;
    for (let i = 0; i < A.length ** 4; i++) {
      let s = "";
      for (let k = 0, j = i; k < 4; k++, j = Math.floor(j / A.length)) s += A[j % A.length];
      best = Math.max(best, t.score(prompt, s));
    }
    assert.ok(Math.abs(t.bestScore(prompt) - best) < 1e-12, `${JSON.stringify(opts)}: ${t.bestScore(prompt)} vs brute force ${best}`);
  }
  // Letter values 0, penalty 0.2: repeating "cccc" (4 - 3 * 0.2 = 3.4) beats alternating "cxcx" (2).
  assert.ok(Math.abs(new PreferenceTask({ promptLength: 1, completionLength: 4, repeatPenalty: 0.2, letterValues: new Array(8).fill(0) }).bestScore("c:") - 3.4) < 1e-12);
});

test("preference task: labels follow Bradley-Terry; prompts distinct letters; corpus texts split back", async () => {
  const task = new PreferenceTask({ temperature: 2, letterValues: new Array(8).fill(0) });
  // score("abc:","abcabc") - score("abc:","aaaaaa") = 5; P = sigmoid(5 / 2).
  assert.ok(Math.abs(task.preferenceProbability("abc:", "abcabc", "aaaaaa") - sigmoid(2.5)) < 1e-12);
  const rng = new Rng(3);
  const n = 20000;
  let wins = 0;
  for (let i = 0; i < n; i++) if (task.label("abc:", "abcabc", "aaaaaa", rng).chosen === "abcabc") wins++;
  // Binomial standard error sqrt(p (1 - p) / n) = 0.0019; 4 of them.
  assert.ok(Math.abs(wins / n - sigmoid(2.5)) < 0.008, `empirical ${wins / n} vs ${sigmoid(2.5)}`);
  const exact = new PreferenceTask({ temperature: 0, letterValues: new Array(8).fill(0) });
  assert.equal(exact.preferenceProbability("abc:", "abcabc", "aaaaaa"), 1);
  assert.equal(exact.preferenceProbability("abc:", "abcabc", "cbacba"), 0.5);
  for (const p of task.samplePrompts(200, 1)) {
    assert.equal(new Set(p.slice(0, 3)).size, 3, p);
    assert.equal(p[3], ":");
  }
  for (const text of task.corpus(50, 2)) {
    const { prompt, completion } = task.split(text);
    assert.equal(task.text(prompt, completion), text);
  }
  // Seeded: the same pairs again.
  assert.deepEqual(task.pairs(20, { seed: 7 }), task.pairs(20, { seed: 7 }));
  // Agreement of noisy labels with the hidden score is well above chance and below 1 at temperature 1.
  const t1 = new PreferenceTask();
  const pairs = t1.pairs(4000, { seed: 11 });
  const agree = pairs.filter((p) => t1.score(p.prompt, p.chosen) > t1.score(p.prompt, p.rejected)).length / pairs.length;
  assert.ok(agree > 0.55 && agree < 0.95, `labels agree with the score on ${agree}`);
});

test("preference task: bad pairs get errors that name the pair and the problem", async () => {
  const task = new PreferenceTask();
  assert.throws(() => task.checkPairs([{ prompt: "abc:", chosen: "abcabc", rejected: "abca" }]), /pair 0 has completions of different lengths: chosen "abcabc" \(6\) and rejected "abca" \(4\)/);
  assert.throws(() => task.checkPairs([{ prompt: "abc:", chosen: "abcabc", rejected: "abcabc" }, { prompt: "abc:", chosen: "abcabz", rejected: "abcabc" }]), /pair 1 chosen "abcabz" has "z" at position 5, which is not in the task's alphabet "abcdefgh"/);
  assert.throws(() => task.checkPairs([{ chosen: "abc:abcabc", rejected: "abd:abcabc" }]), /pair 0 compares completions of different prompts: chosen "abc:abcabc" starts with "abc:", rejected "abd:abcabc" with "abd:"/);
  assert.throws(() => task.checkPairs([{ prompt: "ab:", chosen: "abcabc", rejected: "abcabc" }]), /pair 0 prompt "ab:" should be 3 letters of "abcdefgh" and ":"/);
  assert.throws(() => task.checkPairs([]), /non-empty array/);
  assert.throws(() => new PreferenceTask({ separator: "a" }), /separator = "a": one character not in the alphabet/);
  assert.deepEqual(task.checkPairs([{ chosen: "abc:abcabc", rejected: "abc:hhhhhh" }]), [{ prompt: "abc:", chosen: "abcabc", rejected: "hhhhhh" }]);
});

test("Bradley-Terry loss and pairwise accuracy by hand", async () => {
  // -log sigmoid(1 - 0) = log(1 + e^-1) = 0.31326169; -log sigmoid(0 - 2) = log(1 + e^2) = 2.12692801.
  const l = bradleyTerryLoss(tf.tensor1d([1, 0]), tf.tensor1d([0, 2]));
  close(await l.data(), [(0.31326169 + 2.12692801) / 2], 1e-6, "BT loss");
  assert.equal(pairwiseAccuracy([1, 0, 3, 2], [0, 2, 3, 1]), (1 + 0 + 0.5 + 1) / 4);
  // d/dr_c of mean softplus(r_r - r_c) = -sigmoid(r_r - r_c) / B.
  const g = tf.grad((rc: tf.Tensor) => bradleyTerryLoss(rc, tf.tensor1d([0, 2])))(tf.tensor1d([1, 0]));
  close(await g.data(), [-sigmoid(-1) / 2, -sigmoid(2) / 2], 1e-6, "BT gradient");
});

test("DPO and IPO losses by hand, with the DPO gradient of Rafailov et al. eq. 8", async () => {
  const lp = { policyChosen: tf.tensor1d([-3, -5]), policyRejected: tf.tensor1d([-4, -2]), refChosen: tf.tensor1d([-3.5, -4]), refRejected: tf.tensor1d([-3.5, -3]) };
  // h = (pc - pr) - (rc - rr): (1) - (0) = 1; (-3) - (-1) = -2.
  const h = [1, -2];
  const beta = 0.1;
  const want = (h.reduce((a, x) => a - Math.log(sigmoid(beta * x)), 0)) / 2;
  const d = dpoLoss(lp, { beta });
  close(await d.loss.data(), [want], 1e-6, "DPO loss");
  close(await d.chosenRewards.data(), [beta * 0.5, beta * -1], 1e-6, "chosen rewards");
  close(await d.rejectedRewards.data(), [beta * -0.5, beta * 1], 1e-6, "rejected rewards");
  // Label smoothing 0.2: 0.8 * -log sigmoid(beta h) + 0.2 * -log sigmoid(-beta h).
  const ls = h.reduce((a, x) => a - 0.8 * Math.log(sigmoid(beta * x)) - 0.2 * Math.log(sigmoid(-beta * x)), 0) / 2;
  close(await dpoLoss(lp, { beta, labelSmoothing: 0.2 }).loss.data(), [ls], 1e-6, "cDPO loss");
  // IPO: (h - 1 / (2 beta))^2 = (1 - 5)^2, (-2 - 5)^2.
  close(await dpoLoss(lp, { beta, lossType: "ipo" }).loss.data(), [(16 + 49) / 2], 1e-4, "IPO loss");
  // Gradient wrt the chosen log-prob: -beta * sigmoid(-beta h) / B (eq. 8: weight sigma(r_l - r_w)).
  const g = tf.grad((pc: tf.Tensor) => dpoLoss({ ...lp, policyChosen: pc }, { beta }).loss)(lp.policyChosen);
  close(await g.data(), h.map((x) => (-beta * sigmoid(-beta * x)) / 2), 1e-6, "DPO gradient");
});

test("KL-shaped token rewards, token GAE and masked whitening by hand", async () => {
  // Two completions of up to 3 tokens; the second ends after 2.
  const batch = { B: 2, T: 3, mask: [1, 1, 1, 1, 1, 0] };
  const logp = [-1, -2, -0.5, -1, -1, 0];
  const ref = [-1.5, -1, -0.5, -2, -0.5, 0];
  const coef = 0.1;
  const { rewards, kl } = klShapedRewards(batch, [2, -1], logp, ref, coef);
  // log-ratios: 0.5, -1, 0 | 1, -0.5; the score is added at the last generated token.
  close(rewards, [-0.05, 0.1, 2, -0.1, 0.05 - 1, 0], 1e-6, "rewards");
  close(kl, [-0.5, 0.5], 1e-6, "kl");
  close(klShapedRewards(batch, [0, 0], logp, ref, 1, "abs").kl, [1.5, 1.5], 1e-6, "abs kl");
  close(klShapedRewards(batch, [0, 0], logp, ref, 1, "mse").kl, [0.5 * (0.25 + 1), 0.5 * (1 + 0.25)], 1e-6, "mse kl");
  // GAE with gamma 1, lambda 0.95 (TRL's defaults); the value after the last token is 0.
  const values = [0.3, 0.2, 0.1, 0.4, -0.2, 7];
  const { advantages, returns } = tokenGae(batch, rewards, values, 1, 0.95);
  const row = (r: number[], v: number[]) => {
    const a = new Array<number>(r.length);
    let next = 0;
    let last = 0;
    for (let t = r.length - 1; t >= 0; t--) {
      const delta = r[t] + next - v[t];
      last = delta + 0.95 * last;
      a[t] = last;
      next = v[t];
    }
    return a;
  };
  // Row 0 by hand: d2 = 2 - 0.1 = 1.9; d1 = 0.1 + 0.1 - 0.2 = 0; d0 = -0.05 + 0.2 - 0.3 = -0.15.
  const a0 = [-0.15 + 0.95 * (0 + 0.95 * 1.9), 0 + 0.95 * 1.9, 1.9];
  close(advantages.slice(0, 3), a0, 1e-6, "adv row 0");
  close(advantages.slice(3), [...row([-0.1, -0.95], [0.4, -0.2]), 0], 1e-6, "adv row 1 (padding 0)");
  close(returns, [a0[0] + 0.3, a0[1] + 0.2, a0[2] + 0.1, advantages[3] + 0.4, advantages[4] - 0.2, 0], 1e-6, "returns");
  const w = maskedWhiten([1, 2, 3, 5, 100], [1, 1, 1, 0, 0]);
  // Mean 2, unbiased std 1.
  close(w, [-1, 0, 1, 0, 0], 1e-6, "whitened");
  assert.throws(() => klShapedRewards(batch, [1], logp, ref, 0.1), /1 scores for a batch of 2 completions/);
  assert.throws(() => tokenGae(batch, rewards, [1, 2], 1, 0.95), /values has 2 entries, expected B \* T = 2 \* 3 = 6/);
});

test("KL controllers: fixed stays, adaptive follows Ziegler et al.'s proportional rule", async () => {
  const f = new FixedKlController(0.05);
  f.update(100, 256);
  assert.equal(f.value, 0.05);
  // TRL defaults: init 0.2, target 6, horizon 10000. KL 9 -> error clip(0.5) = 0.2; 256 completions.
  const a = new AdaptiveKlController(0.2, 6, 10000);
  a.update(9, 256);
  assert.ok(Math.abs(a.value - 0.2 * (1 + 0.2 * 256 / 10000)) < 1e-12);
  // KL 5.4 -> error -0.1.
  a.update(5.4, 100);
  assert.ok(Math.abs(a.value - 0.2 * 1.00512 * (1 - 0.1 * 100 / 10000)) < 1e-12);
});

test("best-of-n: KL formula against the exact KL of the best-of-n distribution; picks the top-scored candidate", async () => {
  // Base: uniform over M items with distinct scores. The best of n has P(item of rank i) =
  // (i/M)^n - ((i-1)/M)^n; its KL to uniform tends to log n - (n-1)/n as M grows.
  const M = 100000;
  for (const n of [1, 2, 4, 16]) {
    let kl = 0;
    for (let i = 1; i <= M; i++) {
      const p = (i / M) ** n - ((i - 1) / M) ** n;
      if (p > 0) kl += p * Math.log(p * M);
    }
    assert.ok(Math.abs(kl - bestOfNKl(n)) < 2e-3, `n=${n}: exact ${kl} vs formula ${bestOfNKl(n)}`);
  }
  const r = await bestOfN(
    ["p", "q"],
    3,
    (ps, n) => ps.map((p) => Array.from({ length: n }, (_, k) => `${p}${k}`)),
    (_ps, cs) => cs.map((c) => ({ p0: 1, p1: 5, p2: 2, q0: 4, q1: 4, q2: 0 })[c]!),
  );
  assert.deepEqual(r.completions, ["p1", "q0"]);
  assert.deepEqual(r.scores, [5, 4]);
  await assert.rejects(bestOfN(["p"], 2, () => [["a"]], () => [0]), /sampler returned 1 candidates for 1 prompts; expected 2 each/);
});
