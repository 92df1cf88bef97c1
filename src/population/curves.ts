/**
 * Per-seed learning curves of a population and the chart papers show for them: every seed's
 * curve thin, their mean bold, and a 95% confidence interval of the mean as a band
 * (mean +- t(0.975, n-1) * sd / sqrt(n), Student's t with n-1 degrees of freedom).
 */
import { Chart } from "../plot/chart.js";
import { VEGA_LITE_SCHEMA } from "../plot/chart.js";
import { smoothEMA } from "../plot/builders.js";

/** One row of a per-seed curve table. */
export interface SeedCurveRow {
  seed: number;
  member: number;
  step: number;
  [field: string]: number;
}

/** Anything that holds per-member records and seeds (a PPOPopulation). */
export interface HasCurves {
  readonly seeds: readonly number[];
  readonly curves: readonly (readonly Record<string, number>[])[];
}

/** The members' records as one table (one row per member and iteration), e.g. for `pl.DataFrame(rows)`. */
export function seedCurves(pop: HasCurves): SeedCurveRow[] {
  const rows: SeedCurveRow[] = [];
  pop.curves.forEach((recs, k) => recs.forEach((r) => rows.push({ ...r, seed: pop.seeds[k], member: k, step: r.step })));
  return rows;
}

/**
 * Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (standard tables, e.g.
 * NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2), then 40, 60, 120 and the
 * normal 1.95996 at infinity.
 */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
const T975_TAIL: [number, number][] = [[30, 2.042], [40, 2.021], [60, 2.0], [120, 1.98], [Infinity, 1.95996]];

/** t(0.975, df): the multiplier of a 95% confidence interval of a mean of df + 1 values (interpolated in 1/df past 30). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new RangeError(`tQuantile975: degrees of freedom must be >= 1, got ${df}`);
  if (df <= 30 && Number.isInteger(df)) return T975[df - 1];
  for (let i = 0; i + 1 < T975_TAIL.length; i++) {
    const [d0, t0] = T975_TAIL[i];
    const [d1, t1] = T975_TAIL[i + 1];
    if (df <= d1) {
      const u = (1 / d0 - 1 / df) / (1 / d0 - (d1 === Infinity ? 0 : 1 / d1));
      return t0 + u * (t1 - t0);
    }
  }
  return 1.95996;
}

/** Mean and 95% confidence interval of the members' values at each iteration (members with a non-finite value that iteration are left out). */
export function seedBand(pop: HasCurves, field = "episodeReturn", smooth = 0): { iteration: number; step: number; mean: number; lo: number; hi: number; n: number }[] {
  const series = pop.curves.map((recs) => {
    // Carry the last finite value forward over iterations where no episode ended, then smooth.
    let last = NaN;
    const ys = recs.map((r) => (Number.isFinite(r[field]) ? (last = r[field]) : last));
    const first = ys.findIndex((v) => Number.isFinite(v));
    if (smooth > 0 && first >= 0) ys.splice(first, ys.length - first, ...smoothEMA(ys.slice(first), smooth));
    return ys;
  });
  const iters = Math.min(...pop.curves.map((c) => c.length));
  const out: { iteration: number; step: number; mean: number; lo: number; hi: number; n: number }[] = [];
  for (let i = 0; i < iters; i++) {
    const ys = series.map((s) => s[i]).filter((v) => Number.isFinite(v));
    if (!ys.length) continue;
    const n = ys.length;
    const mean = ys.reduce((a, b) => a + b, 0) / n;
    const sd = n > 1 ? Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
    const half = n > 1 ? tQuantile975(n - 1) * (sd / Math.sqrt(n)) : 0;
    const step = pop.curves.reduce((a, c) => a + c[i].step, 0) / pop.curves.length;
    out.push({ iteration: i, step, mean, lo: mean - half, hi: mean + half, n });
  }
  return out;
}

export interface SeedBandChartOptions {
  /** The record field to plot (default "episodeReturn"). */
  y?: string;
  /** EMA smoothing weight in [0, 1) applied to each seed's curve before averaging (default 0). */
  smooth?: number;
  /** Draw every seed's own curve under the band (default true). */
  seeds?: boolean;
  title?: string;
  width?: number;
  height?: number;
}

/** Per-member records under their seeds, for charting runs that were not trained as a population: `{seeds: [0, 1, 2], curves: [history0, history1, history2]}`. */
export function isCurves(x: unknown): x is HasCurves {
  return typeof x === "object" && x !== null && Array.isArray((x as HasCurves).curves) && Array.isArray((x as HasCurves).seeds);
}

/**
 * Per-seed curves, their mean and its 95% confidence band against env steps (a Vega-Lite chart).
 * Pass one population (or `{seeds, curves}`), or several by name (`{CrossQ: a, SAC: b}`) to draw
 * one colored band per group on the same axes.
 */
export function seedBandChart(groups: HasCurves | Record<string, HasCurves>, options: SeedBandChartOptions = {}): Chart {
  const y = options.y ?? "episodeReturn";
  const smooth = options.smooth ?? 0;
  const single = isCurves(groups);
  const named: [string, HasCurves][] = single ? [["", groups]] : Object.entries(groups);
  if (!named.length) throw new Error("seedBandChart: no groups given (pass a population or {name: population, ...})");
  const values: Record<string, unknown>[] = [];
  for (const [group, pop] of named) {
    if (!isCurves(pop)) throw new TypeError(`seedBandChart: group "${group}" is not a population or {seeds, curves}`);
    const band = seedBand(pop, y, smooth);
    if (!band.length) throw new Error(`seedBandChart: no finite "${y}" values yet${group ? ` in group "${group}"` : ""} (train the population first; fields: ${Object.keys(pop.curves[0]?.[0] ?? {}).join(", ") || "none"})`);
    values.push(...band.map((b) => ({ kind: "mean", group, x: b.step, y: b.mean, lo: b.lo, hi: b.hi, n: b.n })));
    if (options.seeds ?? true) {
      pop.curves.forEach((recs, k) => {
        let ys = recs.map((r) => r[y]);
        if (smooth > 0) {
          const idx = ys.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
          const sm = smoothEMA(idx.map((i) => ys[i]), smooth);
          ys = ys.map(() => NaN);
          idx.forEach((i, j) => (ys[i] = sm[j]));
        }
        recs.forEach((r, i) => Number.isFinite(ys[i]) && values.push({ kind: "seed", group, seed: single ? String(pop.seeds[k]) : `${group} ${pop.seeds[k]}`, x: r.step, y: ys[i] }));
      });
    }
  }
  const n = named.reduce((a, [, p]) => a + p.curves.length, 0);
  const title = options.title ?? (single ? `${y}: ${n} seed${n === 1 ? "" : "s"}, mean and 95% CI` : `${y}: ${named.map(([g, p]) => `${g} (${p.curves.length} seeds)`).join(" vs ")}, mean and 95% CI`);
  const xEnc = { field: "x", type: "quantitative", title: "env steps (per seed)" };
  const yTitle = smooth > 0 ? `${y} (EMA ${smooth})` : y;
  // One group: blue band and mean, grey seeds; several: one color per group.
  const color = single ? undefined : { field: "group", type: "nominal", title: null };
  const fixed = (c: string) => (single ? { color: c } : {});
  const layer: Record<string, unknown>[] = [];
  if (options.seeds ?? true) {
    layer.push({
      transform: [{ filter: "datum.kind === 'seed'" }],
      mark: { type: "line", strokeWidth: 0.8, opacity: 0.35, ...fixed("#888") },
      encoding: { x: xEnc, y: { field: "y", type: "quantitative", title: yTitle }, detail: { field: "seed" }, ...(color ? { color } : {}) },
    });
  }
  layer.push(
    { transform: [{ filter: "datum.kind === 'mean'" }], mark: { type: "area", opacity: 0.25, ...fixed("#1f77b4") }, encoding: { x: xEnc, y: { field: "lo", type: "quantitative", title: yTitle }, y2: { field: "hi" }, ...(color ? { color } : {}) } },
    {
      transform: [{ filter: "datum.kind === 'mean'" }],
      mark: { type: "line", strokeWidth: 2.2, ...fixed("#1f77b4") },
      encoding: { x: xEnc, y: { field: "y", type: "quantitative", title: yTitle }, ...(color ? { color } : {}), tooltip: [...(single ? [] : [{ field: "group" }]), { field: "x", title: "step", format: ",.0f" }, { field: "y", title: `mean ${y}`, format: ".3~f" }, { field: "lo", title: "95% CI low", format: ".3~f" }, { field: "hi", title: "95% CI high", format: ".3~f" }, { field: "n", title: "seeds" }] },
    },
  );
  return new Chart({
    $schema: VEGA_LITE_SCHEMA,
    title,
    width: options.width ?? 480,
    height: options.height ?? 300,
    data: { values },
    layer,
  } as never);
}
