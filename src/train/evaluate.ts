/**
 * Evaluation: run an agent for a number of episodes and report the mean and spread of returns.
 * With a vector env, episodes are spread over the copies as SB3's evaluate_policy does (env i
 * runs (episodes + i) / numEnvs of them), so short episodes are not over-counted.
 */
import { Env } from "../core/env.js";
import { VectorEnv } from "../core/vector.js";
import type { Agent } from "../algos/base.js";

export interface EvaluateOptions {
  /** Episodes to run (default 10). */
  episodes?: number;
  /** Greedy / mean actions (default true). */
  deterministic?: boolean;
  /** Seed for the env resets (default: none, the env continues its own stream). */
  seed?: number;
}

export interface EvaluateResult {
  meanReturn: number;
  stdReturn: number;
  returns: number[];
  lengths: number[];
}

function stats(returns: number[], lengths: number[]): EvaluateResult {
  const n = returns.length;
  const m = returns.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(returns.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  return { meanReturn: m, stdReturn: sd, returns, lengths };
}

/** Runs `episodes` episodes of `agent` on `env` (an Env or a VectorEnv). */
export async function evaluate(agent: Agent, env: Env | VectorEnv, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const episodes = options.episodes ?? 10;
  const deterministic = options.deterministic ?? true;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluate: episodes must be a positive integer, got ${episodes}`);
  const returns: number[] = [];
  const lengths: number[] = [];
  if (env instanceof VectorEnv) {
    const N = env.numEnvs;
    const targets = Array.from({ length: N }, (_, i) => Math.floor((episodes + i) / N));
    const counts = new Array<number>(N).fill(0);
    const ret = new Float64Array(N);
    const len = new Int32Array(N);
    let obs = env.reset(options.seed === undefined ? {} : { seed: options.seed }).obs;
    let steps = 0;
    while (counts.some((c, i) => c < targets[i])) {
      const a = agent.actBatch(obs, N, deterministic);
      const r = env.step(a);
      const auto = r.info.autoreset;
      for (let i = 0; i < N; i++) {
        if (auto && auto[i]) continue;
        ret[i] += r.reward[i];
        len[i]++;
        if (r.terminated[i] || r.truncated[i]) {
          if (counts[i] < targets[i]) {
            returns.push(ret[i]);
            lengths.push(len[i]);
            counts[i]++;
          }
          ret[i] = 0;
          len[i] = 0;
        }
      }
      obs = r.obs;
      if (++steps % 512 === 0) await new Promise((res) => setImmediate(res));
    }
    return stats(returns, lengths);
  }
  if (!(env instanceof Env)) throw new TypeError("evaluate: env must be an Env or a VectorEnv");
  const space = env.observationSpace;
  const row = new Float32Array(space.vecDim);
  for (let e = 0; e < episodes; e++) {
    let { obs } = env.reset(options.seed === undefined || e > 0 ? {} : { seed: options.seed });
    let total = 0;
    let n = 0;
    for (;;) {
      space.writeVec(obs, row, 0);
      const a = agent.actBatch(row, 1, deterministic);
      const action = env.actionSpace.readVec(a, 0);
      const r = env.step(action);
      total += r.reward;
      n++;
      obs = r.obs;
      if (r.terminated || r.truncated) break;
      if (n % 512 === 0) await new Promise((res) => setImmediate(res));
    }
    returns.push(total);
    lengths.push(n);
  }
  return stats(returns, lengths);
}
