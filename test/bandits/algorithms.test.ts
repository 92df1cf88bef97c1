/**
 * Bandit algorithms against values derived independently of rlbook's code:
 * - exact expected regret of UCB1, KL-UCB, greedy and Beta-Thompson sampling on a 2-arm Bernoulli
 *   bandit, by dynamic programming over every (pulls, successes) state written here (Thompson's
 *   choice probabilities P(theta_1 > theta_2) by numerical integration of the Beta densities);
 * - Gaussian Thompson sampling, LinUCB and LinTS against second, plain implementations written
 *   here (scalar loops, explicit matrix inverse), compared in distribution (means within 4
 *   standard errors);
 * - the shapes the theory predicts: sublinear regret for UCB1 / TS, linear for uniform play,
 *   LinUCB far below UCB1 on DPT's linear bandit.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BernoulliBanditEnv,
  BetaThompson,
  EpsilonGreedy,
  GaussianBanditEnv,
  GaussianThompson,
  Greedy,
  KLUCB,
  LinUCB,
  LinearThompson,
  Rng,
  UCB1,
  functionPolicy,
  regretCurves,
  sampleBanditTasks,
  simulateBandit,
  type BanditPolicy,
  type BernoulliBanditParams,
  type GaussianBanditParams,
  type TaskFamily,
} from "../../src/index.js";

// ---------------------------------------------------------------------------------------------
// Exact dynamic programming on a 2-arm Bernoulli bandit.

/** Choice probabilities of arm 0 and arm 1 given pulls n, successes s, total pulls t. */
type ChoiceRule = (n: [number, number], s: [number, number], t: number) => [number, number];

function unpulledFirst(n: [number, number]): [number, number] | undefined {
  if (n[0] === 0 && n[1] === 0) return [0.5, 0.5];
  if (n[0] === 0) return [1, 0];
  if (n[1] === 0) return [0, 1];
  return undefined;
}

function byIndex(i0: number, i1: number): [number, number] {
  return i0 > i1 ? [1, 0] : i1 > i0 ? [0, 1] : [0.5, 0.5];
}

const ucb1Rule: ChoiceRule = (n, s, t) => unpulledFirst(n) ?? byIndex(s[0] / n[0] + Math.sqrt((2 * Math.log(t)) / n[0]), s[1] / n[1] + Math.sqrt((2 * Math.log(t)) / n[1]));
const greedyRule: ChoiceRule = (n, s) => unpulledFirst(n) ?? byIndex(s[0] / n[0], s[1] / n[1]);

/** KL-UCB index by 80 bisection steps on a kl written here (Garivier & Cappé 2011, c = 0). */
function klIndex(p: number, n: number, t: number): number {
  const kl = (q: number) => (p > 0 ? p * Math.log(p / q) : 0) + (p < 1 ? (1 - p) * Math.log((1 - p) / (1 - q)) : 0);
  let lo = p;
  let hi = 1 - 1e-15;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (n * kl(mid) <= Math.log(t)) lo = mid;
    else hi = mid;
  }
  return lo;
}
const klucbRule: ChoiceRule = (n, s, t) => unpulledFirst(n) ?? byIndex(klIndex(s[0] / n[0], n[0], t), klIndex(s[1] / n[1], n[1], t));

/** P(X > Y), X ~ Beta(a1, b1), Y ~ Beta(a2, b2), integer params: Simpson's rule on f_X(x) F_Y(x). */
function probGreater(a1: number, b1: number, a2: number, b2: number): number {
  const lbeta = (a: number, b: number) => lgamma(a) + lgamma(b) - lgamma(a + b);
  const pdf = (x: number) => (x <= 0 || x >= 1 ? 0 : Math.exp((a1 - 1) * Math.log(x) + (b1 - 1) * Math.log(1 - x) - lbeta(a1, b1)));
  const cdf = (x: number) => {
    // I_x(a, b) = sum_{j=a}^{a+b-1} C(a+b-1, j) x^j (1-x)^(a+b-1-j) for integers a, b.
    const m = a2 + b2 - 1;
    let s = 0;
    for (let j = a2; j <= m; j++) s += Math.exp(lgamma(m + 1) - lgamma(j + 1) - lgamma(m - j + 1)) * Math.pow(x, j) * Math.pow(1 - x, m - j);
    return s;
  };
  const M = 2000;
  let s = 0;
  for (let i = 0; i <= M; i++) {
    const x = i / M;
    const w = i === 0 || i === M ? 1 : i % 2 ? 4 : 2;
    s += w * pdf(x) * cdf(x);
  }
  return s / (3 * M);
}
function lgamma(x: number): number {
  // integers only here: log((x-1)!)
  let s = 0;
  for (let i = 2; i < x; i++) s += Math.log(i);
  return s;
}
const tsRule: ChoiceRule = (n, s) => {
  const p0 = probGreater(1 + s[0], 1 + n[0] - s[0], 1 + s[1], 1 + n[1] - s[1]);
  return [p0, 1 - p0];
};

/** Expected cumulative pseudo-regret after each of T pulls, exactly. */
function exactRegret(rule: ChoiceRule, probs: [number, number], T: number): number[] {
  const best = Math.max(...probs);
  let states = new Map<string, number>([["0,0,0,0", 1]]);
  const out: number[] = [];
  let cum = 0;
  const cache = new Map<string, [number, number]>();
  for (let t = 0; t < T; t++) {
    const next = new Map<string, number>();
    for (const [key, mass] of states) {
      const [n0, s0, n1, s1] = key.split(",").map(Number);
      let choice = cache.get(key);
      if (!choice) cache.set(key, (choice = rule([n0, n1], [s0, s1], t)));
      for (const a of [0, 1]) {
        const pa = choice[a] * mass;
        if (pa === 0) continue;
        cum += pa * (best - probs[a]);
        for (const r of [0, 1]) {
          const pr = r ? probs[a] : 1 - probs[a];
          const k = a === 0 ? `${n0 + 1},${s0 + r},${n1},${s1}` : `${n0},${s0},${n1 + 1},${s1 + r}`;
          next.set(k, (next.get(k) ?? 0) + pa * pr);
        }
      }
    }
    states = next;
    out.push(cum);
  }
  return out;
}

function fixedBernoulli(probs: number[], horizon: number): TaskFamily<BernoulliBanditParams> {
  return { name: "Fixed", sample: () => ({ probs, horizon }), create: (p) => new BernoulliBanditEnv(p), maxEpisodeSteps: horizon };
}

function assertClose(label: string, got: number, want: number, se: number): void {
  assert.ok(Math.abs(got - want) <= 4 * se + 1e-9, `${label}: simulated ${got.toFixed(4)} vs reference ${want.toFixed(4)} (4 SE = ${(4 * se).toFixed(4)})`);
}

describe("k-armed algorithms equal exact 2-arm computations", () => {
  const probs: [number, number] = [0.35, 0.6];
  const T = 12;
  const tasks = sampleBanditTasks(fixedBernoulli(probs, T), { tasks: 20000, seed: 3 });
  const cases: [string, () => BanditPolicy, ChoiceRule][] = [
    ["UCB1", () => new UCB1(), ucb1Rule],
    ["KL-UCB", () => new KLUCB(), klucbRule],
    ["Greedy", () => new Greedy(), greedyRule],
    ["Beta Thompson", () => new BetaThompson(), tsRule],
  ];
  for (const [name, make, rule] of cases) {
    test(name, async () => {
      const exact = exactRegret(rule, probs, T);
      const sim = await simulateBandit(make(), tasks, { seed: 11 });
      for (const t of [1, 4, T - 1]) assertClose(`${name} regret after ${t + 1} pulls`, sim.meanRegret[t], exact[t], sim.seRegret[t]);
    });
  }

  test("epsilon-greedy with epsilon = 1 is uniform play: regret t * gap / 2", async () => {
    const sim = await simulateBandit(new EpsilonGreedy({ epsilon: 1 }), tasks, { seed: 5 });
    assertClose("uniform regret", sim.meanRegret[T - 1], (T * (probs[1] - probs[0])) / 2, sim.seRegret[T - 1]);
  });
});

// ---------------------------------------------------------------------------------------------
// Second implementations, compared in distribution.

/** Gaussian TS written plainly: one task at a time, posterior N(m, 1/P). */
function plainGaussianTS(means: number[], sd: number, T: number, rng: Rng): number {
  const k = means.length;
  const n = new Array(k).fill(0);
  const s = new Array(k).fill(0);
  const best = Math.max(...means);
  let regret = 0;
  for (let t = 0; t < T; t++) {
    let arm = 0;
    let top = -Infinity;
    for (let a = 0; a < k; a++) {
      const P = 1 + n[a] / (sd * sd); // prior N(0, 1)
      const draw = s[a] / (sd * sd) / P + rng.normal() / Math.sqrt(P);
      if (draw > top) (top = draw), (arm = a);
    }
    const r = means[arm] + sd * rng.normal();
    n[arm]++;
    s[arm] += r;
    regret += best - means[arm];
  }
  return regret;
}

function inverse(m: number[][]): number[][] {
  const d = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: d }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    const div = a[c][c];
    for (let j = 0; j < 2 * d; j++) a[c][j] /= div;
    for (let r = 0; r < d; r++) if (r !== c) {
      const f = a[r][c];
      for (let j = 0; j < 2 * d; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row) => row.slice(d));
}

/** LinUCB / LinTS written plainly: A and b kept, A inverted from scratch every pull. */
function plainLinear(kind: "ucb" | "ts", arms: number[][], theta: number[], sd: number, T: number, rng: Rng): number {
  const d = theta.length;
  const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  const b = new Array(d).fill(0);
  const mean = (x: number[]) => x.reduce((acc, v, j) => acc + v * theta[j], 0);
  const best = Math.max(...arms.map(mean));
  let regret = 0;
  for (let t = 0; t < T; t++) {
    const Ai = inverse(A);
    const th = Ai.map((row) => row.reduce((acc, v, j) => acc + v * b[j], 0));
    let use = th;
    if (kind === "ts") {
      // theta ~ N(th, sd^2 A^-1) through the 2x2 (or dxd) Cholesky factor of A^-1.
      const L = Array.from({ length: d }, () => new Array(d).fill(0));
      for (let r = 0; r < d; r++) for (let c = 0; c <= r; c++) {
        let s = Ai[r][c];
        for (let j = 0; j < c; j++) s -= L[r][j] * L[c][j];
        L[r][c] = r === c ? Math.sqrt(s) : s / L[c][c];
      }
      const z = th.map(() => rng.normal());
      use = th.map((v, r) => v + sd * L[r].reduce((acc, l, c) => acc + l * z[c], 0));
    }
    let arm = 0;
    let top = -Infinity;
    arms.forEach((x, a) => {
      let score = x.reduce((acc, v, j) => acc + v * use[j], 0);
      if (kind === "ucb") score += Math.sqrt(x.reduce((acc, v, i) => acc + v * Ai[i].reduce((s2, w, j) => s2 + w * x[j], 0), 0));
      if (score > top) (top = score), (arm = a);
    });
    const x = arms[arm];
    const r = mean(x) + sd * rng.normal();
    for (let i = 0; i < d; i++) {
      b[i] += r * x[i];
      for (let j = 0; j < d; j++) A[i][j] += x[i] * x[j];
    }
    regret += best - mean(x);
  }
  return regret;
}

function meanSe(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1);
  return [m, Math.sqrt(v / xs.length)];
}

describe("Gaussian TS, LinUCB and LinTS equal plain second implementations", () => {
  test("Gaussian Thompson sampling on DPT's 5-arm bandit (variance 0.3), 100 pulls", async () => {
    const tasks = sampleBanditTasks("dpt", { tasks: 600, seed: 4, horizon: 100 });
    const sim = await simulateBandit(new GaussianThompson({ priorMean: 0, priorStd: 1 }), tasks, { seed: 1 });
    const rng = new Rng(99);
    const ref = tasks.params.map((p) => plainGaussianTS([...(p as GaussianBanditParams).means], Math.sqrt(0.3), 100, rng));
    const [m, se] = meanSe(ref);
    const [m2, se2] = meanSe([...sim.finalRegret]);
    assertClose("Gaussian TS final regret", m2, m, Math.hypot(se, se2));
  });

  for (const kind of ["ucb", "ts"] as const) {
    test(`${kind === "ucb" ? "LinUCB" : "LinTS"} on DPT's linear bandit, 100 pulls`, async () => {
      const tasks = sampleBanditTasks("dptLinear", { tasks: 400, seed: 6, horizon: 100 });
      const sim = await simulateBandit(kind === "ucb" ? new LinUCB() : new LinearThompson(), tasks, { seed: 2 });
      const rng = new Rng(7);
      const ref = tasks.params.map((p) => {
        const q = p as unknown as { arms: number[][]; theta: number[] };
        return plainLinear(kind, q.arms, q.theta, Math.sqrt(0.3), 100, rng);
      });
      const [m, se] = meanSe(ref);
      const [m2, se2] = meanSe([...sim.finalRegret]);
      assertClose(`${kind} final regret`, m2, m, Math.hypot(se, se2));
    });
  }
});

describe("regret shapes", () => {
  test("UCB1 and TS regret is sublinear, uniform play is linear (DPT 5-arm preset)", async () => {
    const uniform = functionPolicy("Uniform", ({ numArms, rng }) => rng.integer(numArms));
    const frame = await regretCurves({ UCB1: new UCB1(), TS: new GaussianThompson(), Uniform: uniform }, "dpt", { tasks: 300, seed: 8 });
    const rows = frame.toRecords() as { policy: string; step: number; regret: number }[];
    const at = (p: string, step: number) => rows.find((r) => r.policy === p && Number(r.step) === step)!.regret;
    // Regret added over the last 125 pulls vs the first 125: equal for linear regret (uniform
    // play), far smaller for a sublinear curve.
    const slope = (p: string) => (at(p, 500) - at(p, 375)) / at(p, 125);
    assert.ok(Math.abs(slope("Uniform") - 1) < 0.1, `uniform slope ratio ${slope("Uniform")}`);
    for (const p of ["UCB1", "TS"]) {
      assert.ok(slope(p) < 0.5, `${p}: last-quarter regret / first-quarter regret = ${slope(p).toFixed(3)}, not sublinear`);
      assert.ok(at(p, 500) < at("Uniform", 500) / 3, `${p} regret ${at(p, 500)} is not far below uniform ${at("Uniform", 500)}`);
    }
  });

  test("LinUCB beats UCB1 on the linear preset (10 arms, d = 2, 200 pulls)", async () => {
    const tasks = sampleBanditTasks("dptLinear", { tasks: 500, seed: 9 });
    const lin = await simulateBandit(new LinUCB(), tasks, { seed: 1 });
    const ucb = await simulateBandit(new UCB1(), tasks, { seed: 1 });
    const H = tasks.horizon - 1;
    assert.ok(ucb.meanRegret[H] - lin.meanRegret[H] > 4 * Math.hypot(ucb.seRegret[H], lin.seRegret[H]), `LinUCB ${lin.meanRegret[H]} vs UCB1 ${ucb.meanRegret[H]}`);
    assert.ok(lin.meanRegret[H] < ucb.meanRegret[H] / 3);
  });

  test("a contextual linear bandit redraws features each pull, and LinUCB still learns theta", async () => {
    const tasks = sampleBanditTasks(linearContextual(), { tasks: 200, seed: 2 });
    const lin = await simulateBandit(new LinUCB(), tasks, { seed: 3 });
    const greedy = await simulateBandit(functionPolicy("first", () => 0), tasks, { seed: 3 });
    assert.ok(lin.meanRegret[99] < greedy.meanRegret[99] / 3, `LinUCB ${lin.meanRegret[99]} vs always-arm-0 ${greedy.meanRegret[99]}`);
    // Always arm 0 on fresh contexts is linear: no learning possible.
    assert.ok(greedy.meanRegret[99] / greedy.meanRegret[49] > 1.9);
  });
});

import { linearBanditFamily } from "../../src/index.js";
function linearContextual() {
  return linearBanditFamily({ arms: 5, dim: 3, horizon: 100, contextual: true });
}

test("GaussianBanditEnv and the runner agree on what a pull pays on average", async () => {
  // The runner simulates in typed arrays; the env is the reference semantics.
  const env = new GaussianBanditEnv({ means: [0.2, 0.7], noiseVariance: 0.3 });
  env.reset({ seed: 1 });
  let s = 0;
  for (let i = 0; i < 4000; i++) s += env.step(1).reward;
  const tasks = sampleBanditTasks({ name: "g", sample: () => ({ means: [0.2, 0.7], noiseVariance: 0.3, horizon: 1 }), create: (p: GaussianBanditParams) => new GaussianBanditEnv(p) }, { tasks: 4000 });
  let total = 0;
  await simulateBandit(functionPolicy("arm1", () => 1), tasks, { onPull: (_t, _a, r) => (total = r.reduce((a, b) => a + b, 0)) });
  assert.ok(Math.abs(s / 4000 - 0.7) < 4 * Math.sqrt(0.3 / 4000));
  assert.ok(Math.abs(total / 4000 - 0.7) < 4 * Math.sqrt(0.3 / 4000));
});
