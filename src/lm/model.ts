/**
 * A small decoder-only language model: rlbook's causal (GPT-2 style, pre-LayerNorm) transformer
 * over the ids of a {@link CharTokenizer}, with what RL on language models needs from it.
 *
 *   const tok = new CharTokenizer("0123456789+=");
 *   const lm = new LanguageModel(tok, {contextLength: 16, dModel: 64, nLayers: 2, nHeads: 4, seed: 1});
 *   const out = await lm.generate(["12+34="], {maxTokens: 4, temperature: 0});  // greedy, KV-cached
 *   const lp = await lm.logProbs(["12+34="], ["46"]);                           // per-token log-probs
 *   const ref = lm.reference();                                                 // frozen copy
 *   await lm.save("ckpt/lm"); const back = await LanguageModel.load("ckpt/lm");
 *
 * Custom losses (GRPO, DPO, PPO, ...) run inside `tf.variableGrads(() => ..., lm.variables)`:
 * `lm.encode(prompts, completions)` gives a {@link TokenBatch} of token ids and a completion mask,
 * `lm.tokenLogProbs(ids)` the differentiable log-probability of every next token [B, T - 1].
 *
 * Sequences are laid out as `<bos> prompt completion <eos>`; batches are right-padded (padding
 * is masked out and, the model being causal, never seen by real positions). Generation left-pads
 * prompts of unequal length and masks the padding out of attention. All reads of tensors are
 * awaited (`await t.data()`), one per generated token step for the whole batch.
 */
import { Rng } from "../core/rng.js";
import { resolveConfig, type ConfigCheck } from "../algos/base.js";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "../nn/checkpoint.js";
import { CausalTransformer, type KVCache } from "../nn/modules.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import { CharTokenizer, TokenizerError, type CharTokenizerJSON } from "./tokenizer.js";

/** Size of a {@link LanguageModel}. */
export interface LMConfig {
  /** Longest sequence in tokens, `<bos>` and `<eos>` included (learned positional embeddings). */
  contextLength: number;
  /** Width of the residual stream. */
  dModel: number;
  /** Attention heads (dModel must be divisible by it). */
  nHeads: number;
  /** Transformer blocks. */
  nLayers: number;
  /** Seed of the initial weights (GPT-2's N(0, 0.02)). */
  seed: number;
}

/** Defaults: a model of ~100k parameters that trains in seconds on a CPU. */
export const LM_DEFAULTS: Readonly<LMConfig> = Object.freeze({ contextLength: 32, dModel: 64, nHeads: 4, nLayers: 2, seed: 0 });

function checkLMConfig(check: ConfigCheck, c: LMConfig): void {
  check.number("contextLength", { min: 2, integer: true });
  check.number("dModel", { min: 1, integer: true });
  check.number("nHeads", { min: 1, integer: true });
  check.number("nLayers", { min: 1, integer: true });
  check.number("seed", { min: 0, integer: true });
  if (!check.failed("dModel") && !check.failed("nHeads") && c.dModel % c.nHeads !== 0) check.fail("nHeads", c.nHeads, `a divisor of dModel (${c.dModel})`);
}

/**
 * Token ids of a batch of sequences `<bos> prompt completion [<eos>]`, right-padded to one
 * length, with the mask of the positions whose NEXT token belongs to the completion.
 */
export interface TokenBatch {
  /** Ids [batch, length] row-major (padding: `<eos>`, masked). */
  ids: Int32Array;
  /** [batch, length - 1]: 1 where target ids[b, t + 1] is a completion token (incl. its `<eos>`), else 0. */
  mask: Float32Array;
  batch: number;
  length: number;
  /** Per row, the prompt's tokens (without `<bos>`). */
  promptLengths: Int32Array;
  /** Per row, the completion's tokens (with the `<eos>` when appended). */
  completionLengths: Int32Array;
}

/** Options of {@link LanguageModel.encode}. */
export interface EncodeOptions {
  /** End every completion with `<eos>` (default true: the model learns to stop). */
  appendEos?: boolean;
  /** Pad to at least this length (default: the longest row). */
  minLength?: number;
}

/** Options of {@link LanguageModel.generate}. */
export interface GenerateOptions {
  /** Most tokens to generate per prompt, `<eos>` included (default: what the context leaves after the longest prompt). */
  maxTokens?: number;
  /** Softmax temperature (default 1); 0 is greedy (argmax). */
  temperature?: number;
  /** Sample only among the k most likely tokens (default 0: all). */
  topK?: number;
  /** Seed of the sampling (or pass `rng`); default 0. */
  seed?: number;
  /** A generator to draw from (advanced by the call); overrides `seed`. */
  rng?: Rng;
  /** Use the KV cache (default true); false recomputes the whole sequence every step (same result, slower). */
  cache?: boolean;
  /** Also return every step's logits (temperature 1, before top-k) per prompt. */
  returnLogits?: boolean;
}

/** One generated continuation. */
export interface Generation {
  prompt: string;
  /** The completion text (up to, without, `<eos>`). */
  text: string;
  /** The generated ids, the final `<eos>` included when one was produced. */
  tokens: Int32Array;
  /** Log-probability of each generated id under the model (temperature 1, no top-k). */
  logProbs: Float32Array;
  /** Whether generation ended with `<eos>` (false: it hit maxTokens). */
  finished: boolean;
  /** With `returnLogits`: [tokens.length, vocabSize] logits of the steps. */
  logits?: Float32Array;
}

/** Log-probabilities of a given continuation, token by token. */
export interface ContinuationLogProbs {
  /** The tokens scored (completion characters, then `<eos>` when `appendEos`). */
  tokens: string[];
  /** log p(token | everything before it), per token. */
  logProbs: Float32Array;
  /** Their sum: log p(completion | prompt). */
  total: number;
}

/** A checkpoint's config entry. */
interface SavedLM {
  tokenizer: CharTokenizerJSON;
  model: LMConfig;
}

const CHECKPOINT_ALGO = "LanguageModel";

/** The log-probability of `targets` [B, T] (int32) under `logits` [B, T, V]: [B, T]. */
export function gatherLogProbs(logits: Tensor, targets: Tensor): Tensor {
  return tf.tidy(() => {
    const V = logits.shape[logits.rank - 1]!;
    return tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.cast(targets, "int32"), V)), -1);
  });
}

/** Entropy of softmax(logits) over the last axis (nats): [B, T, V] -> [B, T]. */
export function tokenEntropy(logits: Tensor): Tensor {
  return tf.tidy(() => {
    const lp = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), -1));
  });
}

/** A small decoder-only LM (see the module comment). */
export class LanguageModel {
  readonly config: Readonly<LMConfig>;
  readonly net: CausalTransformer;
  /** A frozen model (a {@link reference}) refuses to be trained. */
  readonly frozen: boolean;

  /** A new model with fresh weights (`config` over {@link LM_DEFAULTS}; bad values named in one ConfigError). */
  constructor(
    readonly tokenizer: CharTokenizer,
    config: Partial<LMConfig> = {},
    options: { frozen?: boolean } = {},
  ) {
    if (!(tokenizer instanceof CharTokenizer)) throw new TypeError(`LanguageModel: the first argument must be a CharTokenizer (new CharTokenizer("abc")), got ${String(tokenizer)}`);
    this.config = resolveConfig("LanguageModel", LM_DEFAULTS, config, checkLMConfig);
    const c = this.config;
    const V = tokenizer.vocabSize;
    this.net = new CausalTransformer({ inputDim: V, outputDim: V, dModel: c.dModel, nHeads: c.nHeads, nLayers: c.nLayers, maxLength: c.contextLength, rng: new Rng(c.seed), name: "lm" });
    this.frozen = options.frozen ?? false;
  }

  /** The trainable tensors (for an optimizer or `tf.variableGrads`). */
  get variables(): Variable[] {
    return this.net.variables;
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  get numParams(): number {
    return this.net.numParams;
  }

  /** Logits [B, T, V] of token ids [B, T] (int32): differentiable, use it inside `tf.variableGrads`. */
  logits(ids: Tensor): Tensor {
    this.checkLength(ids.shape[1]!);
    return this.net.applyTokens(ids).logits;
  }

  /**
   * log p(ids[:, t + 1] | ids[:, ..t]) for t = 0 .. T - 2: [B, T - 1], differentiable. With
   * `temperature` the logits are divided by it first (the sampling distribution of
   * {@link generate} at that temperature, without top-k).
   */
  tokenLogProbs(ids: Tensor, temperature = 1): Tensor {
    const [B, T] = ids.shape as [number, number];
    this.checkLength(T);
    return tf.tidy(() => {
      const input = tf.slice(ids, [0, 0], [B, T - 1]);
      const target = tf.slice(ids, [0, 1], [B, T - 1]);
      let logits = this.net.applyTokens(input).logits;
      if (temperature !== 1) logits = tf.div(logits, temperature);
      return gatherLogProbs(logits, target);
    });
  }

  /**
   * `<bos> prompt completion [<eos>]` for every pair, right-padded: ids and the completion mask.
   * Names the row and the fix when a pair does not fit the context or holds unknown characters.
   */
  encode(prompts: readonly string[], completions: readonly string[], options: EncodeOptions = {}): TokenBatch {
    if (!Array.isArray(prompts) || !Array.isArray(completions)) throw new TypeError("LanguageModel.encode: prompts and completions must be arrays of strings");
    if (prompts.length !== completions.length) throw new RangeError(`LanguageModel.encode: ${prompts.length} prompts but ${completions.length} completions; pass one completion per prompt`);
    if (prompts.length === 0) throw new RangeError("LanguageModel.encode: no sequences given");
    const eos = options.appendEos ?? true;
    const rows = prompts.map((p, i) => {
      const pr = this.encodeRow(p, `prompt ${i}`);
      const co = this.encodeRow(completions[i], `completion ${i}`);
      if (eos) co.push(this.tokenizer.eos);
      const n = 1 + pr.length + co.length;
      if (n > this.config.contextLength) {
        throw new RangeError(`LanguageModel: sequence ${i} (prompt ${JSON.stringify(p)} + completion ${JSON.stringify(completions[i])}) takes ${n} tokens with <bos>${eos ? " and <eos>" : ""}, more than the context of ${this.config.contextLength}; shorten it or build the model with a larger contextLength`);
      }
      return { pr, co };
    });
    const minLength = options.minLength ?? 0;
    if (minLength > this.config.contextLength) throw new RangeError(`LanguageModel.encode: minLength ${minLength} exceeds the context of ${this.config.contextLength}`);
    return this.layout(rows, minLength);
  }

  /** Lays rows of prompt / completion ids out as a right-padded {@link TokenBatch}. */
  private layout(rows: { pr: number[]; co: number[] }[], minLength = 0): TokenBatch {
    const T = Math.max(minLength, ...rows.map((r) => 1 + r.pr.length + r.co.length));
    const B = rows.length;
    const ids = new Int32Array(B * T).fill(this.tokenizer.eos);
    const mask = new Float32Array(B * (T - 1));
    const promptLengths = new Int32Array(B);
    const completionLengths = new Int32Array(B);
    rows.forEach((r, b) => {
      ids[b * T] = this.tokenizer.bos;
      ids.set(r.pr, b * T + 1);
      ids.set(r.co, b * T + 1 + r.pr.length);
      // Target at t is ids[t + 1]; completion tokens sit at 1 + |prompt| .. |prompt| + |completion|.
      for (let k = 0; k < r.co.length; k++) mask[b * (T - 1) + r.pr.length + k] = 1;
      promptLengths[b] = r.pr.length;
      completionLengths[b] = r.co.length;
    });
    return { ids, mask, batch: B, length: T, promptLengths, completionLengths };
  }

  /**
   * `<bos> prompt completion` for completions given as token ids (e.g. {@link Generation.tokens},
   * whose final `<eos>` is kept when it was sampled and not added when it was not), right-padded.
   */
  encodeTokens(prompts: readonly string[], completions: readonly ArrayLike<number>[]): TokenBatch {
    if (prompts.length !== completions.length) throw new RangeError(`LanguageModel.encodeTokens: ${prompts.length} prompts but ${completions.length} completions; pass one completion per prompt`);
    if (prompts.length === 0) throw new RangeError("LanguageModel.encodeTokens: no sequences given");
    const V = this.vocabSize;
    const rows = prompts.map((p, i) => {
      const pr = this.encodeRow(p, `prompt ${i}`);
      const co = Array.from(completions[i]);
      co.forEach((id, k) => {
        if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new RangeError(`LanguageModel.encodeTokens: completion ${i} has id ${id} at position ${k}, outside the vocabulary (0 .. ${V - 1})`);
      });
      if (1 + pr.length + co.length > this.config.contextLength) throw new RangeError(`LanguageModel.encodeTokens: sequence ${i} takes ${1 + pr.length + co.length} tokens with <bos>, more than the context of ${this.config.contextLength}`);
      return { pr, co };
    });
    return this.layout(rows);
  }

  /** Ids of a {@link TokenBatch} as an int32 tensor [B, T] (the caller disposes it). */
  static idsTensor(b: TokenBatch): Tensor {
    return tf.tensor2d(b.ids, [b.batch, b.length], "int32");
  }

  /** The completion mask of a {@link TokenBatch} as a tensor [B, T - 1]. */
  static maskTensor(b: TokenBatch): Tensor {
    return tf.tensor2d(b.mask, [b.batch, b.length - 1]);
  }

  /** Per-token log-probabilities of each completion given its prompt (one read for the batch). */
  async logProbs(prompts: readonly string[], completions: readonly string[], options: { appendEos?: boolean } = {}): Promise<ContinuationLogProbs[]> {
    const b = this.encode(prompts, completions, { appendEos: options.appendEos ?? true });
    const lp = tf.tidy(() => this.tokenLogProbs(LanguageModel.idsTensor(b)));
    const data = (await lp.data()) as Float32Array;
    lp.dispose();
    const T = b.length;
    return prompts.map((_, i) => {
      const start = b.promptLengths[i];
      const n = b.completionLengths[i];
      const logProbs = data.slice(i * (T - 1) + start, i * (T - 1) + start + n);
      const tokens = Array.from(b.ids.subarray(i * T + 1 + start, i * T + 1 + start + n), (id) => this.tokenizer.token(id));
      return { tokens, logProbs, total: logProbs.reduce((a, x) => a + x, 0) };
    });
  }

  /**
   * Continues every prompt: sampling with `temperature` and `topK` (seeded), or greedy at
   * temperature 0; with the KV cache unless `cache: false`. Reads the next-token logits once per
   * step for the whole batch; stops when every row has produced `<eos>` or after `maxTokens`.
   */
  async generate(prompts: readonly string[], options: GenerateOptions = {}): Promise<Generation[]> {
    if (!Array.isArray(prompts) || prompts.length === 0) throw new RangeError("LanguageModel.generate: pass a non-empty array of prompt strings");
    const temperature = options.temperature ?? 1;
    const topK = options.topK ?? 0;
    if (!(typeof temperature === "number" && temperature >= 0 && Number.isFinite(temperature))) throw new RangeError(`LanguageModel.generate: temperature must be a number >= 0 (0: greedy), got ${temperature}`);
    if (!(Number.isInteger(topK) && topK >= 0)) throw new RangeError(`LanguageModel.generate: topK must be an integer >= 0 (0: no top-k), got ${topK}`);
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const C = this.config.contextLength;
    const V = this.vocabSize;
    const rows = prompts.map((p, i) => {
      const ids = this.encodeRow(p, `prompt ${i}`);
      if (ids.length + 1 >= C) throw new RangeError(`LanguageModel.generate: prompt ${i} ${JSON.stringify(p)} takes ${ids.length + 1} tokens with <bos>, which leaves no room in the context of ${C} to generate; shorten the prompt or build the model with a larger contextLength`);
      return ids;
    });
    const B = rows.length;
    const P = 1 + Math.max(...rows.map((r) => r.length));
    const room = C - P;
    const maxTokens = options.maxTokens ?? room;
    if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new RangeError(`LanguageModel.generate: maxTokens must be a positive integer, got ${maxTokens}`);
    if (maxTokens > room) throw new RangeError(`LanguageModel.generate: the longest prompt takes ${P} tokens with <bos>, so only ${room} of the context of ${C} are left, fewer than maxTokens = ${maxTokens}; lower maxTokens or shorten the prompts`);
    // Left padding: row b starts with pad[b] padding tokens, masked out of attention; positions count from its <bos>.
    const pad = rows.map((r) => P - 1 - r.length);
    const seq = new Int32Array(B * (P + maxTokens)).fill(this.tokenizer.eos);
    const W = P + maxTokens;
    rows.forEach((r, b) => {
      seq[b * W + pad[b]] = this.tokenizer.bos;
      seq.set(r, b * W + pad[b] + 1);
    });
    const keyBiasRow = (len: number) => {
      const kb = new Float32Array(B * len);
      for (let b = 0; b < B; b++) for (let j = 0; j < pad[b]; j++) kb[b * len + j] = -1e9;
      return kb;
    };
    const positionsOf = (from: number, len: number) => {
      const p = new Int32Array(B * len);
      for (let b = 0; b < B; b++) for (let j = 0; j < len; j++) p[b * len + j] = Math.max(0, from + j - pad[b]);
      return p;
    };
    const out = Array.from({ length: B }, () => ({ tokens: [] as number[], logProbs: [] as number[], logits: [] as Float32Array[], done: false }));
    const useCache = options.cache ?? true;
    let cache: KVCache | undefined;
    try {
      for (let s = 0; s < maxTokens; s++) {
        const len = P + s;
        const last = tf.tidy(() => {
          let r: { logits: Tensor; cache: KVCache };
          if (useCache) {
            const from = cache ? len - 1 : 0;
            const n = len - from;
            const ids = new Int32Array(B * n);
            for (let b = 0; b < B; b++) ids.set(seq.subarray(b * W + from, b * W + len), b * n);
            r = this.net.applyTokens(tf.tensor2d(ids, [B, n], "int32"), {
              past: cache,
              positions: tf.tensor2d(positionsOf(from, n), [B, n], "int32"),
              keyBias: tf.tensor2d(keyBiasRow(len), [B, len]),
            });
            const next = r.cache;
            next.keys.forEach((t) => tf.keep(t));
            next.values.forEach((t) => tf.keep(t));
            if (cache) disposeCache(cache);
            cache = next;
          } else {
            const ids = new Int32Array(B * len);
            for (let b = 0; b < B; b++) ids.set(seq.subarray(b * W, b * W + len), b * len);
            r = this.net.applyTokens(tf.tensor2d(ids, [B, len], "int32"), {
              positions: tf.tensor2d(positionsOf(0, len), [B, len], "int32"),
              keyBias: tf.tensor2d(keyBiasRow(len), [B, len]),
            });
          }
          const T = r.logits.shape[1]!;
          return tf.reshape(tf.slice(r.logits, [0, T - 1, 0], [B, 1, V]), [B, V]);
        });
        const logits = (await last.data()) as Float32Array;
        last.dispose();
        let alive = 0;
        for (let b = 0; b < B; b++) {
          const o = out[b];
          if (o.done) continue;
          const row = logits.subarray(b * V, (b + 1) * V);
          const id = temperature === 0 ? argmax(row) : sampleRow(row, temperature, topK, rng);
          o.tokens.push(id);
          o.logProbs.push(logSoftmaxAt(row, id));
          if (options.returnLogits) o.logits.push(Float32Array.from(row));
          seq[b * W + len] = id;
          if (id === this.tokenizer.eos) o.done = true;
          else alive++;
        }
        if (alive === 0) break;
      }
    } finally {
      if (cache) disposeCache(cache);
    }
    return out.map((o, b) => {
      const g: Generation = {
        prompt: prompts[b],
        text: this.tokenizer.decode(o.tokens),
        tokens: Int32Array.from(o.tokens),
        logProbs: Float32Array.from(o.logProbs),
        finished: o.done,
      };
      if (options.returnLogits) {
        const l = new Float32Array(o.logits.length * V);
        o.logits.forEach((r, i) => l.set(r, i * V));
        g.logits = l;
      }
      return g;
    });
  }

  /** A copy with the same tokenizer, config and weights (copied on the device; no read). Trainable. */
  clone(): LanguageModel {
    const m = new LanguageModel(this.tokenizer, this.config);
    copyWeights(this, m);
    return m;
  }

  /**
   * A frozen copy of the current weights: the reference policy of RLHF / GRPO / DPO (its KL
   * anchor). Training it is refused; it does not change when this model is trained.
   */
  reference(): LanguageModel {
    const m = new LanguageModel(this.tokenizer, this.config, { frozen: true });
    copyWeights(this, m);
    return m;
  }

  /** Sets this model's weights to `other`'s (same tokenizer alphabet and config). */
  copyFrom(other: LanguageModel): void {
    if (this.frozen) throw new Error("LanguageModel.copyFrom: this model is a frozen reference; make a new one with reference()");
    copyWeights(other, this);
  }

  /** All weights as one flat Float32Array (one read), in `variables` order. */
  async weights(): Promise<Float32Array> {
    const flat = tf.tidy(() => tf.concat(this.variables.map((v) => tf.reshape(v, [-1]))));
    const data = (await flat.data()) as Float32Array;
    flat.dispose();
    return data;
  }

  /** Writes an rlbook checkpoint (tokenizer, config, weights; atomic and verified, see nn/checkpoint.ts). */
  async save(dir: string): Promise<void> {
    const flat = await this.weights();
    const saved: SavedLM = { tokenizer: this.tokenizer.toJSON(), model: { ...this.config } };
    await writeCheckpoint(dir, {
      algo: CHECKPOINT_ALGO,
      config: saved,
      meta: { weightShapes: this.variables.map((v) => v.shape), numParams: this.numParams },
      networks: {},
      arrays: { weights: flat },
    });
  }

  /** Loads a model written by {@link save} (the tokenizer and config come from the checkpoint). */
  static async load(dir: string): Promise<LanguageModel> {
    const ck = await readCheckpoint(dir);
    if (ck.algo !== CHECKPOINT_ALGO) throw new CheckpointError(dir, `holds a ${ck.algo} checkpoint, not a LanguageModel`);
    const saved = ck.config as SavedLM;
    const m = new LanguageModel(CharTokenizer.fromJSON(saved.tokenizer), saved.model);
    const want = m.variables.map((v) => v.shape.join("x")).join(", ");
    const got = ((ck.meta.weightShapes as number[][]) ?? []).map((s) => s.join("x")).join(", ");
    if (want !== got) {
      m.dispose();
      throw new CheckpointError(dir, `weight shapes [${got}] do not fit the model built from its config [${want}]`);
    }
    const flat = ck.arrays.weights as Float32Array | undefined;
    if (!flat || flat.length !== m.numParams) {
      m.dispose();
      throw new CheckpointError(dir, `array "weights" should hold ${m.numParams} values, has ${flat?.length ?? "none"}`);
    }
    let off = 0;
    m.net.setWeights(m.variables.map((v) => flat.subarray(off, (off += v.size))));
    return m;
  }

  dispose(): void {
    this.net.dispose();
  }

  private encodeRow(text: string, what: string): number[] {
    if (typeof text !== "string") throw new TypeError(`LanguageModel: ${what} is ${typeof text}, expected a string`);
    try {
      return this.tokenizer.encode(text);
    } catch (e) {
      if (e instanceof TokenizerError) throw new TokenizerError(`${what}: ${e.message}`);
      throw e;
    }
  }

  private checkLength(T: number): void {
    if (T > this.config.contextLength) throw new RangeError(`LanguageModel: sequences of ${T} tokens exceed the context of ${this.config.contextLength}; shorten them or build the model with a larger contextLength`);
  }
}

function copyWeights(from: LanguageModel, to: LanguageModel): void {
  if (from.tokenizer.alphabet !== to.tokenizer.alphabet) throw new RangeError(`LanguageModel: cannot copy weights between models with alphabets ${JSON.stringify(from.tokenizer.alphabet)} and ${JSON.stringify(to.tokenizer.alphabet)}`);
  const a = from.variables;
  const b = to.variables;
  if (a.length !== b.length || a.some((v, i) => v.shape.join("x") !== b[i].shape.join("x"))) throw new RangeError("LanguageModel: cannot copy weights between models of different sizes");
  tf.tidy(() => b.forEach((v, i) => v.assign(tf.clone(a[i]))));
}

function disposeCache(c: KVCache): void {
  tf.dispose(c.keys);
  tf.dispose(c.values);
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

function logSoftmaxAt(row: ArrayLike<number>, id: number): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - m);
  return row[id] - m - Math.log(z);
}

/** Samples from softmax(row / temperature) restricted to the topK largest entries (0: all). */
function sampleRow(row: ArrayLike<number>, temperature: number, topK: number, rng: Rng): number {
  const V = row.length;
  let threshold = -Infinity;
  if (topK > 0 && topK < V) {
    const sorted = Array.from(row).sort((x, y) => y - x);
    threshold = sorted[topK - 1];
  }
  let m = -Infinity;
  for (let i = 0; i < V; i++) if (row[i] >= threshold) m = Math.max(m, row[i]);
  const p = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) if (row[i] >= threshold) z += p[i] = Math.exp((row[i] - m) / temperature);
  let u = rng.random() * z;
  let lastKept = 0;
  for (let i = 0; i < V; i++) {
    if (p[i] === 0) continue;
    lastKept = i;
    if ((u -= p[i]) < 0) return i;
  }
  return lastKept;
}
