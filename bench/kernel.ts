/**
 * Kernel benchmark: rlbook beside Deno's kernel (`deno jupyter`) and tslab (the TypeScript
 * kernels people use today), all driven by the same zeromq client in the same run. Prints each
 * figure with the ratios rlbook / Deno and rlbook / tslab. Then a soak: the same N trivial cells
 * in rlbook and in Debian's ipykernel, memory and time per block, and growth per 1,000 cells.
 */
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { KernelClient } from "../kernel/client.js";
import { growthPer1000, RLBOOK_HEAP_PROBE, soak, type SoakBlock } from "../kernel/soak.js";
import { KERNEL_ENV, kernelArgv } from "../kernel/paths.js";

interface KernelFigures {
  startMs: number;
  rssStartMb: number;
  rssAfterCellMb: number;
  onePlusOne: { median: number; p95: number };
  cell200: { median: number; p95: number };
  floodDelivered: number;
  floodAfterIdle: number;
  /** 1+1 once a cell has imported TensorFlow.js, whose ~600 declaration files the type checker then holds. */
  onePlusOneWithTfjs: { median: number; p95: number };
}

const FLOOD = 100_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** A figure a kernel could not produce (e.g. Deno cannot import an npm package without the network) is NaN. */
async function orNaN<T>(label: string, work: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    console.error(`kernel bench: ${label}: ${(error as Error).message.slice(0, 200)}`);
    return fallback;
  }
}

/** Round-trip times of `runs` executions of `code`, after `warmUp` untimed ones. */
async function cellTimes(client: KernelClient, code: string, runs: number, warmUp = 3): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs + warmUp; i++) {
    const started = performance.now();
    const result = await client.execute(code);
    if (result.reply.content.status !== "ok") throw new Error(`benchmark cell failed: ${JSON.stringify(result.reply.content)}`);
    if (i >= warmUp) times.push(performance.now() - started);
  }
  return times;
}

const summary = (times: number[]) => ({ median: percentile(times, 0.5), p95: percentile(times, 0.95) });

const NONE = { median: NaN, p95: NaN };

async function measure(argv: string[], options: { tfjs: boolean; env?: Record<string, string> } = { tfjs: true }): Promise<KernelFigures> {
  const debug = (s: string) => process.env.RLBOOK_BENCH_DEBUG && console.error(s);
  const cwd = mkdtempSync(join(tmpdir(), "rlbook-bench-"));
  const client = await KernelClient.start({ argv, cwd, env: { ...process.env, ...options.env, RLBOOK_HISTORY: join(cwd, "history.jsonl") } });
  try {
    const pid = client.process!.pid!;
    const rssStartMb = rssMb(pid);
    debug("started");
    // RSS after the first 33 cells; then 70 more runs, for a steadier median.
    const firstRuns = await cellTimes(client, "1 + 1", 30);
    const rssAfterCellMb = rssMb(pid);
    const onePlusOne = summary([...firstRuns, ...(await cellTimes(client, "1 + 1", 70, 0))]);
    debug("1+1 done");
    const lines = Array.from({ length: 200 }, (_, i) => (i === 0 ? "let acc = 0;" : `acc = acc + ${i};`)).join("\n");
    const cell200 = await orNaN("200-line cell", async () => summary(await cellTimes(client, `${lines}\nacc`, 20)), NONE);
    debug("200 done");
    // Count the flood's lines that arrive before idle (what nbconvert keeps) and after it.
    let afterIdle = 0;
    let idle = false;
    const off = client.onIopub((m) => {
      if (idle && m.header.msg_type === "stream") afterIdle += String(m.content.text).split("\n").length - 1;
    });
    const flood = await client.execute(`for (let i = 0; i < ${FLOOD}; i++) console.log(i)`, { idleTimeout: 10_000 });
    idle = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    off();
    const delivered = flood.outputs.filter((m) => m.header.msg_type === "stream").reduce((n, m) => n + String(m.content.text).split("\n").length - 1, 0);
    // Now the notebook folder sees rlbook's node_modules (not before: tslab would load every @types
    // package there at start), so both kernels can import TensorFlow.js.
    let onePlusOneWithTfjs = NONE;
    if (options.tfjs) {
      symlinkSync(new URL("../../node_modules", import.meta.url).pathname, join(cwd, "node_modules"));
      const imported = await client.execute('import * as tf from "@tensorflow/tfjs";', { idleTimeout: 120_000 });
      if (imported.reply.content.status !== "ok") throw new Error(`importing TensorFlow.js failed: ${JSON.stringify(imported.reply.content)}`);
      onePlusOneWithTfjs = summary(await cellTimes(client, "1 + 1", 10));
    }
    debug("tfjs done");
    return { startMs: client.startupMs!, rssStartMb, rssAfterCellMb, onePlusOne, cell200, floodDelivered: delivered, floodAfterIdle: afterIdle, onePlusOneWithTfjs };
  } finally {
    await client.shutdown();
  }
}

/** Deno's binary, from the npm package `deno` (a devDependency). */
function denoBinary(): string | undefined {
  const bin = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
  return existsSync(bin) ? bin : undefined;
}

// Long enough that growth of ~1 MB per 1,000 cells stands out of the collectors' swings (a few MB):
// over 2,000 cells the slope of either kernel moves by up to +-1 MB per 1,000 from run to run.
const SOAK_CELLS = Number(process.env.RLBOOK_SOAK_CELLS ?? 10000);
const SOAK_BLOCK = 500;

/**
 * The same N trivial cells (each declares a new name) in a kernel; blocks of 500. After each block
 * the kernel runs a full collection (rlbook's heap probe, Python's gc.collect()) and the resident
 * memory is read again half a second later: what both kernels hold, not where their collectors'
 * cycles happen to be.
 */
async function soakKernel(argv: string[], cell: (i: number) => string, probes: { heapProbe?: string; collectProbe?: string }, env: Record<string, string> = {}): Promise<SoakBlock[]> {
  const cwd = mkdtempSync(join(tmpdir(), "rlbook-soak-"));
  const client = await KernelClient.start({ argv, cwd, env: { ...process.env, ...env, RLBOOK_HISTORY: join(cwd, "history.jsonl"), IPYTHONDIR: join(cwd, ".ipython") } });
  try {
    const rss = rssMb(client.process!.pid!);
    const start = { cells: 0, msPerCell: NaN, rssMb: rss, heapMb: NaN, rssAfterGcMb: rss, peakCommittedMb: NaN };
    return [start, ...(await soak(client, { cell, cells: SOAK_CELLS, block: SOAK_BLOCK, ...probes, settleMs: 500 }))];
  } finally {
    await client.shutdown();
  }
}

export async function benchSoak(): Promise<void> {
  const rlbook = await soakKernel(kernelArgv(), (i) => `const v${i} = ${i};`, { heapProbe: RLBOOK_HEAP_PROBE }, KERNEL_ENV);
  const python = "/usr/bin/python3";
  const ipykernel = existsSync(python)
    ? await orNaN("ipykernel", () => soakKernel([python, "-m", "ipykernel_launcher", "-f", "{connection_file}"], (i) => `v${i} = ${i}`, { collectProbe: "import gc; gc.collect()" }), undefined)
    : undefined;
  if (!ipykernel) console.log("soak: Debian's python3-ipykernel is not installed (apt-get install python3-ipykernel); rlbook figures only");
  console.log(`\nsoak: ${SOAK_CELLS} cells, each declaring a new name (rlbook \`const vN = N;\`, ipykernel \`vN = N\`), same client, same run`);
  console.log(`${"cells".padEnd(8)}${"rlbook ms/cell".padStart(16)}${"ipykernel".padStart(12)}${"ratio".padStart(8)}${"rlbook RSS*".padStart(13)}${"ipykernel".padStart(12)}${"ratio".padStart(8)}${"rlbook heap".padStart(13)}`);
  rlbook.forEach((r, i) => {
    const p = ipykernel?.[i];
    const ratio = (a: number, b: number | undefined) => (b && Number.isFinite(a / b) ? (a / b).toFixed(2) : "-");
    const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "-" : v.toFixed(2));
    const mb = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "-" : `${v.toFixed(0)} MB`);
    console.log(`${String(r.cells).padEnd(8)}${ms(r.msPerCell).padStart(16)}${ms(p?.msPerCell).padStart(12)}${ratio(r.msPerCell, p?.msPerCell).padStart(8)}${mb(r.rssAfterGcMb).padStart(13)}${mb(p?.rssAfterGcMb).padStart(12)}${ratio(r.rssAfterGcMb, p?.rssAfterGcMb).padStart(8)}${mb(r.heapMb).padStart(13)}`);
  });
  console.log("* RSS: the kernel process's resident memory after a full collection and 0.5 s (what it holds, not its garbage)");
  // Growth per 1,000 cells: the least-squares slope over the blocks from a window's start to the
  // end. Two windows: from cell 1,000 (rlbook's type checker and V8's caches warm up over the first
  // ~1,000 cells: +18 MB from cell 500 to 1,000, measured) and the second half.
  const row = (label: string, get: (b: SoakBlock) => number, unit: string, from: number) => {
    const a = growthPer1000(rlbook, get, from);
    const b = ipykernel ? growthPer1000(ipykernel, get, from) : NaN;
    const ratio = Number.isFinite(a / b) && Math.abs(b) > 1e-9 ? (a / b).toFixed(2) : "-";
    const fmt = (v: number) => (Number.isNaN(v) ? "-" : `${v.toFixed(2)} ${unit}`);
    console.log(`${label.padEnd(48)}${fmt(a).padStart(14)}${fmt(b).padStart(14)}${ratio.padStart(8)}`);
  };
  const half = Math.ceil(SOAK_CELLS / 2 / SOAK_BLOCK) * SOAK_BLOCK;
  for (const [window, from] of [[`cells 1000-${SOAK_CELLS}`, 1000], [`cells ${half}-${SOAK_CELLS}`, half]] as const) {
    console.log(`${`growth per 1,000 cells, ${window}`.padEnd(48)}${"rlbook".padStart(14)}${"ipykernel".padStart(14)}${"ratio".padStart(8)}`);
    row("RSS after a full collection (the goal's figure)", (b) => b.rssAfterGcMb, "MB", from);
    row("RSS as the block ended", (b) => b.rssMb, "MB", from);
    row("time per cell", (b) => b.msPerCell, "ms", from);
    row("executor heap (after a full GC)", (b) => b.heapMb, "MB", from);
  }
}

export async function benchKernel(): Promise<void> {
  const require = createRequire(import.meta.url);
  let tslabBin: string | undefined;
  try {
    tslabBin = join(require.resolve("tslab/package.json"), "..", "bin", "tslab");
  } catch {
    console.log("kernel: tslab is not installed (npm ci installs it as a devDependency); rlbook figures only");
  }
  const rlbook = await measure(kernelArgv(), { tfjs: true, env: KERNEL_ENV });
  const deno = denoBinary();
  if (!deno) console.log("kernel: the npm package deno is not installed (npm ci installs it as a devDependency); no Deno column");
  const denoFigures = deno ? await measure([deno, "jupyter", "--kernel", "--conn", "{connection_file}"], { tfjs: false }) : undefined;
  const tslab = tslabBin ? await measure([process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"]) : undefined;
  const rows: [string, (f: KernelFigures) => number, string][] = [
    ["start to kernel_info_reply", (f) => f.startMs, "ms"],
    ["1+1 round trip, median", (f) => f.onePlusOne.median, "ms"],
    ["1+1 round trip, p95", (f) => f.onePlusOne.p95, "ms"],
    ["200-line cell, median", (f) => f.cell200.median, "ms"],
    ["RSS after start", (f) => f.rssStartMb, "MB"],
    ["RSS after the first cells", (f) => f.rssAfterCellMb, "MB"],
    [`flood: lines of ${FLOOD} before idle`, (f) => f.floodDelivered, "lines"],
    [`flood: lines after idle`, (f) => f.floodAfterIdle, "lines"],
    [`flood: lines lost`, (f) => FLOOD - f.floodDelivered - f.floodAfterIdle, "lines"],
    ["1+1 with TensorFlow.js imported", (f) => f.onePlusOneWithTfjs.median, "ms"],
  ];
  console.log("\nkernel (rlbook vs Deno 2 (deno jupyter) and tslab 1.0.22, same client, same run)");
  console.log(`${"figure".padEnd(34)}${"rlbook".padStart(12)}${"Deno".padStart(12)}${"ratio".padStart(8)}${"tslab".padStart(12)}${"ratio".padStart(8)}`);
  for (const [label, get, unit] of rows) {
    const a = get(rlbook);
    const fmt = (v: number) => (Number.isNaN(v) ? "-" : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${unit}`);
    const ratio = (other: KernelFigures | undefined) => {
      const b = other ? get(other) : NaN;
      return Number.isFinite(a / b) ? (a / b).toFixed(2) : "-";
    };
    console.log(`${label.padEnd(34)}${fmt(a).padStart(12)}${fmt(denoFigures ? get(denoFigures) : NaN).padStart(12)}${ratio(denoFigures).padStart(8)}${fmt(tslab ? get(tslab) : NaN).padStart(12)}${ratio(tslab).padStart(8)}`);
  }
  await benchSoak();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKernel();
