/**
 * `SweepPanel`: a hyperparameter sweep in a widget.
 *
 *   const panel = new SweepPanel({ space, objective, metric: "return", pruner: "asha", trials: 12 });
 *   display(panel);                 // set the ranges, sampler, pruner, trials; click Run
 *   const result = await panel.run();   // or start it from code, same as a Run click
 *
 * Controls for the space (a range slider per numeric parameter, a multi-select per choice),
 * the sampler, pruner, trials and parallelism; Run starts `sweep()` with what they say and Stop
 * aborts it through its AbortSignal. While it runs: the learning curve of every trial (its
 * `report()`s, one colour per trial, pruned ones faded), a parallel-coordinates view of the
 * finished trials, and a leaderboard sorted by the metric; picking a trial there shows its
 * configuration and curve. The charts are small SVGs drawn in HTML widgets (the widget front
 * ends do not render Vega-Lite), as TrainingMonitor's curve is.
 */
import { kernelHooks } from "../src/kernel-hooks.js";
import { sweep, type SweepOptions, type SweepResult, type SweepRun } from "../src/sweep/sweep.js";
import { validateSpace, choice, intUniform, logUniform, quantized, uniform, type Config, type Param, type Space } from "../src/sweep/space.js";
import type { TrialRecord } from "../src/sweep/store.js";
import type { Pruner } from "../src/sweep/pruners.js";
import { BoundedIntText, Button, Dropdown, FloatRangeSlider, HBox, HTML, IntRangeSlider, Layout, Select, SelectMultiple, VBox } from "./generated.js";
import { escapeHTML, formatMetric, svgLineChart, type CurveSeries } from "./rl.js";
import type { Widget } from "./widget.js";

/** One colour per trial (Tableau 10, then Tableau 20's light half). */
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#8cd17d", "#f1ce63", "#86bcb6", "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e"];
export const trialColor = (n: number): string => PALETTE[n % PALETTE.length]!;

export interface SweepPanelOptions extends Omit<SweepOptions, "signal" | "sampler" | "pruner"> {
  sampler?: "tpe" | "random" | "grid";
  /** "none", "median", "asha", or a configured pruner (ashaPruner({...})), offered in the dropdown as its own entry. */
  pruner?: "none" | "median" | "asha" | Pruner;
  title?: string;
  /** Least time between two redraws, ms (default 250). */
  updateMs?: number;
  /** Label of the curves' x axis (default "step"). */
  xLabel?: string;
}

type SpaceControl =
  | { name: string; param: Param & { kind: "uniform" | "logUniform" | "intUniform" | "quantized" }; widget: FloatRangeSlider | IntRangeSlider }
  | { name: string; param: Param & { kind: "choice" }; widget: SelectMultiple<number> };

const fmt = (v: unknown) => (typeof v === "number" ? formatMetric(v) : typeof v === "string" ? v : JSON.stringify(v));

/**
 * Parallel coordinates as SVG: one axis per parameter and one for the metric, one polyline per
 * trial in its colour (pruned and failed faded). Log-uniform parameters are on a log axis and
 * choices are spread evenly.
 */
export function svgParallelCoordinates(space: Space, trials: readonly TrialRecord[], metric: string, options: { width?: number; height?: number; color?: (n: number) => string } = {}): string {
  const W = options.width ?? 520;
  const H = options.height ?? 220;
  const m = { left: 40, right: 40, top: 24, bottom: 26 };
  const color = options.color ?? trialColor;
  const names = Object.keys(space).filter((k) => space[k]!.kind !== "fixed");
  const shown = trials.filter((t) => t.status !== "running" && (t.status === "complete" ? Number.isFinite(t.value) : true));
  type Axis = { label: string; pos: (t: TrialRecord) => number | undefined; ticks: [number, string][] };
  const linear = (vals: number[], map: (v: number) => number = (v) => v) => {
    let lo = Math.min(...vals.map(map));
    let hi = Math.max(...vals.map(map));
    if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
    return (v: number) => (map(v) - lo) / (hi - lo);
  };
  const axes: Axis[] = names.map((name) => {
    const p = space[name]!;
    if (p.kind === "choice") {
      const labels = p.values.map((v) => fmt(v));
      const at = (i: number) => (p.values.length === 1 ? 0.5 : i / (p.values.length - 1));
      return { label: name, pos: (t) => { const i = labels.indexOf(fmt(t.config[name])); return i < 0 ? undefined : at(i); }, ticks: labels.map((l, i) => [at(i), l]) };
    }
    const { low, high } = p as { low: number; high: number };
    const log = p.kind === "logUniform" || (p.kind === "intUniform" && p.log === true);
    const f = linear([low, high], log ? Math.log : undefined);
    return { label: name, pos: (t) => (typeof t.config[name] === "number" ? f(t.config[name] as number) : undefined), ticks: [[0, formatMetric(low)], [1, formatMetric(high)]] };
  });
  const values = shown.map((t) => t.status === "complete" ? t.value! : t.reports.at(-1)?.value).filter((v): v is number => Number.isFinite(v));
  if (values.length) {
    const f = linear(values);
    const val = (t: TrialRecord) => (t.status === "complete" ? t.value : t.reports.at(-1)?.value);
    axes.push({ label: metric, pos: (t) => (Number.isFinite(val(t)) ? f(val(t)!) : undefined), ticks: [[0, formatMetric(Math.min(...values))], [1, formatMetric(Math.max(...values))]] });
  }
  const x = (j: number) => m.left + (axes.length === 1 ? 0.5 : j / (axes.length - 1)) * (W - m.left - m.right);
  const y = (v: number) => H - m.bottom - v * (H - m.top - m.bottom);
  const axisSvg = axes
    .map((a, j) =>
      `<line x1="${x(j).toFixed(1)}" x2="${x(j).toFixed(1)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#999"/>` +
      `<text x="${x(j).toFixed(1)}" y="${m.top - 8}" text-anchor="middle" font-size="11" fill="#333">${escapeHTML(a.label)}</text>` +
      a.ticks.map(([v, t]) => `<text x="${(x(j) + 3).toFixed(1)}" y="${(y(v) + (v === 0 ? 12 : v === 1 ? -2 : 3)).toFixed(1)}" font-size="9" fill="#666">${escapeHTML(t)}</text>`).join(""),
    )
    .join("");
  const lines = shown
    .map((t) => {
      const pts = axes.map((a, j) => [x(j), a.pos(t)] as const);
      if (pts.some(([, v]) => v === undefined)) return "";
      const d = pts.map(([px, v], i) => `${i ? "L" : "M"}${px.toFixed(1)},${y(v!).toFixed(1)}`).join("");
      const faded = t.status !== "complete";
      return `<path class="trial" data-trial="${t.number}" d="${d}" fill="none" stroke="${color(t.number)}" stroke-width="${faded ? 1 : 2}" stroke-opacity="${faded ? 0.3 : 0.9}"${faded ? ' stroke-dasharray="3 2"' : ""}><title>trial ${t.number} (${t.status})</title></path>`;
    })
    .join("");
  const empty = shown.length ? "" : `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12" fill="#888">no finished trial yet</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="rlbook-parallel" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${lines}${axisSvg}${empty}</svg>`;
}

/** Trials in leaderboard order: complete ones by the metric (best first), then pruned ones by their last report, then the rest. */
export function leaderboardOrder(trials: readonly TrialRecord[], mode: SweepOptions["mode"]): TrialRecord[] {
  const sign = mode === "min" || mode === "minimize" ? 1 : -1;
  const rank = (t: TrialRecord) => (t.status === "complete" && Number.isFinite(t.value) ? 0 : t.status === "pruned" ? 1 : t.status === "running" ? 2 : 3);
  const val = (t: TrialRecord) => (t.status === "complete" ? t.value : t.reports.at(-1)?.value) ?? NaN;
  return [...trials].sort((a, b) => rank(a) - rank(b) || (Number.isFinite(val(a)) && Number.isFinite(val(b)) ? sign * (val(a) - val(b)) : 0) || a.number - b.number);
}

/** A hyperparameter sweep with its controls, live curves, parallel coordinates and leaderboard. */
export class SweepPanel extends VBox {
  readonly controls: SpaceControl[];
  readonly sampler: Dropdown<"tpe" | "random" | "grid">;
  readonly pruner: Dropdown<"none" | "median" | "asha" | Pruner>;
  readonly trials: BoundedIntText;
  readonly parallel: BoundedIntText;
  readonly runButton: Button;
  readonly stopButton: Button;
  readonly status: HTML;
  readonly curves: HTML;
  readonly parallelView: HTML;
  readonly leaderboard: Select<number>;
  readonly detail: HTML;
  /** The sweep running now, or the last one. */
  current: SweepRun | undefined;
  /** The last finished sweep's result. */
  result: SweepResult | undefined;
  /** The trial shown in the detail view. */
  picked: number | undefined;
  /** Redraws sent so far. */
  redraws = 0;
  readonly #options: SweepPanelOptions;
  readonly #space: Space;
  #controller: AbortController | undefined;
  #lastDraw = 0;
  #timer: NodeJS.Timeout | undefined;
  #settingBoard = false;

  constructor(options: SweepPanelOptions) {
    const space = validateSpace(options.space);
    const controls: SpaceControl[] = [];
    for (const [name, param] of Object.entries(space)) {
      const layout = new Layout({ width: "440px" });
      if (param.kind === "choice") {
        const widget = new SelectMultiple<number>({ options: param.values.map((v, i) => [fmt(v), i] as [string, number]), value: param.values.map((_, i) => i), description: name, rows: Math.min(param.values.length, 4), layout });
        controls.push({ name, param, widget });
      } else if (param.kind === "intUniform") {
        controls.push({ name, param, widget: new IntRangeSlider({ min: param.low, max: param.high, value: [param.low, param.high], step: 1, description: name, layout }) });
      } else if (param.kind === "logUniform") {
        const [lo, hi] = [Math.log10(param.low), Math.log10(param.high)];
        controls.push({ name, param, widget: new FloatRangeSlider({ min: lo, max: hi, value: [lo, hi], step: (hi - lo) / 100, description: `${name} (log10)`, readout_format: ".2f", layout }) });
      } else if (param.kind === "uniform" || param.kind === "quantized") {
        const step = param.kind === "quantized" ? param.q : (param.high - param.low) / 100;
        const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
        controls.push({ name, param, widget: new FloatRangeSlider({ min: param.low, max: param.high, value: [param.low, param.high], step, description: name, readout_format: `.${digits}f`, layout }) });
      }
    }
    const sampler = new Dropdown<"tpe" | "random" | "grid">({ options: ["tpe", "random", "grid"], value: options.sampler ?? "tpe", description: "sampler" });
    const given = options.pruner;
    const prunerOptions: [string, "none" | "median" | "asha" | Pruner][] = [["none", "none"], ["median", "median"], ["asha", "asha"]];
    if (typeof given === "object") prunerOptions.push([`${given.spec.kind} ${JSON.stringify(given.spec.options ?? {})}`, given]);
    const pruner = new Dropdown<"none" | "median" | "asha" | Pruner>({ options: prunerOptions, value: given ?? "none", description: "pruner" });
    const trials = new BoundedIntText({ value: options.trials ?? 20, min: 1, max: 10_000, description: "trials" });
    const parallel = new BoundedIntText({ value: options.parallel ?? 1, min: 1, max: 256, description: "parallel" });
    const runButton = new Button({ description: "Run", button_style: "success", icon: "play", tooltip: "Start a sweep with these settings" });
    const stopButton = new Button({ description: "Stop", button_style: "danger", icon: "stop", disabled: true, tooltip: "Stop the sweep (running trials are aborted)" });
    const status = new HTML({ value: "ready: set the ranges and click Run" });
    const curves = new HTML({ value: svgLineChart([], { xLabel: options.xLabel ?? "step", yLabel: options.metric ?? "value", empty: "no report yet", legend: false }) });
    const parallelView = new HTML({ value: svgParallelCoordinates(space, [], options.metric ?? "value") });
    const leaderboard = new Select<number>({ options: [["(no finished trial yet)", -1]], value: -1, description: "leaderboard", rows: 8, layout: new Layout({ width: "520px" }) });
    const detail = new HTML({ value: "" });
    const title = new HTML({ value: options.title ? `<b>${escapeHTML(options.title)}</b>` : "" });
    super([
      title,
      new VBox(controls.map((c) => c.widget as Widget)),
      new HBox([sampler, pruner]),
      new HBox([trials, parallel]),
      new HBox([runButton, stopButton]),
      status,
      new HBox([curves, parallelView]),
      new HBox([leaderboard, detail]),
    ]);
    this.controls = controls;
    this.sampler = sampler;
    this.pruner = pruner;
    this.trials = trials;
    this.parallel = parallel;
    this.runButton = runButton;
    this.stopButton = stopButton;
    this.status = status;
    this.curves = curves;
    this.parallelView = parallelView;
    this.leaderboard = leaderboard;
    this.detail = detail;
    this.#options = options;
    this.#space = space;
    runButton.onClick(() => {
      this.run().then(
        () => undefined,
        () => undefined, // shown in the status line
      );
    });
    stopButton.onClick(() => this.stop());
    leaderboard.observe("value", (c) => {
      if (!this.#settingBoard && typeof c.new === "number" && c.new >= 0) this.pick(c.new);
    });
  }

  /** The search space the controls describe now (ranges narrowed by the sliders, choices by the selections). */
  space(): Space {
    const space: Space = { ...this.#space };
    for (const c of this.controls) {
      if (c.param.kind === "choice") {
        const picked = (c.widget as SelectMultiple<number>).value;
        if (!picked.length) throw new RangeError(`SweepPanel: select at least one value of ${c.name}`);
        space[c.name] = choice(picked.map((i) => (c.param as { values: unknown[] }).values[i]));
        continue;
      }
      const p = c.param;
      let [lo, hi] = (c.widget as FloatRangeSlider).value as readonly number[] as [number, number];
      if (p.kind === "logUniform") [lo, hi] = [10 ** lo, 10 ** hi];
      lo = Math.max(p.low, Math.min(p.high, lo));
      hi = Math.max(p.low, Math.min(p.high, hi));
      if (p.kind === "quantized") {
        const snap = (v: number) => Number((p.low + Math.round((v - p.low) / p.q) * p.q).toPrecision(12));
        [lo, hi] = [snap(lo), snap(hi)];
      }
      if (p.kind === "logUniform" && lo === p.low) lo = p.low; // exact ends, no 10 ** log10 drift
      if (lo >= hi) space[c.name] = { kind: "fixed", value: p.kind === "intUniform" ? Math.round(lo) : lo };
      else if (p.kind === "uniform") space[c.name] = uniform(lo, hi);
      else if (p.kind === "logUniform") space[c.name] = logUniform(lo, hi);
      else if (p.kind === "intUniform") space[c.name] = intUniform(Math.round(lo), Math.round(hi), { log: p.log });
      else space[c.name] = quantized(lo, hi, p.q);
    }
    return space;
  }

  /** The sweep options the panel would run now. */
  sweepOptions(): SweepOptions {
    const { title: _t, updateMs: _u, xLabel: _x, ...rest } = this.#options;
    return { ...rest, space: this.space(), sampler: this.sampler.value ?? "tpe", pruner: this.pruner.value ?? "none", trials: this.trials.value, parallel: this.parallel.value };
  }

  /** Whether a sweep is running. */
  get running(): boolean {
    return this.#controller !== undefined;
  }

  /**
   * Starts a sweep with the controls' settings (what the Run button does) and resolves with
   * its result. Interrupting the cell that awaits it stops it too.
   */
  run(): SweepRun {
    if (this.#controller) throw new Error("SweepPanel: a sweep is already running; Stop it first");
    let options: SweepOptions;
    try {
      options = this.sweepOptions();
    } catch (error) {
      this.status.value = `<span style="color:#b00">${escapeHTML((error as Error).message)}</span>`;
      throw error;
    }
    const controller = new AbortController();
    const kernelSignal = kernelHooks()?.signal();
    let run: SweepRun;
    try {
      run = sweep({ ...options, signal: kernelSignal ? AbortSignal.any([controller.signal, kernelSignal]) : controller.signal });
    } catch (error) {
      this.status.value = `<span style="color:#b00">${escapeHTML((error as Error).message)}</span>`;
      throw error;
    }
    this.#controller = controller;
    this.current = run;
    this.result = undefined;
    this.picked = undefined;
    this.runButton.disabled = true;
    this.stopButton.set({ disabled: false, description: "Stop" });
    for (const c of [...this.controls.map((c) => c.widget), this.sampler, this.pruner, this.trials, this.parallel]) c.set({ disabled: true } as never);
    this.#draw();
    void (async () => {
      try {
        for await (const _ of run) this.#schedule();
      } catch {
        // the result's rejection is reported below
      }
    })();
    run.then(
      (result) => this.#finish(result, controller.signal.aborted ? "stopped" : "done"),
      (error: unknown) => this.#finish(undefined, `failed: ${(error as Error)?.message ?? error}`),
    );
    return run;
  }

  /** Stops the running sweep through its AbortSignal (what the Stop button does). */
  stop(): void {
    if (!this.#controller || this.#controller.signal.aborted) return;
    this.#controller.abort(new Error("stopped from the SweepPanel"));
    this.stopButton.set({ disabled: true, description: "Stopping" });
    this.#draw();
  }

  /** Shows trial `number`'s configuration and curve (what picking it in the leaderboard does). */
  pick(number: number): void {
    const t = this.#trials().find((x) => x.number === number);
    if (!t) throw new RangeError(`SweepPanel: no trial ${number}`);
    this.picked = number;
    if (this.leaderboard.value !== number && this.leaderboard.options.includes(number)) {
      this.#settingBoard = true;
      try {
        this.leaderboard.value = number;
      } finally {
        this.#settingBoard = false;
      }
    }
    this.detail.value = this.#detail(t);
  }

  #trials(): TrialRecord[] {
    return this.current ? [...this.current.trials.values()].sort((a, b) => a.number - b.number) : [];
  }

  #metric(): string {
    return this.#options.metric ?? "value";
  }

  #schedule(): void {
    const now = performance.now();
    const every = this.#options.updateMs ?? 250;
    if (now - this.#lastDraw >= every) this.#draw();
    else this.#timer ??= setTimeout(() => this.#draw(), every - (now - this.#lastDraw));
  }

  #finish(result: SweepResult | undefined, reason: string): void {
    this.#controller = undefined;
    this.result = result;
    this.runButton.disabled = false;
    this.stopButton.set({ disabled: true, description: "Stop" });
    for (const c of [...this.controls.map((c) => c.widget), this.sampler, this.pruner, this.trials, this.parallel]) c.set({ disabled: false } as never);
    this.#draw(reason);
    const best = result?.best;
    if (best && this.picked === undefined) this.pick(best.number);
  }

  #draw(finished?: string): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastDraw = performance.now();
    this.redraws++;
    const trials = this.#trials();
    const metric = this.#metric();
    const counts = { running: 0, complete: 0, pruned: 0, failed: 0 } as Record<string, number>;
    for (const t of trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
    const total = this.current ? `${trials.length}/${this.trials.value} trials` : "";
    const state = finished ?? (this.#controller?.signal.aborted ? "stopping: running trials are being aborted" : "running");
    const best = leaderboardOrder(trials, this.#options.mode).find((t) => t.status === "complete");
    const parts = [state, total, `${counts.complete} complete`, `${counts.pruned} pruned`, `${counts.failed} failed`, `${counts.running} running`];
    if (best) parts.push(`best ${metric} ${formatMetric(best.value!)} (trial ${best.number})`);
    this.status.value = `<span class="rlbook-sweep-status" style="font-family:monospace">${escapeHTML(parts.filter(Boolean).join(" · "))}</span>`;
    this.curves.value = svgLineChart(
      trials.map((t) => this.#series(t)),
      { xLabel: this.#options.xLabel ?? "step", yLabel: metric, empty: "no report yet", legend: false },
    );
    this.parallelView.value = svgParallelCoordinates(this.current ? this.space() : this.#space, trials, metric);
    const order = leaderboardOrder(trials.filter((t) => t.status !== "running"), this.#options.mode);
    const options: [string, number][] = order.map((t, i) => [this.#row(t, i), t.number]);
    this.#settingBoard = true;
    try {
      this.leaderboard.set({ options: options.length ? options : [["(no finished trial yet)", -1]], value: this.picked !== undefined && order.some((t) => t.number === this.picked) ? this.picked : options.length ? null : -1 } as never);
    } finally {
      this.#settingBoard = false;
    }
    const picked = trials.find((t) => t.number === this.picked);
    if (picked) this.detail.value = this.#detail(picked);
  }

  #series(t: TrialRecord): CurveSeries {
    const faded = t.status === "pruned" || t.status === "failed";
    return { name: `trial ${t.number}${faded ? ` (${t.status})` : ""}`, points: t.reports.map((r) => [r.step, r.value] as const), color: trialColor(t.number), width: faded ? 1 : 1.8, opacity: faded ? 0.3 : 0.95 };
  }

  #row(t: TrialRecord, i: number): string {
    const keys = Object.keys(this.#space).filter((k) => this.#space[k]!.kind !== "fixed");
    const v = t.status === "complete" ? formatMetric(t.value!) : t.status === "pruned" ? `${formatMetric(t.reports.at(-1)?.value ?? NaN)} (pruned)` : t.status;
    return `${i + 1}. trial ${t.number}: ${this.#metric()}=${v}  ${keys.map((k) => `${k}=${fmt(t.config[k])}`).join(" ")}`;
  }

  #detail(t: TrialRecord): string {
    const rows = Object.entries(t.config as Config)
      .map(([k, v]) => `<tr><td style="padding:1px 8px 1px 0;color:#555">${escapeHTML(k)}</td><td style="font-family:monospace">${escapeHTML(fmt(v))}</td></tr>`)
      .join("");
    const value = t.status === "complete" ? formatMetric(t.value!) : t.status;
    const head = `<b>trial ${t.number}</b> · ${escapeHTML(t.status)} · ${escapeHTML(this.#metric())} ${escapeHTML(value)}${t.duration !== undefined ? ` · ${formatMetric(t.duration)} s` : ""}`;
    const curve = svgLineChart([{ ...this.#series(t), opacity: 1, width: 2 }], { width: 360, height: 160, xLabel: this.#options.xLabel ?? "step", yLabel: this.#metric(), empty: "no report", legend: false });
    return `<div class="rlbook-trial" data-trial="${t.number}">${head}<table style="font-size:12px;border-collapse:collapse">${rows}</table>${curve}</div>`;
  }

  override toString(): string {
    const trials = this.#trials();
    return `SweepPanel(${trials.length} trials${this.running ? ", running" : this.result ? `, best ${this.#metric()} ${this.result.best ? formatMetric(this.result.best.value!) : "none"}` : ""})`;
  }
}
