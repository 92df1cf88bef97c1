/**
 * Dataset files: Parquet (one column per number, through src/data's nodejs-polars) and HDF5 in
 * the layouts of D4RL and Minari (through h5wasm, HDF5 compiled to WebAssembly), so a real D4RL
 * or Minari file on disk can be trained on.
 *
 * D4RL (`d4rl.qlearning_dataset` reads these; Fu et al. 2020): top-level datasets
 *   observations [N, obs_dim] float32, actions [N, act_dim] float32, rewards [N] float32,
 *   terminals [N] bool, timeouts [N] bool, optionally next_observations [N, obs_dim] and
 *   infos/<name> [N, ...] (e.g. infos/qpos), metadata/<name>.
 * Files without next_observations (most of D4RL's) get them as d4rl.qlearning_dataset does:
 * observations[i + 1] within an episode; the last row of each episode, which has no successor,
 * is dropped unless it is terminal (then its next observation is unused by bootstrapping and
 * set to the observation itself).
 *
 * Minari (HDF5 storage, minari < 0.5 and `data_format="hdf5"`): one group per episode,
 *   episode_<id>/observations [T + 1, obs_dim], actions [T, act_dim], rewards [T],
 *   terminations [T], truncations [T], infos/...; root attributes total_episodes, total_steps.
 *
 * Written here: float32 for observations, actions and rewards; uint8 (0 / 1) for the flags
 * (h5py reads them as uint8; D4RL's loaders cast them with astype(bool)). Reading accepts any
 * numeric or boolean dtype, so files written by h5py load too.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type * as H5 from "h5wasm";
import { pl, type DataFrame } from "../data/frame.js";
import { Dataset, DatasetError, type DatasetArrays, type DatasetMeta } from "./dataset.js";

/** A dataset file that cannot be read as a dataset: names the file, what is wrong, and the fix. */
export class DatasetFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "DatasetFileError";
  }
}

// ---------------------------------------------------------------- Parquet

const cols = (name: string, w: number) => Array.from({ length: w }, (_, j) => `${name}_${j}`);

/**
 * Writes a dataset to a Parquet file: columns observations_0..k, actions_0..m, rewards,
 * next_observations_0..k, terminals, timeouts (float32 and uint8, bit for bit). The file
 * appears complete or not at all.
 */
export function saveParquet(ds: Dataset, path: string): void {
  const P = pl();
  const series: ReturnType<typeof P.Series>[] = [];
  const split = (name: string, a: Float32Array, w: number) => {
    cols(name, w).forEach((c, j) => {
      const col = new Float32Array(ds.size);
      for (let i = 0; i < ds.size; i++) col[i] = a[i * w + j];
      series.push(P.Series(c, col, P.Float32));
    });
  };
  split("observations", ds.observations, ds.obsDim);
  split("actions", ds.actions, ds.actDim);
  series.push(P.Series("rewards", ds.rewards, P.Float32));
  split("next_observations", ds.nextObservations, ds.obsDim);
  series.push(P.Series("terminals", Array.from(ds.terminals), P.UInt8));
  series.push(P.Series("timeouts", Array.from(ds.timeouts), P.UInt8));
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  P.DataFrame(series).writeParquet(tmp, { compression: "zstd" });
  renameSync(tmp, path);
}

/** Reads a dataset written by {@link saveParquet} (or any Parquet file with those columns). */
export function loadParquet(path: string, meta: DatasetMeta = {}): Dataset {
  if (!existsSync(path)) throw new DatasetFileError(path, "no such file; check the path (relative paths start at the notebook's folder)");
  let df: DataFrame;
  try {
    df = pl().readParquet(path);
  } catch (e) {
    throw new DatasetFileError(path, `is not a readable Parquet file (${(e as Error).message}); write it again with saveParquet, or check that it was copied whole`);
  }
  const names = new Set(df.columns);
  const width = (name: string) => {
    let w = 0;
    while (names.has(`${name}_${w}`)) w++;
    if (w === 0 && names.has(name)) return -1;
    return w;
  };
  const required = ["observations", "actions", "rewards", "next_observations", "terminals", "timeouts"];
  for (const r of required) {
    if (!names.has(r) && !names.has(`${r}_0`)) {
      throw new DatasetFileError(path, `has no "${r}" column (columns: ${df.columns.join(", ")}); a dataset file needs ${required.join(", ")} (vector fields as name_0, name_1, ...)`);
    }
  }
  const numeric = (c: string): Float64Array | Float32Array | Uint8Array => {
    const s = df.getColumn(c);
    const dt = String(s.dtype).replace(/^DataType\((.*)\)$/, "$1");
    if (!/Float|Int|Bool/.test(dt)) throw new DatasetFileError(path, `column "${c}" has type ${dt}; it must be numeric (float32 for values, 0 / 1 for flags)`);
    if (s.nullCount() > 0) throw new DatasetFileError(path, `column "${c}" has ${s.nullCount()} missing values; fill or drop those rows`);
    if (/Bool/.test(dt)) return Uint8Array.from(s.toArray() as boolean[], (b) => (b ? 1 : 0));
    const t = s.toTypedArray() as unknown as ArrayLike<number | bigint>;
    // 64-bit integer columns (Minari stores discrete actions as int64) come back as BigInt arrays.
    return t instanceof BigInt64Array || t instanceof BigUint64Array ? Float64Array.from(t, Number) : (t as Float64Array | Float32Array | Uint8Array);
  };
  const gather = (name: string): { data: Float32Array; w: number } => {
    const w = width(name);
    const cs = w === -1 ? [name] : cols(name, w);
    const parts = cs.map(numeric);
    const n = df.height;
    const out = new Float32Array(n * cs.length);
    parts.forEach((p, j) => {
      for (let i = 0; i < n; i++) out[i * cs.length + j] = p[i];
    });
    return { data: out, w: cs.length };
  };
  const flags = (name: string) => {
    const p = numeric(name);
    const out = new Uint8Array(p.length);
    for (let i = 0; i < p.length; i++) {
      if (p[i] !== 0 && p[i] !== 1) throw new DatasetFileError(path, `column "${name}" holds ${p[i]} at row ${i}; flags must be 0 / 1 or true / false`);
      out[i] = p[i];
    }
    return out;
  };
  const obs = gather("observations");
  const act = gather("actions");
  return wrapFieldErrors(path, () =>
    new Dataset(
      { observations: obs.data, actions: act.data, rewards: gather("rewards").data, nextObservations: gather("next_observations").data, terminals: flags("terminals"), timeouts: flags("timeouts") },
      { obsDim: obs.w, actDim: act.w },
      meta,
    ),
  );
}

function wrapFieldErrors<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DatasetError) throw new DatasetFileError(path, e.message);
    throw e;
  }
}

// ---------------------------------------------------------------- HDF5

let h5: Promise<typeof H5> | undefined;
/** h5wasm, loaded (and its WebAssembly compiled) on first use. */
async function h5wasm(): Promise<typeof H5> {
  h5 ??= import("h5wasm/node").then(async (m) => {
    const mod = ((m as unknown as { default?: typeof H5 }).default ?? m) as typeof H5;
    await mod.ready;
    return mod;
  });
  return h5;
}

export type HDF5Layout = "d4rl" | "minari";

export interface SaveHDF5Options {
  /** "d4rl" (top-level arrays, the default) or "minari" (one group per episode). */
  layout?: HDF5Layout;
}

/** Writes a dataset as an HDF5 file in D4RL's or Minari's layout (see the module comment); atomic. */
export async function saveHDF5(ds: Dataset, path: string, options: SaveHDF5Options = {}): Promise<void> {
  const layout = options.layout ?? "d4rl";
  if (layout !== "d4rl" && layout !== "minari") throw new RangeError(`saveHDF5: layout must be "d4rl" or "minari", got ${JSON.stringify(layout)}`);
  const lib = await h5wasm();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const f = new lib.File(tmp, "w");
  try {
    const D = ds.obsDim;
    const A = ds.actDim;
    if (layout === "d4rl") {
      const N = ds.size;
      f.create_dataset({ name: "observations", data: ds.observations, shape: [N, D], dtype: "<f" });
      f.create_dataset({ name: "actions", data: ds.actions, shape: [N, A], dtype: "<f" });
      f.create_dataset({ name: "rewards", data: ds.rewards, shape: [N], dtype: "<f" });
      f.create_dataset({ name: "next_observations", data: ds.nextObservations, shape: [N, D], dtype: "<f" });
      f.create_dataset({ name: "terminals", data: ds.terminals, shape: [N], dtype: "<B" });
      f.create_dataset({ name: "timeouts", data: ds.timeouts, shape: [N], dtype: "<B" });
      if (ds.meta.infos) {
        const g = f.create_group("infos");
        for (const [k, v] of Object.entries(ds.meta.infos)) g.create_dataset({ name: k, data: v, shape: v.length === N ? [N] : [N, v.length / N] });
      }
    } else {
      const eps = ds.episodes();
      f.create_attribute("total_episodes", eps.length);
      f.create_attribute("total_steps", ds.size);
      eps.forEach((e, id) => {
        const g = f.create_group(`episode_${id}`);
        const T = e.length;
        // Minari keeps T + 1 observations: the first T are the rows' observations, the last the final next observation.
        const obs = new Float32Array((T + 1) * D);
        obs.set(ds.observations.subarray(e.start * D, e.end * D));
        obs.set(ds.nextObservations.subarray((e.end - 1) * D, e.end * D), T * D);
        // Minari episodes run to a reset, so rows in between must chain: next_obs[i] == obs[i + 1].
        for (let i = e.start; i + 1 < e.end; i++) {
          for (let j = 0; j < D; j++) {
            if (!Object.is(ds.nextObservations[i * D + j], ds.observations[(i + 1) * D + j])) {
              throw new DatasetError("next_observations", `row ${i} does not lead to row ${i + 1}'s observation, which Minari's layout (observations [T + 1]) cannot store; save this dataset with layout "d4rl"`);
            }
          }
        }
        g.create_attribute("id", id);
        g.create_attribute("total_steps", T);
        g.create_dataset({ name: "observations", data: obs, shape: [T + 1, D], dtype: "<f" });
        g.create_dataset({ name: "actions", data: ds.actions.slice(e.start * A, e.end * A), shape: [T, A], dtype: "<f" });
        g.create_dataset({ name: "rewards", data: ds.rewards.slice(e.start, e.end), shape: [T], dtype: "<f" });
        g.create_dataset({ name: "terminations", data: ds.terminals.slice(e.start, e.end), shape: [T], dtype: "<B" });
        g.create_dataset({ name: "truncations", data: ds.timeouts.slice(e.start, e.end), shape: [T], dtype: "<B" });
      });
    }
    // rlbook's provenance (extra root attributes; D4RL and Minari readers ignore them).
    if (ds.meta.envId) f.create_attribute("env_id", ds.meta.envId);
    if (ds.meta.policy) f.create_attribute("policy", ds.meta.policy);
    if (ds.meta.observationSpace) f.create_attribute("observation_space", JSON.stringify(ds.meta.observationSpace));
    if (ds.meta.actionSpace) f.create_attribute("action_space", JSON.stringify(ds.meta.actionSpace));
  } catch (e) {
    f.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  f.close();
  renameSync(tmp, path);
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Reads a D4RL- or Minari-layout HDF5 file (the layout is detected) into a dataset. */
export async function loadHDF5(path: string): Promise<Dataset> {
  if (!existsSync(path)) throw new DatasetFileError(path, "no such file; check the path (D4RL keeps its files in ~/.d4rl/datasets, Minari in ~/.minari/datasets/<id>/data/main_data.hdf5)");
  const head = readFileSync(path).subarray(0, 8);
  if (head.length < 8 || !HDF5_SIGNATURE.every((b, i) => head[i] === b)) {
    throw new DatasetFileError(path, "is not an HDF5 file (its first bytes are not the HDF5 signature); it may be truncated or another format (use loadParquet for .parquet files)");
  }
  const lib = await h5wasm();
  let f: H5.File;
  try {
    f = new lib.File(path, "r");
  } catch (e) {
    throw new DatasetFileError(path, `HDF5 could not open it (${String((e as Error)?.message ?? e)}); the file is probably corrupt or truncated: download or write it again`);
  }
  try {
    const keys = f.keys();
    const meta: DatasetMeta = {};
    const attr = (name: string): unknown => (name in f.attrs ? f.attrs[name].value : undefined);
    if (typeof attr("env_id") === "string") meta.envId = attr("env_id") as string;
    if (typeof attr("policy") === "string") meta.policy = attr("policy") as string;
    for (const k of ["observation_space", "action_space"] as const) {
      const v = attr(k);
      if (typeof v === "string") meta[k === "observation_space" ? "observationSpace" : "actionSpace"] = JSON.parse(v);
    }
    if (keys.includes("observations")) return readD4RL(path, f, lib, meta);
    const episodes = keys.filter((k) => /^episode_\d+$/.test(k));
    if (episodes.length) return readMinari(path, f, lib, episodes, meta);
    throw new DatasetFileError(path, `has neither D4RL's top-level "observations" nor Minari's "episode_<id>" groups (keys: ${keys.join(", ") || "none"}); it does not hold a dataset in a known layout`);
  } catch (e) {
    if (e instanceof DatasetFileError || e instanceof DatasetError) throw e;
    throw new DatasetFileError(path, `HDF5 could not read it (${String((e as Error)?.message ?? e)}); the file is probably corrupt or truncated: download or write it again`);
  } finally {
    f.close();
  }
}

interface Read {
  data: Float32Array | Uint8Array;
  rows: number;
  width: number;
}

/** Reads a numeric dataset `name` under group `g` as float32 (values) or uint8 (flags). */
function readArray(path: string, lib: typeof H5, g: H5.Group, name: string, kind: "values" | "flags", where = ""): Read {
  const full = where ? `${where}/${name}` : name;
  const d = g.get(name);
  if (!(d instanceof lib.Dataset)) throw new DatasetFileError(path, `has no dataset "${full}"${d ? " (it is a group)" : ""}; ${kind === "flags" ? "flags must be stored as 0 / 1 arrays" : "add it"} (the D4RL layout needs observations, actions, rewards, terminals, timeouts)`);
  const shape = d.shape ?? [];
  const v = d.value;
  if (!ArrayBuffer.isView(v) && !(Array.isArray(v) && v.every((x) => typeof x === "boolean" || typeof x === "number"))) {
    throw new DatasetFileError(path, `dataset "${full}" has type ${JSON.stringify(d.dtype)}, not numbers; store it as float32 (values) or bool / uint8 (flags)`);
  }
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const out = kind === "flags" ? new Uint8Array(v.length) : new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
    return { data: checkFlags(path, full, out, kind), rows: shape[0] ?? 1, width: shape.slice(1).reduce((a, b) => a * b, 1) };
  }
  const src = v as ArrayLike<number | boolean>;
  const out = kind === "flags" ? new Uint8Array(src.length) : src instanceof Float32Array ? src : new Float32Array(src.length);
  if (out !== src) for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return { data: checkFlags(path, full, out, kind, src), rows: shape[0] ?? 1, width: shape.slice(1).reduce((a, b) => a * b, 1) };
}

function checkFlags(path: string, full: string, out: Float32Array | Uint8Array, kind: string, src?: ArrayLike<number | boolean>): Float32Array | Uint8Array {
  if (kind !== "flags" || !src) return out;
  for (let i = 0; i < src.length; i++) {
    const x = Number(src[i]);
    if (x !== 0 && x !== 1) throw new DatasetFileError(path, `dataset "${full}" holds ${x} at row ${i}; flags must be 0 / 1 (bool)`);
  }
  return out;
}

function readD4RL(path: string, f: H5.File, lib: typeof H5, meta: DatasetMeta): Dataset {
  const obs = readArray(path, lib, f, "observations", "values");
  const act = readArray(path, lib, f, "actions", "values");
  const rew = readArray(path, lib, f, "rewards", "values");
  const term = readArray(path, lib, f, "terminals", "flags");
  const keys = f.keys();
  const N = obs.rows;
  for (const [name, r] of [["actions", act], ["rewards", rew], ["terminals", term]] as const) {
    if (r.rows !== N) throw new DatasetFileError(path, `"${name}" has ${r.rows} rows but "observations" has ${N}; every top-level array needs one row per transition`);
  }
  const tout = keys.includes("timeouts") ? readArray(path, lib, f, "timeouts", "flags") : { data: new Uint8Array(N), rows: N, width: 1 };
  if (tout.rows !== N) throw new DatasetFileError(path, `"timeouts" has ${tout.rows} rows but "observations" has ${N}`);
  const infos: Record<string, Float32Array> = {};
  const ig = f.get("infos");
  if (ig instanceof lib.Group) {
    for (const k of ig.keys()) {
      const d = ig.get(k);
      if (!(d instanceof lib.Dataset) || !ArrayBuffer.isView(d.value) || (d.shape?.[0] ?? -1) !== N) continue;
      infos[k] = Float32Array.from(d.value as unknown as ArrayLike<number>);
    }
  }
  if (Object.keys(infos).length) meta.infos = infos;
  const dims = { obsDim: obs.width, actDim: act.width };
  if (keys.includes("next_observations")) {
    const next = readArray(path, lib, f, "next_observations", "values");
    if (next.rows !== N || next.width !== obs.width) throw new DatasetFileError(path, `"next_observations" is [${next.rows}, ${next.width}] but "observations" is [${N}, ${obs.width}]; they must match`);
    const arrays: DatasetArrays = { observations: obs.data as Float32Array, actions: act.data as Float32Array, rewards: rew.data as Float32Array, nextObservations: next.data as Float32Array, terminals: term.data as Uint8Array, timeouts: tout.data as Uint8Array };
    return wrapFieldErrors(path, () => new Dataset(arrays, dims, meta));
  }
  // No next_observations: d4rl.qlearning_dataset's construction (see the module comment).
  const D = obs.width;
  const keep: number[] = [];
  for (let i = 0; i < N; i++) {
    const last = i + 1 === N;
    if (term.data[i]) keep.push(i);
    else if (!tout.data[i] && !last) keep.push(i);
  }
  const pick = <T extends Float32Array | Uint8Array>(src: T, w: number, out: T) => {
    keep.forEach((i, k) => out.set(src.subarray(i * w, (i + 1) * w), k * w));
    return out;
  };
  const n = keep.length;
  const next = new Float32Array(n * D);
  keep.forEach((i, k) => next.set((obs.data as Float32Array).subarray((term.data[i] ? i : i + 1) * D, (term.data[i] ? i + 1 : i + 2) * D), k * D));
  // Timeouts fell away with their rows: mark the row before each dropped one as the episode's end.
  const touts = new Uint8Array(n);
  keep.forEach((i, k) => (touts[k] = !term.data[i] && (tout.data[i + 1] === 1 || i + 2 === N) ? 1 : 0));
  if (Object.keys(infos).length) meta.infos = Object.fromEntries(Object.entries(infos).map(([k, v]) => [k, pick(v, v.length / N, new Float32Array((n * v.length) / N))]));
  return wrapFieldErrors(path, () =>
    new Dataset(
      { observations: pick(obs.data as Float32Array, D, new Float32Array(n * D)), actions: pick(act.data as Float32Array, act.width, new Float32Array(n * act.width)), rewards: pick(rew.data as Float32Array, 1, new Float32Array(n)), nextObservations: next, terminals: pick(term.data as Uint8Array, 1, new Uint8Array(n)), timeouts: touts },
      dims,
      meta,
    ),
  );
}

function readMinari(path: string, f: H5.File, lib: typeof H5, episodes: string[], meta: DatasetMeta): Dataset {
  episodes.sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
  const parts: DatasetArrays[] = [];
  let dims: { obsDim: number; actDim: number } | undefined;
  for (const name of episodes) {
    const g = f.get(name) as H5.Group;
    const obs = readArray(path, lib, g, "observations", "values", name);
    const act = readArray(path, lib, g, "actions", "values", name);
    const rew = readArray(path, lib, g, "rewards", "values", name);
    const term = readArray(path, lib, g, "terminations", "flags", name);
    const trunc = readArray(path, lib, g, "truncations", "flags", name);
    const T = act.rows;
    if (obs.rows !== T + 1) throw new DatasetFileError(path, `"${name}/observations" has ${obs.rows} rows for ${T} actions; Minari episodes store T + 1 observations`);
    for (const [k, r] of [["rewards", rew], ["terminations", term], ["truncations", trunc]] as const) {
      if (r.rows !== T) throw new DatasetFileError(path, `"${name}/${k}" has ${r.rows} rows but "${name}/actions" has ${T}`);
    }
    dims ??= { obsDim: obs.width, actDim: act.width };
    if (obs.width !== dims.obsDim || act.width !== dims.actDim) throw new DatasetFileError(path, `"${name}" has observation / action widths ${obs.width} / ${act.width}, other episodes ${dims.obsDim} / ${dims.actDim}`);
    const D = obs.width;
    const o = obs.data as Float32Array;
    parts.push({ observations: o.slice(0, T * D), nextObservations: o.slice(D, (T + 1) * D), actions: act.data as Float32Array, rewards: rew.data as Float32Array, terminals: term.data as Uint8Array, timeouts: trunc.data as Uint8Array });
  }
  return wrapFieldErrors(path, () => Dataset.concat(parts.map((p) => new Dataset(p, dims!, meta))));
}
