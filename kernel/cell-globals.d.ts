// Globals that the rlbook kernel puts in scope for every cell (type declarations for the
// cell type checker; the values are installed by kernel/runtime.ts).

interface RlbookDisplayOptions {
  /** Names the output so that `updateDisplay` can replace it later. */
  displayId?: string;
}

/** Shows a value in the cell's output, formatted as a cell result would be. */
declare function display(value: unknown, options?: RlbookDisplayOptions): void;
declare namespace display {
  /** Shows HTML. */
  function html(html: string, options?: RlbookDisplayOptions): void;
  /** Shows Markdown. */
  function markdown(markdown: string, options?: RlbookDisplayOptions): void;
  /** Shows an SVG image given as markup. */
  function svg(svg: string, options?: RlbookDisplayOptions): void;
  /** Shows a PNG image from its bytes or base64 text. */
  function png(png: Uint8Array | string, options?: RlbookDisplayOptions & { width?: number; height?: number }): void;
  /** Shows a JSON value as an explorable tree (with a text fallback). */
  function json(value: unknown, options?: RlbookDisplayOptions): void;
  /** Shows a Vega-Lite 5 chart from its spec. */
  function vegaLite(spec: object, options?: RlbookDisplayOptions): void;
}

/** Replaces the output shown earlier with the same displayId. */
declare function updateDisplay(value: unknown, options: { displayId: string }): void;

/** Clears this cell's output; with `wait: true`, only once new output arrives (no flicker). */
declare function clearOutput(options?: { wait?: boolean }): void;

/** Asks the user for a line of text through the front end (Jupyter's stdin channel). */
declare function input(prompt?: string, options?: { password?: boolean }): Promise<string>;

/** Jupyter comms: open a channel to the front end or answer ones it opens. */
declare const comms: import("../src/kernel-hooks.js").CommManager;

/** An AbortSignal of the running cell that aborts when the kernel is interrupted. */
declare function interruptSignal(): AbortSignal;

/** CommonJS require, resolving from the notebook's folder. */
declare var require: NodeJS.Require;
