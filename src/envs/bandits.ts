/**
 * Multi-armed and linear contextual bandits, each knowing its expected rewards so regret can be
 * computed.
 *
 * A bandit episode is a sequence of pulls; the observation is a constant 0 (Discrete(1)) for the
 * k-armed bandits and the arms' feature vectors for the linear bandit. Every step's info holds
 * `expectedReward` (the mean of the pulled arm), `optimalExpectedReward` and `regret` (their
 * difference, the pseudo-regret), so cumulative regret is a running sum of `info.regret`.
 *
 * DPT presets (Lee et al. 2023, "Supervised Pretraining Can Learn In-Context Reinforcement
 * Learning"; code `run_bandit.sh`, `run_linear_bandit.sh`): 5 arms, horizon 500, means uniform in
 * [0, 1], Gaussian noise of variance 0.3; linear: 10 arms, d = 2, horizon 200, variance 0.3.
 * (DPT's code passes 0.3 to `np.random.normal` as the standard deviation; here 0.3 is the
 * variance, as the paper and the issue state; set `noiseVariance: 0.09` for the code's.)
 */
import { Env, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import type { Rng } from "../core/rng.js";
import { Box, Discrete, type Space } from "../core/spaces.js";
import { rect, svgDocument, text, line } from "../core/svg.js";

/** Named bandit setups from the DPT paper. */
export const BANDIT_PRESETS = Object.freeze({
  /** DPT multi-armed bandit: 5 arms, 500 pulls, Gaussian noise variance 0.3. */
  dpt: Object.freeze({ arms: 5, horizon: 500, noiseVariance: 0.3 }),
  /** DPT linear bandit: 10 arms, d = 2, 200 pulls, Gaussian noise variance 0.3. */
  dptLinear: Object.freeze({ arms: 10, dim: 2, horizon: 200, noiseVariance: 0.3 }),
});

/** What a bandit's step reports: the pulled arm's and the best arm's expected rewards, and their difference (the pseudo-regret). */
export type BanditStepInfo = { expectedReward: number; optimalExpectedReward: number; regret: number };

/** The base class of bandits: pulls an arm, reports expected and optimal rewards. */
export abstract class BanditEnv<O = number> extends Env<O, number, BanditStepInfo> {
  readonly actionSpace: Discrete;
  /** Pulls per episode (the TimeLimit `make` applies). */
  readonly horizon: number;

  constructor(readonly numArms: number, horizon: number) {
    super();
    if (!Number.isInteger(numArms) || numArms < 1) throw new RangeError(`bandit: number of arms must be a positive integer, got ${numArms}`);
    this.actionSpace = new Discrete(numArms);
    this.horizon = horizon;
    this.metadata = { renderFps: 10 };
  }

  /** The expected reward of pulling `arm` now. */
  abstract expectedReward(arm: number): number;
  /** Draws a reward for pulling `arm`. */
  protected abstract drawReward(arm: number): number;
  protected abstract observe(): O;
  /** Called after each pull (a contextual bandit draws its next context). */
  protected advance(): void {}

  /** The best arm's expected reward now. */
  get optimalExpectedReward(): number {
    let best = -Infinity;
    for (let a = 0; a < this.numArms; a++) best = Math.max(best, this.expectedReward(a));
    return best;
  }

  /** The best arm now (lowest index on ties). */
  get optimalArm(): number {
    let best = 0;
    for (let a = 1; a < this.numArms; a++) if (this.expectedReward(a) > this.expectedReward(best)) best = a;
    return best;
  }

  reset(args: ResetArgs = {}): ResetResult<O> {
    this.seedRng(args.seed);
    this.onReset();
    this.status = "running";
    return { obs: this.observe(), info: { optimalExpectedReward: this.optimalExpectedReward } };
  }

  /** Prepares a new episode (a contextual bandit draws its first context). */
  protected onReset(): void {}

  step(arm: number): StepResult<O, BanditStepInfo> {
    this.checkStep(arm);
    const expectedReward = this.expectedReward(arm);
    const optimalExpectedReward = this.optimalExpectedReward;
    const reward = this.drawReward(arm);
    this.advance();
    return this.finishStep({
      obs: this.observe(),
      reward,
      terminated: false,
      truncated: false,
      info: { expectedReward, optimalExpectedReward, regret: optimalExpectedReward - expectedReward },
    });
  }

  override render(): string {
    const k = this.numArms;
    const means = Array.from({ length: k }, (_, a) => this.expectedReward(a));
    const lo = Math.min(0, ...means);
    const hi = Math.max(1, ...means);
    const W = Math.max(240, 40 * k);
    const H = 200;
    const bw = W / k;
    const y = (v: number): number => 170 - ((v - lo) / (hi - lo)) * 150;
    const best = this.optimalArm;
    const parts = [line(0, y(0), W, y(0), "#888888")];
    means.forEach((m, a) => {
      const top = Math.min(y(m), y(0));
      parts.push(rect(a * bw + 4, top, bw - 8, Math.abs(y(m) - y(0)), a === best ? "#2e9e5b" : "#5b7bd5"));
      parts.push(text(a * bw + bw / 2, 190, String(a), 11, "#000000", "middle"));
    });
    parts.push(text(4, 14, "expected reward per arm (green: best)", 11, "#333333"));
    return svgDocument(W, H, parts);
  }
}

/** Params of a Bernoulli bandit. */
export interface BernoulliBanditParams {
  /** Success probability of each arm. */
  probs: readonly number[];
  /** Pulls per episode (default 500). */
  horizon?: number;
}

/** A k-armed bandit whose arm a pays 1 with probability probs[a], else 0. */
export class BernoulliBanditEnv extends BanditEnv<number> {
  readonly observationSpace = new Discrete(1);
  readonly params: BernoulliBanditParams;

  constructor(params: BernoulliBanditParams) {
    super(params.probs.length, params.horizon ?? 500);
    params.probs.forEach((p, i) => {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`BernoulliBandit: probs[${i}] = ${p} is not in [0, 1]`);
    });
    this.params = { ...params, probs: [...params.probs] };
  }

  expectedReward(arm: number): number {
    return this.params.probs[arm];
  }

  protected drawReward(arm: number): number {
    return this.rng.random() < this.params.probs[arm] ? 1 : 0;
  }

  protected observe(): number {
    return 0;
  }
}

/** Params of a Gaussian bandit. */
export interface GaussianBanditParams {
  /** Mean reward of each arm. */
  means: readonly number[];
  /** Variance of the Gaussian reward noise. */
  noiseVariance: number;
  /** Pulls per episode (default 500). */
  horizon?: number;
}

/** A k-armed bandit whose arm a pays means[a] + N(0, noiseVariance). */
export class GaussianBanditEnv extends BanditEnv<number> {
  readonly observationSpace = new Discrete(1);
  readonly params: GaussianBanditParams;

  constructor(params: GaussianBanditParams) {
    super(params.means.length, params.horizon ?? 500);
    if (!(params.noiseVariance >= 0)) throw new RangeError(`GaussianBandit: noiseVariance must be >= 0, got ${params.noiseVariance}`);
    this.params = { ...params, means: [...params.means] };
  }

  expectedReward(arm: number): number {
    return this.params.means[arm];
  }

  protected drawReward(arm: number): number {
    return this.params.means[arm] + Math.sqrt(this.params.noiseVariance) * this.rng.normal();
  }

  protected observe(): number {
    return 0;
  }
}

/** Params of a linear bandit. */
export interface LinearBanditParams {
  /** The hidden reward parameter (length d). */
  theta: readonly number[];
  /** Fixed arm features, k rows of d; required unless `contextual`. */
  arms?: readonly (readonly number[])[];
  /** Number of arms when `contextual` (features drawn every step). */
  numArms?: number;
  /** Draw fresh arm features from N(0, I/d) before every pull (a contextual bandit). */
  contextual?: boolean;
  /** Variance of the Gaussian reward noise. */
  noiseVariance: number;
  /** Pulls per episode (default 200). */
  horizon?: number;
}

/**
 * A linear bandit: arm a has features x_a in R^d and pays <x_a, theta> + N(0, noiseVariance).
 * The observation is the k x d feature matrix the next pull chooses from (Float32Array, row a =
 * x_a). With `contextual`, the features are drawn anew from N(0, I/d) before every pull (a linear
 * contextual bandit); otherwise they are fixed (DPT's linear bandit).
 */
export class LinearBanditEnv extends BanditEnv<Float32Array> {
  readonly observationSpace: Space<Float32Array>;
  readonly params: LinearBanditParams;
  readonly dim: number;
  private readonly features: Float64Array;

  constructor(params: LinearBanditParams) {
    const contextual = params.contextual ?? false;
    const k = contextual ? params.numArms ?? 0 : params.arms?.length ?? 0;
    super(k, params.horizon ?? 200);
    const d = params.theta.length;
    if (d < 1) throw new RangeError("LinearBandit: theta must not be empty");
    if (!contextual) {
      if (!params.arms) throw new RangeError("LinearBandit: give `arms` (k x d features) or set `contextual: true` with `numArms`");
      params.arms.forEach((row, a) => {
        if (row.length !== d) throw new RangeError(`LinearBandit: arm ${a} has ${row.length} features, theta has ${d}`);
      });
    }
    if (!(params.noiseVariance >= 0)) throw new RangeError(`LinearBandit: noiseVariance must be >= 0, got ${params.noiseVariance}`);
    this.params = { ...params, theta: [...params.theta], arms: params.arms?.map((r) => [...r]), contextual };
    this.dim = d;
    this.features = new Float64Array(k * d);
    if (!contextual) params.arms!.forEach((row, a) => row.forEach((v, j) => (this.features[a * d + j] = v)));
    this.observationSpace = new Box(-Infinity, Infinity, [k, d], "float32");
  }

  expectedReward(arm: number): number {
    let s = 0;
    for (let j = 0; j < this.dim; j++) s += this.features[arm * this.dim + j] * this.params.theta[j];
    return s;
  }

  protected drawReward(arm: number): number {
    return this.expectedReward(arm) + Math.sqrt(this.params.noiseVariance) * this.rng.normal();
  }

  protected override onReset(): void {
    if (this.params.contextual) this.drawContext(this.rng);
  }

  protected override advance(): void {
    if (this.params.contextual) this.drawContext(this.rng);
  }

  private drawContext(rng: Rng): void {
    const sd = 1 / Math.sqrt(this.dim);
    for (let i = 0; i < this.features.length; i++) this.features[i] = rng.normal(0, sd);
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.features);
  }
}
