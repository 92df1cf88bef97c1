/**
 * Live charts: a chart that redraws in place while data arrives.
 *
 *   const live = liveChart((rows) => lineChart(rows, {x: "step", y: "loss"}));
 *   for (...) live.push({step, loss});     // cheap: records are appended, redraws are throttled
 *   await live.close();                    // the final picture, with its PNG fallback
 *
 * In a kernel the chart is shown once (display_data with a display_id) and then replaced
 * through update_display_data on that id: at most one redraw per `throttleMs` (default 250 ms),
 * stretched further when redrawing costs more than `budget` (default 2%) of the time, and the
 * last records are always drawn (a trailing redraw follows the last push). Intermediate
 * redraws carry only the Vega-Lite JSON, which JupyterLab and VS Code draw in the browser, so
 * the kernel spends no time rasterizing during training; `close()` sends the final chart with
 * its PNG, which is what nbconvert and GitHub show. Outside a kernel nothing is shown and
 * `close()` returns the final Chart.
 */
import { randomUUID } from "node:crypto";
import type { TopLevelSpec } from "vega-lite";
import { displaySymbol, type DisplayResult } from "../display.js";
import { kernelHooks, type KernelHooks } from "../kernel-hooks.js";
import { Chart, VEGA_LITE_MIME, chartBundle, describeSpec } from "./chart.js";
import { learningCurve, type LearningCurveOptions, type Row } from "./builders.js";

export interface LiveChartOptions {
  /** Least time between two redraws, in ms (default 250: at most 4 a second). */
  throttleMs?: number;
  /** Redraws may take at most this fraction of the time (default 0.02); slower ones space out. */
  budget?: number;
  /** Rasterize a PNG on every redraw too, not only the final one (default false). */
  pngEveryUpdate?: boolean;
  /** The display_id to use (default: a fresh UUID). */
  displayId?: string;
}

/** How a live chart turns its records into a chart. */
export type ChartBuilder<R> = (records: R[]) => Chart | TopLevelSpec;

/** A builder from a fixed spec: the records become its inline data (after any values it had). */
function fromSpec<R>(spec: TopLevelSpec): ChartBuilder<R> {
  const s = spec as unknown as Record<string, unknown>;
  const data = s.data as { values?: unknown[] } | undefined;
  if (data && !Array.isArray(data.values)) throw new RangeError("liveChart: the spec's data must be inline ({values: [...]}) so that pushed records can join it");
  const initial = data?.values ?? [];
  return (records) => ({ ...s, data: { values: [...initial, ...(records as unknown[])] } }) as unknown as TopLevelSpec;
}

/** A chart that redraws in place as records are pushed (see the module comment). */
export class LiveChart<R = Row> {
  /** Every record pushed so far. */
  readonly records: R[] = [];
  readonly displayId: string;
  /** Redraws sent (update_display_data messages), the final one included. */
  updates = 0;
  /** Milliseconds spent building and sending redraws (the synchronous part, on this thread). */
  drawMs = 0;
  private readonly build: ChartBuilder<R>;
  private readonly hooks: KernelHooks | undefined;
  private readonly throttleMs: number;
  private readonly budget: number;
  private readonly png: boolean;
  private interval: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = -Infinity;
  private pending: Promise<void> = Promise.resolve();
  private closed: Promise<Chart> | undefined;

  constructor(source: TopLevelSpec | Chart | ChartBuilder<R>, options: LiveChartOptions = {}) {
    this.build = typeof source === "function" ? source : fromSpec(source instanceof Chart ? source.spec : source);
    this.throttleMs = options.throttleMs ?? 250;
    if (!(this.throttleMs >= 0)) throw new RangeError(`liveChart: throttleMs must be >= 0, got ${options.throttleMs}`);
    this.budget = options.budget ?? 0.02;
    if (!(this.budget > 0 && this.budget <= 1)) throw new RangeError(`liveChart: budget must be in (0, 1], got ${options.budget}`);
    this.png = options.pngEveryUpdate ?? false;
    this.interval = this.throttleMs;
    this.displayId = options.displayId ?? randomUUID();
    this.hooks = kernelHooks();
    if (this.hooks) {
      // Shown at once (with no records yet, a chart's empty frame), so the output has its place.
      const spec = this.spec();
      this.pending = this.hooks.display(this.value(spec, false), { displayId: this.displayId }).catch(() => {});
    }
  }

  /** The chart of the records so far. */
  get chart(): Chart {
    const c = this.build(this.records);
    return c instanceof Chart ? c : new Chart(c);
  }

  private spec(): TopLevelSpec {
    const c = this.build(this.records);
    return c instanceof Chart ? c.spec : c;
  }

  /** A value for the kernel's format(): the Vega-Lite JSON (and a PNG when asked). */
  private value(spec: TopLevelSpec, png: boolean): object {
    return {
      [displaySymbol]: (): DisplayResult | Promise<DisplayResult> => (png ? chartBundle(spec) : { [VEGA_LITE_MIME]: spec, "text/plain": describeSpec(spec) }),
    };
  }

  /** Adds records (one, several, or arrays of them); a redraw follows within the throttle. */
  push(...items: (R | readonly R[])[]): void {
    if (this.closed) throw new Error("LiveChart: push() after close()");
    for (const it of items) {
      if (Array.isArray(it)) for (const r of it) this.records.push(r);
      else this.records.push(it as R);
    }
    this.schedule();
  }

  /** A training callback that pushes every metric record: `train(agent, {callbacks: live.callback})`. */
  readonly callback = (record: R): void => {
    this.push(record);
  };

  private schedule(): void {
    if (!this.hooks || this.timer) return;
    const wait = Math.max(0, this.lastDraw + this.interval - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A chart that cannot be drawn yet (e.g. a field that only the first evaluation adds) is
      // tried again at the next push; flush() and close() are awaited by the caller and throw.
      try {
        this.draw(this.png);
      } catch {
        this.lastDraw = performance.now();
      }
    }, wait);
  }

  /** Builds the chart and sends it as an update; returns when the kernel has sent it. */
  private draw(png: boolean): Promise<void> {
    const hooks = this.hooks!;
    const t0 = performance.now();
    const spec = this.spec();
    const value = this.value(spec, png);
    const previous = this.pending;
    const sent = previous.then(() => hooks.updateDisplay(value, { displayId: this.displayId }));
    this.pending = sent.catch(() => {});
    this.updates++;
    const cost = performance.now() - t0;
    this.drawMs += cost;
    this.lastDraw = performance.now();
    // Keep redraws within the budget: an update that took c ms waits c / budget before the next.
    this.interval = Math.max(this.throttleMs, cost / this.budget);
    return sent;
  }

  /** Redraws now (outside the throttle), e.g. before a long pause. */
  async flush(): Promise<void> {
    if (!this.hooks) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.draw(this.png);
  }

  /**
   * Ends the live chart: cancels a pending redraw and shows the final picture with its PNG
   * fallback (so a saved notebook keeps it). Returns the final Chart. Idempotent.
   */
  close(): Promise<Chart> {
    this.closed ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      const final = this.chart;
      if (this.hooks) await this.draw(true);
      return final;
    })();
    return this.closed;
  }

  /** As a cell's value: the current chart (a static picture). */
  [displaySymbol](): Promise<DisplayResult> {
    return chartBundle(this.spec());
  }

  toString(): string {
    return `LiveChart(${this.records.length} records, ${this.updates} updates)`;
  }
}

/** A chart that redraws in place as records are pushed: from a builder function, a spec or a Chart. */
export function liveChart<R = Row>(source: TopLevelSpec | Chart | ChartBuilder<R>, options: LiveChartOptions = {}): LiveChart<R> {
  return new LiveChart<R>(source, options);
}

export interface LiveLearningCurveOptions extends LearningCurveOptions, LiveChartOptions {}

/**
 * A live learning curve for a training run: push metric records (or pass `live.callback` to
 * `train`), then `await live.close()`. Smoothed (0.6) by default, with the raw values behind;
 * at most `maxPoints` (default 1500) points per run are drawn.
 */
export function liveLearningCurve<R extends object = Row>(options: LiveLearningCurveOptions = {}): LiveChart<R> {
  const { throttleMs, budget, pngEveryUpdate, displayId, ...curve } = options;
  const curveOptions: LearningCurveOptions = { smooth: 0.6, title: "Learning curve", maxPoints: 1500, ...curve };
  return new LiveChart<R>((records) => learningCurve(records as unknown as Row[], curveOptions), { throttleMs, budget, pngEveryUpdate, displayId });
}

/**
 * Shows a live learning curve while a training run goes on, ends on the final picture, and
 * resolves to the run's history: `const history = await liveTraining(train(agent, {steps}))`.
 */
export async function liveTraining<R extends object>(run: AsyncIterable<R> & PromiseLike<R[]>, options: LiveLearningCurveOptions = {}): Promise<R[]> {
  const live = liveLearningCurve<R>(options);
  try {
    for await (const record of run) live.push(record);
  } finally {
    await live.close();
  }
  return await run;
}
