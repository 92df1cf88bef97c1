/**
 * Parameter importance: how much of the variation of the objective each parameter explains on
 * its own.
 *
 * The estimator is the one-way ANOVA effect size omega squared, per parameter:
 *
 *   omega^2 = (SS_between - (k - 1) MS_within) / (SS_total + MS_within)
 *
 * where the trials are grouped by the parameter's value (choices: one group per value; numbers:
 * k quantile bins, k = clamp(round(sqrt(n)), 2, 10)). SS_between / SS_total is the fraction of the
 * objective's variance explained by the parameter's main effect (the first-order term that
 * fANOVA, used by Optuna's default importance evaluator, computes on a random-forest surrogate);
 * omega squared removes the part that k groups explain by chance alone (its expectation is ~0
 * for a parameter that does not matter), and is clipped at 0. Interactions are not credited to
 * either parameter. The values are normalized to sum to 1, as Optuna's are.
 *
 * Caveat: with an adaptive sampler (TPE) the parameters are not sampled independently, so a
 * parameter correlated with an important one may get some of its credit; random or grid sweeps
 * give the cleanest estimate.
 */
import type { Space } from "./space.js";
import { searchable } from "./space.js";

export interface ImportanceInput {
  config: Record<string, unknown>;
  value: number;
}

function groupsOf(xs: unknown[], numeric: boolean): number[] {
  const n = xs.length;
  if (!numeric) {
    const keys = new Map<string, number>();
    return xs.map((x) => {
      const k = JSON.stringify(x);
      if (!keys.has(k)) keys.set(k, keys.size);
      return keys.get(k)!;
    });
  }
  const k = Math.min(10, Math.max(2, Math.round(Math.sqrt(n))));
  const order = xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
  const g = new Array<number>(n);
  // Quantile bins; equal values always share a bin.
  let bin = 0;
  order.forEach((i, r) => {
    const target = Math.floor((r * k) / n);
    if (r > 0 && target > bin && (xs[i] as number) !== (xs[order[r - 1]] as number)) bin = target;
    g[i] = bin;
  });
  return g;
}

/** omega squared of y grouped by g (0 when undefined). */
export function omegaSquared(y: number[], g: number[]): number {
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const sums = new Map<number, { s: number; c: number }>();
  y.forEach((v, i) => {
    const e = sums.get(g[i]) ?? { s: 0, c: 0 };
    e.s += v;
    e.c++;
    sums.set(g[i], e);
  });
  const k = sums.size;
  if (k < 2 || n - k < 1) return 0;
  let ssT = 0;
  for (const v of y) ssT += (v - mean) ** 2;
  let ssB = 0;
  for (const { s, c } of sums.values()) ssB += c * (s / c - mean) ** 2;
  const msW = (ssT - ssB) / (n - k);
  if (ssT <= 0) return 0;
  return Math.max(0, (ssB - (k - 1) * msW) / (ssT + msW));
}

/**
 * Importance of each searched parameter (normalized to sum to 1; all 0 when nothing explains the
 * objective), from finished trials with finite values. Needs at least 4 trials.
 */
export function parameterImportance(space: Space, trials: readonly ImportanceInput[]): Record<string, number> {
  const ok = trials.filter((t) => Number.isFinite(t.value));
  if (ok.length < 4) throw new RangeError(`importance: needs at least 4 finished trials with a value, got ${ok.length}`);
  const y = ok.map((t) => t.value);
  const raw: [string, number][] = [];
  for (const [name, p] of searchable(space)) {
    const xs = ok.map((t) => t.config[name]);
    const numeric = p.kind !== "choice" && xs.every((x) => typeof x === "number");
    raw.push([name, omegaSquared(y, groupsOf(numeric ? xs : xs, numeric))]);
  }
  const total = raw.reduce((a, [, v]) => a + v, 0);
  const out: Record<string, number> = {};
  for (const [name, v] of raw.sort((a, b) => b[1] - a[1])) out[name] = total > 0 ? v / total : 0;
  return out;
}
