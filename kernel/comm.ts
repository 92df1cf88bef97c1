/**
 * Jupyter comms on the kernel side: a target registry that code registers into (the
 * widgets build on it), comms opened from either side, and message dispatch. Comm data is
 * only ever handed to registered handlers as data: nothing that arrives is evaluated.
 */
import { randomUUID } from "node:crypto";
import type { Comm, CommBuffers, CommManager, CommMessage } from "../src/kernel-hooks.js";
import { kernelLog, type Output } from "./output.js";
import { runWithParent } from "./cell-context.js";
import type { Parent } from "./worker-protocol.js";

type Handler = (message: CommMessage) => void;

function toBytes(buffers: CommBuffers | undefined): Uint8Array[] {
  return (buffers ?? []).map((b) => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
}

class KernelComm implements Comm {
  #closed = false;
  readonly #onMessage = new Set<Handler>();
  readonly #onClose = new Set<Handler>();

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly manager: Comms,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  send(data: Record<string, unknown>, metadata: Record<string, unknown> = {}, buffers?: CommBuffers): void {
    if (this.#closed) throw new Error(`comm ${this.id} (target "${this.targetName}") is closed; open a new one to send`);
    this.manager.output.send("comm_msg", { comm_id: this.id, data }, { metadata, buffers: toBytes(buffers) });
  }

  close(data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#closed = true;
    this.manager.output.send("comm_close", { comm_id: this.id, data }, { metadata });
    this.manager.forget(this.id);
  }

  onMessage(handler: Handler): () => void {
    this.#onMessage.add(handler);
    return () => this.#onMessage.delete(handler);
  }

  onClose(handler: Handler): () => void {
    this.#onClose.add(handler);
    return () => this.#onClose.delete(handler);
  }

  /** A message from the front end. */
  receive(message: CommMessage): void {
    for (const handler of this.#onMessage) this.manager.call(handler, message);
  }

  /** The front end closed the comm. */
  closedRemotely(message: CommMessage): void {
    this.#closed = true;
    for (const handler of this.#onClose) this.manager.call(handler, message);
  }
}

export class Comms implements CommManager {
  readonly #comms = new Map<string, KernelComm>();
  readonly #targets = new Map<string, (comm: Comm, message: CommMessage) => void>();

  constructor(readonly output: Output) {}

  open(targetName: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}, buffers?: CommBuffers): Comm {
    const comm = new KernelComm(randomUUID().replaceAll("-", ""), targetName, this);
    this.#comms.set(comm.id, comm);
    this.output.send("comm_open", { comm_id: comm.id, target_name: targetName, data }, { metadata, buffers: toBytes(buffers) });
    return comm;
  }

  registerTarget(targetName: string, handler: (comm: Comm, message: CommMessage) => void): void {
    this.#targets.set(targetName, handler);
  }

  unregisterTarget(targetName: string): void {
    this.#targets.delete(targetName);
  }

  /** comm_info_reply content: live comms, optionally of one target. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const comm of this.#comms.values()) if (!targetName || comm.targetName === targetName) comms[comm.id] = { target_name: comm.targetName };
    return comms;
  }

  /** Handles comm_open / comm_msg / comm_close from a front end; malformed messages are dropped with a log line. */
  receive(msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown>, buffers: Uint8Array[], parent: Parent): void {
    const id = content.comm_id;
    if (typeof id !== "string" || !id) return this.#drop(msgType, "comm_id is missing");
    const data = content.data !== null && typeof content.data === "object" && !Array.isArray(content.data) ? (content.data as Record<string, unknown>) : {};
    const message: CommMessage = { data, metadata, buffers };
    runWithParent(parent, () => {
      if (msgType === "comm_open") {
        const targetName = content.target_name;
        const handler = typeof targetName === "string" ? this.#targets.get(targetName) : undefined;
        if (!handler) {
          this.#drop(msgType, `no comm target is registered as ${JSON.stringify(targetName)}`);
          this.output.send("comm_close", { comm_id: id, data: {} });
          return;
        }
        const comm = new KernelComm(id, targetName as string, this);
        this.#comms.set(id, comm);
        this.call(() => handler(comm, message), message);
      } else {
        const comm = this.#comms.get(id);
        if (!comm) return this.#drop(msgType, `no open comm has id ${id}`);
        if (msgType === "comm_msg") comm.receive(message);
        else {
          this.#comms.delete(id);
          comm.closedRemotely(message);
        }
      }
    });
  }

  forget(id: string): void {
    this.#comms.delete(id);
  }

  /** Runs a handler; its exception is shown (on stderr of the message's output), never thrown into the kernel. */
  call(handler: Handler, message: CommMessage): void {
    try {
      const result = handler(message) as unknown;
      if (result instanceof Promise) result.catch((error: unknown) => this.#handlerFailed(error));
    } catch (error) {
      this.#handlerFailed(error);
    }
  }

  #handlerFailed(error: unknown): void {
    this.output.write("stderr", `Error in a comm message handler: ${(error as Error)?.stack ?? error}\n`);
  }

  #drop(msgType: string, why: string): void {
    kernelLog(`dropped ${msgType}: ${why}`);
  }
}
