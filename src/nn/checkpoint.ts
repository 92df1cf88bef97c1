/**
 * Checkpoint directories, written atomically and verified when read.
 *
 *   dir/
 *     checkpoint.json      format, algo, config, metadata, array manifest, SHA-256 of every file
 *     checkpoint.sha256    SHA-256 of checkpoint.json (`sha256sum -c checkpoint.sha256` checks it)
 *     arrays.bin           optimizer moments, normalization statistics, replay data (little-endian)
 *     <network>/model.json tfjs LayersModel topology + weights manifest (tf.loadLayersModel reads it,
 *     <network>/weights.bin  in Node or in a browser)
 *
 * Atomicity: everything is written into a sibling temporary directory, fsynced, and renamed
 * into place; an existing checkpoint is moved aside first and removed last, so a crash at any
 * point leaves either the old or the new checkpoint complete (and never a half-written one
 * under `dir`). A kill between the two renames leaves no `dir` but a complete `dir.tmp-*` (and the
 * old `dir.old-*`): the next load moves the complete one into place.
 *
 * Verification: checkpoint.sha256 covers checkpoint.json, whose `files` cover every other file,
 * so every byte is checked on load and a hand edit of checkpoint.json is rejected. (A checksum
 * guards against damage and accidental edits, not against someone who recomputes it.)
 *
 * Leftovers: a killed save leaves `dir.tmp-HOST-PID-RAND` / `dir.old-HOST-PID-RAND` folders. The
 * next save or successful load of `dir` removes those whose save is over: on this host, when
 * process PID is gone (a live PID may be a concurrent save, in this process or another, so it is
 * left alone; a reused PID only delays the cleanup); from another host sharing the folder, whose
 * PIDs cannot be checked, when untouched for an hour (no save takes that long). Folders named
 * like that for other checkpoint paths are never touched.
 */
import { createHash, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { tf } from "./tf.js";
import type { MLP } from "./mlp.js";

export const CHECKPOINT_FORMAT = "rlbook-checkpoint";
/** Version 2 added checkpoint.sha256; version 1 checkpoints load with a warning (checkpoint.json unverified). */
export const CHECKPOINT_VERSION = 2;
/** The file holding the SHA-256 of checkpoint.json, in `sha256sum` format. */
export const CHECKPOINT_DIGEST_FILE = "checkpoint.sha256";

type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array;
const DTYPES = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;
type DtypeName = keyof typeof DTYPES;

function dtypeOf(a: NumArray): DtypeName {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  return "uint8";
}

/** What an agent puts in a checkpoint. */
export interface CheckpointContents {
  algo: string;
  config: unknown;
  /** JSON metadata (timesteps, RNG state, spaces, ...). */
  meta: Record<string, unknown>;
  networks: Record<string, MLP>;
  arrays: Record<string, NumArray>;
}

/** What {@link readCheckpoint} returns. */
export interface LoadedCheckpoint {
  algo: string;
  config: unknown;
  meta: Record<string, unknown>;
  /** Per network, its weight arrays in MLP.variables order. */
  networks: Record<string, { weights: Float32Array[]; shapes: number[][] }>;
  arrays: Record<string, NumArray>;
}

/** A checkpoint that is missing, corrupt, or does not fit what loads it. */
export class CheckpointError extends Error {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`checkpoint ${dir}: ${reason}`);
    this.name = "CheckpointError";
  }
}

function sha256(buf: Uint8Array): string {
  return createHash("sha256").update(buf).digest("hex");
}

async function writeFileSynced(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await fsp.open(file, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fsp.open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* directories cannot be fsynced on some platforms */
  }
}

async function modelArtifacts(net: MLP): Promise<{ json: string; weights: Uint8Array }> {
  const model = net.toLayersModel();
  let json = "";
  let weights = new Uint8Array(0);
  try {
    await model.save(
      tf.io.withSaveHandler(async (art) => {
        const data = art.weightData as ArrayBuffer;
        weights = new Uint8Array(data.slice(0));
        json = JSON.stringify({
          format: "layers-model",
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: "rlbook",
          modelTopology: art.modelTopology,
          weightsManifest: [{ paths: ["weights.bin"], weights: art.weightSpecs }],
        });
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
  } finally {
    model.dispose();
  }
  return { json, weights };
}

/** Writes a checkpoint directory atomically (see the module comment). */
export async function writeCheckpoint(dir: string, c: CheckpointContents): Promise<void> {
  if (typeof dir !== "string" || dir.trim() === "") throw new TypeError(`writeCheckpoint: dir must be a folder path, got ${JSON.stringify(dir)}`);
  dir = path.resolve(dir);
  await checkReplaceable(dir);
  const parent = path.dirname(dir);
  await fsp.mkdir(parent, { recursive: true });
  const tag = `${HOST}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmp = `${dir}.tmp-${tag}`;
  await fsp.mkdir(tmp);
  let aside: string | undefined;
  try {
    const files: Record<string, string> = {};
    // Arrays: one binary blob, 8-byte aligned entries.
    const manifest: { name: string; dtype: DtypeName; length: number; offset: number }[] = [];
    let off = 0;
    for (const [name, a] of Object.entries(c.arrays)) {
      manifest.push({ name, dtype: dtypeOf(a), length: a.length, offset: off });
      off += Math.ceil(a.byteLength / 8) * 8;
    }
    const blob = new Uint8Array(off);
    for (const m of manifest) {
      const a = c.arrays[m.name];
      blob.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), m.offset);
    }
    await writeFileSynced(path.join(tmp, "arrays.bin"), blob);
    files["arrays.bin"] = sha256(blob);
    for (const [name, net] of Object.entries(c.networks)) {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`network name "${name}" is not a safe directory name`);
      const { json, weights } = await modelArtifacts(net);
      await fsp.mkdir(path.join(tmp, name));
      await writeFileSynced(path.join(tmp, name, "model.json"), json);
      await writeFileSynced(path.join(tmp, name, "weights.bin"), weights);
      files[`${name}/model.json`] = sha256(Buffer.from(json));
      files[`${name}/weights.bin`] = sha256(weights);
      await syncDir(path.join(tmp, name));
    }
    const head = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      algo: c.algo,
      savedAt: new Date().toISOString(),
      tfjs: tf.version.tfjs,
      config: c.config,
      meta: c.meta,
      networks: Object.keys(c.networks),
      arrays: manifest,
      files,
    };
    const headText = JSON.stringify(head, null, 1);
    await writeFileSynced(path.join(tmp, "checkpoint.json"), headText);
    await writeFileSynced(path.join(tmp, CHECKPOINT_DIGEST_FILE), `${sha256(Buffer.from(headText))}  checkpoint.json\n`);
    await syncDir(tmp);
    // Swap into place: old -> aside, tmp -> dir, remove old.
    try {
      await fsp.rename(dir, `${dir}.old-${tag}`);
      aside = `${dir}.old-${tag}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    await fsp.rename(tmp, dir);
    await syncDir(parent);
    if (aside) await fsp.rm(aside, { recursive: true, force: true });
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    // The old checkpoint was moved aside but the new one could not take its place: put it back.
    if (aside && !(await exists(dir))) await fsp.rename(aside, dir).catch(() => {});
    throw e;
  }
  await removeLeftovers(dir);
}

/** Saving replaces `dir` whole: refuse when it holds anything but a checkpoint. */
async function checkReplaceable(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR") throw new CheckpointError(dir, "is a file, not a folder; save to a folder path");
    throw e;
  }
  if (names.length === 0 || names.includes("checkpoint.json")) return;
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? `, ... (${names.length} entries)` : "");
  throw new CheckpointError(dir, `is a folder that is not a checkpoint (it holds ${shown} and no checkpoint.json); saving replaces the whole folder, so it would delete them. Save to a new or empty folder, e.g. ${path.join(dir, "checkpoint")}`);
}

// ---- leftovers of killed saves (see the module comment) --------------------------------------

/** This host's name as it appears in temporary folder names (no dashes: they separate the fields). */
const HOST = hostname().replace(/[^A-Za-z0-9]/g, "") || "host";
/** How long a leftover from another host must be untouched before it counts as abandoned. */
const FOREIGN_LEFTOVER_AGE_MS = 60 * 60 * 1000;

interface Leftover {
  path: string;
  kind: "tmp" | "old";
  /** Unix ms of its last change. */
  changed: number;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by someone else
  }
}

/** The `dir.tmp-*` / `dir.old-*` folders of saves of `dir` that are over (killed or crashed). */
async function abandonedLeftovers(dir: string): Promise<Leftover[]> {
  const base = path.basename(dir);
  let names: string[];
  try {
    names = await fsp.readdir(path.dirname(dir));
  } catch {
    return [];
  }
  const out: Leftover[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    // HOST-PID-RAND since version 2; PID-RAND before (written on this host as far as we can tell).
    const m = /^(tmp|old)-(?:([A-Za-z0-9]+)-)?(\d+)-[0-9a-f]{8}$/.exec(name.slice(base.length + 1));
    if (!m) continue;
    const p = path.join(path.dirname(dir), name);
    let st;
    try {
      st = await fsp.stat(p);
    } catch {
      continue; // removed meanwhile
    }
    if (!st.isDirectory()) continue;
    const changed = Math.max(st.mtimeMs, st.ctimeMs);
    const local = m[2] === undefined || m[2] === HOST;
    const over = local ? !processAlive(Number(m[3])) : Date.now() - changed > FOREIGN_LEFTOVER_AGE_MS;
    if (over) out.push({ path: p, kind: m[1] as "tmp" | "old", changed });
  }
  return out;
}

async function removeLeftovers(dir: string): Promise<void> {
  for (const l of await abandonedLeftovers(dir)) await fsp.rm(l.path, { recursive: true, force: true });
}

/**
 * `dir` has no checkpoint.json: when a killed save left a complete checkpoint beside it (killed
 * between its two renames), moves that into place (the new one when complete, else the old one).
 * Returns whether it did.
 */
async function recoverFromLeftovers(dir: string): Promise<boolean> {
  const found = await abandonedLeftovers(dir);
  found.sort((a, b) => (a.kind === b.kind ? b.changed - a.changed : a.kind === "tmp" ? -1 : 1));
  for (const l of found) {
    try {
      await verifiedHead(l.path);
    } catch {
      continue; // incomplete or damaged
    }
    try {
      await fsp.rename(l.path, dir);
    } catch (e) {
      // Someone else recovered it first (or created dir): use what is there now.
      if (await exists(path.join(dir, "checkpoint.json"))) return true;
      throw e;
    }
    console.warn(`checkpoint ${dir}: a save was killed before it finished; moved the complete checkpoint it left in ${path.basename(l.path)} into place`);
    return true;
  }
  return false;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

interface Head {
  format?: string;
  version?: number;
  algo: string;
  config: unknown;
  meta: Record<string, unknown>;
  networks: string[];
  arrays: { name: string; dtype: DtypeName; length: number; offset: number }[];
  files: Record<string, string>;
}

const NOT_A_CHECKPOINT = "no checkpoint.json here (not a checkpoint directory, or the save never completed)";
const HOW_TO_PROCEED = "Load an intact copy (a backup, or train again); to change what a checkpoint holds, load it, change the agent in code, and save it again";

/** Reads checkpoint.json and every file it lists, verifying each against its SHA-256. */
async function verifiedHead(dir: string): Promise<{ head: Head; read: Record<string, Uint8Array> }> {
  let headBytes: Buffer;
  try {
    headBytes = await fsp.readFile(path.join(dir, "checkpoint.json"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw new CheckpointError(dir, `is a file, not a checkpoint folder; pass the folder that holds checkpoint.json${path.basename(dir) === "checkpoint.json" ? ` (${path.dirname(dir)})` : ""}`);
    throw new CheckpointError(dir, code === "ENOENT" ? NOT_A_CHECKPOINT : `cannot read checkpoint.json: ${String(e)}`);
  }
  let digestText: string | undefined;
  try {
    digestText = await fsp.readFile(path.join(dir, CHECKPOINT_DIGEST_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new CheckpointError(dir, `cannot read ${CHECKPOINT_DIGEST_FILE}: ${String(e)}`);
  }
  if (digestText !== undefined) {
    const want = /^([0-9a-f]{64})\s/.exec(digestText)?.[1];
    if (!want) throw new CheckpointError(dir, `${CHECKPOINT_DIGEST_FILE} is corrupt (it should hold the SHA-256 of checkpoint.json). ${HOW_TO_PROCEED}.`);
    if (sha256(headBytes) !== want) {
      throw new CheckpointError(dir, `checkpoint.json was modified or is corrupt: its SHA-256 does not match ${CHECKPOINT_DIGEST_FILE}, so nothing in it can be trusted. ${HOW_TO_PROCEED}.`);
    }
  }
  let head: Head;
  try {
    head = JSON.parse(headBytes.toString("utf8"));
  } catch (e) {
    throw new CheckpointError(dir, `checkpoint.json is not valid JSON (${(e as Error).message}): the file is corrupt`);
  }
  if (head.format !== CHECKPOINT_FORMAT) throw new CheckpointError(dir, `checkpoint.json has format ${JSON.stringify(head.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (head.version === 1 && digestText === undefined) {
    // Written before checkpoint.sha256 existed: the files it lists are still verified below.
    console.warn(`checkpoint ${dir}: written by an older rlbook (format version 1), whose checkpoint.json has no checksum; loading it without verifying checkpoint.json (every other file is verified). Save the agent again to upgrade it to version ${CHECKPOINT_VERSION}.`);
  } else if (head.version !== CHECKPOINT_VERSION && head.version !== 1) {
    throw new CheckpointError(dir, `format version ${head.version} is not supported (this rlbook reads versions 1 and ${CHECKPOINT_VERSION})`);
  } else if (digestText === undefined) {
    throw new CheckpointError(dir, `${CHECKPOINT_DIGEST_FILE} is missing, so checkpoint.json cannot be verified: the checkpoint was modified or is incomplete. ${HOW_TO_PROCEED}.`);
  }
  if (!head.files || !Array.isArray(head.arrays) || !Array.isArray(head.networks)) throw new CheckpointError(dir, "checkpoint.json lacks its files / arrays / networks entries: the file is corrupt");
  const read: Record<string, Uint8Array> = {};
  for (const [f, digest] of Object.entries(head.files)) {
    let buf: Uint8Array;
    try {
      buf = new Uint8Array(await fsp.readFile(path.join(dir, f)));
    } catch {
      throw new CheckpointError(dir, `file ${f} is missing`);
    }
    if (sha256(buf) !== digest) throw new CheckpointError(dir, `file ${f} is corrupt (its SHA-256 does not match checkpoint.json)`);
    read[f] = buf;
  }
  return { head, read };
}

/**
 * Reads and verifies a checkpoint directory (checksums, format, manifest). Recovers a checkpoint
 * left beside `dir` by a save killed mid-swap, and removes the leftovers of killed saves of `dir`
 * (see the module comment).
 */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  dir = path.resolve(dir);
  let verified: Awaited<ReturnType<typeof verifiedHead>>;
  try {
    verified = await verifiedHead(dir);
  } catch (e) {
    if (!(e instanceof CheckpointError && e.message.endsWith(NOT_A_CHECKPOINT) && (await recoverFromLeftovers(dir)))) throw e;
    verified = await verifiedHead(dir);
  }
  await removeLeftovers(dir);
  const { head, read } = verified;
  const blob = read["arrays.bin"];
  if (!blob) throw new CheckpointError(dir, "arrays.bin is not listed in checkpoint.json");
  const arrays: Record<string, NumArray> = {};
  for (const m of head.arrays) {
    const C = DTYPES[m.dtype];
    if (!C) throw new CheckpointError(dir, `array ${m.name} has unknown dtype ${m.dtype}`);
    const bytes = m.length * C.BYTES_PER_ELEMENT;
    if (m.offset + bytes > blob.length) throw new CheckpointError(dir, `array ${m.name} runs past the end of arrays.bin`);
    arrays[m.name] = new C(blob.slice(m.offset, m.offset + bytes).buffer);
  }
  const networks: LoadedCheckpoint["networks"] = {};
  for (const name of head.networks) {
    const mj = read[`${name}/model.json`];
    const wb = read[`${name}/weights.bin`];
    if (!mj || !wb) throw new CheckpointError(dir, `network ${name} is missing its model.json or weights.bin`);
    const model = JSON.parse(Buffer.from(mj).toString("utf8")) as { weightsManifest: { weights: { name: string; shape: number[]; dtype: string }[] }[] };
    const specs = model.weightsManifest.flatMap((g) => g.weights);
    const weights: Float32Array[] = [];
    const shapes: number[][] = [];
    let o = 0;
    for (const s of specs) {
      if (s.dtype !== "float32") throw new CheckpointError(dir, `network ${name}: weight ${s.name} has dtype ${s.dtype}, expected float32`);
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (o + 4 * n > wb.length) throw new CheckpointError(dir, `network ${name}: weights.bin is shorter than its manifest`);
      weights.push(new Float32Array(wb.slice(o, o + 4 * n).buffer));
      shapes.push(s.shape);
      o += 4 * n;
    }
    networks[name] = { weights, shapes };
  }
  return { algo: head.algo, config: head.config, meta: head.meta, networks, arrays };
}

/** Loads saved weights into a network, with a clear error when the shapes differ. */
export function restoreNetwork(dir: string, ck: LoadedCheckpoint, name: string, net: MLP): void {
  const saved = ck.networks[name];
  if (!saved) throw new CheckpointError(dir, `has no network "${name}" (it has: ${Object.keys(ck.networks).join(", ") || "none"})`);
  const vars = net.variables;
  const want = vars.map((v) => v.shape.join("x")).join(", ");
  const got = saved.shapes.map((s) => s.join("x")).join(", ");
  if (want !== got) throw new CheckpointError(dir, `network "${name}" has weight shapes [${got}] but the agent built from the config and env expects [${want}]`);
  net.setWeights(saved.weights);
}

/** An array from a checkpoint, with a clear error when it is missing or has the wrong length. */
export function checkpointArray<T extends NumArray>(dir: string, ck: LoadedCheckpoint, name: string, length?: number): T {
  const a = ck.arrays[name];
  if (!a) throw new CheckpointError(dir, `array "${name}" is missing`);
  if (length !== undefined && a.length !== length) throw new CheckpointError(dir, `array "${name}" has ${a.length} values, expected ${length}`);
  return a as T;
}
