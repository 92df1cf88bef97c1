/** What happens when a cell cannot be stopped by its loop checks, or runs out of memory: the cell's error says so and the kernel serves on. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { maxHeapMbOf } from "../../kernel/kernel.js";
import { resultText, sleep, startKernel } from "./helpers.js";

test("interrupt stops loops in code built at run time (new Function, eval) within a few seconds, and the next cell runs", { timeout: 120_000 }, async () => {
  const kernel = await startKernel();
  try {
    // Warm: the first cell waits for the standard library's types, and an interrupt waits for type checking to finish.
    await kernel.execute("1 + 1");
    for (const code of ['new Function("while (true) {}")()', 'eval("while (true) {}")', "(0, eval)('for (;;) {}')"]) {
      const running = kernel.execute(code);
      await sleep(300);
      const interrupted = performance.now();
      const reply = await kernel.request("control", "interrupt_request", {});
      assert.equal(reply.content.status, "ok");
      const result = await running;
      // The grace period is 800 ms; a restart takes a moment more. "A few seconds" is the bound, not a speed claim.
      assert.ok(performance.now() - interrupted < 10_000, `${code}: the reply came ${performance.now() - interrupted} ms after the interrupt`);
      assert.equal(result.reply.content.status, "error", code);
      assert.equal(result.reply.content.ename, "KeyboardInterrupt", code);
      assert.match(String(result.reply.content.evalue), /executor was restarted; variables were lost/, code);
      assert.equal(resultText(await kernel.execute("40 + 2")), "42", `${code}: the next cell runs`);
    }
  } finally {
    await kernel.shutdown();
  }
});

test("a cell that runs out of memory names the cause and the heap limit set with --max-heap-mb, and the kernel serves on", { timeout: 120_000 }, async () => {
  const kernel = await startKernel({ args: ["--max-heap-mb", "96"] });
  try {
    await kernel.execute("const before = 1");
    const result = await kernel.execute("const hoard: number[][] = []; while (true) hoard.push(new Array(100_000).fill(1.5));");
    assert.equal(result.reply.content.status, "error");
    assert.equal(result.reply.content.ename, "OutOfMemoryError");
    const evalue = String(result.reply.content.evalue);
    assert.match(evalue, /out of memory: the executor's heap limit is 96 MB/);
    assert.match(evalue, /--max-heap-mb N/);
    assert.match(evalue, /RLBOOK_MAX_HEAP_MB/);
    assert.match(evalue, /variables were lost/);
    assert.equal(resultText(await kernel.execute("// @ts-nocheck\ntypeof before")), "'undefined'");
    assert.equal(resultText(await kernel.execute("1 + 1")), "2");
  } finally {
    await kernel.shutdown();
  }
});

test("RLBOOK_MAX_HEAP_MB sets the executor's heap limit; a bad value is refused by name", async () => {
  assert.equal(maxHeapMbOf(undefined, { RLBOOK_MAX_HEAP_MB: "512" }), 512);
  assert.equal(maxHeapMbOf(256, { RLBOOK_MAX_HEAP_MB: "512" }), 256);
  assert.equal(maxHeapMbOf(undefined, {}), undefined);
  assert.throws(() => maxHeapMbOf(undefined, { RLBOOK_MAX_HEAP_MB: "lots" }), /RLBOOK_MAX_HEAP_MB/);
  assert.throws(() => maxHeapMbOf(4, {}), /at least 16/);
});
