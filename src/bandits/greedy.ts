/**
 * Greedy and epsilon-greedy (Sutton & Barto, "Reinforcement Learning: An Introduction", 2nd ed.,
 * section 2.2-2.3): play the arm with the highest empirical mean reward; epsilon-greedy plays a
 * uniformly random arm instead with probability epsilon. Both pull every arm once first (so every
 * empirical mean exists), in random order.
 */
import { argmaxScores, checkOption, CountingPolicy } from "./policy.js";

/** Greedy: the empirical-mean arm after one pull of each (DPT's "Emp" baseline). */
export class Greedy extends CountingPolicy {
  readonly name: string = "Greedy";

  selectArms(_t: number, out: Int32Array): void {
    const k = this.k;
    for (let i = 0; i < this.n; i++) {
      const u = this.unpulled(i);
      if (u >= 0) {
        out[i] = u;
        continue;
      }
      const base = i * k;
      for (let a = 0; a < k; a++) this.scores[a] = this.sums[base + a] / this.counts[base + a];
      out[i] = argmaxScores(this.scores, k, this.rng);
    }
  }
}

export interface EpsilonGreedyOptions {
  /** Probability of a uniformly random arm (default 0.1, Sutton & Barto's Figure 2.2). */
  epsilon?: number;
}

/** Epsilon-greedy: greedy, but a uniformly random arm with probability epsilon. */
export class EpsilonGreedy extends Greedy {
  override readonly name: string;
  readonly epsilon: number;

  constructor(options: EpsilonGreedyOptions = {}) {
    super();
    this.epsilon = options.epsilon ?? 0.1;
    checkOption("EpsilonGreedy", "epsilon", this.epsilon, 0, 1);
    this.name = `ε-greedy (${this.epsilon})`;
  }

  override selectArms(t: number, out: Int32Array): void {
    super.selectArms(t, out);
    for (let i = 0; i < this.n; i++) if (this.rng.random() < this.epsilon) out[i] = this.rng.integer(this.k);
  }
}
