/**
 * The posterior probability that each arm is the best one, P(a* = a | history), for Gaussian
 * arms whose means are drawn independently and uniformly from [0, 1] with known noise variance
 * (the prior of DPT's bandit tasks, see gaussianBanditFamily). Given n pulls of arm a with reward
 * sum S, its mean's posterior density is proportional to exp(-n (mu - S/n)^2 / (2 variance)) on
 * [0, 1] (uniform when n = 0), independently across arms, and
 *   P(a* = a) = integral over x of p_a(x) * prod_{b != a} F_b(x) dx,
 * computed on a grid of `gridSize` midpoints of [0, 1] (ties within a grid cell split evenly:
 * F_b at a midpoint counts half its own cell). Observations update one arm's grid at a time, so
 * a history of n pulls costs n * gridSize * (numArms + 2) operations.
 *
 * DPT pretrains on the sampled optimal arm a* of each task; this is the distribution that label
 * is drawn from given the context, so a cross-entropy against it has the same expected gradient
 * and the same minimiser, with less noise (DPT's `label: "posterior"` option).
 */
export class OptimalArmPosterior {
  private readonly grid: Float64Array;
  private readonly counts: Float64Array;
  private readonly sums: Float64Array;
  /** Per arm, the posterior mass of each grid cell [A * G]. */
  private readonly pmf: Float64Array;
  /** Per arm, P(mean < midpoint) with half the own cell [A * G]. */
  private readonly cdf: Float64Array;
  private readonly prefix: Float64Array;
  private readonly suffix: Float64Array;
  private readonly p: Float64Array;

  constructor(
    readonly numArms: number,
    readonly noiseVariance: number,
    readonly gridSize = 200,
  ) {
    if (!Number.isInteger(numArms) || numArms < 1) throw new RangeError(`OptimalArmPosterior: numArms must be a positive integer, got ${numArms}`);
    if (!(noiseVariance > 0)) throw new RangeError(`OptimalArmPosterior: noiseVariance must be > 0, got ${noiseVariance}`);
    if (!Number.isInteger(gridSize) || gridSize < 2) throw new RangeError(`OptimalArmPosterior: gridSize must be an integer >= 2, got ${gridSize}`);
    const G = gridSize;
    this.grid = Float64Array.from({ length: G }, (_, g) => (g + 0.5) / G);
    this.counts = new Float64Array(numArms);
    this.sums = new Float64Array(numArms);
    this.pmf = new Float64Array(numArms * G);
    this.cdf = new Float64Array(numArms * G);
    this.prefix = new Float64Array(G);
    this.suffix = new Float64Array(numArms * G);
    this.p = new Float64Array(numArms);
    this.reset();
  }

  /** Forgets every observation (the prior). */
  reset(): void {
    this.counts.fill(0);
    this.sums.fill(0);
    for (let a = 0; a < this.numArms; a++) this.refresh(a);
  }

  /** Adds one pull of `arm` with its reward. */
  observe(arm: number, reward: number): void {
    if (!(Number.isInteger(arm) && arm >= 0 && arm < this.numArms)) throw new RangeError(`OptimalArmPosterior.observe: arm ${arm} is not one of the ${this.numArms} arms`);
    this.counts[arm]++;
    this.sums[arm] += reward;
    this.refresh(arm);
  }

  /** Writes P(a* = a | observations) for every arm to out[off .. off + numArms). */
  probabilities(out: Float32Array | Float64Array, off = 0): void {
    const A = this.numArms;
    const G = this.gridSize;
    const { pmf, cdf, suffix, prefix, p } = this;
    // suffix[a * G + g] = prod_{b > a} F_b(g); prefix[g] = prod_{b < a} F_b(g) while a goes up.
    for (let g = 0; g < G; g++) suffix[(A - 1) * G + g] = 1;
    for (let a = A - 2; a >= 0; a--) for (let g = 0; g < G; g++) suffix[a * G + g] = suffix[(a + 1) * G + g] * cdf[(a + 1) * G + g];
    prefix.fill(1);
    let z = 0;
    for (let a = 0; a < A; a++) {
      let s = 0;
      for (let g = 0; g < G; g++) {
        s += pmf[a * G + g] * prefix[g] * suffix[a * G + g];
        prefix[g] *= cdf[a * G + g];
      }
      z += p[a] = s;
    }
    for (let a = 0; a < A; a++) out[off + a] = p[a] / z;
  }

  private refresh(a: number): void {
    const G = this.gridSize;
    const n = this.counts[a];
    const m = n > 0 ? this.sums[a] / n : 0;
    const k = n / (2 * this.noiseVariance);
    let max = -Infinity;
    for (let g = 0; g < G; g++) max = Math.max(max, -k * (this.grid[g] - m) ** 2);
    let z = 0;
    for (let g = 0; g < G; g++) z += this.pmf[a * G + g] = Math.exp(-k * (this.grid[g] - m) ** 2 - max);
    let c = 0;
    for (let g = 0; g < G; g++) {
      const q = (this.pmf[a * G + g] /= z);
      this.cdf[a * G + g] = c + q / 2;
      c += q;
    }
  }
}
