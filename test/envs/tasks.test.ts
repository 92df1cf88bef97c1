/** Grid worlds, bandits, meta-RL task families and goal-conditioned envs. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BANDIT_PRESETS,
  BernoulliBanditEnv,
  BitFlippingEnv,
  CartPoleEnv,
  DarkKeyToDoorEnv,
  DarkRoomEnv,
  DARK_ROOM_HARD,
  GaussianBanditEnv,
  LinearBanditEnv,
  Navigation2DEnv,
  Reach2DEnv,
  Rng,
  VelocityTargetEnv,
  bernoulliBanditFamily,
  cartPoleFamily,
  darkKeyToDoorFamily,
  darkRoomFamily,
  gaussianBanditFamily,
  linearBanditFamily,
  make,
  makeTaskVector,
  navigation2DFamily,
  velocityTargetFamily,
  type Env,
  type GridPos,
  type StepResult,
} from "../../src/index.js";

const RIGHT = 0, LEFT = 1, DOWN = 2, UP = 3, STAY = 4;

/** Actions that walk from `from` to `to` (x first). */
function path(from: GridPos, to: GridPos): number[] {
  const out: number[] = [];
  for (let x = from[0]; x !== to[0]; x += Math.sign(to[0] - x)) out.push(to[0] > x ? RIGHT : LEFT);
  for (let y = from[1]; y !== to[1]; y += Math.sign(to[1] - y)) out.push(to[1] > y ? DOWN : UP);
  return out;
}

function run(env: Env, actions: number[]): StepResult<unknown>[] {
  return actions.map((a) => env.step(a));
}

describe("Dark Room (AD)", () => {
  test("9x9, starts at the centre, obs is the agent's (x, y) only, 5 actions, walls stop the agent", () => {
    const env = make("DarkRoom-v0", { params: { goal: [2, 7] } });
    const r = env.reset({ seed: 0 });
    assert.deepEqual(Array.from(r.obs as Int32Array), [4, 4]);
    assert.equal(env.actionSpace.toString(), "Discrete(5)");
    assert.equal(env.observationSpace.toString(), "Box(0.0, 8.0, (2,), int32)");
    const steps = run(env, [UP, UP, UP, UP, UP, LEFT, RIGHT, STAY]);
    assert.deepEqual(Array.from(steps[4].obs as Int32Array), [4, 0], "the wall at y = 0");
    assert.deepEqual(Array.from(steps[7].obs as Int32Array), [4, 0]);
    assert.ok(steps.every((s) => s.reward === 0));
  });

  test("reward 1 on every step at the goal; 20-step episodes; the optimal return is 20 - distance + 1", () => {
    const goal: GridPos = [1, 6];
    const env = make("DarkRoom-v0", { params: { goal } });
    env.reset({ seed: 0 });
    const to = path([4, 4], goal);
    const acts = [...to, ...new Array(20 - to.length).fill(STAY)];
    const steps = run(env, acts);
    const ret = steps.reduce((s, x) => s + x.reward, 0);
    assert.equal(ret, 20 - 5 + 1, "5 moves, then at the goal from step 5 to step 20");
    assert.equal(steps[19].truncated, true);
    assert.ok(steps.every((s) => !s.terminated));
    assert.throws(() => env.step(STAY), /episode is over/);
    // leaving and re-entering the goal pays again
    env.reset();
    const again = run(env, [...to, RIGHT, LEFT]);
    assert.deepEqual(again.map((s) => s.reward).slice(-3), [1, 0, 1]);
  });

  test("DPT variant: 10x10, starts at (0, 0), horizon 100", () => {
    const env = make("DarkRoomDPT-v0", { params: { goal: [3, 2] } });
    assert.deepEqual(Array.from(env.reset({ seed: 0 }).obs as Int32Array), [0, 0]);
    assert.equal(env.spec?.maxEpisodeSteps, 100);
    const steps = run(env, [...path([0, 0], [3, 2]), ...new Array(95).fill(STAY)]);
    assert.equal(steps.reduce((s, x) => s + x.reward, 0), 96);
    assert.equal(steps[99].truncated, true);
    assert.equal(env.observationSpace.toString(), "Box(0.0, 9.0, (2,), int32)");
  });

  test("Dark Room Hard: 17x17, reward exactly once, ends at the goal", () => {
    const env = make("DarkRoomHard-v0", { params: { goal: [10, 5] } });
    assert.deepEqual(Array.from(env.reset({ seed: 0 }).obs as Int32Array), [8, 8]);
    const steps = run(env, path([8, 8], [10, 5]));
    assert.deepEqual(steps.map((s) => s.reward), [0, 0, 0, 0, 1]);
    assert.equal(steps[4].terminated, true);
    assert.equal(env.spec?.maxEpisodeSteps, DARK_ROOM_HARD.horizon);
    const far = make("DarkRoomHard-v0", { params: { goal: [0, 0] } });
    far.reset();
    const miss = run(far, new Array(20).fill(RIGHT));
    assert.equal(miss[19].truncated, true);
    assert.ok(miss.every((s) => s.reward === 0));
  });

  test("goal is a param: invalid goals are refused; the goal is drawn in the frame", () => {
    assert.throws(() => new DarkRoomEnv({ goal: [9, 0] }), /goal must be \[x, y\] with integers in \[0, 8\]/);
    const env = new DarkRoomEnv({ goal: [0, 0] });
    env.reset({ seed: 0 });
    assert.match(env.render(), />G</);
  });
});

describe("Dark Key-to-Door (AD)", () => {
  test("key then door: reward 1 for the key once, 1 for the door, then terminated; door first pays nothing", () => {
    const key: GridPos = [2, 2];
    const door: GridPos = [6, 3];
    const env = make("DarkKeyToDoor-v0", { params: { key, door } });
    assert.equal(env.spec?.maxEpisodeSteps, 50);
    env.reset({ seed: 0 });
    const toDoorFirst = run(env, path([4, 4], door));
    assert.ok(toDoorFirst.every((s) => s.reward === 0 && !s.terminated), "the door is shut without the key");
    const toKey = run(env, [...path(door, key), RIGHT, LEFT]);
    assert.deepEqual(toKey.map((s) => s.reward).slice(-3), [1, 0, 0], "the key pays once");
    const toDoor = run(env, path(key, door));
    assert.equal(toDoor[toDoor.length - 1].reward, 1);
    assert.equal(toDoor[toDoor.length - 1].terminated, true);
    const total = [...toDoorFirst, ...toKey, ...toDoor].reduce((s, x) => s + x.reward, 0);
    assert.equal(total, 2);
  });

  test("50-step episodes; random start draws from the env's generator", () => {
    const env = new DarkKeyToDoorEnv({ key: [0, 0], door: [8, 8], start: "random" });
    const a = env.reset({ seed: 3 }).obs;
    const b = env.reset({ seed: 3 }).obs;
    assert.deepEqual(a, b);
    const starts = new Set<string>();
    for (let s = 0; s < 30; s++) starts.add(Array.from(env.reset({ seed: s }).obs).join());
    assert.ok(starts.size > 10);
    const timed = make("DarkKeyToDoor-v0");
    timed.reset({ seed: 0 });
    const steps = run(timed, new Array(50).fill(STAY));
    assert.equal(steps[49].truncated, true);
  });
});

describe("bandits", () => {
  test("Bernoulli: empirical means match probs; info reports expected reward, optimum and regret", () => {
    const env = new BernoulliBanditEnv({ probs: [0.2, 0.7, 0.5] });
    env.reset({ seed: 0 });
    assert.equal(env.optimalArm, 1);
    assert.equal(env.optimalExpectedReward, 0.7);
    const n = 6000;
    for (let arm = 0; arm < 3; arm++) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const r = env.step(arm);
        assert.ok(r.reward === 0 || r.reward === 1);
        s += r.reward;
        assert.equal(r.info.expectedReward, [0.2, 0.7, 0.5][arm]);
        assert.ok(Math.abs((r.info.regret as number) - (0.7 - [0.2, 0.7, 0.5][arm])) < 1e-15);
      }
      assert.ok(Math.abs(s / n - [0.2, 0.7, 0.5][arm]) < 0.025, `arm ${arm}: ${s / n}`);
    }
  });

  test("Gaussian: mean and variance of rewards", () => {
    const env = new GaussianBanditEnv({ means: [0.1, 0.9], noiseVariance: 0.3 });
    env.reset({ seed: 1 });
    const xs = Array.from({ length: 20000 }, () => env.step(1).reward);
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    assert.ok(Math.abs(m - 0.9) < 0.02, `mean ${m}`);
    assert.ok(Math.abs(v - 0.3) < 0.02, `variance ${v}`);
  });

  test("linear: expected reward is <x_a, theta>; contextual features change every pull", () => {
    const arms = [[1, 0], [0, 1], [0.6, 0.6]];
    const env = new LinearBanditEnv({ theta: [0.5, 1], arms, noiseVariance: 0 });
    const r0 = env.reset({ seed: 0 });
    assert.deepEqual(Array.from(r0.obs), [1, 0, 0, 1, 0.6, 0.6].map(Math.fround));
    assert.deepEqual([0, 1, 2].map((a) => env.expectedReward(a)), [0.5, 1, 0.8999999999999999]);
    assert.equal(env.optimalArm, 1);
    assert.equal(env.step(2).reward, env.expectedReward(2), "no noise: the reward is the mean");
    const ctx = new LinearBanditEnv({ theta: [1, -1, 0.5], numArms: 4, contextual: true, noiseVariance: 0.1 });
    const o0 = ctx.reset({ seed: 2 }).obs;
    assert.deepEqual(ctx.observationSpace.shape, [4, 3]);
    const best = ctx.optimalExpectedReward;
    let manual = -Infinity;
    for (let a = 0; a < 4; a++) manual = Math.max(manual, o0[3 * a] * 1 - o0[3 * a + 1] + 0.5 * o0[3 * a + 2]);
    assert.ok(Math.abs(best - manual) < 1e-6, "the optimum is computed from the features shown before the pull");
    const s = ctx.step(0);
    assert.ok(Math.abs((s.info.optimalExpectedReward as number) - best) < 1e-12);
    assert.notDeepEqual(s.obs, o0);
  });

  test("DPT presets: 5 arms / 500 pulls / variance 0.3; linear 10 arms, d = 2, 200 pulls", () => {
    assert.deepEqual({ ...BANDIT_PRESETS.dpt }, { arms: 5, horizon: 500, noiseVariance: 0.3 });
    assert.deepEqual({ ...BANDIT_PRESETS.dptLinear }, { arms: 10, dim: 2, horizon: 200, noiseVariance: 0.3 });
    const b = make("DPT-Bandit-v0", { taskSeed: 4 });
    assert.equal(b.actionSpace.toString(), "Discrete(5)");
    assert.equal(b.spec?.maxEpisodeSteps, 500);
    const l = make("DPT-LinearBandit-v0");
    assert.equal(l.actionSpace.toString(), "Discrete(10)");
    assert.deepEqual(l.observationSpace.shape, [10, 2]);
    assert.equal(l.spec?.maxEpisodeSteps, 200);
    // cumulative regret of a uniformly random policy grows linearly; of the optimal arm stays 0
    b.reset({ seed: 0 });
    const inner = b.unwrapped as GaussianBanditEnv;
    let regretOpt = 0;
    let pulls = 0;
    let r;
    do {
      r = b.step(inner.optimalArm);
      regretOpt += r.info.regret as number;
      pulls++;
    } while (!r.truncated);
    assert.equal(pulls, 500);
    assert.equal(regretOpt, 0);
    // different task seeds give different tasks; the same seed the same task
    const means = (seed: number): readonly number[] => (make("DPT-Bandit-v0", { taskSeed: seed }).unwrapped as GaussianBanditEnv).params.means;
    assert.deepEqual(means(1), means(1));
    assert.notDeepEqual(means(1), means(2));
  });
});

describe("task families", () => {
  test("2D navigation: goals uniform in [-0.5, 0.5]^2; reward -distance; terminates within 0.01 of the goal", () => {
    const fam = navigation2DFamily();
    const rng = new Rng(0);
    const goals = Array.from({ length: 2000 }, () => fam.sample(rng).goal);
    assert.ok(goals.every(([x, y]) => x >= -0.5 && x < 0.5 && y >= -0.5 && y < 0.5));
    const mx = goals.reduce((s, g) => s + g[0], 0) / goals.length;
    assert.ok(Math.abs(mx) < 0.03);
    const env = make(fam, { goal: [0.15, -0.1] });
    assert.equal(env.spec?.maxEpisodeSteps, 100);
    env.reset({ seed: 0 });
    let r = env.step([0.1, -0.1]);
    assert.ok(Math.abs(r.reward - -Math.hypot(0.05, 0)) < 1e-6);
    r = env.step([0.05, 0]);
    assert.equal(r.terminated, true);
    assert.ok(new Navigation2DEnv().actionSpace.contains([0.1, -0.1]));
  });

  test("CartPole family varies the pole; the physics follows the params", () => {
    const fam = cartPoleFamily();
    const rng = new Rng(1);
    const ps = Array.from({ length: 100 }, () => fam.sample(rng));
    assert.ok(ps.every((p) => p.length >= 0.25 && p.length < 1 && p.masspole >= 0.05 && p.masspole < 0.5));
    const short = make(fam, { ...ps[0], length: 0.25 }).unwrapped as CartPoleEnv;
    const long = make(fam, { ...ps[0], length: 1.0 }).unwrapped as CartPoleEnv;
    short.state = [0, 0, 0.1, 0];
    long.state = [0, 0, 0.1, 0];
    const a = short.step(0);
    const b = long.step(0);
    assert.ok(a.obs[3] > b.obs[3], "a shorter pole falls faster");
  });

  test("velocity target: targets uniform in [0, 2]; reward -|v - target| - 0.05 a^2", () => {
    const fam = velocityTargetFamily();
    const rng = new Rng(2);
    const ts = Array.from({ length: 500 }, () => fam.sample(rng).targetVelocity);
    assert.ok(ts.every((t) => t >= 0 && t < 2) && Math.max(...ts) > 1.9 && Math.min(...ts) < 0.1);
    const env = new VelocityTargetEnv({ targetVelocity: 1 });
    env.reset({ seed: 0 });
    let r: StepResult<Float32Array> | undefined;
    for (let t = 0; t < 200; t++) r = env.step([0.25]);
    assert.ok(Math.abs(env.state[1] - 1) < 1e-3, "constant force a settles at velocity 4a");
    assert.ok(Math.abs(r!.reward - -(Math.abs(env.state[1] - 1) + 0.05 * 0.0625)) < 1e-9);
    assert.equal(make(fam, { targetVelocity: 0.5 }).spec?.maxEpisodeSteps, 200);
  });

  test("Dark Room family: uniform goals, all tasks listable, per-task vector env", () => {
    const fam = darkRoomFamily();
    assert.equal(fam.tasks!().length, 81);
    const rng = new Rng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(fam.sample(rng).goal.join());
    assert.equal(seen.size, 81);
    const tasks = fam.tasks!().slice(0, 4);
    const vec = makeTaskVector(fam, tasks);
    vec.reset({ seed: 0 });
    // env 0's goal is (0, 0): walking up-left from the centre reaches it after 8 steps
    let got = 0;
    for (let t = 0; t < 8; t++) got = vec.step(t % 2 === 0 ? [LEFT, LEFT, LEFT, LEFT] : [UP, UP, UP, UP]).reward[0];
    assert.equal(got, 1);
    const k2d = darkKeyToDoorFamily().sample(new Rng(4));
    assert.equal(k2d.size, 9);
  });

  test("bandit families sample DPT-style tasks; linear arms are shared across tasks", () => {
    const g = gaussianBanditFamily().sample(new Rng(5));
    assert.equal(g.means.length, 5);
    assert.ok(g.means.every((m) => m >= 0 && m < 1));
    const b = bernoulliBanditFamily({ arms: 3 }).sample(new Rng(5));
    assert.equal(b.probs.length, 3);
    const lf = linearBanditFamily();
    const t1 = lf.sample(new Rng(6));
    const t2 = lf.sample(new Rng(7));
    assert.deepEqual(t1.arms, t2.arms);
    assert.notDeepEqual(t1.theta, t2.theta);
    assert.equal(t1.arms!.length, 10);
    assert.equal(t1.theta.length, 2);
  });

  test("sampling is reproducible from the rng", () => {
    const fam = navigation2DFamily();
    assert.deepEqual(fam.sample(new Rng(9)), fam.sample(new Rng(9)));
  });
});

describe("goal-conditioned envs (HER)", () => {
  test("bit flipping: flips bits, reward 0 only at the goal, terminates on success, n-step episodes", () => {
    const env = new BitFlippingEnv(6);
    const r = env.reset({ seed: 1 });
    assert.deepEqual(r.obs.observation, r.obs.achievedGoal);
    const diff = Array.from(r.obs.achievedGoal).flatMap((b, i) => (b !== r.obs.desiredGoal[i] ? [i] : []));
    let last: StepResult<unknown> | undefined;
    for (const i of diff) {
      last = env.step(i);
      assert.equal((last.obs as { achievedGoal: Int8Array }).achievedGoal[i], r.obs.desiredGoal[i]);
    }
    if (diff.length > 0) {
      assert.equal(last!.reward, 0);
      assert.equal(last!.terminated, true);
      assert.equal(last!.info.isSuccess, true);
    }
    assert.equal(env.computeReward([1, 0, 1, 0, 0, 0], [1, 0, 1, 0, 0, 0]), 0);
    assert.equal(env.computeReward([1, 0, 1, 0, 0, 0], [1, 0, 1, 0, 0, 1]), -1);
    assert.deepEqual(Array.from(env.computeRewardBatch([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], 2)), [0, -1]);
    const timed = make("BitFlipping-v0", { n: 5 });
    assert.equal(timed.spec?.maxEpisodeSteps, 5);
  });

  test("bit flipping: the reward of every transition equals computeReward on its goals (relabelling is sound)", () => {
    const env = new BitFlippingEnv(8);
    env.reset({ seed: 2 });
    const rng = new Rng(0);
    for (let t = 0; t < 8; t++) {
      const s = env.step(rng.integer(8));
      assert.equal(s.reward, env.computeReward(s.obs.achievedGoal, s.obs.desiredGoal));
      if (s.terminated) break;
    }
  });

  test("2D reach: moves by 0.05 a, sparse reward within 0.05 of the goal, dense option", () => {
    const env = new Reach2DEnv();
    const r = env.reset({ seed: 3 });
    const g = r.obs.desiredGoal;
    let obs = r.obs;
    for (let t = 0; t < 50; t++) {
      const dx = g[0] - obs.achievedGoal[0];
      const dy = g[1] - obs.achievedGoal[1];
      const s = env.step([Math.max(-1, Math.min(1, dx / 0.05)), Math.max(-1, Math.min(1, dy / 0.05))]);
      obs = s.obs;
      assert.equal(s.reward, env.computeReward(s.obs.achievedGoal, s.obs.desiredGoal));
    }
    assert.equal(env.computeReward(obs.achievedGoal, g), 0, "a greedy controller reaches the goal");
    assert.equal(env.computeReward([0, 0], [0.1, 0]), -1);
    const dense = new Reach2DEnv({ rewardType: "dense" });
    assert.ok(Math.abs(dense.computeReward([0, 0], [0.3, 0.4]) - -0.5) < 1e-12);
    assert.equal(make("Reach2D-v0").spec?.maxEpisodeSteps, 50);
  });
});
