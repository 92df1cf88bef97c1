/**
 * Plot benchmark, each figure beside a baseline measured in the same run:
 * - render time per chart size (1k, 10k, 100k points): building the spec, Vega-Lite -> SVG,
 *   SVG -> 2x PNG, for a line chart and a scatter plot; ratios against the 1k chart;
 * - the live learning curve's cost on a PPO CartPole run in a real rlbook kernel: the same
 *   seeded run with and without `liveTraining`, alternated, as a ratio of wall times; and the
 *   redraws' own time on the kernel thread as a share of the run.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "../kernel/client.js";
import { lineChart, scatter } from "../src/plot/builders.js";
import { renderSVG, rasterize, type Chart } from "../src/plot/chart.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeRender(make: () => Chart, reps: number) {
  const build: number[] = [];
  const svg: number[] = [];
  const png: number[] = [];
  let bytes = 0;
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    const chart = make();
    build.push(performance.now() - t);
    t = performance.now();
    const s = await renderSVG(chart.spec);
    svg.push(performance.now() - t);
    t = performance.now();
    const p = await rasterize(s, 2);
    png.push(performance.now() - t);
    bytes = p.png.byteLength;
  }
  return { build: median(build), svg: median(svg), png: median(png), bytes };
}

async function benchRender(): Promise<void> {
  // Warm up the lazily loaded renderer (vega, vega-lite, resvg) outside the measurements.
  await renderSVG(lineChart([{ x: 0, y: 0 }], { x: "x", y: "y" }).spec);
  console.log("render time per chart size (median; ratio to the 1k-point chart of the same kind)");
  console.log("  chart        points   build ms   svg ms    png ms   total ms   ratio   png kB");
  for (const [kind, make] of [
    ["lineChart", (n: number) => lineChart(Array.from({ length: n }, (_, i) => ({ step: i, value: Math.sin(i / 50) + 0.1 * Math.cos(i * 7.1), series: `s${i % 4}` })), { x: "step", y: "value", color: "series" })],
    ["scatter", (n: number) => scatter(Array.from({ length: n }, (_, i) => ({ a: Math.sin(i * 12.9898) * 43758.5453 % 1, b: Math.cos(i * 78.233) * 12345.678 % 1 })), { x: "a", y: "b" })],
  ] as const) {
    let base = 0;
    for (const n of [1_000, 10_000, 100_000]) {
      const r = await timeRender(() => make(n), n >= 100_000 ? 1 : 3);
      const total = r.build + r.svg + r.png;
      if (n === 1_000) base = total;
      console.log(`  ${kind.padEnd(11)} ${String(n).padStart(7)} ${r.build.toFixed(1).padStart(9)} ${r.svg.toFixed(0).padStart(8)} ${r.png.toFixed(0).padStart(9)} ${total.toFixed(0).padStart(10)} ${(total / base).toFixed(1).padStart(7)}x ${(r.bytes / 1024).toFixed(0).padStart(7)}`);
    }
  }
}

const TRAIN_CELL = (live: boolean, steps: number) => `
await (async () => {
  const a = new PPO(make("CartPole-v1", { numEnvs: 16 }), { ...PPO_PRESETS["CartPole-v1/fast"].config, seed: 11 });
  const t0 = performance.now();
  let chart: LiveChart<MetricRecord> | undefined;
  ${live ? `chart = liveLearningCurve<MetricRecord>({ title: "bench" });
  const history = await train(a, { steps: ${steps}, callbacks: chart.callback });
  await chart.close();` : `const history = await train(a, { steps: ${steps} });`}
  const wall = performance.now() - t0;
  a.dispose();
  console.log(JSON.stringify({ wall, records: history.length, updates: chart?.updates ?? 0, drawMs: chart?.drawMs ?? 0 }));
})();`;

async function benchLive(): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), "rlbook-bench-plot-"));
  const client = await KernelClient.start({
    cwd,
    argv: [process.execPath, new URL("../cli.js", import.meta.url).pathname, "kernel", "-f", "{connection_file}"],
    env: { ...process.env, RLBOOK_HISTORY: join(cwd, ".history.jsonl") },
  });
  try {
    const setup = await client.execute(`import { make, PPO, PPO_PRESETS, train, backend, liveLearningCurve, LiveChart, type MetricRecord } from "rlbook";\nawait backend("wasm");`);
    if (setup.reply.content.status !== "ok") throw new Error(JSON.stringify(setup.reply.content));
    const steps = 30_000;
    const run = async (live: boolean) => {
      const r = await client.execute(TRAIN_CELL(live, steps));
      if (r.reply.content.status !== "ok") throw new Error(JSON.stringify(r.reply.content));
      const out = r.outputs.filter((m) => m.header.msg_type === "stream").map((m) => String(m.content.text)).join("");
      const figures = JSON.parse(out.trim().split("\n").pop()!) as { wall: number; records: number; updates: number; drawMs: number };
      return { ...figures, messages: r.outputs.filter((m) => m.header.msg_type === "update_display_data").length };
    };
    await run(false); // warm-up: tfjs kernels, first compile of the cell
    const plain: number[] = [];
    const withLive: number[] = [];
    let last = { wall: 0, records: 0, updates: 0, drawMs: 0, messages: 0 };
    for (let i = 0; i < 3; i++) {
      plain.push((await run(false)).wall);
      last = await run(true);
      withLive.push(last.wall);
    }
    const p = median(plain);
    const l = median(withLive);
    console.log(`live learning curve on PPO CartPole-v1 (${steps} steps, 16 envs, fast preset) in an rlbook kernel, 3 alternated runs each`);
    console.log(`  without live curve: median ${(p / 1000).toFixed(2)} s  (runs ${plain.map((t) => (t / 1000).toFixed(2)).join(", ")})`);
    console.log(`  with live curve:    median ${(l / 1000).toFixed(2)} s  (runs ${withLive.map((t) => (t / 1000).toFixed(2)).join(", ")})`);
    console.log(`  ratio with / without: ${(l / p).toFixed(3)}  (goal: < 1.05)`);
    console.log(`  last live run: ${last.records} records, ${last.updates} redraws (${last.messages} update_display_data), redraw time on the kernel thread ${last.drawMs.toFixed(0)} ms = ${((100 * last.drawMs) / last.wall).toFixed(2)}% of the run`);
  } finally {
    await client.shutdown();
  }
}

export async function benchPlot(): Promise<void> {
  await benchRender();
  await benchLive();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPlot();
