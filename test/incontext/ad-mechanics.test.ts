/**
 * Algorithm Distillation's plumbing: the source learning histories (checked against rlbook's
 * DarkRoomEnv, the reference semantics of the room, by replaying their actions), pretraining
 * through train(), in-context deployment, checkpoints and errors. The learning result is in
 * ad-darkroom.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AD, ConfigError, DPT, DarkRoomEnv, backend, qLearningHistories, train } from "../../src/index.js";

const tiny = { model: { dModel: 16, nLayers: 1, nHeads: 1 }, batchSize: 4, historiesPerGoal: 1, sourceEpisodes: 4, updatesPerIteration: 2 };
const room = { size: 5, goal: [0, 0] as [number, number], start: "center" as const, rewardMode: "every" as const, terminateOnGoal: false, horizon: 10 };

test("source histories replay exactly in DarkRoomEnv, and the Q-learner's return rises", () => {
  const goals: [number, number][] = [[0, 0], [4, 1], [2, 4], [3, 3]];
  const hs = qLearningHistories(goals, { room, episodes: 30, config: { epsilon: 0.05, lr: 1, replaySweeps: 10 }, seed: 3 });
  for (const h of hs) {
    assert.equal(h.actions.length, 30 * 10);
    // Replaying the recorded actions in a fresh env gives the recorded cells and rewards.
    const env = new DarkRoomEnv({ ...room, goal: h.goal });
    let ret = 0;
    let e = -1;
    let o = env.reset().obs;
    for (let i = 0; i < h.actions.length; i++) {
      if (h.episodeStart[i]) {
        if (e >= 0) assert.equal(ret, h.episodeReturns[e]);
        o = env.reset().obs;
        ret = 0;
        e++;
      }
      assert.deepEqual([h.obs[2 * i], h.obs[2 * i + 1]], [o[0], o[1]], `step ${i}`);
      const r = env.step(h.actions[i]);
      assert.equal(r.reward, h.rewards[i]);
      ret += r.reward;
      o = r.obs;
    }
    assert.equal(e, 29);
  }
  // Learning: the last 10 episodes pay more than the first 3 (a 5 x 5 room, goal found early).
  const mean = (from: number, to: number) => hs.reduce((s, h) => s + h.episodeReturns.slice(from, to).reduce((a, b) => a + b, 0) / (to - from), 0) / hs.length;
  assert.ok(mean(20, 30) > mean(0, 3) + 2, `first 3 episodes ${mean(0, 3)}, last 10 ${mean(20, 30)}`);
  assert.throws(() => qLearningHistories(goals, { room, episodes: 3, config: { gamma: 2 } }), /config.gamma must be in \[0, 1\], got 2/);
});

test("AD pretrains through train(), deploys in context on held-out goals, and checkpoints", async () => {
  await backend("wasm");
  const ad = AD.preset("darkRoom/fast", tiny);
  assert.equal(ad.goals.train.length, 20);
  assert.equal(ad.goals.test.length, 5);
  assert.equal(ad.window, ad.config.contextEpisodes * ad.config.episodeLength);
  const hist = await train(ad, { steps: 4 });
  assert.deepEqual(hist.map((r) => r.step), [2, 4]);
  assert.ok(hist.every((r) => r.loss! > 0 && r.accuracy! >= 0 && r.accuracy! <= 1));
  assert.equal(ad.sourceHistories().length, 20);
  // Deployment: legal paths from the start, return = steps that end on the goal.
  const res = await ad.inContext(ad.goals.test, { episodes: 3, seed: 4 });
  assert.equal(res.returns.length, 3);
  res.paths.forEach((ep, e) =>
    ep.forEach((p, g) => {
      assert.equal(p.length, ad.config.episodeLength + 1);
      assert.deepEqual(p[0], [2, 2]);
      for (let t = 1; t < p.length; t++) assert.ok(Math.abs(p[t][0] - p[t - 1][0]) + Math.abs(p[t][1] - p[t - 1][1]) <= 1);
      const goal = ad.goals.test[g];
      assert.equal(res.returns[e][g], p.slice(1).filter(([x, y]) => x === goal[0] && y === goal[1]).length);
    }),
  );
  // Playback frames: one per cell visited, the caption's return matching the result's.
  const pb = ad.playback(res, 1, [0, 2]);
  assert.equal(pb.frames.length, 2 * (ad.config.episodeLength + 1));
  assert.ok(pb.frames.every((f) => f.startsWith("<svg")));
  assert.match(pb.frames[pb.frames.length - 1], new RegExp(`episode 3, step 10, return ${res.returns[2][1]}<`));
  assert.throws(() => ad.playback(res, 7), /task 7 is not one of the result's 5 tasks/);
  // Checkpoint: the loaded model plays the same (greedy, same seed).
  const dir = path.join(await mkdtemp(path.join(tmpdir(), "ad-")), "ck");
  await ad.save(dir);
  const back = await AD.load(dir);
  assert.deepEqual(back.config, ad.config);
  assert.equal(back.numTimesteps, 4);
  const g1 = await ad.inContext(ad.goals.test, { episodes: 2, seed: 9, greedy: true });
  const g2 = await back.inContext(ad.goals.test, { episodes: 2, seed: 9, greedy: true });
  assert.deepEqual(g2.paths, g1.paths);
  await assert.rejects(DPT.load(dir), /holds a AD model, not DPT; load it with AD.load/);
  ad.dispose();
  back.dispose();
});

test("AD: bad input names the thing and the fix", async () => {
  assert.throws(() => AD.preset("darkroom"), /AD preset "darkroom" does not exist; presets are "darkRoom", "darkRoom\/fast"/);
  assert.throws(() => new AD({ contextEpisodes: 0 }), (e: unknown) => e instanceof ConfigError && e.field === "contextEpisodes");
  assert.throws(() => new AD({ window: 3 } as never), /window = 3 is invalid; accepted values: a known AD option/);
  assert.throws(() => new AD({ sourceEpisodes: 2, contextEpisodes: 4 }), /sourceEpisodes = 2 is invalid; accepted values: at least contextEpisodes \(4\)/);
  assert.throws(() => new AD({ model: { dModel: 30, nLayers: 1, nHeads: 4 } }), /dModel divisible by nHeads/);
  const ad = AD.preset("darkRoom/fast", tiny);
  await assert.rejects(ad.inContext(ad.goals.test, { episodes: 0 }), /AD.inContext: episodes must be a positive integer, got 0/);
  await assert.rejects(ad.inContext([], { episodes: 1 }), /no goals given/);
  assert.throws(() => ad.act(0), /AD acts in context.*ad\.inContext\(goals, \{episodes\}\)/);
  ad.dispose();
});
