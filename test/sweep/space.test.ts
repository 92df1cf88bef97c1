import { test } from "node:test";
import assert from "node:assert/strict";
import { validateSpace, uniform, logUniform, intUniform, quantized, choice, fixedParam as fixed, SpaceError, gridValues } from "../../src/sweep/index.js";
import { randomSampler, trialRng, sampleUniform } from "../../src/sweep/samplers.js";
import { Rng } from "../../src/core/rng.js";

test("space errors name the parameter and the fix", () => {
  assert.throws(() => validateSpace({ lr: uniform(0.5, 0.1) }), (e: Error) => e instanceof SpaceError && /"lr"/.test(e.message) && /above high/.test(e.message) && /uniform\(0.1, 0.5\)/.test(e.message));
  assert.throws(() => validateSpace({ lr: logUniform(0, 0.1) }), (e: Error) => e instanceof SpaceError && /"lr"/.test(e.message) && /above zero/.test(e.message) && /logUniform\(/.test(e.message));
  assert.throws(() => validateSpace({ lr: logUniform(-1, 0.1) }), /"lr".*above zero/);
  assert.throws(() => validateSpace({ act: choice([]) }), (e: Error) => /"act"/.test(e.message) && /at least one value/.test(e.message));
  assert.throws(() => validateSpace({ n: intUniform(1.5, 4) }), /"n".*integer bounds/);
  assert.throws(() => validateSpace({ n: intUniform(0, 4, { log: true }) }), /"n".*above zero/);
  assert.throws(() => validateSpace({ c: quantized(0, 1, 0) }), /"c".*step q must be a positive/);
  assert.throws(() => validateSpace({ c: uniform(0, Infinity) }), /"c".*finite/);
  assert.throws(() => gridValues("g", uniform(0, 1)), /"g".*grid\(\{points: 5\}\)/);
});

test("plain values are fixed; every kind samples inside its range", () => {
  const space = validateSpace({ a: uniform(-1, 2), b: logUniform(1e-4, 1e-1), c: intUniform(3, 7), d: quantized(0.1, 0.4, 0.05), e: choice(["x", "y"]), f: [64, 64], g: fixed(3), h: intUniform(16, 1024, { log: true }) });
  assert.deepEqual(space.f, { kind: "fixed", value: [64, 64] });
  const s = randomSampler();
  const seen = { d: new Set<number>(), e: new Set<unknown>(), c: new Set<number>() };
  let logSmall = 0;
  for (let i = 0; i < 400; i++) {
    const c = s.sample(space, [], i, trialRng(1, i), "minimize");
    assert.ok((c.a as number) >= -1 && (c.a as number) <= 2);
    assert.ok((c.b as number) >= 1e-4 && (c.b as number) <= 1e-1);
    if ((c.b as number) < 1e-2) logSmall++;
    assert.ok(Number.isInteger(c.c) && (c.c as number) >= 3 && (c.c as number) <= 7);
    assert.ok(Number.isInteger(c.h) && (c.h as number) >= 16 && (c.h as number) <= 1024);
    seen.d.add(c.d as number);
    seen.e.add(c.e);
    seen.c.add(c.c as number);
    assert.deepEqual(c.f, [64, 64]);
    assert.equal(c.g, 3);
  }
  // quantized: exactly the 7 grid values, free of float noise.
  assert.deepEqual([...seen.d].sort(), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]);
  assert.deepEqual([...seen.c].sort(), [3, 4, 5, 6, 7]);
  assert.equal(seen.e.size, 2);
  // log-uniform: 2 of the 3 decades lie below 1e-2.
  assert.ok(logSmall > 220 && logSmall < 310, `log-uniform draws below 1e-2: ${logSmall}/400`);
  // The same trial number and seed give the same draw; another seed another one.
  assert.deepEqual(s.sample(space, [], 5, trialRng(1, 5), "minimize"), s.sample(space, [], 5, trialRng(1, 5), "minimize"));
  assert.notDeepEqual(s.sample(space, [], 5, trialRng(1, 5), "minimize"), s.sample(space, [], 5, trialRng(2, 5), "minimize"));
  assert.equal(typeof sampleUniform(uniform(0, 1), new Rng(1)), "number");
});
