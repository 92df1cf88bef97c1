/**
 * Messages between the kernel's main thread (sockets, dispatch) and its executor worker
 * (TypeScript, user code). The main thread never runs user code, so it keeps answering
 * heartbeats, interrupts and comm traffic however busy a cell is.
 */
import type { Header } from "./wire.js";

/** The request that output belongs to: its header routes iopub messages to the right cell. */
export type Parent = Header;

export interface ExecuteRequest {
  code: string;
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  executionCount: number;
}

export type ExecuteOutcome =
  | {
      status: "ok";
      payload: Record<string, unknown>[];
      resultText?: string;
      /** The execute_result's data and metadata, sent with the reply (one hand-off fewer than an iopub message of its own); the kernel publishes it before the reply. */
      result?: { data: Record<string, unknown>; metadata: Record<string, unknown> };
    }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

export interface CompleteResult {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: Record<string, unknown>;
}

export interface InspectResult {
  found: boolean;
  data: Record<string, string>;
}

export interface IsCompleteResult {
  status: "complete" | "incomplete" | "invalid" | "unknown";
  indent?: string;
}

/** Main thread -> worker. */
export type ToWorker =
  | { kind: "execute"; id: number; parent: Parent; request: ExecuteRequest }
  | { kind: "complete"; id: number; code: string; cursor: number }
  | { kind: "inspect"; id: number; code: string; cursor: number; detail: number }
  | { kind: "isComplete"; id: number; code: string }
  | { kind: "commInfo"; id: number; targetName?: string }
  | { kind: "comm"; parent: Parent; msgType: "comm_open" | "comm_msg" | "comm_close"; content: Record<string, unknown>; metadata: Record<string, unknown>; buffers: Uint8Array[] }
  | { kind: "inputReply"; id: number; value?: string; error?: string }
  | { kind: "interrupt" };

/** Worker -> main thread. */
export type FromWorker =
  | { kind: "ready"; heapLimitMb: number }
  /** The executor's event loop took an interrupt while running the execute request `cellId` (so that cell is not stuck in synchronous code). */
  | { kind: "interrupted"; cellId: number | undefined }
  | { kind: "iopub"; parent: Parent | undefined; msgType: string; content: unknown; metadata?: Record<string, unknown>; buffers?: Uint8Array[] }
  | { kind: "reply"; id: number; result: unknown }
  | { kind: "inputRequest"; id: number; parent: Parent | undefined; prompt: string; password: boolean };

/** Data the worker gets at start (worker_threads workerData). */
export interface WorkerConfig {
  /**
   * Int32Array over a SharedArrayBuffer: [0] is set to 1 while an interrupt is pending; [1] is 1
   * while the executor is busy in the kernel's own synchronous work (type checking, compiling,
   * formatting), which an interrupt waits for rather than restarting the executor.
   */
  interruptFlag: SharedArrayBuffer;
  /** Directory relative imports and npm packages resolve from (the notebook's folder). */
  cwd: string;
  /** Type errors stop a cell before it runs (the kernel's --no-typecheck turns this off). */
  typecheck: boolean;
}
