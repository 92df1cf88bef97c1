/**
 * A synthetic preference task: a hidden scoring function plays the human labeller, so both the
 * preference pairs (what RLHF and DPO learn from) and the ground truth (what they should improve)
 * exist. This is the setting of Gao et al. 2022 ("Scaling Laws for Reward Model
 * Overoptimization"), with a known function in place of their "gold" reward model.
 *
 * A prompt is `promptLength` distinct letters of a small alphabet followed by a separator
 * ("abc:"), as the LM sees it; a completion is `completionLength` letters. The hidden score of a
 * completion c is the labeller's taste in letters, a liking for the prompt's letters, and a
 * dislike of stutter:
 *
 *   score = sum_t value(c_t)  +  promptBonus * #{t : c_t in the prompt}  -  repeatPenalty * #{t >= 1 : c_t = c_{t-1}}
 *
 * with letter values evenly spaced from +1 (first letter) to -1 (last) by default. With the
 * defaults (alphabet "abcdefgh", values 1, 0.714, ..., -1, bonus 1, penalty 1), for prompt "abc:":
 * "ababab" scores 3 * 1 + 3 * 0.714 + 6 = 11.14, "aaaaaa" 6 + 6 - 5 = 7, "hhhhhh" -6 - 5 = -11.
 * Random completions rarely repeat a letter twice in a row and a tiny reward model learns the
 * letter values from far fewer pairs than the other two terms, so a policy pushed hard against
 * it drifts to repeating the best letter, which the learned (proxy) reward likes and the true
 * score does not: the over-optimization Gao et al. measure.
 *
 * Labels follow the Bradley-Terry model (Bradley & Terry 1952), as the RLHF papers assume of
 * human labellers: P(a preferred to b) = sigmoid((score(a) - score(b)) / temperature).
 *
 * A text is prompt + completion ("abc:cabcab"), the format the tiny LM is trained on.
 */
import { Rng, toRng, type Seed } from "../core/rng.js";

/** One labelled comparison, in TRL's preference format: the prompt ("abc:"), a preferred and a dispreferred completion. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
}

/**
 * A comparison given as two full texts (prompt + completion each) instead; TRL calls
 * this the "implicit prompt" format. Both texts must start with the same prompt.
 */
export interface ImplicitPreferencePair {
  chosen: string;
  rejected: string;
}

export interface PreferenceTaskOptions {
  /** Letters prompts and completions are made of (default "abcdefgh"). */
  alphabet?: string;
  /** Letters per prompt, all distinct (default 3). */
  promptLength?: number;
  /** Letters per completion (default 6). */
  completionLength?: number;
  /** Score lost per letter equal to the one before it (default 1). */
  repeatPenalty?: number;
  /** Score per completion letter that occurs in the prompt (default 1). */
  promptBonus?: number;
  /** The labeller's value of each alphabet letter, in alphabet order (default evenly spaced from +1 to -1). */
  letterValues?: readonly number[];
  /** Bradley-Terry temperature of the labeller: 0 labels by the score exactly (ties at random), larger is noisier (default 1). */
  temperature?: number;
  /** Separates prompt and completion in a text (default ":"); must not be in the alphabet. */
  separator?: string;
}

/** Draws a completion for a prompt: the policy whose samples get labelled. */
export type CompletionSampler = (prompt: string, rng: Rng) => string;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The synthetic preference task (see the module comment). */
export class PreferenceTask {
  readonly alphabet: string;
  readonly promptLength: number;
  readonly completionLength: number;
  readonly repeatPenalty: number;
  readonly promptBonus: number;
  readonly letterValues: readonly number[];
  readonly temperature: number;
  readonly separator: string;

  constructor(options: PreferenceTaskOptions = {}) {
    const o = { alphabet: "abcdefgh", promptLength: 3, completionLength: 6, repeatPenalty: 1, promptBonus: 1, temperature: 1, separator: ":", ...options };
    const A = typeof o.alphabet === "string" ? o.alphabet.length : 0;
    const values = o.letterValues ?? Array.from({ length: A }, (_, i) => (A > 1 ? 1 - (2 * i) / (A - 1) : 0));
    const problems: string[] = [];
    if (typeof o.alphabet !== "string" || o.alphabet.length < 2 || new Set(o.alphabet).size !== o.alphabet.length) problems.push(`alphabet = ${JSON.stringify(o.alphabet)}: give at least 2 distinct characters`);
    if (!Number.isInteger(o.promptLength) || o.promptLength < 1 || o.promptLength > new Set(o.alphabet).size) problems.push(`promptLength = ${o.promptLength}: an integer from 1 to the alphabet's size (prompt letters are distinct)`);
    if (!Number.isInteger(o.completionLength) || o.completionLength < 1) problems.push(`completionLength = ${o.completionLength}: a positive integer`);
    if (!(Number.isFinite(o.repeatPenalty) && o.repeatPenalty >= 0)) problems.push(`repeatPenalty = ${o.repeatPenalty}: a number >= 0`);
    if (!Number.isFinite(o.promptBonus)) problems.push(`promptBonus = ${o.promptBonus}: a number`);
    if (!Array.isArray(values) || values.length !== A || !values.every((v) => Number.isFinite(v))) problems.push(`letterValues = ${JSON.stringify(o.letterValues)}: ${A} finite numbers, one per alphabet letter`);
    if (!(Number.isFinite(o.temperature) && o.temperature >= 0)) problems.push(`temperature = ${o.temperature}: a number >= 0`);
    if (typeof o.separator !== "string" || o.separator.length !== 1 || o.alphabet.includes(o.separator)) problems.push(`separator = ${JSON.stringify(o.separator)}: one character not in the alphabet`);
    if (problems.length) throw new RangeError(`PreferenceTask: ${problems.join("; ")}`);
    this.alphabet = o.alphabet;
    this.promptLength = o.promptLength;
    this.completionLength = o.completionLength;
    this.repeatPenalty = o.repeatPenalty;
    this.promptBonus = o.promptBonus;
    this.letterValues = Object.freeze([...values]);
    this.temperature = o.temperature;
    this.separator = o.separator;
  }

  /** Characters of every text of the task: the alphabet and the separator (a tokenizer's vocabulary). */
  get vocabulary(): string {
    return this.alphabet + this.separator;
  }

  /** Length of a full text: prompt letters, separator, completion. */
  get textLength(): number {
    return this.promptLength + 1 + this.completionLength;
  }

  /** The full text, prompt + completion. */
  text(prompt: string, completion: string): string {
    this.checkPrompt(prompt, "text");
    this.checkCompletion(completion, "text");
    return prompt + completion;
  }

  /** Splits a full text into its prompt and completion, with an error that says what is wrong with it. */
  split(text: string, what = "text"): { prompt: string; completion: string } {
    const at = text.indexOf(this.separator);
    if (at !== this.promptLength) {
      throw new RangeError(`PreferenceTask: ${what} ${JSON.stringify(text)} should be a ${this.promptLength}-letter prompt, "${this.separator}", then a ${this.completionLength}-letter completion`);
    }
    const prompt = text.slice(0, at + 1);
    const completion = text.slice(at + 1);
    this.checkPrompt(prompt, what);
    this.checkCompletion(completion, what);
    return { prompt, completion };
  }

  /** The hidden labeller's score (see the module comment). */
  score(prompt: string, completion: string): number {
    this.checkPrompt(prompt, "score");
    this.checkCompletion(completion, "score");
    let s = 0;
    for (let t = 0; t < completion.length; t++) s += this.letterScore(prompt, completion[t]);
    for (let t = 1; t < completion.length; t++) if (completion[t] === completion[t - 1]) s -= this.repeatPenalty;
    return s;
  }

  /** value(letter) + promptBonus if the letter is in the prompt. */
  private letterScore(prompt: string, letter: string): number {
    return this.letterValues[this.alphabet.indexOf(letter)] + (prompt.includes(letter) ? this.promptBonus : 0);
  }

  /**
   * The score of any generated text: {@link score} for a valid completion, {@link invalidScore}
   * for one of the wrong length or with characters outside the alphabet (what a policy's sample
   * can be before it has learned the format).
   */
  reward(prompt: string, completion: string): number {
    this.checkPrompt(prompt, "reward");
    if (typeof completion !== "string" || completion.length !== this.completionLength) return this.invalidScore;
    for (const c of completion) if (!this.alphabet.includes(c)) return this.invalidScore;
    return this.score(prompt, completion);
  }

  /** Below every valid completion's score: L * (min value + min(bonus, 0)) - (L - 1) * penalty - 1. */
  get invalidScore(): number {
    const L = this.completionLength;
    return L * (Math.min(...this.letterValues) + Math.min(this.promptBonus, 0)) - (L - 1) * this.repeatPenalty - 1;
  }

  /**
   * How often completions `a` beat completions `b` of the same prompts under the hidden score
   * (ties count half): the win rate of a policy's samples against the reference's.
   */
  winRate(prompts: readonly string[], a: readonly string[], b: readonly string[]): number {
    if (prompts.length !== a.length || prompts.length !== b.length) throw new RangeError(`PreferenceTask.winRate: ${prompts.length} prompts, ${a.length} and ${b.length} completions; give one of each per prompt`);
    if (prompts.length === 0) return NaN;
    let w = 0;
    prompts.forEach((p, i) => {
      const d = this.reward(p, a[i]) - this.reward(p, b[i]);
      w += d > 0 ? 1 : d === 0 ? 0.5 : 0;
    });
    return w / prompts.length;
  }

  /** The best score any completion of `prompt` reaches (dynamic programming over the last letter). */
  bestScore(prompt: string): number {
    this.checkPrompt(prompt, "bestScore");
    const A = this.alphabet;
    let best: number[] = [...A].map((c) => this.letterScore(prompt, c));
    for (let t = 1; t < this.completionLength; t++) {
      best = [...A].map((c, j) => this.letterScore(prompt, c) + Math.max(...best.map((b, i) => b - (i === j ? this.repeatPenalty : 0))));
    }
    return Math.max(...best);
  }

  /** Probability that the labeller prefers completion `a` to `b` for `prompt` (Bradley-Terry). */
  preferenceProbability(prompt: string, a: string, b: string): number {
    const d = this.score(prompt, a) - this.score(prompt, b);
    if (this.temperature === 0) return d > 0 ? 1 : d < 0 ? 0 : 0.5;
    return sigmoid(d / this.temperature);
  }

  /** A random prompt: distinct letters in random order, then the separator. */
  samplePrompt(rng: Rng): string {
    const letters = rng.shuffle([...this.alphabet]);
    return letters.slice(0, this.promptLength).join("") + this.separator;
  }

  /** n random prompts. */
  samplePrompts(n: number, seed?: Seed | Rng): string[] {
    const rng = toRng(seed);
    return Array.from({ length: n }, () => this.samplePrompt(rng));
  }

  /** A completion of uniformly random letters (the base distribution the reference LM is pretrained on). */
  randomCompletion(rng: Rng): string {
    let s = "";
    for (let t = 0; t < this.completionLength; t++) s += this.alphabet[rng.integer(this.alphabet.length)];
    return s;
  }

  /** Texts for pretraining the LM: random prompts, each with a uniformly random completion. */
  corpus(n: number, seed?: Seed | Rng): string[] {
    const rng = toRng(seed);
    return Array.from({ length: n }, () => {
      const p = this.samplePrompt(rng);
      return p + this.randomCompletion(rng);
    });
  }

  /** The labeller's verdict on two completions of one prompt: a Bradley-Terry draw. */
  label(prompt: string, a: string, b: string, rng: Rng): PreferencePair {
    const p = this.preferenceProbability(prompt, a, b);
    return rng.random() < p ? { prompt, chosen: a, rejected: b } : { prompt, chosen: b, rejected: a };
  }

  /**
   * n labelled pairs: a random prompt, two completions drawn by `sample` (uniformly random letters
   * by default; pass the reference LM's sampler to label its own outputs, as RLHF does), a
   * Bradley-Terry label. Two identical completions are redrawn.
   */
  pairs(n: number, options: { seed?: Seed | Rng; sample?: CompletionSampler } = {}): PreferencePair[] {
    const rng = toRng(options.seed);
    const sample = options.sample ?? ((_p: string, r: Rng) => this.randomCompletion(r));
    const out: PreferencePair[] = [];
    while (out.length < n) {
      const prompt = this.samplePrompt(rng);
      const a = sample(prompt, rng);
      let b = sample(prompt, rng);
      for (let k = 0; k < 10 && b === a; k++) b = sample(prompt, rng);
      if (a === b) continue;
      this.checkCompletion(a, `sampled completion for prompt ${JSON.stringify(prompt)}`);
      this.checkCompletion(b, `sampled completion for prompt ${JSON.stringify(prompt)}`);
      out.push(this.label(prompt, a, b, rng));
    }
    return out;
  }

  /**
   * Checks preference pairs and returns them in the explicit format: every prompt and completion is
   * made of the task's letters and has the task's length, and both texts of an implicit pair share
   * their prompt. The error names the pair, the field and the offending character.
   */
  checkPairs(pairs: readonly (PreferencePair | ImplicitPreferencePair)[]): PreferencePair[] {
    if (!Array.isArray(pairs) || pairs.length === 0) throw new RangeError("PreferenceTask: expected a non-empty array of preference pairs {prompt, chosen, rejected}");
    return pairs.map((pair, i) => {
      if (!pair || typeof pair.chosen !== "string" || typeof pair.rejected !== "string") {
        throw new RangeError(`PreferenceTask: pair ${i} should be {prompt, chosen, rejected} (strings) or {chosen, rejected} full texts, got ${JSON.stringify(pair)}`);
      }
      if (!("prompt" in pair) || pair.prompt === undefined) {
        const c = this.split(pair.chosen, `pair ${i} chosen`);
        const r = this.split(pair.rejected, `pair ${i} rejected`);
        if (c.prompt !== r.prompt) {
          throw new RangeError(`PreferenceTask: pair ${i} compares completions of different prompts: chosen ${JSON.stringify(pair.chosen)} starts with ${JSON.stringify(c.prompt)}, rejected ${JSON.stringify(pair.rejected)} with ${JSON.stringify(r.prompt)}; a preference pair is two answers to one prompt`);
        }
        return { prompt: c.prompt, chosen: c.completion, rejected: r.completion };
      }
      const prompt = (pair as PreferencePair).prompt;
      if (typeof prompt !== "string") throw new RangeError(`PreferenceTask: pair ${i} prompt should be a string, got ${JSON.stringify(prompt)}`);
      this.checkPrompt(prompt, `pair ${i} prompt`);
      if (pair.chosen.length !== pair.rejected.length) {
        throw new RangeError(`PreferenceTask: pair ${i} has completions of different lengths: chosen ${JSON.stringify(pair.chosen)} (${pair.chosen.length}) and rejected ${JSON.stringify(pair.rejected)} (${pair.rejected.length}); this task's completions have ${this.completionLength} letters`);
      }
      this.checkCompletion(pair.chosen, `pair ${i} chosen`);
      this.checkCompletion(pair.rejected, `pair ${i} rejected`);
      return { prompt, chosen: pair.chosen, rejected: pair.rejected };
    });
  }

  private checkLetters(s: string, what: string): void {
    for (let j = 0; j < s.length; j++) {
      if (!this.alphabet.includes(s[j])) {
        throw new RangeError(`PreferenceTask: ${what} ${JSON.stringify(s)} has ${JSON.stringify(s[j])} at position ${j}, which is not in the task's alphabet ${JSON.stringify(this.alphabet)}`);
      }
    }
  }

  private checkPrompt(prompt: string, what: string): void {
    if (typeof prompt !== "string" || prompt.length !== this.promptLength + 1 || prompt[this.promptLength] !== this.separator) {
      throw new RangeError(`PreferenceTask: ${what} ${JSON.stringify(prompt)} should be ${this.promptLength} letters of ${JSON.stringify(this.alphabet)} and "${this.separator}"`);
    }
    this.checkLetters(prompt.slice(0, this.promptLength), what);
  }

  private checkCompletion(completion: string, what: string): void {
    if (typeof completion !== "string" || completion.length !== this.completionLength) {
      throw new RangeError(`PreferenceTask: ${what} ${JSON.stringify(completion)} should be ${this.completionLength} letters of ${JSON.stringify(this.alphabet)}, got ${typeof completion === "string" ? completion.length : typeof completion}`);
    }
    this.checkLetters(completion, what);
  }
}
