/**
 * Checkpoints of the LM trainers (SFT, DPO, GRPO): everything a resumed run needs to continue
 * exactly like an uninterrupted one, in one rlbook checkpoint directory (nn/checkpoint.ts:
 * atomic, verified):
 *
 *   - the models by role ("policy", and "reference" for the KL-anchored methods), each with its
 *     tokenizer and config, weights in arrays.bin;
 *   - the optimizers' moments, step count and step size (Adam's bias correction depends on the
 *     step, so a fresh optimizer on loaded weights would take different steps);
 *   - the trainer's generator state and counters (minibatch order, cursor, timesteps) in the
 *     metadata.
 *
 * Data (a corpus, preference pairs, a task) is not stored: it is passed to `load` again, as a
 * dataset is to a resumed PyTorch run. Each trainer's `save` / `load` lists what it writes.
 */
import { CheckpointError, checkpointArray, readCheckpoint, writeCheckpoint, type LoadedCheckpoint } from "../nn/checkpoint.js";
import { restoreOptimizer, saveOptimizer } from "../algos/checkpointing.js";
import type { Optimizer } from "../nn/optimizers.js";
import { tf, type Variable } from "../nn/tf.js";
import type { RngState } from "../core/rng.js";
import { CharTokenizer, type CharTokenizerJSON } from "./tokenizer.js";
import { LanguageModel, type LMConfig } from "./model.js";

/** What a trainer writes. */
export interface TrainerCheckpointContents {
  algo: string;
  config: object;
  /** Models by role; a frozen model is restored frozen. */
  models: Record<string, LanguageModel>;
  /** Optimizers by role. */
  optimizers: Record<string, Optimizer>;
  /** Other networks' weights by role (a value model, a reward model), restored into a network built from the config. */
  weights?: Record<string, readonly Variable[]>;
  /** The trainer's generator state. */
  rng: RngState;
  numTimesteps: number;
  /** Anything else JSON-serializable the trainer needs (minibatch order, cursor, ...). */
  extra?: Record<string, unknown>;
}

interface SavedModel {
  tokenizer: CharTokenizerJSON;
  config: LMConfig;
  frozen: boolean;
  numParams: number;
}

/** Writes a trainer checkpoint (atomically; see the module comment). */
export async function saveTrainer(dir: string, c: TrainerCheckpointContents): Promise<void> {
  const arrays: Record<string, Float32Array> = {};
  const models: Record<string, SavedModel> = {};
  for (const [role, m] of Object.entries(c.models)) {
    arrays[`model/${role}`] = await m.weights();
    models[role] = { tokenizer: m.tokenizer.toJSON(), config: { ...m.config }, frozen: m.frozen, numParams: m.numParams };
  }
  for (const [role, vars] of Object.entries(c.weights ?? {})) {
    const flat = tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(v, [-1]))));
    arrays[`weights/${role}`] = (await flat.data()) as Float32Array;
    flat.dispose();
  }
  // Each optimizer's moments go to arrays "optimizer/<role>/m|v", its kind, step and lr to the metadata.
  const optimizers: Record<string, { kind: string; step: number; lr: number }> = {};
  for (const [role, opt] of Object.entries(c.optimizers)) optimizers[`optimizer/${role}`] = await saveOptimizer(`optimizer/${role}`, opt, arrays);
  await writeCheckpoint(dir, {
    algo: c.algo,
    config: c.config,
    meta: { models, ...optimizers, rng: c.rng, numTimesteps: c.numTimesteps, extra: c.extra ?? {} },
    networks: {},
    arrays,
  });
}

/** A trainer checkpoint opened for loading. */
export class TrainerCheckpoint {
  private constructor(
    readonly dir: string,
    private readonly ck: LoadedCheckpoint,
  ) {}

  /** Reads `dir`, refusing a checkpoint of another algorithm (the error names the right class). */
  static async open(dir: string, algo: string): Promise<TrainerCheckpoint> {
    const ck = await readCheckpoint(dir);
    if (ck.algo !== algo) throw new CheckpointError(dir, `holds a ${ck.algo} checkpoint, not ${algo} (use ${ck.algo}.load${ck.algo === "LanguageModel" ? "" : " for it"})`);
    const meta = ck.meta as { models?: unknown; rng?: unknown };
    if (!meta.models || !meta.rng) throw new CheckpointError(dir, `is not a trainer checkpoint (no models / rng state in its metadata)`);
    return new TrainerCheckpoint(dir, ck);
  }

  get config(): Record<string, unknown> {
    return this.ck.config as Record<string, unknown>;
  }

  get numTimesteps(): number {
    return this.ck.meta.numTimesteps as number;
  }

  get rng(): RngState {
    return this.ck.meta.rng as RngState;
  }

  get extra(): Record<string, unknown> {
    return (this.ck.meta.extra ?? {}) as Record<string, unknown>;
  }

  /** The model saved under `role`, rebuilt with its tokenizer, config and weights. */
  model(role: string): LanguageModel {
    const saved = (this.ck.meta.models as Record<string, SavedModel>)[role];
    if (!saved) throw new CheckpointError(this.dir, `has no model "${role}"`);
    const m = new LanguageModel(CharTokenizer.fromJSON(saved.tokenizer), saved.config, { frozen: saved.frozen });
    try {
      const flat = checkpointArray<Float32Array>(this.dir, this.ck, `model/${role}`, m.numParams);
      let off = 0;
      m.net.setWeights(m.variables.map((v) => flat.subarray(off, (off += v.size))));
    } catch (e) {
      m.dispose();
      throw e;
    }
    return m;
  }

  /** Sets `vars` (same sizes, same order) to the weights saved under `role`. */
  restoreWeights(role: string, vars: readonly Variable[]): void {
    const n = vars.reduce((a, v) => a + v.size, 0);
    const flat = checkpointArray<Float32Array>(this.dir, this.ck, `weights/${role}`, n);
    let off = 0;
    tf.tidy(() => vars.forEach((v) => v.assign(tf.tensor(flat.subarray(off, (off += v.size)), v.shape))));
  }

  /** Restores the optimizer saved under `role` into `opt` (same kind and size). */
  restoreOptimizer(role: string, opt: Optimizer): void {
    if (!(`optimizer/${role}` in this.ck.meta)) throw new CheckpointError(this.dir, `has no optimizer "${role}"`);
    restoreOptimizer(this.dir, this.ck, `optimizer/${role}`, opt);
  }
}
