/**
 * Evaluation: run a policy for a number of episodes and report the mean and spread of returns.
 * The policy is an Agent, an object with `act(obs)`, or a function obs -> action. With a vector
 * env, episodes are spread over the copies as SB3's evaluate_policy does (env i runs
 * (episodes + i) / numEnvs of them), so short episodes are not over-counted.
 *
 * An agent is evaluated only on an env with the observation and action spaces it was built
 * for (as `load` checks a checkpoint's): another env would give a meaningless return.
 */
import { Env, type ActionInput } from "../core/env.js";
import type { Space } from "../core/spaces.js";
import { VectorEnv } from "../core/vector.js";
import type { Agent } from "../algos/base.js";

/** The observation type of one env of `E` (an Env or a VectorEnv). */
export type PolicyObs<E> = E extends { readonly singleObservationSpace: Space<infer O> } ? O : E extends { readonly observationSpace: Space<infer O> } ? O : unknown;
/** The action type of one env of `E`. */
export type PolicyAction<E> = E extends { readonly singleActionSpace: Space<infer A> } ? A : E extends { readonly actionSpace: Space<infer A> } ? A : unknown;

/**
 * What `evaluate` can run on an env `E`: an {@link Agent}, an object with `act(obs)`, or a
 * function from one observation to an action (`(obs) => (obs[2] > 0 ? 1 : 0)` for CartPole).
 */
export type PolicyFor<E = Env> = Agent | { act(obs: PolicyObs<E>, options?: { deterministic?: boolean }): ActionInput<PolicyAction<E>> } | ((obs: PolicyObs<E>) => ActionInput<PolicyAction<E>>);

function isAgent(p: unknown): p is Agent {
  return typeof p === "object" && p !== null && typeof (p as Agent).actBatch === "function" && (p as Agent).env instanceof VectorEnv;
}

/**
 * Throws unless `env` has the observation and action spaces `agent` was built for; the error names
 * both pairs of spaces and the fix. `what` names the caller ("evaluate", "train: evalEnv").
 */
export function checkAgentEnv(agent: Agent, env: Env | VectorEnv, what: string): void {
  const trained = agent.env;
  const obs = env instanceof VectorEnv ? env.singleObservationSpace : env.observationSpace;
  const act = env instanceof VectorEnv ? env.singleActionSpace : env.actionSpace;
  if (trained.singleObservationSpace.equals(obs) && trained.singleActionSpace.equals(act)) return;
  const id = trained.spec?.id;
  const envName = env.spec?.id ? `${env.spec.id} ` : "";
  throw new TypeError(
    `${what}: the ${agent.algo} agent was built for observation space ${trained.singleObservationSpace.toString()} and action space ${trained.singleActionSpace.toString()}, ` +
      `but the env ${envName}has observation space ${obs.toString()} and action space ${act.toString()}; ` +
      `evaluate on an env with the agent's spaces${id ? ` (make(${JSON.stringify(id)}))` : " (made like its training env)"}`,
  );
}

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

/**
 * Runs `episodes` episodes of `policy` on `env` (an Env or a VectorEnv). An agent must match the
 * env's spaces (see {@link checkAgentEnv}).
 */
export async function evaluate<E extends Env | VectorEnv>(policy: PolicyFor<E>, env: E, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const episodes = options.episodes ?? 10;
  const deterministic = options.deterministic ?? true;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluate: episodes must be a positive integer, got ${episodes}`);
  if (!(env instanceof Env) && !(env instanceof VectorEnv)) throw new TypeError("evaluate: env must be an Env (make(id)) or a VectorEnv (make(id, {numEnvs}))");
  const agent = isAgent(policy) ? policy : undefined;
  if (agent) checkAgentEnv(agent, env, "evaluate");
  else if (typeof policy !== "function" && !(typeof policy === "object" && policy !== null && typeof (policy as { act?: unknown }).act === "function")) {
    throw new TypeError("evaluate: the policy must be an Agent, an object with act(obs), or a function obs => action");
  }
  const actOne = agent
    ? undefined
    : typeof policy === "function"
      ? (obs: unknown) => (policy as (o: unknown) => unknown)(obs)
      : (obs: unknown) => (policy as { act(o: unknown, opts: { deterministic: boolean }): unknown }).act(obs, { deterministic });
  const returns: number[] = [];
  const lengths: number[] = [];
  if (env instanceof VectorEnv) {
    const N = env.numEnvs;
    const obsSpace = env.singleObservationSpace;
    const actSpace = env.singleActionSpace;
    // A policy that acts on one observation at a time is run row by row.
    const actBatch = (obs: Float32Array): ArrayLike<number> => {
      if (agent) return agent.actBatch(obs, N, deterministic);
      const out = new Float32Array(N * env.actDim);
      for (let i = 0; i < N; i++) actSpace.writeVec(actOne!(obsSpace.readVec(obs, i * env.obsDim)), out, i * env.actDim);
      return out;
    };
    const targets = Array.from({ length: N }, (_, i) => Math.floor((episodes + i) / N));
    const counts = new Array<number>(N).fill(0);
    const ret = new Float64Array(N);
    const len = new Int32Array(N);
    let obs = env.reset(options.seed === undefined ? {} : { seed: options.seed }).obs;
    let steps = 0;
    while (counts.some((c, i) => c < targets[i])) {
      const r = env.step(actBatch(obs));
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
  const single = env as Env;
  const space = single.observationSpace;
  const row = new Float32Array(space.vecDim);
  const act = (obs: unknown): unknown => {
    if (!agent) return actOne!(obs);
    space.writeVec(obs, row, 0);
    return single.actionSpace.readVec(agent.actBatch(row, 1, deterministic), 0);
  };
  for (let e = 0; e < episodes; e++) {
    let { obs } = single.reset(options.seed === undefined || e > 0 ? {} : { seed: options.seed });
    let total = 0;
    let n = 0;
    for (;;) {
      const r = single.step(act(obs));
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
