/**
 * The checkpoint pieces every agent's save / load shares (the file format itself is in
 * nn/checkpoint.ts): opening a checkpoint for an algorithm and env, optimizer state, a single
 * variable, and replay buffer contents. Each agent's `save` still lists, in its own file, what
 * it writes and in what order.
 */
import type { VectorEnv } from "../core/vector.js";
import type { ReplayBuffer } from "../buffers/replay.js";
import type { Optimizer } from "../nn/adam.js";
import { CheckpointError, checkpointArray, readCheckpoint, type LoadedCheckpoint } from "../nn/checkpoint.js";
import { tf, type Variable } from "../nn/tf.js";

/** The arrays of a checkpoint (written to arrays.bin in insertion order). */
export type CheckpointArrays = Record<string, Float32Array | Float64Array>;

/** The spaces an agent was built for, as strings (checked when a checkpoint is loaded). */
export function envSignature(env: VectorEnv): { id?: string; obs: string; act: string } {
  return { id: env.spec?.id, obs: env.singleObservationSpace.toString(), act: env.singleActionSpace.toString() };
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

/** Puts an optimizer's moments into `arrays` as `${key}/m` and `${key}/v`; returns its step and lr, for the metadata under `key`. */
export function saveOptimizer(key: string, opt: Optimizer, arrays: CheckpointArrays): { step: number; lr: number } {
  const s = opt.getState();
  arrays[`${key}/m`] = s.m;
  arrays[`${key}/v`] = s.v;
  return { step: s.step, lr: s.lr };
}

/** Restores an optimizer saved by {@link saveOptimizer} under `key`. */
export function restoreOptimizer(dir: string, ck: LoadedCheckpoint, key: string, opt: Optimizer): void {
  const m = ck.meta[key] as { step: number; lr: number };
  opt.setState({ step: m.step, lr: m.lr, m: checkpointArray(dir, ck, `${key}/m`, opt.size), v: checkpointArray(dir, ck, `${key}/v`, opt.size) });
}

/** Restores a variable saved as the array `key`. */
export function restoreVariable(dir: string, ck: LoadedCheckpoint, key: string, v: Variable): void {
  const data = checkpointArray<Float32Array>(dir, ck, key, v.size);
  tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
}

const REPLAY_ARRAYS = ["obs", "nextObs", "actions", "rewards", "terminated", "discounts"] as const;

/** Puts a replay buffer's contents into `arrays` as `replay/<field>`; returns its position and size, for the metadata `replay`. */
export function saveReplay(replay: ReplayBuffer, arrays: CheckpointArrays): { pos: number; size: number } {
  const rs = replay.getState();
  for (const [k, v] of Object.entries(rs)) if (v instanceof Float32Array) arrays[`replay/${k}`] = v;
  return { pos: rs.pos as number, size: rs.size as number };
}

/** Restores a replay buffer saved by {@link saveReplay}; returns its position and size. */
export function restoreReplay(dir: string, ck: LoadedCheckpoint, replay: ReplayBuffer): { pos: number; size: number } {
  const rp = ck.meta.replay as { pos: number; size: number };
  const st: Record<string, unknown> = { pos: rp.pos, size: rp.size };
  for (const k of REPLAY_ARRAYS) st[k] = checkpointArray(dir, ck, `replay/${k}`);
  replay.setState(st);
  return rp;
}
