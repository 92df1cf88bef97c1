/**
 * Vega-Lite 5 spec builders for the charts RL work needs. Each returns a {@link Chart} whose
 * spec carries its data inline, with compact generic field names (x, y, series, ...) and axis
 * titles naming the caller's fields, so any field name (dots included) is safe.
 *
 * Sizes: `width`/`height` are the whole chart's size in CSS pixels (axes, legend and title
 * included; Vega-Lite's autosize "fit"). In a faceted chart they are each panel's size.
 * More than 10 series switch the colour scheme from tableau10 to tableau20.
 */
import type { TopLevelSpec } from "vega-lite";
import { Chart, VEGA_LITE_SCHEMA } from "./chart.js";

/** One record: a row of a table. */
export type Row = Record<string, unknown>;
/** Anything with `toRecords()` (a nodejs-polars DataFrame). */
export interface DataFrameLike {
  readonly columns: string[];
  toRecords(): Row[];
}
/** Tabular input: records or a data frame. */
export type Rows = readonly Row[] | DataFrameLike;

/** Options every builder takes. */
export interface ChartOptions {
  title?: string;
  /** Whole-chart width in CSS pixels (a panel's width when faceted). */
  width?: number;
  /** Whole-chart height in CSS pixels (a panel's height when faceted). */
  height?: number;
  /** Small multiples: one panel per value of this field (in a grid of `columns`). */
  facet?: string | { field: string; columns?: number };
}

const DEFAULT_SIZE = { width: 480, height: 300 };
const DEFAULT_PANEL = { width: 260, height: 180 };

export function isDataFrameLike(x: unknown): x is DataFrameLike {
  return !!x && typeof x === "object" && typeof (x as DataFrameLike).toRecords === "function" && Array.isArray((x as DataFrameLike).columns);
}

/** Records of any tabular input. */
export function rowsOf(data: Rows): Row[] {
  if (isDataFrameLike(data)) return data.toRecords();
  if (!Array.isArray(data)) throw new TypeError("expected an array of records or a data frame");
  return data as Row[];
}

/** A finite number, or null (NaN, Infinity, missing and non-numbers become gaps). */
export function num(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : v instanceof Date ? v.getTime() : typeof v === "boolean" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

const label = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

function checkField(rows: Row[], field: string, builder: string): void {
  if (rows.length && !rows.some((r) => field in r)) {
    const known = Object.keys(rows[0] ?? {});
    throw new RangeError(`${builder}: no field "${field}" in the data (fields: ${known.join(", ") || "none"})`);
  }
}

/** tableau10 for up to 10 series, tableau20 beyond. */
export function colorScale(series: number): { scheme: string } {
  return { scheme: series > 10 ? "tableau20" : "tableau10" };
}

function facetOf(o: ChartOptions): { field: string; columns: number } | undefined {
  if (o.facet === undefined) return undefined;
  return typeof o.facet === "string" ? { field: o.facet, columns: 3 } : { field: o.facet.field, columns: o.facet.columns ?? 3 };
}

/**
 * Assembles the top-level spec: a unit or layer spec, its data, and either the fitted size or
 * a facet over the `facet` column of the data (rows must carry it).
 */
function finish(o: ChartOptions, values: Row[], body: Record<string, unknown>): Chart {
  const f = facetOf(o);
  const head: Record<string, unknown> = { $schema: VEGA_LITE_SCHEMA };
  if (o.title) {
    const panels = f ? Math.min(f.columns, new Set(values.map((v) => v.facet)).size) : 1;
    head.title = fitTitle(o.title, f ? panels * (o.width ?? DEFAULT_PANEL.width) : (o.width ?? DEFAULT_SIZE.width));
  }
  head.data = { values };
  // An axis title longer than the plot is tall throws Vega's layout off (the chart title ends up
  // off the canvas): y titles are cut to the plot's height.
  const { config, ...rest } = body as { config?: Record<string, unknown> };
  const titleLimit = (h: number) => ({ ...config, axisY: { titleLimit: Math.max(40, Math.round(h * 0.75)), ...(config?.axisY as object | undefined) } });
  if (f) {
    const height = o.height ?? DEFAULT_PANEL.height;
    return new Chart({
      ...head,
      facet: { field: "facet", type: "nominal", title: f.field },
      columns: f.columns,
      spec: { width: o.width ?? DEFAULT_PANEL.width, height, ...rest },
      resolve: { axis: { x: "independent", y: "independent" } },
      config: titleLimit(height),
    } as unknown as TopLevelSpec);
  }
  const height = o.height ?? DEFAULT_SIZE.height;
  return new Chart({
    ...head,
    width: o.width ?? DEFAULT_SIZE.width,
    height,
    autosize: { type: "fit", contains: "padding" },
    ...rest,
    config: titleLimit(height),
  } as unknown as TopLevelSpec);
}

/** Vega's text-width estimate without a canvas (vega-scenegraph: 0.8 x characters x font size), at the 13 px title font. */
const TITLE_CHAR_WIDTH = 0.8 * 13;

/**
 * A chart title that fits the chart's width: Vega lays a title out at its estimated width and
 * centres it on the plot, so a title wider than the chart pushed the plot aside and was cut at
 * the left in the PNG. Longer titles wrap at spaces into lines (Vega-Lite's multi-line `text`),
 * and `limit` ellipsizes a single word too long for a line.
 */
export function fitTitle(title: string, width: number): string | { text: string[]; limit: number } {
  const room = Math.max(80, width - 20);
  const perLine = Math.max(8, Math.floor(room / TITLE_CHAR_WIDTH));
  if (title.length <= perLine) return title;
  const lines: string[] = [];
  let line = "";
  for (const word of title.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return { text: lines, limit: room };
}

/** Adds the facet column to a compact row. */
function withFacet(o: ChartOptions, src: Row, out: Row): Row {
  const f = facetOf(o);
  if (f) out.facet = label(src[f.field]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Learning curves

/** A training history: records in order (a MetricRecord[] from `train`, or any records). */
export type History = readonly Row[];

/** Input of {@link learningCurve}. */
export type CurveInput = Rows | readonly History[] | Readonly<Record<string, History>>;

export interface LearningCurveOptions extends ChartOptions {
  /** The x field (default "step"). */
  x?: string;
  /** The y field (default "episodeReturn"). */
  y?: string;
  /** A field that names each run's series (e.g. "algo"); runs of a series share a colour. */
  color?: string;
  /** The field that names runs inside one table (default "run" when present). Several
   * histories given as an array or a {name: history} object are named by index / key. */
  run?: string;
  /** Exponential smoothing weight in [0, 1) as TensorBoard's slider (default 0: none). */
  smooth?: number;
  /** Mean and a +-1 std band over the runs of each series, instead of one line per run. */
  band?: boolean;
  /** Grid points the runs are interpolated on for the band (default 100). */
  points?: number;
  /** Draw the unsmoothed values faintly behind the smoothed line (default: when smoothing). */
  showRaw?: boolean;
  /** Thin each run to at most this many evenly spaced points (after smoothing; the last is kept). */
  maxPoints?: number;
}

function isHistoryMap(x: unknown): x is Readonly<Record<string, History>> {
  return !!x && typeof x === "object" && !Array.isArray(x) && !isDataFrameLike(x) && Object.values(x).every((v) => Array.isArray(v));
}

/** TensorBoard's debiased exponential moving average. */
export function smoothEMA(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smooth must be in [0, 1), got ${weight}`);
  const out: number[] = [];
  let last = 0;
  let debias = 0;
  for (const v of values) {
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    out.push(last / debias);
  }
  return out;
}

/** Linear interpolation of sorted (xs, ys) at x. */
function interp(xs: readonly number[], ys: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[hi]) return ys[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const t = (x - xs[lo]) / (xs[hi] - xs[lo] || 1);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

/**
 * Mean and population std of several runs on a common grid of `points` x values over the range
 * all runs cover (each run interpolated linearly). A single run gives a zero-width band.
 */
export function meanStdBand(runs: readonly { x: readonly number[]; y: readonly number[] }[], points = 100): { x: number; mean: number; std: number; n: number }[] {
  const usable = runs.filter((r) => r.x.length > 0);
  if (!usable.length) return [];
  const lo = Math.max(...usable.map((r) => r.x[0]));
  const hi = Math.min(...usable.map((r) => r.x[r.x.length - 1]));
  if (!(hi >= lo)) return [];
  const k = hi === lo ? 1 : Math.max(2, points);
  const out: { x: number; mean: number; std: number; n: number }[] = [];
  for (let i = 0; i < k; i++) {
    const x = k === 1 ? lo : lo + ((hi - lo) * i) / (k - 1);
    const ys = usable.map((r) => interp(r.x, r.y, x));
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const std = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length);
    out.push({ x, mean, std, n: ys.length });
  }
  return out;
}

/**
 * A learning curve: y (default episodeReturn) against x (default step), one line per run, or
 * with `band` the mean and a +-1 std band of each series' runs. Non-finite y values (iterations
 * in which no episode ended) are skipped.
 */
export function learningCurve(input: CurveInput, options: LearningCurveOptions = {}): Chart {
  const xf = options.x ?? "step";
  const yf = options.y ?? "episodeReturn";
  const smooth = options.smooth ?? 0;
  const showRaw = options.showRaw ?? smooth > 0;
  // Flatten every form of input into (run, row) pairs.
  const tagged: { run: string; row: Row }[] = [];
  if (isHistoryMap(input)) for (const [name, h] of Object.entries(input)) for (const row of h) tagged.push({ run: name, row });
  else {
    const arr = isDataFrameLike(input) ? input.toRecords() : (input as readonly unknown[]);
    if (!Array.isArray(arr)) throw new TypeError("learningCurve: expected records, a data frame, an array of histories or {name: history}");
    if (arr.length && arr.every((h) => Array.isArray(h))) (arr as History[]).forEach((h, i) => h.forEach((row) => tagged.push({ run: `run ${i}`, row })));
    else {
      const runField = options.run ?? ((arr as Row[]).some((r) => r && "run" in r) ? "run" : undefined);
      for (const row of arr as Row[]) tagged.push({ run: runField ? label(row[runField]) : "run", row });
    }
  }
  const rowsOnly = tagged.map((t) => t.row);
  checkField(rowsOnly, xf, "learningCurve");
  checkField(rowsOnly, yf, "learningCurve");
  if (options.color) checkField(rowsOnly, options.color, "learningCurve");
  // Group into runs, keep finite points, sort by x, smooth.
  const runs = new Map<string, { series: string; facet?: string; x: number[]; raw: number[]; y: number[] }>();
  const f = facetOf(options);
  for (const { run, row } of tagged) {
    const x = num(row[xf]);
    const y = num(row[yf]);
    if (x === null || y === null) continue;
    const series = options.color ? label(row[options.color]) : options.band ? yf : run;
    const facet = f ? label(row[f.field]) : undefined;
    const key = JSON.stringify([series, facet, run]);
    let r = runs.get(key);
    if (!r) runs.set(key, (r = { series, facet, x: [], raw: [], y: [] }));
    r.x.push(x);
    r.raw.push(y);
  }
  for (const r of runs.values()) {
    const order = r.x.map((_, i) => i).sort((a, b) => r.x[a] - r.x[b]);
    r.x = order.map((i) => r.x[i]);
    r.raw = order.map((i) => r.raw[i]);
    r.y = smooth > 0 ? smoothEMA(r.raw, smooth) : r.raw.slice();
    const max = options.maxPoints;
    if (max !== undefined && max >= 2 && r.x.length > max) {
      const keep = Array.from({ length: max }, (_, i) => Math.round((i * (r.x.length - 1)) / (max - 1)));
      r.x = keep.map((i) => r.x[i]);
      r.raw = keep.map((i) => r.raw[i]);
      r.y = keep.map((i) => r.y[i]);
    }
  }
  const seriesCount = new Set([...runs.values()].map((r) => r.series)).size;
  const color = { field: "series", type: "nominal", title: options.color ?? (options.band ? null : "run"), scale: colorScale(seriesCount) };
  const xEnc = { field: "x", type: "quantitative", title: xf };
  const legend = seriesCount > 1 || !!options.color;
  const colorEnc = legend ? color : { ...color, legend: null };
  if (options.band) {
    const groups = new Map<string, { series: string; facet?: string; runs: { x: number[]; y: number[] }[] }>();
    for (const r of runs.values()) {
      const key = JSON.stringify([r.series, r.facet]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { series: r.series, facet: r.facet, runs: [] }));
      g.runs.push({ x: r.x, y: r.y });
    }
    const values: Row[] = [];
    for (const g of groups.values()) {
      for (const p of meanStdBand(g.runs, options.points ?? 100)) {
        const row: Row = { series: g.series, x: p.x, y: p.mean, lo: p.mean - p.std, hi: p.mean + p.std, n: p.n };
        if (g.facet !== undefined) row.facet = g.facet;
        values.push(row);
      }
    }
    return finish(options, values, {
      layer: [
        { mark: { type: "area", opacity: 0.22 }, encoding: { x: xEnc, y: { field: "lo", type: "quantitative", title: `${yf} (mean ± std)` }, y2: { field: "hi" }, color: colorEnc } },
        {
          mark: { type: "line", strokeWidth: 2 },
          encoding: {
            x: xEnc,
            y: { field: "y", type: "quantitative", title: `${yf} (mean ± std)` },
            color: colorEnc,
            tooltip: [{ field: "series", title: options.color ?? "series" }, { field: "x", title: xf, format: ",.0f" }, { field: "y", title: `mean ${yf}`, format: ".3~f" }, { field: "n", title: "runs" }],
          },
        },
      ],
    });
  }
  const values: Row[] = [];
  for (const [keyStr, r] of runs) {
    const run = (JSON.parse(keyStr) as [string, string | undefined, string])[2];
    for (let i = 0; i < r.x.length; i++) {
      const row: Row = { run, series: r.series, x: r.x[i], y: r.y[i] };
      if (showRaw) row.raw = r.raw[i];
      if (r.facet !== undefined) row.facet = r.facet;
      values.push(row);
    }
  }
  // One title for both layers (two different ones would be joined into one long title).
  const yTitle = smooth > 0 ? `${yf} (EMA ${smooth})` : yf;
  const layers: Record<string, unknown>[] = [];
  if (showRaw) {
    layers.push({ mark: { type: "line", opacity: 0.25, strokeWidth: 1 }, encoding: { x: xEnc, y: { field: "raw", type: "quantitative", title: yTitle }, color: colorEnc, detail: { field: "run" } } });
  }
  layers.push({
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: xEnc,
      y: { field: "y", type: "quantitative", title: yTitle },
      color: colorEnc,
      detail: { field: "run" },
      tooltip: [{ field: "run" }, { field: "x", title: xf, format: ",.0f" }, { field: "y", title: yf, format: ".3~f" }],
    },
  });
  return finish(options, values, { layer: layers });
}

// ---------------------------------------------------------------------------------------------
// General charts

export interface LineChartOptions extends ChartOptions {
  x: string;
  /** One field, or several (each becomes a series, e.g. ["policyLoss", "valueLoss"]). */
  y: string | readonly string[];
  /** A field that splits the data into series (with a single y field). */
  color?: string;
  /** Log scale on y (non-positive values are dropped). */
  logY?: boolean;
  /** Draw points on the line. */
  points?: boolean;
  xTitle?: string;
  yTitle?: string;
}

/** A line chart of y against x, one line per series; gaps where y is missing or not finite. */
export function lineChart(data: Rows, options: LineChartOptions): Chart {
  const rows = rowsOf(data);
  const ys = typeof options.y === "string" ? [options.y] : [...options.y];
  if (!ys.length) throw new RangeError("lineChart: y names no field");
  checkField(rows, options.x, "lineChart");
  for (const y of ys) checkField(rows, y, "lineChart");
  if (options.color) checkField(rows, options.color, "lineChart");
  const values: Row[] = [];
  for (const r of rows) {
    const x = num(r[options.x]);
    if (x === null) continue;
    for (const yf of ys) {
      const y = num(r[yf]);
      if (y === null || (options.logY && y <= 0)) continue;
      values.push(withFacet(options, r, { x, y, series: ys.length > 1 ? yf : options.color ? label(r[options.color]) : yf }));
    }
  }
  values.sort((a, b) => (a.x as number) - (b.x as number));
  const series = new Set(values.map((v) => v.series)).size;
  const legend = ys.length > 1 || !!options.color;
  return finish(options, values, {
    mark: { type: "line", point: options.points ?? false, strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xTitle ?? options.x },
      y: { field: "y", type: "quantitative", title: options.yTitle ?? (ys.length > 1 ? "value" : ys[0]), scale: options.logY ? { type: "log" } : { zero: false } },
      color: { field: "series", type: "nominal", title: options.color ?? (ys.length > 1 ? null : ys[0]), scale: colorScale(series), legend: legend ? {} : null },
      tooltip: [{ field: "series" }, { field: "x", title: options.x }, { field: "y", title: options.yTitle ?? "value", format: ".4~g" }],
    },
  });
}

export interface ScatterOptions extends ChartOptions {
  x: string;
  y: string;
  color?: string;
  /** A field for the point size. */
  size?: string;
  /** Treat a numeric colour field as a quantity (a gradient) rather than categories. */
  colorType?: "nominal" | "quantitative";
  xTitle?: string;
  yTitle?: string;
}

/** A scatter plot (e.g. a sweep's hyperparameter against its final return). */
export function scatter(data: Rows, options: ScatterOptions): Chart {
  const rows = rowsOf(data);
  for (const f of [options.x, options.y, options.color, options.size]) if (f) checkField(rows, f, "scatter");
  const values: Row[] = [];
  for (const r of rows) {
    const x = num(r[options.x]);
    const y = num(r[options.y]);
    if (x === null || y === null) continue;
    const v: Row = { x, y };
    if (options.color) v.c = options.colorType === "quantitative" ? num(r[options.color]) : label(r[options.color]);
    if (options.size) v.s = num(r[options.size]);
    values.push(withFacet(options, r, v));
  }
  const encoding: Record<string, unknown> = {
    x: { field: "x", type: "quantitative", title: options.xTitle ?? options.x, scale: { zero: false } },
    y: { field: "y", type: "quantitative", title: options.yTitle ?? options.y, scale: { zero: false } },
    tooltip: [{ field: "x", title: options.x }, { field: "y", title: options.y, format: ".4~g" }],
  };
  if (options.color) {
    const quantitative = options.colorType === "quantitative";
    encoding.color = { field: "c", type: quantitative ? "quantitative" : "nominal", title: options.color, scale: quantitative ? { scheme: "viridis" } : colorScale(new Set(values.map((v) => v.c)).size) };
  }
  if (options.size) encoding.size = { field: "s", type: "quantitative", title: options.size };
  return finish(options, values, { mark: { type: "point", filled: true, opacity: 0.75 }, encoding });
}

export interface HistogramOptions extends ChartOptions {
  /** The field to bin (not needed for a plain array of numbers). */
  field?: string;
  /** Most bins (default 30). */
  bins?: number;
  /** Overlaid histograms, one per value of this field. */
  color?: string;
  xTitle?: string;
}

/** A histogram of a field (or of an array of numbers), overlaid per colour group. */
export function histogram(data: Rows | ArrayLike<number>, options: HistogramOptions = {}): Chart {
  const isNumbers = !isDataFrameLike(data) && (ArrayBuffer.isView(data) || (Array.isArray(data) && data.every((v) => typeof v === "number")));
  let values: Row[];
  const field = options.field ?? "value";
  if (isNumbers) {
    values = Array.from(data as ArrayLike<number>, (v) => ({ v: num(v) })).filter((r) => r.v !== null);
  } else {
    if (!options.field) throw new RangeError("histogram: give options.field to bin a table");
    const rows = rowsOf(data as Rows);
    checkField(rows, options.field, "histogram");
    if (options.color) checkField(rows, options.color, "histogram");
    values = [];
    for (const r of rows) {
      const v = num(r[options.field]);
      if (v === null) continue;
      const row: Row = { v };
      if (options.color) row.c = label(r[options.color]);
      values.push(withFacet(options, r, row));
    }
  }
  const encoding: Record<string, unknown> = {
    x: { field: "v", type: "quantitative", bin: { maxbins: options.bins ?? 30 }, title: options.xTitle ?? field },
    y: { aggregate: "count", type: "quantitative", title: "count", stack: options.color ? null : "zero" },
    tooltip: [{ field: "v", bin: { maxbins: options.bins ?? 30 }, title: field }, { aggregate: "count", title: "count" }],
  };
  if (options.color) encoding.color = { field: "c", type: "nominal", title: options.color, scale: colorScale(new Set(values.map((v) => v.c)).size) };
  return finish(options, values, { mark: { type: "bar", opacity: options.color ? 0.55 : 0.9, binSpacing: 1 }, encoding });
}

/** Values over a grid: rows of numbers, a flat array with its shape, or records with x, y, value fields. */
export type HeatmapInput = readonly (readonly number[] | ArrayLike<number>)[] | { data: ArrayLike<number>; shape: readonly [number, number] } | Rows;

export interface HeatmapOptions extends ChartOptions {
  /** For records: the field of the column (default "x"), the row ("y") and the value ("value"). */
  x?: string;
  y?: string;
  value?: string;
  /** Column and row labels for grid input (default 0, 1, ...). */
  xLabels?: readonly (string | number)[];
  yLabels?: readonly (string | number)[];
  xTitle?: string;
  yTitle?: string;
  valueTitle?: string;
  /** A Vega colour scheme (default "viridis"). */
  scheme?: string;
  /** Print each cell's value (default: when there are at most 150 cells). */
  annotate?: boolean;
}

/** A heatmap of values over a grid: a Q-table (states x actions), a visitation count map. */
export function heatmap(input: HeatmapInput, options: HeatmapOptions = {}): Chart {
  const values: Row[] = [];
  let xOrder: string[] = [];
  let yOrder: string[] = [];
  const grid = (rows: number, cols: number, at: (i: number, j: number) => unknown) => {
    if (options.xLabels && options.xLabels.length !== cols) throw new RangeError(`heatmap: ${options.xLabels.length} xLabels for ${cols} columns`);
    if (options.yLabels && options.yLabels.length !== rows) throw new RangeError(`heatmap: ${options.yLabels.length} yLabels for ${rows} rows`);
    xOrder = Array.from({ length: cols }, (_, j) => label(options.xLabels?.[j] ?? j));
    yOrder = Array.from({ length: rows }, (_, i) => label(options.yLabels?.[i] ?? i));
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values.push({ x: xOrder[j], y: yOrder[i], v: num(at(i, j)) });
  };
  if (input && typeof input === "object" && "shape" in input && "data" in input && !isDataFrameLike(input)) {
    const { data, shape } = input as { data: ArrayLike<number>; shape: readonly [number, number] };
    if (shape[0] * shape[1] !== data.length) throw new RangeError(`heatmap: shape [${shape}] does not match ${data.length} values`);
    grid(shape[0], shape[1], (i, j) => data[i * shape[1] + j]);
  } else if (Array.isArray(input) && input.length && input.every((r) => Array.isArray(r) || ArrayBuffer.isView(r))) {
    const rows = input as ArrayLike<number>[];
    const cols = rows[0].length;
    if (rows.some((r) => r.length !== cols)) throw new RangeError("heatmap: rows of different lengths");
    grid(rows.length, cols, (i, j) => rows[i][j]);
  } else {
    const rows = rowsOf(input as Rows);
    const xf = options.x ?? "x";
    const yf = options.y ?? "y";
    const vf = options.value ?? "value";
    for (const f of [xf, yf, vf]) checkField(rows, f, "heatmap");
    const xs = new Set<string>();
    const ys = new Set<string>();
    for (const r of rows) {
      const row = withFacet(options, r, { x: label(r[xf]), y: label(r[yf]), v: num(r[vf]) });
      xs.add(row.x as string);
      ys.add(row.y as string);
      values.push(row);
    }
    const numeric = (s: Set<string>) => [...s].every((v) => v !== "" && Number.isFinite(Number(v)));
    xOrder = [...xs].sort(numeric(xs) ? (a, b) => Number(a) - Number(b) : undefined);
    yOrder = [...ys].sort(numeric(ys) ? (a, b) => Number(a) - Number(b) : undefined);
  }
  const annotate = options.annotate ?? values.length <= 150;
  const finite = values.map((v) => v.v).filter((v): v is number => v !== null);
  const mid = finite.length ? (Math.min(...finite) + Math.max(...finite)) / 2 : 0;
  const xEnc = { field: "x", type: "ordinal", sort: xOrder, title: options.xTitle ?? options.x ?? null, axis: { labelAngle: 0, labelOverlap: "parity" } };
  const yEnc = { field: "y", type: "ordinal", sort: yOrder, title: options.yTitle ?? options.y ?? null };
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: "rect" },
      encoding: {
        x: xEnc,
        y: yEnc,
        color: { field: "v", type: "quantitative", title: options.valueTitle ?? options.value ?? "value", scale: { scheme: options.scheme ?? "viridis" } },
        tooltip: [{ field: "x", title: options.xTitle ?? "x" }, { field: "y", title: options.yTitle ?? "y" }, { field: "v", title: options.valueTitle ?? "value", format: ".4~g" }],
      },
    },
  ];
  if (annotate) {
    layers.push({
      mark: { type: "text", fontSize: 10 },
      encoding: {
        x: xEnc,
        y: yEnc,
        text: { field: "v", type: "quantitative", format: ".3~g" },
        // Dark text on light cells (the top of viridis), light on dark.
        color: { condition: { test: `datum.v > ${mid}`, value: "black" }, value: "white" },
      },
    });
  }
  return finish(options, values, { layer: layers });
}

export interface BarChartOptions extends ChartOptions {
  /** The category field. */
  x: string;
  /** The value field. */
  y: string;
  /** Bars side by side per value of this field (grouped bars). */
  color?: string;
  /** A field holding each bar's spread (e.g. std of returns): drawn as an error bar. */
  error?: string;
  /** Keep the categories in data order (default) or sort by value descending. */
  sort?: "data" | "descending";
  xTitle?: string;
  yTitle?: string;
}

/** A bar chart of y per category x (e.g. evaluation return per algorithm), with optional error bars. */
export function barChart(data: Rows, options: BarChartOptions): Chart {
  const rows = rowsOf(data);
  for (const f of [options.x, options.y, options.color, options.error]) if (f) checkField(rows, f, "barChart");
  const values: Row[] = [];
  const order: string[] = [];
  for (const r of rows) {
    const y = num(r[options.y]);
    if (y === null) continue;
    const v: Row = { x: label(r[options.x]), y };
    if (!order.includes(v.x as string)) order.push(v.x as string);
    if (options.color) v.c = label(r[options.color]);
    if (options.error) {
      const e = num(r[options.error]) ?? 0;
      v.lo = y - e;
      v.hi = y + e;
    }
    values.push(withFacet(options, r, v));
  }
  const xEnc = { field: "x", type: "nominal", title: options.xTitle ?? options.x, sort: options.sort === "descending" ? "-y" : order, axis: { labelAngle: 0 } };
  const groups = options.color ? new Set(values.map((v) => v.c)).size : values.length;
  const bar: Record<string, unknown> = {
    mark: { type: "bar" },
    encoding: {
      x: xEnc,
      y: { field: "y", type: "quantitative", title: options.yTitle ?? options.y },
      color: options.color ? { field: "c", type: "nominal", title: options.color, scale: colorScale(groups) } : { field: "x", type: "nominal", legend: null, scale: colorScale(groups) },
      tooltip: [{ field: "x", title: options.x }, { field: "y", title: options.y, format: ".4~g" }],
    },
  };
  if (options.color) (bar.encoding as Record<string, unknown>).xOffset = { field: "c" };
  if (!options.error) return finish(options, values, bar);
  const rule: Record<string, unknown> = {
    mark: { type: "rule", color: "black", strokeWidth: 1.5 },
    encoding: { x: xEnc, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
  };
  if (options.color) (rule.encoding as Record<string, unknown>).xOffset = { field: "c" };
  return finish(options, values, { layer: [bar, rule] });
}

export interface ParallelCoordinatesOptions extends ChartOptions {
  /** The numeric fields, one axis each, in order. */
  dimensions: readonly string[];
  /** Colour lines by this field (e.g. the final return of a sweep trial). */
  color?: string;
  colorType?: "nominal" | "quantitative";
}

/**
 * Parallel coordinates for sweeps: one vertical axis per dimension (each scaled to its own
 * min..max, labelled with them), one line per row.
 */
export function parallelCoordinates(data: Rows, options: ParallelCoordinatesOptions): Chart {
  const rows = rowsOf(data);
  const dims = [...options.dimensions];
  if (dims.length < 2) throw new RangeError("parallelCoordinates: needs at least two dimensions");
  for (const d of dims) checkField(rows, d, "parallelCoordinates");
  if (options.color) checkField(rows, options.color, "parallelCoordinates");
  const range = dims.map((d) => {
    const vs = rows.map((r) => num(r[d])).filter((v): v is number => v !== null);
    return { min: vs.length ? Math.min(...vs) : 0, max: vs.length ? Math.max(...vs) : 1 };
  });
  const values: Row[] = [];
  rows.forEach((r, i) => {
    dims.forEach((d, j) => {
      const raw = num(r[d]);
      if (raw === null) return;
      const { min, max } = range[j];
      const v: Row = { i, dim: d, v: max > min ? (raw - min) / (max - min) : 0.5, raw };
      if (options.color) v.c = options.colorType === "quantitative" ? num(r[options.color]) : label(r[options.color]);
      values.push(withFacet(options, r, v));
    });
  });
  const ticks: Row[] = dims.flatMap((d, j) => [
    { dim: d, v: 1, t: fmtTick(range[j].max), top: 1 },
    { dim: d, v: 0, t: fmtTick(range[j].min), top: 0 },
  ]);
  const xEnc = { field: "dim", type: "nominal", sort: dims, title: null, axis: { orient: "top", labelAngle: 0, domain: false, ticks: false } };
  const yEnc = { field: "v", type: "quantitative", axis: null, scale: { domain: [0, 1] } };
  const quantitative = options.colorType === "quantitative";
  const line = {
    mark: { type: "line", opacity: 0.55, strokeWidth: 1.5 },
    encoding: {
      x: xEnc,
      y: yEnc,
      detail: { field: "i", type: "nominal" },
      color: options.color
        ? { field: "c", type: quantitative ? "quantitative" : "nominal", title: options.color, scale: quantitative ? { scheme: "viridis" } : colorScale(new Set(values.map((v) => v.c)).size) }
        : { value: "#4c78a8" },
      tooltip: [{ field: "dim" }, { field: "raw", title: "value", format: ".4~g" }],
    },
  };
  return finish(options, values, {
    layer: [
      { data: { values: dims.map((d) => ({ dim: d })) }, mark: { type: "rule", color: "#999" }, encoding: { x: xEnc } },
      line,
      { data: { values: ticks.filter((t) => t.top) }, mark: { type: "text", dx: 4, dy: 2, align: "left", baseline: "top", fontSize: 10, color: "#555" }, encoding: { x: xEnc, y: yEnc, text: { field: "t" } } },
      { data: { values: ticks.filter((t) => !t.top) }, mark: { type: "text", dx: 4, dy: -2, align: "left", baseline: "bottom", fontSize: 10, color: "#555" }, encoding: { x: xEnc, y: yEnc, text: { field: "t" } } },
    ],
    config: { view: { stroke: null } },
  });
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

export interface ConcatOptions {
  title?: string;
  /** Charts per row (default 2). */
  columns?: number;
}

/**
 * Lays out several charts in a grid (Vega-Lite `concat`), each keeping its own data and size:
 * `grid([learningCurve(h), lineChart(h, {x: "step", y: "entropy"})])`. Named charts get their
 * name as title.
 */
export function grid(charts: readonly Chart[] | Readonly<Record<string, Chart>>, options: ConcatOptions = {}): Chart {
  const entries: [string | undefined, Chart][] = Array.isArray(charts) ? (charts as Chart[]).map((c) => [undefined, c]) : Object.entries(charts as Record<string, Chart>);
  if (!entries.length) throw new RangeError("grid: no charts");
  const panels = entries.map(([name, c]) => {
    const { $schema: _s, autosize: _a, ...rest } = c.spec as unknown as Record<string, unknown>;
    if (name !== undefined) rest.title = name;
    return rest;
  });
  const spec: Record<string, unknown> = { $schema: VEGA_LITE_SCHEMA, columns: options.columns ?? 2, concat: panels, resolve: { scale: { color: "independent" } } };
  if (options.title) spec.title = options.title;
  return new Chart(spec as unknown as TopLevelSpec);
}
