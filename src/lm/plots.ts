/**
 * Charts of RL from preferences, as rlbook's plot builders (Vega-Lite v5 specs with PNG fallbacks):
 * the reward-vs-KL frontier (how much true score a method buys per nat of KL from the
 * reference) and the over-optimization curve of Gao et al. 2022 (the proxy reward model's score
 * and the true score against d = sqrt(KL): the proxy keeps rising while the true score peaks and
 * falls).
 */
import { lineChart, type ChartOptions } from "../plot/builders.js";
import { Chart } from "../plot/chart.js";

/** One measured policy: its method ("RLHF-PPO", "best-of-n", "DPO", ...), KL to the reference and scores. */
export interface KlPoint {
  method: string;
  /** KL(policy || reference) per completion, nats. */
  kl: number;
  /** The hidden (gold) score. */
  trueScore: number;
  /** The proxy reward model's score, when known. */
  score?: number;
}

function checkPoints(points: readonly KlPoint[], who: string): void {
  if (!Array.isArray(points) || points.length === 0) throw new RangeError(`${who}: no points given`);
  points.forEach((p, i) => {
    if (!p || typeof p.method !== "string" || !Number.isFinite(p.kl) || !Number.isFinite(p.trueScore)) {
      throw new RangeError(`${who}: point ${i} should be {method: string, kl: number, trueScore: number, score?: number}, got ${JSON.stringify(p)}`);
    }
  });
}

/** Height of one legend row at Vega's default 11 px label font (symbol and padding included). */
const LEGEND_ROW_PX = 17;

/**
 * Series names here are long ("RLHF-PPO, klCoef 0.005: proxy (reward model)") and Vega cuts legend
 * labels at 160 px by default ("RLHF-PPO, klCoef 0…"). The legend goes under the plot, one
 * series a row, with no label limit; the chart grows by the legend's height unless a height was
 * given, so the plot keeps its size.
 */
function fullLegend(chart: Chart, series: number, options: ChartOptions): Chart {
  const spec = chart.spec as unknown as Record<string, unknown>;
  const config = (spec.config ?? {}) as Record<string, unknown>;
  const height = options.height ?? (spec.height as number) + (series > 1 ? 20 + series * LEGEND_ROW_PX : 0);
  return new Chart({ ...spec, height, config: { ...config, legend: { labelLimit: 0, orient: "bottom", direction: "vertical", columns: 1, ...(config.legend as object | undefined) } } } as never);
}

/** True score against KL, one line per method (sorted by KL), points drawn. */
export function rewardKlFrontier(points: readonly KlPoint[], options: ChartOptions = {}): Chart {
  checkPoints(points, "rewardKlFrontier");
  const chart = lineChart(
    points.map((p) => ({ kl: p.kl, trueScore: p.trueScore, method: p.method })),
    { x: "kl", y: "trueScore", color: "method", points: true, xTitle: "KL(policy || reference), nats", yTitle: "true (hidden) score", title: "Reward vs KL frontier", ...options },
  );
  return fullLegend(chart, new Set(points.map((p) => p.method)).size, options);
}

/**
 * Over-optimization (Gao et al. 2022, fig. 1): proxy and true score against d = sqrt(KL), one line
 * per method and score. Points without a proxy score draw only the true line.
 */
export function overoptimizationChart(points: readonly KlPoint[], options: ChartOptions = {}): Chart {
  checkPoints(points, "overoptimizationChart");
  const rows = points.flatMap((p) => {
    const d = Math.sqrt(Math.max(p.kl, 0));
    const r = [{ d, value: p.trueScore, series: `${p.method}: true score` }];
    if (p.score !== undefined && Number.isFinite(p.score)) r.push({ d, value: p.score, series: `${p.method}: proxy (reward model)` });
    return r;
  });
  const chart = lineChart(rows, { x: "d", y: "value", color: "series", points: true, xTitle: "d = sqrt(KL), nats^0.5", yTitle: "score", title: "Reward model over-optimization", ...options });
  return fullLegend(chart, new Set(rows.map((r) => r.series)).size, options);
}
