/**
 * The worker's side of iopub: every output a cell makes (streams, displays, results, comm
 * messages) leaves through one ordered queue, so the front end sees it in the order the code
 * made it, and the kernel's reply waits for `settled()`, so no output comes after idle.
 *
 * Stream text is batched: writes append to a buffer that is sent when it reaches 256 KiB,
 * after 50 ms, or before any other message. A 100,000-line print loop costs a handful of
 * messages instead of 100,000.
 */
import { Console } from "node:console";
import type { FromWorker, Parent } from "./worker-protocol.js";
import { currentContext } from "./cell-context.js";

type StreamName = "stdout" | "stderr";
type Post = (message: FromWorker) => void;
type IopubMessage = Extract<FromWorker, { kind: "iopub" }>;

/** Writes to the kernel's own log (the real stderr), which cell output capture does not touch. */
const realStderrWrite = process.stderr.write.bind(process.stderr);
export function kernelLog(message: string): void {
  realStderrWrite(`rlbook kernel: ${message}\n`);
}

const FLUSH_BYTES = 256 * 1024;
const FLUSH_MS = 50;

export class Output {
  readonly #post: Post;
  #stream: { parent: Parent | undefined; name: StreamName; chunks: string[]; size: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #queue: (IopubMessage | Promise<IopubMessage | undefined>)[] = [];
  #draining = false;
  #idle: (() => void)[] = [];

  constructor(post: Post) {
    this.#post = post;
  }

  write(name: StreamName, text: string, parent = currentContext()?.parent): void {
    if (!text) return;
    const sink = currentContext()?.sink;
    if (sink) return sink.stream(name, text);
    if (this.#stream && (this.#stream.name !== name || this.#stream.parent !== parent)) this.flushStreams();
    this.#stream ??= { parent, name, chunks: [], size: 0 };
    this.#stream.chunks.push(text);
    this.#stream.size += text.length;
    if (this.#stream.size >= FLUSH_BYTES) this.flushStreams();
    else this.#timer ??= setTimeout(() => this.flushStreams(), FLUSH_MS);
  }

  flushStreams(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) this.#enqueue({ kind: "iopub", parent: stream.parent, msgType: "stream", content: { name: stream.name, text: stream.chunks.join("") } });
  }

  /** Sends an iopub message after everything written before it. */
  send(msgType: string, content: unknown, options: { parent?: Parent; metadata?: Record<string, unknown>; buffers?: Uint8Array[] } = {}): void {
    this.flushStreams();
    this.#enqueue({ kind: "iopub", parent: options.parent ?? currentContext()?.parent, msgType, content, metadata: options.metadata, buffers: options.buffers });
  }

  /** Reserves the current place in the output for a message that is still being made (an async display). */
  sendLater(message: Promise<IopubMessage | undefined>): Promise<void> {
    this.flushStreams();
    this.#enqueue(message);
    return message.then(() => undefined, () => undefined);
  }

  /** Resolves when every output made so far has been handed to the main thread. */
  settled(): Promise<void> {
    this.flushStreams();
    if (!this.#queue.length) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #enqueue(item: IopubMessage | Promise<IopubMessage | undefined>): void {
    if (!this.#queue.length && !(item instanceof Promise)) {
      this.#post(item);
      return;
    }
    this.#queue.push(item);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#queue.length) {
      const head = this.#queue[0]!;
      const message = head instanceof Promise ? await head.catch(() => undefined) : head;
      this.#queue.shift();
      if (message) this.#post(message);
    }
    this.#draining = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Routes console.* and process.stdout/stderr of this thread into the running cell's output. */
  captureConsole(): void {
    // Console needs only write() and the error-listener calls it makes around each write.
    const sink = (name: StreamName) => ({
      write: (chunk: unknown) => (this.write(name, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8")), true),
      listenerCount: () => 1,
      once: () => undefined,
      removeListener: () => undefined,
    });
    // Replace the methods on the existing console object too, for modules that kept a reference to it.
    const captured = new Console({ stdout: sink("stdout") as never, stderr: sink("stderr") as never });
    const methods = Object.fromEntries(Object.entries(captured).filter(([, v]) => typeof v === "function").map(([k, v]) => [k, (v as () => void).bind(captured)]));
    Object.assign(globalThis.console, methods);
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
        this.write(name, text);
        const done = typeof encoding === "function" ? encoding : callback;
        if (typeof done === "function") process.nextTick(done as () => void);
        return true;
      }) as typeof stream.write;
    }
  }
}
