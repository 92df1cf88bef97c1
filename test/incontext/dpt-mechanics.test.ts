/**
 * DPT's data, deployment plumbing, checkpoints and errors (the learning result is in
 * dpt-bandit.test.ts). Dark Room transitions are checked against rlbook's DarkRoomEnv, the
 * reference semantics of the room.
 */
import { createHash } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CausalTransformer, CheckpointError, DARK_ROOM_DPT, DPT, DarkRoomEnv, OptimalArmPosterior, Rng, backend, darkRoomGoalSplit, sampleBanditTasks, simulateBandit, tf, train } from "../../src/index.js";

const tiny = { horizon: 12, model: { dModel: 16, nLayers: 1, nHeads: 1 }, batchSize: 8, pretrainTasks: 64, steps: 3 };

test("bandit data: one-hot actions, reward in its arm's slot, label = best arm's mean", async () => {
  const dpt = DPT.preset("bandit/fast", tiny);
  const d = dpt.generateData({ tasks: 50, seed: 3 });
  const { tokenDim: F } = dpt;
  const A = 5;
  const T = 13;
  assert.equal(F, 2 + 2 * A);
  // The family's task draws from the same seed give the means (an independent replay of the draws is not possible,
  // so check the structure and that labels are the argmax of per-arm reward averages over a long context on average).
  for (let i = 0; i < 50; i++) {
    assert.equal(d.tokens[i * T * F], 1); // query state
    for (let j = 1; j < T; j++) {
      const o = (i * T + j) * F;
      const hot = [...d.tokens.subarray(o + 1, o + 1 + A)];
      assert.equal(hot.reduce((a, b) => a + b, 0), 1);
      const a = hot.indexOf(1);
      const rewards = [...d.tokens.subarray(o + 2 + A, o + 2 + 2 * A)];
      rewards.forEach((r, b) => b !== a && assert.equal(r, 0));
    }
    assert.ok(d.labels[i] >= 0 && d.labels[i] < A);
  }
  // With 2000 pulls per task from a fixed arm distribution, the label is the arm with the highest
  // empirical mean in nearly every task (noise variance 0.3).
  const long = DPT.preset("bandit/fast", { ...tiny, horizon: 2000 }).generateData({ tasks: 40, seed: 4 });
  const L = 2001;
  let agree = 0;
  for (let i = 0; i < 40; i++) {
    const s = new Array(A).fill(0);
    const n = new Array(A).fill(0);
    for (let j = 1; j < L; j++) {
      const o = (i * L + j) * F;
      for (let a = 0; a < A; a++) if (long.tokens[o + 1 + a] === 1) (n[a]++, (s[a] += long.tokens[o + 2 + A + a]));
    }
    const means = s.map((v, a) => (n[a] >= 30 ? v / n[a] : -Infinity));
    const top = means.indexOf(Math.max(...means));
    if (n[long.labels[i]] < 30 || top === long.labels[i]) agree++;
  }
  assert.ok(agree >= 34, `labels agree with empirical best arms in ${agree}/40 tasks`);
});

test("thompsonFraction: Thompson-sampling contexts pile their pulls on the best arm; the Dirichlet mix does not", () => {
  // Share of the last 100 of 200 pulls on the labelled (best) arm. The Dirichlet-mix policy ignores
  // the rewards, so by symmetry between arms its expected share is exactly 1/5; Thompson sampling
  // concentrates on the best arm as its posterior sharpens.
  const share = (thompsonFraction: number) => {
    const d = DPT.preset("bandit/fast", { ...tiny, horizon: 200, thompsonFraction }).generateData({ tasks: 100, seed: 6 });
    const F = 12;
    let hits = 0;
    for (let i = 0; i < 100; i++) for (let j = 101; j <= 200; j++) hits += d.tokens[(i * 201 + j) * F + 1 + d.labels[i]];
    return hits / 100 / 100;
  };
  const dirichlet = share(0);
  const thompson = share(1);
  assert.ok(Math.abs(dirichlet - 0.2) < 0.08, `Dirichlet mix: ${dirichlet}`);
  assert.ok(thompson > 0.6, `Thompson: ${thompson}`);
});

test("Dark Room data follows DarkRoomEnv's dynamics and reward; labels are shortest-path moves", async () => {
  const dpt = DPT.preset("darkRoom/fast", { ...tiny, horizon: 30, roomSize: 10 });
  const d = dpt.generateData({ tasks: 20, seed: 5 });
  const F = dpt.tokenDim;
  const T = 31;
  const S = 9;
  const goals = darkRoomGoalSplit(10).train;
  for (let i = 0; i < 20; i++) {
    const goal = goals[i % goals.length];
    for (let j = 1; j < T; j++) {
      const o = (i * T + j) * F;
      const x = Math.round(d.tokens[o] * S);
      const y = Math.round(d.tokens[o + 1] * S);
      const a = [...d.tokens.subarray(o + 2, o + 7)].indexOf(1);
      const env = new DarkRoomEnv({ ...DARK_ROOM_DPT, goal, start: [x, y] });
      env.reset({ seed: 0 });
      const step = env.step(a);
      assert.deepEqual([Math.round(d.tokens[o + 7] * S), Math.round(d.tokens[o + 8] * S)], [...step.obs]);
      assert.equal(d.tokens[o + 9], step.reward);
    }
    // The label moves closer to the goal (or stays on it), by the room's geometry.
    const qx = Math.round(d.tokens[i * T * F] * S);
    const qy = Math.round(d.tokens[i * T * F + 1] * S);
    const dist = (x: number, y: number) => Math.abs(x - goal[0]) + Math.abs(y - goal[1]);
    const env = new DarkRoomEnv({ ...DARK_ROOM_DPT, goal, start: [qx, qy] });
    env.reset({ seed: 0 });
    const { obs } = env.step(d.labels[i]);
    assert.equal(dist(obs[0], obs[1]), Math.max(dist(qx, qy) - 1, 0));
  }
  const split = darkRoomGoalSplit(10);
  assert.equal(split.train.length, 80);
  assert.equal(split.test.length, 20);
  assert.ok(split.test.every(([x, y]) => !split.train.some(([a, b]) => a === x && b === y)));
});

test("checkpoint: save, load, same predictions; corruption and wrong shapes are caught", async () => {
  await backend("wasm");
  const dpt = DPT.preset("bandit/fast", tiny);
  await dpt.pretrain({ steps: 2 });
  const dir = path.join(await mkdtemp(path.join(tmpdir(), "dpt-")), "ck");
  await dpt.save(dir);
  const back = await DPT.load(dir);
  assert.deepEqual(back.config, dpt.config);
  const tasks = sampleBanditTasks("dpt", { tasks: 6, seed: 1, horizon: 12 });
  const a = await simulateBandit(dpt.banditPolicy({ mode: "offline" }), tasks, { seed: 2 });
  const b = await simulateBandit(back.banditPolicy({ mode: "offline" }), tasks, { seed: 2 });
  assert.deepEqual([...a.finalRegret], [...b.finalRegret]);
  // Corrupt the weights: the checksum catches it.
  const file = path.join(dir, "arrays.bin");
  const bytes = await readFile(file);
  bytes[10] ^= 0xff;
  await writeFile(file, bytes);
  await assert.rejects(DPT.load(dir), (e: unknown) => e instanceof CheckpointError && /arrays.bin is corrupt/.test((e as Error).message));
  // A checkpoint whose config builds a different model.
  await dpt.save(dir);
  const head = JSON.parse(await readFile(path.join(dir, "checkpoint.json"), "utf8"));
  head.meta.weightShapes[0] = [3, 3];
  const headText = JSON.stringify(head);
  await writeFile(path.join(dir, "checkpoint.json"), headText);
  // A hand edit is refused by the digest first; with the digest rewritten to match (a checkpoint
  // written by another version, say), the shape check itself must catch the mismatch.
  await assert.rejects(DPT.load(dir), /checkpoint\.json was modified or is corrupt/);
  await writeFile(path.join(dir, "checkpoint.sha256"), `${createHash("sha256").update(headText).digest("hex")}  checkpoint.json\n`);
  await assert.rejects(DPT.load(dir), /do not fit the model built from its config/);
  dpt.dispose();
  back.dispose();
});

test("online acting with a KV cache gives the logits of the full forward pass on the whole prefix", async () => {
  await backend("wasm");
  const dpt = DPT.preset("bandit/fast", tiny);
  await dpt.pretrain({ steps: 2 });
  const { tokens } = dpt.generateData({ tasks: 3, seed: 5 });
  const T = tiny.horizon + 1;
  const F = dpt.tokenDim;
  const A = 5;
  // Reference: one forward pass over each whole prefix (no cache), the last position's logits.
  const full = await dpt.model.logits(tokens, 3, T);
  let cache: Awaited<ReturnType<typeof dpt.model.stepLogits>>["cache"] | undefined;
  for (let t = 1; t < T; t++) {
    // Feed position t of every sequence on top of the cache (positions 0 and 1 together first).
    const n = t === 1 ? 2 : 1;
    const x = new Float32Array(3 * n * F);
    for (let i = 0; i < 3; i++) x.set(tokens.subarray((i * T + t + 1 - n) * F, (i * T + t + 1) * F), i * n * F);
    const r = await dpt.model.stepLogits(x, 3, n, cache);
    cache = r.cache;
    for (let i = 0; i < 3; i++) for (let a = 0; a < A; a++) assert.ok(Math.abs(r.logits[i * A + a] - full[(i * T + t) * A + a]) < 1e-4, `task ${i}, position ${t}, arm ${a}`);
  }
  assert.equal(cache!.length, T);
  await assert.rejects(dpt.model.stepLogits(new Float32Array(3 * F), 3, 1, cache), /holds 14 tokens but the model was pretrained for at most 13/);
  // The policy (cache inside) and offlineBanditPicks (one full pass) pick the same arms.
  const tasks = sampleBanditTasks("dpt", { tasks: 4, seed: 3, horizon: tiny.horizon });
  const arms = new Int32Array(4 * tiny.horizon);
  const rewards = new Float64Array(4 * tiny.horizon);
  await simulateBandit(dpt.banditPolicy({ mode: "offline" }), tasks, {
    seed: 4,
    onPull: (t, a, r) => a.forEach((arm, i) => ((arms[i * tiny.horizon + t] = arm), (rewards[i * tiny.horizon + t] = r[i]))),
  });
  const picks = await dpt.offlineBanditPicks(arms, rewards, 4);
  for (let i = 0; i < 4; i++) for (let t = 0; t < tiny.horizon; t++) assert.equal(picks[i * T + t], arms[i * tiny.horizon + t], `task ${i}, pull ${t}`);
  dpt.dispose();
});

test("bad input names the thing and the fix", async () => {
  await backend("wasm");
  assert.throws(() => DPT.preset("bandits/fast"), /DPT preset "bandits\/fast" does not exist; presets are "bandit", "bandit\/fast"/);
  const dpt = DPT.preset("bandit/fast", tiny);
  const ten = sampleBanditTasks("dptLinear", { tasks: 2, horizon: 5 });
  await assert.rejects(async () => await simulateBandit(dpt.banditPolicy(), ten), /DPT was pretrained for 5 arms but the bandit has 10; pretrain a DPT with numActions: 10/);
  const long = sampleBanditTasks("dpt", { tasks: 2, horizon: 40 });
  await assert.rejects(async () => await simulateBandit(dpt.banditPolicy(), long), /longer than the 12 it was pretrained for; run at most 12 pulls/);
  await assert.rejects(async () => await dpt.offlineBanditPicks(new Int32Array(2 * 20), new Float64Array(2 * 20), 2), /20 pulls is longer than the 12/);
  assert.throws(() => DPT.preset("darkRoom/fast", tiny).banditPolicy(), /pretrained on Dark Room; use a "bandit" or "linearBandit" preset/);
  assert.throws(() => DPT.preset("bandit/fast", { ...tiny, steps: 0 }), /config.steps must be a positive integer/);
  assert.throws(() => DPT.preset("bandit/fast", { ...tiny, thompsonFraction: 2 }), /config.thompsonFraction must be in \[0, 1\]/);
  // A policy returning an arm outside the action space: the runner names it.
  await assert.rejects(async () => await simulateBandit({ name: "wild", reset() {}, selectArms: (_t, out) => void out.fill(9), update() {} }, long), /policy "wild" chose arm 9 for task 0 at pull 0; arms are 0..4/);
  dpt.dispose();
});

test("Dark Room online deployment: legal moves from (0, 0), return = steps spent on the goal", async () => {
  await backend("wasm");
  const dpt = DPT.preset("darkRoom/fast", { ...tiny, horizon: 15, roomSize: 10 });
  const goals = darkRoomGoalSplit(10).test.slice(0, 4);
  const { returns, paths } = await dpt.darkRoomOnline(goals, { episodes: 2, seed: 3 });
  assert.equal(returns.length, 2);
  for (let e = 0; e < 2; e++) {
    goals.forEach((goal, g) => {
      const path = paths[e][g];
      assert.equal(path.length, 16);
      assert.deepEqual(path[0], [0, 0]);
      let onGoal = 0;
      for (let t = 1; t < path.length; t++) {
        const [dx, dy] = [path[t][0] - path[t - 1][0], path[t][1] - path[t - 1][1]];
        assert.ok(Math.abs(dx) + Math.abs(dy) <= 1 && path[t].every((v) => v >= 0 && v <= 9));
        if (path[t][0] === goal[0] && path[t][1] === goal[1]) onGoal++;
      }
      assert.equal(returns[e][g], onGoal);
    });
  }
  await assert.rejects(async () => await DPT.preset("bandit/fast", tiny).darkRoomOnline(goals), /pretrained on bandit; use a "darkRoom" preset/);
  dpt.dispose();
});

test("linear-bandit DPT: 10 arms from the family's shared features; plays the linear preset", async () => {
  await backend("wasm");
  const dpt = DPT.preset("linearBandit/fast", tiny);
  assert.equal(dpt.config.numActions, 10);
  const d = dpt.generateData({ tasks: 30, seed: 1 });
  assert.ok(d.labels.every((a) => a >= 0 && a < 10));
  // Labels spread over several arms (theta varies per task; features are shared).
  assert.ok(new Set(d.labels).size >= 4);
  await dpt.pretrain({ data: d, steps: 2 });
  const tasks = sampleBanditTasks(dpt.banditFamily(), { tasks: 3, seed: 2, horizon: 12 });
  const r = await simulateBandit(dpt.banditPolicy(), tasks, { seed: 1 });
  assert.equal(r.meanRegret.length, 12);
  dpt.dispose();
});

test("pretraining runs through train(): gradient steps as timesteps, loss records, Stop, more training resumes", async () => {
  await backend("wasm");
  const dpt = DPT.preset("bandit/fast", { ...tiny, updatesPerIteration: 2 });
  // Every record of train() is one iteration of 2 gradient steps, with the update's statistics.
  const hist = await dpt.pretrain({ steps: 6 });
  assert.deepEqual(hist.map((r) => r.step), [2, 4, 6]);
  for (const r of hist) {
    assert.ok(Number.isFinite(r.loss) && r.loss! > 0, `loss ${r.loss}`);
    assert.ok(r.accuracy! >= 0 && r.accuracy! <= 1);
    assert.ok(r.tokensPerSecond! > 0);
  }
  // The plain train() call works the same, continuing from step 6; a callback's "stop" ends it.
  const run = train(dpt, { steps: 100, callbacks: (r) => (r.step >= 10 ? "stop" : undefined) });
  const more = await run;
  assert.equal(run.stopReason, "callback");
  assert.deepEqual(more.map((r) => r.step), [8, 10]);
  assert.equal(dpt.numTimesteps, 10);
  // An AbortSignal stops it before the first iteration.
  const ac = new AbortController();
  ac.abort();
  assert.equal((await dpt.pretrain({ steps: 50, signal: ac.signal })).length, 0);
  // It acts in context only: a single-observation act names the deployment to use.
  assert.throws(() => dpt.act(0), /DPT acts in context.*dpt\.banditPolicy\(\)/);
  dpt.dispose();
});

/**
 * P(arm a is best | history) for means ~ U(0, 1), by a second method: self-normalised importance
 * sampling of the means from the prior, weighted by the Gaussian likelihood of the history.
 */
function monteCarloOptimalArm(A: number, variance: number, history: [number, number][], samples: number, rng: Rng): number[] {
  const w = new Array(A).fill(0);
  let total = 0;
  for (let i = 0; i < samples; i++) {
    const m = Array.from({ length: A }, () => rng.random());
    let lw = 0;
    for (const [a, r] of history) lw -= (r - m[a]) ** 2 / (2 * variance);
    const wt = Math.exp(lw);
    total += wt;
    w[m.indexOf(Math.max(...m))] += wt;
  }
  return w.map((x) => x / total);
}

test("label \"posterior\": P(a* | first j pulls) matches importance sampling; targets ride along the batch", async () => {
  // The grid posterior against importance sampling (200,000 draws: standard error < 0.002 here).
  const rng = new Rng(5);
  const history: [number, number][] = [[0, 0.7], [1, 0.2], [0, 0.9], [2, 0.5], [1, 0.4], [2, 0.8], [0, 0.3]];
  const post = new OptimalArmPosterior(3, 0.3);
  const mc = monteCarloOptimalArm(3, 0.3, history, 200_000, rng);
  for (const [a, r] of history) post.observe(a, r);
  const p = new Float64Array(3);
  post.probabilities(p);
  p.forEach((v, a) => assert.ok(Math.abs(v - mc[a]) < 0.01, `arm ${a}: grid ${v} vs importance sampling ${mc[a]}`));
  // No data: every arm equally likely (symmetry); after reset, the same.
  post.reset();
  post.probabilities(p);
  p.forEach((v) => assert.ok(Math.abs(v - 1 / 3) < 1e-9));
  assert.throws(() => post.observe(3, 0), /arm 3 is not one of the 3 arms/);

  // In a DPT batch, position j's target is the posterior after the sequence's first j pulls.
  const dpt = DPT.preset("bandit/fast", { ...tiny, label: "posterior" });
  (dpt as unknown as { data: unknown }).data = dpt.generateData({ tasks: 20, seed: 9 });
  const batch = (dpt as unknown as { nextBatch(): { tokens: Float32Array; targets: Float32Array; labels: Int32Array } }).nextBatch();
  const A = 5;
  const T = 13;
  const F = dpt.tokenDim;
  const seq = 3;
  const hist: [number, number][] = [];
  for (let j = 0; j < T; j++) {
    if (j > 0) {
      const o = (seq * T + j) * F;
      const a = [...batch.tokens.subarray(o + 1, o + 1 + A)].indexOf(1);
      hist.push([a, batch.tokens[o + 2 + A + a]]);
    }
    if (j % 6 !== 0) continue;
    const want = monteCarloOptimalArm(A, 0.3, hist, 100_000, rng);
    const got = [...batch.targets.subarray((seq * T + j) * A, (seq * T + j + 1) * A)];
    got.forEach((v, a) => assert.ok(Math.abs(v - want[a]) < 0.015, `position ${j}, arm ${a}: target ${v} vs ${want[a]}`));
  }
  await backend("wasm");
  const [loss] = await dpt.model.trainStep(batch as never);
  assert.ok(Number.isFinite(loss) && loss > 0);
  dpt.dispose();
  assert.throws(() => DPT.preset("darkRoom/fast", { label: "posterior" }), /label "posterior" is for the Gaussian bandit/);
  assert.throws(() => DPT.preset("bandit/fast", { label: "best" as never }), /config.label must be "optimalArm"/);
});

test("fastMatMul: the same outputs and gradients as tfjs's own dense layers", async () => {
  await backend("wasm");
  const make = (fastMatMul: boolean) => new CausalTransformer({ inputDim: 7, outputDim: 5, dModel: 16, nHeads: 2, nLayers: 2, maxLength: 9, fastMatMul, rng: 3 });
  const plain = make(false);
  const fast = make(true);
  const x = tf.randomNormal([4, 9, 7], 0, 1, "float32", 1);
  const y = tf.randomNormal([4, 9, 5], 0, 1, "float32", 2);
  const loss = (net: CausalTransformer) => () => tf.sum(tf.mul(net.apply(x), y)) as tf.Scalar;
  for (let round = 0; round < 2; round++) {
    const a = tf.variableGrads(loss(plain), plain.variables);
    const b = tf.variableGrads(loss(fast), fast.variables);
    assert.ok(Math.abs((await a.value.data())[0] - (await b.value.data())[0]) < 1e-4);
    for (let i = 0; i < plain.variables.length; i++) {
      const ga = await a.grads[plain.variables[i].name].data();
      const gb = await b.grads[fast.variables[i].name].data();
      const scale = Math.max(1e-3, ...Array.from(ga, Math.abs));
      ga.forEach((v, k) => assert.ok(Math.abs(v - gb[k]) < 1e-4 * scale + 1e-6, `${plain.variables[i].name}[${k}]: ${v} vs ${gb[k]}`));
    }
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    // Second round after an identical change of both nets' weights (not only the initialisation).
    const w = await plain.getWeights();
    const moved = w.map((arr) => arr.map((v, k) => v + 0.05 * Math.sin(k + 1)));
    plain.setWeights(moved);
    fast.setWeights(moved);
  }
  tf.dispose([x, y]);
  plain.dispose();
  fast.dispose();
});
