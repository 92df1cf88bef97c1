/**
 * Objectives that return or report non-numbers, referenced by path from nan.test.ts (they run
 * inline and in worker processes and threads). Importing this module does nothing else.
 */
import type { Config, ObjectiveResult, TrialContext } from "../../src/sweep/index.js";

/** q=1: 1; q=2: NaN; q=3: {value: Infinity}; q=4: "abc" (not a number). */
export async function badResults(config: Config): Promise<ObjectiveResult> {
  const q = config.q as number;
  if (q === 2) return NaN;
  if (q === 3) return { value: Infinity, note: "diverged" };
  if (q === 4) return "abc" as unknown as number; // what an untyped (JavaScript) objective may return
  return q;
}

/** Always NaN. */
export function alwaysNaN(): number {
  return NaN;
}

/** Reports q * step at steps 1..4, except NaN at step 2 when q = 2; returns q * 4. */
export async function nanReport(config: Config, ctx: TrialContext): Promise<number> {
  const q = config.q as number;
  for (let s = 1; s <= 4; s++) await ctx.report(q === 2 && s === 2 ? NaN : q * s, s);
  return q * 4;
}
