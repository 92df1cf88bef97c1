/**
 * `interact(fn, abbreviations)`: controls made from short descriptions of each argument
 * (ipywidgets' `interaction.py`), calling `fn` with their values whenever one changes and
 * showing what it prints, displays or returns in an Output widget cleared on each call.
 *
 *   interact(({lr, gamma, algo, normalize}) => ..., {lr: [1e-5, 1e-2], gamma: 0.99, algo: ["PPO", "DQN"], normalize: true})
 *
 * Abbreviations: `[min, max]` or `[min, max, step]` -> IntSlider (all integers) or FloatSlider
 * (a positive float range spanning 100x or more -> FloatLogSlider, rlbook's choice for
 * learning rates); a number -> a slider over [-v, 3v] (ipywidgets' rule); a boolean ->
 * Checkbox; a string -> Text; any other list or a record of label -> value -> Dropdown; a
 * widget -> itself; `fixed(v)` -> v, with no control. `interactManual` adds a Run button and
 * calls `fn` only when it is clicked.
 */
import { kernelHooks } from "../src/kernel-hooks.js";
import { Widget } from "./widget.js";
import { Button, Checkbox, Dropdown, FloatLogSlider, FloatSlider, IntSlider, Output, Text, VBox } from "./generated.js";

/** A value passed to the function as is, with no control. */
export class Fixed<T> {
  constructor(readonly value: T) {}
}

/** `fixed(env)`: an argument of an interact that has no control. */
export const fixed = <T>(value: T): Fixed<T> => new Fixed(value);

export type Abbreviation =
  | readonly [number, number]
  | readonly [number, number, number]
  | number
  | boolean
  | string
  | readonly unknown[]
  | Widget
  | Fixed<unknown>
  | Readonly<Record<string, unknown>>;

/** The value an abbreviation's control gives the function. */
export type ValueOf<A> =
  A extends Fixed<infer T>
    ? T
    : A extends Widget
      ? A extends { value: infer T }
        ? T
        : unknown
      : A extends readonly [number, number] | readonly [number, number, number]
        ? number
        : A extends boolean
          ? boolean
          : A extends number
            ? number
            : A extends string
              ? string
              : A extends readonly (infer T)[]
                ? T
                : A extends Readonly<Record<string, infer T>>
                  ? T
                  : never;

export type Arguments<A> = { [K in keyof A]: ValueOf<A[K]> };

export interface InteractOptions {
  /** Call only when a Run button is clicked (interactManual). */
  manual?: boolean;
  /** The Run button's text (default "Run Interact", as ipywidgets). */
  manualName?: string;
  /** Clear the output before each call (default true). */
  clearOutput?: boolean;
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A step of about a hundredth of a range, rounded down to a power of ten. */
const niceStep = (range: number) => 10 ** Math.floor(Math.log10(range / 100));

/** ipywidgets' `_get_min_max_value` for a (min, max[, step]) tuple. */
function sliderFromTuple(name: string, t: readonly number[]): Widget {
  const [min, max, step] = t as [number, number, number | undefined];
  if (!(min <= max)) throw new RangeError(`interact: ${name}: min must be <= max, got [${t.join(", ")}]`);
  if (step !== undefined && !(step > 0)) throw new RangeError(`interact: ${name}: step must be > 0, got ${step}`);
  const ints = t.every(Number.isInteger);
  if (ints) {
    const s = step ?? 1;
    let value = min + Math.floor((max - min) / 2);
    value = min + Math.floor((value - min) / s) * s;
    return new IntSlider({ value, min, max, step: s, description: name });
  }
  if (step === undefined && min > 0 && max / min >= 100) {
    const lo = Math.log10(min);
    const hi = Math.log10(max);
    return new FloatLogSlider({ value: 10 ** ((lo + hi) / 2), min: lo, max: hi, step: (hi - lo) / 100, base: 10, readout_format: ".2e", description: name });
  }
  const s = step ?? niceStep(max - min);
  let value = min + (max - min) / 2;
  value = min + Math.floor((value - min) / s + 1e-9) * s;
  return new FloatSlider({ value, min, max, step: s, description: name, readout_format: s >= 0.01 ? ".2f" : ".3g" });
}

/** The control for one abbreviation (undefined for a fixed value). */
export function widgetFromAbbreviation(name: string, abbreviation: unknown): Widget | undefined {
  const a = abbreviation;
  if (a instanceof Fixed) return undefined;
  if (a instanceof Widget) {
    if (!("value" in a)) throw new TypeError(`interact: ${name}: a ${a.modelSpec.className} has no value to pass to the function`);
    if ("description" in a && !(a as unknown as { description: string }).description) (a as unknown as { description: string }).description = name;
    return a;
  }
  if (Array.isArray(a) && (a.length === 2 || a.length === 3) && a.every(isNumber)) return sliderFromTuple(name, a);
  if (typeof a === "boolean") return new Checkbox({ value: a, description: name, indent: false });
  if (isNumber(a)) {
    if (a === 0) return new IntSlider({ value: 0, min: 0, max: 1, description: name });
    const [min, max] = a > 0 ? [-a, 3 * a] : [3 * a, -a];
    if (Number.isInteger(a)) return new IntSlider({ value: a, min, max, description: name });
    return new FloatSlider({ value: a, min, max, step: niceStep(max - min), description: name });
  }
  if (typeof a === "string") return new Text({ value: a, description: name, continuous_update: false });
  if (Array.isArray(a)) {
    if (!a.length) throw new TypeError(`interact: ${name}: an empty list has no option to choose`);
    return new Dropdown({ options: a, description: name });
  }
  if (a !== null && typeof a === "object" && Object.getPrototypeOf(a) === Object.prototype) {
    if (!Object.keys(a).length) throw new TypeError(`interact: ${name}: an empty record has no option to choose`);
    return new Dropdown({ options: a as Record<string, unknown>, description: name });
  }
  throw new TypeError(`interact: ${name}: cannot make a control from ${typeof a === "function" ? "a function" : JSON.stringify(a)} (use [min, max], a number, a boolean, a string, a list, a record, a widget or fixed(value))`);
}

/**
 * The widget `interact` shows: the controls, a Run button when manual, and the Output. It
 * is a VBox; `kwargs` holds the current arguments and `result` the last return value.
 */
export class Interactive<A extends Record<string, unknown> = Record<string, unknown>> extends VBox {
  /** The control of each argument (fixed arguments have none). */
  readonly controls: Readonly<Record<string, Widget>>;
  /** Where the function's output goes. */
  readonly out: Output;
  /** The Run button of a manual interact. */
  readonly runButton: Button | undefined;
  /** What the last call returned (awaited). */
  result: unknown;
  /** How many calls have finished. */
  calls = 0;
  readonly #fn: (args: Arguments<A>) => unknown;
  readonly #fixed: Record<string, unknown>;
  readonly #clear: boolean;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(fn: (args: Arguments<A>) => unknown, abbreviations: A, options: InteractOptions = {}) {
    if (typeof fn !== "function") throw new TypeError("interact needs a function as its first argument");
    if (abbreviations === null || typeof abbreviations !== "object") throw new TypeError("interact needs a record of argument name -> abbreviation");
    const controls: Record<string, Widget> = {};
    const fixedValues: Record<string, unknown> = {};
    for (const [name, abbreviation] of Object.entries(abbreviations)) {
      const control = widgetFromAbbreviation(name, abbreviation);
      if (control) controls[name] = control;
      else fixedValues[name] = (abbreviation as Fixed<unknown>).value;
    }
    const runButton = options.manual ? new Button({ description: options.manualName ?? "Run Interact" }) : undefined;
    const out = new Output();
    super([...Object.values(controls), ...(runButton ? [runButton] : []), out], { _dom_classes: ["widget-interact"] });
    this.controls = controls;
    this.out = out;
    this.runButton = runButton;
    this.#fn = fn;
    this.#fixed = fixedValues;
    this.#clear = options.clearOutput ?? true;
    if (runButton) runButton.onClick(() => this.update());
    else for (const control of Object.values(controls)) control.observe("value", () => this.update());
  }

  /** The arguments the function gets now. */
  get kwargs(): Arguments<A> {
    const args: Record<string, unknown> = { ...this.#fixed };
    for (const [name, control] of Object.entries(this.controls)) args[name] = (control as unknown as { value: unknown }).value;
    return args as Arguments<A>;
  }

  /**
   * Calls the function with the current arguments (calls made while one runs are folded into
   * one more call after it). Resolves when the output is complete.
   */
  update(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = async () => {
      do {
        this.#again = false;
        await this.#callOnce();
      } while (this.#again);
    };
    this.#running = run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Resolves when no call is running (the output is complete). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #callOnce(): Promise<void> {
    const out = this.out;
    if (this.#clear) out.clearOutput({ wait: true });
    try {
      const result = await out.capture(() => this.#fn(this.kwargs));
      this.result = result;
      if (result !== undefined) await out.appendDisplayData(result);
    } catch {
      // capture() has shown the error in the output
    } finally {
      out.flushPendingClear();
      this.calls++;
    }
  }
}

/** The controls and output of `interact`, without displaying them. The function is called once now (unless manual). */
export function interactive<const A extends Record<string, Abbreviation>>(fn: (args: Arguments<A>) => unknown, abbreviations: A, options: InteractOptions = {}): Interactive<A> {
  const widget = new Interactive<A>(fn, abbreviations, options);
  if (!options.manual) void widget.update();
  return widget;
}

/** Shows controls for `fn`'s arguments and calls it whenever one changes (see the module comment). */
export function interact<const A extends Record<string, Abbreviation>>(fn: (args: Arguments<A>) => unknown, abbreviations: A, options: InteractOptions = {}): Interactive<A> {
  const widget = interactive(fn, abbreviations, options);
  void kernelHooks()?.display(widget);
  return widget;
}

/** `interact` with a Run button: the function runs only when it is clicked. */
export function interactManual<const A extends Record<string, Abbreviation>>(fn: (args: Arguments<A>) => unknown, abbreviations: A, options: Omit<InteractOptions, "manual"> = {}): Interactive<A> {
  return interact(fn, abbreviations, { ...options, manual: true });
}
