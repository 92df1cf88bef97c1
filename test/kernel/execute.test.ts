/** Cells as a user runs them: TypeScript semantics, errors, output routing, interrupts, stdin. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KernelClient } from "../../kernel/client.js";
import type { Message } from "../../kernel/wire.js";
import { ofType, resultText, sleep, startKernel, stdout } from "./helpers.js";

describe("execution", () => {
  let kernel: KernelClient;
  const cwd = mkdtempSync(join(tmpdir(), "rlbook-nb-"));
  before(async () => {
    kernel = await startKernel({ cwd });
  });
  after(() => kernel.shutdown());

  test("declarations persist across cells and a const cell runs again", async () => {
    await kernel.execute("const a = 40; let b = 1; function add(x: number, y: number) { return x + y } class P { constructor(public v: number) {} } enum Color { Red, Green } type Pair = [number, number]; interface Named { name: string }");
    const again = await kernel.execute("const a = 41; a");
    assert.equal(again.reply.content.status, "ok");
    assert.equal(resultText(again), "41");
    const use = await kernel.execute("const pair: Pair = [a, b]; const n: Named = { name: 'x' }; add(pair[0], pair[1]) + new P(0).v + Color.Green");
    assert.equal(resultText(use), "43");
  });

  test("destructuring, imports and re-declarations keep their types", async () => {
    await kernel.execute("const { p, q: [r, s = 5] } = { p: 'text', q: [1] };");
    const redefined = await kernel.execute("const p = 3; p * r + s");
    assert.equal(resultText(redefined), "8");
    const typed = await kernel.execute("const t: string = p");
    assert.equal(typed.reply.content.status, "error", "p is a number now");
  });

  test("type errors stop the cell before it runs, at the cell's line:col", async () => {
    const result = await kernel.execute("console.log('must not print');\nconst n: number = 1;\nconst s: string = n;");
    assert.equal(result.reply.content.status, "error");
    assert.equal(result.reply.content.ename, "TypeScriptError");
    assert.match(String(result.reply.content.evalue), /^line 3:7: TS2322/);
    assert.equal(stdout(result), "");
    assert.equal(ofType(result, "error").length, 1);
  });

  test("a cell can opt out of type checking with // @ts-nocheck", async () => {
    const result = await kernel.execute("// @ts-nocheck\nconst z: string = 5; z");
    assert.equal(resultText(result), "5");
  });

  test("runtime errors point at the cell's TypeScript line:col", async () => {
    const result = await kernel.execute("interface Shape { side: number }\nconst sq: Shape = { side: 2 };\nfunction fail(): never {\n  throw new RangeError('bad side');\n}\nfail();");
    assert.equal(result.reply.content.ename, "RangeError");
    assert.equal(result.reply.content.evalue, "bad side");
    const traceback = (result.reply.content.traceback as string[]).join("\n");
    assert.match(traceback, /Cell In\[\d+\]:4:9/);
    assert.match(traceback, /Cell In\[\d+\]:6:1/);
    assert.doesNotMatch(traceback, /rlbook-cell|dist\/kernel/);
  });

  test("a function from an early cell still points at its cell after many plain cells; a cell run again is labelled with its new count", async () => {
    const defining = await kernel.execute("const early = 1;\nfunction thrower(): never {\n  throw new Error('from an early cell');\n}");
    const definedIn = defining.reply.content.execution_count as number;
    // More plain cells than the kernel keeps plain cells' source maps for (32): the function's cell keeps its map.
    for (let i = 0; i < 40; i++) await kernel.execute(`const plain${i} = ${i};`);
    const late = await kernel.execute("thrower()");
    const traceback = (late.reply.content.traceback as string[]).join("\n");
    assert.match(traceback, new RegExp(`Cell In\\[${definedIn}\\]:3:9`));
    // The same code twice: its compiled script is reused, and its frames carry the count of the run that failed.
    const code = "const again = 0;\nif (again === 0) throw new TypeError('again');";
    await kernel.execute(code);
    const second = await kernel.execute(code);
    assert.match((second.reply.content.traceback as string[]).join("\n"), new RegExp(`Cell In\\[${second.reply.content.execution_count}\\]:2:24`));
  });

  test("the last expression is the result; promises show as promises; undefined shows nothing", async () => {
    assert.equal(resultText(await kernel.execute("Promise.resolve(7)")), "Promise { 7 }");
    assert.equal(resultText(await kernel.execute("undefined")), undefined);
    assert.equal(resultText(await kernel.execute("const later = await Promise.resolve('done'); later")), "'done'");
    assert.equal(resultText(await kernel.execute("new Map([[1, 'one']])")), "Map(1) { 1 => 'one' }");
  });

  test("execute_input carries the execution count and silent cells neither count nor show", async () => {
    const first = await kernel.execute("1");
    const count = first.reply.content.execution_count as number;
    assert.equal(ofType(first, "execute_input")[0]!.content.execution_count, count);
    const silent = await kernel.execute("2", { silent: true });
    assert.equal(silent.outputs.length, 0);
    const next = await kernel.execute("3");
    assert.equal(next.reply.content.execution_count, count + 1);
    const unstored = await kernel.execute("4", { storeHistory: false });
    assert.equal(unstored.reply.content.execution_count, count + 1);
  });

  test("100,000 printed lines all arrive, in order, before the idle status", async () => {
    const result = await kernel.execute("for (let i = 0; i < 100_000; i++) console.log(i)");
    const lines = stdout(result).split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 100_000);
    lines.forEach((line, i) => assert.equal(line, String(i)));
    assert.ok(ofType(result, "stream").length < 100, "streams are batched");
  });

  test("output from timers and promises lands in the cell that started them", async () => {
    const first = await kernel.execute("setTimeout(() => console.log('from the timer'), 300); Promise.resolve().then(() => console.log('from the promise')); 'started'");
    const firstId = first.reply.parent_header as { msg_id: string };
    const late: Message[] = [];
    const off = kernel.onIopub((m) => m.header.msg_type === "stream" && late.push(m));
    const second = await kernel.execute("await new Promise((r) => setTimeout(r, 600)); 'second'");
    off();
    assert.match(stdout(first), /from the promise/);
    const timer = late.find((m) => String(m.content.text).includes("from the timer"));
    assert.ok(timer, "the timer printed");
    assert.equal((timer.parent_header as { msg_id: string }).msg_id, firstId.msg_id);
    assert.doesNotMatch(stdout(second), /from the timer/);
  });

  test("an unhandled rejection is reported in its cell and the kernel goes on", async () => {
    const result = await kernel.execute("Promise.reject(new Error('nobody catches me')); await new Promise((r) => setTimeout(r, 50)); 'after'");
    const errors = ofType(result, "error");
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]!.content.evalue), /nobody catches me/);
    assert.equal(resultText(await kernel.execute("1 + 1")), "2");
    const thrown = await kernel.execute("setTimeout(() => { throw new Error('timer threw') }, 10); await new Promise((r) => setTimeout(r, 100));");
    assert.match(String(ofType(thrown, "error")[0]?.content.evalue), /timer threw/);
  });

  test("display, update_display_data by display_id, and clear_output(wait)", async () => {
    const result = await kernel.execute("display('first', { displayId: 'd1' }); updateDisplay('second', { displayId: 'd1' }); clearOutput({ wait: true }); display.png(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0]))");
    const [shown] = ofType(result, "display_data");
    assert.deepEqual(shown!.content.transient, { display_id: "d1" });
    const [update] = ofType(result, "update_display_data");
    assert.equal((update!.content.data as Record<string, string>)["text/plain"], "'second'");
    assert.deepEqual(update!.content.transient, { display_id: "d1" });
    assert.deepEqual(ofType(result, "clear_output")[0]!.content, { wait: true });
    assert.ok((ofType(result, "display_data")[1]!.content.data as Record<string, string>)["image/png"]);
    const types = result.outputs.map((m) => m.header.msg_type).filter((t) => t !== "execute_input");
    assert.deepEqual(types, ["display_data", "update_display_data", "clear_output", "display_data"]);
  });

  test("objects display themselves through Symbol.for('Jupyter.display'), also asynchronously", async () => {
    const result = await kernel.execute(`
      const chart = { async [Symbol.for("Jupyter.display")]() { await new Promise((r) => setTimeout(r, 20)); return { "text/html": "<i>chart</i>" }; } };
      console.log("before"); display(chart); console.log("after");
      ({ [Symbol.for("Jupyter.display")]: () => ({ data: { "image/svg+xml": "<svg/>" }, metadata: { "image/svg+xml": { isolated: true } } }) })`);
    const order = result.outputs.filter((m) => m.header.msg_type !== "execute_input").map((m) => (m.header.msg_type === "stream" ? String(m.content.text).trim() : m.header.msg_type));
    assert.deepEqual(order, ["before", "display_data", "after", "execute_result"]);
    const final = ofType(result, "execute_result")[0]!.content;
    assert.equal((final.data as Record<string, string>)["image/svg+xml"], "<svg/>");
    assert.ok((final.data as Record<string, string>)["text/plain"], "a text/plain fallback is added");
    assert.deepEqual(final.metadata, { "image/svg+xml": { isolated: true } });
  });

  test("node builtins, ESM-only packages (static and dynamic), local .ts files and rlbook import", async () => {
    mkdirSync(join(cwd, "node_modules", "esm-only"), { recursive: true });
    writeFileSync(join(cwd, "node_modules", "esm-only", "package.json"), JSON.stringify({ name: "esm-only", type: "module", exports: { import: "./index.js" } }));
    writeFileSync(join(cwd, "node_modules", "esm-only", "index.js"), "export const answer = 42; export default 'esm default';");
    writeFileSync(join(cwd, "helper.ts"), "export function twice(n: number): number { return 2 * n; }\nexport const label: string = 'helper';\n");
    const result = await kernel.execute(`
      // @ts-nocheck
      import { answer } from "esm-only";
      import esm from "esm-only";
      import { twice, label } from "./helper.ts";
      import { displaySymbol } from "rlbook";
      const dynamic = await import("esm-only");
      [answer, esm, twice(21), label, dynamic.answer, displaySymbol === Symbol.for("Jupyter.display")]`);
    assert.equal(result.reply.content.status, "ok", JSON.stringify(result.reply.content));
    assert.equal(resultText(result), "[ 42, 'esm default', 42, 'helper', 42, true ]");
    const typed = await kernel.execute(`import { twice as t2 } from "./helper.ts"; const bad: string = t2(1);`);
    assert.match(String(typed.reply.content.evalue), /TS2322/, "local .ts imports are type checked");
  });

  test("stop_on_error aborts the execute requests queued behind an error, and only those", async () => {
    const printed: string[] = [];
    const off = kernel.onIopub((m) => m.header.msg_type === "stream" && printed.push(String(m.content.text)));
    const execute = (code: string, stopOnError = true) =>
      kernel.request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: stopOnError });
    const replies = await Promise.all([
      execute("await new Promise((r) => setTimeout(r, 200)); throw new Error('first fails')"),
      execute("console.log('queued 1')"),
      kernel.request("shell", "kernel_info_request", {}),
      execute("console.log('queued 2')"),
    ]);
    assert.deepEqual(replies.map((r) => r.content.status), ["error", "aborted", "ok", "aborted"]);
    const tolerant = await Promise.all([execute("throw new Error('tolerated')", false), execute("console.log('runs anyway')")]);
    assert.deepEqual(tolerant.map((r) => r.content.status), ["error", "ok"]);
    await sleep(100);
    off();
    assert.deepEqual(printed.map((t) => t.trim()), ["runs anyway"]);
  });

  test("stdin: await input() asks the front end", async () => {
    kernel.onInput = (prompt, password) => `answer to ${prompt}${password ? " (secret)" : ""}`;
    const result = await kernel.execute("const name = await input('name? '); const pw = await input('pw', { password: true }); [name, pw]");
    assert.equal(resultText(result), "[ 'answer to name? ', 'answer to pw (secret)' ]");
    kernel.onInput = undefined;
    const refused = await kernel.execute("await input('x')", { allowStdin: false });
    assert.equal(refused.reply.content.ename, "StdinNotImplementedError");
  });

  test("interrupt stops while(true){} and a pending await; variables survive", async () => {
    await kernel.execute("const survivor = 'still here'");
    writeFileSync(join(cwd, "spin.ts"), "export function spinForever(): void {\n  let n = 0;\n  while (true) n++;\n}\n");
    const inModule = 'import { spinForever } from "./spin.ts";\nspinForever()';
    for (const code of ["while (true) {}", "await new Promise(() => {})", "function spin() { for (;;) {} }\nspin()", inModule]) {
      const running = kernel.execute(code);
      await sleep(300);
      const reply = await kernel.request("control", "interrupt_request", {});
      assert.equal(reply.content.status, "ok");
      const result = await running;
      assert.equal(result.reply.content.status, "error", code);
      assert.equal(result.reply.content.ename, "KeyboardInterrupt", code);
    }
    assert.equal(resultText(await kernel.execute("survivor")), "'still here'");
  });

  test("an interrupted cell's async continuation cannot spin later, after the next cell started", async () => {
    const running = kernel.execute("await new Promise((r) => setTimeout(r, 400));\nwhile (true) {}");
    await sleep(100);
    await kernel.request("control", "interrupt_request", {});
    assert.equal((await running).reply.content.ename, "KeyboardInterrupt");
    const next = await kernel.execute("await new Promise((r) => setTimeout(r, 800)); 'alive'");
    assert.equal(resultText(next), "'alive'");
  });

  test("captureOutput (for Output widgets) diverts a block's output, and its timers', to a sink", async () => {
    const result = await kernel.execute(`
      import { kernelHooks } from "rlbook";
      const captured: unknown[] = [];
      const sink = {
        stream: (name: string, text: string) => captured.push([name, text]),
        display: (o: { data: Record<string, unknown> }, opts: { displayId?: string; update: boolean }) => captured.push(["display", o.data["text/plain"], opts.update]),
        clear: (wait: boolean) => captured.push(["clear", wait]),
      };
      kernelHooks()!.captureOutput!(sink, () => {
        console.log("inside");
        display(42);
        clearOutput({ wait: true });
        setTimeout(() => console.error("later"), 30);
      });
      console.log("outside");
      await new Promise((r) => setTimeout(r, 100));
      captured`);
    assert.equal(stdout(result), "outside\n");
    assert.equal(ofType(result, "display_data").length, 0);
    assert.equal(resultText(result), "[\n  [ 'stdout', 'inside\\n' ],\n  [ 'display', '42', false ],\n  [ 'clear', true ],\n  [ 'stderr', 'later\\n' ]\n]");
  });

  test("interruptSignal() aborts on interrupt so loops can stop cleanly", async () => {
    const running = kernel.execute("const signal = interruptSignal(); let ticks = 0; while (!signal.aborted) { ticks++; await new Promise((r) => setTimeout(r, 5)); }");
    await sleep(200);
    await kernel.request("control", "interrupt_request", {});
    const result = await running;
    assert.equal(result.reply.content.ename, "KeyboardInterrupt");
    assert.equal(resultText(await kernel.execute("signal.aborted")), "true");
  });
});

test("--no-typecheck runs cells despite type errors but still reports syntax errors", { timeout: 60_000 }, async () => {
  const kernel = await startKernel({ args: ["--no-typecheck"] });
  try {
    assert.equal(resultText(await kernel.execute("const s: string = 5; s")), "5");
    const syntax = await kernel.execute("const = 1;");
    assert.equal(syntax.reply.content.ename, "TypeScriptError");
    assert.match(String(syntax.reply.content.evalue), /line 1:7/);
  } finally {
    await kernel.shutdown();
  }
});
