/**
 * Optimism in the face of uncertainty: UCB1 and KL-UCB.
 *
 * UCB1 (Auer, Cesa-Bianchi & Fischer 2002, "Finite-time Analysis of the Multiarmed Bandit
 * Problem", Figure 1): pull each arm once, then the arm maximizing
 *     mean_a + c * sqrt(2 ln t / n_a),
 * t = pulls so far, n_a = pulls of arm a; c = 1 is the paper's index (rewards in [0, 1]).
 *
 * KL-UCB for Bernoulli rewards (Garivier & Cappé 2011, "The KL-UCB Algorithm for Bounded
 * Stochastic Bandits and Beyond", Algorithm 1 / eq. (4)): pull each arm once, then the arm
 * maximizing
 *     max { q in [mean_a, 1] : n_a * kl(mean_a, q) <= ln t + c ln ln t },
 * kl the Bernoulli KL divergence; c = 0 is what the paper's experiments use (c = 3 in its
 * theorem). The index is found by bisection to 1e-6.
 */
import { argmaxScores, checkOption, CountingPolicy } from "./policy.js";

export interface UCB1Options {
  /** Exploration scale c in mean + c sqrt(2 ln t / n) (default 1, Auer et al. 2002). */
  c?: number;
}

/** UCB1 (see the module comment). */
export class UCB1 extends CountingPolicy {
  readonly name: string;
  readonly c: number;

  constructor(options: UCB1Options = {}) {
    super();
    this.c = options.c ?? 1;
    checkOption("UCB1", "c", this.c, 0);
    this.name = this.c === 1 ? "UCB1" : `UCB1 (c=${this.c})`;
  }

  selectArms(t: number, out: Int32Array): void {
    const k = this.k;
    const logT2 = 2 * Math.log(Math.max(t, 1));
    for (let i = 0; i < this.n; i++) {
      const u = this.unpulled(i);
      if (u >= 0) {
        out[i] = u;
        continue;
      }
      const base = i * k;
      for (let a = 0; a < k; a++) {
        const n = this.counts[base + a];
        this.scores[a] = this.sums[base + a] / n + this.c * Math.sqrt(logT2 / n);
      }
      out[i] = argmaxScores(this.scores, k, this.rng);
    }
  }
}

/** Bernoulli KL divergence kl(p, q), with 0 log 0 = 0 and q clamped away from 0 and 1. */
export function bernoulliKL(p: number, q: number): number {
  const eps = 1e-15;
  q = Math.min(Math.max(q, eps), 1 - eps);
  let s = 0;
  if (p > 0) s += p * Math.log(p / q);
  if (p < 1) s += (1 - p) * Math.log((1 - p) / (1 - q));
  return s;
}

/** The KL-UCB index: the largest q in [mean, 1] with n kl(mean, q) <= bound (bisection). */
export function klUcbIndex(mean: number, n: number, bound: number, tol = 1e-6): number {
  if (bound <= 0) return mean;
  let lo = mean;
  let hi = 1;
  while (hi - lo > tol) {
    const mid = (lo + hi) / 2;
    if (n * bernoulliKL(mean, mid) <= bound) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface KLUCBOptions {
  /** c in the bound ln t + c ln ln t (default 0, Garivier & Cappé's experiments). */
  c?: number;
}

/** KL-UCB for Bernoulli rewards in [0, 1] (see the module comment). */
export class KLUCB extends CountingPolicy {
  readonly name = "KL-UCB";
  readonly c: number;

  constructor(options: KLUCBOptions = {}) {
    super();
    this.c = options.c ?? 0;
    checkOption("KLUCB", "c", this.c, 0);
  }

  selectArms(t: number, out: Int32Array): void {
    const k = this.k;
    const lt = Math.log(Math.max(t, 1));
    const bound = lt + (lt > 1 ? this.c * Math.log(lt) : 0);
    for (let i = 0; i < this.n; i++) {
      const u = this.unpulled(i);
      if (u >= 0) {
        out[i] = u;
        continue;
      }
      const base = i * k;
      for (let a = 0; a < k; a++) this.scores[a] = klUcbIndex(Math.min(Math.max(this.sums[base + a] / this.counts[base + a], 0), 1), this.counts[base + a], bound);
      out[i] = argmaxScores(this.scores, k, this.rng);
    }
  }
}
