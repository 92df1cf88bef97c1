/** Every builder's spec compiles with vega-lite 5 without warnings and renders a non-blank PNG of the declared size. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, type TopLevelSpec } from "vega-lite";
import { displaySymbol } from "../../src/display.js";
import { Chart, VEGA_LITE_MIME, VEGA_LITE_SCHEMA, svgSize } from "../../src/plot/chart.js";
import { learningCurve, lineChart, scatter, histogram, heatmap, barChart, parallelCoordinates, grid, smoothEMA, meanStdBand } from "../../src/plot/builders.js";
import { decodePNG, inkFraction, countColor } from "./png.js";

const TABLEAU_BLUE = "#4c78a8";

/** A PPO-like history: noisy returns rising with step, NaN where no episode ended. */
function history(seed: number, n = 60) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => ({
    step: (i + 1) * 512,
    iteration: i,
    episodeReturn: i % 7 === 3 ? NaN : 20 + 4 * i + 20 * rnd(),
    policyLoss: -0.01 * rnd(),
    valueLoss: 50 / (i + 1) + rnd(),
    entropy: 0.69 - 0.004 * i,
  }));
}

function compileClean(spec: TopLevelSpec): void {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    error: (...a: unknown[]) => (warnings.push(`error ${a.join(" ")}`), logger),
    warn: (...a: unknown[]) => (warnings.push(`warn ${a.join(" ")}`), logger),
    info: () => logger,
    debug: () => logger,
  };
  compile(spec, { logger: logger as never });
  assert.deepEqual(warnings, [], "vega-lite compiles the spec without warnings");
}

/** Displays the chart as the kernel would and checks the bundle and its PNG. */
async function checkRendered(chart: Chart, declared?: { width: number; height: number }, color = TABLEAU_BLUE) {
  const spec = chart.spec as unknown as Record<string, unknown>;
  assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
  compileClean(chart.spec);
  const result = (await chart[displaySymbol]()) as { data: Record<string, unknown>; metadata: Record<string, Record<string, number>> };
  assert.deepEqual(Object.keys(result.data).sort(), ["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
  assert.equal(result.data[VEGA_LITE_MIME], chart.spec);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(result.data[VEGA_LITE_MIME])));
  assert.ok(!JSON.stringify(chart.spec).includes("NaN"));
  const { width, height } = result.metadata["image/png"];
  if (declared) assert.deepEqual({ width, height }, declared, "the chart is the size it declares");
  const img = decodePNG(Buffer.from(result.data["image/png"] as string, "base64"));
  assert.equal(img.width, 2 * width, "the PNG is a 2x image");
  assert.equal(img.height, 2 * height);
  const ink = inkFraction(img);
  assert.ok(ink > 0.01, `pixels are drawn (${(ink * 100).toFixed(2)}% ink)`);
  assert.ok(countColor(img, color) > 200, `the marks are drawn in ${color}`);
  // A title is drawn on the canvas: render a copy with a magenta title and look for it.
  if (spec.title) {
    const marked = new Chart({ ...spec, config: { ...(spec.config as object), title: { color: "#ff00ff" } } } as unknown as TopLevelSpec);
    const titled = decodePNG(await marked.toPNG(1));
    assert.ok(countColor(titled, "#ff00ff", 40) > 8, `the title "${spec.title}" is visible`);
  }
  // The SVG is the same picture at 1x.
  const svg = await chart.toSVG();
  assert.deepEqual(svgSize(svg), { width, height });
  return { spec, img, svg };
}

test("learningCurve: one line per run, with smoothing and the raw values behind", async () => {
  const chart = learningCurve({ seed0: history(1), seed1: history(2) }, { smooth: 0.6, width: 500, height: 280, title: "PPO on CartPole" });
  const { spec } = await checkRendered(chart, { width: 500, height: 280 });
  const values = (spec.data as { values: Record<string, unknown>[] }).values;
  assert.deepEqual([...new Set(values.map((v) => v.run))], ["seed0", "seed1"]);
  // NaN returns are skipped: 60 records, 9 without an episode (i % 7 === 3), per run.
  assert.equal(values.length, 2 * (60 - 9));
  const run0 = values.filter((v) => v.run === "seed0");
  const raw0 = history(1).filter((r) => Number.isFinite(r.episodeReturn)).map((r) => r.episodeReturn);
  assert.deepEqual(run0.map((v) => v.raw), raw0);
  assert.deepEqual(run0.map((v) => v.y), smoothEMA(raw0, 0.6));
  assert.equal((spec.layer as unknown[]).length, 2, "raw and smoothed layers");
});

test("learningCurve: mean and std band over runs, per series", async () => {
  const runs = [0, 1, 2].flatMap((seed) => [
    ...history(seed).map((r) => ({ ...r, seed, algo: "PPO" })),
    ...history(seed + 10).map((r) => ({ ...r, seed, algo: "A2C", episodeReturn: r.episodeReturn / 2 })),
  ]);
  const chart = learningCurve(runs, { color: "algo", run: "seed", band: true, points: 50 });
  const { spec } = await checkRendered(chart, { width: 480, height: 300 });
  const values = (spec.data as { values: Record<string, number | string>[] }).values;
  assert.equal(values.length, 100);
  assert.ok(values.every((v) => v.n === 3), "each point averages the three seeds");
  assert.ok(values.every((v) => (v.lo as number) <= (v.y as number) && (v.y as number) <= (v.hi as number)));
  // Exact values on a case computed by hand: y = x and y = x + 2 -> mean x + 1, std 1.
  const band = meanStdBand([{ x: [0, 10], y: [0, 10] }, { x: [0, 5, 10], y: [2, 7, 12] }], 3);
  assert.deepEqual(band, [
    { x: 0, mean: 1, std: 1, n: 2 },
    { x: 5, mean: 6, std: 1, n: 2 },
    { x: 10, mean: 11, std: 1, n: 2 },
  ]);
  // Only the range every run covers is averaged.
  assert.deepEqual(meanStdBand([{ x: [0, 10], y: [0, 0] }, { x: [5, 20], y: [1, 1] }], 2).map((p) => p.x), [5, 10]);
});

test("learningCurve: more than 10 series use a 20-colour scheme; unknown fields are named", () => {
  const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`run${i}`, history(i, 10)]));
  const spec = learningCurve(many).spec as unknown as { layer: { encoding: { color: { scale: { scheme: string } } } }[] };
  assert.equal(spec.layer[0].encoding.color.scale.scheme, "tableau20");
  const few = learningCurve({ a: history(1, 10) }).spec as unknown as typeof spec;
  assert.equal(few.layer[0].encoding.color.scale.scheme, "tableau10");
  assert.throws(() => learningCurve(history(1), { y: "reward" }), /no field "reward".*episodeReturn/);
  assert.throws(() => learningCurve(history(1), { smooth: 1 }), /smooth must be in \[0, 1\)/);
});

test("lineChart: several y fields become series; facets are panels of their own size", async () => {
  const h = history(3);
  const chart = lineChart(h, { x: "step", y: ["valueLoss", "entropy"], logY: true, title: "losses" });
  const { spec } = await checkRendered(chart, { width: 480, height: 300 });
  const values = (spec.data as { values: { series: string }[] }).values;
  assert.deepEqual([...new Set(values.map((v) => v.series))], ["valueLoss", "entropy"]);
  const faceted = lineChart(
    [1, 2, 3].flatMap((seed) => history(seed, 20).map((r) => ({ ...r, seed }))),
    { x: "step", y: "entropy", facet: { field: "seed", columns: 3 }, width: 200, height: 150 },
  );
  const f = await checkRendered(faceted);
  assert.equal((f.spec.spec as { width: number }).width, 200);
  assert.ok(f.img.width > 2 * 3 * 200, "three panels side by side");
});

test("scatter, histogram, barChart", async () => {
  const trials = Array.from({ length: 40 }, (_, i) => ({ lr: 1e-4 * (1 + i), clip: 0.1 + (i % 4) * 0.1, finalReturn: 100 + 300 * Math.sin(i / 7) ** 2 }));
  await checkRendered(scatter(trials, { x: "lr", y: "finalReturn", size: "clip", width: 400, height: 260 }), { width: 400, height: 260 });
  const returns = Array.from({ length: 500 }, (_, i) => 200 + 100 * Math.sin(i * 12.9898) * Math.cos(i * 0.7));
  const hist = histogram(returns, { bins: 20, xTitle: "episode return" });
  const { spec } = await checkRendered(hist, { width: 480, height: 300 });
  assert.equal((spec.data as { values: unknown[] }).values.length, 500);
  // Overlaid groups are drawn at opacity 0.55: tableau blue over white.
  await checkRendered(histogram(trials, { field: "finalReturn", color: "clip" }), undefined, "#9db5cf");
  const evals = [
    { algo: "PPO", mean: 480, std: 30 },
    { algo: "A2C", mean: 310, std: 90 },
    { algo: "DQN", mean: 220, std: 60 },
  ];
  const bars = await checkRendered(barChart(evals, { x: "algo", y: "mean", error: "std", height: 240 }), { width: 480, height: 240 });
  assert.deepEqual((bars.spec.data as { values: { lo: number; hi: number }[] }).values.map((v) => [v.lo, v.hi]), [[450, 510], [220, 400], [160, 280]]);
  await checkRendered(barChart(trials.slice(0, 8), { x: "clip", y: "finalReturn", color: "lr" }));
});

test("heatmap: a Q-table from rows, a flat array with a shape, and records", async () => {
  const q = [
    [0.1, 0.5, -0.2, 0.9],
    [0.3, 0.2, 0.0, -0.4],
    [0.8, -0.1, 0.6, 0.2],
  ];
  const chart = heatmap(q, { xLabels: ["left", "down", "right", "up"], yTitle: "state", xTitle: "action", title: "Q-values" });
  const { spec } = await checkRendered(chart, { width: 480, height: 300 }, "#440154"); // viridis' dark end
  const values = (spec.data as { values: { x: string; y: string; v: number }[] }).values;
  assert.equal(values.length, 12);
  assert.deepEqual(values.find((v) => v.x === "up" && v.y === "0"), { x: "up", y: "0", v: 0.9 });
  const flat = heatmap({ data: Float32Array.from({ length: 81 }, (_, i) => i % 9), shape: [9, 9] }, { annotate: false });
  await checkRendered(flat, undefined, "#440154");
  assert.throws(() => heatmap({ data: [1, 2, 3], shape: [2, 2] }), /shape \[2,2\] does not match 3 values/);
  const visits = Array.from({ length: 25 }, (_, i) => ({ col: i % 5, row: Math.floor(i / 5), count: i * i }));
  await checkRendered(heatmap(visits, { x: "col", y: "row", value: "count" }), undefined, "#440154");
});

test("parallelCoordinates: each dimension scaled to its range; grid lays charts out", async () => {
  const trials = Array.from({ length: 30 }, (_, i) => ({ lr: 10 ** (-5 + (i % 10) / 4), gamma: 0.9 + (i % 7) / 70, nSteps: 2 ** (5 + (i % 4)), finalReturn: 50 + i * 15 }));
  const chart = parallelCoordinates(trials, { dimensions: ["lr", "gamma", "nSteps", "finalReturn"], color: "finalReturn", colorType: "quantitative" });
  const { spec } = await checkRendered(chart, { width: 480, height: 300 }, "#777777");
  const values = (spec.data as { values: { dim: string; v: number; raw: number }[] }).values;
  for (const dim of ["lr", "gamma", "nSteps", "finalReturn"]) {
    const vs = values.filter((v) => v.dim === dim).map((v) => v.v);
    assert.equal(Math.min(...vs), 0);
    assert.equal(Math.max(...vs), 1);
  }
  const h = history(4);
  const both = grid({ returns: learningCurve(h), entropy: lineChart(h, { x: "step", y: "entropy" }) }, { columns: 2 });
  const g = await checkRendered(both);
  assert.ok(g.img.width > 2 * 2 * 400, "two charts side by side");
});
