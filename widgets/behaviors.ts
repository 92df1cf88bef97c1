/**
 * What some models do beyond holding typed state, as ipywidgets does it in Python: bounded
 * numbers clamp, selections map values to indices, boxes take their children first, a button
 * reports clicks, an Output collects output. The generated classes (generated.ts) extend
 * these bases, chosen by the attributes a model has.
 */
import { inspect } from "node:util";
import { isDisplayable, displaySymbol, type DisplayResult, type MimeBundle } from "../src/display.js";
import { kernelHooks, type OutputSink } from "../src/kernel-hooks.js";
import { same, Widget, type Init } from "./widget.js";

/** A model with no behaviour of its own beyond its attributes. */
export abstract class CoreWidget<S extends object = any> extends Widget<S> {}

// ---- numbers --------------------------------------------------------------------------------

const rangeError = (widget: Widget, message: string) => new RangeError(`${widget.modelSpec.className}: ${message}`);

/** value, min and max: `min > max` is an error, and the value is clamped into [min, max] (IntSlider, FloatProgress, Play, ...). */
export abstract class BoundedWidget<S extends object = any> extends Widget<S> {
  /** The bounds the value is clamped into. */
  protected bounds(next: Record<string, unknown>): [number, number] {
    return [next.min as number, next.max as number];
  }

  protected override coerce(next: Record<string, unknown>, changed: ReadonlySet<string>): void {
    const min = next.min as number;
    const max = next.max as number;
    if (min > max) throw rangeError(this, changed.has("max") && !changed.has("min") ? `setting max < min (max=${max}, min=${min})` : `setting min > max (min=${min}, max=${max})`);
    const [lo, hi] = this.bounds(next);
    const value = next.value as number;
    if (typeof value === "number" && !Number.isNaN(value)) next.value = Math.min(Math.max(value, lo), hi);
  }
}

/** FloatLogSlider: min and max are exponents of `base`; the value is clamped into [base**min, base**max]. */
export abstract class LogSliderWidget<S extends object = any> extends BoundedWidget<S> {
  protected override bounds(next: Record<string, unknown>): [number, number] {
    const base = next.base as number;
    return [base ** (next.min as number), base ** (next.max as number)];
  }
}

/** IntRangeSlider / FloatRangeSlider: value is [lower, upper] within [min, max]. */
export abstract class RangeWidget<S extends object = any> extends Widget<S> {
  protected override coerce(next: Record<string, unknown>, changed: ReadonlySet<string>): void {
    const min = next.min as number;
    const max = next.max as number;
    if (min > max) throw rangeError(this, changed.has("max") && !changed.has("min") ? `setting max < min (max=${max}, min=${min})` : `setting min > max (min=${min}, max=${max})`);
    const value = next.value as unknown[];
    if (value.length !== 2 || !value.every((v) => typeof v === "number")) throw new TypeError(`${this.modelSpec.className}.value must be [lower, upper], got ${JSON.stringify(value)}`);
    let [lower, upper] = value as number[];
    if (lower! > upper!) throw rangeError(this, `setting lower > upper (${lower} > ${upper})`);
    lower = Math.min(Math.max(lower!, min), max);
    upper = Math.min(Math.max(upper!, min), max);
    if (lower !== value[0] || upper !== value[1]) next.value = Object.freeze([lower, upper]);
  }
}

// ---- selections -----------------------------------------------------------------------------

/** Options of a selection: values (labelled by String(value)), [label, value] pairs, or a record of label -> value. */
export type Options<V> = readonly V[] | readonly (readonly [string, V])[] | Readonly<Record<string, V>>;

function parseOptions<V>(widget: Widget, options: unknown): { labels: string[]; values: V[] } {
  if (Array.isArray(options)) {
    const pairs = options.length > 0 && options.every((o) => Array.isArray(o) && o.length === 2 && typeof o[0] === "string");
    if (pairs) return { labels: options.map((o) => o[0] as string), values: options.map((o) => o[1] as V) };
    return { labels: options.map((o) => (typeof o === "string" ? o : typeof o === "object" && o !== null ? inspect(o, { breakLength: Infinity }) : String(o))), values: [...options] as V[] };
  }
  if (options !== null && typeof options === "object" && !(options instanceof Widget)) return { labels: Object.keys(options), values: Object.values(options) as V[] };
  throw new TypeError(`${widget.modelSpec.className}.options must be a list of values, a list of [label, value] pairs or a record of label -> value, got ${String(options)}`);
}

export interface SelectionInit<V> {
  options?: Options<V>;
  value?: V | null;
  label?: string | null;
}

/**
 * Dropdown, Select, RadioButtons, ToggleButtons, SelectionSlider: one selected option.
 * `value` and `label` are views of `index`; observers may watch all three.
 */
export abstract class SelectionWidget<S extends object = any, V = any> extends Widget<S> {
  #values: V[] = [];
  #last: { value: V | null; label: string | null } = { value: null, label: null };

  constructor(init: Init<S> & SelectionInit<V> = {} as Init<S> & SelectionInit<V>) {
    const { options, value, label, index, ...rest } = init as Record<string, unknown>;
    super(rest as Init<S>);
    const first: Record<string, unknown> = { options: options ?? [] };
    if (index !== undefined) first.index = index;
    if (value !== undefined) first.value = value;
    if (label !== undefined) first.label = label;
    this.set(first as Init<S>);
    if (this.get("index") === 0 && !(this.get("_options_labels") as string[]).length) throw new TypeError(`${this.modelSpec.className} needs at least one option`);
    this.#last = { value: this.value, label: this.label };
  }

  /** The options' values, in order. */
  get options(): readonly V[] {
    return this.#values;
  }
  set options(options: Options<V>) {
    this.set({ options } as never);
  }

  /** The selected option's value (null when nothing is selected). */
  get value(): V | null {
    const index = this.get("index") as number | null;
    return index === null ? null : (this.#values[index] as V);
  }
  set value(value: V | null) {
    this.set({ value } as never);
  }

  /** The selected option's label. */
  get label(): string | null {
    const index = this.get("index") as number | null;
    return index === null ? null : (this.get("_options_labels") as string[])[index]!;
  }
  set label(label: string | null) {
    this.set({ label } as never);
  }

  override set(changes: Init<S> & SelectionInit<V>): this {
    const saved = this.#values;
    try {
      return super.set(changes);
    } catch (error) {
      this.#values = saved;
      throw error;
    }
  }

  protected override derivedNames(): string[] {
    return ["value", "label", "options"];
  }

  protected override translate(changes: Record<string, unknown>): Record<string, unknown> {
    const { options, value, label, ...out } = changes;
    const name = this.modelSpec.className;
    let labels = this.get("_options_labels") as readonly string[];
    if (options !== undefined) {
      const parsed = parseOptions<V>(this, options);
      labels = parsed.labels;
      this.#values = parsed.values;
      out._options_labels = labels;
      if (!labels.length && !this.modelSpec.attributes.index!.nullable) throw new TypeError(`${name} needs at least one option`);
      if (!("index" in out) && value === undefined && label === undefined) out.index = labels.length ? 0 : null;
    }
    if (value !== undefined) {
      if (value === null) out.index = null;
      else {
        const i = this.#values.findIndex((v) => same(v, value));
        if (i < 0) throw new TypeError(`${name}.value: ${JSON.stringify(value)} is not one of the options (${labels.map((l) => JSON.stringify(l)).join(", ")})`);
        out.index = i;
      }
    }
    if (label !== undefined) {
      if (label === null) out.index = null;
      else {
        const i = labels.indexOf(label as string);
        if (i < 0) throw new TypeError(`${name}.label: ${JSON.stringify(label)} is not one of the option labels (${labels.map((l) => JSON.stringify(l)).join(", ")})`);
        out.index = i;
      }
    }
    return out;
  }

  protected override coerce(next: Record<string, unknown>): void {
    const index = next.index as number | null;
    const count = (next._options_labels as string[]).length;
    // The schema's default state (index 0 of no options) stands until the options are set.
    if (count === 0 && index === 0 && !this.modelSpec.attributes.index!.nullable) return;
    if (index !== null && !(index >= 0 && index < count)) throw new RangeError(`${this.modelSpec.className}.index ${index} is out of range: there are ${count} options`);
  }

  protected override afterChange(changed: string[]): void {
    if (!changed.includes("index") && !changed.includes("_options_labels")) return;
    const last = this.#last;
    this.#last = { value: this.value, label: this.label };
    this.emitChange("value", last.value, this.#last.value);
    this.emitChange("label", last.label, this.#last.label);
  }
}

/** SelectMultiple: `index` is a list; `value` and `label` are lists too. */
export abstract class MultipleSelectionWidget<S extends object = any, V = any> extends Widget<S> {
  #values: V[] = [];
  #last: { value: V[]; label: string[] } = { value: [], label: [] };

  constructor(init: Init<S> & { options?: Options<V>; value?: readonly V[]; label?: readonly string[] } = {} as never) {
    const { options, value, label, index, ...rest } = init as Record<string, unknown>;
    super(rest as Init<S>);
    const first: Record<string, unknown> = { options: options ?? [] };
    if (index !== undefined) first.index = index;
    if (value !== undefined) first.value = value;
    if (label !== undefined) first.label = label;
    this.set(first as Init<S>);
    this.#last = { value: this.value, label: this.label };
  }

  get options(): readonly V[] {
    return this.#values;
  }
  set options(options: Options<V>) {
    this.set({ options } as never);
  }
  /** The selected options' values. */
  get value(): V[] {
    return (this.get("index") as number[]).map((i) => this.#values[i]!);
  }
  set value(value: readonly V[]) {
    this.set({ value } as never);
  }
  get label(): string[] {
    const labels = this.get("_options_labels") as string[];
    return (this.get("index") as number[]).map((i) => labels[i]!);
  }
  set label(label: readonly string[]) {
    this.set({ label } as never);
  }

  override set(changes: Init<S> & { options?: Options<V>; value?: readonly V[]; label?: readonly string[] }): this {
    const saved = this.#values;
    try {
      return super.set(changes);
    } catch (error) {
      this.#values = saved;
      throw error;
    }
  }

  protected override derivedNames(): string[] {
    return ["value", "label", "options"];
  }

  protected override translate(changes: Record<string, unknown>): Record<string, unknown> {
    const { options, value, label, ...out } = changes;
    const name = this.modelSpec.className;
    let labels = this.get("_options_labels") as readonly string[];
    if (options !== undefined) {
      const parsed = parseOptions<V>(this, options);
      labels = parsed.labels;
      this.#values = parsed.values;
      out._options_labels = labels;
      if (!("index" in out) && value === undefined && label === undefined) out.index = [];
    }
    if (value !== undefined) {
      if (!Array.isArray(value)) throw new TypeError(`${name}.value must be a list of options, got ${JSON.stringify(value)}`);
      out.index = value.map((v) => {
        const i = this.#values.findIndex((o) => same(o, v));
        if (i < 0) throw new TypeError(`${name}.value: ${JSON.stringify(v)} is not one of the options`);
        return i;
      });
    }
    if (label !== undefined) {
      if (!Array.isArray(label)) throw new TypeError(`${name}.label must be a list of labels, got ${JSON.stringify(label)}`);
      out.index = label.map((l) => {
        const i = labels.indexOf(l as string);
        if (i < 0) throw new TypeError(`${name}.label: ${JSON.stringify(l)} is not one of the option labels`);
        return i;
      });
    }
    return out;
  }

  protected override coerce(next: Record<string, unknown>): void {
    const count = (next._options_labels as string[]).length;
    for (const i of next.index as number[]) if (!(i >= 0 && i < count)) throw new RangeError(`${this.modelSpec.className}.index ${i} is out of range: there are ${count} options`);
  }

  protected override afterChange(changed: string[]): void {
    if (!changed.includes("index") && !changed.includes("_options_labels")) return;
    const last = this.#last;
    this.#last = { value: this.value, label: this.label };
    this.emitChange("value", last.value, this.#last.value);
    this.emitChange("label", last.label, this.#last.label);
  }
}

/** SelectionRangeSlider: `index` is [lower, upper]; `value` and `label` are pairs. */
export abstract class SelectionRangeWidget<S extends object = any, V = any> extends Widget<S> {
  #values: V[] = [];
  #last: { value: [V, V] | null; label: [string, string] | null } = { value: null, label: null };

  constructor(init: Init<S> & { options?: Options<V>; value?: readonly [V, V]; label?: readonly [string, string] } = {} as never) {
    const { options, value, label, index, ...rest } = init as Record<string, unknown>;
    super(rest as Init<S>);
    const first: Record<string, unknown> = { options: options ?? [] };
    if (index !== undefined) first.index = index;
    if (value !== undefined) first.value = value;
    if (label !== undefined) first.label = label;
    this.set(first as never);
    this.#last = { value: this.value, label: this.label };
  }

  get options(): readonly V[] {
    return this.#values;
  }
  set options(options: Options<V>) {
    this.set({ options } as never);
  }
  get value(): [V, V] | null {
    const [a, b] = this.get("index") as number[];
    return this.#values.length ? [this.#values[a!]!, this.#values[b!]!] : null;
  }
  set value(value: readonly [V, V] | null) {
    this.set({ value } as never);
  }
  get label(): [string, string] | null {
    const labels = this.get("_options_labels") as string[];
    const [a, b] = this.get("index") as number[];
    return labels.length ? [labels[a!]!, labels[b!]!] : null;
  }
  set label(label: readonly [string, string] | null) {
    this.set({ label } as never);
  }

  override set(changes: Init<S> & { options?: Options<V>; value?: readonly [V, V]; label?: readonly [string, string] }): this {
    const saved = this.#values;
    try {
      return super.set(changes);
    } catch (error) {
      this.#values = saved;
      throw error;
    }
  }

  protected override derivedNames(): string[] {
    return ["value", "label", "options"];
  }

  protected override translate(changes: Record<string, unknown>): Record<string, unknown> {
    const { options, value, label, ...out } = changes;
    const name = this.modelSpec.className;
    let labels = this.get("_options_labels") as readonly string[];
    if (options !== undefined) {
      const parsed = parseOptions<V>(this, options);
      labels = parsed.labels;
      this.#values = parsed.values;
      out._options_labels = labels;
      if (!("index" in out) && value === undefined && label === undefined) out.index = [0, 0];
    }
    const pair = (what: string, items: unknown, find: (item: unknown) => number) => {
      if (!Array.isArray(items) || items.length !== 2) throw new TypeError(`${name}.${what} must be a pair [lower, upper], got ${JSON.stringify(items)}`);
      return items.map((item) => {
        const i = find(item);
        if (i < 0) throw new TypeError(`${name}.${what}: ${JSON.stringify(item)} is not one of the options`);
        return i;
      });
    };
    if (value !== undefined) out.index = pair("value", value, (v) => this.#values.findIndex((o) => same(o, v)));
    if (label !== undefined) out.index = pair("label", label, (l) => labels.indexOf(l as string));
    return out;
  }

  protected override coerce(next: Record<string, unknown>): void {
    const count = (next._options_labels as string[]).length;
    const index = next.index as number[];
    if (index.length !== 2 || !index.every(Number.isInteger)) throw new TypeError(`${this.modelSpec.className}.index must be [lower, upper], got ${JSON.stringify(index)}`);
    if (count > 0 && !index.every((i) => i >= 0 && i < count)) throw new RangeError(`${this.modelSpec.className}.index ${JSON.stringify(index)} is out of range: there are ${count} options`);
    if (index[0]! > index[1]!) throw new RangeError(`${this.modelSpec.className}: setting lower > upper (index ${JSON.stringify(index)})`);
  }

  protected override afterChange(changed: string[]): void {
    if (!changed.includes("index") && !changed.includes("_options_labels")) return;
    const last = this.#last;
    this.#last = { value: this.value, label: this.label };
    this.emitChange("value", last.value, this.#last.value);
    this.emitChange("label", last.label, this.#last.label);
  }
}

// ---- containers, buttons --------------------------------------------------------------------

/** Box, HBox, VBox, GridBox, Tab, Accordion, Stack: `new HBox([a, b], {layout})`. */
export abstract class BoxWidget<S extends object = any> extends Widget<S> {
  constructor(children?: readonly Widget[] | Init<S>, init: Init<S> = {}) {
    super(Array.isArray(children) ? ({ ...init, children } as Init<S>) : ((children ?? init) as Init<S>));
  }
}

/** Button: `onClick(handler)`; a click in a front end arrives as a custom `{event: "click"}` message. */
export abstract class ButtonWidget<S extends object = any> extends Widget<S> {
  readonly #clickHandlers = new Set<(button: this) => void | Promise<void>>();

  constructor(init: Init<S> = {}) {
    super(init);
    this.onCustom((content) => {
      if (content !== null && typeof content === "object" && (content as { event?: unknown }).event === "click") this.click();
    });
  }

  /** Calls `handler` on every click; returns a function that removes it. */
  onClick(handler: (button: this) => void | Promise<void>): () => void {
    this.#clickHandlers.add(handler);
    return () => this.#clickHandlers.delete(handler);
  }

  /** Clicks the button from kernel code: runs the click handlers. */
  click(): void {
    for (const handler of [...this.#clickHandlers]) {
      const result = handler(this);
      if (result instanceof Promise) result.catch((error: unknown) => console.error(`Error in a click handler of ${this.toString()}: ${(error as Error)?.stack ?? error}`));
    }
  }
}

// ---- output -----------------------------------------------------------------------------------

/** One output in nbformat's shape, as an Output widget's `outputs` holds it. */
export type OutputItem =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: MimeBundle; metadata: Record<string, unknown> }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

let warnedNoCapture = false;

/** A MIME bundle for a value, as the kernel's format() makes it (display protocol, else inspect text). */
export async function bundleFor(value: unknown): Promise<{ data: MimeBundle; metadata: Record<string, unknown> }> {
  if (isDisplayable(value)) {
    const result: DisplayResult = await value[displaySymbol]();
    const isBundle = Object.keys(result).some((k) => k.includes("/"));
    const { data, metadata } = isBundle ? { data: result as MimeBundle, metadata: {} } : (result as { data: MimeBundle; metadata?: Record<string, unknown> });
    return { data: { "text/plain": `<${(value as object).constructor?.name ?? "object"}>`, ...data }, metadata: metadata ?? {} };
  }
  return { data: { "text/plain": typeof value === "string" ? value : inspect(value, { depth: 4, breakLength: 100 }) }, metadata: {} };
}

/**
 * Output: a place in the page for output. Explicit appends work everywhere; `capture(fn)`
 * routes everything `fn` prints or displays (also later, from async work it started) into it.
 */
export abstract class OutputWidget<S extends object = any> extends Widget<S> {
  #clearOnNext = false;
  readonly #displayIds = new Map<string, number>();

  get #outputs(): readonly OutputItem[] {
    return this.get("outputs") as readonly OutputItem[];
  }

  #push(item: OutputItem, displayId?: string): void {
    let outputs = this.#clearOnNext ? [] : [...this.#outputs];
    if (this.#clearOnNext) this.#displayIds.clear();
    this.#clearOnNext = false;
    const last = outputs[outputs.length - 1];
    if (item.output_type === "stream" && last?.output_type === "stream" && last.name === item.name) {
      outputs[outputs.length - 1] = { ...last, text: last.text + item.text };
    } else {
      if (displayId !== undefined) this.#displayIds.set(displayId, outputs.length);
      outputs = [...outputs, item];
    }
    this.set({ outputs } as never);
  }

  /** Appends text as stdout. */
  appendStdout(text: string): void {
    this.#push({ output_type: "stream", name: "stdout", text: String(text) });
  }

  /** Appends text as stderr. */
  appendStderr(text: string): void {
    this.#push({ output_type: "stream", name: "stderr", text: String(text) });
  }

  /** Appends a value's rich display (widgets, charts, images, or its text). */
  async appendDisplayData(value: unknown): Promise<void> {
    const { data, metadata } = await bundleFor(value);
    this.#push({ output_type: "display_data", data, metadata });
  }

  /** Appends an error with its stack, as a cell's error output. */
  appendError(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.#push({ output_type: "error", ename: e.name, evalue: e.message, traceback: (e.stack ?? `${e.name}: ${e.message}`).split("\n") });
  }

  /** Clears the outputs now, or (`wait`) when the next output arrives, so the view does not flicker. */
  clearOutput(options: { wait?: boolean } = {}): void {
    if (options.wait) {
      this.#clearOnNext = true;
      return;
    }
    this.#clearOnNext = false;
    this.#displayIds.clear();
    this.set({ outputs: [] } as never);
  }

  /** Carries out a `clearOutput({wait: true})` that no output has followed yet. */
  flushPendingClear(): void {
    if (this.#clearOnNext) this.clearOutput();
  }

  /** The sink that the kernel's captureOutput hook writes into. */
  get sink(): OutputSink {
    return {
      stream: (name, text) => this.#push({ output_type: "stream", name, text }),
      display: (output, options) => {
        const at = options.displayId !== undefined ? this.#displayIds.get(options.displayId) : undefined;
        const item: OutputItem = { output_type: "display_data", data: output.data, metadata: output.metadata };
        if (options.update) {
          if (at === undefined || this.#clearOnNext) return;
          const outputs = [...this.#outputs];
          outputs[at] = item;
          this.set({ outputs } as never);
        } else this.#push(item, options.displayId);
      },
      clear: (wait) => this.clearOutput({ wait }),
    };
  }

  /**
   * Runs `fn` with its output (console.*, display(), clearOutput()) going into this widget,
   * including output of timers and promises it starts. An error it throws (or its promise
   * rejects with) is shown in the widget and rethrown. Returns what `fn` returns.
   */
  capture<T>(fn: () => T): T {
    const run = (): T => {
      try {
        const result = fn();
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            this.appendError(error);
            throw error;
          }) as T;
        }
        return result;
      } catch (error) {
        this.appendError(error);
        throw error;
      }
    };
    const hooks = kernelHooks();
    if (hooks?.captureOutput) return hooks.captureOutput(this.sink, run);
    if (hooks && !warnedNoCapture) {
      warnedNoCapture = true;
      console.warn("rlbook widgets: this kernel cannot capture output (no captureOutput hook); output made inside Output.capture() goes to the cell");
    }
    return run();
  }

  /** Wraps a function so that every call runs inside `capture` (for button handlers and observers). */
  captured<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A) => this.capture(() => fn(...args));
  }
}
