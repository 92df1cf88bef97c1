/**
 * A Jupyter client over zeromq: starts a kernel process (or connects to one) and talks to it
 * on all channels. `rlbook run` executes notebooks with it; the tests and benchmarks drive
 * kernels with it as a front end would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "./connection.js";
import { endpoint } from "./connection.js";
import { decode, encode, Signer, type Message } from "./wire.js";
import { KERNEL_ENV, kernelArgv } from "./paths.js";

export interface ExecuteResult {
  reply: Message;
  /** iopub messages of this request between busy and idle, status messages excluded. */
  outputs: Message[];
}

export interface StartOptions {
  /** The kernel command; "{connection_file}" is replaced. Default: this package's kernel. */
  argv?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Seconds to wait for the kernel to answer kernel_info (default 30). */
  startTimeout?: number;
}

/** Free TCP ports on 127.0.0.1, found by binding port 0 (as jupyter_client does). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import("node:net").Server>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function newConnection(): Promise<ConnectionInfo> {
  const [shell, iopub, stdin, control, hb] = await freePorts(5);
  return { transport: "tcp", ip: "127.0.0.1", shell_port: shell!, iopub_port: iopub!, stdin_port: stdin!, control_port: control!, hb_port: hb!, key: randomBytes(16).toString("hex"), signature_scheme: "hmac-sha256" };
}

export class KernelClient {
  readonly session = randomUUID();
  readonly #signer: Signer;
  readonly shell: zmq.Dealer;
  readonly control: zmq.Dealer;
  readonly stdin: zmq.Dealer;
  readonly iopub = new zmq.Subscriber({ receiveHighWaterMark: 0 });
  readonly #replies = new Map<string, (message: Message) => void>();
  readonly #iopubListeners = new Set<(message: Message) => void>();
  /** Answers input_request messages (default: an error reply with an empty value). */
  onInput: ((prompt: string, password: boolean) => string | Promise<string>) | undefined;
  process: ChildProcess | undefined;
  /** Milliseconds from starting the kernel process to its first kernel_info_reply (set by start()). */
  startupMs: number | undefined;
  #spawnedAt = 0;
  #connectionDir: string | undefined;
  #closed = false;

  private constructor(readonly connection: ConnectionInfo) {
    this.#signer = new Signer(connection.key, connection.signature_scheme);
    const routingId = this.session;
    this.shell = new zmq.Dealer({ routingId, linger: 0 });
    this.control = new zmq.Dealer({ routingId, linger: 0 });
    this.stdin = new zmq.Dealer({ routingId, linger: 0 });
  }

  /** Starts a kernel process with a fresh connection file and waits until it answers on iopub. */
  static async start(options: StartOptions = {}): Promise<KernelClient> {
    const connection = await newConnection();
    const client = new KernelClient(connection);
    client.#connectionDir = mkdtempSync(join(tmpdir(), "rlbook-"));
    const file = join(client.#connectionDir, "kernel.json");
    writeFileSync(file, JSON.stringify(connection), { mode: 0o600 });
    const argv = (options.argv ?? kernelArgv()).map((a) => a.replace("{connection_file}", file));
    client.#spawnedAt = performance.now();
    // JPY_PARENT_PID, as jupyter_client sets it: the kernel exits when this process is gone.
    const env = { ...(options.env ?? process.env), ...(options.argv ? {} : KERNEL_ENV), JPY_PARENT_PID: String(process.pid) };
    client.process = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env, stdio: ["ignore", "inherit", "inherit"] });
    client.#connect();
    await client.waitForReady(options.startTimeout ?? 30);
    return client;
  }

  /** Connects to a running kernel. */
  static async connect(connection: ConnectionInfo, timeout = 30): Promise<KernelClient> {
    const client = new KernelClient(connection);
    client.#connect();
    await client.waitForReady(timeout);
    return client;
  }

  #connect(): void {
    this.shell.connect(endpoint(this.connection, "shell"));
    this.control.connect(endpoint(this.connection, "control"));
    this.stdin.connect(endpoint(this.connection, "stdin"));
    this.iopub.connect(endpoint(this.connection, "iopub"));
    this.iopub.subscribe();
    for (const socket of [this.shell, this.control]) void this.#receive(socket, (m) => this.#replies.get((m.parent_header as { msg_id?: string }).msg_id ?? "")?.(m));
    void this.#receive(this.iopub, (m) => this.#iopubListeners.forEach((listener) => listener(m)));
    void this.#receive(this.stdin, (m) => void this.#answerInput(m));
  }

  async #receive(socket: zmq.Dealer | zmq.Subscriber, handle: (message: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) handle(decode(frames, this.#signer));
    } catch (error) {
      if (!this.#closed) throw error;
    }
  }

  async #answerInput(request: Message): Promise<void> {
    let value = "";
    if (this.onInput) value = await this.onInput(String(request.content.prompt ?? ""), request.content.password === true);
    await this.stdin.send(encode({ msgType: "input_reply", content: { value }, parent: request.header }, this.#signer, this.session));
  }

  /** Subscribes to every iopub message; returns the unsubscribe function. */
  onIopub(listener: (message: Message) => void): () => void {
    this.#iopubListeners.add(listener);
    return () => this.#iopubListeners.delete(listener);
  }

  #sending = Promise.resolve();
  /** Sends frames after every earlier send (zeromq forbids overlapping sends on a socket). */
  #enqueue(socket: zmq.Dealer, frames: Buffer[]): Promise<void> {
    const sent = this.#sending.then(() => socket.send(frames));
    this.#sending = sent.catch(() => undefined);
    return sent;
  }

  /** Sends a request and returns its msg_id, without waiting for the reply. */
  async send(channel: "shell" | "control", msgType: string, content: unknown, extra: { metadata?: Record<string, unknown>; buffers?: Buffer[] } = {}): Promise<string> {
    const frames = encode({ msgType, content, metadata: extra.metadata, buffers: extra.buffers }, this.#signer, this.session);
    await this.#enqueue(channel === "shell" ? this.shell : this.control, frames);
    return JSON.parse(frames[2]!.toString()).msg_id as string;
  }

  /** Sends raw frames on the shell socket (for tests of malformed input). */
  sendRaw(frames: Buffer[]): Promise<void> {
    return this.#enqueue(this.shell, frames);
  }

  /** Sends a request and resolves with its reply. */
  async request(channel: "shell" | "control", msgType: string, content: unknown, timeout = 60): Promise<Message> {
    const frames = encode({ msgType, content }, this.#signer, this.session);
    const id = JSON.parse(frames[2]!.toString()).msg_id as string;
    const reply = this.#waitReply(id, timeout, msgType);
    await this.#enqueue(channel === "shell" ? this.shell : this.control, frames);
    return reply;
  }

  #waitReply(id: string, timeout: number, what: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(new Error(`no reply to ${what} within ${timeout} s`));
      }, timeout * 1000);
      this.#replies.set(id, (message) => {
        clearTimeout(timer);
        this.#replies.delete(id);
        resolve(message);
      });
    });
  }

  /** Resolves once the kernel answers kernel_info and its iopub messages reach us (no slow-joiner loss). */
  async waitForReady(timeout: number): Promise<Message> {
    const deadline = Date.now() + timeout * 1000;
    let sawIopub = false;
    const off = this.onIopub(() => (sawIopub = true));
    // The first request waits in zeromq's queue until the kernel binds, so its reply times the start.
    let firstWait = timeout;
    try {
      while (Date.now() < deadline) {
        if (this.process && this.process.exitCode !== null) throw new Error(`the kernel exited with code ${this.process.exitCode} before answering`);
        try {
          const reply = await this.request("shell", "kernel_info_request", {}, firstWait);
          firstWait = 1;
          if (this.startupMs === undefined && this.#spawnedAt) this.startupMs = performance.now() - this.#spawnedAt;
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (sawIopub) return reply;
        } catch {
          // not up yet
        }
      }
      throw new Error(`the kernel did not answer kernel_info within ${timeout} s`);
    } finally {
      off();
    }
  }

  /** Executes code and resolves when both the execute_reply and the idle status have arrived. */
  async execute(
    code: string,
    options: {
      silent?: boolean;
      storeHistory?: boolean;
      allowStdin?: boolean;
      stopOnError?: boolean;
      /** Seconds to wait for the execute_reply (default 3600). */
      timeout?: number;
      /** Milliseconds to wait for the idle status once the reply is in (default: no limit); a kernel whose iopub drops messages may never send it. */
      idleTimeout?: number;
      onOutput?: (message: Message) => void;
    } = {},
  ): Promise<ExecuteResult> {
    const frames = encode(
      {
        msgType: "execute_request",
        content: { code, silent: options.silent ?? false, store_history: options.storeHistory ?? true, user_expressions: {}, allow_stdin: options.allowStdin ?? Boolean(this.onInput), stop_on_error: options.stopOnError ?? true },
      },
      this.#signer,
      this.session,
    );
    const id = JSON.parse(frames[2]!.toString()).msg_id as string;
    const outputs: Message[] = [];
    let idle!: () => void;
    const idleSeen = new Promise<void>((resolve) => (idle = resolve));
    const off = this.onIopub((message) => {
      if ((message.parent_header as { msg_id?: string }).msg_id !== id) return;
      if (message.header.msg_type === "status") {
        if (message.content.execution_state === "idle") idle();
        return;
      }
      outputs.push(message);
      options.onOutput?.(message);
    });
    try {
      const reply = this.#waitReply(id, options.timeout ?? 3600, "execute_request");
      await this.#enqueue(this.shell, frames);
      const replyMessage = await reply;
      if (options.idleTimeout === undefined) await idleSeen;
      else await Promise.race([idleSeen, new Promise((resolve) => setTimeout(resolve, options.idleTimeout).unref())]);
      return { reply: replyMessage, outputs };
    } finally {
      off();
    }
  }

  /** Asks the kernel to shut down and waits for its process to exit. */
  async shutdown(restart = false): Promise<void> {
    try {
      await this.request("control", "shutdown_request", { restart }, 10);
    } catch {
      // A kernel that does not answer is killed below.
    }
    await this.#waitExit(5000);
    this.close();
  }

  async #waitExit(ms: number): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, ms);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of [this.shell, this.control, this.stdin, this.iopub]) socket.close();
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGKILL");
    if (this.#connectionDir) rmSync(this.#connectionDir, { recursive: true, force: true });
  }
}
