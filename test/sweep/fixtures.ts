/**
 * Objectives referenced by path from the sweep tests (they run in worker processes, threads,
 * or after a resume). Importing this module does nothing else.
 */
import type { Config, TrialContext } from "../../src/sweep/index.js";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res, rej) => {
    const t = setTimeout(res, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), rej(signal.reason)), { once: true });
  });

/** A known 4-parameter function (minimum 0 at x=1.2, y=-0.7, lr=10^-2.5, n=40). */
export function bowl(c: Config): number {
  const x = c.x as number;
  const y = c.y as number;
  const lr = c.lr as number;
  const n = c.n as number;
  return (x - 1.2) ** 2 + (y + 0.7) ** 2 + (Math.log10(lr) + 2.5) ** 2 + ((n - 40) / 16) ** 2;
}

/** Sleeps `config.ms` in 3 reported steps; returns the value and where and when it ran. */
export async function timed(config: Config, ctx: TrialContext): Promise<Record<string, unknown>> {
  const start = Date.now();
  const ms = (config.ms as number) ?? 300;
  for (let s = 1; s <= 3; s++) {
    await sleep(ms / 3, ctx.signal);
    await ctx.report((config.q as number) * s, s);
  }
  return { value: (config.q as number) * 3, start, end: Date.now(), pid: process.pid };
}

/** value = q * step reported at steps 1..8, returns q * 8: a trial's quality is q. */
export async function linear(config: Config, ctx: TrialContext): Promise<number> {
  for (let s = 1; s <= 8; s++) await ctx.report((config.q as number) * s, s);
  return (config.q as number) * 8;
}

/** Throws for config.fail; used to check failures are recorded with their message. */
export async function failing(config: Config): Promise<number> {
  if (config.fail) throw new Error(`bad config ${JSON.stringify(config)}`);
  return 1;
}
