/**
 * The reused checker (a cell checked by the last full program's checker) against the reference:
 * a full program for every cell. Both see the same sequence of cells; whatever the fast path
 * decides, every cell must get the same diagnostics as from the reference, in particular no
 * error may be missed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CellLanguage } from "../../kernel/language.js";

/** A cell, or text a front end asks completions for (it never runs). */
type Step = string | { complete: string };

const cells: Step[] = [
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
  // Found by a differential fuzz (10,000 cells): what a program or checker keeps from cells that
  // failed, from completions, from imports the prelude has dropped, and from its own errors.
  "declare global { var flag2: string }\nconst failed: number = 'x'",
  "flag2.toUpperCase()",
  { complete: "declare global { var flag3: string }\nflag3" },
  "flag3.length",
  "declare global { var flag: number }",
  "flag.toFixed()",
  "declare global { var flag: string }",
  "flag.toFixed()",
  'import * as tf from "@tensorflow/tfjs";',
  "tf.scalar(1)",
  "const tf = 1;",
  "let g: GPUDevice | undefined; g",
  { complete: '/// <reference lib="dom" />\ndocument' },
  "document.title",
  'declare module "rlbook" { export function make(id: 1): never }\nconst bad2: number = "s"',
  "make(1)",
  'declare module "no-such-package" { export const x: number }',
  "declare global { var process: string }",
  "declare global { class Map {} }",
  'import type { Rec } from "./deep.ts";',
  "const q: Rec<1500> = [] as any;",
  "const q: Rec<1500> = [] as any;",
  'import { helper as again, type Shape } from "./helper.ts";',
  'import { nothere } from "./helper.ts";',
  "let 1a = 2",
];

test("the reused checker gives every cell the diagnostics of a full program", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlbook-reuse-"));
  writeFileSync(join(dir, "helper.ts"), "export function helper(n: number): number { return n * 2 }\nexport interface Shape { area(): number }\n");
  writeFileSync(join(dir, "deep.ts"), "export type Rec<N extends number, A extends any[] = []> = A['length'] extends N ? A : Rec<N, [...A, 0]>;\n");
  symlinkSync(join(process.cwd(), "node_modules"), join(dir, "node_modules"));
  const fast = new CellLanguage(dir);
  const reference = new CellLanguage(dir, { reuseCheckers: false });
  let errors = 0;
  for (const cell of cells) {
    if (typeof cell !== "string") {
      fast.complete(cell.complete, cell.complete.length);
      reference.complete(cell.complete, cell.complete.length);
      continue;
    }
    const expected = reference.diagnostics(cell);
    const actual = fast.diagnostics(cell);
    assert.deepEqual(actual, expected, `cell: ${cell}`);
    errors += expected.length ? 1 : 0;
    if (!expected.length) {
      reference.commit(cell);
      fast.commit(cell);
    }
  }
  assert.ok(errors >= 30, `the cells include errors to catch (${errors})`);
});
