/**
 * What the rlbook kernel offers to library code running inside it, without the library
 * importing the kernel: the kernel installs these hooks on `globalThis` at start. In a plain
 * `node` script there is no kernel and `kernelHooks()` returns undefined, so library code
 * checks for it and falls back (a live chart simply does not redraw).
 */

import type { MimeBundle, MimeMetadata } from "./display.js";

export interface DisplayOptions {
  /** Names the output so that later `updateDisplay` calls replace it in place. */
  displayId?: string;
}

/** Binary payloads travel beside a comm message as buffers. */
export type CommBuffers = (ArrayBuffer | ArrayBufferView)[];

export interface CommMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  buffers: Uint8Array[];
}

/** One end of a Jupyter comm: a two-way channel between kernel code and a front end. */
export interface Comm {
  readonly id: string;
  readonly targetName: string;
  /** True once either side has closed it. */
  readonly closed: boolean;
  send(data: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: CommBuffers): void;
  close(data?: Record<string, unknown>, metadata?: Record<string, unknown>): void;
  /** Calls `handler` for every message from the front end; returns a function that unsubscribes. */
  onMessage(handler: (message: CommMessage) => void): () => void;
  onClose(handler: (message: CommMessage) => void): () => void;
}

/** Opens comms from the kernel side and answers comms that front ends open. */
export interface CommManager {
  open(targetName: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: CommBuffers): Comm;
  /** Registers code that answers front-end comm_open messages for `targetName`. */
  registerTarget(targetName: string, handler: (comm: Comm, message: CommMessage) => void): void;
  unregisterTarget(targetName: string): void;
}

/**
 * Receives the output of code running inside an Output widget's capture (see
 * `KernelHooks.captureOutput`): what would have gone to the cell goes here instead.
 */
export interface OutputSink {
  /** Text the code wrote to stdout or stderr (console.*, process.stdout.write). */
  stream(name: "stdout" | "stderr", text: string): void;
  /**
   * A value shown with display() / the display hook (update: false), or an updateDisplay()
   * of a display id (update: true), already formatted by the kernel.
   */
  display(output: { data: MimeBundle; metadata: MimeMetadata }, options: { displayId?: string; update: boolean }): void;
  /** clearOutput() called by the captured code. */
  clear(wait: boolean): void;
}

export interface KernelHooks {
  /** Shows a value (formatted like a cell result) in the output of the cell that is running. */
  display(value: unknown, options?: DisplayOptions): Promise<void>;
  /** Replaces the output previously displayed with the same displayId, wherever it is. */
  updateDisplay(value: unknown, options: { displayId: string }): Promise<void>;
  /** Clears the current cell's output; with `wait`, only when new output arrives. */
  clearOutput(options?: { wait?: boolean }): void;
  /** The comm manager (widgets build on it). */
  readonly comms: CommManager;
  /** An AbortSignal of the running cell, aborted when the user interrupts the kernel. */
  signal(): AbortSignal | undefined;
  /**
   * Runs `fn` with the output it makes (streams, displays, clearOutput) handed to `sink`
   * instead of the running cell, and returns what `fn` returns. The capture is carried by the
   * async context, so timers and promises started inside `fn` keep writing to `sink`.
   * Optional: a kernel without it cannot capture (Output widgets still take explicit appends).
   */
  captureOutput?<T>(sink: OutputSink, fn: () => T): T;
}

const hooksKey = Symbol.for("rlbook.kernel.hooks");

/** The running kernel's hooks, or undefined outside a kernel. */
export function kernelHooks(): KernelHooks | undefined {
  return (globalThis as Record<symbol, unknown>)[hooksKey] as KernelHooks | undefined;
}

/** Installs the kernel's hooks (called by the kernel only). */
export function installKernelHooks(hooks: KernelHooks): void {
  Object.defineProperty(globalThis, hooksKey, { value: hooks, configurable: true, enumerable: false });
}
