/** What happens when a cell cannot be stopped by its loop checks, or runs out of memory: the cell's error says so and the kernel serves on. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { maxHeapMbOf } from "../../kernel/kernel.js";
import { resultText, sleep, startKernel } from "./helpers.js";

test("interrupt stops loops in code built at run time (new Function, eval, Function.prototype.constructor) without restarting the executor: variables survive", { timeout: 120_000 }, async () => {
  const kernel = await startKernel();
  try {
    // Warm: the first cell waits for the standard library's types, and an interrupt waits for type checking to finish.
    await kernel.execute("const kept = 41;");
    const loops = [
      'new Function("while (true) {}")()',
      'Function("let n = 0; for (;;) { n++ }")()',
      'eval("while (true) {}")',
      "(0, eval)('for (;;) {}')",
      '(function () {}).constructor("do {} while (true)")()',
      'new Function("eval(\'while (true) {}\')")()',
      'function spin() { const local = 1; eval("while (local) {}"); } spin()',
    ];
    for (const code of loops) {
      const running = kernel.execute(code);
      await sleep(300);
      const interrupted = performance.now();
      const reply = await kernel.request("control", "interrupt_request", {});
      assert.equal(reply.content.status, "ok");
      const result = await running;
      assert.ok(performance.now() - interrupted < 10_000, `${code}: the reply came ${performance.now() - interrupted} ms after the interrupt`);
      assert.equal(result.reply.content.status, "error", code);
      assert.equal(result.reply.content.ename, "KeyboardInterrupt", code);
      // Before the loop checks reached code built at run time, each of these restarted the executor ("variables were lost").
      assert.doesNotMatch(String(result.reply.content.evalue), /restarted/, code);
      assert.equal(resultText(await kernel.execute("kept + 1")), "42", `${code}: the executor kept its variables`);
    }
    // A cell that starts right after an interrupted one and runs past the grace period is not
    // ended by that interrupt's grace timer (it used to be: the timer outlived the cell it was for).
    const stopped = kernel.execute('eval("while (true) {}")');
    await sleep(300);
    await kernel.request("control", "interrupt_request", {});
    assert.equal((await stopped).reply.content.ename, "KeyboardInterrupt");
    const long = await kernel.execute("const until = Date.now() + 1500; while (Date.now() < until) {} kept + 1");
    assert.equal(resultText(long), "42", `a long cell after an interrupt runs to its end: ${JSON.stringify(long.reply.content)}`);
  } finally {
    await kernel.shutdown();
  }
});

test("eval and Function keep their meaning with loop checks inside: direct eval sees the local scope, results and errors are the engine's", async () => {
  const kernel = await startKernel();
  try {
    const cases: [string, string][] = [
      ['function f() { const a = 20; return eval("let s = 0; for (let i = 0; i < 3; i++) s += i; a + s"); } f()', "23"],
      ['new Function("a", "b", "let t = 0; for (const x of [a, b]) t += x; return t")(1, 2)', "3"],
      ["(0, eval)('typeof globalThis.kept')", "'undefined'"],
      ["(function () {}).constructor === Function && new Function() instanceof Function && Function.prototype === Object.getPrototypeOf(() => 1)", "true"],
      ['Function("return this")() === globalThis', "true"],
      ['eval(42 as unknown as string)', "42"],
    ];
    for (const [code, expected] of cases) assert.equal(resultText(await kernel.execute(code)), expected, code);
    const bad = await kernel.execute('new Function("for (;;")');
    assert.equal(bad.reply.content.ename, "SyntaxError", "code that does not parse gets the engine's own SyntaxError");
  } finally {
    await kernel.shutdown();
  }
});

test("a long synchronous call with no loop checks (vm.runInThisContext) is stopped by restarting the executor, and the error says so", { timeout: 120_000 }, async () => {
  const kernel = await startKernel();
  try {
    await kernel.execute("1 + 1");
    const running = kernel.execute('require("node:vm").runInThisContext("while (true) {}")');
    await sleep(300);
    await kernel.request("control", "interrupt_request", {});
    const result = await running;
    assert.equal(result.reply.content.ename, "KeyboardInterrupt");
    assert.match(String(result.reply.content.evalue), /executor was restarted; variables were lost/);
    assert.equal(resultText(await kernel.execute("40 + 2")), "42", "the next cell runs");
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
