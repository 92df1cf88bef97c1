/**
 * What a cell sees at run time: the globals declared in cell-globals.d.ts (display, input,
 * comms, ...) and the hidden `__rlbook` object that compiled cells call (loop ticks for
 * interrupts, imports from the notebook's folder, import.meta).
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { installKernelHooks, type KernelHooks } from "../src/kernel-hooks.js";
import { guardSource, RUNTIME } from "./compile.js";
import { bundleOf, format, type Formatted } from "./format.js";
import { cellContext, currentContext, runWithSink } from "./cell-context.js";
import { importFromCell } from "./cell-import.js";
import { cellRequire } from "./shared-packages.js";
import type { Comms } from "./comm.js";
import type { Output } from "./output.js";

/** Thrown into a running cell when the user interrupts the kernel (as Python's KeyboardInterrupt). */
export class KeyboardInterrupt extends Error {
  override name = "KeyboardInterrupt";
  constructor() {
    super("the kernel was interrupted");
  }
}

export interface RuntimeOptions {
  cwd: string;
  output: Output;
  comms: Comms;
  interruptFlag: Int32Array;
  requestInput(prompt: string, password: boolean): Promise<string>;
}

const indirectEval = globalThis.eval;

/**
 * Replaces the executor's global `Function` (and `Function.prototype.constructor`, so
 * `(function () {}).constructor(code)` too) with one that compiles the body through
 * `guardSource`: loops in code that cells or libraries build at run time stop on interrupt like
 * loops in cells, without restarting the executor. `instanceof Function` and every function's
 * prototype are unchanged. Async and generator function constructors are not replaced.
 */
function guardFunctionConstructor(guardSource: (code: string) => string): void {
  const Original = globalThis.Function;
  const Guarded = function Function(this: unknown, ...args: unknown[]) {
    if (args.length) args[args.length - 1] = guardSource(String(args[args.length - 1]));
    return Reflect.construct(Original, args, new.target ?? Original) as unknown;
  } as unknown as FunctionConstructor;
  Object.defineProperty(Guarded, "prototype", { value: Original.prototype });
  Object.defineProperty(Original.prototype, "constructor", { value: Guarded, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(globalThis, "Function", { value: Guarded, writable: true, configurable: true, enumerable: false });
}

export function installRuntime(options: RuntimeOptions): void {
  const { output, comms, interruptFlag } = options;

  const show = (msgType: "display_data" | "update_display_data", value: unknown, displayId?: string): Promise<void> => {
    const { parent, sink } = currentContext() ?? {};
    if (sink) {
      // Inside an Output widget's capture the formatted value goes to the widget.
      const hand = (formatted: Formatted) => sink.display(formatted, { displayId, update: msgType === "update_display_data" });
      const formatted = format(value);
      return formatted instanceof Promise ? formatted.then(hand) : Promise.resolve(hand(formatted));
    }
    const message = (formatted: Formatted) => ({
      kind: "iopub" as const,
      parent,
      msgType,
      content: { data: formatted.data, metadata: formatted.metadata, transient: displayId ? { display_id: displayId } : {} },
    });
    const formatted = format(value);
    if (!(formatted instanceof Promise)) {
      output.send(msgType, message(formatted).content, { parent });
      return Promise.resolve();
    }
    return output.sendLater(formatted.then(message));
  };

  // The globals return nothing (as IPython's display does), so a display call ending a cell
  // shows no stray result; output order is kept by the output queue, not by awaiting.
  const display = Object.assign((value: unknown, opts: { displayId?: string } = {}) => void show("display_data", value, opts.displayId), {
    html: (html: string, opts: { displayId?: string } = {}) => void show("display_data", bundleOf({ "text/html": html, "text/plain": "<HTML>" }), opts.displayId),
    markdown: (markdown: string, opts: { displayId?: string } = {}) => void show("display_data", bundleOf({ "text/markdown": markdown, "text/plain": markdown }), opts.displayId),
    svg: (svg: string, opts: { displayId?: string } = {}) => void show("display_data", bundleOf({ "image/svg+xml": svg, "text/plain": "<SVG image>" }), opts.displayId),
    png: (png: Uint8Array | string, opts: { displayId?: string; width?: number; height?: number } = {}) => {
      const data = typeof png === "string" ? png : Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64");
      const size = opts.width || opts.height ? { "image/png": { ...(opts.width ? { width: opts.width } : {}), ...(opts.height ? { height: opts.height } : {}) } } : {};
      void show("display_data", bundleOf({ "image/png": data, "text/plain": "<PNG image>" }, size), opts.displayId);
    },
    json: (value: unknown, opts: { displayId?: string } = {}) => void show("display_data", bundleOf({ "application/json": value, "text/plain": JSON.stringify(value, null, 2) }), opts.displayId),
    vegaLite: (spec: object, opts: { displayId?: string } = {}) => void show("display_data", bundleOf({ "application/vnd.vegalite.v5+json": spec, "text/plain": "<Vega-Lite chart>" }), opts.displayId),
  });

  const updateDisplay = (value: unknown, opts: { displayId: string }) => {
    if (!opts?.displayId) throw new TypeError("updateDisplay needs {displayId}: the id given to display() for the output to replace");
    void show("update_display_data", value, opts.displayId);
  };
  const clearOutput = (opts: { wait?: boolean } = {}) => {
    const sink = currentContext()?.sink;
    if (sink) sink.clear(Boolean(opts.wait));
    else output.send("clear_output", { wait: Boolean(opts.wait) });
  };
  const interruptSignal = () => currentContext()?.signal ?? new AbortController().signal;
  const input = (prompt = "", opts: { password?: boolean } = {}) => options.requestInput(String(prompt), Boolean(opts.password));

  const hooks: KernelHooks = {
    display: (value, opts = {}) => show("display_data", value, opts.displayId),
    updateDisplay: (value, opts) => show("update_display_data", value, opts.displayId),
    clearOutput,
    comms,
    signal: () => currentContext()?.signal,
    captureOutput: runWithSink,
  };
  installKernelHooks(hooks);

  const globals: Record<string, unknown> = {
    display,
    updateDisplay,
    clearOutput,
    input,
    comms,
    interruptSignal,
    require: cellRequire(createRequire(join(options.cwd, "__rlbook_cell__.js"))),
  };
  for (const [name, value] of Object.entries(globals)) Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  let ticks = 0;
  const runtime = {
    /**
     * Called at the top of every loop body in cell code: throws once an interrupt is pending.
     * An interrupted cell's async work can resume after the next cell has started (and the
     * flag was cleared), e.g. when an awaited import finishes; every 1024th tick therefore also
     * checks the abort signal of the cell the code belongs to, so such a loop stops too.
     */
    tick(): void {
      if (Atomics.load(interruptFlag, 0) !== 0) throw new KeyboardInterrupt();
      if ((++ticks & 1023) === 0 && cellContext.getStore()?.signal.aborted) throw new KeyboardInterrupt();
    },
    /** The code of a direct `eval(code)` in cell code, with loop checks (a non-string is eval's to return as is). */
    guard: (code: unknown): unknown => (typeof code === "string" ? guarded(code) : code),
    /** `eval` used as a value in cell code (`(0, eval)(code)`): an indirect eval of the guarded code. */
    eval: (code: unknown): unknown => (typeof code === "string" ? indirectEval(guarded(code)) : code),
    import: importFromCell,
    importMeta: {
      url: pathToFileURL(join(options.cwd, "__rlbook_cell__.ts")).href,
      dirname: options.cwd,
      filename: join(options.cwd, "__rlbook_cell__.ts"),
    },
  };
  // Guarding is the kernel's own work: an interrupt waits for it (interruptFlag[1], as in worker.ts) instead of restarting the executor.
  const guarded = (code: string): string => {
    Atomics.store(interruptFlag, 1, 1);
    try {
      return guardSource(code);
    } finally {
      Atomics.store(interruptFlag, 1, 0);
    }
  };
  guardFunctionConstructor(guarded);
  Object.defineProperty(globalThis, RUNTIME, { value: runtime, writable: false, configurable: false, enumerable: false });
}
