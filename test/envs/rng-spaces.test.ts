/** The seeded RNG and the spaces. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Rng, Tuple, FLOAT32_MAX, type Space } from "../../src/index.js";

/** xoshiro128** transcribed from Blackman & Vigna's reference C code, with BigInt arithmetic. */
function refXoshiro128ss(state: number[], count: number): number[] {
  const M = (1n << 32n) - 1n;
  const s = state.map(BigInt);
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    out.push(Number(result));
  }
  return out;
}

describe("Rng", () => {
  test("is xoshiro128**: matches the reference algorithm from a given state", () => {
    for (const st of [[1, 2, 3, 4], [0xdeadbeef, 0x12345678, 0x9abcdef0, 0x0fedcba9]]) {
      const rng = Rng.fromState({ algorithm: "xoshiro128**", s: st as [number, number, number, number] });
      const ours = Array.from({ length: 100 }, () => rng.nextUint32());
      assert.deepEqual(ours, refXoshiro128ss(st, 100));
    }
    assert.equal(refXoshiro128ss([1, 2, 3, 4], 1)[0], 11520, "rotl(2 * 5, 7) * 9");
  });

  test("the same seed gives the same stream; different seeds differ; large seeds use all bits", () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const xs = Array.from({ length: 50 }, () => a.random());
    assert.deepEqual(xs, Array.from({ length: 50 }, () => b.random()));
    assert.notDeepEqual(xs, Array.from({ length: 50 }, () => new Rng(124).random()));
    assert.notEqual(new Rng(2 ** 40).nextUint32(), new Rng(2 ** 40 + 2 ** 33).nextUint32());
    assert.throws(() => new Rng(-1), /non-negative safe integer/);
    assert.throws(() => new Rng(1.5), /non-negative safe integer/);
  });

  test("state is JSON-serializable and restores the stream", () => {
    const a = new Rng(5);
    a.random();
    const saved = JSON.parse(JSON.stringify(a.state));
    const next = Array.from({ length: 10 }, () => a.nextUint32());
    const b = Rng.fromState(saved);
    assert.deepEqual(Array.from({ length: 10 }, () => b.nextUint32()), next);
    const c = new Rng(0);
    c.state = saved;
    assert.equal(c.nextUint32(), next[0]);
    assert.throws(() => (c.state = { algorithm: "xoshiro128**", s: [0, 0, 0, 0] }), /all-zero/);
    assert.throws(() => (c.state = { algorithm: "pcg" } as never), /not an xoshiro128\*\* state/);
  });

  test("split: deterministic, advances the parent, children independent of each other and the parent", () => {
    const p1 = new Rng(9);
    const p2 = new Rng(9);
    const c1 = p1.split();
    const c2 = p2.split();
    assert.deepEqual(c1.state, c2.state);
    assert.deepEqual(p1.state, p2.state);
    const sibling = p1.split();
    const xs = Array.from({ length: 2000 }, () => c1.random());
    const ys = Array.from({ length: 2000 }, () => sibling.random());
    const zs = Array.from({ length: 2000 }, () => p1.random());
    const corr = (u: number[], v: number[]): number => {
      const mu = u.reduce((s, x) => s + x, 0) / u.length;
      const mv = v.reduce((s, x) => s + x, 0) / v.length;
      let num = 0, du = 0, dv = 0;
      for (let i = 0; i < u.length; i++) {
        num += (u[i] - mu) * (v[i] - mv);
        du += (u[i] - mu) ** 2;
        dv += (v[i] - mv) ** 2;
      }
      return num / Math.sqrt(du * dv);
    };
    assert.ok(Math.abs(corr(xs, ys)) < 0.1);
    assert.ok(Math.abs(corr(xs, zs)) < 0.1);
    assert.notDeepEqual(xs.slice(0, 5), ys.slice(0, 5));
  });

  test("distributions: uniform, integer (unbiased), normal, exponential", () => {
    const rng = new Rng(2024);
    const n = 100_000;
    let sum = 0, min = 1, max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.random();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.005 && min >= 0 && max < 1);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.integer(7)]++;
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    assert.ok(chi2 < 22.5, `chi-square ${chi2} (6 dof, p = 0.001 at 22.46)`);
    let m = 0, v = 0;
    const zs = Array.from({ length: n }, () => rng.normal(1, 2));
    for (const z of zs) m += z;
    m /= n;
    for (const z of zs) v += (z - m) ** 2;
    v /= n;
    assert.ok(Math.abs(m - 1) < 0.03 && Math.abs(v - 4) < 0.1, `normal mean ${m} var ${v}`);
    let e = 0;
    for (let i = 0; i < n; i++) e += rng.exponential(3);
    assert.ok(Math.abs(e / n - 3) < 0.05);
    const arr = rng.shuffle([1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...arr].sort(), [1, 2, 3, 4, 5, 6]);
  });
});

function roundTrip(space: Space, rng: Rng): void {
  for (let i = 0; i < 20; i++) {
    const x = space.sample(rng);
    assert.ok(space.contains(x), `${space} contains its sample ${String(x)}: ${space.whyNot(x)}`);
    const flat = space.flatten(x as never);
    assert.equal(flat.length, space.flatdim);
    assert.deepEqual(space.unflatten(flat), x);
    const row = new Float32Array(space.vecDim + 2);
    space.writeVec(x as never, row, 1);
    assert.deepEqual(space.readVec(row, 1), x);
  }
}

describe("spaces", () => {
  test("Discrete: sample, contains, one-hot flatten, start", () => {
    const d = new Discrete(3, 2);
    roundTrip(d, new Rng(0));
    assert.ok(d.contains(2) && d.contains(4));
    assert.ok(!d.contains(5) && !d.contains(1) && !d.contains(2.5) && !d.contains(NaN) && !d.contains("2"));
    assert.deepEqual(Array.from(d.flatten(3)), [0, 1, 0]);
    assert.equal(d.toString(), "Discrete(3, start=2)");
    assert.match(d.whyNot(7)!, /outside \{2, \.\.\., 4\}/);
    const seen = new Set(Array.from({ length: 200 }, () => d.sample(new Rng(0).split())));
    assert.ok(seen.size >= 1);
    const rng = new Rng(1);
    assert.deepEqual(new Set(Array.from({ length: 200 }, () => d.sample(rng))), new Set([2, 3, 4]));
  });

  test("Box: bounds cast to the dtype, contains checks shape, NaN, bounds, integers", () => {
    const b = new Box(-1, 1, [2, 3]);
    roundTrip(b, new Rng(1));
    assert.ok(b.sample(new Rng(0)) instanceof Float32Array);
    assert.ok(b.contains([0, 0, 0, 0, 0, 0]));
    assert.match(b.whyNot([0, 0])!, /expected 6 values for shape \[2, 3\], got 2/);
    assert.match(b.whyNot([0, 0, 0, 0, NaN, 0])!, /element 4 is NaN/);
    assert.match(b.whyNot([0, 0, 0, 0, 0, 1.5])!, /element 5 = 1.5 is outside \[-1.0, 1.0\]/);
    assert.equal(b.toString(), "Box(-1.0, 1.0, (2, 3), float32)");
    const p = new Box(-0.1, 0.1, [1]);
    assert.equal(p.high[0], Math.fround(0.1));
    assert.ok(p.contains([0.1]), "0.1 rounds to the float32 bound");
    assert.equal(p.toString(), "Box(-0.1, 0.1, (1,), float32)");
    const i = new Box(0, 4, [3], "int32");
    roundTrip(i, new Rng(2));
    assert.ok(!i.contains([1, 2, 2.5]));
    const seen = new Set<number>();
    const rng = new Rng(3);
    for (let k = 0; k < 300; k++) for (const v of i.sample(rng)) seen.add(v);
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4], "integer boxes include the upper bound");
    assert.throws(() => new Box([0, 1], [1, 0]), /low\[1\] = 1 > high\[1\] = 0/);
    assert.equal(new Box([0, 0, 0], [1, 2, 3]).shape[0], 3);
  });

  test("Box sampling follows the bound types (uniform, exponential, normal)", () => {
    const rng = new Rng(4);
    const b = new Box([-Infinity, 0, -Infinity, 2], [Infinity, Infinity, 5, 3], [4], "float64");
    const n = 20_000;
    const sums = [0, 0, 0, 0];
    for (let k = 0; k < n; k++) {
      const x = b.sample(rng);
      assert.ok(b.contains(x));
      for (let j = 0; j < 4; j++) sums[j] += x[j];
    }
    assert.ok(Math.abs(sums[0] / n) < 0.05, "unbounded: standard normal");
    assert.ok(Math.abs(sums[1] / n - 1) < 0.05, "lower-bounded: low + exponential(1)");
    assert.ok(Math.abs(sums[2] / n - 4) < 0.05, "upper-bounded: high - exponential(1)");
    assert.ok(Math.abs(sums[3] / n - 2.5) < 0.01, "bounded: uniform");
    const cart = new Box([-4.8, -FLOAT32_MAX], [4.8, FLOAT32_MAX]);
    assert.ok(cart.contains(cart.sample(rng)));
  });

  test("MultiDiscrete and MultiBinary", () => {
    const md = new MultiDiscrete([2, 3, 4], [0, 1, -1]);
    roundTrip(md, new Rng(5));
    assert.equal(md.flatdim, 9);
    assert.deepEqual(Array.from(md.flatten(Int32Array.of(1, 1, -1))), [0, 1, 1, 0, 0, 1, 0, 0, 0]);
    assert.ok(!md.contains([2, 1, 0]) && md.contains([1, 3, 2]));
    const mb = new MultiBinary(5);
    roundTrip(mb, new Rng(6));
    assert.ok(!mb.contains([0, 1, 2, 0, 0]) && mb.contains([0, 1, 1, 0, 0]));
    assert.equal(mb.toString(), "MultiBinary(5)");
  });

  test("Dict keeps sorted keys (as Gymnasium); Tuple keeps order; both flatten and nest", () => {
    const d = new Dict({ pos: new Box(-1, 1, [2]), arm: new Discrete(3), flags: new MultiBinary(2) });
    assert.deepEqual(d.keys, ["arm", "flags", "pos"]);
    roundTrip(d, new Rng(7));
    assert.equal(d.flatdim, 3 + 2 + 2);
    const x = { pos: Float32Array.of(0.5, -0.5), arm: 1, flags: Int8Array.of(1, 0) };
    assert.deepEqual(Array.from(d.flatten(x)), [0, 1, 0, 1, 0, 0.5, -0.5]);
    assert.match(d.whyNot({ pos: [0, 0], arm: 5, flags: [0, 0] })!, /\["arm"\]: 5 is outside/);
    assert.match(d.whyNot({ pos: [0, 0], arm: 1 })!, /missing key "flags"/);
    const t = new Tuple([new Discrete(2), new Box(0, 1, [1]), d]);
    roundTrip(t, new Rng(8));
    assert.equal(t.flatdim, 2 + 1 + 7);
    const fs = t.flattenSpace();
    assert.equal(fs.size, 10);
    assert.ok(d.equals(new Dict({ arm: new Discrete(3), pos: new Box(-1, 1, [2]), flags: new MultiBinary(2) })));
    assert.ok(!d.equals(new Dict({ arm: new Discrete(4), pos: new Box(-1, 1, [2]), flags: new MultiBinary(2) })));
  });

  test("seed makes a space's own sampling reproducible", () => {
    const a = new Dict({ x: new Box(0, 1, [3]), y: new Discrete(10) }).seed(3);
    const b = new Dict({ x: new Box(0, 1, [3]), y: new Discrete(10) }).seed(3);
    for (let i = 0; i < 5; i++) assert.deepEqual(a.sample(), b.sample());
    assert.deepEqual(new Discrete(100).seed(1).sample(), new Discrete(100).seed(1).sample());
  });
});
