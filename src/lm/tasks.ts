/**
 * Tasks with checkable answers, generated in code: arithmetic written as text (exact-match
 * reward) and strings with a target property (sorted, a palindrome, a given count of a
 * character). Each gives prompts, one correct answer per prompt (for supervised fine-tuning)
 * and a reward that checks any completion (for RL: GRPO's verifiable rewards).
 *
 *   const task = additionTask({digits: 2});
 *   const tok = new CharTokenizer(task.alphabet);
 *   task.sample(2, new Rng(0))      // [{prompt: "57+3=", completion: "60"}, ...]
 *   task.reward("57+3=", "60")      // 1
 *   await evaluateLM(lm, task, {n: 200})   // greedy exact-match accuracy on fresh prompts
 */
import { Rng } from "../core/rng.js";
import type { LanguageModel, Generation } from "./model.js";

/** A prompt and one correct completion. */
export interface TaskExample {
  prompt: string;
  completion: string;
}

/**
 * What an RL trainer needs from a task: prompts, and rewards of completions (batched; may be
 * async, e.g. a learned reward model). Implemented by every {@link LMTask}.
 */
export interface RLTask {
  readonly name: string;
  /** `n` fresh prompts drawn with `rng`. */
  samplePrompts(n: number, rng: Rng): string[];
  /** The reward of each completion (text without `<eos>`) of its prompt. */
  rewards(prompts: readonly string[], completions: readonly string[]): number[] | Promise<number[]>;
  /** Longest useful completion in tokens, `<eos>` included (a trainer's default generation length). */
  readonly maxCompletionTokens?: number;
}

/** A task with a correct answer per prompt and a 0/1 check of any completion. */
export interface LMTask extends RLTask {
  /** Every character its prompts and answers use: `new CharTokenizer(task.alphabet)`. */
  readonly alphabet: string;
  /** Longest prompt, in characters. */
  readonly maxPromptLength: number;
  /** Longest answer, in characters. */
  readonly maxCompletionLength: number;
  readonly maxCompletionTokens: number;
  /** `n` prompts, each with a correct answer. */
  sample(n: number, rng: Rng): TaskExample[];
  /** 1 when `completion` solves `prompt`, else 0. */
  reward(prompt: string, completion: string): number;
}

function checkInt(task: string, field: string, v: unknown, min: number, max: number): number {
  if (!(typeof v === "number" && Number.isInteger(v) && v >= min && v <= max)) throw new RangeError(`${task}: ${field} must be an integer in ${min} .. ${max}, got ${String(v)}`);
  return v;
}

function checkLetters(task: string, letters: unknown, reserved: string): string {
  if (typeof letters !== "string" || letters.length < 2 || new Set(letters).size !== letters.length) throw new RangeError(`${task}: letters must be a string of at least 2 distinct characters, got ${JSON.stringify(letters)}`);
  for (const c of reserved) if (letters.includes(c)) throw new RangeError(`${task}: letters must not contain ${JSON.stringify(c)} (the task uses it as a separator)`);
  return letters;
}

/** Builds an {@link LMTask} from its generator and its check. */
function makeTask(spec: { name: string; alphabet: string; maxPromptLength: number; maxCompletionLength: number; example: (rng: Rng) => TaskExample; check: (prompt: string, completion: string) => boolean }): LMTask {
  return {
    name: spec.name,
    alphabet: spec.alphabet,
    maxPromptLength: spec.maxPromptLength,
    maxCompletionLength: spec.maxCompletionLength,
    maxCompletionTokens: spec.maxCompletionLength + 1,
    sample: (n, rng) => Array.from({ length: n }, () => spec.example(rng)),
    samplePrompts: (n, rng) => Array.from({ length: n }, () => spec.example(rng).prompt),
    reward: (p, c) => (spec.check(p, c) ? 1 : 0),
    rewards: (ps, cs) => ps.map((p, i) => (spec.check(p, cs[i]) ? 1 : 0)),
  };
}

/** Options of {@link arithmeticTask}. */
export interface ArithmeticOptions {
  /** Operators to draw from (default ["+"]). "-" gives negative answers ("-12"). */
  ops?: readonly ("+" | "-" | "*")[];
  /** Operands are uniform in 0 .. 10^digits - 1 (default 2). */
  digits?: number;
  /** Zero-pad the operands to `digits` and the answer to its longest length ("07+45=052"): fixed-width columns. */
  pad?: boolean;
  /**
   * Write the answer least-significant digit first ("07+45=250" for 52): each digit then depends
   * only on digits already seen and the carry, which small transformers learn far faster
   * (Lee et al. 2023, "Teaching Arithmetic to Small Transformers").
   */
  reverse?: boolean;
}

/** "a op b=" -> the exact result as decimal text; reward 1 on an exact match. */
export function arithmeticTask(options: ArithmeticOptions = {}): LMTask {
  const ops = options.ops ?? ["+"];
  const pad = options.pad ?? false;
  const reverse = options.reverse ?? false;
  const name = `arithmetic(${ops.join("")}, ${options.digits ?? 2} digits${pad ? ", padded" : ""}${reverse ? ", reversed" : ""})`;
  if (!Array.isArray(ops) || ops.length === 0 || ops.some((o) => !["+", "-", "*"].includes(o))) throw new RangeError(`arithmeticTask: ops must be a non-empty list of "+", "-", "*", got ${JSON.stringify(ops)}`);
  const digits = checkInt("arithmeticTask", "digits", options.digits ?? 2, 1, 6);
  const top = 10 ** digits;
  const apply = (a: number, op: string, b: number) => (op === "+" ? a + b : op === "-" ? a - b : a * b);
  // Digits of the largest |result|, and the longest answer (a "-" sign when subtraction can go negative).
  const absWidth = Math.max(...ops.map((op) => String(op === "+" ? 2 * (top - 1) : op === "-" ? top - 1 : (top - 1) ** 2).length));
  const maxAnswer = absWidth + (ops.includes("-") ? 1 : 0);
  const parse = (prompt: string) => {
    const m = /^(\d+)([+\-*])(\d+)=$/.exec(prompt);
    if (!m) throw new RangeError(`${name}: ${JSON.stringify(prompt)} is not a prompt of this task (expected "a${ops[0]}b=")`);
    return apply(Number(m[1]), m[2], Number(m[3]));
  };
  const operand = (x: number) => (pad ? String(x).padStart(digits, "0") : String(x));
  const answerText = (v: number) => {
    let t = String(Math.abs(v));
    if (pad) t = t.padStart(absWidth, "0");
    if (reverse) t = [...t].reverse().join("");
    return (v < 0 ? "-" : "") + t;
  };
  return makeTask({
    name,
    alphabet: "0123456789" + [...new Set(ops)].join("") + "=",
    maxPromptLength: 2 * digits + 2,
    maxCompletionLength: maxAnswer,
    example: (rng) => {
      const a = rng.integer(top);
      const b = rng.integer(top);
      const op = ops[rng.integer(ops.length)];
      return { prompt: `${operand(a)}${op}${operand(b)}=`, completion: answerText(apply(a, op, b)) };
    },
    check: (p, c) => c === answerText(parse(p)),
  });
}

/** Multi-digit addition as text: "a+b=" -> the sum (exact match); `pad` / `reverse` as in {@link arithmeticTask}. */
export function additionTask(options: Omit<ArithmeticOptions, "ops"> = {}): LMTask {
  return arithmeticTask({ ...options, ops: ["+"] });
}

/** Options of the string tasks. */
export interface StringTaskOptions {
  /** Characters the strings are made of (default "abcd"). */
  letters?: string;
  /** String length (default 4). */
  length?: number;
}

/** "dbca:" -> the same letters sorted, "abcd" (exact match). */
export function sortTask(options: StringTaskOptions = {}): LMTask {
  const letters = checkLetters("sortTask", options.letters ?? "abcd", ":");
  const n = checkInt("sortTask", "length", options.length ?? 4, 1, 32);
  const sorted = (s: string) => [...s].sort().join("");
  return makeTask({
    name: `sort(${letters}, ${n})`,
    alphabet: letters + ":",
    maxPromptLength: n + 1,
    maxCompletionLength: n,
    example: (rng) => {
      let s = "";
      for (let i = 0; i < n; i++) s += letters[rng.integer(letters.length)];
      return { prompt: `${s}:`, completion: sorted(s) };
    },
    check: (p, c) => c === sorted(p.slice(0, -1)),
  });
}

/**
 * "abc|" -> any palindrome that starts with the prompt's letters and is at least twice as long
 * minus one ("abcba" and "abccba" both count): a property, not one answer.
 */
export function palindromeTask(options: StringTaskOptions = {}): LMTask {
  const letters = checkLetters("palindromeTask", options.letters ?? "abcd", "|");
  const n = checkInt("palindromeTask", "length", options.length ?? 3, 1, 16);
  return makeTask({
    name: `palindrome(${letters}, ${n})`,
    alphabet: letters + "|",
    maxPromptLength: n + 1,
    maxCompletionLength: 2 * n,
    example: (rng) => {
      let s = "";
      for (let i = 0; i < n; i++) s += letters[rng.integer(letters.length)];
      const rev = [...s].reverse().join("");
      return { prompt: `${s}|`, completion: rng.random() < 0.5 ? s + rev : s + rev.slice(1) };
    },
    check: (p, c) => {
      const s = p.slice(0, -1);
      return c.startsWith(s) && c.length >= 2 * s.length - 1 && c === [...c].reverse().join("");
    },
  });
}

/** "3a:" -> any string of `length` letters holding exactly 3 of "a" (a property, not one answer). */
export function charCountTask(options: StringTaskOptions & { char?: string } = {}): LMTask {
  const letters = checkLetters("charCountTask", options.letters ?? "abcd", ":0123456789");
  const n = checkInt("charCountTask", "length", options.length ?? 6, 1, 9);
  const ch = options.char ?? letters[0];
  if (!letters.includes(ch) || [...ch].length !== 1) throw new RangeError(`charCountTask: char must be one of the letters ${JSON.stringify(letters)}, got ${JSON.stringify(ch)}`);
  const others = letters.replace(ch, "");
  return makeTask({
    name: `count(${ch} in ${letters}, ${n})`,
    alphabet: "0123456789" + letters + ":",
    maxPromptLength: 3,
    maxCompletionLength: n,
    example: (rng) => {
      const k = rng.integer(n + 1);
      const chars = Array.from({ length: n }, (_, i) => (i < k ? ch : others[rng.integer(others.length)]));
      return { prompt: `${k}${ch}:`, completion: rng.shuffle(chars).join("") };
    },
    check: (p, c) => {
      const k = Number(p[0]);
      return c.length === n && [...c].every((x) => letters.includes(x)) && [...c].filter((x) => x === ch).length === k;
    },
  });
}

/** Options of {@link evaluateLM}. */
export interface EvaluateLMOptions {
  /** Prompts to evaluate on (default 200). */
  n?: number;
  /** Seed of the prompts and of sampling (default 12345, different from training seeds). */
  seed?: number;
  /** Sampling temperature (default 0: greedy). */
  temperature?: number;
  /** Prompts per generate() call (default 256). */
  batchSize?: number;
}

/** What {@link evaluateLM} measures. */
export interface LMEvaluation {
  /** Fraction of prompts whose completion earns reward 1. */
  accuracy: number;
  meanReward: number;
  /** Every prompt with its completion and reward. */
  samples: { prompt: string; completion: string; reward: number }[];
}

/** Generates a completion for `n` fresh prompts of `task` and scores them with its reward. */
export async function evaluateLM(lm: LanguageModel, task: RLTask, options: EvaluateLMOptions = {}): Promise<LMEvaluation> {
  const n = options.n ?? 200;
  const rng = new Rng(options.seed ?? 12345);
  const prompts = task.samplePrompts(n, rng);
  const batch = options.batchSize ?? 256;
  const gens: Generation[] = [];
  for (let i = 0; i < n; i += batch) {
    const part = prompts.slice(i, i + batch);
    const longest = Math.max(...part.map((p) => [...p].length)) + 1;
    const maxTokens = Math.min(task.maxCompletionTokens ?? lm.config.contextLength - longest, lm.config.contextLength - longest);
    gens.push(...(await lm.generate(part, { temperature: options.temperature ?? 0, rng, maxTokens })));
  }
  const completions = gens.map((g) => g.text);
  const rewards = await task.rewards(prompts, completions);
  const samples = prompts.map((prompt, i) => ({ prompt, completion: completions[i], reward: rewards[i] }));
  return { accuracy: rewards.filter((r) => r === 1).length / n, meanReward: rewards.reduce((a, b) => a + b, 0) / n, samples };
}
