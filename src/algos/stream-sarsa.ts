/**
 * Stream SARSA(lambda) (Elsayed, Vasan & Mahmood 2024): on-policy SARSA(lambda) from one
 * transition at a time with ObGD, sparse init, layer norm and observation / reward scaling. The
 * shared streaming machinery is streaming.ts; what is SARSA(lambda) here: it bootstraps on the
 * epsilon-greedy action it will take next, and keeps its traces through exploratory actions.
 */
import type { AgentEnv } from "./base.js";
import { StreamValueAgent, STREAM_VALUE_DEFAULTS, type StreamValueConfig } from "./streaming.js";

export type StreamSARSAConfig = StreamValueConfig;
export const STREAM_SARSA_DEFAULTS: Readonly<StreamSARSAConfig> = STREAM_VALUE_DEFAULTS;

/** Stream SARSA(lambda) on a single env (Discrete actions); `A` is the env's action type. */
export class StreamSARSA<A = any> extends StreamValueAgent<A> {
  protected readonly onPolicy = true;

  constructor(env: AgentEnv<A>, config: Partial<StreamSARSAConfig> = {}) {
    super(env, "StreamSARSA", config);
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<StreamSARSAConfig> = {}): Promise<StreamSARSA<A>> {
    return StreamValueAgent.loadInto<StreamSARSA<A>>(dir, "StreamSARSA", env, (venv, saved) => new StreamSARSA<A>(venv as AgentEnv<A>, { ...saved, ...overrides }));
  }
}
