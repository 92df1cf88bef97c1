/**
 * Checkpoint directories, written atomically and verified when read.
 *
 *   dir/
 *     checkpoint.json      format, algo, config, metadata, array manifest, SHA-256 of every file
 *     arrays.bin           optimizer moments, normalization statistics, replay data (little-endian)
 *     <network>/model.json tfjs LayersModel topology + weights manifest (tf.loadLayersModel reads it,
 *     <network>/weights.bin  in Node or in a browser)
 *
 * Atomicity: everything is written into a sibling temporary directory, fsynced, and renamed
 * into place; an existing checkpoint is moved aside first and removed last, so a crash at any
 * point leaves either the old or the new checkpoint complete (and never a half-written one
 * under `dir`; at worst the old one survives as `dir.old-*`).
 */
import { createHash, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { tf } from "./tf.js";
import type { MLP } from "./mlp.js";

export const CHECKPOINT_FORMAT = "rlbook-checkpoint";
export const CHECKPOINT_VERSION = 1;

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
  dir = path.resolve(dir);
  const parent = path.dirname(dir);
  await fsp.mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmp = `${dir}.tmp-${tag}`;
  await fsp.mkdir(tmp);
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
    await writeFileSynced(path.join(tmp, "checkpoint.json"), JSON.stringify(head, null, 1));
    await syncDir(tmp);
    // Swap into place: old -> aside, tmp -> dir, remove old.
    let aside: string | undefined;
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
    throw e;
  }
}

/** Reads and verifies a checkpoint directory (checksums, format, manifest). */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  dir = path.resolve(dir);
  let headText: string;
  try {
    headText = await fsp.readFile(path.join(dir, "checkpoint.json"), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(dir, code === "ENOENT" ? "no checkpoint.json here (not a checkpoint directory, or the save never completed)" : `cannot read checkpoint.json: ${String(e)}`);
  }
  let head: {
    format?: string;
    version?: number;
    algo: string;
    config: unknown;
    meta: Record<string, unknown>;
    networks: string[];
    arrays: { name: string; dtype: DtypeName; length: number; offset: number }[];
    files: Record<string, string>;
  };
  try {
    head = JSON.parse(headText);
  } catch (e) {
    throw new CheckpointError(dir, `checkpoint.json is not valid JSON (${(e as Error).message}): the file is corrupt`);
  }
  if (head.format !== CHECKPOINT_FORMAT) throw new CheckpointError(dir, `checkpoint.json has format ${JSON.stringify(head.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (head.version !== CHECKPOINT_VERSION) throw new CheckpointError(dir, `format version ${head.version} is not supported (this rlbook reads version ${CHECKPOINT_VERSION})`);
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
