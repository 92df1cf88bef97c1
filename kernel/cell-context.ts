/**
 * Which cell is running, carried through async work with AsyncLocalStorage: output from a
 * timer or a promise started by a cell goes to that cell, however late it arrives.
 */
import { AsyncLocalStorage, createHook } from "node:async_hooks";
import type { Parent } from "./worker-protocol.js";
import type { OutputSink } from "../src/kernel-hooks.js";

export interface CellContext {
  /** The request that output in this context answers (routes it to a cell on the front end). */
  parent: Parent;
  executionCount: number;
  allowStdin: boolean;
  /** Aborted when the user interrupts this cell. */
  signal: AbortSignal;
  /** Set inside an Output widget's capture: output goes there instead of to the cell. */
  sink?: OutputSink;
}

export const cellContext = new AsyncLocalStorage<CellContext>();

let latest: CellContext | undefined;

/** The context of the code running now, or else of the most recent cell. */
export function currentContext(): CellContext | undefined {
  return cellContext.getStore() ?? latest;
}

export function runInCell<T>(context: CellContext, fn: () => T): T {
  latest = context;
  return cellContext.run(context, fn);
}

/** Runs `fn` with output routed to `parent` (e.g. a comm message's handlers), keeping the cell's other settings. */
export function runWithParent<T>(parent: Parent, fn: () => T): T {
  const base = currentContext();
  return cellContext.run({ parent, executionCount: base?.executionCount ?? 0, allowStdin: false, signal: base?.signal ?? new AbortController().signal }, fn);
}

/** Runs `fn` with its output (and that of the async work it starts) handed to `sink`. */
export function runWithSink<T>(sink: OutputSink, fn: () => T): T {
  const base = currentContext();
  return cellContext.run({ parent: base?.parent as Parent, executionCount: base?.executionCount ?? 0, allowStdin: base?.allowStdin ?? false, signal: base?.signal ?? new AbortController().signal, sink }, fn);
}

/** Remembers the cell each promise was created in, so an unhandled rejection is reported in its own cell. */
const promiseContexts = new WeakMap<object, CellContext>();
createHook({
  init(_id, type, _trigger, resource) {
    if (type === "PROMISE") {
      const context = cellContext.getStore();
      if (context) promiseContexts.set(resource as object, context);
    }
  },
}).enable();

export function contextOfPromise(promise: Promise<unknown>): CellContext | undefined {
  return promiseContexts.get(promise);
}
