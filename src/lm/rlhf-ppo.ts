/**
 * RLHF with PPO, as in Ziegler et al. 2019 ("Fine-Tuning Language Models from Human Preferences"),
 * Stiennon et al. 2020 and Ouyang et al. 2022, and TRL's PPOTrainer which follows them.
 *
 * Each generated token is one step of an episode whose state is the text so far. The reward of a
 * completion y of prompt x is the reward model's score at its last token, and at every token t a
 * penalty for leaving the frozen reference model:
 *
 *   r_t = -klCoef * (log pi(y_t | x, y_<t) - log ref(y_t | x, y_<t))   (+ score at the last token)
 *
 * so the return is score - klCoef * KL(pi || ref) estimated on the sample. A value head on the
 * policy's transformer gives V(x, y_<t); advantages are GAE over the token steps (gamma 1,
 * lambda 0.95) and the update is PPO's clipped objective with a clipped value loss. The KL
 * coefficient is fixed, or adapted toward a target KL per completion as in Ziegler et al.:
 * coef *= 1 + clip(KL / target - 1, -0.2, 0.2) * batch / horizon.
 */
import { computeGae } from "../buffers/rollout.js";

/**
 * How the per-token penalty is estimated from the sampled token's log-probs (TRL's kl_penalty):
 * "kl" log pi - log ref (unbiased for KL, can be negative), "abs" its absolute value, "mse" half
 * its square.
 */
export type KlPenalty = "kl" | "abs" | "mse";

/** The per-token penalty estimate for log-ratio d = log pi - log ref. */
export function klPenaltyValue(d: number, kind: KlPenalty): number {
  return kind === "kl" ? d : kind === "abs" ? Math.abs(d) : 0.5 * d * d;
}

/** Token-level arrays of a batch of B completions, T token steps each, row-major [B, T]. */
export interface TokenBatch {
  B: number;
  T: number;
  /** 1 for a generated token, 0 for padding after the completion ended [B * T]; the ones of a row come first. */
  mask: ArrayLike<number>;
}

/**
 * Rewards per token step: -klCoef * penalty(log pi - log ref) at every generated token, plus the
 * sequence's score at its last generated token (TRL's compute_rewards). Also returns each
 * sequence's summed penalty (its KL estimate) [B].
 */
export function klShapedRewards(
  batch: TokenBatch,
  scores: ArrayLike<number>,
  logProbs: ArrayLike<number>,
  refLogProbs: ArrayLike<number>,
  klCoef: number,
  kind: KlPenalty = "kl",
): { rewards: Float32Array; kl: Float32Array } {
  const { B, T, mask } = batch;
  checkTokenArrays(batch, { logProbs, refLogProbs });
  if (scores.length !== B) throw new RangeError(`klShapedRewards: ${scores.length} scores for a batch of ${B} completions`);
  const rewards = new Float32Array(B * T);
  const kl = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let last = -1;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (!mask[i]) continue;
      const pen = klPenaltyValue(logProbs[i] - refLogProbs[i], kind);
      kl[b] += pen;
      rewards[i] = -klCoef * pen;
      last = i;
    }
    if (last < 0) throw new RangeError(`klShapedRewards: completion ${b} has no generated token (its mask row is all 0)`);
    rewards[last] += scores[b];
  }
  return { rewards, kl };
}

/**
 * GAE over token steps (Schulman et al. 2016) with rlbook's {@link computeGae}: each completion is
 * one episode that terminates after its last generated token (the value after it is 0). Padding
 * gets advantage and return 0. Arrays row-major [B, T].
 */
export function tokenGae(
  batch: TokenBatch,
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const { B, T, mask } = batch;
  checkTokenArrays(batch, { rewards, values });
  // computeGae is step-major [T, B]: transpose in, transpose out.
  const r = new Float32Array(B * T);
  const v = new Float32Array(B * T);
  const term = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const j = t * B + b;
      if (!mask[i]) continue;
      r[j] = rewards[i];
      v[j] = values[i];
      // The last generated token ends the episode: the next token or the end of the row is padding.
      if (t === T - 1 || !mask[i + 1]) term[j] = 1;
    }
  }
  const g = computeGae({ nSteps: T, nEnvs: B, rewards: r, values: v, lastValues: new Float32Array(B), terminated: term, dones: term, gamma, lambda });
  const advantages = new Float32Array(B * T);
  const returns = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      if (!mask[i]) continue;
      advantages[i] = g.advantages[t * B + b];
      returns[i] = g.returns[t * B + b];
    }
  }
  return { advantages, returns };
}

/** Whitens the masked entries to mean 0, std 1 (TRL's masked_whiten, shift_mean true); padding stays 0. */
export function maskedWhiten(x: ArrayLike<number>, mask: ArrayLike<number>): Float32Array {
  let n = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) (n++, (s += x[i]));
  const out = new Float32Array(x.length);
  if (n === 0) return out;
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) ss += (x[i] - m) ** 2;
  // Unbiased variance as torch.var with Bessel's correction (TRL's masked_var).
  const std = Math.sqrt(n > 1 ? ss / (n - 1) : 0);
  for (let i = 0; i < x.length; i++) if (mask[i]) out[i] = (x[i] - m) / (std + 1e-8);
  return out;
}

function checkTokenArrays(batch: TokenBatch, arrays: Record<string, ArrayLike<number>>): void {
  const n = batch.B * batch.T;
  if (batch.mask.length !== n) throw new RangeError(`token arrays: mask has ${batch.mask.length} entries, expected B * T = ${batch.B} * ${batch.T} = ${n}`);
  for (const [name, a] of Object.entries(arrays)) {
    if (a.length !== n) throw new RangeError(`token arrays: ${name} has ${a.length} entries, expected B * T = ${batch.B} * ${batch.T} = ${n}`);
  }
}

/** A KL coefficient that may change with the measured KL. */
export interface KlController {
  readonly value: number;
  /** Called after each rollout with its mean KL per completion and the number of completions. */
  update(currentKl: number, nSteps: number): void;
}

/** A constant coefficient. */
export class FixedKlController implements KlController {
  constructor(public value: number) {}
  update(_currentKl?: number, _nSteps?: number): void {}
}

/**
 * Ziegler et al. 2019's adaptive coefficient (TRL's AdaptiveKLController): proportional control
 * of the KL toward `target`, e = clip(KL / target - 1, -0.2, 0.2), value *= 1 + e * nSteps / horizon.
 */
export class AdaptiveKlController implements KlController {
  constructor(
    public value: number,
    readonly target: number,
    readonly horizon: number,
  ) {}

  update(currentKl: number, nSteps: number): void {
    const e = Math.min(0.2, Math.max(-0.2, currentKl / this.target - 1));
    this.value *= 1 + (e * nSteps) / this.horizon;
  }
}
