/**
 * Making datasets by running policies, the way D4RL's were made (Fu et al. 2020, "D4RL:
 * Datasets for Deep Data-Driven Reinforcement Learning", section 5 and appendix C):
 *
 * - random: a uniformly random (D4RL: randomly initialized) policy;
 * - expert: a fully trained policy (D4RL: SAC run to convergence);
 * - medium: a policy trained to about a third of the expert's score (D4RL: SAC stopped early);
 * - medium-replay: everything the agent's replay buffer held while it trained up to medium
 *   ({@link RecordingVectorEnv} records a training run);
 * - medium-expert: medium and expert data concatenated in equal parts ({@link Dataset.concat}).
 *
 * `recordDataset(env, policy, {steps})` runs one env; exploration noise is optional (epsilon for
 * Discrete actions, Gaussian action noise for Box actions), and a list of policies is a mixture
 * (each episode draws one by `weights`).
 */
import { Env } from "../core/env.js";
import { make } from "../core/registry.js";
import { Rng } from "../core/rng.js";
import { Box, Discrete, type Space } from "../core/spaces.js";
import { VectorEnv, type VectorResetArgs, type VectorResetResult, type VectorStepResult, type AutoresetMode } from "../core/vector.js";
import type { Agent } from "../algos/base.js";
import { Dataset, DatasetError } from "./dataset.js";

/** Something that chooses actions: an agent, a function of the observation row, or "random". */
export type BehaviorPolicy = Agent | ((obs: Float32Array, rng: Rng) => number | ArrayLike<number>) | "random";

export interface RecordOptions {
  /** Transitions to record (the last episode may be cut; its final row is then neither terminal nor timeout). */
  steps?: number;
  /** Or whole episodes to record. */
  episodes?: number;
  /** Seed of the env resets and of the noise (default 0). */
  seed?: number;
  /** Agents act greedily / with their mean action (default true). */
  deterministic?: boolean;
  /** Probability of a uniformly random action instead of the policy's (default 0). */
  epsilon?: number;
  /** Std of Gaussian noise added to Box actions, in units of half the action range (default 0); clipped to the bounds. */
  actionNoise?: number;
  /** Mixture weights when `policy` is a list (default equal). */
  weights?: number[];
  /** Recorded as `meta.policy` ("expert", "medium", ...). */
  name?: string;
}

function isAgent(p: unknown): p is Agent {
  return typeof p === "object" && p !== null && typeof (p as Agent).actBatch === "function";
}

/** Numbers per row that a space's members take in a dataset (a Discrete is its index). */
export function rowWidth(space: Space): number {
  return space instanceof Discrete ? 1 : space.vecDim;
}

/** Uniformly random action written into `out` (env layout). */
function randomAction(space: Space, rng: Rng, out: Float32Array): void {
  if (space instanceof Discrete) out[0] = space.start + rng.integer(space.n);
  else if (space instanceof Box) for (let j = 0; j < out.length; j++) out[j] = rng.uniform(space.low[j], space.high[j]);
  else throw new DatasetError("actions", `recording supports Discrete and Box action spaces, got ${space}`);
}

/** Records transitions of `policy` (or a mixture of policies) in `env` (see the module comment). */
export function recordDataset(env: Env | string, policy: BehaviorPolicy | readonly BehaviorPolicy[], options: RecordOptions = {}): Dataset {
  const e = typeof env === "string" ? make(env) : env;
  if (!(e instanceof Env)) throw new TypeError("recordDataset: env must be an Env or an env id (use make(id), not a vector env)");
  const { steps, episodes } = options;
  if ((steps === undefined) === (episodes === undefined)) throw new RangeError("recordDataset: give exactly one of steps or episodes");
  const limit = steps ?? episodes!;
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`recordDataset: ${steps !== undefined ? "steps" : "episodes"} must be a positive integer, got ${limit}`);
  const epsilon = options.epsilon ?? 0;
  const noise = options.actionNoise ?? 0;
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`recordDataset: epsilon must be in [0, 1], got ${epsilon}`);
  if (!(noise >= 0)) throw new RangeError(`recordDataset: actionNoise must be >= 0, got ${noise}`);
  const policies = Array.isArray(policy) ? (policy as BehaviorPolicy[]) : [policy as BehaviorPolicy];
  if (!policies.length) throw new RangeError("recordDataset: the policy list is empty");
  const weights = options.weights ?? policies.map(() => 1);
  if (weights.length !== policies.length || weights.some((w) => !(w >= 0)) || !weights.some((w) => w > 0)) {
    throw new RangeError(`recordDataset: weights must be ${policies.length} non-negative numbers, not all 0, got [${weights}]`);
  }
  const obsSpace = e.observationSpace;
  const actSpace = e.actionSpace;
  const D = rowWidth(obsSpace);
  const A = rowWidth(actSpace);
  if (noise > 0 && !(actSpace instanceof Box)) throw new RangeError("recordDataset: actionNoise is for Box actions; use epsilon for Discrete ones");
  const rng = new Rng(options.seed ?? 0);
  const deterministic = options.deterministic ?? true;
  const obs: number[] = [];
  const next: number[] = [];
  const acts: number[] = [];
  const rewards: number[] = [];
  const terms: number[] = [];
  const touts: number[] = [];
  const row = new Float32Array(D);
  const nrow = new Float32Array(D);
  const a = new Float32Array(A);
  const total = weights.reduce((x, y) => x + y, 0);
  let done = 0;
  let firstReset = true;
  while (done < limit) {
    // A mixture draws one policy per episode.
    let u = rng.uniform(0, total);
    let k = 0;
    while (k < policies.length - 1 && u >= weights[k]) u -= weights[k++];
    const p = policies[k];
    let o = e.reset(firstReset ? { seed: options.seed ?? 0 } : {}).obs;
    firstReset = false;
    for (;;) {
      obsSpace.writeVec(o, row, 0);
      if (p === "random" || (epsilon > 0 && rng.uniform(0, 1) < epsilon)) randomAction(actSpace, rng, a);
      else if (isAgent(p)) a.set(p.actBatch(row, 1, deterministic));
      else {
        const out = p(row, rng);
        if (typeof out === "number") a[0] = out;
        else a.set(Float32Array.from(out));
      }
      if (noise > 0 && actSpace instanceof Box) {
        for (let j = 0; j < A; j++) {
          const half = (actSpace.high[j] - actSpace.low[j]) / 2;
          a[j] = Math.min(actSpace.high[j], Math.max(actSpace.low[j], a[j] + rng.normal(0, noise * half)));
        }
      }
      const r = e.step(actSpace.readVec(a, 0));
      obsSpace.writeVec(r.obs, nrow, 0);
      for (let j = 0; j < D; j++) obs.push(row[j]), next.push(nrow[j]);
      for (let j = 0; j < A; j++) acts.push(a[j]);
      rewards.push(r.reward);
      terms.push(r.terminated ? 1 : 0);
      touts.push(!r.terminated && r.truncated ? 1 : 0);
      o = r.obs;
      if (steps !== undefined && ++done >= limit) break;
      if (r.terminated || r.truncated) break;
    }
    if (episodes !== undefined) done++;
  }
  return new Dataset(
    {
      observations: Float32Array.from(obs),
      actions: Float32Array.from(acts),
      rewards: Float32Array.from(rewards),
      nextObservations: Float32Array.from(next),
      terminals: Uint8Array.from(terms),
      timeouts: Uint8Array.from(touts),
    },
    { obsDim: D, actDim: A },
    { envId: e.spec?.id, observationSpace: obsSpace.toJSON(), actionSpace: actSpace.toJSON(), policy: options.name ?? (policies.length === 1 && typeof policies[0] === "string" ? "random" : isAgent(policies[0]) && policies.length === 1 ? policies[0].algo : undefined) },
  );
}

/**
 * A vector env that records every real transition its user takes (reset steps of next-step
 * autoreset are skipped): wrap an agent's training env in it and train to get D4RL's
 * "medium-replay" data, everything the agent saw on its way to medium performance.
 *
 *   const rec = new RecordingVectorEnv(make("Pendulum-v1", {numEnvs: 4}));
 *   const agent = new TD3(rec, {...}); await train(agent, {steps: 20_000});
 *   const replay = rec.dataset({name: "medium-replay"});
 */
export class RecordingVectorEnv extends VectorEnv {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly autoresetMode: AutoresetMode;
  private last: Float32Array | undefined;
  private readonly obs: number[] = [];
  private readonly next: number[] = [];
  private readonly acts: number[] = [];
  private readonly rewards: number[] = [];
  private readonly terms: number[] = [];
  private readonly touts: number[] = [];
  private readonly D: number;
  private readonly A: number;

  constructor(readonly inner: VectorEnv) {
    super();
    if (inner.autoresetMode !== "next-step") throw new RangeError(`RecordingVectorEnv: needs next-step autoreset, got ${inner.autoresetMode}`);
    this.numEnvs = inner.numEnvs;
    this.singleObservationSpace = inner.singleObservationSpace;
    this.singleActionSpace = inner.singleActionSpace;
    this.autoresetMode = inner.autoresetMode;
    this.spec = inner.spec;
    this.D = inner.obsDim;
    this.A = inner.actDim;
  }

  /** Transitions recorded so far. */
  get size(): number {
    return this.rewards.length;
  }

  reset(args?: VectorResetArgs): VectorResetResult {
    const r = this.inner.reset(args);
    this.last = Float32Array.from(r.obs);
    return r;
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.last) throw new Error("RecordingVectorEnv: reset before step");
    const r = this.inner.step(actions);
    const auto = r.info.autoreset;
    const { D, A } = this;
    for (let i = 0; i < this.numEnvs; i++) {
      if (auto && auto[i]) continue;
      for (let j = 0; j < D; j++) this.obs.push(this.last[i * D + j]), this.next.push(r.obs[i * D + j]);
      for (let j = 0; j < A; j++) this.acts.push(actions[i * A + j]);
      this.rewards.push(r.reward[i]);
      this.terms.push(r.terminated[i] ? 1 : 0);
      this.touts.push(!r.terminated[i] && r.truncated[i] ? 1 : 0);
      this.rowCopy.push(i);
    }
    this.last = Float32Array.from(r.obs);
    return r;
  }

  render(index?: number): string {
    return this.inner.render(index);
  }

  /**
   * The recorded transitions as a dataset. With several env copies the rows of different
   * copies interleave; they are regrouped so each episode's rows are contiguous (episodes in the
   * order they ended). Episodes still running are appended last, their last row marked as a
   * timeout (cut short by the end of recording).
   */
  dataset(options: { name?: string } = {}): Dataset {
    const { D, A } = this;
    const n = this.size;
    if (n === 0) throw new DatasetError("rewards", "RecordingVectorEnv recorded nothing yet; step (train) with it before asking for its dataset");
    const { order, cut } = groupEpisodes(this.rowCopy, this.terms, this.touts);
    const pick = <T extends Float32Array | Uint8Array>(src: number[], w: number, out: T): T => {
      order.forEach((i, k) => {
        for (let j = 0; j < w; j++) out[k * w + j] = src[i * w + j];
      });
      return out;
    };
    const timeouts = pick(this.touts, 1, new Uint8Array(n));
    order.forEach((i, k) => cut.has(i) && (timeouts[k] = 1));
    return new Dataset(
      {
        observations: pick(this.obs, D, new Float32Array(n * D)),
        actions: pick(this.acts, A, new Float32Array(n * A)),
        rewards: pick(this.rewards, 1, new Float32Array(n)),
        nextObservations: pick(this.next, D, new Float32Array(n * D)),
        terminals: pick(this.terms, 1, new Uint8Array(n)),
        timeouts,
      },
      { obsDim: D, actDim: A },
      { envId: this.spec?.id, observationSpace: this.singleObservationSpace.toJSON(), actionSpace: this.singleActionSpace.toJSON(), policy: options.name ?? "replay" },
    );
  }

  private readonly rowCopy: number[] = [];
}

/** Row order grouping each copy's episodes (in the order they ended, unfinished last) and the last rows of unfinished ones. */
function groupEpisodes(copyOf: number[], terms: number[], touts: number[]): { order: number[]; cut: Set<number> } {
  const open = new Map<number, number[]>();
  const order: number[] = [];
  copyOf.forEach((c, i) => {
    const ep = open.get(c) ?? [];
    ep.push(i);
    if (terms[i] || touts[i]) {
      order.push(...ep);
      open.delete(c);
    } else open.set(c, ep);
  });
  const cut = new Set<number>();
  for (const ep of open.values()) {
    order.push(...ep);
    cut.add(ep[ep.length - 1]);
  }
  return { order, cut };
}
