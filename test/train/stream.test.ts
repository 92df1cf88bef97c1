/**
 * Streaming deep RL (Elsayed, Vasan & Mahmood 2024): ObGD against the paper's Algorithm 3 written
 * out in the test, the network's backward pass against finite differences, sparse init's zero
 * pattern (Algorithm 1), and stream Q(lambda), SARSA(lambda) and AC(lambda) learning CartPole-v1
 * from one sample at a time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { Rng } from "../../src/core/rng.js";
import { ObGD, StreamMLP, sparseInit } from "../../src/nn/stream.js";
import { StreamQ } from "../../src/algos/stream-q.js";
import { StreamAC } from "../../src/algos/stream-ac.js";
import { StreamSARSA } from "../../src/algos/stream-sarsa.js";
import { ConfigError } from "../../src/algos/base.js";
import { train } from "../../src/train/train.js";
import { evaluate } from "../../src/train/evaluate.js";

/** The paper's Algorithm 3 on flat arrays: z = g l z + grad; M = a k max(|d|,1) |z|_1; a' = a / max(M, 1); w += a' d z. */
function obgdReference(w: number[], z: number[], grad: number[], delta: number, a: number, g: number, l: number, k: number): void {
  for (let i = 0; i < z.length; i++) z[i] = g * l * z[i] + grad[i];
  const m = a * k * Math.max(Math.abs(delta), 1) * z.reduce((s, v) => s + Math.abs(v), 0);
  const step = m > 1 ? a / m : a;
  for (let i = 0; i < w.length; i++) w[i] += step * delta * z[i];
}

test("ObGD steps equal the paper's Algorithm 3 (bounded and unbounded steps, trace decay, reset)", () => {
  const rng = new Rng(1);
  const params = [Float64Array.from({ length: 5 }, () => rng.normal()), Float64Array.from({ length: 3 }, () => rng.normal())];
  const w = [...params[0], ...params[1]];
  const z = new Array(8).fill(0);
  const opt = new ObGD(params, { lr: 1, gamma: 0.99, lambda: 0.8, kappa: 2 });
  const cases = [
    { scale: 1, delta: 0.7, reset: false }, // ||z||_1 large: M > 1, step bounded
    { scale: 1e-3, delta: -3, reset: false }, // trace decays and accumulates
    { scale: 1e-4, delta: 0.2, reset: true },
    { scale: 1e-4, delta: 0.5, reset: false }, // after the reset: small trace, M < 1, step = alpha
  ];
  for (const c of cases) {
    const grad = Array.from({ length: 8 }, () => c.scale * rng.normal());
    opt.step([Float64Array.from(grad.slice(0, 5)), Float64Array.from(grad.slice(5))], c.delta, c.reset);
    obgdReference(w, z, grad, c.delta, 1, 0.99, 0.8, 2);
    if (c.reset) z.fill(0);
    const got = [...params[0], ...params[1]];
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(got[i] - w[i]) < 1e-12, `param ${i}: ${got[i]} vs ${w[i]}`);
  }
  assert.equal(opt.lastStepSize, 1, "an unbounded step is alpha");
});

test("StreamMLP (LayerNorm, LeakyReLU) gradients match finite differences; sparse init zeroes ceil(0.9 fanIn) weights per unit", () => {
  const net = new StreamMLP(6, 3, { hidden: [8, 5], sparsity: 0.5, rng: new Rng(2) });
  const rng = new Rng(3);
  for (const p of net.params) for (let i = 0; i < p.length; i++) p[i] = rng.normal() * 0.5; // dense, so every path is exercised
  const x = Array.from({ length: 6 }, () => rng.normal());
  const outGrad = [0.3, -1.2, 0.8];
  const f = () => net.forward(x).reduce((s, v, k) => s + v * outGrad[k], 0);
  f();
  const grads = net.backward(outGrad, net.zerosLike());
  for (let p = 0; p < net.params.length; p++) {
    for (let i = 0; i < net.params[p].length; i++) {
      const old = net.params[p][i];
      net.params[p][i] = old + 1e-6;
      const up = f();
      net.params[p][i] = old - 1e-6;
      const down = f();
      net.params[p][i] = old;
      const fd = (up - down) / 2e-6;
      assert.ok(Math.abs(fd - grads[p][i]) < 1e-6 * Math.max(1, Math.abs(fd)), `param ${p}[${i}]: ${grads[p][i]} vs finite difference ${fd}`);
    }
  }
  const w = new Float64Array(4 * 20);
  sparseInit(w, 4, 20, 0.9, new Rng(4));
  for (let o = 0; o < 4; o++) {
    const row = w.subarray(o * 20, (o + 1) * 20);
    assert.equal(row.filter((v) => v === 0).length, 18, "ceil(0.9 * 20) zeros per unit");
    assert.ok(row.every((v) => Math.abs(v) <= Math.sqrt(1 / 20)), "LeCun-uniform bound 1/sqrt(fanIn)");
  }
});

test("stream Q(lambda) learns CartPole-v1 from one sample at a time (no replay, no batch)", async () => {
  const agent = new StreamQ(make("CartPole-v1"), { seed: 0 });
  await train(agent, { steps: 30_000 });
  const ev = await evaluate(agent, make("CartPole-v1"), { episodes: 10, seed: 99 });
  // A uniformly random policy averages about 22 on CartPole-v1; 500 is the cap. Measured: 500 (seed 0).
  assert.ok(ev.meanReturn >= 400, `stream Q(lambda) mean return ${ev.meanReturn}`);
});

test("stream SARSA(lambda) learns CartPole-v1 from one sample at a time", async () => {
  const agent = new StreamSARSA(make("CartPole-v1"), { seed: 0 });
  await train(agent, { steps: 30_000 });
  const ev = await evaluate(agent, make("CartPole-v1"), { episodes: 10, seed: 99 });
  // Random policy: about 22. Measured: 500 for seeds 0 and 1 after 30k steps.
  assert.ok(ev.meanReturn >= 400, `stream SARSA(lambda) mean return ${ev.meanReturn}`);
});

test("stream AC(lambda) learns CartPole-v1 from one sample at a time", async () => {
  const agent = new StreamAC(make("CartPole-v1"), { seed: 1 });
  await train(agent, { steps: 30_000 });
  const ev = await evaluate(agent, make("CartPole-v1"), { episodes: 10, seed: 99 });
  // Random policy: about 22. Measured: 500 for seeds 0, 1, 2 after 30k steps.
  assert.ok(ev.meanReturn >= 400, `stream AC(lambda) mean return ${ev.meanReturn}`);
});

test("bad input: stream Q / AC on several env copies or on continuous actions", () => {
  assert.throws(() => new StreamAC(make("CartPole-v1", { numEnvs: 4 })), /one sample at a time/);
  assert.throws(() => new StreamAC(make("Pendulum-v1")), /Discrete/);
  assert.throws(() => new StreamQ(make("CartPole-v1", { numEnvs: 2 })), (e: unknown) => e instanceof ConfigError && /one sample at a time/.test(e.message));
  assert.throws(() => new StreamQ(make("Pendulum-v1")), /Discrete/);
  assert.throws(() => new StreamQ(make("CartPole-v1"), { lambda: 2 }), /lambda/);
  assert.throws(() => new StreamSARSA(make("CartPole-v1", { numEnvs: 3 })), /StreamSARSA.*one sample at a time/s);
});
