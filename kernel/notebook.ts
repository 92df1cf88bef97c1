/**
 * Executes a notebook (nbformat 4) through an rlbook kernel, as nbclient does: cells in
 * order, outputs recorded in nbformat's shape (streams merged, display updates applied,
 * clear_output honoured), execution counts set. Stops at the first error unless allowed.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { KernelClient } from "./client.js";
import type { Message } from "./wire.js";

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Record<string, unknown>[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

export class CellExecutionError extends Error {
  override name = "CellExecutionError";
  constructor(readonly cellIndex: number, readonly ename: string, readonly evalue: string, traceback: string[]) {
    super(`cell ${cellIndex + 1} failed with ${ename}: ${evalue}\n${traceback.join("\n").replace(/\x1b\[[0-9;]*m/g, "")}`);
  }
}

/** A cell that ran past `--timeout`: it was interrupted, and its outputs so far are kept. */
export class CellTimeoutError extends Error {
  override name = "CellTimeoutError";
  constructor(readonly cellIndex: number, readonly seconds: number, source: string) {
    const first = source.split("\n").find((l) => l.trim() !== "") ?? "";
    super(`cell ${cellIndex + 1} timed out after ${seconds} s (--timeout ${seconds}) and was interrupted: ${first.length > 80 ? first.slice(0, 77) + "..." : first}`);
  }
}

// The longest setTimeout Node honours (about 24.8 days): "no limit" for a cell.
const NO_LIMIT_S = Math.floor((2 ** 31 - 1) / 1000);
// How long an interrupted cell may take to stop before the kernel counts as hung.
const INTERRUPT_GRACE_S = 10;

export function readNotebook(path: string): Notebook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read notebook ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  let notebook: Notebook;
  try {
    notebook = JSON.parse(text) as Notebook;
  } catch (error) {
    throw new Error(`${path} is not a notebook: invalid JSON (${(error as Error).message})`);
  }
  if (!notebook || typeof notebook !== "object" || !Array.isArray(notebook.cells)) throw new Error(`${path} is not a notebook: it has no "cells" list`);
  if (notebook.nbformat !== 4) throw new Error(`${path} is nbformat ${notebook.nbformat}; rlbook runs nbformat 4 notebooks`);
  return notebook;
}

const sourceOf = (cell: NotebookCell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

/** nbformat stores multi-line text as a list of lines; keep it a string (both are valid). */
function outputOf(message: Message): Record<string, unknown> | undefined {
  const c = message.content as Record<string, unknown>;
  switch (message.header.msg_type) {
    case "stream":
      return { output_type: "stream", name: c.name, text: c.text };
    case "display_data":
      return { output_type: "display_data", data: c.data, metadata: c.metadata ?? {} };
    case "execute_result":
      return { output_type: "execute_result", execution_count: c.execution_count, data: c.data, metadata: c.metadata ?? {} };
    case "error":
      return { output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback };
    default:
      return undefined;
  }
}

export interface RunOptions {
  /** Keep going after a failing cell (its error is recorded in the notebook). */
  allowErrors?: boolean;
  /** Seconds per cell (default: no limit). */
  timeout?: number;
  /** Called after each code cell with its index and outputs. */
  onCell?: (index: number, cell: NotebookCell) => void;
  /** Kernel command for KernelClient.start (default: this package's kernel). */
  argv?: string[];
}

/**
 * Executes every code cell of a notebook file's contents in a fresh kernel started in `cwd`.
 * `timeout` applies to each cell's own run: the kernel's start and warm-up (worker thread,
 * compiler) happen before the first cell. A cell past it is interrupted; its outputs so far and a
 * CellTimeoutError output are kept, and the run stops unless `allowErrors`.
 */
export async function executeNotebook(notebook: Notebook, cwd: string, options: RunOptions = {}): Promise<Notebook> {
  const client = await KernelClient.start({ cwd, argv: options.argv });
  const displayed = new Map<string, Record<string, unknown>[]>();
  try {
    // Warm up: the first execution loads the compiler; it must not count against the first cell.
    await client.execute("void 0", { silent: true, storeHistory: false, allowStdin: false, timeout: 300 });
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const outputs: Record<string, unknown>[] = [];
      let clearPending = false;
      cell.outputs = outputs;
      let timedOut = false;
      const onOutput = (message: Message) => {
        if (timedOut) return; // the interrupt's own report is replaced by the timeout error
        const type = message.header.msg_type;
        const content = message.content as Record<string, unknown>;
        if (type === "clear_output") {
          if (content.wait) clearPending = true;
          else outputs.length = 0;
          return;
        }
        if (type === "update_display_data") {
          const id = (content.transient as { display_id?: string } | undefined)?.display_id;
          for (const output of (id && displayed.get(id)) || []) Object.assign(output, { data: content.data, metadata: content.metadata ?? {} });
          return;
        }
        const output = outputOf(message);
        if (!output) return;
        if (clearPending) {
          outputs.length = 0;
          clearPending = false;
        }
        const last = outputs.at(-1);
        if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) last.text = String(last.text) + String(output.text);
        else outputs.push(output);
        const id = (content.transient as { display_id?: string } | undefined)?.display_id;
        if (id) displayed.set(id, [...(displayed.get(id) ?? []), output]);
      };
      const running = client.execute(sourceOf(cell), { allowStdin: false, timeout: NO_LIMIT_S, onOutput });
      let timer: NodeJS.Timeout | undefined;
      const limit = options.timeout;
      const outcome = await (limit === undefined
        ? running
        : Promise.race([running, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), limit * 1000)))]));
      clearTimeout(timer);
      if (outcome === "timeout") {
        timedOut = true;
        const error = new CellTimeoutError(index, limit!, sourceOf(cell));
        await client.request("control", "interrupt_request", {}, INTERRUPT_GRACE_S).catch(() => undefined);
        const stopped = await Promise.race([running.then((r) => r.reply), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), INTERRUPT_GRACE_S * 1000).unref())]);
        cell.execution_count = (stopped?.content.execution_count as number | undefined) ?? null;
        outputs.push({ output_type: "error", ename: error.name, evalue: error.message, traceback: [`${error.name}: ${error.message}`] });
        options.onCell?.(index, cell);
        if (!stopped) throw new Error(`${error.message}; the kernel did not stop within ${INTERRUPT_GRACE_S} s of the interrupt`);
        if (!options.allowErrors) throw error;
        continue;
      }
      const { reply } = outcome;
      cell.execution_count = (reply.content.execution_count as number | undefined) ?? null;
      options.onCell?.(index, cell);
      if (reply.content.status === "error" && !options.allowErrors) {
        const c = reply.content as { ename?: string; evalue?: string; traceback?: string[] };
        throw new CellExecutionError(index, c.ename ?? "Error", c.evalue ?? "", c.traceback ?? []);
      }
    }
    for (const output of [...displayed.values()].flat()) delete (output as { transient?: unknown }).transient;
    return notebook;
  } finally {
    await client.shutdown();
  }
}

/**
 * Gives every cell of an nbformat 4.5+ notebook an `id` (required since 4.5; nbconvert warns and
 * invents them when missing), keeping the ids cells have. Returns the notebook.
 */
export function ensureCellIds(notebook: Notebook): Notebook {
  if (notebook.nbformat !== 4 || notebook.nbformat_minor < 5) return notebook;
  const taken = new Set(notebook.cells.map((c) => c.id).filter((id): id is string => typeof id === "string"));
  for (const cell of notebook.cells) {
    if (typeof cell.id === "string" && cell.id !== "") continue;
    let id: string;
    do id = randomUUID().slice(0, 8);
    while (taken.has(id));
    taken.add(id);
    cell.id = id;
  }
  return notebook;
}

/** Writes a notebook as nbformat JSON (cells get ids, the folder is created). */
export function writeNotebook(path: string, notebook: Notebook): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, JSON.stringify(ensureCellIds(notebook), null, 1) + "\n");
}

/** `rlbook run`: executes `path` in its own folder and writes the result to `out` (default: in place). */
export async function runNotebookFile(path: string, out: string | undefined, options: RunOptions = {}): Promise<Notebook> {
  const notebook = readNotebook(path);
  let failure: unknown;
  try {
    await executeNotebook(notebook, dirname(resolve(path)), options);
  } catch (error) {
    failure = error;
  }
  writeNotebook(out ?? path, notebook);
  if (failure) throw failure;
  return notebook;
}
