/** The wire: signatures, malformed input, restart, SIGINT, comms while a cell awaits, a dying executor. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, encode, Signer, WireError } from "../../kernel/wire.js";
import type { KernelClient } from "../../kernel/client.js";
import type { Message } from "../../kernel/wire.js";
import { installKernelspec } from "../../cli.js";
import { packageRoot } from "../../kernel/paths.js";
import { ofType, resultText, sleep, startKernel } from "./helpers.js";

describe("wire format", () => {
  const signer = new Signer("secret-key");
  const frames = () => encode({ msgType: "kernel_info_request", content: {}, identities: [Buffer.from("client")] }, signer, "session");

  test("a signed message round-trips with its identities", () => {
    const message = decode(frames(), signer);
    assert.equal(message.header.msg_type, "kernel_info_request");
    assert.deepEqual(message.identities, [Buffer.from("client")]);
  });

  test("tampered, unsigned, wrongly keyed and malformed messages are rejected", () => {
    const tampered = frames();
    tampered[6] = Buffer.from('{"x": 1}');
    assert.throws(() => decode(tampered, signer), /bad signature/);
    const unsigned = frames();
    unsigned[2] = Buffer.alloc(0);
    assert.throws(() => decode(unsigned, signer), /missing signature/);
    assert.throws(() => decode(frames(), new Signer("other-key")), /bad signature/);
    assert.throws(() => decode([Buffer.from("no delimiter")], signer), WireError);
    assert.throws(() => decode(frames().slice(0, 4), signer), /expected 5 frames/);
    const badJson = frames();
    badJson[3] = Buffer.from("{not json");
    const resigned = [badJson[0]!, badJson[1]!, Buffer.from(signer.sign(badJson.slice(3, 7))), ...badJson.slice(3)];
    assert.throws(() => decode(resigned, signer), /header is not valid JSON/);
  });

  test("an empty key disables signing, as the spec allows", () => {
    const open = new Signer("");
    const message = encode({ msgType: "status", content: {} }, open, "s");
    assert.equal(message[1]!.length, 0);
    assert.equal(decode(message, open).header.msg_type, "status");
  });
});

describe("a live kernel", () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
  });
  after(() => kernel.shutdown());

  test("1,000 bad signatures and malformed frames are dropped; a valid execute still answers", async () => {
    const garbage: Buffer[][] = [];
    for (let i = 0; i < 1000; i++) {
      const forged = encode({ msgType: "execute_request", content: { code: "globalThis.pwned = true" } }, new Signer("wrong-key"), "attacker");
      const kind = i % 4;
      if (kind === 0) garbage.push(forged);
      else if (kind === 1) garbage.push([Buffer.from("<IDS|MSG>"), Buffer.from("sig")]);
      else if (kind === 2) garbage.push([Buffer.from(`random ${i}`)]);
      else garbage.push([Buffer.from("<IDS|MSG>"), Buffer.alloc(0), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")]);
    }
    for (const frames of garbage) await kernel.sendRaw(frames);
    const result = await kernel.execute("typeof (globalThis as any).pwned");
    assert.equal(resultText(result), "'undefined'");
  });

  test("comms: a front end opens a comm to a registered target and messages flow while a cell awaits", async () => {
    await kernel.execute(`
      let received: unknown[] = [];
      comms.registerTarget("echo", (comm, open) => {
        received.push(open.data);
        comm.onMessage((m) => { received.push(m.data); comm.send({ echo: m.data.value, bytes: m.buffers[0]?.length ?? 0 }); });
      });`);
    const commId = "test-comm-1";
    const iopub: Message[] = [];
    const off = kernel.onIopub((m) => iopub.push(m));
    const running = kernel.execute("await new Promise((r) => setTimeout(r, 700)); received.length");
    await sleep(150);
    await kernel.send("shell", "comm_open", { comm_id: commId, target_name: "echo", data: { hello: 1 } });
    await kernel.send("shell", "comm_msg", { comm_id: commId, data: { value: "ping" } }, { buffers: [Buffer.from([1, 2, 3])] });
    const info = await kernel.request("shell", "comm_info_request", { target_name: "echo" });
    const result = await running;
    off();
    assert.deepEqual(info.content.comms, { [commId]: { target_name: "echo" } });
    assert.equal(resultText(result), "2", "both messages were handled before the cell finished");
    const echo = iopub.find((m) => m.header.msg_type === "comm_msg");
    assert.deepEqual(echo?.content, { comm_id: commId, data: { echo: "ping", bytes: 3 } });
  });

  test("a comm_open for an unknown target is answered with comm_close; code can open comms", async () => {
    const iopub: Message[] = [];
    const off = kernel.onIopub((m) => iopub.push(m));
    await kernel.send("shell", "comm_open", { comm_id: "nobody", target_name: "no.such.target", data: {} });
    const opened = await kernel.execute("const c = comms.open('my.target', { x: 1 }, {}, [new Uint8Array([9, 9])]); c.send({ y: 2 }); c.close(); c.closed");
    await sleep(50);
    off();
    assert.ok(iopub.some((m) => m.header.msg_type === "comm_close" && m.content.comm_id === "nobody"));
    const open = ofType(opened, "comm_open")[0]!;
    assert.equal(open.content.target_name, "my.target");
    assert.deepEqual(open.buffers, [Buffer.from([9, 9])]);
    assert.deepEqual(ofType(opened, "comm_msg")[0]!.content.data, { y: 2 });
    assert.equal(ofType(opened, "comm_close").length, 1);
    assert.equal(resultText(opened), "true");
  });

  test("SIGINT interrupts a busy cell like interrupt_request", async () => {
    await kernel.execute("const kept = 5");
    const running = kernel.execute("while (true) {}");
    await sleep(300);
    kernel.process!.kill("SIGINT");
    const result = await running;
    assert.equal(result.reply.content.ename, "KeyboardInterrupt");
    assert.equal(resultText(await kernel.execute("kept")), "5");
  });

  test("a cell that ends the executor (process.exit) gets an error and the kernel keeps serving", async () => {
    const result = await kernel.execute("process.exit(3)");
    assert.equal(result.reply.content.status, "error");
    assert.match(String(result.reply.content.evalue), /exited with code 3/);
    assert.equal(resultText(await kernel.execute("1 + 1")), "2");
  });

  test("history: tail, range and search", async () => {
    await kernel.execute("const h1 = 'alpha'");
    await kernel.execute("const h2 = 'beta'");
    const tail = await kernel.request("shell", "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true });
    const history = tail.content.history as [number, number, string][];
    assert.deepEqual(history.map((h) => h[2]), ["const h1 = 'alpha'", "const h2 = 'beta'"]);
    const [session, line] = history[1]!;
    const range = await kernel.request("shell", "history_request", { hist_access_type: "range", session: 0, start: line, stop: line + 1, output: false, raw: true });
    assert.deepEqual(range.content.history, [[session, line, "const h2 = 'beta'"]]);
    const search = await kernel.request("shell", "history_request", { hist_access_type: "search", pattern: "const h? = *", output: false, raw: true });
    assert.equal((search.content.history as unknown[]).length, 2);
  });
});

test("jupyter_client restarts the kernel: state is gone and the new kernel answers", { timeout: 120_000 }, () => {
  const prefix = mkdtempSync(join(tmpdir(), "rlbook-spec-"));
  try {
    installKernelspec({ prefix });
    const run = spawnSync("/usr/bin/python3", [join(packageRoot, "test", "kernel", "restart.py")], {
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), RLBOOK_HISTORY: join(prefix, "history.jsonl") },
      encoding: "utf8",
      timeout: 100_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /restarted: before=41 after=undefined/);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
