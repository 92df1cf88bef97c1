/**
 * Supervised pretraining / fine-tuning of a {@link LanguageModel} on text, driven by rlbook's
 * `train()` (live curves, Stop button, interrupts, sweeps):
 *
 *   const sft = new SFT(lm, ["the cat sat", "a dog ran"], {batchSize: 32});       // plain text
 *   const sft = new SFT(lm, [{prompt: "12+34=", completion: "46"}, ...]);          // prompt -> completion
 *   const sft = new SFT(lm, additionTask({digits: 2}));                           // fresh task samples
 *   await train(sft, {steps: 2000, live: {y: "loss"}});                            // 2000 gradient steps
 *
 * The loss is the mean next-token cross-entropy over the completion tokens and their `<eos>`
 * (`completionOnly`, TRL SFTTrainer's default for prompt-completion data), or over the whole
 * sequence after `<bos>`. `train()`'s steps are gradient steps; each record holds `loss` and
 * `tokenAccuracy` (argmax = target) averaged over the iteration's steps, read once.
 */
import { Rng } from "../core/rng.js";
import { resolveConfig, type ConfigCheck, type IterationResult, type Trainable } from "../algos/base.js";
import { Adam } from "../nn/optimizers.js";
import { tf, type Tensor } from "../nn/tf.js";
import { LanguageModel, gatherLogProbs } from "./model.js";
import type { LMTask, TaskExample } from "./tasks.js";
import { TrainerCheckpoint, saveTrainer } from "./trainer-checkpoint.js";

/** Hyperparameters of {@link SFT}. */
export interface SFTConfig {
  /** Adam step size (nanoGPT's character-level Shakespeare config uses 1e-3). */
  learningRate: number;
  /** Sequences per gradient step. */
  batchSize: number;
  /** Gradient steps per `train()` record. */
  stepsPerIteration: number;
  /** Clip the global gradient norm (nanoGPT and TRL: 1.0); null: no clipping. */
  maxGradNorm: number | null;
  /** Loss on the completion tokens only (true) or on every token after `<bos>` (false). */
  completionOnly: boolean;
  /** Seed of the minibatch draws. */
  seed: number;
}

export const SFT_DEFAULTS: Readonly<SFTConfig> = Object.freeze({ learningRate: 1e-3, batchSize: 64, stepsPerIteration: 10, maxGradNorm: 1, completionOnly: true, seed: 0 });

/** Training data: plain strings, prompt / completion pairs, or a task (fresh samples every batch). */
export type SFTData = readonly (string | TaskExample)[] | LMTask;

function checkSFT(check: ConfigCheck): void {
  check.number("learningRate", { min: 0, gtMin: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("stepsPerIteration", { min: 1, integer: true });
  check.number("maxGradNorm", { min: 0, gtMin: true, optional: true });
  check.bool("completionOnly");
  check.number("seed", { min: 0, integer: true });
}

/** Next-token supervised training of a language model (see the module comment). */
export class SFT implements Trainable {
  readonly algo = "SFT";
  readonly config: Readonly<SFTConfig>;
  /** Gradient steps taken. */
  numTimesteps = 0;
  readonly rng: Rng;
  private readonly opt: Adam;
  private readonly examples: TaskExample[] | undefined;
  private readonly task: LMTask | undefined;

  constructor(
    readonly lm: LanguageModel,
    data: SFTData,
    config: Partial<SFTConfig> = {},
  ) {
    if (!(lm instanceof LanguageModel)) throw new TypeError("SFT: the first argument must be a LanguageModel");
    if (lm.frozen) throw new TypeError("SFT: this LanguageModel is a frozen reference (from reference()); train the model itself or a clone()");
    this.config = resolveConfig("SFT", SFT_DEFAULTS, config, checkSFT);
    this.rng = new Rng(this.config.seed);
    if (Array.isArray(data)) {
      if (data.length === 0) throw new RangeError("SFT: the data is empty; pass strings, {prompt, completion} pairs or a task");
      this.examples = data.map((d, i) => {
        const ex = typeof d === "string" ? { prompt: "", completion: d } : d;
        if (!ex || typeof ex.prompt !== "string" || typeof ex.completion !== "string") throw new TypeError(`SFT: data[${i}] is ${JSON.stringify(d)}; expected a string or {prompt: string, completion: string}`);
        return ex;
      });
      // Every example must fit the context and the alphabet: fail now, naming it, not mid-training.
      this.examples.forEach((e, i) => {
        try {
          lm.encode([e.prompt], [e.completion]);
        } catch (err) {
          (err as Error).message = `SFT: data[${i}]: ${(err as Error).message}`;
          throw err;
        }
      });
    } else if (data && typeof (data as LMTask).sample === "function") {
      this.task = data as LMTask;
    } else {
      throw new TypeError("SFT: data must be an array of strings / {prompt, completion} pairs, or a task (additionTask(), sortTask(), ...)");
    }
    this.opt = new Adam(lm.variables, { lr: this.config.learningRate, maxGradNorm: this.config.maxGradNorm ?? undefined });
  }

  beginTraining(_steps: number): void {}

  private batch(): TaskExample[] {
    const n = this.config.batchSize;
    if (this.task) return this.task.sample(n, this.rng);
    return Array.from({ length: n }, () => this.examples![this.rng.integer(this.examples!.length)]);
  }

  /** One gradient step; returns [loss, tokenAccuracy] as a tensor (not read). */
  private step(): Tensor {
    const ex = this.batch();
    const b = this.lm.encode(ex.map((e) => e.prompt), ex.map((e) => e.completion));
    const { batch: B, length: T } = b;
    const ids = LanguageModel.idsTensor(b);
    let mask = LanguageModel.maskTensor(b);
    if (!this.config.completionOnly) {
      // Every real token after <bos>: the prompt's and the completion's.
      const m = new Float32Array(B * (T - 1));
      for (let r = 0; r < B; r++) m.fill(1, r * (T - 1), r * (T - 1) + b.promptLengths[r] + b.completionLengths[r]);
      mask.dispose();
      mask = tf.tensor2d(m, [B, T - 1]);
    }
    let stats: Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const input = tf.slice(ids, [0, 0], [B, T - 1]);
      const target = tf.slice(ids, [0, 1], [B, T - 1]);
      const logits = this.lm.logits(input);
      const n = tf.sum(mask);
      const loss = tf.div(tf.neg(tf.sum(tf.mul(gatherLogProbs(logits, target), mask))), n) as tf.Scalar;
      const hit = tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(target, "int32")), "float32");
      stats = tf.keep(tf.stack([loss, tf.div(tf.sum(tf.mul(hit, mask)), n)]));
      return loss;
    }, this.lm.variables);
    const norm = this.opt.apply(this.lm.variables.map((v) => grads[v.name]));
    tf.dispose([ids, mask, value, norm as Tensor, ...Object.values(grads)]);
    this.numTimesteps++;
    return stats!;
  }

  /** `stepsPerIteration` gradient steps; their mean loss and token accuracy, read once. */
  async learnIteration(): Promise<IterationResult> {
    const stats: Tensor[] = [];
    for (let i = 0; i < this.config.stepsPerIteration; i++) stats.push(this.step());
    const mean = tf.tidy(() => tf.mean(tf.stack(stats), 0));
    const v = await mean.data();
    tf.dispose([mean, ...stats]);
    return { steps: this.config.stepsPerIteration, episodes: [], losses: { loss: v[0], tokenAccuracy: v[1] } };
  }

  /**
   * Writes a checkpoint: the model, Adam's moments and step, the minibatch generator and the step
   * count, so that {@link SFT.load} continues the run exactly as if it had not stopped.
   */
  async save(dir: string): Promise<void> {
    await saveTrainer(dir, { algo: this.algo, config: this.config, models: { policy: this.lm }, optimizers: { adam: this.opt }, rng: this.rng.state, numTimesteps: this.numTimesteps });
  }

  /**
   * Resumes a run saved by {@link save}: the model (as `sft.lm`), optimizer and generator come
   * from the checkpoint; the data is given again. `overrides` change config fields (a new
   * learning rate replaces the saved optimizer's).
   */
  static async load(dir: string, data: SFTData, overrides: Partial<SFTConfig> = {}): Promise<SFT> {
    const ck = await TrainerCheckpoint.open(dir, "SFT");
    const lm = ck.model("policy");
    try {
      const sft = new SFT(lm, data, { ...(ck.config as Partial<SFTConfig>), ...overrides });
      ck.restoreOptimizer("adam", sft.opt);
      if (overrides.learningRate !== undefined) sft.opt.lr = sft.config.learningRate;
      sft.rng.state = ck.rng;
      sft.numTimesteps = ck.numTimesteps;
      return sft;
    } catch (e) {
      lm.dispose();
      throw e;
    }
  }

  /** Releases the optimizer's moments (the model is the caller's). */
  dispose(): void {
    this.opt.dispose();
  }
}
