/** Wrappers, the env checker, bad-input errors, the registry and notebook display. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BitFlippingEnv,
  Box,
  CartPoleEnv,
  ClipAction,
  Discrete,
  Env,
  EpisodeStateError,
  FlattenObservation,
  FrameStack,
  InvalidActionError,
  NormalizeObservation,
  NormalizeReward,
  PendulumEnv,
  RecordEpisodeStatistics,
  RescaleAction,
  Rng,
  TimeLimit,
  TransformObservation,
  TransformReward,
  checkEnv,
  displaySymbol,
  make,
  register,
  registeredIds,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from "../../src/index.js";
import { loadMujoco } from "../../src/envs/mujoco/engine.js";

// The MuJoCo envs among the registered ids need the wasm module.
await loadMujoco();

describe("wrappers", () => {
  test("TimeLimit truncates at maxEpisodeSteps and refuses to step past it", () => {
    const env = new TimeLimit(new PendulumEnv(), 7);
    env.reset({ seed: 0 });
    for (let t = 1; t <= 7; t++) assert.equal(env.step([0]).truncated, t === 7);
    assert.equal(env.elapsedSteps, 7);
    assert.throws(() => env.step([0]), EpisodeStateError);
    env.reset();
    assert.equal(env.step([0]).truncated, false);
  });

  test("RecordEpisodeStatistics reports the episode's return and length", () => {
    const env = new RecordEpisodeStatistics(make("Pendulum-v1", { maxEpisodeSteps: 12 }));
    env.reset({ seed: 1 });
    let total = 0;
    let r: StepResult<unknown>;
    let n = 0;
    do {
      r = env.step([0.5]);
      total += r.reward;
      n++;
      if (!(r.terminated || r.truncated)) assert.equal(r.info.episode, undefined);
    } while (!r.terminated && !r.truncated);
    const ep = r.info.episode as { r: number; l: number; t: number };
    assert.equal(ep.l, n);
    assert.ok(Math.abs(ep.r - total) < 1e-12);
    assert.ok(ep.t >= 0);
    assert.deepEqual(env.returnQueue, [ep.r]);
    assert.equal(env.episodeCount, 1);
  });

  test("NormalizeObservation matches running mean/var computed directly (count starts at 1e-4)", () => {
    const inner = make("CartPole-v1", { maxEpisodeSteps: null });
    const env = new NormalizeObservation(inner as Env<Float32Array, number>);
    const raw = new CartPoleEnv();
    let o = raw.reset({ seed: 4 }).obs;
    const out = [env.reset({ seed: 4 }).obs];
    const xs = [o];
    const rng = new Rng(0);
    for (let t = 0; t < 30; t++) {
      const a = rng.integer(2);
      const r1 = raw.step(a);
      const r2 = env.step(a);
      o = r1.obs;
      xs.push(o);
      out.push(r2.obs);
      if (r1.terminated) break;
    }
    // Direct computation: mean/var of all observations so far, blended with the prior (mean 0, var 1, count 1e-4).
    const k = xs.length;
    for (let j = 0; j < 4; j++) {
      const c0 = 1e-4;
      let mean = 0;
      for (const x of xs) mean += x[j];
      mean /= k;
      let m2 = 0;
      for (const x of xs) m2 += (x[j] - mean) ** 2;
      const tot = c0 + k;
      const expMean = (mean * k) / tot;
      const expVar = (1 * c0 + m2 + (mean ** 2 * c0 * k) / tot) / tot;
      assert.ok(Math.abs(env.obsRms.mean[j] - expMean) < 1e-9, `mean[${j}]`);
      assert.ok(Math.abs(env.obsRms.var[j] - expVar) < 1e-9, `var[${j}]`);
      const last = out[out.length - 1][j];
      assert.ok(Math.abs(last - Math.fround((xs[k - 1][j] - env.obsRms.mean[j]) / Math.sqrt(env.obsRms.var[j] + 1e-8))) < 1e-6);
    }
    assert.ok(env.observationSpace instanceof Box && !env.observationSpace.isBounded);
  });

  test("NormalizeReward divides by the std of the discounted return", () => {
    const env = new NormalizeReward(make("Pendulum-v1"), 0.9);
    env.reset({ seed: 2 });
    const raw = make("Pendulum-v1");
    raw.reset({ seed: 2 });
    let g = 0;
    const gs: number[] = [];
    for (let t = 0; t < 20; t++) {
      const r = raw.step([1]).reward;
      g = g * 0.9 + r;
      gs.push(g);
      const n = env.step([1]).reward;
      // running variance of gs with prior (0, 1, count 1e-4)
      const c0 = 1e-4;
      const k = gs.length;
      const mean = gs.reduce((s, x) => s + x, 0) / k;
      const m2 = gs.reduce((s, x) => s + (x - mean) ** 2, 0);
      const tot = c0 + k;
      const v = (c0 + m2 + (mean ** 2 * c0 * k) / tot) / tot;
      assert.ok(Math.abs(n - r / Math.sqrt(v + 1e-8)) < 1e-9 * Math.max(1, Math.abs(n)), `t=${t}`);
    }
  });

  test("ClipAction clips to the bounds; RescaleAction maps [min, max] onto them", () => {
    const clipped = new ClipAction(new PendulumEnv());
    assert.ok(clipped.actionSpace.contains([100]));
    const a = new PendulumEnv();
    const b = new PendulumEnv();
    a.reset({ seed: 3 });
    clipped.reset({ seed: 3 });
    assert.deepEqual(clipped.step([100]).obs, a.step([2]).obs);
    assert.throws(() => clipped.step([NaN]), /NaN/);
    const rescaled = new RescaleAction(b, -1, 1);
    const c = new PendulumEnv();
    for (const [x, y] of [[-1, -2], [0, 0], [0.5, 1], [1, 2]]) {
      rescaled.reset({ seed: 4 });
      c.reset({ seed: 4 });
      assert.deepEqual(rescaled.step([x]).obs, c.step([y]).obs, `${x} -> ${y}`);
    }
    assert.equal(rescaled.actionSpace.toString(), "Box(-1.0, 1.0, (1,), float32)");
    assert.throws(() => rescaled.step([1.5]), (e: Error) => e instanceof InvalidActionError && /RescaleAction.*Box\(-1.0, 1.0/.test(e.message));
  });

  test("FlattenObservation one-hots a Dict of bits into a float32 vector", () => {
    const env = new FlattenObservation(new BitFlippingEnv(4));
    assert.equal(env.observationSpace.toString(), "Box(0.0, 1.0, (12,), float32)");
    const r = env.reset({ seed: 0 });
    assert.ok(r.obs instanceof Float32Array && r.obs.length === 12);
    assert.ok(env.observationSpace.contains(r.obs));
    const d = new FlattenObservation(make("DarkRoom-v0"));
    assert.equal(d.observationSpace.shape[0], 2);
    const one = new FlattenObservation(make("BernoulliBandit-v0"));
    assert.deepEqual(Array.from(one.reset({ seed: 0 }).obs), [1], "Discrete(1) observation 0 becomes one-hot [1]");
  });

  test("FrameStack keeps the last k observations, oldest first, padded at reset", () => {
    const env = new FrameStack(new PendulumEnv(), 3);
    const raw = new PendulumEnv();
    const r0 = env.reset({ seed: 5 }).obs;
    const o0 = raw.reset({ seed: 5 }).obs;
    assert.deepEqual(env.observationSpace.shape, [3, 3]);
    assert.deepEqual(Array.from(r0), [...o0, ...o0, ...o0]);
    const o1 = raw.step([1]).obs;
    const o2 = raw.step([-1]).obs;
    env.step([1]);
    const r2 = env.step([-1]).obs;
    assert.deepEqual(Array.from(r2), [...o0, ...o1, ...o2]);
    const z = new FrameStack(new PendulumEnv(), 2, "zero").reset({ seed: 5 }).obs;
    assert.deepEqual(Array.from(z), [0, 0, 0, ...o0]);
  });

  test("TransformObservation and TransformReward", () => {
    const env = new TransformReward(new TransformObservation(new PendulumEnv(), (o: Float32Array) => o.length), (r) => 2 * r);
    const raw = new PendulumEnv();
    raw.reset({ seed: 6 });
    assert.equal(env.reset({ seed: 6 }).obs, 3);
    const r = env.step([0.3]);
    assert.equal(r.obs, 3);
    assert.equal(r.reward, 2 * raw.step([0.3]).reward);
    assert.equal(env.toString(), "TransformReward<TransformObservation<PendulumEnv>>");
  });
});

/** A custom env that gets the contract wrong in several ways. */
class BrokenEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box(-1, 1, [2]);
  readonly actionSpace = new Discrete(2);
  reset(_args?: ResetArgs): ResetResult<Float32Array> {
    return { obs: Float32Array.of(Math.random(), 5), info: {} }; // ignores the seed, leaves the space
  }
  step(_action: number): StepResult<Float32Array> {
    return { obs: Float32Array.of(0, 0), reward: "1" as unknown as number, terminated: 0 as unknown as boolean, truncated: false, info: {} };
  }
}

/** A well-behaved custom env (bounds the action itself only through checkStep). */
class GoodEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 10, [1]);
  readonly actionSpace = new Discrete(2);
  private x = 0;
  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    this.x = this.rng.integer(3);
    this.status = "running";
    return { obs: Float32Array.of(this.x), info: {} };
  }
  step(action: number): StepResult<Float32Array> {
    this.checkStep(action);
    this.x = Math.min(10, this.x + action);
    return this.finishStep({ obs: Float32Array.of(this.x), reward: action, terminated: this.x >= 10, truncated: false, info: {} });
  }
  override render(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>`;
  }
}

describe("checkEnv", () => {
  test("passes every registered env", () => {
    for (const id of registeredIds()) {
      const rep = checkEnv(make(id));
      assert.ok(rep.ok, `${id}: ${rep.errors.join("; ")}`);
    }
  });

  test("passes a correct custom env", () => {
    const rep = checkEnv(new GoodEnv());
    assert.deepEqual(rep.errors, []);
    assert.deepEqual(rep.warnings, []);
  });

  test("flags a broken env: observation outside the space, nondeterministic reset, wrong return types", () => {
    const rep = checkEnv(new BrokenEnv());
    assert.equal(rep.ok, false);
    const all = rep.errors.join("\n");
    assert.match(all, /reset\(\): the observation .* is not in Box\(-1.0, 1.0, \(2,\), float32\): element 1 = 5 is outside/);
    assert.match(all, /reset\(\{seed\}\) is not deterministic/);
    assert.match(all, /reward must be a number, got string/);
    assert.match(all, /terminated must be a boolean, got number/);
    assert.match(rep.warnings.join("\n"), /accepted an action outside Discrete\(2\)/);
  });

  test("flags bad spaces and non-envs", () => {
    class NoSpace extends GoodEnv {
      override readonly observationSpace = "box" as unknown as Box;
    }
    assert.match(checkEnv(new NoSpace()).errors.join(), /observationSpace is not a Space/);
    assert.equal(checkEnv({} as Env).ok, false);
  });
});

describe("bad input", () => {
  test("an invalid action names the env, the space and the value", () => {
    const env = make("CartPole-v1");
    env.reset({ seed: 0 });
    for (const [bad, why] of [[2, /2 is outside \{0, \.\.\., 1\}/], [0.5, /0.5 is not an integer/], [NaN, /NaN/], [[1], /expected an integer, got an array/], ["1", /got string/]] as const) {
      assert.throws(
        () => env.step(bad as never),
        (e: Error) => e instanceof InvalidActionError && e.message.startsWith("CartPole-v1: invalid action") && e.message.includes("Discrete(2)") && why.test(e.message),
        String(bad),
      );
    }
    const p = make("MountainCarContinuous-v0");
    p.reset({ seed: 0 });
    assert.throws(() => p.step([0.5, 0.5]), /MountainCarContinuous-v0: invalid action \[0.5, 0.5\] for action space Box\(-1.0, 1.0, \(1,\), float32\): expected 1 values for shape \[1\], got 2/);
    assert.throws(() => p.step(Float32Array.of(NaN)), /Float32Array\[NaN\].*element 0 is NaN/);
    // Out of bounds is clipped as in Gymnasium (classic-control.test.ts); a Box space still says why.
    assert.equal(p.actionSpace.whyNot(Float32Array.of(2)), "element 0 = 2 is outside [-1.0, 1.0]");
  });

  test("stepping before reset or after the episode ended is a clear error", () => {
    for (const env of [new CartPoleEnv(), make("CartPole-v1")]) {
      assert.throws(() => env.step(0), (e: Error) => e instanceof EpisodeStateError && /call reset\(\) before step\(\)/.test(e.message));
      env.reset({ seed: 0 });
      let r;
      do r = env.step(0);
      while (!r.terminated);
      assert.throws(() => env.step(0), (e: Error) => e instanceof EpisodeStateError && /episode is over/.test(e.message));
      env.reset();
      env.step(0);
    }
  });

  test("an unknown id lists the registered ids and suggests close ones", () => {
    assert.throws(() => make("CartPole-v0"), (e: Error) => /Unknown environment id "CartPole-v0"/.test(e.message) && /Did you mean "CartPole-v1"/.test(e.message) && /Registered ids: .*Acrobot-v1.*Pendulum-v1/.test(e.message));
    assert.throws(() => make("Nothing-v3"), /Registered ids: /);
    assert.throws(() => make("CartPole-v1", { numEnvs: 0 }), /numEnvs must be a positive integer/);
  });

  test("register: custom envs go through make with TimeLimit; duplicate ids are refused", () => {
    register({ id: "TestGood-v0", create: () => new GoodEnv(), maxEpisodeSteps: 3 }, true);
    const env = make("TestGood-v0");
    assert.equal(env.toString(), "TimeLimit<OrderEnforcing<GoodEnv<TestGood-v0>>>");
    env.reset({ seed: 0 });
    env.step(0);
    env.step(0);
    assert.equal(env.step(0).truncated, true);
    assert.throws(() => register({ id: "TestGood-v0", create: () => new GoodEnv() }), /already registered/);
    assert.throws(() => register({ id: "bad id", create: () => new GoodEnv() }), /look like/);
    const vec = make("TestGood-v0", { numEnvs: 2 });
    assert.equal(vec.reset({ seed: 0 }).obs.length, 2);
  });
});

describe("display", () => {
  test("every registered env renders an SVG frame and displays it in a notebook", () => {
    for (const id of registeredIds().filter((k) => !k.startsWith("Test"))) {
      const env = make(id);
      env.reset({ seed: 0 });
      const svg = env.render();
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="[\d.]+" height="[\d.]+" viewBox=/, id);
      assert.ok(svg.endsWith("</svg>"), id);
      assert.ok(!/NaN|undefined/.test(svg), `${id}: no NaN in the drawing`);
      const bundle = (env as unknown as Record<symbol, () => Record<string, string>>)[displaySymbol]();
      assert.equal(bundle["image/svg+xml"], svg);
      assert.match(bundle["text/plain"], new RegExp(id.replace(/[-.]/g, "\\$&")));
    }
  });

  test("the frame follows the state; a vector env tiles its envs' frames", () => {
    const env = new CartPoleEnv();
    env.state = [0, 0, 0, 0];
    const a = env.render();
    env.state = [1, 0, 0.1, 0];
    assert.notEqual(env.render(), a);
    const vec = make("CartPole-v1", { numEnvs: 3 });
    vec.reset({ seed: 0 });
    const bundle = (vec as unknown as Record<symbol, () => Record<string, string>>)[displaySymbol]();
    assert.equal((bundle["image/svg+xml"].match(/<svg /g) ?? []).length, 4, "one outer svg holding 3 frames");
    assert.match(bundle["text/plain"], /CartPoleVectorEnv\(CartPole-v1, numEnvs=3\)/);
  });
});
