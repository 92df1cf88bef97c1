import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { activeBackend, backend, BackendError } from "../../src/nn/backend.js";
import { orthogonal } from "../../src/nn/init.js";
import { MLP, mlpGrads } from "../../src/nn/mlp.js";
import { Adam } from "../../src/nn/optimizers.js";
import { Categorical, DiagGaussian, TanhGaussian } from "../../src/nn/distributions.js";
import { tf } from "../../src/nn/tf.js";

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    assert.ok(d <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]} (diff ${d})`);
  }
}

test("backend: wasm starts, is reported as active; unknown and missing backends get clear errors", async () => {
  const info = await backend("wasm");
  assert.equal(info.name, "wasm");
  assert.equal(activeBackend().name, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  await assert.rejects(backend("bogus" as never), (e: unknown) => e instanceof BackendError && /bogus/.test(e.message) && /"wasm"/.test(e.message) && /"webgpu"/.test(e.message));
  // tfjs-node cannot be installed here: the error names the backend, why, and the fallback.
  await assert.rejects(backend("tensorflow"), (e: unknown) => {
    assert.ok(e instanceof BackendError);
    assert.match(e.message, /backend "tensorflow" is not available/);
    assert.match(e.message, /tfjs-node.* not installed/);
    assert.match(e.message, /would choose "wasm" instead/);
    return true;
  });
  assert.equal(activeBackend().name, "wasm", "a failed request leaves a working backend");
});

test("backend: auto skips missing tensorflow and GPU-less webgpu, then picks wasm, recording why", async () => {
  const info = await backend("auto");
  assert.equal(info.requested, "auto");
  assert.equal(info.name, "wasm");
  const names = info.tried.map((t) => t.name);
  assert.deepEqual(names, ["tensorflow", "webgpu", "wasm"]);
  assert.ok(info.tried[0].reason && info.tried[1].reason, "each skipped backend has a reason");
  assert.equal(info.tried[2].ok, true);
  assert.equal((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu, undefined, "no Dawn instance left on navigator");
});

test("backend: cpu works and computes the same MLP output as wasm", async () => {
  await backend("wasm");
  const net = new MLP(3, 2, { hidden: [8], rng: 5 });
  const x = tf.tensor2d([0.1, -0.2, 0.3, 1, 2, -3], [2, 3]);
  const a = net.apply(x).dataSync();
  const ws = await net.getWeights();
  await backend("cpu");
  const net2 = new MLP(3, 2, { hidden: [8], rng: 5 });
  net2.setWeights(ws);
  const x2 = tf.tensor2d([0.1, -0.2, 0.3, 1, 2, -3], [2, 3]);
  close(net2.apply(x2).dataSync(), a, 1e-5, "cpu vs wasm");
  await backend("wasm");
});

test("orthogonal init: rows (wide) or columns (tall) orthonormal times the gain; seeded", () => {
  for (const [r, c] of [
    [4, 64],
    [64, 4],
    [16, 16],
  ]) {
    const g = 1.7;
    const w = orthogonal(r, c, g, new Rng(3));
    const small = Math.min(r, c);
    for (let i = 0; i < small; i++) {
      for (let j = 0; j < small; j++) {
        let dot = 0;
        if (r <= c) for (let k = 0; k < c; k++) dot += w[i * c + k] * w[j * c + k];
        else for (let k = 0; k < r; k++) dot += w[k * c + i] * w[k * c + j];
        assert.ok(Math.abs(dot - (i === j ? g * g : 0)) < 1e-4, `${r}x${c} gram[${i}][${j}] = ${dot}`);
      }
    }
    assert.deepEqual(w, orthogonal(r, c, g, new Rng(3)));
    assert.notDeepEqual(w, orthogonal(r, c, g, new Rng(4)));
  }
});

test("MLP: CleanRL init (orthogonal, zero bias, output gain) and a tfjs LayersModel export with the same outputs", async () => {
  await backend("wasm");
  const net = new MLP(4, 2, { hidden: [64, 64], outputGain: 0.01, rng: 1 });
  const [w0, b0, , , w2] = await net.getWeights();
  assert.ok(b0.every((v) => v === 0));
  // Column norms of the [in, out] kernel = row norms of torch's [out, in] weight = gain.
  let n2 = 0;
  for (let k = 0; k < 64; k++) n2 += w2[k * 2] ** 2;
  assert.ok(Math.abs(Math.sqrt(n2) - 0.01) < 1e-5);
  let n0 = 0;
  for (let k = 0; k < 4; k++) n0 += w0[k * 64] ** 2;
  assert.ok(Math.sqrt(n0) <= Math.SQRT2 + 1e-5);
  const x = tf.randomNormal([5, 4], 0, 1, "float32", 7);
  const model = net.toLayersModel();
  close((model.predict(x) as tf.Tensor).dataSync(), net.apply(x).dataSync(), 1e-5, "LayersModel vs MLP");
  model.dispose();
  x.dispose();
  net.dispose();
});

test("MLP: hand-written backward equals tfjs autodiff (tanh and relu, with input gradient)", async () => {
  await backend("wasm");
  for (const activation of ["tanh", "relu"] as const) {
    const net = new MLP(3, 4, { hidden: [5, 6], activation, rng: 11 });
    const x = tf.tensor2d(Float32Array.from({ length: 21 }, (_, i) => Math.sin(i * 1.3)), [7, 3]);
    const target = tf.tensor2d(Float32Array.from({ length: 28 }, (_, i) => Math.cos(i)), [7, 4]);
    const head = (out: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.tanh(out), target))) as tf.Scalar;
    const mine = tf.tidy(() => {
      const { loss, grads } = mlpGrads([net], [x], head);
      return [loss, ...grads].map((t) => t.dataSync());
    });
    const ref = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => head(net.apply(x)), net.variables);
      return [value, ...net.variables.map((v) => grads[v.name])].map((t) => t.dataSync());
    });
    mine.forEach((m, i) => close(m, ref[i], 1e-4, `${activation} grad ${i}`));
    const dx = tf.tidy(() => {
      const f = net.forward(x);
      const d = tf.grad((o: tf.Tensor) => head(o))(f.out);
      return net.backward(f.cache, d, true).dx!.dataSync();
    });
    const dxRef = tf.tidy(() => tf.grad((xx: tf.Tensor) => head(net.apply(xx)))(x).dataSync());
    close(dx, dxRef, 1e-4, `${activation} input grad`);
    net.dispose();
    tf.dispose([x, target]);
  }
});

test("Adam: matches torch.optim.Adam's arithmetic (written out in JS), with global-norm clipping", async () => {
  await backend("wasm");
  const w0 = [0.5, -1.5, 2.0];
  const v = tf.variable(tf.tensor1d(w0));
  const opt = new Adam([v], { lr: 0.1, eps: 1e-5, maxGradNorm: 1.0 });
  // Loss sum(w^2 * c): grad 2 c w.
  const c = [1, 3, 0.5];
  const w = [...w0];
  const m = [0, 0, 0];
  const s = [0, 0, 0];
  for (let t = 1; t <= 5; t++) {
    const g = w.map((x, i) => 2 * c[i] * x);
    const norm = Math.hypot(...g);
    const coef = Math.min(1, 1.0 / (norm + 1e-6));
    const gc = g.map((x) => x * coef);
    for (let i = 0; i < 3; i++) {
      m[i] = 0.9 * m[i] + 0.1 * gc[i];
      s[i] = 0.999 * s[i] + 0.001 * gc[i] * gc[i];
      const bc1 = 1 - 0.9 ** t;
      const bc2 = 1 - 0.999 ** t;
      w[i] -= (0.1 / bc1) * (m[i] / (Math.sqrt(s[i]) / Math.sqrt(bc2) + 1e-5));
    }
    const gt = tf.tensor1d(Array.from(v.dataSync()).map((x, i) => 2 * c[i] * x));
    const nt = opt.apply([gt]);
    close(nt!.dataSync(), [norm], 1e-5, "grad norm");
    tf.dispose([gt, nt!]);
    close(v.dataSync(), w, 1e-5, `step ${t}`);
  }
  const st = await opt.getState();
  assert.equal(st.step, 5);
  opt.dispose();
  v.dispose();
});

test("Categorical: log-prob and entropy by hand; seeded sampling is reproducible and follows the probabilities", async () => {
  await backend("wasm");
  const logits = [1, 2, 0.5, -1, 0, 3];
  const lt = tf.tensor2d(logits, [2, 3]);
  const lp = Categorical.logProb(lt, tf.tensor1d([1, 2], "int32")).dataSync();
  const ent = Categorical.entropy(lt).dataSync();
  const probs = (row: number[]) => {
    const z = row.reduce((a, b) => a + Math.exp(b), 0);
    return row.map((x) => Math.exp(x) / z);
  };
  const p0 = probs(logits.slice(0, 3));
  const p1 = probs(logits.slice(3));
  close(lp, [Math.log(p0[1]), Math.log(p1[2])], 1e-5, "logProb");
  close(ent, [-p0.reduce((a, p) => a + p * Math.log(p), 0), -p1.reduce((a, p) => a + p * Math.log(p), 0)], 1e-5, "entropy");
  const n = 20000;
  const big = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) big.set(logits.slice(0, 3), i * 3);
  const a1 = Categorical.sample(big, 3, new Rng(9), new Int32Array(n));
  const a2 = Categorical.sample(big, 3, new Rng(9), new Int32Array(n));
  assert.deepEqual(a1, a2);
  const freq = [0, 0, 0];
  for (const a of a1) freq[a]++;
  freq.forEach((f, j) => assert.ok(Math.abs(f / n - p0[j]) < 0.015, `freq ${j}: ${f / n} vs ${p0[j]}`));
  const det = Categorical.sample(logits, 3, new Rng(1), new Int32Array(2), true);
  assert.deepEqual(Array.from(det), [1, 2]);
  const lps = new Float32Array(2);
  Categorical.sample(logits, 3, new Rng(1), new Int32Array(2), true, lps);
  close(lps, [Math.log(p0[1]), Math.log(p1[2])], 1e-5, "sample logp");
});

test("DiagGaussian and TanhGaussian: log-probs by hand; sampling statistics; entropy", async () => {
  await backend("wasm");
  const mean = [0.5, -1, 2, 0];
  const logStd = [-0.5, 0.3];
  const a = [0.7, -0.2, 1.5, 1];
  const lp = DiagGaussian.logProb(tf.tensor2d(mean, [2, 2]), tf.tensor2d(logStd, [1, 2]), tf.tensor2d(a, [2, 2])).dataSync();
  const byHand = [0, 1].map((b) => {
    let s = 0;
    for (let j = 0; j < 2; j++) {
      const sd = Math.exp(logStd[j]);
      s += -0.5 * ((a[b * 2 + j] - mean[b * 2 + j]) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    }
    return s;
  });
  close(lp, byHand, 1e-5, "diag logProb");
  close(DiagGaussian.entropy(tf.tensor2d(logStd, [1, 2])).dataSync(), [logStd.reduce((s, l) => s + 0.5 + 0.5 * Math.log(2 * Math.PI) + l, 0)], 1e-5, "diag entropy");
  // Sampling: mean and std of many draws; the returned log-probs match the formula.
  const n = 20000;
  const out = new Float32Array(n * 2);
  const lps = new Float32Array(n);
  DiagGaussian.sample(new Float32Array(n * 2).fill(1), [Math.log(0.5), Math.log(2)], 2, new Rng(2), out, false, lps);
  const m0 = out.filter((_, i) => i % 2 === 0).reduce((s, x) => s + x, 0) / n;
  const v1 = out.filter((_, i) => i % 2 === 1).reduce((s, x) => s + (x - 1) ** 2, 0) / n;
  assert.ok(Math.abs(m0 - 1) < 0.02 && Math.abs(Math.sqrt(v1) - 2) < 0.05, `${m0} ${Math.sqrt(v1)}`);
  const lpCheck = DiagGaussian.logProb(tf.tensor2d(new Float32Array(4).fill(1), [2, 2]), tf.tensor2d([Math.log(0.5), Math.log(2)], [1, 2]), tf.tensor2d(out.slice(0, 4), [2, 2])).dataSync();
  close(lps.slice(0, 2), lpCheck, 1e-4, "sample log-probs");
  // TanhGaussian: log p(tanh u) = log N(u) - sum log(1 - tanh(u)^2).
  const u = [0.3, -2.5, 1.2, 0.05];
  const noise = u.map((x, i) => (x - mean[i]) / Math.exp(logStd[i % 2]));
  const r = TanhGaussian.rsample(tf.tensor2d(mean, [2, 2]), tf.tensor2d(logStd, [1, 2]), tf.tensor2d(noise, [2, 2]));
  close(r.action.dataSync(), u.map(Math.tanh), 1e-5, "tanh action");
  const naive = [0, 1].map((b) => byHandGauss(b) - [0, 1].reduce((s, j) => s + Math.log(1 - Math.tanh(u[b * 2 + j]) ** 2), 0));
  function byHandGauss(b: number): number {
    let s = 0;
    for (let j = 0; j < 2; j++) {
      const sd = Math.exp(logStd[j]);
      s += -0.5 * ((u[b * 2 + j] - mean[b * 2 + j]) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    }
    return s;
  }
  close(r.logProb.dataSync(), naive, 1e-4, "tanh logProb");
  close(TanhGaussian.logProbPreTanh(tf.tensor2d(mean, [2, 2]), tf.tensor2d(logStd, [1, 2]), tf.tensor2d(u, [2, 2])).dataSync(), naive, 1e-4, "tanh logProbPreTanh");
});
