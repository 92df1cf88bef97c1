/**
 * RL panels built from the controls:
 *
 * - `TrainingMonitor`: a progress bar, live metrics, a Stop button and the live learning curve
 *   for a `train()` run, attached with one line:
 *
 *     const history = await new TrainingMonitor({ title: "PPO" }).train(agent, { steps: 50_000 });
 *     // or, keeping your own call: await train(agent, monitor.with({ steps: 50_000 }))
 *
 *   It subscribes to the run's metric records (a train callback) and owns an AbortSignal that
 *   its Stop button aborts; train() stops cleanly after the current iteration.
 *
 * - `EpisodePlayer`: Play + slider + the frame view for an episode's SVG frames (an
 *   `Episode` from recordEpisode, or any list of SVG strings). Play drives the slider in the
 *   front end (jslink); the kernel swaps the frame when the slider moves.
 */
import type { Agent } from "../src/algos/base.js";
import { kernelHooks } from "../src/kernel-hooks.js";
import { train, type MetricRecord, type TrainingRun, type TrainOptions } from "../src/train/index.js";
import { Button, HBox, HTML, IntProgress, IntSlider, Play, VBox } from "./generated.js";
import { jslink } from "./link.js";

export const escapeHTML = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A number for people: 3 significant digits, thousands separated for large integers. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  return Number(value.toPrecision(3)).toString();
}

const clock = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
};

export interface CurveSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color: string;
  /** Dots instead of a line. */
  dots?: boolean;
  width?: number;
  /** Stroke opacity (default 1): faded series, such as a sweep's pruned trials. */
  opacity?: number;
}

/**
 * A small SVG line chart (no dependencies, microseconds to draw, so it can redraw several
 * times a second during training). Series with more than `maxPoints` points are thinned.
 */
export function svgLineChart(series: readonly CurveSeries[], options: { width?: number; height?: number; xLabel?: string; yLabel?: string; maxPoints?: number; legend?: boolean; empty?: string } = {}): string {
  const W = options.width ?? 520;
  const H = options.height ?? 220;
  const m = { left: 58, right: 14, top: 12, bottom: 34 };
  const maxPoints = options.maxPoints ?? 600;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const frame = `<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#bbb"/>`;
  const labels =
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 4}" text-anchor="middle" font-size="11" fill="#444">${escapeHTML(options.xLabel ?? "")}</text>` +
    `<text x="12" y="${(m.top + H - m.bottom) / 2}" text-anchor="middle" font-size="11" fill="#444" transform="rotate(-90 12 ${(m.top + H - m.bottom) / 2})">${escapeHTML(options.yLabel ?? "")}</text>`;
  if (!all.length) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${frame}${labels}<text x="${(m.left + W - m.right) / 2}" y="${(m.top + H - m.bottom) / 2}" text-anchor="middle" font-size="12" fill="#888">${escapeHTML(options.empty ?? "waiting for the first episode")}</text></svg>`;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (W - m.left - m.right);
  const sy = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const ticks: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    ticks.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#eee"/><text x="${m.left - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#555">${formatMetric(y)}</text>`);
    const x = x0 + ((x1 - x0) * i) / 4;
    ticks.push(`<text x="${sx(x).toFixed(1)}" y="${H - m.bottom + 14}" text-anchor="middle" font-size="10" fill="#555">${formatMetric(Math.round(x))}</text>`);
  }
  const drawn = series.map((s) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const step = Math.max(1, Math.ceil(pts.length / maxPoints));
    const kept = pts.filter((_, i) => i % step === 0 || i === pts.length - 1);
    if (s.dots) return kept.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHTML(s.name)}: ${formatMetric(y)}</title></circle>`).join("");
    const d = kept.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}"${s.opacity !== undefined ? ` stroke-opacity="${s.opacity}"` : ""}><title>${escapeHTML(s.name)}</title></path>`;
  });
  const legend = (options.legend ?? true) === false ? "" : series
    .filter((s) => s.points.length)
    .map((s, i) => `<rect x="${m.left + 8 + i * 130}" y="${m.top + 6}" width="10" height="3" fill="${s.color}"/><text x="${m.left + 22 + i * 130}" y="${m.top + 11}" font-size="10" fill="#333">${escapeHTML(s.name)}</text>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${ticks.join("")}${frame}${drawn.join("")}${legend}${labels}</svg>`;
}

export interface TrainingMonitorOptions {
  /** Shown above the progress bar. */
  title?: string;
  /** Total env steps of the run (set by `with()` / `train()` from their options). */
  steps?: number;
  /** The record field drawn as the learning curve (default "episodeReturn"). */
  curve?: string;
  /** Least time between two redraws, ms (default 250). */
  updateMs?: number;
  /** Exponential smoothing weight of the curve's trend line (default 0.9; 0 for none). */
  smoothing?: number;
}

/** Fields of a record that are bookkeeping, not metrics. */
const NOT_METRICS = new Set(["step", "iteration", "time", "episodes"]);

/** A progress bar, live metrics, a Stop button and the learning curve of a training run. */
export class TrainingMonitor extends VBox {
  readonly progress: IntProgress;
  readonly status: HTML;
  readonly stopButton: Button;
  readonly metricsView: HTML;
  readonly curveView: HTML;
  /** Every record received. */
  readonly records: MetricRecord[] = [];
  /** Set when the run ended: "done", "stopped" (by the Stop button) or the train() stop reason. */
  finished: string | undefined;
  /** Redraws sent so far. */
  redraws = 0;
  readonly #controller = new AbortController();
  readonly #options: Required<Omit<TrainingMonitorOptions, "title" | "steps">>;
  readonly #title: string;
  #total: number | undefined;
  #lastDraw = 0;
  #timer: NodeJS.Timeout | undefined;
  #shown = false;
  readonly #started = performance.now();

  constructor(options: TrainingMonitorOptions = {}) {
    const progress = new IntProgress({ value: 0, min: 0, max: 1, description: "", bar_style: "info" });
    const status = new HTML({ value: "waiting for the first iteration" });
    const stopButton = new Button({ description: "Stop", button_style: "danger", icon: "stop", tooltip: "Stop training after the current iteration" });
    const metricsView = new HTML({ value: "" });
    const curveView = new HTML({ value: svgLineChart([]) });
    const title = new HTML({ value: options.title ? `<b>${escapeHTML(options.title)}</b>` : "" });
    super([title, new HBox([progress, stopButton]), status, new HBox([curveView, metricsView])]);
    this.progress = progress;
    this.status = status;
    this.stopButton = stopButton;
    this.metricsView = metricsView;
    this.curveView = curveView;
    this.#title = options.title ?? "";
    this.#options = { curve: options.curve ?? "episodeReturn", updateMs: options.updateMs ?? 250, smoothing: options.smoothing ?? 0.9 };
    if (options.steps !== undefined) this.setTotal(options.steps);
    stopButton.onClick(() => this.stop());
  }

  /** Aborted by the Stop button (or `stop()`): pass it to train() as `signal`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** A train() callback that feeds the monitor. */
  readonly callback = (record: MetricRecord): void => this.push(record);

  /** Sets the run's total steps (the progress bar's maximum). */
  setTotal(steps: number): void {
    if (!(Number.isInteger(steps) && steps > 0)) throw new RangeError(`TrainingMonitor: steps must be a positive integer, got ${steps}`);
    this.#total = steps;
    this.progress.set({ max: steps });
  }

  /**
   * train() options with the monitor attached: its Stop signal (combined with yours) and its
   * callback (after yours). Shows the monitor in a kernel.
   */
  with<O extends TrainOptions>(options: O): O & { signal: AbortSignal; callbacks: NonNullable<TrainOptions["callbacks"]> } {
    this.setTotal(options.steps);
    const callbacks = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks];
    const signal = options.signal ? AbortSignal.any([options.signal, this.signal]) : this.signal;
    this.show();
    return { ...options, signal, callbacks: [...callbacks, this.callback] };
  }

  /** Trains `agent` with the monitor attached; resolves with the history, as train() does. */
  train(agent: Agent, options: TrainOptions): TrainingRun {
    const run = train(agent, this.with(options));
    run.then(
      () => this.finish(this.#controller.signal.aborted ? "stopped" : run.stopReason === "steps" ? "done" : (run.stopReason ?? "done")),
      (error: unknown) => this.finish(`failed: ${(error as Error)?.message ?? error}`),
    );
    return run;
  }

  /** Shows the monitor in the running cell (once). */
  show(): void {
    if (this.#shown) return;
    this.#shown = true;
    void kernelHooks()?.display(this);
  }

  /** Stops the run: aborts the signal, disables the button. */
  stop(): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(new Error("stopped from the TrainingMonitor"));
    this.stopButton.set({ disabled: true, description: "Stopping" });
    this.progress.set({ bar_style: "warning" });
  }

  /** Takes one metric record (train() calls this through `callback`). */
  push(record: MetricRecord): void {
    this.records.push(record);
    const now = performance.now();
    if (now - this.#lastDraw >= this.#options.updateMs) this.#draw();
    else this.#timer ??= setTimeout(() => this.#draw(), this.#options.updateMs - (now - this.#lastDraw));
  }

  /** Marks the run as ended and draws the final state. */
  finish(reason = "done"): void {
    this.finished = reason;
    this.#draw();
    this.stopButton.set({ disabled: true, description: reason === "stopped" ? "Stopped" : "Done" });
    this.progress.set({ bar_style: reason === "done" || reason === "target" ? "success" : reason === "stopped" || reason === "aborted" ? "warning" : "danger" });
  }

  #draw(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastDraw = performance.now();
    this.redraws++;
    const last = this.records[this.records.length - 1];
    const step = last?.step ?? 0;
    const total = this.#total;
    if (total !== undefined) this.progress.value = Math.min(step, total);
    const elapsed = last?.time ?? (performance.now() - this.#started) / 1000;
    const fps = last?.fps ?? 0;
    const parts = [`step ${formatMetric(step)}${total !== undefined ? ` / ${formatMetric(total)}` : ""}`, `${formatMetric(Math.round(fps))} steps/s`, `${clock(elapsed)} elapsed`];
    if (total !== undefined && fps > 0 && step < total && !this.finished) parts.push(`ETA ${clock((total - step) / fps)}`);
    if (this.finished) parts.push(this.finished === "stopped" ? "stopped from the monitor" : this.finished);
    else if (this.#controller.signal.aborted) parts.push("stopping after this iteration");
    this.status.value = `<span style="font-family:monospace">${escapeHTML(parts.join(" · "))}</span>`;
    this.metricsView.value = this.#metricsTable();
    this.curveView.value = this.#curve();
  }

  /** The latest finite value of every metric. */
  latest(): Record<string, number> {
    const latest: Record<string, number> = {};
    for (const r of this.records) for (const [k, v] of Object.entries(r)) if (!NOT_METRICS.has(k) && typeof v === "number" && Number.isFinite(v)) latest[k] = v;
    return latest;
  }

  #metricsTable(): string {
    const rows = Object.entries(this.latest())
      .map(([k, v]) => `<tr><td style="padding:1px 8px 1px 0;color:#555">${escapeHTML(k)}</td><td style="text-align:right;font-family:monospace">${escapeHTML(formatMetric(v))}</td></tr>`)
      .join("");
    return `<table class="rlbook-metrics" style="font-size:12px;border-collapse:collapse">${rows}</table>`;
  }

  #curve(): string {
    const key = this.#options.curve;
    const points = this.records.filter((r) => Number.isFinite(r[key])).map((r) => [r.step, r[key] as number] as const);
    const series: CurveSeries[] = [{ name: key, points, color: "#9ecae1", width: 1 }];
    const w = this.#options.smoothing;
    if (w > 0 && points.length > 2) {
      let s = points[0]![1];
      series.push({ name: "smoothed", points: points.map(([x, y]) => [x, (s = w * s + (1 - w) * y)] as const), color: "#3182bd", width: 2 });
    }
    const evals = this.records.filter((r) => Number.isFinite(r.evalMeanReturn)).map((r) => [r.step, r.evalMeanReturn!] as const);
    if (evals.length) series.push({ name: "eval", points: evals, color: "#e6550d", dots: true });
    return svgLineChart(series, { xLabel: "env steps", yLabel: key });
  }

  override toString(): string {
    const last = this.records[this.records.length - 1];
    return `TrainingMonitor(${this.#title ? `${JSON.stringify(this.#title)}, ` : ""}step ${last?.step ?? 0}${this.#total ? `/${this.#total}` : ""}${this.finished ? `, ${this.finished}` : ""})`;
  }
}

/** What an EpisodePlayer plays: an Episode from recordEpisode, or SVG frames. */
export type EpisodeLike = readonly string[] | { readonly frames: readonly string[]; readonly fps?: number; readonly frameSteps?: readonly number[]; readonly envName?: string };

/** Play + slider + frame view for an episode's SVG frames. */
export class EpisodePlayer extends VBox {
  readonly play: Play;
  readonly slider: IntSlider;
  readonly frame: HTML;
  readonly frames: readonly string[];
  readonly #steps: readonly number[];

  constructor(episode: EpisodeLike, options: { fps?: number; title?: string } = {}) {
    const frames = Array.isArray(episode) ? (episode as readonly string[]) : (episode as { frames: readonly string[] }).frames;
    if (!Array.isArray(frames) || !frames.length || !frames.every((f) => typeof f === "string")) throw new TypeError("EpisodePlayer needs a non-empty list of SVG frames (or an Episode from recordEpisode)");
    const e = Array.isArray(episode) ? {} : (episode as { fps?: number; frameSteps?: readonly number[]; envName?: string });
    const fps = options.fps ?? e.fps ?? 30;
    if (!(fps > 0)) throw new RangeError(`EpisodePlayer: fps must be positive, got ${fps}`);
    const steps = e.frameSteps && e.frameSteps.length === frames.length ? e.frameSteps : frames.map((_, i) => i);
    const play = new Play({ value: 0, min: 0, max: frames.length - 1, interval: Math.max(1, Math.round(1000 / fps)), description: "Play", show_repeat: true });
    const slider = new IntSlider({ value: 0, min: 0, max: frames.length - 1, description: "frame", continuous_update: true });
    const frame = new HTML({ value: frames[0]! });
    const title = options.title ?? e.envName;
    const caption = new HTML({ value: title ? `<b>${escapeHTML(title)}</b>` : "" });
    super([caption, new HBox([play, slider]), frame]);
    this.play = play;
    this.slider = slider;
    this.frame = frame;
    this.frames = frames;
    this.#steps = steps;
    // Play drives the slider in the front end; the kernel swaps the frame when the slider moves.
    jslink([play, "value"], [slider, "value"]);
    slider.observe("value", (c) => (frame.value = this.frames[c.new]!));
  }

  /** The env step of the frame shown now. */
  get step(): number {
    return this.#steps[this.slider.value]!;
  }

  /** Shows frame `index` (kernel side; the views follow). */
  seek(index: number): void {
    this.slider.value = index;
    this.play.value = this.slider.value;
  }

  override toString(): string {
    return `EpisodePlayer(${this.frames.length} frames)`;
  }
}
