/**
 * The kernel's main thread: sockets, message dispatch, execution queue, history, stdin relay
 * and interrupts. User code runs in the executor worker (worker.ts), so this thread is never
 * blocked by a cell: heartbeats, interrupts and comm messages are answered while cells run.
 */
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { randomUUID } from "node:crypto";
import { type ConnectionInfo } from "./connection.js";
import { KernelSockets } from "./sockets.js";
import { decode, encode, Signer, WireError, type Header, type Message, type Outgoing } from "./wire.js";
import { History } from "./history.js";
import type { ExecuteOutcome, FromWorker, Parent, ToWorker, WorkerConfig } from "./worker-protocol.js";
import { packageRoot } from "./paths.js";
import { requestContent } from "./requests.js";

export interface KernelOptions {
  /** Type errors stop a cell before it runs (default true). */
  typecheck?: boolean;
  /** Where history is kept (default: $XDG_DATA_HOME/rlbook/history.jsonl). */
  historyPath?: string;
  /** The executor's V8 heap limit in MB (default: $RLBOOK_MAX_HEAP_MB, else V8's own limit). */
  maxHeapMb?: number;
  /** How long a busy cell may take to stop after an interrupt before the executor is restarted (default 800 ms, or $RLBOOK_INTERRUPT_GRACE_MS). */
  interruptGraceMs?: number;
}

/** The executor's heap limit from the option or $RLBOOK_MAX_HEAP_MB; a bad value is an error that names the variable. */
export function maxHeapMbOf(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = option ?? (env.RLBOOK_MAX_HEAP_MB ? Number(env.RLBOOK_MAX_HEAP_MB) : undefined);
  if (raw === undefined) return undefined;
  if (!Number.isFinite(raw) || raw < 16) {
    throw new Error(`the executor's heap limit must be a number of MB of at least 16 (--max-heap-mb or RLBOOK_MAX_HEAP_MB), got ${option ?? JSON.stringify(env.RLBOOK_MAX_HEAP_MB)}`);
  }
  return Math.floor(raw);
}

type ShellChannel = "shell" | "control";

const IMPLEMENTATION_VERSION = (JSON.parse(readFileSync(`${packageRoot}/package.json`, "utf8")) as { version: string }).version;

function typescriptVersion(): string {
  try {
    const path = new URL(import.meta.resolve("typescript/package.json"));
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export class Kernel {
  readonly #sockets: KernelSockets;
  readonly #signer: Signer;
  readonly #session = randomUUID();
  readonly #history: History;
  readonly #options: { typecheck: boolean; maxHeapMb: number | undefined; interruptGraceMs: number };
  /** The executor's heap limit in MB, as the executor reports it when ready. */
  #heapLimitMb: number | undefined;
  /** Why the kernel ended the executor, to put in the error of the cell that was running. */
  #endReason: Error | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  /** [0]: an interrupt is pending; [1]: the executor is in the kernel's own synchronous work (see WorkerConfig). */
  readonly #interruptFlag = new SharedArrayBuffer(8);
  #worker!: Worker;
  #workerReady!: Promise<void>;
  #resolveReady: ((value: Promise<void>) => void) | undefined;
  /** The id of the execute request the executor is running, if any (what an interrupt's grace period watches). */
  #cellInWorker: number | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #executionCount = 0;
  readonly #executeQueue: Message[] = [];
  #executing: Message | undefined;
  /** Identities of recent execute requests, to route input_request on the stdin socket. */
  readonly #identities = new Map<string, Buffer[]>();
  readonly #inputWaiters = new Map<string, (reply: Message) => void>();
  #badMessages = 0;
  #shuttingDown = false;

  constructor(private readonly connection: ConnectionInfo, options: KernelOptions = {}) {
    this.#signer = new Signer(connection.key, connection.signature_scheme);
    this.#sockets = new KernelSockets(connection);
    this.#history = new History(options.historyPath);
    this.#options = {
      typecheck: options.typecheck ?? true,
      maxHeapMb: maxHeapMbOf(options.maxHeapMb),
      interruptGraceMs: options.interruptGraceMs ?? Number(process.env.RLBOOK_INTERRUPT_GRACE_MS ?? 800),
    };
  }

  async start(): Promise<void> {
    await this.#sockets.bind();
    this.#startWorker();
    this.#publish({ msgType: "status", content: { execution_state: "starting" } });
    void this.#serve("shell");
    void this.#serve("control");
    void this.#serveStdin();
    process.on("SIGINT", () => this.#interrupt());
  }

  // ---- the executor worker -------------------------------------------------------------

  #startWorker(): void {
    const config: WorkerConfig = { interruptFlag: this.#interruptFlag, cwd: process.cwd(), typecheck: this.#options.typecheck };
    this.#worker = new Worker(new URL("./worker.js", import.meta.url), {
      workerData: config,
      stdout: false,
      stderr: false,
      // A smaller young generation keeps the executor's resident memory down; cells rarely need more.
      resourceLimits: {
        maxYoungGenerationSizeMb: Number(process.env.RLBOOK_YOUNG_MB ?? 4),
        ...(this.#options.maxHeapMb ? { maxOldGenerationSizeMb: this.#options.maxHeapMb } : {}),
      },
    });
    this.#workerReady = new Promise((resolve) => {
      // An executor that ends before it is ready hands its waiters on to the next one.
      this.#resolveReady = (next) => resolve(next);
      const onReady = (message: FromWorker) => {
        if (message.kind === "ready") {
          this.#heapLimitMb = message.heapLimitMb;
          this.#worker.off("message", onReady);
          resolve();
        }
      };
      this.#worker.on("message", onReady);
    });
    this.#worker.on("message", (message: FromWorker) => this.#fromWorker(message));
    this.#worker.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY") this.#endReason ??= this.#outOfMemory();
      process.stderr.write(`rlbook kernel: executor error: ${error.stack ?? error}\n`);
    });
    this.#worker.on("exit", (code) => this.#workerExited(code));
  }

  #outOfMemory(): Error {
    const mb = this.#options.maxHeapMb ?? this.#heapLimitMb;
    const limit = mb === undefined ? "" : `: the executor's heap limit is ${mb} MB`;
    const error = new Error(
      `out of memory${limit}; raise it with \`rlbook install --max-heap-mb N\` (the kernelspec) or the RLBOOK_MAX_HEAP_MB environment variable. ` +
        "The executor was restarted; variables were lost.",
    );
    error.name = "OutOfMemoryError";
    return error;
  }

  /** A cell ended the executor (process.exit, out of memory), or the kernel did (an interrupt it ignored): fail what was waiting and start afresh. */
  #workerExited(code: number): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    if (this.#shuttingDown) return;
    const error = this.#endReason ?? new Error(`the TypeScript executor exited with code ${code}; the executor was restarted; variables were lost`);
    this.#endReason = undefined;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
    this.#cellInWorker = undefined;
    const handOn = this.#resolveReady;
    this.#startWorker();
    handOn?.(this.#workerReady);
  }

  #fromWorker(message: FromWorker): void {
    switch (message.kind) {
      case "iopub":
        this.#publish({ msgType: message.msgType, content: message.content, parent: message.parent, metadata: message.metadata, buffers: message.buffers });
        break;
      case "reply": {
        const waiter = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.id === this.#cellInWorker) {
          this.#cellInWorker = undefined;
          // The cell ended: a grace period armed for it must not restart the executor under the next cell.
          clearTimeout(this.#graceTimer);
          this.#graceTimer = undefined;
        }
        waiter?.resolve(message.result);
        break;
      }
      case "inputRequest":
        void this.#requestInput(message.id, message.parent, message.prompt, message.password);
        break;
      case "ready":
        break;
      case "interrupted":
        // The executor's event loop is free while running this cell: it stopped (or is stopping) by itself.
        if (message.cellId !== undefined && message.cellId === this.#cellInWorker) {
          clearTimeout(this.#graceTimer);
          this.#graceTimer = undefined;
        }
        break;
    }
  }

  async #call<T>(message: WorkerRequest): Promise<T> {
    await this.#workerReady;
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ ...message, id } as ToWorker);
      if (message.kind === "execute") {
        this.#cellInWorker = id;
        // An interrupt that came while the cell waited for the executor is its to obey now.
        if (Atomics.load(new Int32Array(this.#interruptFlag), 0) !== 0) this.#armInterruptGrace();
      }
    });
  }

  // ---- sending ------------------------------------------------------------------------

  #publish(message: Outgoing): Promise<void> {
    return this.#sockets.queues.iopub.send(encode(message, this.#signer, this.#session));
  }

  #reply(channel: ShellChannel | "stdin", request: Message, msgType: string, content: unknown, metadata: Record<string, unknown> = {}): Promise<void> {
    const frames = encode({ msgType, content, parent: request.header, metadata, identities: request.identities }, this.#signer, this.#session);
    return this.#sockets.queues[channel].send(frames);
  }

  #status(parent: Header, state: "busy" | "idle"): Promise<void> {
    return this.#publish({ msgType: "status", content: { execution_state: state }, parent });
  }

  // ---- receiving ----------------------------------------------------------------------

  async #serve(channel: ShellChannel): Promise<void> {
    const socket = this.#sockets[channel];
    for await (const frames of socket) {
      const message = this.#decode(frames, channel);
      if (!message) continue;
      if (channel === "shell" && message.header.msg_type === "execute_request") {
        this.#executeQueue.push(message);
        if (!this.#executing) void this.#drainExecuteQueue();
      } else {
        void this.#handle(channel, message);
      }
    }
  }

  async #serveStdin(): Promise<void> {
    for await (const frames of this.#sockets.stdin) {
      const message = this.#decode(frames, "stdin");
      if (!message) continue;
      const waiter = this.#inputWaiters.get((message.parent_header as Header).msg_id);
      if (message.header.msg_type === "input_reply" && waiter) waiter(message);
      else process.stderr.write(`rlbook kernel: unexpected ${message.header.msg_type} on stdin, dropped\n`);
    }
  }

  #decode(frames: Buffer[], channel: string): Message | undefined {
    try {
      return decode(frames, this.#signer);
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      this.#badMessages++;
      // Log the first few and then every 1000th, so a flood of bad messages cannot flood the log.
      if (this.#badMessages <= 5 || this.#badMessages % 1000 === 0) {
        process.stderr.write(`rlbook kernel: dropped a message on ${channel} (${error.message}); ${this.#badMessages} dropped so far\n`);
      }
      return undefined;
    }
  }

  async #handle(channel: ShellChannel, message: Message): Promise<void> {
    await this.#status(message.header, "busy");
    try {
      await this.#dispatch(channel, message);
    } catch (error) {
      process.stderr.write(`rlbook kernel: ${message.header.msg_type} failed: ${(error as Error).stack}\n`);
      const type = message.header.msg_type;
      if (type.endsWith("_request")) {
        await this.#reply(channel, message, type.replace(/_request$/, "_reply"), {
          status: "error",
          ename: (error as Error).name ?? "Error",
          evalue: (error as Error).message ?? String(error),
          traceback: [],
        });
      }
    } finally {
      await this.#status(message.header, "idle");
    }
  }

  async #dispatch(channel: ShellChannel, message: Message): Promise<void> {
    const content = message.content;
    switch (message.header.msg_type) {
      case "kernel_info_request":
        return this.#reply(channel, message, "kernel_info_reply", this.#kernelInfo());
      case "connect_request":
        return this.#reply(channel, message, "connect_reply", {
          status: "ok",
          shell_port: this.connection.shell_port,
          iopub_port: this.connection.iopub_port,
          stdin_port: this.connection.stdin_port,
          hb_port: this.connection.hb_port,
          control_port: this.connection.control_port,
        });
      case "complete_request": {
        const { code, cursor_pos } = requestContent("complete_request", content);
        const result = await this.#call<object>({ kind: "complete", code, cursor: cursor_pos });
        return this.#reply(channel, message, "complete_reply", { status: "ok", ...result });
      }
      case "inspect_request": {
        const { code, cursor_pos, detail_level } = requestContent("inspect_request", content);
        const result = await this.#call<object>({ kind: "inspect", code, cursor: cursor_pos, detail: detail_level });
        return this.#reply(channel, message, "inspect_reply", { status: "ok", metadata: {}, ...result });
      }
      case "is_complete_request": {
        const result = await this.#call<object>({ kind: "isComplete", code: requestContent("is_complete_request", content).code });
        return this.#reply(channel, message, "is_complete_reply", result);
      }
      case "history_request":
        return this.#reply(channel, message, "history_reply", { status: "ok", history: this.#history.query(requestContent("history_request", content)) });
      case "comm_info_request": {
        const comms = await this.#call<object>({ kind: "commInfo", targetName: requestContent("comm_info_request", content).target_name });
        return this.#reply(channel, message, "comm_info_reply", { status: "ok", comms });
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        await this.#workerReady;
        this.#worker.postMessage({
          kind: "comm",
          parent: message.header,
          msgType: message.header.msg_type,
          content,
          metadata: message.metadata,
          buffers: message.buffers.map((b) => new Uint8Array(b)),
        } satisfies ToWorker);
        return;
      case "interrupt_request":
        this.#interrupt();
        return this.#reply(channel, message, "interrupt_reply", { status: "ok" });
      case "shutdown_request":
        return this.#shutdown(channel, message);
      case "execute_request":
        // Only reachable on the control channel, where execution is not offered.
        return this.#reply(channel, message, "execute_reply", { status: "error", ename: "ControlChannelError", evalue: "execute_request belongs on the shell channel", traceback: [] });
      default:
        // As the messaging spec allows ("kernels do not need to send any reply for messages they don't
        // handle") and ipykernel does: busy, a line in the log, idle, and no reply.
        process.stderr.write(`rlbook kernel: unknown message type ${message.header.msg_type} on ${channel}, ignored\n`);
    }
  }

  #kernelInfo(): Record<string, unknown> {
    return {
      status: "ok",
      protocol_version: "5.3",
      implementation: "rlbook",
      implementation_version: IMPLEMENTATION_VERSION,
      language_info: {
        name: "typescript",
        version: typescriptVersion(),
        mimetype: "text/typescript",
        file_extension: ".ts",
        pygments_lexer: "typescript",
        codemirror_mode: { name: "javascript", typescript: true },
        nbconvert_exporter: "script",
      },
      banner: `rlbook ${IMPLEMENTATION_VERSION}: TypeScript ${typescriptVersion()} on Node.js ${process.version}. Type ?name for help on a symbol.`,
      help_links: [
        { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
        { text: "Node.js API", url: "https://nodejs.org/api/" },
      ],
      debugger: false,
    };
  }

  // ---- execution ----------------------------------------------------------------------

  async #drainExecuteQueue(): Promise<void> {
    while (this.#executeQueue.length) {
      const message = this.#executeQueue.shift()!;
      // From here on an interrupt belongs to this request: the flag keeps it until the worker starts the cell.
      Atomics.store(new Int32Array(this.#interruptFlag), 0, 0);
      this.#executing = message;
      try {
        await this.#execute(message);
      } finally {
        this.#executing = undefined;
      }
    }
  }

  /**
   * One execute_request. The latency of a small cell is mostly hand-offs (client -> kernel ->
   * executor -> kernel -> client), so nothing waits that need not: busy and execute_input are
   * queued (the iopub queue keeps their order before anything the cell prints) while the executor
   * already runs the cell, and execute_reply and idle are queued before the history is written.
   */
  async #execute(message: Message): Promise<void> {
    const busy = this.#status(message.header, "busy");
    let idle: Promise<void> | undefined;
    try {
      let request;
      try {
        request = requestContent("execute_request", message.content);
      } catch (error) {
        const e = error as Error;
        await this.#reply("shell", message, "execute_reply", { status: "error", execution_count: this.#executionCount, ename: e.name, evalue: e.message, traceback: [e.message], user_expressions: {} });
        return;
      }
      const { code, silent, store_history: storeHistory, allow_stdin: allowStdin, stop_on_error: stopOnError } = request;
      if (storeHistory) this.#executionCount++;
      const count = this.#executionCount;
      this.#rememberIdentities(message);
      if (!silent) void this.#publish({ msgType: "execute_input", content: { code, execution_count: count }, parent: message.header });
      let outcome: ExecuteOutcome;
      try {
        outcome = await this.#call<ExecuteOutcome>({ kind: "execute", parent: message.header, request: { code, silent, storeHistory, allowStdin, executionCount: count } });
      } catch (error) {
        const e = error as Error;
        const ename = e.name && e.name !== "Error" ? e.name : "KernelError";
        outcome = { status: "error", ename, evalue: e.message, traceback: [`\x1b[31m${ename}\x1b[0m: ${e.message}`] };
        void this.#publish({ msgType: "error", content: { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback }, parent: message.header });
      }
      if (outcome.status === "ok" && outcome.result) {
        void this.#publish({ msgType: "execute_result", content: { execution_count: count, ...outcome.result }, parent: message.header });
      }
      const reply =
        outcome.status === "ok"
          ? { status: "ok", execution_count: count, payload: outcome.payload, user_expressions: {} }
          : { status: "error", execution_count: count, ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback, user_expressions: {} };
      const replied = this.#reply("shell", message, "execute_reply", reply, { started: message.header.date, status: outcome.status });
      const abort = outcome.status === "error" && stopOnError && !silent;
      // Idle right after the reply, unless queued requests are to be aborted first (their replies come before idle, as ipykernel's do).
      if (!abort) idle = this.#status(message.header, "idle");
      if (storeHistory) this.#history.store(count, code, outcome.status === "ok" ? outcome.resultText : undefined);
      await replied;
      if (abort) await this.#abortQueuedExecutions();
    } finally {
      await busy;
      await (idle ?? this.#status(message.header, "idle"));
    }
  }

  /** After an error with stop_on_error, the execute_requests already queued are aborted (and nothing else). */
  async #abortQueuedExecutions(): Promise<void> {
    const aborted = this.#executeQueue.splice(0);
    for (const message of aborted) {
      await this.#status(message.header, "busy");
      await this.#reply("shell", message, "execute_reply", { status: "aborted", execution_count: this.#executionCount }, { status: "aborted" });
      await this.#status(message.header, "idle");
    }
  }

  /**
   * Sets the flag that loops in cell code check and tells the executor (code built at run time with
   * `new Function` or `eval` gets the checks too: compile.ts). Long synchronous calls outside them
   * (vm.runInThisContext, `globalThis.eval`, native code) have no loop checks: if the executor's
   * event loop has not answered within the grace period, it is ended and started afresh.
   */
  #interrupt(): void {
    if (!this.#executing) return;
    Atomics.store(new Int32Array(this.#interruptFlag), 0, 1);
    this.#worker.postMessage({ kind: "interrupt" } satisfies ToWorker);
    if (this.#cellInWorker !== undefined) this.#armInterruptGrace();
  }

  #armInterruptGrace(): void {
    if (this.#graceTimer) return;
    const worker = this.#worker;
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      // Only a cell the executor is running can hold it; one still waiting for it stops at its start (the flag is set).
      if (worker !== this.#worker || this.#cellInWorker === undefined) return;
      // Type checking or compiling the cell (which can take a while for a new import): wait for it; the cell then stops at its first loop check.
      if (Atomics.load(new Int32Array(this.#interruptFlag), 1) !== 0) return this.#armInterruptGrace();
      const error = new Error(
        `the cell did not stop within ${this.#options.interruptGraceMs} ms of the interrupt (a long synchronous call, such as vm.runInThisContext, ` +
          "globalThis.eval or a native function, has no interrupt checks), so the executor was restarted; variables were lost",
      );
      error.name = "KeyboardInterrupt";
      this.#endReason = error;
      void worker.terminate();
    }, this.#options.interruptGraceMs);
  }

  #rememberIdentities(message: Message): void {
    this.#identities.set(message.header.msg_id, message.identities);
    if (this.#identities.size > 256) this.#identities.delete(this.#identities.keys().next().value!);
  }

  // ---- stdin --------------------------------------------------------------------------

  async #requestInput(id: number, parent: Parent | undefined, prompt: string, password: boolean): Promise<void> {
    const identities = parent ? this.#identities.get(parent.msg_id) : undefined;
    if (!parent || !identities) {
      this.#worker.postMessage({ kind: "inputReply", id, error: "input() was called outside a cell that accepts input" } satisfies ToWorker);
      return;
    }
    const frames = encode({ msgType: "input_request", content: { prompt, password }, parent, identities }, this.#signer, this.#session);
    const requestId = JSON.parse(frames[identities.length + 2]!.toString("utf8")).msg_id as string;
    const reply = new Promise<Message>((resolve) => this.#inputWaiters.set(requestId, resolve));
    await this.#sockets.queues.stdin.send(frames);
    const message = await reply;
    this.#inputWaiters.delete(requestId);
    let value = "";
    try {
      value = requestContent("input_reply", message.content).value;
    } catch (error) {
      process.stderr.write(`rlbook kernel: ${(error as Error).message}; the cell gets ""\n`);
    }
    this.#worker.postMessage({ kind: "inputReply", id, value } satisfies ToWorker);
  }

  // ---- shutdown -----------------------------------------------------------------------

  async #shutdown(channel: ShellChannel, message: Message): Promise<void> {
    const { restart } = requestContent("shutdown_request", message.content);
    this.#shuttingDown = true;
    await this.#reply(channel, message, "shutdown_reply", { status: "ok", restart });
    await this.#publish({ msgType: "shutdown_reply", content: { status: "ok", restart }, parent: message.header });
    await this.#status(message.header, "idle");
    await this.#worker.terminate();
    await this.#sockets.close();
    process.exit(0);
  }
}

/** A request to the worker that expects a reply (its id is added when sent). */
type WorkerRequest = Extract<ToWorker, { id: number }> extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;

