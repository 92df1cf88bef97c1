/** What PPOPopulation and DQNPopulation share: option checks, member env checks, and the accessors of their members. */
import type { VectorEnv } from "../core/vector.js";
import { ConfigError } from "../algos/base.js";
import { envSignature } from "../algos/checkpointing.js";

/** Checks `seeds` (one per member), that the shared config holds no seed, and that `configs` has one entry per seed. */
export function checkPopulationOptions(algo: string, o: { seeds: readonly number[]; config?: object; configs?: readonly object[] }): void {
  const { seeds } = o;
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new ConfigError(algo, "seeds", seeds, "a non-empty array of integer seeds >= 0, one per member (e.g. [0, 1, 2, 3])");
  }
  if (o.config && "seed" in o.config) throw new ConfigError(algo, "config.seed", (o.config as { seed: unknown }).seed, "no seed in the shared config: the members' seeds are `seeds`");
  if (o.configs !== undefined && (!Array.isArray(o.configs) || o.configs.length !== seeds.length)) {
    throw new ConfigError(algo, "configs", o.configs, `an array of ${seeds.length} per-member configs (one per seed), or undefined`);
  }
}

/** Members need the same spaces and env count, and an env each. */
export function checkMemberEnvs(algo: string, agents: readonly { env: VectorEnv }[]): void {
  const first = agents[0];
  const sig0 = envSignature(first.env);
  agents.forEach((a, k) => {
    const sig = envSignature(a.env);
    if (sig.obs !== sig0.obs || sig.act !== sig0.act || sig.numEnvs !== sig0.numEnvs) {
      throw new ConfigError(algo, `env(${k})`, `${sig.numEnvs} x obs ${sig.obs}, act ${sig.act}`, `the same spaces and env count as member 0's (${sig0.numEnvs} x obs ${sig0.obs}, act ${sig0.act})`);
    }
    if (k > 0 && a.env === first.env) throw new ConfigError(algo, `env(${k})`, "the env of member 0", "a new env per member: env: (k) => make(id, {numEnvs})");
  });
}

/** One member as the shared accessors see it. */
export interface MemberState<C> {
  readonly config: Readonly<C>;
  readonly env: VectorEnv;
  numTimesteps: number;
}

/** The member accessors of a population whose members hold configs of type C. */
export abstract class PopulationMembers<C, M extends MemberState<C>> {
  abstract readonly algo: string;
  protected abstract readonly members: M[];

  /** The number of members. */
  get size(): number {
    return this.members.length;
  }

  /** The env of member 0 (every member has its own copy, `memberEnv(k)`). */
  get env(): VectorEnv {
    return this.members[0].env;
  }

  /** Member k's training env. */
  memberEnv(k: number): VectorEnv {
    return this.members[this.index(k)].env;
  }

  /** Member k's resolved config. */
  memberConfig(k: number): Readonly<C> {
    return this.members[this.index(k)].config;
  }

  /** Member k's env steps. */
  memberTimesteps(k: number): number {
    return this.members[this.index(k)].numTimesteps;
  }

  /** The smallest member's env steps (train runs until every member has its steps). */
  get numTimesteps(): number {
    return Math.min(...this.members.map((m) => m.numTimesteps));
  }

  protected index(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k >= this.members.length) throw new RangeError(`${this.algo}: member ${k} does not exist (members 0..${this.members.length - 1})`);
    return k;
  }
}
