/**
 * A causal transformer over token ids with one scalar per position: the network of a reward model
 * (read at the last token) and of RLHF's value function (read at every token). Built on nn's
 * CausalTransformer (GPT-2 style, pre-LayerNorm) with one-hot token inputs, so its first linear
 * layer is the token embedding.
 */
import { CausalTransformer } from "../nn/modules.js";
import { Rng } from "../core/rng.js";
import { tf, type Tensor } from "../nn/tf.js";

/** What the scalar models need of a tokenizer: its vocabulary size and text -> ids. */
export interface TokenEncoder {
  readonly vocabSize: number;
  encode(text: string): number[];
}

export interface ScalarTransformerOptions {
  vocabSize: number;
  /** Longest text in tokens. */
  maxLength: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  rng: Rng;
  name?: string;
}

/** ids [B, T] -> one scalar per position [B, T]. */
export class ScalarTransformer {
  readonly net: CausalTransformer;

  constructor(readonly opts: ScalarTransformerOptions) {
    this.net = new CausalTransformer({ inputDim: opts.vocabSize, outputDim: 1, dModel: opts.dModel, nHeads: opts.nHeads, nLayers: opts.nLayers, maxLength: opts.maxLength, rng: opts.rng, name: opts.name ?? "scalar_transformer" });
  }

  get variables() {
    return this.net.variables;
  }

  /** ids int32 [B, T] -> [B, T]. */
  apply(ids: Tensor): Tensor {
    return tf.tidy(() => {
      const [B, T] = ids.shape as [number, number];
      const x = tf.cast(tf.oneHot(tf.cast(ids, "int32"), this.opts.vocabSize), "float32");
      return tf.reshape(this.net.apply(x), [B, T]);
    });
  }

  /** The scalar at position lengths[b] - 1 of each row: ids [B, T], lastIndex one-hot float [B, T] -> [B]. */
  applyLast(ids: Tensor, lastOneHot: Tensor): Tensor {
    return tf.tidy(() => tf.sum(tf.mul(this.apply(ids), lastOneHot), 1));
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * Encodes texts into a right-padded id matrix (pad id 0) and a one-hot marker of each text's last
 * token. Errors name the text when it is empty or longer than maxLength, or when the encoder gives
 * an id outside the vocabulary.
 */
export function encodeTexts(encoder: TokenEncoder, texts: readonly string[], maxLength: number, who: string): { ids: Int32Array; last: Float32Array; B: number; T: number; lengths: Int32Array } {
  const enc = texts.map((t, i) => {
    if (typeof t !== "string") throw new RangeError(`${who}: text ${i} is not a string (${typeof t})`);
    let ids: number[];
    try {
      ids = encoder.encode(t);
    } catch (e) {
      throw new RangeError(`${who}: text ${i}: ${(e as Error).message}`);
    }
    if (ids.length === 0) throw new RangeError(`${who}: text ${i} is empty`);
    if (ids.length > maxLength) throw new RangeError(`${who}: text ${i} ${JSON.stringify(t)} has ${ids.length} tokens, more than maxLength ${maxLength}; raise maxLength or shorten it`);
    for (const id of ids) {
      if (!(Number.isInteger(id) && id >= 0 && id < encoder.vocabSize)) throw new RangeError(`${who}: text ${i} ${JSON.stringify(t)} encodes to token id ${id}, outside the vocabulary of ${encoder.vocabSize}`);
    }
    return ids;
  });
  const B = enc.length;
  const T = Math.max(...enc.map((e) => e.length));
  const ids = new Int32Array(B * T);
  const last = new Float32Array(B * T);
  const lengths = new Int32Array(B);
  enc.forEach((e, b) => {
    ids.set(e, b * T);
    last[b * T + e.length - 1] = 1;
    lengths[b] = e.length;
  });
  return { ids, last, B, T, lengths };
}
