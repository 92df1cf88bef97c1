/**
 * On-policy rollout storage and GAE(lambda) (Schulman et al. 2016), as in CleanRL's ppo.py,
 * with two corrections CleanRL omits:
 * - time-limit truncation bootstraps from the value of the final observation (only termination
 *   zeroes the next value), as SB3 does;
 * - Gymnasium 1.x vector envs autoreset on the step *after* an episode ends: that step ignores
 *   the action and only resets. Such steps are stored with `valid = 0` and left out of the loss.
 *   Because the final observation is the observation of that reset step, its stored value is
 *   exactly the bootstrap value that truncation needs.
 *
 * Layout: step-major [nSteps, nEnvs] (row t holds the nEnvs envs at step t), typed arrays.
 */

export interface GaeInput {
  nSteps: number;
  nEnvs: number;
  /** r_t [nSteps * nEnvs]. */
  rewards: ArrayLike<number>;
  /** V(s_t) [nSteps * nEnvs]. */
  values: ArrayLike<number>;
  /** V(s_T) for the observation after the last stored step [nEnvs]. */
  lastValues: ArrayLike<number>;
  /** 1 where s_{t+1} is terminal (its value is 0) [nSteps * nEnvs]. */
  terminated: ArrayLike<number>;
  /** 1 where the episode ended at step t (terminated or truncated): advantages do not flow back across it. */
  dones: ArrayLike<number>;
  gamma: number;
  lambda: number;
}

/**
 * Generalized advantage estimation:
 *   delta_t = r_t + gamma * V(s_{t+1}) * (1 - terminated_t) - V(s_t)
 *   A_t = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
 * and returns R_t = A_t + V(s_t) (the value targets). Writes into `adv` / `ret` when given.
 */
export function computeGae(
  inp: GaeInput,
  adv: Float32Array = new Float32Array(inp.nSteps * inp.nEnvs),
  ret: Float32Array = new Float32Array(inp.nSteps * inp.nEnvs),
): { advantages: Float32Array; returns: Float32Array } {
  const { nSteps: T, nEnvs: N, rewards, values, lastValues, terminated, dones, gamma, lambda } = inp;
  for (let e = 0; e < N; e++) {
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + e;
      const nextV = t === T - 1 ? lastValues[e] : values[i + N];
      const delta = rewards[i] + gamma * nextV * (1 - terminated[i]) - values[i];
      last = delta + gamma * lambda * (1 - dones[i]) * last;
      adv[i] = last;
      ret[i] = last + values[i];
    }
  }
  return { advantages: adv, returns: ret };
}

/** Storage for one rollout of a vector env: nSteps x nEnvs transitions. */
export class RolloutBuffer {
  readonly size: number;
  readonly obs: Float32Array;
  /** Actions: integers for discrete spaces, stored as floats [size * actDim]. */
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly dones: Uint8Array;
  /** 0 for a Gymnasium next-step autoreset step (no real transition). */
  readonly valid: Uint8Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Steps written so far (0..nSteps). */
  t = 0;

  constructor(
    readonly nSteps: number,
    readonly nEnvs: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    this.size = nSteps * nEnvs;
    this.obs = new Float32Array(this.size * obsDim);
    this.actions = new Float32Array(this.size * actDim);
    this.logProbs = new Float32Array(this.size);
    this.values = new Float32Array(this.size);
    this.rewards = new Float32Array(this.size);
    this.terminated = new Uint8Array(this.size);
    this.dones = new Uint8Array(this.size);
    this.valid = new Uint8Array(this.size);
    this.advantages = new Float32Array(this.size);
    this.returns = new Float32Array(this.size);
  }

  get full(): boolean {
    return this.t >= this.nSteps;
  }

  /** Stores the observations, actions, log-probs and values of step t (before stepping the env). */
  addStep(obs: ArrayLike<number>, actions: ArrayLike<number>, logProbs: ArrayLike<number>, values: ArrayLike<number>, valid?: ArrayLike<number>): void {
    if (this.full) throw new Error(`RolloutBuffer: full (${this.nSteps} steps); call reset()`);
    const N = this.nEnvs;
    const o = this.t * N;
    this.obs.set(obs as ArrayLike<number>, o * this.obsDim);
    this.actions.set(actions as ArrayLike<number>, o * this.actDim);
    this.logProbs.set(logProbs, o);
    this.values.set(values, o);
    if (valid) this.valid.set(valid, o);
    else this.valid.fill(1, o, o + N);
  }

  /** Stores the outcome of step t (after stepping the env) and advances; `autoreset` marks reset-only steps invalid. */
  addOutcome(rewards: ArrayLike<number>, terminated: ArrayLike<number | boolean>, truncated: ArrayLike<number | boolean>, autoreset?: ArrayLike<number>): void {
    const o = this.t * this.nEnvs;
    for (let e = 0; e < this.nEnvs; e++) {
      if (autoreset && autoreset[e]) this.valid[o + e] = 0;
      const te = terminated[e] ? 1 : 0;
      this.rewards[o + e] = rewards[e];
      this.terminated[o + e] = te;
      this.dones[o + e] = te || truncated[e] ? 1 : 0;
    }
    this.t++;
  }

  /** Computes advantages and returns once the buffer is full. */
  computeAdvantages(lastValues: ArrayLike<number>, gamma: number, lambda: number): void {
    computeGae(
      { nSteps: this.nSteps, nEnvs: this.nEnvs, rewards: this.rewards, values: this.values, lastValues, terminated: this.terminated, dones: this.dones, gamma, lambda },
      this.advantages,
      this.returns,
    );
  }

  /** Indices of the valid transitions (the ones a loss should use). */
  validIndices(): Int32Array {
    let n = 0;
    for (let i = 0; i < this.size; i++) n += this.valid[i];
    const out = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < this.size; i++) if (this.valid[i]) out[k++] = i;
    return out;
  }

  reset(): void {
    this.t = 0;
  }
}

/** Gathers rows `idx` of a row-major [n, dim] array into `out` [idx.length, dim]. */
export function gatherRows(src: Float32Array, dim: number, idx: ArrayLike<number>, out = new Float32Array(idx.length * dim)): Float32Array {
  if (dim === 1) {
    for (let k = 0; k < idx.length; k++) out[k] = src[idx[k]];
    return out;
  }
  for (let k = 0; k < idx.length; k++) {
    const s = idx[k] * dim;
    out.set(src.subarray(s, s + dim), k * dim);
  }
  return out;
}
