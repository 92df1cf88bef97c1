/**
 * Hindsight experience replay (buffers/her.ts) through the agents' `her` option.
 *
 * References: Andrychowicz et al. 2017 (HER), sec. 3.1 and Fig. 1: on bit flipping with n = 15
 * bits DQN with HER succeeds while DQN without it does not; the relabelling rules (future / final /
 * episode, k = nSampledGoal relabels per real transition) are SB3's HerReplayBuffer, checked here
 * against hand-made episodes whose achieved goals name their (episode, step).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { Rng } from "../../src/core/rng.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { HerReplayBuffer, type GoalSelectionStrategy } from "../../src/buffers/her.js";
import { DQN } from "../../src/algos/dqn.js";
import { SAC } from "../../src/algos/sac.js";
import { TD3 } from "../../src/algos/td3.js";
import { train } from "../../src/train/train.js";

/** Bit flipping's reward, written independently of the env: 0 when all bits match, else -1 (HER sec. 3.1). */
function bitReward(a: ArrayLike<number>, d: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== d[i]) return -1;
  return 0;
}

/**
 * Hand-made episodes: obs rows [achieved (2), desired (2), observation (1)]; the achieved goal
 * after step t of episode e is (e, t + 1); the desired goal is (-1, -1).
 */
function handMadeBuffer(strategy: GoalSelectionStrategy, lengths: number[], capacity = 1000): HerReplayBuffer {
  const buf = new HerReplayBuffer({
    capacity, obsDim: 5, actDim: 1, numEnvs: 1, nSampledGoal: 4, goalSelectionStrategy: strategy,
    layout: { achievedOffset: 0, desiredOffset: 2, goalDim: 2 },
    computeReward: (a, d, b) => Float64Array.from({ length: b }, (_, i) => (a[2 * i] === d[2 * i] && a[2 * i + 1] === d[2 * i + 1] ? 0 : -1)),
  });
  lengths.forEach((len, e) => {
    for (let t = 0; t < len; t++) buf.addStep(0, [e, t, -1, -1, 0], [t], -1, [e, t + 1, -1, -1, 0], false, t === len - 1, 0.99);
  });
  return buf;
}

test("HER relabelling: future / final / episode goals come from the right steps of the same episode, 4 of 5 rows relabelled", () => {
  const lengths = [5, 8, 3, 6];
  for (const strategy of ["future", "final", "episode"] as const) {
    const buf = handMadeBuffer(strategy, lengths);
    const b = buf.sample(500, new Rng(3));
    const nVirtual = Math.floor((1 - 1 / 5) * 500); // SB3: her_ratio = 1 - 1 / (n_sampled_goal + 1)
    const futureHits = new Map<string, number>();
    for (let k = 0; k < 500; k++) {
      const e = b.obs[k * 5];
      const t = b.obs[k * 5 + 1];
      const goal = [b.obs[k * 5 + 2], b.obs[k * 5 + 3]];
      assert.deepEqual([b.nextObs[k * 5 + 2], b.nextObs[k * 5 + 3]], goal, "obs and next obs carry the same goal");
      assert.equal(b.actions[k], t);
      if (k < 500 - nVirtual) {
        assert.deepEqual(goal, [-1, -1], "real rows keep their goal");
        assert.equal(b.rewards[k], -1);
        continue;
      }
      assert.equal(goal[0], e, "the goal comes from the same episode");
      const gStep = goal[1] - 1; // achieved goal (e, t' + 1) is the one after step t'
      const len = lengths[e];
      if (strategy === "future") assert.ok(gStep >= t && gStep < len, `future goal step ${gStep} in [${t}, ${len})`);
      if (strategy === "final") assert.equal(gStep, len - 1);
      if (strategy === "episode") assert.ok(gStep >= 0 && gStep < len);
      assert.equal(b.rewards[k], gStep === t ? 0 : -1, "reward recomputed for the new goal");
      if (strategy === "future" && e === 1 && t === 2) futureHits.set(String(gStep), (futureHits.get(String(gStep)) ?? 0) + 1);
    }
    if (strategy === "future") assert.ok(futureHits.size >= 4, `future goals for (episode 1, step 2) spread over steps 2..7: ${[...futureHits.keys()]}`);
  }
});

test("HER buffer: running episodes are not sampled; overwriting a transition drops its whole episode", () => {
  const buf = handMadeBuffer("future", [4], 10);
  buf.addStep(0, [1, 0, -1, -1, 0], [0], -1, [1, 1, -1, -1, 0], false, false);
  assert.equal(buf.sampleableSize, 4, "the running episode is not sampleable");
  for (let t = 1; t < 7; t++) buf.addStep(0, [1, t, -1, -1, 0], [t], -1, [1, t + 1, -1, -1, 0], false, t === 6);
  // Episode 1 (7 steps) wrapped onto slot 0 of episode 0, so episode 0 is gone.
  assert.equal(buf.sampleableSize, 7);
  const b = buf.sample(200, new Rng(1));
  for (let k = 0; k < 200; k++) assert.equal(b.obs[k * 5], 1);
  assert.throws(() => buf.add(), /addStep/);
});

test("DQN with HER on BitFlipping: sampled rewards equal the bit-flipping reward recomputed in the test; checkpoints keep the buffer", async () => {
  const n = 6;
  const env = make("BitFlipping-v0", { numEnvs: 2, n }) as VectorEnv;
  const agent = new DQN(env, { seed: 4, learningStarts: 400, batchSize: 32, trainFreq: 4, her: { nSampledGoal: 4 } });
  await train(agent, { steps: 600 });
  assert.ok(agent.replay instanceof HerReplayBuffer);
  // Rows are the Dict's keys in sorted order: achievedGoal, desiredGoal, observation.
  const b = agent.replay.sample(256, new Rng(9));
  let relabelled = 0;
  for (let k = 0; k < 256; k++) {
    const row = (a: Float32Array, off: number) => a.subarray(k * 3 * n + off, k * 3 * n + off + n);
    assert.equal(b.rewards[k], bitReward(row(b.nextObs, 0), row(b.obs, n)), `row ${k}`);
    assert.deepEqual(row(b.nextObs, 2 * n), row(b.nextObs, 0), "observation = achieved goal in bit flipping");
    if (b.rewards[k] === 0) relabelled++;
  }
  assert.ok(relabelled > 30, `relabelling makes successes common (${relabelled} of 256)`);
  const dir = await mkdtemp(path.join(tmpdir(), "her-"));
  try {
    await agent.save(dir);
    const loaded = await DQN.load(dir, make("BitFlipping-v0", { numEnvs: 2, n }));
    const b1 = agent.replay.sample(64, new Rng(5));
    const b2 = loaded.replay.sample(64, new Rng(5));
    assert.deepEqual(b2.obs, b1.obs);
    assert.deepEqual(b2.rewards, b1.rewards);
    loaded.dispose();
  } finally {
    agent.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

/** Greedy success rate over `episodes` episodes (success = the env terminated, which bit flipping does only on success). */
function successRate(agent: DQN<number>, n: number, episodes: number): number {
  const ev = make("BitFlipping-v0", { numEnvs: 1, n }) as VectorEnv;
  let r = ev.reset({ seed: 1234 }).obs;
  let succ = 0;
  for (let e = 0; e < episodes; e++) {
    for (;;) {
      const s = ev.step(agent.actBatch(r, 1, true));
      if (s.terminated[0] || s.truncated[0]) {
        succ += s.terminated[0];
        r = ev.step(new Int32Array(1)).obs; // next-step autoreset: this step only resets
        break;
      }
      r = s.obs;
    }
  }
  return succ / episodes;
}

test("DQN + HER solves bit flipping with n = 15 bits; the same DQN without HER does not (HER Fig. 1)", async () => {
  const n = 15;
  // rlbook's small settings: HER's gamma 0.98 and soft target (tau 0.05), a 128-unit layer, 4 updates of 64 every 16 steps.
  const config = { seed: 0, learningRate: 1e-3, gamma: 0.98, bufferSize: 100_000, batchSize: 64, learningStarts: 256, trainFreq: 16, gradientSteps: 4, targetUpdateInterval: 16, tau: 0.05, explorationFraction: 0.2, explorationFinalEps: 0.1, netArch: [128] };
  const rates: Record<string, number> = {};
  for (const her of [{ nSampledGoal: 4, goalSelectionStrategy: "future" as const }, null]) {
    const agent = new DQN(make("BitFlipping-v0", { numEnvs: 1, n }), { ...config, her });
    await train(agent, { steps: 20_000 });
    rates[her ? "her" : "plain"] = successRate(agent, n, 100);
    agent.dispose();
  }
  assert.ok(rates.her >= 0.9, `DQN + HER success rate ${rates.her}`);
  assert.ok(rates.plain <= 0.05, `DQN without HER success rate ${rates.plain}`);
});

test("SAC and TD3 take HER on Reach2D: relabelled rewards match the sparse reach reward", async () => {
  for (const Algo of [SAC, TD3]) {
    const agent = new Algo(make("Reach2D-v0", { numEnvs: 2 }), { seed: 2, learningStarts: 150, batchSize: 32, netArch: [16], her: { goalSelectionStrategy: "final" } });
    await train(agent, { steps: 300 });
    const b = agent.replay.sample(100, new Rng(2));
    for (let k = 0; k < 100; k++) {
      // Rows: achievedGoal (2), desiredGoal (2), observation (2); sparse reward: 0 within 0.05 of the goal (Fetch's threshold).
      const d = Math.hypot(b.nextObs[k * 6] - b.obs[k * 6 + 2], b.nextObs[k * 6 + 1] - b.obs[k * 6 + 3]);
      assert.equal(b.rewards[k], d > 0.05 ? -1 : 0, `${Algo.name} row ${k}`);
    }
    agent.dispose();
  }
});

test("bad input: HER on an env without goals, HER with n-step or prioritized replay, an unknown strategy", () => {
  assert.throws(() => new DQN(make("CartPole-v1"), { her: {} }), /DQN with her: needs a goal-conditioned env whose observation space is a Dict/);
  assert.throws(() => new DQN(make("BitFlipping-v0"), { her: {}, nStep: 3 }), /nStep/);
  assert.throws(() => new DQN(make("BitFlipping-v0"), { her: {}, prioritized: true }), /prioritized/);
  assert.throws(() => new DQN(make("BitFlipping-v0"), { her: { goalSelectionStrategy: "past" as never } }), /goalSelectionStrategy one of future, final, episode/);
  assert.throws(() => new SAC(make("Reach2D-v0"), { her: { k: 4 } as never }), /unknown key "k"/);
});
