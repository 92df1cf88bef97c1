/**
 * The kernel's five zeromq sockets, each with an ordered send queue.
 *
 * zeromq 6 throws "Socket is busy writing" on overlapping sends, so every send on a socket
 * is chained after the previous one: messages leave in the order they were queued and none
 * is dropped. The iopub high-water mark is raised so that a slow subscriber does not make
 * the PUB socket discard output.
 */
import * as zmq from "zeromq";
import { endpoint, type Channel, type ConnectionInfo } from "./connection.js";

class SendQueue {
  #tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Router | zmq.Publisher | zmq.Reply) {}

  send(frames: Buffer[]): Promise<void> {
    const next = this.#tail.then(() => this.socket.send(frames));
    this.#tail = next.catch((error: unknown) => {
      if (!this.socket.closed) process.stderr.write(`rlbook kernel: send failed: ${(error as Error).message}\n`);
    });
    return this.#tail;
  }

  /** Resolves once everything queued so far has been handed to zeromq. */
  flushed(): Promise<void> {
    return this.#tail;
  }
}

export class KernelSockets {
  readonly shell = new zmq.Router({ linger: 1000 });
  readonly control = new zmq.Router({ linger: 1000 });
  readonly stdin = new zmq.Router({ linger: 1000 });
  readonly iopub = new zmq.Publisher({ linger: 1000, sendHighWaterMark: 0 });
  readonly hb = new zmq.Reply({ linger: 0 });
  readonly queues: Record<Exclude<Channel, "hb">, SendQueue> = {
    shell: new SendQueue(this.shell),
    control: new SendQueue(this.control),
    stdin: new SendQueue(this.stdin),
    iopub: new SendQueue(this.iopub),
  };

  constructor(private readonly info: ConnectionInfo) {}

  async bind(): Promise<void> {
    const sockets = { shell: this.shell, control: this.control, stdin: this.stdin, iopub: this.iopub, hb: this.hb };
    await Promise.all(Object.entries(sockets).map(([channel, socket]) => socket.bind(endpoint(this.info, channel as Channel))));
    void this.#heartbeat();
  }

  async #heartbeat(): Promise<void> {
    try {
      for await (const frames of this.hb) await this.hb.send(frames);
    } catch (error) {
      if (!this.hb.closed) process.stderr.write(`rlbook kernel: heartbeat stopped: ${(error as Error).message}\n`);
    }
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.flushed()));
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.hb]) socket.close();
  }
}
