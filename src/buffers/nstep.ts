/**
 * n-step transitions (Sutton & Barto ch. 7; Rainbow's multi-step returns) from a vector env:
 * per env, the last n transitions are kept; once n are queued (or the episode ends) the oldest
 * leaves as (s_0, a_0, sum_k gamma^k r_k, s_m, terminated, gamma^m). With n = 1 it passes
 * transitions through unchanged (discount gamma).
 */
import type { ReplayBuffer } from "./replay.js";

interface Pending {
  obs: Float32Array;
  action: Float32Array;
  reward: number;
}

export class NStepAdder {
  private readonly queues: Pending[][];

  constructor(
    readonly numEnvs: number,
    readonly n: number,
    readonly gamma: number,
    readonly buffer: ReplayBuffer,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`NStepAdder: n must be a positive integer, got ${n}`);
    this.queues = Array.from({ length: numEnvs }, () => []);
  }

  /** Adds env i's transition; `done` (terminated or truncated) flushes the env's queue. */
  add(i: number, obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean, done: boolean): void {
    const q = this.queues[i];
    q.push({ obs: Float32Array.from(obs), action: Float32Array.from(action), reward });
    if (q.length === this.n) this.emit(q, nextObs, terminated);
    if (done) while (q.length) this.emit(q, nextObs, terminated);
  }

  private emit(q: Pending[], nextObs: ArrayLike<number>, terminated: boolean): void {
    let ret = 0;
    let disc = 1;
    for (const p of q) {
      ret += disc * p.reward;
      disc *= this.gamma;
    }
    const first = q.shift()!;
    this.buffer.add(first.obs, first.action, ret, nextObs, terminated, disc);
  }

  /** Drops pending transitions (e.g. when episodes restart). */
  clear(): void {
    for (const q of this.queues) q.length = 0;
  }
}
