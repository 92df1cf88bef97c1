import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { computeGae, RolloutBuffer } from "../../src/buffers/rollout.js";
import { PrioritizedReplayBuffer, ReplayBuffer, SumTree } from "../../src/buffers/replay.js";

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test("GAE: one env, three steps, by hand (gamma 0.9, lambda 0.8), no episode end", () => {
  const g = 0.9;
  const l = 0.8;
  const r = [1, 0, 2];
  const v = [0.5, 0.4, 0.3];
  const last = 0.2;
  const d2 = r[2] + g * last - v[2]; // 2 + 0.18 - 0.3 = 1.88
  const d1 = r[1] + g * v[2] - v[1]; // 0 + 0.27 - 0.4 = -0.13
  const d0 = r[0] + g * v[1] - v[0]; // 1 + 0.36 - 0.5 = 0.86
  const a2 = d2;
  const a1 = d1 + g * l * a2;
  const a0 = d0 + g * l * a1;
  const { advantages, returns } = computeGae({ nSteps: 3, nEnvs: 1, rewards: r, values: v, lastValues: [last], terminated: [0, 0, 0], dones: [0, 0, 0], gamma: g, lambda: l });
  close(advantages, [a0, a1, a2], 1e-6, "adv");
  close(returns, [a0 + v[0], a1 + v[1], a2 + v[2]], 1e-6, "returns");
  close([a0, a1, a2], [0.86 - 0.0936 + 0.72 * 0.72 * 1.88, -0.13 + 0.72 * 1.88, 1.88], 1e-6, "numbers");
});

test("GAE: termination zeroes the bootstrap, truncation bootstraps from the final observation's value, no flow across episodes", () => {
  // Two envs (step-major layout). Env 0 terminates at t=1; env 1 is truncated at t=1.
  // Under next-step autoreset, row t=2 holds the final observation's value (0.7 / 0.9).
  const g = 0.5;
  const l = 1;
  const rewards = [1, 1, 1, 1, 0, 0];
  const values = [0.2, 0.3, 0.4, 0.6, 0.7, 0.9];
  const terminated = [0, 0, 1, 0, 0, 0];
  const dones = [0, 0, 1, 1, 0, 0];
  const { advantages } = computeGae({ nSteps: 3, nEnvs: 2, rewards, values, lastValues: [5, 5], terminated, dones, gamma: g, lambda: l });
  // env 0, t=1: terminal -> delta = 1 - 0.4
  assert.ok(Math.abs(advantages[2] - 0.6) < 1e-6);
  // env 1, t=1: truncated -> delta = 1 + 0.5 * 0.9 - 0.6 = 0.85 (bootstrap from row 2's value)
  assert.ok(Math.abs(advantages[3] - 0.85) < 1e-6);
  // t=0 gets its own delta (next value: the same env's row t=1) plus gamma*lambda*A(t=1).
  assert.ok(Math.abs(advantages[0] - (1 + 0.5 * 0.4 - 0.2 + 0.5 * 0.6)) < 1e-6);
  assert.ok(Math.abs(advantages[1] - (1 + 0.5 * 0.6 - 0.3 + 0.5 * 0.85)) < 1e-6);
  // t=2 (reset-only step) does not leak into t=1: checked by the values above; its own value:
  assert.ok(Math.abs(advantages[4] - (0 + 0.5 * 5 - 0.7)) < 1e-6);
});

test("RolloutBuffer: stores steps, marks autoreset steps invalid, computes GAE in place", () => {
  const b = new RolloutBuffer(2, 2, 3, 1);
  b.addStep([1, 2, 3, 4, 5, 6], [0, 1], [-0.1, -0.2], [0.5, 0.6]);
  b.addOutcome([1, 1], [1, 0], [0, 0]);
  b.addStep([7, 8, 9, 10, 11, 12], [1, 1], [-0.3, -0.4], [0.7, 0.8]);
  b.addOutcome([0, 1], [0, 0], [0, 1], Uint8Array.of(1, 0));
  assert.ok(b.full);
  assert.throws(() => b.addStep([0, 0, 0, 0, 0, 0], [0, 0], [0, 0], [0, 0]), /full/);
  assert.deepEqual(Array.from(b.validIndices()), [0, 1, 3]);
  assert.deepEqual(Array.from(b.dones), [1, 0, 0, 1]);
  b.computeAdvantages([0, 0], 1, 1);
  // env 0 terminated at t=0: A = 1 - 0.5.
  assert.ok(Math.abs(b.advantages[0] - 0.5) < 1e-6);
  b.reset();
  assert.equal(b.t, 0);
});

test("ReplayBuffer: ring overwrite, seeded uniform sampling of stored rows", () => {
  const rb = new ReplayBuffer({ capacity: 4, obsDim: 2, actDim: 1 });
  for (let i = 0; i < 6; i++) rb.add([i, -i], i % 2, i * 10, [i + 1, -i - 1], i === 5);
  assert.equal(rb.size, 4);
  assert.equal(rb.pos, 2);
  const b1 = rb.sample(64, new Rng(1));
  const b2 = rb.sample(64, new Rng(1));
  assert.deepEqual(b1, b2);
  const seen = new Set<number>();
  for (let k = 0; k < 64; k++) {
    const o = b1.obs[2 * k];
    seen.add(o);
    assert.ok(o >= 2 && o <= 5, "only the 4 most recent transitions remain");
    assert.equal(b1.obs[2 * k + 1], -o);
    assert.equal(b1.nextObs[2 * k], o + 1);
    assert.equal(b1.rewards[k], o * 10);
    assert.equal(b1.actions[k], o % 2);
    assert.equal(b1.terminated[k], o === 5 ? 1 : 0);
    assert.equal(b1.weights[k], 1);
  }
  assert.equal(seen.size, 4);
  const st = rb.getState();
  const rb2 = new ReplayBuffer({ capacity: 4, obsDim: 2, actDim: 1 });
  rb2.setState(st);
  assert.deepEqual(rb2.sample(8, new Rng(3)), rb.sample(8, new Rng(3)));
});

test("SumTree: sums, minimum, prefix-sum search", () => {
  const t = new SumTree(5);
  [1, 2, 3, 4, 0.5].forEach((p, i) => t.set(i, p));
  assert.equal(t.total(), 10.5);
  assert.equal(t.min(), 0.5);
  assert.equal(t.find(0), 0);
  assert.equal(t.find(0.99), 0);
  assert.equal(t.find(1), 1);
  assert.equal(t.find(5.5), 2);
  assert.equal(t.find(6), 3);
  assert.equal(t.find(10.2), 4);
});

test("PrioritizedReplayBuffer: sampling frequency follows priority^alpha, IS weights (N P)^-beta / max", () => {
  const pr = new PrioritizedReplayBuffer({ capacity: 4, obsDim: 1, actDim: 1, alpha: 0.5 });
  for (let i = 0; i < 4; i++) pr.add([i], 0, 0, [i], false);
  pr.updatePriorities([0, 1, 2, 3], [1, 4, 9, 16].map((x) => x - 1e-6));
  const pw = [1, 2, 3, 4];
  const z = 10;
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(pr.probability(i) - pw[i] / z) < 1e-6);
  const rng = new Rng(5);
  const counts = [0, 0, 0, 0];
  const beta = 0.4;
  for (let r = 0; r < 500; r++) {
    const b = pr.sampleWeighted(40, rng, beta);
    for (let k = 0; k < 40; k++) {
      const i = b.indices[k];
      counts[i]++;
      const w = Math.pow(4 * (pw[i] / z), -beta) / Math.pow(4 * (1 / z), -beta);
      assert.ok(Math.abs(b.weights[k] - w) < 1e-5);
      assert.equal(b.obs[k], i);
    }
  }
  counts.forEach((c, i) => assert.ok(Math.abs(c / 20000 - pw[i] / z) < 0.01, `freq ${i}: ${c / 20000}`));
  // A new transition (overwriting slot 0 of the full ring) gets the maximum priority, 16^0.5.
  pr.add([9], 0, 0, [9], false);
  assert.ok(Math.abs(pr.probability(0) - 4 / 13) < 1e-6);
});
