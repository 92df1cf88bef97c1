/** Requests whose content does not fit the messaging spec, and message types the kernel does not know, through the real kernel. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KernelClient } from "../../kernel/client.js";
import type { Message } from "../../kernel/wire.js";
import { BadRequestError, requestContent } from "../../kernel/requests.js";
import { sleep, startKernel } from "./helpers.js";

describe("request contents", () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
  });
  after(() => kernel.shutdown());

  test("a history_request with a non-string pattern gets an error reply naming the field", async () => {
    const reply = await kernel.request("shell", "history_request", { hist_access_type: "search", pattern: 42, output: false, raw: true });
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.ename, "BadRequestError");
    assert.equal(reply.content.evalue, 'history_request: "pattern" must be a string, got 42');
    const bad = await kernel.request("shell", "history_request", { hist_access_type: "everything" });
    assert.match(String(bad.content.evalue), /"hist_access_type" must be one of "tail", "range", "search"/);
    // A good one still works.
    await kernel.execute("const remembered = 1");
    const good = await kernel.request("shell", "history_request", { hist_access_type: "search", pattern: "const remem*", output: false, raw: true });
    assert.equal(good.content.status, "ok");
    assert.deepEqual((good.content.history as unknown[][]).map((h) => h[2]), ["const remembered = 1"]);
  });

  test("an execute_request whose code is not a string gets an error execute_reply, and the kernel runs the next cell", async () => {
    const reply = await kernel.request("shell", "execute_request", { code: 5, silent: false });
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.evalue, 'execute_request: "code" must be a string, got 5');
    const next = await kernel.execute("2 + 2");
    assert.equal(next.reply.content.status, "ok");
  });

  test("an unknown message type gets busy and idle on iopub and no reply (the spec: kernels need not reply to messages they don't handle; ipykernel does the same)", async () => {
    const statuses: string[] = [];
    let id = "";
    const off = kernel.onIopub((m: Message) => {
      if ((m.parent_header as { msg_id?: string }).msg_id === id && m.header.msg_type === "status") statuses.push(String(m.content.execution_state));
    });
    const replies: Message[] = [];
    try {
      const request = kernel.request("shell", "frobnicate_request", {}, 2).then((r) => replies.push(r), () => undefined);
      // The client's request() sends first; find its id from the status messages' parent.
      const seen = new Promise<void>((resolve) => {
        const stop = kernel.onIopub((m: Message) => {
          const parent = m.parent_header as { msg_type?: string; msg_id?: string };
          if (parent.msg_type === "frobnicate_request" && m.header.msg_type === "status") {
            id = parent.msg_id!;
            statuses.push(String(m.content.execution_state));
            stop();
            resolve();
          }
        });
      });
      await seen;
      await request;
      await sleep(200);
    } finally {
      off();
    }
    assert.deepEqual(statuses, ["busy", "idle"]);
    assert.equal(replies.length, 0);
    const info = await kernel.request("shell", "kernel_info_request", {});
    assert.equal(info.content.status, "ok");
  });
});

test("requestContent: defaults from the spec, and every field checked", () => {
  assert.deepEqual(requestContent("execute_request", { code: "1" }), { code: "1", silent: false, store_history: true, allow_stdin: true, stop_on_error: true });
  // silent forces store_history off (the spec).
  assert.equal(requestContent("execute_request", { code: "1", silent: true, store_history: true }).store_history, false);
  // cursor_pos defaults to the end of the code, in code points.
  assert.equal(requestContent("complete_request", { code: "a😀b" }).cursor_pos, 3);
  assert.throws(() => requestContent("inspect_request", { code: "x", cursor_pos: -1 }), (e: Error) => e instanceof BadRequestError && /"cursor_pos" must be a whole number >= 0/.test(e.message));
  assert.throws(() => requestContent("shutdown_request", { restart: "yes" }), /"restart" must be true or false, got "yes"/);
  assert.throws(() => requestContent("is_complete_request", {}), /"code" must be a string, got undefined/);
});
