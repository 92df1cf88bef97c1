/**
 * Seeds give Gymnasium's start states. Gymnasium seeds `np_random` with NumPy's
 * `Generator(PCG64(SeedSequence(seed)))` (gymnasium/utils/seeding.py); rlbook's `npRandom` is that
 * generator, and the classic-control envs draw from it as Gymnasium's do.
 *
 * Every reference number here was printed by NumPy or Gymnasium, not by rlbook; where each comes
 * from is said beside it. NumPy prints a float32 array with each value's shortest round-trip
 * decimal, cut to 8 decimals: a value equals its print when `Math.fround(printed)` is it, or, where
 * the print was cut, when it is within 5e-9 of it. Values printed with `float(x)` are exact.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { make, npRandom, PCG64, SeedSequence } from "../../src/index.js";

/** `actual` (float32 values) equals an array NumPy printed. */
function assertPrinted(actual: ArrayLike<number>, printed: number[]): void {
  assert.equal(actual.length, printed.length, `length ${actual.length}, printed ${printed.length}`);
  for (let i = 0; i < printed.length; i++) {
    assert.ok(Math.fround(printed[i]) === actual[i] || Math.abs(actual[i] - printed[i]) <= 5.0001e-9, `[${i}]: ${actual[i]} is not ${printed[i]} as printed (8 decimals); got ${Array.from(actual).join(", ")}`);
  }
}

describe("npRandom is NumPy's default_rng", () => {
  test("first draws of seeded generators equal the ones NumPy's documentation prints", () => {
    // numpy.random.default_rng docstring (NumPy 1.26 docs): default_rng(12345).random() -> 0.22733602246716966
    assert.equal(npRandom(12345).random(), 0.22733602246716966);
    // Older default_rng docstring (NumPy 1.2x docs): default_rng(658).random((3, 3)) starts
    // [[0.13691147, 0.01942912, 0.6677121 ], ...]; its first rng.random() is 0.13691146845619506.
    const g = npRandom(658);
    assert.equal(g.random(), 0.13691146845619506);
    assert.deepEqual([g.random(), g.random()].map((v) => Number(v.toFixed(8))), [0.01942912, 0.6677121]);
    // "Random sampling" quick start (numpy.org/doc/1.26/reference/random/index.html): a 128-bit
    // seed, so four entropy words go through SeedSequence's hashing.
    assert.equal(npRandom(122807528840384100672342137672332424406n).random(), 0.5363922081269535);
  });

  test("SeedSequence pool and generate_state, PCG64 raw output, as NumPy 1.24.2 prints them", () => {
    // Printed by NumPy 1.24.2: SeedSequence(12345).pool, .generate_state(4), PCG64(12345).random_raw(2)
    const ss = new SeedSequence(12345);
    assert.deepEqual(Array.from(ss.pool), [4069775156, 4251353637, 4182767765, 2267058336]);
    assert.deepEqual(Array.from(ss.generateState(4)), [2688385916, 3048105090, 4196366895, 3152189807]);
    const bg = new PCG64(12345);
    assert.deepEqual([bg.nextUint64(), bg.nextUint64()], [4193609425186963869n, 5843160025838961886n]);
    // Printed by NumPy 1.24.2: default_rng(s).random() for the seeds 0, 2**40, 2**53 - 1 (one and two words).
    assert.equal(npRandom(0).random(), 0.6369616873214543);
    assert.equal(npRandom(2 ** 40).random(), 0.3608095734199638);
    assert.equal(npRandom(2 ** 53 - 1).random(), 0.7862681066761149);
  });

  test("a bad seed is refused with the reason", () => {
    assert.throws(() => npRandom(-1), /non-negative safe integer/);
    assert.throws(() => npRandom(1.5), /non-negative safe integer/);
  });

  test("unseeded generators draw from OS entropy and differ", () => {
    assert.notEqual(npRandom().random(), npRandom().random());
  });
});

describe("reset({seed}) returns Gymnasium's observation", () => {
  test("CartPole-v1: seed 42 and 123, one step, and a whole episode, as Gymnasium's docstrings print them", () => {
    const env = make("CartPole-v1");
    // gymnasium/wrappers/transform_observation.py and stateful_observation.py docstrings:
    // env.reset(seed=42) -> array([ 0.0273956 , -0.00611216,  0.03585979,  0.0197368 ], dtype=float32)
    assertPrinted(Array.from(env.reset({ seed: 42 }).obs as Float32Array), [0.0273956, -0.00611216, 0.03585979, 0.0197368]);
    // TimeAwareObservation docstring: after reset(seed=42), a step with action 0 (the sample of
    // action_space.seed(42)) -> [ 0.02727336, -0.20172954,  0.03625453,  0.32351476]
    assertPrinted(Array.from(env.step(0).obs as Float32Array), [0.02727336, -0.20172954, 0.03625453, 0.32351476]);
    // FrameStackObservation docstring: reset(seed=123) -> [ 0.01823519, -0.0446179 , -0.02796401, -0.03156282]
    assertPrinted(Array.from(env.reset({ seed: 123 }).obs as Float32Array), [0.01823519, -0.0446179, -0.02796401, -0.03156282]);
    // NormalizeObservation docstring: from reset(seed=123), step(1) until the episode ends ->
    // array([ 0.1511158 ,  1.7183299 , -0.25533703, -2.8914354 ], dtype=float32)
    let r;
    do r = env.step(1);
    while (!r.terminated && !r.truncated);
    assertPrinted(Array.from(r.obs as Float32Array), [0.1511158, 1.7183299, -0.25533703, -2.8914354]);
  });

  test("CartPole-v1 vector env: env i is seeded with seed + i, as Gymnasium's make_vec docstring prints", () => {
    // gymnasium/vector/vector_env.py, VectorEnv.reset docstring: make_vec("CartPole-v1", num_envs=3).reset(seed=42)
    const expected = [
      [0.0273956, -0.00611216, 0.03585979, 0.0197368],
      [0.01522993, -0.04562247, -0.04799704, 0.03392126],
      [-0.03774345, -0.02418869, -0.00942293, 0.0469184],
    ];
    const vec = make("CartPole-v1", { numEnvs: 3 });
    assertPrinted(Array.from(vec.reset({ seed: 42 }).obs), expected.flat());
    // The same through single envs reset with 42, 43, 44.
    for (let i = 0; i < 3; i++) assertPrinted(Array.from(make("CartPole-v1").reset({ seed: 42 + i }).obs as Float32Array), expected[i]);
  });

  test("an unseeded reset continues the seeded generator, as Gymnasium's np_random does", () => {
    // Printed by NumPy 1.24.2: rng = default_rng(42); rng.uniform(-0.05, 0.05, size=(4,));
    // rng.uniform(-0.05, 0.05, size=(4,)).astype(np.float32)
    const env = make("CartPole-v1");
    env.reset({ seed: 42 });
    assert.deepEqual(Array.from(env.reset().obs as Float32Array), [-0.040582265704870224, 0.04756223410367966, 0.026113970205187798, 0.02860642969608307]);
  });

  // Printed by NumPy 1.24.2 running the reset lines of Gymnasium 1.x's classic_control/*.py:
  //   acrobot:  s = rng.uniform(low=-0.1, high=0.1, size=(4,)).astype(np.float32);
  //             np.array([cos(s[0]), sin(s[0]), cos(s[1]), sin(s[1]), s[2], s[3]], dtype=np.float32)
  //   mountain car (both): np.array([rng.uniform(low=-0.6, high=-0.4), 0], dtype=np.float32)
  //   pendulum: high = np.array([np.pi, 1.0]); th, thdot = rng.uniform(low=-high, high=high);
  //             np.array([cos(th), sin(th), thdot], dtype=np.float32), then a second (unseeded) reset
  const cases: [string, number, number[]][] = [
    ["Acrobot-v1", 42, [0.99849933385849, 0.0547637976706028, 0.9999252557754517, -0.012224007397890091, 0.07171958684921265, 0.039473604410886765]],
    ["Acrobot-v1", 7, [0.9996870160102844, 0.025016482919454575, 0.996846079826355, 0.07935922592878342, 0.055137138813734055, -0.054958563297986984]],
    ["MountainCar-v0", 42, [-0.4452087879180908, 0]],
    ["MountainCar-v0", 7, [-0.4749809205532074, 0]],
    ["MountainCarContinuous-v0", 42, [-0.4452087879180908, 0]],
    ["MountainCarContinuous-v0", 7, [-0.4749809205532074, 0]],
    ["Pendulum-v1", 42, [-0.14995256066322327, 0.9886931777000427, -0.12224312126636505]],
    ["Pendulum-v1", 7, [0.7066825032234192, 0.7075307965278625, 0.7944275736808777]],
  ];
  for (const [id, seed, obs] of cases) {
    test(`${id} reset({seed: ${seed}})`, () => {
      assert.deepEqual(Array.from(make(id).reset({ seed }).obs as Float32Array), obs);
    });
  }

  test("Pendulum-v1: the second, unseeded reset continues the generator", () => {
    const env = make("Pendulum-v1");
    env.reset({ seed: 7 });
    assert.deepEqual(Array.from(env.reset().obs as Float32Array), [-0.16068828105926514, 0.9870052337646484, -0.5495856404304504]);
  });
});
