/**
 * Regret curves with standard-error bands, several policies in one chart (the layered
 * area + line of `learningCurve`'s band mode, with the runner's standard errors instead of a
 * std over runs).
 */
import type { TopLevelSpec } from "vega-lite";
import { Chart, VEGA_LITE_SCHEMA } from "../plot/chart.js";
import { colorScale, rowsOf, num, type ChartOptions, type Rows } from "../plot/builders.js";

export interface RegretChartOptions extends Omit<ChartOptions, "facet"> {
  /** Band half-width in standard errors (default 1.96: a 95% interval of the mean). */
  z?: number;
  /** At most this many points per curve (evenly spaced steps; default 200). */
  maxPoints?: number;
  /** y field (default "regret"); its standard error is in `se`. */
  y?: string;
  /** Axis title of y (default "cumulative regret"). */
  yTitle?: string;
}

/**
 * A regret chart from {@link regretCurves}'s frame (or rows with policy, step, regret, se): one
 * line per policy, with a band of +-z standard errors.
 */
export function regretChart(data: Rows, options: RegretChartOptions = {}): Chart {
  const rows = rowsOf(data);
  const yf = options.y ?? "regret";
  for (const f of ["policy", "step", yf, "se"]) {
    if (rows.length && !(f in rows[0])) throw new RangeError(`regretChart: no field "${f}" in the data (fields: ${Object.keys(rows[0]).join(", ")}); pass the frame regretCurves returns`);
  }
  const z = options.z ?? 1.96;
  const max = options.maxPoints ?? 200;
  const byPolicy = new Map<string, { x: number; y: number; se: number }[]>();
  for (const r of rows) {
    const x = num(r.step);
    const y = num(r[yf]);
    if (x === null || y === null) continue;
    const key = String(r.policy);
    if (!byPolicy.has(key)) byPolicy.set(key, []);
    byPolicy.get(key)!.push({ x, y, se: num(r.se) ?? 0 });
  }
  const values: Record<string, unknown>[] = [];
  for (const [series, pts] of byPolicy) {
    pts.sort((a, b) => a.x - b.x);
    const keep = pts.length > max ? Array.from({ length: max }, (_, i) => pts[Math.round((i * (pts.length - 1)) / (max - 1))]) : pts;
    for (const p of keep) values.push({ series, x: p.x, y: p.y, lo: p.y - z * p.se, hi: p.y + z * p.se });
  }
  const title = options.yTitle ?? "cumulative regret";
  const color = { field: "series", type: "nominal", title: "policy", scale: colorScale(byPolicy.size) };
  const x = { field: "x", type: "quantitative", title: "pull" };
  const height = options.height ?? 300;
  const spec: Record<string, unknown> = {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    data: { values },
    width: options.width ?? 480,
    height,
    autosize: { type: "fit", contains: "padding" },
    layer: [
      { mark: { type: "area", opacity: 0.2 }, encoding: { x, y: { field: "lo", type: "quantitative", title }, y2: { field: "hi" }, color } },
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: { x, y: { field: "y", type: "quantitative", title }, color, tooltip: [{ field: "series", title: "policy" }, { field: "x", title: "pull" }, { field: "y", title, format: ".2f" }] },
      },
    ],
    config: { axisY: { titleLimit: Math.max(40, Math.round(height * 0.75)) } },
  };
  return new Chart(spec as unknown as TopLevelSpec);
}
