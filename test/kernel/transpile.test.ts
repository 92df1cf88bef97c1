/**
 * The checker-less transpile (kernel/transpile.ts) against `ts.transpileModule` itself, the
 * reference: the same JavaScript, source map and syntax errors for every code cell of the
 * tutorial notebooks and for a set of cells that exercise what a checker is asked about (enums,
 * namespaces, decorators, parameter properties, class fields, imports of every form). Cells that
 * need a checker must take the fallback; ordinary cells must not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { compileCell } from "../../kernel/compile.js";
import { transpileStats } from "../../kernel/transpile.js";

const root = new URL("../../../", import.meta.url).pathname;

function notebookCells(): string[] {
  const dir = join(root, "notebooks");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as { cells: { cell_type: string; source: string | string[] }[] }).cells)
    .filter((c) => c.cell_type === "code")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
}

/** Cells that need a checker's answers (they must fall back): enum values, namespace exports, and the class-field transform's node flags. */
const NEEDS_CHECKER = [
  "class A<T> {\n  #secret = 1;\n  static count = 0;\n  declare d: number;\n  constructor(public readonly name: string, private age?: number) {}\n  get secret(): number { return this.#secret; }\n  static { A.count++; }\n}\nnew A('x')",
  "class Point { constructor(public x: number) {} }\nnew Point(1)",
  "enum Color { Red, Green = 4, Blue }\nColor.Blue",
  "const enum Size { S = 1, M = S * 2 }\nconst m = Size.M;",
  "namespace Geometry { export const unit = 1; export function double(x: number) { return x * 2 * unit; } }\nGeometry.double(2)",
];

const ORDINARY = [
  "1 + 1",
  "const x: number = 1;\nlet y = x as unknown as string;\nvar z = <number>(x + 1);\nx",
  'import d, { a as b, type T } from "m";\nimport * as ns from "n";\nimport type { U } from "u";\nimport "side-effect";\nconst q = await import("dyn");\nb',
  "class Empty {}\nclass Declared { declare d: number }\ninterface I { a: number }\ntype K = keyof I;\nfunction over(x: string): string;\nfunction over(x: number): number;\nfunction over(x: any) { return x; }\nover(1)",
  "for (const [k, v] of Object.entries({ a: 1 })) { console.log(k, v!); }\nwhile (false) {}\ndo {} while (false);\nlabel: for (let i = 0; i < 2; i++) { continue label; }",
  "const { a, b: [c = 1, ...d], ...rest } = { a: 1, b: [2, 3], e: 4 } satisfies object;\nasync function* gen() { yield* [1, 2]; }\nconst arrow = async <T,>(t: T): Promise<T> => t;\nrest",
  "const s = `template ${1 + 1} literal`;\nconst big = 10n ** 3n;\nconst re = /a+b/gi;\nconst opt = (globalThis as any)?.x?.y ?? 'none';\nlet u: string | undefined; u ||= 'x'; u &&= 'y'; u ??= 'z';\ns + opt",
  "export const exported = 1;\nexport default function named() { return 2; }\nexport { exported as alias };\neval('1 + 1');\nconst e = eval;\nimport.meta.url",
  "using res = { [Symbol.dispose]() {} };\nconst x = 1",
  "const broken = (;\n",
  "let a = 1\nlet b = a +\n",
];

test("the checker-less transpile gives transpileModule's output for every notebook cell and the kernel's hard cases", () => {
  const cells = [...notebookCells(), ...ORDINARY, ...NEEDS_CHECKER];
  assert.ok(cells.length > 100, `expected the notebooks' cells, found ${cells.length}`);
  for (const [index, code] of cells.entries()) {
    const fast = compileCell(code, "cell.ts");
    const reference = compileCell(code, "cell.ts", { reference: true });
    const where = `cell ${index}:\n${code.slice(0, 400)}`;
    assert.equal(fast.js, reference.js, where);
    assert.equal(fast.sourceMap, reference.sourceMap, where);
    assert.deepEqual(fast.declared, reference.declared, where);
    assert.deepEqual(
      fast.diagnostics.map((d) => [d.code, d.start]),
      reference.diagnostics.map((d) => [d.code, d.start]),
      where,
    );
  }
});

test("ordinary cells take the fast path; enums and namespaces fall back to transpileModule", () => {
  const before = { ...transpileStats };
  for (const code of ORDINARY) compileCell(code, "cell.ts");
  assert.equal(transpileStats.fallback, before.fallback, "an ordinary cell fell back to transpileModule");
  for (const code of NEEDS_CHECKER) compileCell(code, "cell.ts");
  assert.equal(transpileStats.fallback - before.fallback, NEEDS_CHECKER.length, "a cell that needs a checker did not fall back");
});

test("compiled enum and namespace cells run (through the fallback)", () => {
  const context = vm.createContext({ __rlbook: { tick() {} } });
  const js = compileCell("enum Color { Red, Green = 4, Blue }\nColor.Blue", "cell.ts").js;
  // The compiled cell assigns its declarations to globals: declare them first, as the executor does.
  vm.runInContext("var Color;", context);
  return (vm.runInContext(js, context) as () => Promise<{ value: unknown }>)().then((result) => assert.equal(result.value, 5));
});
