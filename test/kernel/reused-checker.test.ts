/**
 * The reused checker (a cell checked by the last full program's checker) against the reference:
 * a full program for every cell. Both see the same sequence of cells; whatever the fast path
 * decides, every cell must get the same diagnostics as from the reference, in particular no
 * error may be missed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CellLanguage } from "../../kernel/language.js";

const cells: string[] = [
  "1 + 1",
  "let count = 1;",
  'count = "one"',
  "count += 2; count",
  "function scale(x: number, by = 2): number { return x * by }",
  'scale("3")',
  "scale(3, 4).toFixed(1)",
  "class Counter { #n = 0; inc(by: number) { this.#n += by; return this } get value() { return this.#n } }",
  "new Counter().inc(1).inc(2).value",
  "new Counter().dec()",
  'new Counter().inc("x")',
  "interface Point { x: number; y: number }",
  "const p: Point = { x: 1, y: 2 }",
  "const q: Point = { x: 1 }",
  "type Pair<T> = [T, T]; const pair: Pair<string> = ['a', 'b']",
  "const bad: Pair<number> = ['a', 2]",
  "enum Dir { Up, Down }",
  "const d: Dir = Dir.Up; Dir.Left",
  "const { a, b: [first] } = { a: 1, b: ['s'] }",
  "a.toFixed(); first.toUpperCase()",
  "first.toFixed()",
  "await Promise.resolve(41) + 1",
  "const later: string = await Promise.resolve(1)",
  "display({ n: 1 }); console.log(process.pid)",
  "process.nope()",
  'import { readFileSync } from "node:fs";',
  'readFileSync("x", "utf8").length',
  "readFileSync(1, 2, 3)",
  'import path from "node:path"; path.join("a", "b")',
  "missingName + 1",
  "// @ts-expect-error\nconst wrong: number = 's'",
  "// @ts-expect-error\nconst right: number = 1",
  'import { make, PPO } from "rlbook";',
  'const env = make("CartPole-v1"); env.reset({ seed: 1 })',
  'const agent = new PPO(env, { learningRate: "fast" })',
  'env.step("left")',
  "env.observationSpace",
  'import { helper } from "./helper.ts";',
  "helper(2).toFixed()",
  'helper("2")',
  "declare global { var sharedFlag: boolean }",
  "sharedFlag = true",
  'import { nothere } from "no-such-package";',
  "const big = [1, 2, 3].map((v) => v * 2).filter((v) => v > 2).reduce((s, v) => s + v, 0); big",
  "big.length",
  "for (const v of [1, 2]) { v.toUpperCase() }",
  "async function* gen() { yield 1 } for await (const v of gen()) v.toFixed()",
  "let u: string | undefined; u.length",
];

test("the reused checker gives every cell the diagnostics of a full program", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlbook-reuse-"));
  writeFileSync(join(dir, "helper.ts"), "export function helper(n: number): number { return n * 2 }\n");
  const fast = new CellLanguage(dir);
  const reference = new CellLanguage(dir, { reuseCheckers: false });
  let errors = 0;
  for (const cell of cells) {
    const expected = reference.diagnostics(cell);
    const actual = fast.diagnostics(cell);
    assert.deepEqual(actual, expected, `cell: ${cell}`);
    errors += expected.length ? 1 : 0;
    if (!expected.length) {
      reference.commit(cell);
      fast.commit(cell);
    }
  }
  assert.ok(errors >= 15, `the cells include errors to catch (${errors})`);
});
