/**
 * Samplers choose each trial's configuration: grid, random, and TPE (the Tree-structured Parzen
 * Estimator, Bergstra et al. 2011, as Optuna's `TPESampler` implements it with its defaults).
 *
 * A sampler is a pure function of (space, finished trials, trial number, that trial's random
 * generator): it keeps no state of its own, so a sweep resumed from its log draws exactly the
 * configurations the original run would have drawn. Samplers are described by a JSON spec
 * (`{kind: "tpe", options}`) stored in the log; `samplerFromSpec` rebuilds them.
 */
import { Rng } from "../core/rng.js";
import {
  type Config,
  type NumericParam,
  type Param,
  type Space,
  SpaceError,
  fromInternal,
  internalRange,
  quantizedCount,
  searchable,
  snapQuantized,
  toInternal,
} from "./space.js";

export type Direction = "minimize" | "maximize";
export type TrialStatus = "running" | "complete" | "pruned" | "failed";

/** What samplers and pruners see of a trial. */
export interface TrialView {
  number: number;
  config: Config;
  status: TrialStatus;
  /** The final value (complete trials). */
  value?: number;
  /** Intermediate values, in the order reported. */
  reports: { step: number; value: number }[];
}

export interface SamplerSpec {
  kind: "grid" | "random" | "tpe";
  options: Record<string, unknown>;
}

export interface Sampler {
  readonly spec: SamplerSpec;
  /** The number of configurations it can produce, when finite (a grid). */
  size?(space: Space): number;
  /** The configuration of trial `number` (fixed parameters included). */
  sample(space: Space, trials: readonly TrialView[], number: number, rng: Rng, direction: Direction): Config;
}

/** The generator of one trial: depends only on the sweep's seed and the trial number. */
export function trialRng(seed: number, number: number): Rng {
  const s = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) >>> 0) * 65536 + ((number * 0x85eb + 0x2c1b) % 65536) + number * 0x100000000;
  return new Rng(s % Number.MAX_SAFE_INTEGER);
}

/** A value drawn uniformly (in the parameter's own scale: log for log ranges). */
export function sampleUniform(p: Exclude<Param, { kind: "fixed" }>, rng: Rng): unknown {
  switch (p.kind) {
    case "choice":
      return p.values[rng.integer(p.values.length)];
    case "intUniform":
      if (!p.log) return p.low + rng.integer(p.high - p.low + 1);
      return fromInternal(p, rng.uniform(internalRange(p).low, internalRange(p).high));
    case "quantized":
      return snapQuantized(p, p.low + rng.integer(quantizedCount(p)) * p.q);
    default: {
      const r = internalRange(p);
      return fromInternal(p, rng.uniform(r.low, r.high));
    }
  }
}

function withFixed(space: Space, chosen: Config): Config {
  const out: Config = {};
  for (const [name, p] of Object.entries(space)) out[name] = p.kind === "fixed" ? p.value : chosen[name];
  return out;
}

// ---- random --------------------------------------------------------------------------------

/** Every parameter drawn independently and uniformly (log-uniformly for log ranges). */
export function randomSampler(): Sampler {
  return {
    spec: { kind: "random", options: {} },
    sample(space, _trials, _number, rng) {
      const chosen: Config = {};
      for (const [name, p] of searchable(space)) chosen[name] = sampleUniform(p, rng);
      return withFixed(space, chosen);
    },
  };
}

// ---- grid ----------------------------------------------------------------------------------

export interface GridOptions {
  /** Points per continuous range (uniform, logUniform: log-spaced); without it such ranges are an error. */
  points?: number;
  /** Visit the grid in a seeded random order instead of row-major order (default false). */
  shuffle?: boolean;
  /** Largest integer / quantized range enumerated in full (default 1000). */
  maxValues?: number;
}

/** The values a grid takes for one parameter. */
export function gridValues(name: string, p: Param, options: GridOptions = {}): unknown[] {
  const maxValues = options.maxValues ?? 1000;
  switch (p.kind) {
    case "fixed":
      return [p.value];
    case "choice":
      return [...p.values];
    case "intUniform": {
      const n = p.high - p.low + 1;
      if (n > maxValues) throw new SpaceError(name, `a grid over intUniform(${p.low}, ${p.high}) has ${n} values (more than ${maxValues}); use choice([...]) with the values to try`);
      return Array.from({ length: n }, (_, i) => p.low + i);
    }
    case "quantized": {
      const n = quantizedCount(p);
      if (n > maxValues) throw new SpaceError(name, `a grid over quantized(${p.low}, ${p.high}, ${p.q}) has ${n} values (more than ${maxValues}); use a larger q or choice([...])`);
      return Array.from({ length: n }, (_, i) => snapQuantized(p, p.low + i * p.q));
    }
    case "uniform":
    case "logUniform": {
      const k = options.points;
      if (k === undefined) throw new SpaceError(name, `a grid cannot enumerate the continuous range ${p.kind}(${p.low}, ${p.high}); use choice([...]) or grid({points: 5})`);
      if (!Number.isInteger(k) || k < 1) throw new RangeError(`grid: points must be a positive integer, got ${k}`);
      if (k === 1) return [fromInternal(p, (internalRange(p).low + internalRange(p).high) / 2)];
      const r = internalRange(p);
      return Array.from({ length: k }, (_, i) => (i === k - 1 ? p.high : i === 0 ? p.low : fromInternal(p, r.low + ((r.high - r.low) * i) / (k - 1))));
    }
  }
}

/** Every combination of the parameters' values, each exactly once (the sweep stops after the last). */
export function gridSampler(options: GridOptions = {}): Sampler {
  const cache = new WeakMap<Space, { names: string[]; values: unknown[][]; order: number[] | undefined }>();
  const layout = (space: Space, seed?: Rng) => {
    let l = cache.get(space);
    if (!l) {
      const names = Object.keys(space);
      const values = names.map((n) => gridValues(n, space[n], options));
      l = { names, values, order: undefined };
      cache.set(space, l);
    }
    void seed;
    return l;
  };
  const size = (space: Space) => layout(space).values.reduce((a, v) => a * v.length, 1);
  return {
    spec: { kind: "grid", options: { ...options } },
    size,
    sample(space, _trials, number) {
      const l = layout(space);
      const n = size(space);
      if (number >= n) throw new RangeError(`grid: trial ${number} is past the end of the grid (${n} combinations)`);
      let index = number;
      if (options.shuffle) {
        // A fixed permutation of the grid (seeded by the grid's size so it is the same on resume).
        if (!l.order) l.order = new Rng(n).shuffle(Array.from({ length: n }, (_, i) => i));
        index = l.order[number];
      }
      const config: Config = {};
      // Row-major: the last parameter varies fastest.
      for (let j = l.names.length - 1; j >= 0; j--) {
        const vs = l.values[j];
        config[l.names[j]] = vs[index % vs.length];
        index = Math.floor(index / vs.length);
      }
      return Object.fromEntries(l.names.map((nm) => [nm, config[nm]]));
    },
  };
}

// ---- TPE -----------------------------------------------------------------------------------

export interface TPEOptions {
  /** Trials drawn at random before TPE starts (Optuna: 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter; the one maximizing l(x)/g(x) wins (Optuna: 24). */
  nEICandidates?: number;
  /** Weight of the prior component (Optuna: 1.0). */
  priorWeight?: number;
  /** The number of "good" trials out of n finished (Optuna: min(ceil(0.1 n), 25)). */
  gamma?: (n: number) => number;
}

/** Optuna's default gamma: the best 10% of trials, at most 25. */
export const defaultGamma = (n: number) => Math.min(Math.ceil(0.1 * n), 25);

/** Optuna's default weights: older trials fade linearly once there are more than 25. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 25 - 1)));
  return [...ramp, ...new Array(25).fill(1)];
}

// Standard normal CDF via erf (Abramowitz & Stegun 7.1.26 is too coarse in the tails: use a
// continued-fraction-free high-precision erfc, W. J. Cody's rational approximations via Numerical
// Recipes' erfc Chebyshev fit, relative error < 1.2e-7 everywhere).
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
const normCdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const EPS = 1e-300;

function logsumexp(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** A one-dimensional Parzen estimator over a numeric parameter's internal coordinate. */
export class NumericParzen {
  readonly mus: number[];
  readonly sigmas: number[];
  readonly weights: number[];
  readonly low: number;
  readonly high: number;
  readonly step: number;

  /** `obs` in internal coordinates, `w` their (unnormalized) weights; Optuna's bandwidth rule. */
  constructor(p: NumericParam, obs: number[], w: number[], priorWeight: number) {
    const r = internalRange(p);
    this.step = r.step;
    // Discrete ranges are widened by half a step on each side so every value has equal room.
    const low = r.low - r.step / 2;
    const high = r.high + r.step / 2;
    this.low = low;
    this.high = high;
    const n = obs.length;
    // Bandwidths from neighbour distances among the observations and the prior's centre.
    const prior = (low + high) / 2;
    const all = [...obs, prior];
    const order = all.map((_, i) => i).sort((a, b) => all[a] - all[b]);
    const sorted = order.map((i) => all[i]);
    const m = sorted.length;
    const withEnds = [low, ...sorted, high];
    const sortedSigmas = sorted.map((_, k) => Math.max(withEnds[k + 1] - withEnds[k], withEnds[k + 2] - withEnds[k + 1]));
    if (withEnds.length >= 4) {
      // consider_endpoints=False: the extreme points use their inner neighbour's distance only.
      sortedSigmas[0] = withEnds[2] - withEnds[1];
      sortedSigmas[m - 1] = withEnds[m] - withEnds[m - 1];
    }
    const sigmas = new Array<number>(m);
    order.forEach((i, k) => (sigmas[i] = sortedSigmas[k]));
    sigmas.length = n;
    const maxSigma = high - low;
    const minSigma = (high - low) / Math.min(100, 1 + n + 1); // magic clip: n observations + the prior
    this.mus = [...obs, prior];
    this.sigmas = [...sigmas.map((s) => Math.min(maxSigma, Math.max(minSigma, s))), maxSigma];
    const ws = [...w, priorWeight];
    const total = ws.reduce((a, b) => a + b, 0);
    this.weights = ws.map((x) => x / total);
  }

  sample(rng: Rng): number {
    let u = rng.random();
    let k = 0;
    while (k < this.weights.length - 1 && u >= this.weights[k]) u -= this.weights[k++];
    const mu = this.mus[k];
    const s = this.sigmas[k];
    for (let tries = 0; tries < 1000; tries++) {
      const x = rng.normal(mu, s);
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, mu));
  }

  /** log density (log probability mass for discrete ranges) at an internal coordinate. */
  logPdf(x: number): number {
    const terms: number[] = [];
    for (let k = 0; k < this.mus.length; k++) {
      const mu = this.mus[k];
      const s = this.sigmas[k];
      const z = Math.max(normCdf((this.high - mu) / s) - normCdf((this.low - mu) / s), EPS);
      let lp: number;
      if (this.step > 0) {
        const mass = normCdf((x + this.step / 2 - mu) / s) - normCdf((x - this.step / 2 - mu) / s);
        lp = Math.log(Math.max(mass, EPS));
      } else {
        const d = (x - mu) / s;
        lp = -0.5 * d * d - Math.log(s) - LOG_SQRT_2PI;
      }
      terms.push(Math.log(this.weights[k]) + lp - Math.log(z));
    }
    return logsumexp(terms);
  }
}

/** A Parzen estimator over a choice parameter (Optuna's: each observation a peaked categorical). */
export class CategoricalParzen {
  /** probs[k][c]: component k's probability of choice c. */
  readonly probs: number[][];
  readonly weights: number[];

  constructor(nChoices: number, obs: number[], w: number[], priorWeight: number) {
    const nKernels = obs.length + 1;
    this.probs = [];
    for (let k = 0; k < nKernels; k++) {
      const row = new Array<number>(nChoices).fill(priorWeight / nKernels);
      if (k < obs.length) row[obs[k]] += 1;
      const sum = row.reduce((a, b) => a + b, 0);
      this.probs.push(row.map((v) => v / sum));
    }
    const ws = [...w, priorWeight];
    const total = ws.reduce((a, b) => a + b, 0);
    this.weights = ws.map((x) => x / total);
  }

  /** The mixture's probability of each choice. */
  mixture(): number[] {
    const n = this.probs[0].length;
    const out = new Array<number>(n).fill(0);
    this.probs.forEach((row, k) => row.forEach((p, c) => (out[c] += this.weights[k] * p)));
    return out;
  }

  sample(rng: Rng): number {
    const m = this.mixture();
    let u = rng.random();
    for (let c = 0; c < m.length - 1; c++) {
      if (u < m[c]) return c;
      u -= m[c];
    }
    return m.length - 1;
  }

  logPdf(c: number): number {
    return Math.log(Math.max(this.mixture()[c], EPS));
  }
}

/**
 * Splits finished trials into the good ("below") and the rest ("above"), Optuna's way: complete
 * trials ranked by value, then pruned trials (ranked by how far they got, then by their last
 * reported value) after every complete one. Each group keeps trial-number order.
 */
export function splitTrials(trials: readonly TrialView[], direction: Direction, nBelow: number): { below: TrialView[]; above: TrialView[] } {
  const sign = direction === "minimize" ? 1 : -1;
  const complete = trials.filter((t) => t.status === "complete" && Number.isFinite(t.value));
  const pruned = trials.filter((t) => t.status === "pruned" && t.reports.length > 0);
  complete.sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
  const last = (t: TrialView) => t.reports[t.reports.length - 1];
  // A pruned trial whose last report is NaN ranks last among those that got as far.
  const lastKey = (t: TrialView) => (Number.isNaN(last(t).value) ? Infinity : sign * last(t).value);
  pruned.sort((a, b) => last(b).step - last(a).step || (lastKey(a) === lastKey(b) ? 0 : lastKey(a) - lastKey(b)) || a.number - b.number);
  const ranked = [...complete, ...pruned];
  const belowSet = new Set(ranked.slice(0, nBelow).map((t) => t.number));
  const byNumber = (a: TrialView, b: TrialView) => a.number - b.number;
  return { below: ranked.filter((t) => belowSet.has(t.number)).sort(byNumber), above: ranked.filter((t) => !belowSet.has(t.number)).sort(byNumber) };
}

/**
 * TPE as in Optuna (independent per parameter, the defaults of `optuna.samplers.TPESampler`):
 * after `nStartupTrials` random trials, finished trials are split into the best
 * gamma(n) ("below", l(x)) and the rest ("above", g(x)); each is modelled by a Parzen estimator
 * (one truncated Gaussian per observation with a bandwidth from its neighbours' distances, plus a
 * prior component over the whole range; linear down-weighting of old trials beyond 25); 24
 * candidates are drawn from l(x) and the one maximizing log l(x) - log g(x) (expected
 * improvement) is chosen.
 */
export function tpeSampler(options: TPEOptions = {}): Sampler {
  const nStartup = options.nStartupTrials ?? 10;
  const nCandidates = options.nEICandidates ?? 24;
  const priorWeight = options.priorWeight ?? 1;
  const gamma = options.gamma ?? defaultGamma;
  if (typeof gamma !== "function") throw new RangeError(`tpe: gamma must be a function from the number of finished trials to how many count as good (e.g. n => Math.ceil(0.1 * n)), got ${JSON.stringify(gamma)}`);
  if (!(Number.isInteger(nStartup) && nStartup >= 0)) throw new RangeError(`tpe: nStartupTrials must be an integer >= 0, got ${nStartup}`);
  if (!(Number.isInteger(nCandidates) && nCandidates >= 1)) throw new RangeError(`tpe: nEICandidates must be a positive integer, got ${nCandidates}`);
  if (!(priorWeight > 0)) throw new RangeError(`tpe: priorWeight must be > 0, got ${priorWeight}`);
  const random = randomSampler();
  const specOptions: Record<string, unknown> = { nStartupTrials: nStartup, nEICandidates: nCandidates, priorWeight };
  return {
    spec: { kind: "tpe", options: specOptions },
    sample(space, trials, number, rng, direction) {
      const finished = trials.filter((t) => (t.status === "complete" && Number.isFinite(t.value)) || (t.status === "pruned" && t.reports.length > 0));
      if (finished.length < nStartup || finished.length === 0) return random.sample(space, trials, number, rng, direction);
      const { below, above } = splitTrials(finished, direction, gamma(finished.length));
      const chosen: Config = {};
      for (const [name, p] of searchable(space)) {
        // Only trials that have this parameter with a legal value take part.
        const has = (t: TrialView) => t.config[name] !== undefined;
        const b = below.filter(has);
        const a = above.filter(has);
        if (p.kind === "choice") {
          const idx = (t: TrialView) => p.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(t.config[name]));
          const bi = b.map(idx).filter((i) => i >= 0);
          const ai = a.map(idx).filter((i) => i >= 0);
          const l = new CategoricalParzen(p.values.length, bi, defaultWeights(bi.length), priorWeight);
          const g = new CategoricalParzen(p.values.length, ai, defaultWeights(ai.length), priorWeight);
          let best = 0;
          let bestScore = -Infinity;
          for (let k = 0; k < nCandidates; k++) {
            const c = l.sample(rng);
            const s = l.logPdf(c) - g.logPdf(c);
            if (s > bestScore) (bestScore = s), (best = c);
          }
          chosen[name] = p.values[best];
        } else {
          const xs = (ts: TrialView[]) => ts.map((t) => t.config[name]).filter((v): v is number => typeof v === "number").map((v) => toInternal(p, v));
          const bx = xs(b);
          const ax = xs(a);
          const l = new NumericParzen(p, bx, defaultWeights(bx.length), priorWeight);
          const g = new NumericParzen(p, ax, defaultWeights(ax.length), priorWeight);
          let best = NaN;
          let bestScore = -Infinity;
          for (let k = 0; k < nCandidates; k++) {
            // Discrete values are snapped to their grid before scoring.
            const v = fromInternal(p, l.sample(rng));
            const x = toInternal(p, v);
            const s = l.logPdf(x) - g.logPdf(x);
            if (s > bestScore || Number.isNaN(best)) (bestScore = s), (best = v);
          }
          chosen[name] = best;
        }
      }
      return withFixed(space, chosen);
    },
  };
}

/** Rebuilds a sampler from the spec stored in a sweep's log. */
export function samplerFromSpec(spec: SamplerSpec): Sampler {
  switch (spec.kind) {
    case "grid":
      return gridSampler(spec.options as GridOptions);
    case "random":
      return randomSampler();
    case "tpe":
      return tpeSampler(spec.options as TPEOptions);
  }
  throw new RangeError(`unknown sampler kind ${JSON.stringify((spec as SamplerSpec).kind)}; expected "grid", "random" or "tpe"`);
}

/** A sampler from a name ("grid" | "random" | "tpe") or an object. */
export function toSampler(s: Sampler | SamplerSpec["kind"] | undefined): Sampler {
  if (s === undefined || s === "tpe") return tpeSampler();
  if (s === "random") return randomSampler();
  if (s === "grid") return gridSampler();
  if (typeof s === "object" && typeof s.sample === "function") return s;
  throw new RangeError(`sweep: sampler must be "grid", "random", "tpe" or a Sampler, got ${JSON.stringify(s)}`);
}
