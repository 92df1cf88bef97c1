/**
 * The checkpoint pieces every agent's save / load shares (the file format itself is in
 * nn/checkpoint.ts): opening a checkpoint for an algorithm and env, optimizer state, a single
 * variable, and replay buffer contents. Each agent's `save` still lists, in its own file, what
 * it writes and in what order.
 */
import type { VectorEnv } from "../core/vector.js";
import type { ReplayBuffer } from "../buffers/replay.js";
import type { Optimizer } from "../nn/optimizers.js";
import { CheckpointError, checkpointArray, readCheckpoint, writeCheckpoint, type CheckpointContents, type LoadedCheckpoint } from "../nn/checkpoint.js";
import { tf, type Variable } from "../nn/tf.js";
import { ConfigError } from "./base.js";
import { checkCheckpointable } from "./schedules.js";

/** The arrays of a checkpoint (written to arrays.bin in insertion order). */
export type CheckpointArrays = Record<string, Float32Array | Float64Array>;

/** The spaces an agent was built for, as strings (checked when a checkpoint is loaded), and its env count. */
export function envSignature(env: VectorEnv): { id?: string; obs: string; act: string; numEnvs: number } {
  return { id: env.spec?.id, obs: env.singleObservationSpace.toString(), act: env.singleActionSpace.toString(), numEnvs: env.numEnvs };
}

/** Writes an agent's checkpoint, refusing a config with schedules given as functions (JSON cannot store them). */
export async function writeAgentCheckpoint(dir: string, c: CheckpointContents): Promise<void> {
  checkCheckpointable(c.algo, c.config as object);
  await writeCheckpoint(dir, c);
}

/**
 * Builds the agent of a checkpoint for `env`. When the saved config does not fit `env` (a
 * batch larger than the rollout of fewer envs, ...), the error names the env count the
 * checkpoint was trained with and `load`'s `overrides` argument.
 */
export function buildFromCheckpoint<T>(dir: string, ck: LoadedCheckpoint, env: VectorEnv, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const saved = (ck.meta.env as { numEnvs?: number } | undefined)?.numEnvs;
    const what = e.problems.map((p) => `${p.field} = ${JSON.stringify(p.value) ?? String(p.value)} (accepted: ${p.accepted})`).join("; ");
    const trained = saved === undefined ? "" : `was trained on ${saved} env${saved === 1 ? "" : "s"} and `;
    const fix =
      (saved !== undefined && saved !== env.numEnvs ? `load it with an env of ${saved} copies (make(id, {numEnvs: ${saved}})), or ` : "") +
      `pass config overrides as load's third argument, e.g. ${ck.algo}.load(dir, env, {${e.problems.map((p) => `${p.field}: ...`).join(", ")}})`;
    throw new CheckpointError(dir, `${trained}its config does not fit this env of ${env.numEnvs} env${env.numEnvs === 1 ? "" : "s"}: ${what}. To fix: ${fix}`);
  }
}

/** Reads a checkpoint, rejecting one written by another algorithm. */
export async function readAgentCheckpoint(dir: string, algo: string): Promise<LoadedCheckpoint> {
  const ck = await readCheckpoint(dir);
  if (ck.algo !== algo) throw new CheckpointError(dir, `holds a ${ck.algo} agent, not ${algo} (use ${ck.algo}.load)`);
  return ck;
}

/** Rejects a checkpoint trained on other observation / action spaces than `env`'s. */
export function checkEnvSignature(dir: string, ck: LoadedCheckpoint, env: VectorEnv): void {
  const sig = envSignature(env);
  const saved = ck.meta.env as ReturnType<typeof envSignature> | undefined;
  if (saved && (saved.obs !== sig.obs || saved.act !== sig.act)) {
    throw new CheckpointError(dir, `was trained on observation space ${saved.obs} and action space ${saved.act}, but this env has ${sig.obs} and ${sig.act}`);
  }
}

/** {@link readAgentCheckpoint} and {@link checkEnvSignature}. */
export async function openCheckpoint(dir: string, algo: string, env: VectorEnv): Promise<LoadedCheckpoint> {
  const ck = await readAgentCheckpoint(dir, algo);
  checkEnvSignature(dir, ck, env);
  return ck;
}

/**
 * Puts an optimizer's moments into `arrays` as `${key}/m` and `${key}/v`; returns its kind, step
 * and lr, for the metadata under `key`. An agent with one optimizer uses its kind ("adam",
 * "rmsprop") as the key; agents with several name them by role ("actorOpt", "qOpt").
 */
export async function saveOptimizer(key: string, opt: Optimizer, arrays: CheckpointArrays): Promise<{ kind: string; step: number; lr: number }> {
  const s = await opt.getState();
  arrays[`${key}/m`] = s.m;
  arrays[`${key}/v`] = s.v;
  return { kind: opt.kind, step: s.step, lr: s.lr };
}

/**
 * Restores an optimizer saved by {@link saveOptimizer} under `key`. Checkpoints written before
 * optimizers were keyed by kind stored every single optimizer under "adam" (RMSprop's too):
 * that key is read when `key` is absent.
 */
export function restoreOptimizer(dir: string, ck: LoadedCheckpoint, key: string, opt: Optimizer): void {
  const k = key in ck.meta || !("adam" in ck.meta) ? key : "adam";
  const m = ck.meta[k] as { kind?: string; step: number; lr: number } | undefined;
  if (!m) throw new CheckpointError(dir, `has no optimizer state "${key}"`);
  if (m.kind !== undefined && m.kind !== opt.kind) throw new CheckpointError(dir, `optimizer "${k}" is ${m.kind}, but the agent uses ${opt.kind}`);
  opt.setState({ step: m.step, lr: m.lr, m: checkpointArray(dir, ck, `${k}/m`, opt.size), v: checkpointArray(dir, ck, `${k}/v`, opt.size) });
}

/** Restores a variable saved as the array `key`. */
export function restoreVariable(dir: string, ck: LoadedCheckpoint, key: string, v: Variable): void {
  const data = checkpointArray<Float32Array>(dir, ck, key, v.size);
  tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
}

const REPLAY_ARRAYS = ["obs", "nextObs", "actions", "rewards", "terminated", "discounts"] as const;

/** Puts a replay buffer's contents into `arrays` as `replay/<field>`; returns its position and size, for the metadata `replay`. */
export function saveReplay(replay: ReplayBuffer, arrays: CheckpointArrays): { pos: number; size: number; arrays: string[] } {
  const rs = replay.getState();
  const keys: string[] = [];
  for (const [k, v] of Object.entries(rs)) {
    if (!(v instanceof Float32Array)) continue;
    arrays[`replay/${k}`] = v;
    keys.push(k);
  }
  return { pos: rs.pos as number, size: rs.size as number, arrays: keys };
}

/** Restores a replay buffer saved by {@link saveReplay}; returns its position and size. */
export function restoreReplay(dir: string, ck: LoadedCheckpoint, replay: ReplayBuffer): { pos: number; size: number } {
  const rp = ck.meta.replay as { pos: number; size: number; arrays?: string[] };
  const st: Record<string, unknown> = { pos: rp.pos, size: rp.size };
  for (const k of rp.arrays ?? REPLAY_ARRAYS) st[k] = checkpointArray(dir, ck, `replay/${k}`);
  replay.setState(st);
  return rp;
}
