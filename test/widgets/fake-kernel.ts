/**
 * An in-process stand-in for the kernel's hooks: records every comm message the widgets send
 * and lets a test play the front end (deliver updates, clicks, closes). The real kernel's
 * comm manager is exercised by the kernel and browser tests; this one makes the wire
 * messages easy to assert one by one.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { installKernelHooks, type Comm, type CommBuffers, type CommManager, type CommMessage, type KernelHooks, type OutputSink } from "../../src/kernel-hooks.js";

export interface Sent {
  type: "comm_open" | "comm_msg" | "comm_close";
  comm_id: string;
  target?: string;
  data: Record<string, any>;
  metadata: Record<string, unknown>;
  buffers: Uint8Array[];
}

const bytes = (buffers: CommBuffers | undefined) => (buffers ?? []).map((b) => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));

export class FakeComm implements Comm {
  closed = false;
  readonly messageHandlers = new Set<(m: CommMessage) => void>();
  readonly closeHandlers = new Set<(m: CommMessage) => void>();
  constructor(readonly id: string, readonly targetName: string, private readonly kernel: FakeKernel) {}
  send(data: Record<string, unknown>, metadata: Record<string, unknown> = {}, buffers?: CommBuffers): void {
    if (this.closed) throw new Error("comm closed");
    this.kernel.sent.push({ type: "comm_msg", comm_id: this.id, data: JSON.parse(JSON.stringify(data)), metadata, buffers: bytes(buffers) });
  }
  close(data: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.kernel.sent.push({ type: "comm_close", comm_id: this.id, data, metadata: {}, buffers: [] });
  }
  onMessage(handler: (m: CommMessage) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }
  onClose(handler: (m: CommMessage) => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }
  /** The front end sends a comm_msg. */
  deliver(data: Record<string, unknown>, buffers: Uint8Array[] = []): void {
    for (const h of this.messageHandlers) h({ data, metadata: {}, buffers });
  }
  /** The front end closes the comm. */
  closeFromFrontEnd(): void {
    this.closed = true;
    for (const h of this.closeHandlers) h({ data: {}, metadata: {}, buffers: [] });
  }
}

export class FakeKernel implements CommManager {
  readonly sent: Sent[] = [];
  readonly comms = new Map<string, FakeComm>();
  readonly targets = new Map<string, (comm: Comm, message: CommMessage) => void>();
  readonly displayed: unknown[] = [];
  #next = 0;
  readonly #capture = new AsyncLocalStorage<OutputSink>();
  /** Whether captureOutput is offered (a kernel without it is tested too). */
  withCapture = true;

  open(targetName: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}, buffers?: CommBuffers): Comm {
    const comm = new FakeComm(`comm${++this.#next}`, targetName, this);
    this.comms.set(comm.id, comm);
    this.sent.push({ type: "comm_open", comm_id: comm.id, target: targetName, data: JSON.parse(JSON.stringify(data)), metadata, buffers: bytes(buffers) });
    return comm;
  }
  registerTarget(targetName: string, handler: (comm: Comm, message: CommMessage) => void): void {
    this.targets.set(targetName, handler);
  }
  unregisterTarget(targetName: string): void {
    this.targets.delete(targetName);
  }
  /** A front end opens a comm to a registered target. */
  openFromFrontEnd(targetName: string, data: Record<string, unknown> = {}): FakeComm {
    const comm = new FakeComm(`fe${++this.#next}`, targetName, this);
    this.comms.set(comm.id, comm);
    this.targets.get(targetName)!(comm, { data, metadata: {}, buffers: [] });
    return comm;
  }
  comm(id: string): FakeComm {
    const comm = this.comms.get(id);
    if (!comm) throw new Error(`no comm ${id}`);
    return comm;
  }
  /** Messages sent since `mark` (an index into `sent`). */
  since(mark: number): Sent[] {
    return this.sent.slice(mark);
  }
  /** What a print inside a capture would do in the real kernel: go to the sink of the context. */
  print(text: string): void {
    const sink = this.#capture.getStore();
    if (sink) sink.stream("stdout", text);
    else this.displayed.push(text);
  }

  hooks(): KernelHooks {
    const self = this;
    const hooks: KernelHooks = {
      display: async (value) => void self.displayed.push(value),
      updateDisplay: async () => undefined,
      clearOutput: () => undefined,
      comms: self,
      signal: () => undefined,
    };
    Object.defineProperty(hooks, "captureOutput", {
      get: () => (self.withCapture ? <T>(sink: OutputSink, fn: () => T): T => self.#capture.run(sink, fn) : undefined),
    });
    return hooks;
  }
}

/** Installs a fake kernel as the process's kernel hooks (before the widgets are imported). */
export function installFakeKernel(): FakeKernel {
  const kernel = new FakeKernel();
  installKernelHooks(kernel.hooks());
  return kernel;
}

export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
