import { test } from "node:test";
import assert from "node:assert/strict";
import { sweep, uniform, logUniform, intUniform, choice, quantized, gridSampler, tpeSampler, validateSpace } from "../../src/sweep/index.js";
import { NumericParzen, CategoricalParzen, defaultWeights, splitTrials, type TrialView } from "../../src/sweep/samplers.js";
import { Rng } from "../../src/core/rng.js";
import { bowl } from "./fixtures.js";

test("grid enumerates every combination exactly once and stops at the end", async () => {
  const seen: string[] = [];
  const r = await sweep({
    space: { act: choice(["tanh", "relu", "elu"]), layers: intUniform(1, 3), clip: quantized(0.1, 0.2, 0.1), arch: [64] },
    objective: (c) => (seen.push(JSON.stringify(c)), (c.layers as number) + (c.clip as number)),
    sampler: "grid",
    trials: 100,
    seed: 1,
  });
  assert.equal(r.trials.length, 18);
  assert.equal(new Set(seen).size, 18);
  const expected: string[] = [];
  for (const act of ["tanh", "relu", "elu"]) for (const layers of [1, 2, 3]) for (const clip of [0.1, 0.2]) expected.push(JSON.stringify({ act, layers, clip, arch: [64] }));
  assert.deepEqual(seen, expected);
  assert.deepEqual(r.best!.config, { act: "tanh", layers: 3, clip: 0.2, arch: [64] }); // mode defaults to max; ties go to the first trial
  // Continuous ranges need points; log ranges are log-spaced.
  const g = gridSampler({ points: 3 });
  const space = validateSpace({ lr: logUniform(1e-4, 1e-2) });
  assert.equal(g.size!(space), 3);
  assert.deepEqual([0, 1, 2].map((i) => Number((g.sample(space, [], i, new Rng(0), "minimize").lr as number).toPrecision(6))), [1e-4, 1e-3, 1e-2]);
  // Shuffled: the same set, another order.
  const sh = gridSampler({ shuffle: true });
  const sp2 = validateSpace({ a: intUniform(0, 9) });
  const order = Array.from({ length: 10 }, (_, i) => sh.sample(sp2, [], i, new Rng(0), "minimize").a);
  assert.deepEqual([...order].sort((a, b) => (a as number) - (b as number)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("TPE finds a better optimum than random search with the same budget (4 parameters, 10 seeds)", async () => {
  const space = { x: uniform(-5, 5), y: uniform(-5, 5), lr: logUniform(1e-6, 1), n: intUniform(1, 128) };
  const best = { tpe: [] as number[], random: [] as number[] };
  for (let seed = 0; seed < 10; seed++) {
    for (const s of ["tpe", "random"] as const) {
      const r = await sweep({ space, objective: (c) => bowl(c), sampler: s, trials: 60, mode: "min", seed });
      best[s].push(r.best!.value!);
    }
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(`best value after 60 trials, mean of 10 seeds: TPE ${mean(best.tpe).toFixed(3)}, random ${mean(best.random).toFixed(3)}`);
  assert.ok(mean(best.tpe) < 0.6 * mean(best.random), `TPE ${mean(best.tpe)} vs random ${mean(best.random)}`);
  assert.ok(best.tpe.filter((v, i) => v < best.random[i]).length >= 7, "TPE should win on most seeds");
});

test("TPE: the start-up trials are random, later ones concentrate where the good trials are", async () => {
  const space = validateSpace({ x: uniform(0, 10) });
  const tpe = tpeSampler({ nStartupTrials: 5 });
  // Five finished trials; the best (minimize) is at x = 2.
  const trials: TrialView[] = [2, 9, 7, 5, 8].map((x, i) => ({ number: i, config: { x }, status: "complete", value: Math.abs(x - 2), reports: [] }));
  const draws = Array.from({ length: 200 }, (_, i) => tpe.sample(space, trials, 5, new Rng(i), "minimize").x as number);
  // l(x)/g(x) is largest where the good trial is and the bad ones are not: below x = 3.5
  // (halfway between the good trial and the nearest bad one), 35% of the range.
  const near = draws.filter((x) => x < 3.5).length;
  assert.ok(near > 170, `TPE draws on the good side: ${near}/200`);
  // With fewer finished trials than nStartupTrials it draws uniformly.
  const early = Array.from({ length: 400 }, (_, i) => tpe.sample(space, trials.slice(0, 4), 4, new Rng(i), "minimize").x as number);
  const nearEarly = early.filter((x) => Math.abs(x - 2) < 1.5).length / 400;
  assert.ok(Math.abs(nearEarly - 0.3) < 0.08, `uniform fraction near 2: ${nearEarly}`);
});

test("TPE internals follow Optuna: split, weights, bandwidths, prior, categorical kernels", () => {
  // gamma(n) = min(ceil(0.1 n), 25); pruned trials rank after complete ones.
  const t = (number: number, status: "complete" | "pruned", value: number, steps = 1): TrialView => ({ number, config: {}, status, value, reports: Array.from({ length: steps }, (_, i) => ({ step: i + 1, value })) });
  const { below, above } = splitTrials([t(0, "complete", 3), t(1, "pruned", -10, 2), t(2, "complete", 1), t(3, "complete", 2)], "minimize", 2);
  assert.deepEqual(below.map((x) => x.number), [2, 3]);
  assert.deepEqual(above.map((x) => x.number), [0, 1]);
  assert.deepEqual(defaultWeights(3), [1, 1, 1]);
  const w = defaultWeights(30);
  assert.equal(w.length, 30);
  assert.ok(Math.abs(w[0] - 1 / 30) < 1e-12 && w[4] === 1 && w[29] === 1 && w[1] > w[0]);
  // Bandwidths: neighbour distances (observations and the prior's centre), clipped to
  // [(high-low)/min(100, n+2), high-low]; the prior has sigma = high - low.
  const pe = new NumericParzen({ kind: "uniform", low: 0, high: 10 }, [1, 2, 9], [1, 1, 1], 1);
  assert.deepEqual(pe.mus, [1, 2, 9, 5]);
  // sorted with the prior: 1, 2, 5, 9 (ends 0, 10): distances 1 (end rule), max(1, 3), max(3, 4),
  // 4 (end rule); min sigma 10 / (3 + 2) = 2 lifts the first to 2.
  assert.deepEqual(pe.sigmas, [2, 3, 4, 10]);
  assert.deepEqual(pe.weights, [0.25, 0.25, 0.25, 0.25]);
  // A truncated density integrates to 1 over the range.
  let integral = 0;
  for (let i = 0; i < 10000; i++) integral += Math.exp(pe.logPdf((i + 0.5) / 1000)) / 1000;
  assert.ok(Math.abs(integral - 1) < 1e-3, `integral ${integral}`);
  // A discrete range's masses sum to 1.
  const pd = new NumericParzen({ kind: "intUniform", low: 1, high: 6 }, [2, 3], [1, 1], 1);
  const mass = [1, 2, 3, 4, 5, 6].reduce((a, x) => a + Math.exp(pd.logPdf(x)), 0);
  assert.ok(Math.abs(mass - 1) < 1e-6, `mass ${mass}`);
  // Categorical: each observation a kernel peaked at its choice, plus a uniform prior kernel:
  // rows start at priorWeight / nKernels = 1/3, the observed choice gets +1, then normalized.
  const cp = new CategoricalParzen(3, [0, 0], [1, 1], 1);
  assert.deepEqual(cp.probs.map((r) => r.map((p) => Number(p.toFixed(4)))), [[0.6667, 0.1667, 0.1667], [0.6667, 0.1667, 0.1667], [0.3333, 0.3333, 0.3333]]);
  const m = cp.mixture();
  assert.ok(Math.abs(m.reduce((a, b) => a + b, 0) - 1) < 1e-12 && m[0] > m[1]);
});
