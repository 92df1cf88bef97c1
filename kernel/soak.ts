/**
 * A soak run over the real protocol: N cells back to back, with the kernel's resident memory,
 * the executor's heap and the time per cell measured after every block. The soak test and
 * `npm run bench` use it to show that memory and per-cell time stay flat over a long session.
 */
import { readFileSync } from "node:fs";
import type { KernelClient } from "./client.js";

export interface SoakBlock {
  /** Cells run so far (at the end of this block). */
  cells: number;
  /** Milliseconds per cell in this block (round trip to execute_reply and idle). */
  msPerCell: number;
  /** Resident memory of the kernel process (all its threads), MB. */
  rssMb: number;
  /** The executor's V8 heap in use, MB, or NaN for a kernel that cannot report it. */
  heapMb: number;
  /** Resident memory of the kernel process after the heap probe's (or collect probe's) full collection and `settleMs`, MB; equals rssMb without a probe. */
  rssAfterGcMb: number;
  /** The most the executor's heap held (committed, garbage included) at any sample in this block, MB; NaN without `committedProbe`. */
  peakCommittedMb: number;
}

/** Resident memory of a process, MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

export interface SoakOptions {
  /** The code of cell `i` (0-based). */
  cell: (i: number) => string;
  cells: number;
  block: number;
  /** Code whose result's text/plain is the executor's heap in bytes (run unstored, between blocks); omitted: heap not measured. */
  heapProbe?: string;
  /** Code whose result's text/plain is the executor's committed heap in bytes, without collecting (run unstored every `sampleEvery` cells). */
  committedProbe?: string;
  sampleEvery?: number;
  /** Code that runs a full collection (run unstored after each block) in a kernel without a heap probe, e.g. Python's `gc.collect()`. */
  collectProbe?: string;
  /** Milliseconds to wait after a block's collection before reading the resident memory again (the allocator returns emptied pages in the background). */
  settleMs?: number;
}

export async function soak(client: KernelClient, options: SoakOptions): Promise<SoakBlock[]> {
  const pid = client.process!.pid!;
  const blocks: SoakBlock[] = [];
  for (let done = 0; done < options.cells; ) {
    const size = Math.min(options.block, options.cells - done);
    let elapsed = 0;
    let peakCommittedMb = NaN;
    for (let i = 0; i < size; i++) {
      const started = performance.now();
      const result = await client.execute(options.cell(done + i));
      elapsed += performance.now() - started;
      if (result.reply.content.status !== "ok") throw new Error(`soak cell ${done + i} failed: ${JSON.stringify(result.reply.content)}`);
      if (options.committedProbe && (i + 1) % (options.sampleEvery ?? 20) === 0) peakCommittedMb = Math.max(await heapMb(client, options.committedProbe), Number.isNaN(peakCommittedMb) ? 0 : peakCommittedMb);
    }
    const msPerCell = elapsed / size;
    done += size;
    const rss = rssMb(pid);
    const heap = options.heapProbe ? await heapMb(client, options.heapProbe) : NaN;
    if (!options.heapProbe && options.collectProbe) await client.execute(options.collectProbe, { storeHistory: false });
    if (options.settleMs) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    blocks.push({ cells: done, msPerCell, rssMb: rss, heapMb: heap, rssAfterGcMb: options.heapProbe || options.collectProbe ? rssMb(pid) : rss, peakCommittedMb });
  }
  return blocks;
}

/**
 * Growth of `get` per 1,000 cells: the least-squares slope over the blocks that end at or after
 * cell `from` (NaN with fewer than two). A slope over many blocks, not the difference of two,
 * so that where a block ends in the allocator's and collector's cycles does not decide it.
 */
export function growthPer1000(blocks: readonly SoakBlock[], get: (b: SoakBlock) => number, from: number): number {
  const xs = blocks.filter((b) => b.cells >= from && Number.isFinite(get(b)));
  if (xs.length < 2) return NaN;
  const mx = xs.reduce((s, b) => s + b.cells, 0) / xs.length;
  const my = xs.reduce((s, b) => s + get(b), 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const b of xs) {
    num += (b.cells - mx) * (get(b) - my);
    den += (b.cells - mx) ** 2;
  }
  return (num / den) * 1000;
}

async function heapMb(client: KernelClient, probe: string): Promise<number> {
  const result = await client.execute(probe, { storeHistory: false });
  const message = result.outputs.find((m) => m.header.msg_type === "execute_result");
  const text = message ? String((message.content.data as Record<string, unknown>)["text/plain"]) : "";
  return Number(text.replace(/[^\d.]/g, "")) / 2 ** 20;
}

/** rlbook's probe: the executor's heap after a full collection (the kernel exposes gc to cells only for this). */
export const RLBOOK_HEAP_PROBE = 'require("v8").setFlagsFromString("--expose-gc"); require("vm").runInNewContext("gc")(); process.memoryUsage().heapUsed';

/** rlbook's probe of the executor's committed heap (what V8 holds, garbage included), without collecting. */
export const RLBOOK_COMMITTED_PROBE = 'require("v8").getHeapStatistics().total_heap_size';
