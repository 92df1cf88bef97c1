/**
 * Stream Q(lambda) (Elsayed, Vasan & Mahmood 2024, Algorithm 6): Watkins' Q(lambda) from one
 * transition at a time with ObGD, sparse init, layer norm and observation / reward scaling. The
 * shared streaming machinery is streaming.ts; what is Q(lambda) here: the max bootstrap and the
 * trace reset after exploratory actions.
 */
import type { AgentEnv } from "./base.js";
import { StreamValueAgent, STREAM_VALUE_DEFAULTS, type StreamValueConfig } from "./streaming.js";

export type StreamQConfig = StreamValueConfig;
export const STREAM_Q_DEFAULTS: Readonly<StreamQConfig> = STREAM_VALUE_DEFAULTS;

/** Stream Q(lambda) on a single env (Discrete actions); `A` is the env's action type. */
export class StreamQ<A = any> extends StreamValueAgent<A> {
  protected readonly onPolicy = false;

  constructor(env: AgentEnv<A>, config: Partial<StreamQConfig> = {}) {
    super(env, "StreamQ", config);
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<StreamQConfig> = {}): Promise<StreamQ<A>> {
    return StreamValueAgent.loadInto<StreamQ<A>>(dir, "StreamQ", env, (venv, saved) => new StreamQ<A>(venv as AgentEnv<A>, { ...saved, ...overrides }));
  }
}
