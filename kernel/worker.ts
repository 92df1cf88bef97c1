/**
 * The executor worker: compiles and runs cells, answers language requests, owns comms.
 * It runs in its own thread so the main thread stays free for sockets; an interrupt reaches
 * a busy cell through a shared flag that every loop in cell code checks (see compile.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import vm from "node:vm";
import { inspect } from "node:util";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { Output, kernelLog } from "./output.js";
import { Comms } from "./comm.js";
import { CellLanguage, isComplete, type CellDiagnostic } from "./language.js";
import { compileCell, guardSource, type CompiledCell } from "./compile.js";
import { SourceMap } from "./sourcemap.js";
import { format } from "./format.js";
import { contextOfPromise, currentContext, runInCell } from "./cell-context.js";
import { installRuntime, KeyboardInterrupt } from "./runtime.js";
import { configureCellImports } from "./cell-import.js";
import type { ExecuteOutcome, ExecuteRequest, FromWorker, Parent, ToWorker, WorkerConfig } from "./worker-protocol.js";

// V8 "pretenures" objects made where most objects lived long: the type checker's first program
// (the standard library's syntax trees, kept for the session) teaches it that TypeScript's nodes
// live long, and from then on every cell's short-lived trees and checker state go straight to the
// old generation, which only a full collection frees (measured: ~150 KB a cell, 1.3 KB without).
setFlagsFromString("--no-allocation-site-pretenuring");

const config = workerData as WorkerConfig;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const interruptFlag = new Int32Array(config.interruptFlag);
const output = new Output(post);
const comms = new Comms(output);

let language: CellLanguage | undefined;
const lang = () => (language ??= new CellLanguage(config.cwd));

// ---- stdin ------------------------------------------------------------------------------

let nextInput = 1;
const pendingInputs = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();

async function requestInput(prompt: string, password: boolean): Promise<string> {
  const context = currentContext();
  if (!context?.allowStdin) {
    const error = new Error("input() is not available here: the front end does not accept input (allow_stdin is false)");
    // IPython's name for this case, so notebook users and front ends recognise it.
    error.name = "StdinNotImplementedError";
    throw error;
  }
  await output.settled();
  const id = nextInput++;
  return new Promise((resolve, reject) => {
    pendingInputs.set(id, { resolve, reject });
    post({ kind: "inputRequest", id, parent: context.parent, prompt, password });
  });
}

// ---- errors -----------------------------------------------------------------------------

/**
 * Each cell's source map, kept as text and parsed when a stack needs it. A cell that defines
 * functions or classes keeps its map for good (they may throw many cells later); the maps of
 * other cells are needed only while they run and soon after (a rejection reported once the cell
 * has returned), so only the last PLAIN_MAPS of them are kept: a long notebook of plain cells
 * does not grow the executor by a map per cell.
 */
const cellScripts = new Map<string, { map: string; label: string }>();
const plainCells: string[] = [];
const PLAIN_MAPS = 32;
function keepSourceMap(file: string, map: string, label: string, definesFunctions: boolean): void {
  cellScripts.set(file, { map, label });
  if (definesFunctions) return;
  const earlier = plainCells.indexOf(file);
  if (earlier >= 0) plainCells.splice(earlier, 1);
  plainCells.push(file);
  if (plainCells.length > PLAIN_MAPS) {
    const dropped = plainCells.shift()!;
    cellScripts.delete(dropped);
    parsedMaps.delete(dropped);
  }
}
const parsedMaps = new Map<string, SourceMap>();
function sourceMapOf(file: string): SourceMap | undefined {
  const script = cellScripts.get(file);
  if (!script) return undefined;
  let map = parsedMaps.get(file);
  if (!map) {
    map = new SourceMap(script.map);
    parsedMaps.set(file, map);
    if (parsedMaps.size > 16) parsedMaps.delete(parsedMaps.keys().next().value!);
  }
  return map;
}
const INTERNAL_FRAME = /\(node:|at node:|\/dist\/kernel\/|\(<anonymous>\)$/;

interface ErrorReport {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Error name, message and a stack whose cell frames point at the cell's TypeScript line:col. */
function describeError(error: unknown): ErrorReport {
  if (!(error instanceof Error) && !(error && typeof error === "object" && "stack" in error)) {
    return { ename: "Uncaught", evalue: inspect(error), traceback: [`\x1b[31mUncaught\x1b[0m ${inspect(error)}`] };
  }
  const e = error as Error;
  const ename = e.name || "Error";
  const evalue = e.message ?? "";
  const frames = String(e.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line) && !INTERNAL_FRAME.test(line))
    .map((line) =>
      line.replace(/(rlbook-cell-\d+\.js):(\d+):(\d+)/, (whole, file: string, l: string, c: string) => {
        const script = cellScripts.get(file);
        const position = sourceMapOf(file)?.original(Number(l), Number(c));
        return script && position ? `${script.label}:${position.line}:${position.column}` : whole;
      }),
    );
  return { ename, evalue, traceback: [`\x1b[31m${ename}\x1b[0m: ${evalue}`, ...frames] };
}

function reportError(error: unknown, parent: Parent | undefined, prefix = ""): ErrorReport {
  const report = describeError(error);
  if (prefix) {
    report.evalue = `${prefix}${report.evalue}`;
    report.traceback[0] = `${prefix}${report.traceback[0]}`;
  }
  output.send("error", report, { parent });
  return report;
}

function typeErrorReport(diagnostics: CellDiagnostic[], code: string, label: string): ErrorReport {
  const lines = code.split("\n");
  const traceback = [`\x1b[31mTypeScript found ${diagnostics.length} error${diagnostics.length === 1 ? "" : "s"} in this cell (it did not run)\x1b[0m`];
  for (const d of diagnostics) {
    const gutter = `${d.line} | `;
    traceback.push(
      `${label}, line ${d.line}:${d.column}: \x1b[31merror TS${d.code}\x1b[0m: ${d.message}`,
      `    ${gutter}${lines[d.line - 1] ?? ""}`,
      `    ${" ".repeat(gutter.length + d.column - 1)}^`,
    );
  }
  const first = diagnostics[0]!;
  return { ename: "TypeScriptError", evalue: `line ${first.line}:${first.column}: TS${first.code}: ${first.message}`, traceback };
}

process.on("unhandledRejection", (reason, promise) => {
  reportError(reason, (contextOfPromise(promise) ?? currentContext())?.parent, "(in promise) ");
});
process.on("uncaughtException", (error) => {
  reportError(error, currentContext()?.parent, "(uncaught) ");
});

// ---- execution --------------------------------------------------------------------------

let scriptNumber = 0;
let running: { id: number; interrupt(): void } | undefined;

/** `?name`, `??name` or `name?`: the expression to show help for, else undefined. */
function helpTarget(code: string): string | undefined {
  const match = /^\s*\?{1,2}\s*([^\n?][^\n]*?)\s*$/.exec(code) ?? /^\s*([^\n?][^\n]*?)\s*\?{1,2}\s*$/.exec(code);
  return match?.[1];
}

function help(expression: string): ExecuteOutcome {
  const last = Math.max(expression.search(/[\w$]+\)?\s*$/), 0);
  const identifierEnd = last + (/^[\w$]+/.exec(expression.slice(last))?.[0].length ?? 1) - 1;
  const info = lang().inspect(expression, identifierEnd);
  if (!info) {
    output.write("stdout", `Object \`${expression}\` not found.\n`);
    return { status: "ok", payload: [] };
  }
  const text = [info.signature, info.documentation].filter(Boolean).join("\n\n");
  return { status: "ok", payload: [{ source: "page", data: { "text/plain": text, "text/markdown": "```typescript\n" + info.signature + "\n```\n\n" + info.documentation }, start: 0 }] };
}

/** Runs the kernel's own synchronous work, marked so that an interrupt waits for it instead of restarting the executor. */
function kernelWork<T>(work: () => T): T {
  Atomics.store(interruptFlag, 1, 1);
  try {
    return work();
  } finally {
    Atomics.store(interruptFlag, 1, 0);
  }
}

/**
 * The compiled form of a cell's code. Transpiling makes a one-file program and its checker each
 * time (most of a small cell's executor time), and the output depends only on the code (the file
 * name appears only in the source map's `sources`, which is not read): cells run again reuse it.
 */
type CellFunction = () => Promise<{ value: unknown } | undefined>;
interface CachedCell {
  compiled: CompiledCell;
  /** The script's file name (what stacks show) and a function that makes a fresh cell function from the compiled script. */
  file: string;
  make: () => CellFunction;
}
const compiledCells = new Map<string, CachedCell>();
function compiledCell(code: string): CachedCell {
  let cached = compiledCells.get(code);
  if (cached) compiledCells.delete(code);
  else {
    const compiled = compileCell(code, "cell.ts");
    const file = `rlbook-cell-${++scriptNumber}.js`;
    // compileFunction, not vm.Script: V8 keeps every script it compiles in its compilation cache
    // (about 1.2 KB a cell, never released); a compiled function body is not cached. "return " is
    // on the first line, which holds only the wrapper and has no mappings, so positions are unchanged.
    const make = vm.compileFunction(`return ${compiled.js}`, [], { filename: file }) as () => CellFunction;
    cached = { compiled, file, make };
  }
  compiledCells.set(code, cached);
  if (compiledCells.size > 64) compiledCells.delete(compiledCells.keys().next().value!);
  return cached;
}

async function runCell(request: ExecuteRequest, parent: Parent, interruption: Promise<never>): Promise<ExecuteOutcome> {
  const target = helpTarget(request.code);
  if (target !== undefined) return help(target);
  const label = `Cell In[${request.executionCount}]`;
  const checked = config.typecheck && !/^\s*\/\/\s*@ts-nocheck/.test(request.code);
  const diagnostics = kernelWork(() => lang().diagnostics(request.code, { semantic: checked }));
  if (diagnostics.length) {
    const report = typeErrorReport(diagnostics, request.code, label);
    output.send("error", report, { parent });
    return { status: "error", ...report };
  }
  // A cell run again reuses its compiled script (and file name, now labelled with this run's count).
  const { compiled, file, make } = kernelWork(() => compiledCell(request.code));
  keepSourceMap(file, compiled.sourceMap, label, compiled.definesFunctions);
  const globals = globalThis as Record<string, unknown>;
  for (const name of compiled.declared) if (!(name in globals)) globals[name] = undefined;
  const cell = make();
  kernelWork(() => lang().commit(request.code));
  const result = await Promise.race([cell(), interruption]);
  if (!result || result.value === undefined || request.silent) return { status: "ok", payload: [] };
  const formatted = await kernelWork(() => format(result.value));
  return { status: "ok", payload: [], resultText: String(formatted.data["text/plain"] ?? ""), result: { data: formatted.data, metadata: formatted.metadata } };
}

async function execute(id: number, parent: Parent, request: ExecuteRequest): Promise<void> {
  const controller = new AbortController();
  let interrupt!: (error: Error) => void;
  const interruption = new Promise<never>((_, reject) => (interrupt = reject));
  interruption.catch(() => undefined);
  running = {
    id,
    interrupt() {
      const error = new KeyboardInterrupt();
      controller.abort(error);
      interrupt(error);
    },
  };
  if (Atomics.load(interruptFlag, 0) !== 0) running.interrupt();
  let outcome: ExecuteOutcome;
  try {
    outcome = await runInCell({ parent, executionCount: request.executionCount, allowStdin: request.allowStdin, signal: controller.signal }, () =>
      runCell(request, parent, interruption),
    );
  } catch (error) {
    outcome = { status: "error", ...reportError(error, parent) };
  } finally {
    running = undefined;
  }
  await output.settled();
  post({ kind: "reply", id, result: outcome });
  collectBetweenCells();
}

// ---- memory between cells ---------------------------------------------------------------

/**
 * Each cell leaves garbage in the executor's old generation: the reused checker's state for the
 * cells it checked, the emit pipeline's closures (~50 KB a cell since cells transpile without a
 * checker, ~270 KB before; transpile.ts) and a full program every 200 cells. V8 collects the old
 * generation only once it has grown to up to 4x its live size, and keeps the emptied pages, so
 * over a long notebook the executor's resident memory would climb to 4x what it holds. So once
 * the heap has grown by RLBOOK_GC_STEP_MB (default 8) since the last full collection, the
 * executor collects between cells, after the reply is sent (never while a cell runs; 0 turns
 * this off): about one collection per 150 plain cells. The step is also how far the executor's
 * resident memory swings, and V8 does not always return the emptied pages after a collection:
 * with 32 MB steps the kernel's RSS at a given cell varied by 25 MB from run to run (6,000-cell
 * soaks), with 8 MB by ~5 MB, and its growth per 1,000 cells fell from ~2.5 to ~1.1 MB.
 */
const GC_STEP_BYTES = Number(process.env.RLBOOK_GC_STEP_MB ?? 8) * 2 ** 20;
setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;
setFlagsFromString("--no-expose-gc");
let liveAfterCollection = getHeapStatistics().used_heap_size;

function collectBetweenCells(): void {
  if (!(GC_STEP_BYTES > 0) || getHeapStatistics().used_heap_size < liveAfterCollection + GC_STEP_BYTES) return;
  setImmediate(() => {
    if (running) return;
    collectGarbage();
    liveAfterCollection = getHeapStatistics().used_heap_size;
  });
}

// ---- language requests ------------------------------------------------------------------

/** Jupyter counts cursor positions in Unicode code points; JavaScript strings index UTF-16 units. */
function toUtf16(code: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < code.length; n++) index += code.codePointAt(index)! > 0xffff ? 2 : 1;
  return index;
}
const toCodePoints = (code: string, utf16: number) => [...code.slice(0, utf16)].length;

function complete(code: string, cursor: number): unknown {
  const at = toUtf16(code, cursor);
  const result = lang().complete(code, at);
  const start = toCodePoints(code, result.start);
  const end = toCodePoints(code, result.end);
  return {
    matches: result.matches,
    cursor_start: start,
    cursor_end: end,
    metadata: { _jupyter_types_experimental: result.types.map((t) => ({ start, end, text: t.text, type: t.type })) },
  };
}

function inspectAt(code: string, cursor: number): unknown {
  const info = lang().inspect(code, toUtf16(code, cursor));
  if (!info) return { found: false, data: {} };
  return {
    found: true,
    data: {
      "text/plain": [info.signature, info.documentation].filter(Boolean).join("\n\n"),
      "text/markdown": "```typescript\n" + info.signature + "\n```\n\n" + info.documentation,
    },
  };
}

// ---- the message loop -------------------------------------------------------------------

function answer(id: number, compute: () => unknown): void {
  let result: unknown;
  try {
    result = compute();
  } catch (error) {
    kernelLog(`request failed: ${(error as Error).stack}`);
    result = { status: "error", ename: (error as Error).name, evalue: (error as Error).message, traceback: [] };
  }
  post({ kind: "reply", id, result });
}

port.on("message", (message: ToWorker) => {
  switch (message.kind) {
    case "execute":
      void execute(message.id, message.parent, message.request);
      break;
    case "complete":
      answer(message.id, () => complete(message.code, message.cursor));
      break;
    case "inspect":
      answer(message.id, () => inspectAt(message.code, message.cursor));
      break;
    case "isComplete":
      answer(message.id, () => isComplete(message.code));
      break;
    case "commInfo":
      answer(message.id, () => comms.info(message.targetName));
      break;
    case "comm":
      comms.receive(message.msgType, message.content, message.metadata, message.buffers, message.parent);
      break;
    case "inputReply": {
      const waiter = pendingInputs.get(message.id);
      pendingInputs.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.value ?? "");
      break;
    }
    case "interrupt":
      running?.interrupt();
      post({ kind: "interrupted", cellId: running?.id });
      break;
  }
});

output.captureConsole();
configureCellImports(config.cwd);
installRuntime({ cwd: config.cwd, output, comms, interruptFlag, requestInput });
post({ kind: "ready", heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) });
// Load the TypeScript standard library while the user reads the notebook, not on the first cell.
setImmediate(() => {
  lang().diagnostics("");
  // The first guarded code compiles TypeScript's printer: done here, not while a cell waits.
  guardSource("for (;;) break;");
});
