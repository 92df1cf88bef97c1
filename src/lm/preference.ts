/**
 * A synthetic preference task: a hidden scoring function plays the human labeller, so both the
 * preference pairs (what RLHF and DPO learn from) and the ground truth (what they should improve)
 * exist. This is the setting of Gao et al. 2022 ("Scaling Laws for Reward Model
 * Overoptimization"), with a known function in place of their "gold" reward model.
 *
 * A prompt is `promptLength` distinct letters of a small alphabet; a completion is
 * `completionLength` letters. The hidden score of a completion is
 *
 *   score = #{t : c_t occurs in the prompt}  -  repeatPenalty * #{t >= 1 : c_t = c_{t-1}}
 *
 * (e.g. prompt "abc": "abcabc" scores 6, "aaaaaa" scores 6 - 5 * 1 = 1, "dddddd" scores -5).
 * Random completions rarely repeat a letter twice in a row, so a reward model trained on pairs of
 * them learns "use the prompt's letters" far better than "do not repeat": a policy pushed hard
 * against that reward model finds repeated prompt letters, which the learned (proxy) reward likes
 * and the true score does not. That is the over-optimization Gao et al. measure.
 *
 * Labels follow the Bradley-Terry model (Bradley & Terry 1952), as the RLHF papers assume of
 * human labellers: P(a preferred to b) = sigmoid((score(a) - score(b)) / temperature).
 *
 * Texts are `prompt + separator + completion` ("abc:cabcab"), the format the tiny LM is trained on.
 */
import { Rng, toRng, type Seed } from "../core/rng.js";

/** One labelled comparison, in TRL's preference format: the same prompt, a preferred and a dispreferred completion. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
}

/**
 * A comparison given as two full texts (prompt + separator + completion each) instead; TRL calls
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
  readonly temperature: number;
  readonly separator: string;

  constructor(options: PreferenceTaskOptions = {}) {
    const o = { alphabet: "abcdefgh", promptLength: 3, completionLength: 6, repeatPenalty: 1, temperature: 1, separator: ":", ...options };
    const problems: string[] = [];
    if (typeof o.alphabet !== "string" || o.alphabet.length < 2 || new Set(o.alphabet).size !== o.alphabet.length) problems.push(`alphabet = ${JSON.stringify(o.alphabet)}: give at least 2 distinct characters`);
    if (!Number.isInteger(o.promptLength) || o.promptLength < 1 || o.promptLength > new Set(o.alphabet).size) problems.push(`promptLength = ${o.promptLength}: an integer from 1 to the alphabet's size (prompt letters are distinct)`);
    if (!Number.isInteger(o.completionLength) || o.completionLength < 1) problems.push(`completionLength = ${o.completionLength}: a positive integer`);
    if (!(Number.isFinite(o.repeatPenalty) && o.repeatPenalty >= 0)) problems.push(`repeatPenalty = ${o.repeatPenalty}: a number >= 0`);
    if (!(Number.isFinite(o.temperature) && o.temperature >= 0)) problems.push(`temperature = ${o.temperature}: a number >= 0`);
    if (typeof o.separator !== "string" || o.separator.length !== 1 || o.alphabet.includes(o.separator)) problems.push(`separator = ${JSON.stringify(o.separator)}: one character not in the alphabet`);
    if (problems.length) throw new RangeError(`PreferenceTask: ${problems.join("; ")}`);
    this.alphabet = o.alphabet;
    this.promptLength = o.promptLength;
    this.completionLength = o.completionLength;
    this.repeatPenalty = o.repeatPenalty;
    this.temperature = o.temperature;
    this.separator = o.separator;
  }

  /** Characters of every text of the task: the alphabet and the separator (a tokenizer's vocabulary). */
  get vocabulary(): string {
    return this.alphabet + this.separator;
  }

  /** Length of a full text: prompt, separator, completion. */
  get textLength(): number {
    return this.promptLength + 1 + this.completionLength;
  }

  /** The prompt as the LM sees it: the prompt's letters and the separator ("abc:"). */
  promptText(prompt: string): string {
    this.checkPrompt(prompt, "promptText");
    return prompt + this.separator;
  }

  /** prompt + separator + completion. */
  text(prompt: string, completion: string): string {
    this.checkPrompt(prompt, "text");
    this.checkCompletion(completion, "text");
    return prompt + this.separator + completion;
  }

  /** Splits a full text into its prompt and completion, with an error that says what is wrong with it. */
  split(text: string, what = "text"): { prompt: string; completion: string } {
    const at = text.indexOf(this.separator);
    if (at !== this.promptLength) {
      throw new RangeError(`PreferenceTask: ${what} ${JSON.stringify(text)} should be a ${this.promptLength}-letter prompt, "${this.separator}", then a ${this.completionLength}-letter completion`);
    }
    const prompt = text.slice(0, at);
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
    for (let t = 0; t < completion.length; t++) {
      if (prompt.includes(completion[t])) s += 1;
      if (t > 0 && completion[t] === completion[t - 1]) s -= this.repeatPenalty;
    }
    return s;
  }

  /** The best score any completion of `prompt` reaches (dynamic programming over the last letter). */
  bestScore(prompt: string): number {
    this.checkPrompt(prompt, "bestScore");
    const A = this.alphabet;
    let best: number[] = [...A].map((c) => (prompt.includes(c) ? 1 : 0));
    for (let t = 1; t < this.completionLength; t++) {
      best = [...A].map((c, j) => (prompt.includes(c) ? 1 : 0) + Math.max(...best.map((b, i) => b - (i === j ? this.repeatPenalty : 0))));
    }
    return Math.max(...best);
  }

  /** Probability that the labeller prefers completion `a` to `b` for `prompt` (Bradley-Terry). */
  preferenceProbability(prompt: string, a: string, b: string): number {
    const d = this.score(prompt, a) - this.score(prompt, b);
    if (this.temperature === 0) return d > 0 ? 1 : d < 0 ? 0 : 0.5;
    return sigmoid(d / this.temperature);
  }

  /** A random prompt: distinct letters in random order. */
  samplePrompt(rng: Rng): string {
    const letters = rng.shuffle([...this.alphabet]);
    return letters.slice(0, this.promptLength).join("");
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
      return p + this.separator + this.randomCompletion(rng);
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
    if (typeof prompt !== "string" || prompt.length !== this.promptLength) {
      throw new RangeError(`PreferenceTask: ${what} ${JSON.stringify(prompt)} should be ${this.promptLength} letters of ${JSON.stringify(this.alphabet)}`);
    }
    this.checkLetters(prompt, what);
  }

  private checkCompletion(completion: string, what: string): void {
    if (typeof completion !== "string" || completion.length !== this.completionLength) {
      throw new RangeError(`PreferenceTask: ${what} ${JSON.stringify(completion)} should be ${this.completionLength} letters of ${JSON.stringify(this.alphabet)}, got ${typeof completion === "string" ? completion.length : typeof completion}`);
    }
    this.checkLetters(completion, what);
  }
}
