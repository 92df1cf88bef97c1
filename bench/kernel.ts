/**
 * Kernel benchmark: rlbook beside tslab (the TypeScript kernel people use today), both driven
 * by the same zeromq client in the same run. Prints each figure with the ratio rlbook / tslab.
 */
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "../kernel/client.js";

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

async function measure(argv: string[]): Promise<KernelFigures> {
  const debug = (s: string) => process.env.RLBOOK_BENCH_DEBUG && console.error(s);
  const cwd = mkdtempSync(join(tmpdir(), "rlbook-bench-"));
  const client = await KernelClient.start({ argv, cwd, env: { ...process.env, RLBOOK_HISTORY: join(cwd, "history.jsonl") } });
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
    const cell200 = summary(await cellTimes(client, `${lines}\nacc`, 20));
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
    symlinkSync(new URL("../../node_modules", import.meta.url).pathname, join(cwd, "node_modules"));
    const imported = await client.execute('import * as tf from "@tensorflow/tfjs";', { idleTimeout: 120_000 });
    if (imported.reply.content.status !== "ok") throw new Error(`importing TensorFlow.js failed: ${JSON.stringify(imported.reply.content)}`);
    const onePlusOneWithTfjs = summary(await cellTimes(client, "1 + 1", 10));
    debug("tfjs done");
    return { startMs: client.startupMs!, rssStartMb, rssAfterCellMb, onePlusOne, cell200, floodDelivered: delivered, floodAfterIdle: afterIdle, onePlusOneWithTfjs };
  } finally {
    await client.shutdown();
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
  const cli = new URL("../cli.js", import.meta.url).pathname;
  const rlbook = await measure([process.execPath, cli, "kernel", "-f", "{connection_file}"]);
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
  console.log("\nkernel (rlbook vs tslab 1.0.22, same client, same run)");
  console.log(`${"figure".padEnd(34)}${"rlbook".padStart(12)}${"tslab".padStart(12)}${"ratio".padStart(9)}`);
  for (const [label, get, unit] of rows) {
    const a = get(rlbook);
    const b = tslab ? get(tslab) : NaN;
    const fmt = (v: number) => (Number.isNaN(v) ? "-" : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${unit}`);
    const ratio = tslab && b !== 0 ? (a / b).toFixed(2) : "-";
    console.log(`${label.padEnd(34)}${fmt(a).padStart(12)}${fmt(b).padStart(12)}${ratio.padStart(9)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchKernel();
