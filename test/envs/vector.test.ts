/**
 * Vector envs equal N single envs stepped in a loop, bit for bit: observations, rewards,
 * terminated and truncated, under Gymnasium 1.x next-step autoreset and under same-step autoreset
 * (final observations in info).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CartPoleVectorEnv,
  EpisodeStateError,
  InvalidActionError,
  RecordEpisodeStatistics,
  Rng,
  SyncVectorEnv,
  VectorRecordEpisodeStatistics,
  make,
  type Env,
  type VectorEnv,
} from "../../src/index.js";

type Policy = (obs: Float32Array, env: number, t: number) => ArrayLike<number>;

/** Reference: N single envs in a loop with the documented autoreset semantics. */
function loopReference(envs: Env[], seed: number, steps: number, policy: Policy, mode: "next-step" | "same-step", actDim: number) {
  const N = envs.length;
  const obsDim = envs[0].observationSpace.vecDim;
  const rows: { obs: Float32Array; reward: Float64Array; term: Uint8Array; trunc: Uint8Array; final: Float32Array; auto: Uint8Array }[] = [];
  const obs = new Float32Array(N * obsDim);
  envs.forEach((e, i) => e.observationSpace.writeVec(e.reset({ seed: seed + i }).obs, obs, i * obsDim));
  const needsReset = new Uint8Array(N);
  let prev = obs;
  for (let t = 0; t < steps; t++) {
    const o = new Float32Array(N * obsDim);
    const reward = new Float64Array(N);
    const term = new Uint8Array(N);
    const trunc = new Uint8Array(N);
    const final = new Float32Array(N * obsDim);
    const auto = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      const e = envs[i];
      if (mode === "next-step" && needsReset[i]) {
        e.observationSpace.writeVec(e.reset().obs, o, i * obsDim);
        needsReset[i] = 0;
        auto[i] = 1;
        continue;
      }
      const a = policy(prev.subarray(i * obsDim, (i + 1) * obsDim), i, t);
      const act = e.actionSpace.readVec(a, 0);
      const r = e.step(act);
      reward[i] = r.reward;
      term[i] = r.terminated ? 1 : 0;
      trunc[i] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) {
        if (mode === "next-step") needsReset[i] = 1;
        else {
          e.observationSpace.writeVec(r.obs, final, i * obsDim);
          e.observationSpace.writeVec(e.reset().obs, o, i * obsDim);
          continue;
        }
      }
      e.observationSpace.writeVec(r.obs, o, i * obsDim);
    }
    rows.push({ obs: o, reward, term, trunc, final, auto });
    prev = o;
  }
  return { first: obs, rows, actDim };
}

function assertBitEqual(a: Float32Array | Float64Array, b: Float32Array | Float64Array, where: string): void {
  assert.equal(a.length, b.length, `${where}: length`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${where}: [${i}] ${a[i]} !== ${b[i]}`);
}

/**
 * Runs the loop reference and the vector env on the same actions and checks them bit for bit.
 * `makePolicy` is called twice so that each side gets its own (identically seeded) policy; the
 * policy is not consulted for an env that is autoresetting (its action is ignored anyway).
 */
function compareVector(vec: VectorEnv, singles: Env[], seed: number, steps: number, makePolicy: () => Policy, mode: "next-step" | "same-step") {
  const N = vec.numEnvs;
  const ref = loopReference(singles, seed, steps, makePolicy(), mode, vec.actDim);
  const policy = makePolicy();
  let obs = vec.reset({ seed }).obs;
  assertBitEqual(obs, ref.first, "reset obs");
  let terminated = 0;
  let truncated = 0;
  for (let t = 0; t < steps; t++) {
    const e = ref.rows[t];
    const actions = new Float32Array(N * vec.actDim);
    for (let i = 0; i < N; i++) {
      if (mode === "next-step" && e.auto[i]) continue;
      actions.set(policy(obs.subarray(i * vec.obsDim, (i + 1) * vec.obsDim), i, t), i * vec.actDim);
    }
    const r = vec.step(actions);
    assertBitEqual(r.obs, e.obs, `step ${t} obs`);
    assertBitEqual(r.reward, e.reward, `step ${t} reward`);
    assert.deepEqual(r.terminated, e.term, `step ${t} terminated`);
    assert.deepEqual(r.truncated, e.trunc, `step ${t} truncated`);
    if (mode === "next-step") assert.deepEqual(r.info.autoreset, e.auto, `step ${t} autoreset`);
    else assertBitEqual(r.info.finalObs!, e.final, `step ${t} finalObs`);
    for (let i = 0; i < N; i++) {
      terminated += r.terminated[i];
      truncated += r.truncated[i];
    }
    obs = r.obs;
  }
  return { terminated, truncated };
}

const balance: Policy = (o) => [o[2] + 0.5 * o[3] > 0 ? 1 : 0];

describe("CartPole vector env equals N single envs, bit for bit", () => {
  for (const mode of ["next-step", "same-step"] as const) {
    test(`${mode} autoreset, terminations and truncations`, () => {
      const N = 8;
      // Half the envs act randomly (short episodes, terminations), half balance (truncated at 60).
      const makePolicy = (): Policy => {
        const rng = new Rng(99);
        return (o, i) => (i % 2 === 0 ? [rng.integer(2)] : balance(o, i, 0));
      };
      const vec = make("CartPole-v1", { numEnvs: N, autoreset: mode, maxEpisodeSteps: 60 });
      assert.ok(vec instanceof CartPoleVectorEnv, "CartPole has a dedicated vector env");
      const singles = Array.from({ length: N }, () => make("CartPole-v1", { maxEpisodeSteps: 60 }));
      const { terminated: terms, truncated: truncs } = compareVector(vec, singles, 5, 400, makePolicy, mode);
      assert.ok(terms > 20 && truncs > 10, `exercise both endings (terminated ${terms}, truncated ${truncs})`);
    });
  }

  test("next-step autoreset: the step after an ending resets with reward 0 and ignores the action", () => {
    const vec = make("CartPole-v1", { numEnvs: 1, maxEpisodeSteps: 3 });
    vec.reset({ seed: 1 });
    vec.step([1]);
    vec.step([1]);
    const end = vec.step([1]);
    assert.equal(end.truncated[0], 1);
    const next = vec.step([7]); // an invalid action is not even looked at
    assert.equal(next.info.autoreset![0], 1);
    assert.equal(next.reward[0], 0);
    assert.equal(next.terminated[0] | next.truncated[0], 0);
    const single = make("CartPole-v1");
    single.reset({ seed: 1 });
    for (let i = 0; i < 3; i++) single.step(1);
    // the autoreset observation continues the env's own generator, as env.reset() without a seed
    const again = single.reset().obs as Float32Array;
    assertBitEqual(next.obs, again, "autoreset obs");
  });

  test("sutton_barto_reward: 0 per step, -1 on termination, in the vector env as in the single env", () => {
    const makePolicy = (): Policy => {
      const rng = new Rng(4);
      return () => [rng.integer(2)];
    };
    const vec = make("CartPole-v1", { numEnvs: 3, suttonBartoReward: true });
    const singles = Array.from({ length: 3 }, () => make("CartPole-v1", { suttonBartoReward: true }));
    const { terminated } = compareVector(vec, singles, 0, 100, makePolicy, "next-step");
    assert.ok(terminated > 3);
    const single = make("CartPole-v1", { suttonBartoReward: true });
    single.reset({ seed: 0 });
    let r;
    do r = single.step(0);
    while (!r.terminated && (assert.equal(r.reward, 0), true));
    assert.equal(r.reward, -1);
  });

  test("per-env seeds: an array of seeds, and seed s gives env i the seed s + i", () => {
    const a = make("CartPole-v1", { numEnvs: 3 }).reset({ seed: [10, 11, 12] }).obs;
    const b = make("CartPole-v1", { numEnvs: 3 }).reset({ seed: 10 }).obs;
    assertBitEqual(a, b, "seeds");
    const c = make("CartPole-v1").reset({ seed: 12 }).obs as Float32Array;
    assertBitEqual(a.subarray(8, 12), c, "env 2");
    assert.throws(() => make("CartPole-v1", { numEnvs: 3 }).reset({ seed: [1, 2] }), /expected 3 seeds/);
  });

  test("the state is readable and assignable, N rows in Gymnasium's layout", () => {
    const vec = new CartPoleVectorEnv({ numEnvs: 2 });
    vec.state = [0, 0, 0, 0, 0.1, 0, 0, 0];
    const r = vec.step([1, 0]);
    assert.ok(Math.abs(vec.state[1] - (0.02 * 4400) / 451) < 1e-15);
    assert.equal(r.obs[4], Math.fround(0.1));
  });

  test("errors: step before reset, wrong number of actions, invalid action names the env", () => {
    const vec = make("CartPole-v1", { numEnvs: 4 });
    assert.throws(() => vec.step([0, 0, 0, 0]), EpisodeStateError);
    vec.reset({ seed: 0 });
    assert.throws(() => vec.step([0, 1]), (e: Error) => e instanceof InvalidActionError && /CartPole-v1/.test(e.message) && /expected 4 x 1 = 4 numbers, got 2/.test(e.message));
    assert.throws(() => vec.step([0, 1, 2, 0]), (e: Error) => /CartPole-v1 \(vector\), env 2/.test(e.message) && /Discrete\(2\)/.test(e.message) && /action 2/.test(e.message));
    assert.throws(() => vec.step([0, NaN, 1, 0]), /NaN/);
  });
});

describe("SyncVectorEnv equals N single envs, bit for bit", () => {
  const cases: { id: string; policy: (rng: Rng) => Policy; options?: Record<string, unknown> }[] = [
    { id: "Acrobot-v1", policy: (rng) => () => [rng.integer(3)], options: { maxEpisodeSteps: 40 } },
    { id: "Pendulum-v1", policy: (rng) => () => [Math.fround(rng.uniform(-2, 2))], options: { maxEpisodeSteps: 30 } },
    { id: "MountainCarContinuous-v0", policy: () => (o) => [o[1] >= 0 ? 1 : -1] },
    { id: "DarkRoom-v0", policy: (rng) => () => [rng.integer(5)] },
    { id: "DarkKeyToDoor-v0", policy: (rng) => () => [rng.integer(5)], options: { params: { key: [4, 3], door: [4, 5] } } },
  ];
  for (const c of cases) {
    for (const mode of ["next-step", "same-step"] as const) {
      test(`${c.id}, ${mode}`, () => {
        const N = 4;
        const vec = make(c.id, { ...c.options, numEnvs: N, autoreset: mode });
        assert.ok(vec instanceof SyncVectorEnv);
        const singles = Array.from({ length: N }, () => make(c.id, c.options));
        const { terminated, truncated } = compareVector(vec, singles, 21, 120, () => c.policy(new Rng(3)), mode);
        const dones = terminated + truncated;
        assert.ok(dones >= 4, `episodes should end during the test (got ${dones})`);
      });
    }
  }

  test("Dict observations are laid out in sorted key order; merged infos are per-env arrays", () => {
    const vec = make("BitFlipping-v0", { numEnvs: 2, n: 4 });
    assert.equal(vec.obsDim, 12);
    const r = vec.reset({ seed: 0 });
    const single = make("BitFlipping-v0", { n: 4 }).reset({ seed: 0 }).obs as Record<string, Int8Array>;
    assert.deepEqual(Array.from(r.obs.subarray(0, 12)), [...single.achievedGoal, ...single.desiredGoal, ...single.observation]);
    const s = vec.step([0, 1]);
    assert.ok(Array.isArray(s.info.isSuccess) && (s.info.isSuccess as unknown[]).length === 2);
  });
});

describe("VectorRecordEpisodeStatistics", () => {
  test("reports the same returns and lengths as single envs with RecordEpisodeStatistics", () => {
    const N = 3;
    const vec = new VectorRecordEpisodeStatistics(make("CartPole-v1", { numEnvs: N, maxEpisodeSteps: 30 }));
    const singles = Array.from({ length: N }, () => new RecordEpisodeStatistics(make("CartPole-v1", { maxEpisodeSteps: 30 })));
    const rngA = new Rng(8);
    const rngB = new Rng(8);
    vec.reset({ seed: 0 });
    singles.forEach((e, i) => e.reset({ seed: i }));
    const needs = new Uint8Array(N);
    const vecEpisodes: number[][] = [];
    const singleEpisodes: number[][] = [];
    for (let t = 0; t < 300; t++) {
      const actions = Array.from({ length: N }, () => rngA.integer(2));
      const r = vec.step(actions);
      const ep = r.info.episode as { r: Float64Array; l: Int32Array; mask: Uint8Array } | undefined;
      for (let i = 0; i < N; i++) if (ep?.mask[i]) vecEpisodes.push([i, ep.r[i], ep.l[i]]);
      for (let i = 0; i < N; i++) {
        const a = rngB.integer(2);
        if (needs[i]) {
          singles[i].reset();
          needs[i] = 0;
          continue;
        }
        const s = singles[i].step(a);
        if (s.terminated || s.truncated) {
          needs[i] = 1;
          const st = s.info.episode as { r: number; l: number };
          singleEpisodes.push([i, st.r, st.l]);
        }
      }
    }
    assert.ok(vecEpisodes.length > 20);
    assert.deepEqual(vecEpisodes, singleEpisodes);
    assert.equal(vec.returnQueue.length, Math.min(100, vecEpisodes.length));
  });
});
