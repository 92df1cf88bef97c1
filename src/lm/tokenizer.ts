/**
 * A character-level tokenizer for the miniature LM lab: one token per character of a fixed
 * alphabet, plus two special tokens, `<bos>` (starts every sequence the model sees) and `<eos>`
 * (ends a completion; generation stops on it).
 *
 *   const tok = new CharTokenizer("0123456789+=");
 *   tok.encode("12+34=")       // [3, 4, 12, 5, 6, 13]   (ids 0 and 1 are <bos> and <eos>)
 *   tok.decode([3, 4, 1])      // "12" (stops at <eos>)
 *
 * Characters outside the alphabet are refused with an error that names them and their position.
 */

/** A string the tokenizer cannot encode (a character outside its alphabet). */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenizerError";
  }
}

/** What a tokenizer serializes to (checkpoints store it). */
export interface CharTokenizerJSON {
  kind: "char";
  alphabet: string;
}

const show = (c: string) => JSON.stringify(c);

/** Character-level tokenizer: id 0 = `<bos>`, id 1 = `<eos>`, then one id per alphabet character in order. */
export class CharTokenizer {
  /** Id of the beginning-of-sequence token. */
  readonly bos = 0;
  /** Id of the end-of-sequence token. */
  readonly eos = 1;
  /** The characters, in id order (id = index + 2). */
  readonly alphabet: string;
  private readonly ids = new Map<string, number>();
  private readonly chars: string[];

  /** `alphabet`: every character the tokenizer knows, each once (order fixes the ids). */
  constructor(alphabet: string) {
    if (typeof alphabet !== "string" || alphabet.length === 0) throw new TokenizerError(`CharTokenizer: alphabet must be a non-empty string of characters, got ${show(String(alphabet))}`);
    this.chars = Array.from(alphabet);
    this.chars.forEach((c, i) => {
      if (this.ids.has(c)) throw new TokenizerError(`CharTokenizer: character ${show(c)} appears twice in the alphabet ${show(alphabet)} (positions ${this.ids.get(c)! - 2} and ${i}); list each character once`);
      this.ids.set(c, i + 2);
    });
    this.alphabet = alphabet;
  }

  /** A tokenizer over every character that occurs in `texts` (sorted by code point). */
  static fromCorpus(texts: readonly string[]): CharTokenizer {
    const set = new Set<string>();
    for (const t of texts) for (const c of t) set.add(c);
    if (set.size === 0) throw new TokenizerError("CharTokenizer.fromCorpus: the corpus has no characters");
    return new CharTokenizer([...set].sort().join(""));
  }

  /** Rebuilds a tokenizer from {@link toJSON}'s output. */
  static fromJSON(j: CharTokenizerJSON): CharTokenizer {
    if (!j || j.kind !== "char" || typeof j.alphabet !== "string") throw new TokenizerError(`CharTokenizer.fromJSON: expected {kind: "char", alphabet: string}, got ${JSON.stringify(j)}`);
    return new CharTokenizer(j.alphabet);
  }

  /** Number of token ids (alphabet + 2 special tokens). */
  get vocabSize(): number {
    return this.chars.length + 2;
  }

  /** Whether every character of `text` is in the alphabet. */
  canEncode(text: string): boolean {
    for (const c of text) if (!this.ids.has(c)) return false;
    return true;
  }

  /** The ids of the characters of `text` (no special tokens); refuses characters outside the alphabet, naming them. */
  encode(text: string): number[] {
    if (typeof text !== "string") throw new TokenizerError(`CharTokenizer.encode: expected a string, got ${typeof text}`);
    const out: number[] = [];
    const bad: string[] = [];
    let pos = 0;
    for (const c of text) {
      const id = this.ids.get(c);
      if (id === undefined) bad.push(`${show(c)} at position ${pos}`);
      else out.push(id);
      pos++;
    }
    if (bad.length) {
      const list = bad.slice(0, 5).join(", ") + (bad.length > 5 ? `, ... (${bad.length} in all)` : "");
      throw new TokenizerError(`CharTokenizer: ${show(text.length > 60 ? text.slice(0, 57) + "..." : text)} has characters outside the vocabulary: ${list}. The alphabet is ${show(this.alphabet)}; build the tokenizer with them (CharTokenizer.fromCorpus(texts)) or remove them`);
    }
    return out;
  }

  /** Text of `ids`: stops at the first `<eos>` (unless `stopAtEos` is false), skips `<bos>`; refuses ids outside the vocabulary. */
  decode(ids: ArrayLike<number>, options: { stopAtEos?: boolean } = {}): string {
    const stop = options.stopAtEos ?? true;
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eos) {
        if (stop) break;
        continue;
      }
      if (id === this.bos) continue;
      const c = this.chars[id - 2];
      if (c === undefined || !Number.isInteger(id)) throw new TokenizerError(`CharTokenizer.decode: id ${id} at position ${i} is outside the vocabulary (0 .. ${this.vocabSize - 1})`);
      s += c;
    }
    return s;
  }

  /** The token of one id, special tokens shown as `<bos>` / `<eos>`. */
  token(id: number): string {
    if (id === this.bos) return "<bos>";
    if (id === this.eos) return "<eos>";
    const c = this.chars[id - 2];
    if (c === undefined) throw new TokenizerError(`CharTokenizer.token: id ${id} is outside the vocabulary (0 .. ${this.vocabSize - 1})`);
    return c;
  }

  toJSON(): CharTokenizerJSON {
    return { kind: "char", alphabet: this.alphabet };
  }
}
