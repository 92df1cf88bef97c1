/**
 * A batch of transitions for offline RL, with the field names of D4RL and Minari:
 *
 *   observations[i], actions[i], rewards[i], next_observations[i], terminals[i], timeouts[i]
 *
 * Row i is one env step. `terminals` marks an MDP terminal state (Gymnasium's `terminated`: no
 * bootstrapping past it), `timeouts` a cut-short episode (`truncated`: the state is not terminal).
 * An episode ends after a row with either flag set; rows after the last flag form an unfinished
 * episode (D4RL files end that way). Arrays are flat and row-major: `observations` holds
 * size * obsDim float32 numbers. Discrete actions are stored as their index in one float32 column
 * (D4RL stores every action as float32; Minari's int64 indices read back the same).
 *
 * A Dataset is immutable by convention: recording, loading, concatenating and slicing make new ones.
 */
import { displaySymbol, type DisplayResult } from "../display.js";
import type { Rng } from "../core/rng.js";
import { Box, Discrete, type Space } from "../core/spaces.js";
import { grid, histogram, scatter } from "../plot/index.js";
import { chartBundle } from "../plot/chart.js";

/** The per-step arrays of a {@link Dataset} (D4RL / Minari names, camel-cased). */
export interface DatasetArrays {
  /** size * obsDim float32 numbers. */
  observations: Float32Array;
  /** size * actDim float32 numbers (a Discrete action is its index). */
  actions: Float32Array;
  rewards: Float32Array;
  /** size * obsDim float32 numbers: the observation after each step. */
  nextObservations: Float32Array;
  /** 1 where the step reached a terminal state (Gymnasium `terminated`). */
  terminals: Uint8Array;
  /** 1 where the episode was cut short after the step (Gymnasium `truncated`). */
  timeouts: Uint8Array;
}

/** What a Dataset knows about where it came from. */
export interface DatasetMeta {
  /** The env id the data was recorded in (e.g. "CartPole-v1"), when known. */
  envId?: string;
  /** The observation and action spaces as `Space.toJSON()` gives them, when known. */
  observationSpace?: unknown;
  actionSpace?: unknown;
  /** How the data was made ("expert", "random", "medium-replay", a policy's name, ...). */
  policy?: string;
  /** Extra per-step arrays (D4RL's `infos/...`), size * k numbers each. */
  infos?: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array>;
}

/** One episode of a dataset: rows [start, end). */
export interface EpisodeSpan {
  start: number;
  end: number;
  length: number;
  return: number;
  /** True when the last row is terminal or a timeout (false for a trailing unfinished episode). */
  finished: boolean;
}

/** A minibatch sampled uniformly from a dataset. */
export interface TransitionBatch {
  obs: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObs: Float32Array;
  /** 1 for terminal steps (bootstrapping stops), as float32 for tensors. */
  terminals: Float32Array;
  /** Row indices drawn. */
  index: Int32Array;
}

/** A problem with a dataset's contents: names the field and says how to fix it. */
export class DatasetError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`Dataset field "${field}": ${message}`);
    this.name = "DatasetError";
  }
}

const FIELDS = ["observations", "actions", "rewards", "nextObservations", "terminals", "timeouts"] as const;

/** The snake_case name a field has in D4RL / Minari files. */
export const FILE_NAMES: Readonly<Record<keyof DatasetArrays, string>> = Object.freeze({
  observations: "observations",
  actions: "actions",
  rewards: "rewards",
  nextObservations: "next_observations",
  terminals: "terminals",
  timeouts: "timeouts",
});

export class Dataset implements DatasetArrays {
  readonly observations: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObservations: Float32Array;
  readonly terminals: Uint8Array;
  readonly timeouts: Uint8Array;
  /** Number of transitions. */
  readonly size: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly meta: Readonly<DatasetMeta>;
  private spans: EpisodeSpan[] | undefined;

  /**
   * Checks the arrays (lengths agree with obsDim / actDim, every number finite, flags 0 or 1)
   * and throws a {@link DatasetError} naming the field otherwise. An empty dataset is refused.
   */
  constructor(arrays: DatasetArrays, dims: { obsDim: number; actDim: number }, meta: DatasetMeta = {}) {
    const { obsDim, actDim } = dims;
    if (!(Number.isInteger(obsDim) && obsDim > 0)) throw new DatasetError("observations", `obsDim must be a positive integer, got ${obsDim}`);
    if (!(Number.isInteger(actDim) && actDim > 0)) throw new DatasetError("actions", `actDim must be a positive integer, got ${actDim}`);
    for (const f of FIELDS) {
      if (!(arrays[f] instanceof (f === "terminals" || f === "timeouts" ? Uint8Array : Float32Array))) {
        const want = f === "terminals" || f === "timeouts" ? "Uint8Array (0 / 1)" : "Float32Array";
        throw new DatasetError(FILE_NAMES[f], `expected a ${want}, got ${describe(arrays[f])}`);
      }
    }
    const n = arrays.rewards.length;
    if (n === 0) throw new DatasetError("rewards", "the dataset is empty (0 transitions); record or load at least one step");
    const expect: Record<string, number> = { observations: n * obsDim, actions: n * actDim, rewards: n, nextObservations: n * obsDim, terminals: n, timeouts: n };
    for (const f of FIELDS) {
      if (arrays[f].length !== expect[f]) {
        throw new DatasetError(FILE_NAMES[f], `has ${arrays[f].length} numbers, expected ${expect[f]} (${n} transitions x ${f === "actions" ? actDim : f.includes("bservations") ? obsDim : 1}); all fields need one row per transition`);
      }
    }
    for (const f of ["observations", "actions", "rewards", "nextObservations"] as const) {
      const a = arrays[f];
      for (let i = 0; i < a.length; i++) {
        if (!Number.isFinite(a[i])) {
          const width = f === "rewards" ? 1 : f === "actions" ? actDim : obsDim;
          throw new DatasetError(FILE_NAMES[f], `row ${Math.floor(i / width)} holds ${a[i]}; drop or repair non-finite transitions before training (Dataset.filter)`);
        }
      }
    }
    for (const f of ["terminals", "timeouts"] as const) {
      const a = arrays[f];
      for (let i = 0; i < a.length; i++) if (a[i] > 1) throw new DatasetError(FILE_NAMES[f], `row ${i} holds ${a[i]}; flags must be 0 or 1`);
    }
    this.observations = arrays.observations;
    this.actions = arrays.actions;
    this.rewards = arrays.rewards;
    this.nextObservations = arrays.nextObservations;
    this.terminals = arrays.terminals;
    this.timeouts = arrays.timeouts;
    this.size = n;
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.meta = Object.freeze({ ...meta });
  }

  /** The episodes, in order (a trailing unfinished one included). */
  episodes(): readonly EpisodeSpan[] {
    if (this.spans) return this.spans;
    const spans: EpisodeSpan[] = [];
    let start = 0;
    let ret = 0;
    for (let i = 0; i < this.size; i++) {
      ret += this.rewards[i];
      if (this.terminals[i] || this.timeouts[i]) {
        spans.push({ start, end: i + 1, length: i + 1 - start, return: ret, finished: true });
        start = i + 1;
        ret = 0;
      }
    }
    if (start < this.size) spans.push({ start, end: this.size, length: this.size - start, return: ret, finished: false });
    this.spans = spans;
    return spans;
  }

  /** Returns of the finished episodes. */
  episodeReturns(): number[] {
    return this.episodes()
      .filter((e) => e.finished)
      .map((e) => e.return);
  }

  /** Mean return of the finished episodes (NaN when none finished). */
  meanReturn(): number {
    const r = this.episodeReturns();
    return r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
  }

  /** Row i's observation (a view). */
  obs(i: number): Float32Array {
    return this.observations.subarray(i * this.obsDim, (i + 1) * this.obsDim);
  }

  /** Row i's action (a view). */
  action(i: number): Float32Array {
    return this.actions.subarray(i * this.actDim, (i + 1) * this.actDim);
  }

  /** `batch` rows drawn uniformly with replacement. */
  sample(batch: number, rng: Rng): TransitionBatch {
    const idx = new Int32Array(batch);
    for (let i = 0; i < batch; i++) idx[i] = rng.integer(this.size);
    return this.gather(idx);
  }

  /** The rows `index`, copied into a batch. */
  gather(index: Int32Array): TransitionBatch {
    const B = index.length;
    const D = this.obsDim;
    const A = this.actDim;
    const out: TransitionBatch = {
      obs: new Float32Array(B * D),
      actions: new Float32Array(B * A),
      rewards: new Float32Array(B),
      nextObs: new Float32Array(B * D),
      terminals: new Float32Array(B),
      index,
    };
    for (let k = 0; k < B; k++) {
      const i = index[k];
      out.obs.set(this.observations.subarray(i * D, (i + 1) * D), k * D);
      out.nextObs.set(this.nextObservations.subarray(i * D, (i + 1) * D), k * D);
      out.actions.set(this.actions.subarray(i * A, (i + 1) * A), k * A);
      out.rewards[k] = this.rewards[i];
      out.terminals[k] = this.terminals[i];
    }
    return out;
  }

  /** Rows [start, end) as a new dataset (infos sliced too). */
  slice(start: number, end = this.size): Dataset {
    const D = this.obsDim;
    const A = this.actDim;
    const infos = this.meta.infos ? Object.fromEntries(Object.entries(this.meta.infos).map(([k, v]) => [k, v.slice((start * v.length) / this.size, (end * v.length) / this.size)])) : undefined;
    return new Dataset(
      {
        observations: this.observations.slice(start * D, end * D),
        actions: this.actions.slice(start * A, end * A),
        rewards: this.rewards.slice(start, end),
        nextObservations: this.nextObservations.slice(start * D, end * D),
        terminals: this.terminals.slice(start, end),
        timeouts: this.timeouts.slice(start, end),
      },
      { obsDim: D, actDim: A },
      { ...this.meta, ...(infos ? { infos } : {}) },
    );
  }

  /** The first `n` episodes (finished or not) as a new dataset. */
  firstEpisodes(n: number): Dataset {
    const eps = this.episodes();
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`firstEpisodes: n must be a positive integer, got ${n}`);
    return this.slice(0, eps[Math.min(n, eps.length) - 1].end);
  }

  /**
   * Several datasets one after another (D4RL's medium-expert is medium + expert). Their widths
   * must agree; meta comes from the first, with `policy` joined by "+".
   */
  static concat(parts: readonly Dataset[]): Dataset {
    if (parts.length === 0) throw new DatasetError("rewards", "Dataset.concat needs at least one dataset");
    const [first] = parts;
    for (const p of parts) {
      if (p.obsDim !== first.obsDim) throw new DatasetError("observations", `Dataset.concat: widths differ (${first.obsDim} and ${p.obsDim}); datasets of one env only`);
      if (p.actDim !== first.actDim) throw new DatasetError("actions", `Dataset.concat: widths differ (${first.actDim} and ${p.actDim}); datasets of one env only`);
    }
    const cat = <T extends Float32Array | Uint8Array>(f: keyof DatasetArrays, ctor: new (n: number) => T): T => {
      const out = new ctor(parts.reduce((a, p) => a + p[f].length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p[f] as never, o);
        o += p[f].length;
      }
      return out;
    };
    const policies = parts.map((p) => p.meta.policy).filter((p): p is string => !!p);
    const { infos: _infos, ...meta } = first.meta;
    // A part that ends mid-episode must not run into the next part's first episode: its last row becomes a timeout.
    const timeouts = cat("timeouts", Uint8Array);
    let end = 0;
    for (const p of parts.slice(0, -1)) {
      end += p.size;
      if (!p.terminals[p.size - 1] && !p.timeouts[p.size - 1]) timeouts[end - 1] = 1;
    }
    return new Dataset(
      {
        observations: cat("observations", Float32Array),
        actions: cat("actions", Float32Array),
        rewards: cat("rewards", Float32Array),
        nextObservations: cat("nextObservations", Float32Array),
        terminals: cat("terminals", Uint8Array),
        timeouts,
      },
      { obsDim: first.obsDim, actDim: first.actDim },
      { ...meta, ...(policies.length ? { policy: policies.join("+") } : {}) },
    );
  }

  /**
   * Throws a {@link DatasetError} when this dataset cannot be used with an env whose spaces are
   * `observationSpace` and `actionSpace`: other widths, Discrete actions outside the range, or
   * spaces recorded in the dataset that differ.
   */
  checkSpaces(observationSpace: Space, actionSpace: Space, who = "the env"): void {
    const obsW = observationSpace instanceof Discrete ? 1 : observationSpace.vecDim;
    if (obsW !== this.obsDim) {
      throw new DatasetError("observations", `holds ${this.obsDim} numbers per row but ${who} observes ${observationSpace} (${obsW} numbers); record the dataset in this env, or pick the env it was recorded in${this.meta.envId ? ` ("${this.meta.envId}")` : ""}`);
    }
    const actW = actionSpace instanceof Discrete ? 1 : actionSpace.vecDim;
    if (actW !== this.actDim) {
      throw new DatasetError("actions", `holds ${this.actDim} numbers per row but ${who} acts in ${actionSpace} (${actW} numbers); record the dataset in this env${this.meta.envId ? `, or use "${this.meta.envId}"` : ""}`);
    }
    if (actionSpace instanceof Discrete) {
      for (let i = 0; i < this.size; i++) {
        const a = this.actions[i];
        if (!Number.isInteger(a) || a < actionSpace.start || a >= actionSpace.start + actionSpace.n) {
          throw new DatasetError("actions", `row ${i} holds ${a}, not an action of ${actionSpace}; this dataset was recorded with another action space`);
        }
      }
    } else if (actionSpace instanceof Box) {
      for (let i = 0; i < this.actions.length; i++) {
        const j = i % this.actDim;
        const a = this.actions[i];
        // A little slack: float32 storage of float64 bounds.
        const tol = 1e-5 * Math.max(1, Math.abs(actionSpace.high[j]), Math.abs(actionSpace.low[j]));
        if (a < actionSpace.low[j] - tol || a > actionSpace.high[j] + tol) {
          throw new DatasetError("actions", `row ${Math.floor(i / this.actDim)} holds ${a} in dimension ${j}, outside ${actionSpace}; clip the actions or use the env the data came from`);
        }
      }
    }
  }

  /** A short text summary. */
  toString(): string {
    const eps = this.episodes();
    const rets = this.episodeReturns();
    const lo = rets.length ? Math.min(...rets) : NaN;
    const hi = rets.length ? Math.max(...rets) : NaN;
    const src = [this.meta.envId, this.meta.policy].filter(Boolean).join(", ");
    return (
      `Dataset(${src ? src + ", " : ""}${this.size} transitions, ${eps.length} episodes (${rets.length} finished), obs ${this.obsDim}, action ${this.actDim}; ` +
      `return mean ${fmt(this.meanReturn())} [${fmt(lo)}, ${fmt(hi)}]; terminals ${count(this.terminals)}, timeouts ${count(this.timeouts)})`
    );
  }

  /**
   * Notebook display: the text summary, a histogram of episode returns and, for 2-D
   * observations (MountainCar's position and velocity), the states visited.
   */
  async [displaySymbol](): Promise<DisplayResult> {
    const charts = [];
    const rets = this.episodeReturns();
    if (rets.length) charts.push(histogram(rets, { title: "episode returns", xTitle: "return", bins: 30 }));
    if (this.obsDim === 2) {
      const stride = Math.max(1, Math.floor(this.size / 4000));
      const rows = [];
      for (let i = 0; i < this.size; i += stride) rows.push({ x0: this.observations[2 * i], x1: this.observations[2 * i + 1] });
      charts.push(scatter(rows, { x: "x0", y: "x1", title: "states visited", xTitle: "observation[0]", yTitle: "observation[1]" }));
    }
    if (!charts.length) return { "text/plain": this.toString() };
    const bundle = await chartBundle((charts.length === 1 ? charts[0] : grid(charts, { columns: 2 })).spec);
    return { data: { ...bundle.data, "text/plain": this.toString() }, metadata: bundle.metadata };
  }
}

function count(a: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += a[i];
  return c;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(2)) : "n/a";
}

function describe(x: unknown): string {
  if (x === undefined) return "nothing (the field is missing)";
  if (x === null) return "null";
  return (x as object).constructor?.name ?? typeof x;
}
