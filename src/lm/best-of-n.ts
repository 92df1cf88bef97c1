/**
 * Best-of-N sampling (rejection sampling against a reward model; Stiennon et al. 2020, Nakano et
 * al. 2021, Gao et al. 2022): draw N completions of each prompt from the policy, keep the one the
 * reward model scores highest. It needs no training; its distance from the policy grows only as
 * KL(best-of-N || policy) = log N - (N - 1) / N (Stiennon et al. 2020, appendix G.3; exact for
 * distinct scores), the yardstick Gao et al. use to compare it with RL.
 */

/** Draws `n` completions for every prompt: result[i] holds prompt i's n completions. */
export type BatchSampler = (prompts: readonly string[], n: number) => Promise<string[][]> | string[][];

/** Scores completions of prompts (same length lists): one number each. */
export type BatchScorer = (prompts: readonly string[], completions: readonly string[]) => Promise<ArrayLike<number>> | ArrayLike<number>;

export interface BestOfNResult {
  /** The kept completion of each prompt. */
  completions: string[];
  /** Its score under the scorer used for choosing. */
  scores: number[];
  /** All candidates per prompt and their scores (for plots of the choice). */
  candidates: string[][];
  candidateScores: number[][];
}

/** KL(best-of-n || base) in nats, log n - (n - 1) / n. */
export function bestOfNKl(n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`bestOfNKl: n must be a positive integer, got ${n}`);
  return Math.log(n) - (n - 1) / n;
}

/**
 * Best-of-n for each prompt: samples n candidates with `sample`, scores them with `score` (a reward
 * model, or any scorer), keeps the best (the first on ties).
 */
export async function bestOfN(prompts: readonly string[], n: number, sample: BatchSampler, score: BatchScorer): Promise<BestOfNResult> {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`bestOfN: n must be a positive integer, got ${n}`);
  if (prompts.length === 0) throw new RangeError("bestOfN: no prompts given");
  const candidates = await sample(prompts, n);
  if (candidates.length !== prompts.length || candidates.some((c) => c.length !== n)) {
    throw new RangeError(`bestOfN: the sampler returned ${candidates.map((c) => c.length).join(", ")} candidates for ${prompts.length} prompts; expected ${n} each`);
  }
  const flatPrompts = prompts.flatMap((p) => Array<string>(n).fill(p));
  const flat = candidates.flat();
  const s = await score(flatPrompts, flat);
  if (s.length !== flat.length) throw new RangeError(`bestOfN: the scorer returned ${s.length} scores for ${flat.length} completions`);
  const completions: string[] = [];
  const scores: number[] = [];
  const candidateScores: number[][] = [];
  for (let i = 0; i < prompts.length; i++) {
    const row = Array.from({ length: n }, (_, k) => s[i * n + k]);
    let best = 0;
    for (let k = 1; k < n; k++) if (row[k] > row[best]) best = k;
    completions.push(candidates[i][best]);
    scores.push(row[best]);
    candidateScores.push(row);
  }
  return { completions, scores, candidates, candidateScores };
}
