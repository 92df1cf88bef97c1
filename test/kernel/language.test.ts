/** The cell compiler and TypeScript checks, without a kernel around them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { tmpdir } from "node:os";
import { readFileSync } from "node:fs";
import { CELL_GLOBALS, CellLanguage, isComplete } from "../../kernel/language.js";
import { compileCell } from "../../kernel/compile.js";
import { SourceMap } from "../../kernel/sourcemap.js";

const language = new CellLanguage(tmpdir());
const check = (code: string) => {
  const diagnostics = language.diagnostics(code);
  if (!diagnostics.length) language.commit(code);
  return diagnostics;
};

test("plain ECMAScript cells and Node-using cells are both checked soundly", () => {
  assert.deepEqual(check("const n: number = 1 + 1"), []);
  assert.equal(check("const s: string = n")[0]?.code, 2322, "a plain cell's type error is reported");
  assert.deepEqual(check("console.log(n)"), []);
  assert.deepEqual(check("const timer = setTimeout(() => {}, 1)"), []);
  const misuse = check("const asNumber: number = timer");
  assert.equal(misuse[0]?.code, 2322, "a name declared by a Node-using cell keeps its Node type");
  assert.deepEqual(check("process.cwd().length + n"), []);
  assert.equal(check("process.nope()")[0]?.code, 2339);
});

test("redeclared names replace their earlier declaration in the checks", () => {
  assert.deepEqual(check("let value = 'text'"), []);
  assert.deepEqual(check("const value = 5; value * 2"), []);
  assert.equal(check("const len: string = value")[0]?.code, 2322);
  assert.deepEqual(check("function over(x: string): string;\nfunction over(x: number): number;\nfunction over(x: any) { return x }"), []);
  assert.deepEqual(check("const o: number = over(1); const p: string = over('a')"), []);
});

test("diagnostics are positioned at the cell's line:col", () => {
  const [error] = language.diagnostics("const ok = 1;\n\n  const bad: boolean = 'no';");
  assert.deepEqual([error?.line, error?.column, error?.code], [3, 9, 2322]);
});

test("is_complete: complete, incomplete with an indent, invalid", () => {
  assert.deepEqual(isComplete("const x = 1"), { status: "complete" });
  assert.deepEqual(isComplete("function f() {\n  if (x) {"), { status: "incomplete", indent: "    " });
  assert.equal(isComplete("const s = `open template").status, "incomplete");
  assert.equal(isComplete("const = 1").status, "invalid");
  assert.equal(isComplete("f())").status, "invalid");
});

test("completions and inspection come from the language service", () => {
  check("const learningRate = 3e-4");
  const completions = language.complete("learning", "learning".length);
  assert.deepEqual(completions.matches, ["learningRate"]);
  assert.equal(completions.start, 0);
  const info = language.inspect("Math.max", 6);
  assert.match(info!.signature, /Math\.max\(\.\.\.values: number\[\]\): number/);
  assert.match(info!.documentation, /larger/);
});

test("`?name` documentation: JSDoc written in cells, rlbook's, and inherited by overriding members", () => {
  check("/**\n * Doubles a number.\n * @param x the number\n */\nfunction twice(x: number) { return 2 * x }");
  assert.equal(language.inspect("twice", 2)?.documentation, "Doubles a number.\n\n@param x the number");
  check('import { make } from "rlbook";');
  assert.match(language.inspect("make", 2)!.documentation, /Builds a registered env/);
  check('import * as rl from "rlbook";');
  assert.match(language.inspect("rl", 1)!.signature, /import rl/, "a namespace import (declared by a whole file) is inspected too");
  check("class Shape {\n  /** Area in square metres. */\n  area() { return 0 }\n}\nclass Square extends Shape {\n  area() { return 1 }\n}");
  assert.equal(language.inspect("new Square().area", 14)?.documentation, "Area in square metres.");
  assert.equal(language.inspect("new Square().area", 14)?.signature, "(method) Square.area(): number");
});

test("compiled cells keep declarations global, return their last expression, and map positions back", async () => {
  const compiled = compileCell("const { a, b: [c] } = { a: 1, b: [2] };\nfunction twice(x: number) { return 2 * x }\nclass K { v = 3 }\nlet u: number;\ntwice(a + c) + new K().v", "t.ts");
  assert.deepEqual(compiled.declared.sort(), ["K", "a", "c", "twice", "u"]);
  const context = vm.createContext({ __rlbook: { tick() {} } });
  const run = vm.runInContext(compiled.js, context) as () => Promise<{ value: unknown }>;
  assert.equal((await run()).value, 9);
  assert.equal(vm.runInContext("typeof twice + typeof K + a + c + String(u)", context), "functionfunction12undefined");

  const thrower = compileCell("type T = { x: number };\nconst t: T = { x: 1 };\nif (t.x) {\n    throw new Error('here');\n}", "u.ts");
  const map = new SourceMap(thrower.sourceMap);
  const line = thrower.js.split("\n").findIndex((l) => l.includes("throw")) + 1;
  const column = thrower.js.split("\n")[line - 1]!.indexOf("throw") + 1;
  assert.deepEqual(map.original(line, column), { line: 4, column: 5 });
});

test("loops in cells check for interrupts on every iteration", () => {
  const compiled = compileCell("let i = 0;\nwhile (true) { i++ }", "l.ts");
  let ticks = 0;
  const context = vm.createContext({
    __rlbook: {
      tick() {
        if (++ticks === 1000) throw new Error("interrupted");
      },
    },
  });
  const run = vm.runInContext(compiled.js, context) as () => Promise<unknown>;
  return assert.rejects(run(), /interrupted/).then(() => assert.equal(vm.runInContext("i", context), 999));
});

test("the kernel's globals are typed from the package's sources, not from a build output", () => {
  // cell-globals.d.ts once typed `comms` from dist/, which a fresh checkout does not have before its build.
  const text = readFileSync(CELL_GLOBALS, "utf8");
  assert.doesNotMatch(text, /dist\//);
  const [error] = check("const notComms: number = comms;");
  assert.match(error?.message ?? "", /CommManager/, "comms has the CommManager type");
  assert.deepEqual(check("const opened = comms.open('target', { a: 1 }); opened.send({ b: 2 })"), []);
});

test("declarations from many earlier cells, redeclared and shadowing globals, keep REPL semantics", () => {
  const fresh = new CellLanguage(tmpdir());
  const run = (code: string) => {
    const diagnostics = fresh.diagnostics(code);
    if (!diagnostics.length) fresh.commit(code);
    return diagnostics.map((d) => d.code);
  };
  for (let i = 0; i < 250; i++) assert.deepEqual(run(`const k${i} = ${i};`), [], `cell ${i}`);
  // Names from long ago (reached only through the names a cell mentions) keep their types.
  assert.deepEqual(run("const sum: number = k0 + k249;"), []);
  assert.deepEqual(run("const bad: string = k0;"), [2322]);
  // A redeclaration replaces the earlier type.
  assert.deepEqual(run('const k0 = "now a string";'), []);
  assert.deepEqual(run("const s0: string = k0;"), []);
  // A name the standard globals have (Node's `process`) can be declared in a cell and keeps the cell's type.
  assert.deepEqual(run("const process = 3;"), []);
  for (let i = 0; i < 250; i++) run(`const m${i} = ${i};`);
  assert.deepEqual(run("const p: number = process;"), []);
  // Functions and classes from earlier cells keep their inferred types.
  assert.deepEqual(run("function twice(x: number) { return { x: x * 2 }; }\nclass Box { value = 5; get() { return this.value; } }"), []);
  for (let i = 0; i < 250; i++) run(`const q${i} = ${i};`);
  assert.deepEqual(run("const t: { x: number } = twice(2); const g: number = new Box().get();"), []);
  assert.deepEqual(run("const wrong: string = new Box().get();"), [2322]);
});
