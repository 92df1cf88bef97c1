/**
 * A cell is checked against only the earlier declarations it needs (the closure of the names it
 * mentions, plus imports and augmentations). The reference puts every earlier declaration in
 * every cell's file and makes a full program per cell; both see the same cells, with filler
 * declarations between them, and must give every cell the same diagnostics. The expected error
 * codes are also written out (TypeScript's codes for the errors a reader sees in each cell), so
 * a closure that lost a type would fail here even if both agreed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CellLanguage } from "../../kernel/language.js";

/** [cell, the error codes TypeScript reports for it with every earlier declaration in scope]. */
const cells: [string, number[]][] = [
  ["interface Point { x: number; y: number }", []],
  ["type Path = Point[];", []],
  ["const origin: Point = { x: 0, y: 0 };", []],
  ["const path: Path = [origin, { x: 1, y: 2 }];", []],
  // `last`'s type comes through `path` -> `Path` -> `Point`, none of which the cell names.
  ["const last = path[path.length - 1];", []],
  ["const s: string = last.x", [2322]],
  ["last.z", [2339]],
  // A name mentioned only inside a template literal's substitution.
  ["const label = `at ${origin.x}, ${`${origin.y}`}`;", []],
  ["const n: number = label", [2322]],
  ["class Animal { constructor(public name: string) {} speak(): string { return this.name } }", []],
  ["class Dog extends Animal { bark() { return 1 } }", []],
  ["const rex = new Dog('rex');", []],
  ["const t: number = rex.speak()", [2322]],
  ["rex.bark().toFixed()", []],
  ["enum Color { Red, Green }", []],
  ["const favourite = Color.Green;", []],
  ["const c: string = favourite", [2322]],
  ["namespace Geo { export const unit: Point = { x: 1, y: 0 }; export function norm(p: Point) { return Math.hypot(p.x, p.y) } }", []],
  ["const len: string = Geo.norm(Geo.unit)", [2322]],
  ["const { x: ox, y: oy } = origin;", []],
  ["const sx: string = ox", [2322]],
  ["function scaled(k: number) { return path.map((p) => ({ x: p.x * k, y: p.y * k })) }", []],
  ["const big = scaled(2);", []],
  ["big[0].x.toUpperCase()", [2339]],
  ["type Keys = keyof typeof origin;", []],
  ["const k: Keys = 'z'", [2322]],
  ['import { readFileSync } from "node:fs";', []],
  ["const reader = () => readFileSync('x');", []],
  ["reader().nope", [2339]],
  ["declare global { interface Array<T> { second(): T } }", []],
  ["const second = path.second();", []],
  ["second.y.toFixed(); second.w", [2339]],
  // A redeclaration replaces the earlier type, in cells that reach it only through other declarations.
  ["interface Point { x: string; y: string }", []],
  ["const p2: Point = { x: 'a', y: 'b' };", []],
  ["const p3: Point = { x: 1, y: 2 }", [2322, 2322]],
  ["let counter = 0;", []],
  ["function bump() { counter += 1; return counter }", []],
  ["const bumped: string = bump()", [2322]],
  ["const counter = 'now text';", []],
  ["counter.toUpperCase()", []],
  ["globalThis.setTimeout(() => origin, 1)", []],
  ["type Tree<T> = { value: T; children: Tree<T>[] };", []],
  ["const tree: Tree<Point> = { value: p2, children: [] };", []],
  ["tree.children[0].value.x.toFixed()", [2551]],
];

test("each cell checked against the declarations it needs gets the diagnostics of one with every declaration", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlbook-closure-"));
  symlinkSync(join(process.cwd(), "node_modules"), join(dir, "node_modules"));
  const fast = new CellLanguage(dir);
  const reference = new CellLanguage(dir, { reuseCheckers: false, everyEntry: true });
  let filler = 0;
  for (const [cell, codes] of cells) {
    // Declarations the cells never mention, so that the closure differs from the whole table.
    for (let i = 0; i < 3; i++, filler++) {
      const code = `const filler${filler} = { n: ${filler} };`;
      assert.deepEqual(fast.diagnostics(code), []);
      assert.deepEqual(reference.diagnostics(code), []);
      fast.commit(code);
      reference.commit(code);
    }
    const expected = reference.diagnostics(cell);
    assert.deepEqual(fast.diagnostics(cell), expected, `cell: ${cell}`);
    assert.deepEqual(
      expected.map((d) => d.code),
      codes,
      `cell: ${cell}: ${expected.map((d) => d.message).join("; ")}`,
    );
    if (!expected.length) {
      fast.commit(cell);
      reference.commit(cell);
    }
  }
});

test("completions list every earlier name that matches, and members through the names a cell mentions", () => {
  const language = new CellLanguage(tmpdir());
  const run = (code: string) => {
    assert.deepEqual(language.diagnostics(code), [], code);
    language.commit(code);
  };
  run("const stepSize = 0.1;");
  for (let i = 0; i < 300; i++) run(`const other${i} = ${i};`);
  run("interface Config { rate: number; ratio: number }");
  run("const config: Config = { rate: 1, ratio: 2 };");
  run("const holder = { config };");
  for (let i = 300; i < 400; i++) run(`const other${i} = ${i};`);
  assert.deepEqual(language.complete("step", 4).matches, ["stepSize"]);
  assert.equal(language.complete("other", 5).matches.length, 400);
  assert.deepEqual(language.complete("holder.config.ra", 16).matches, ["rate", "ratio"]);
  assert.match(language.inspect("holder", 3)!.signature, /holder: \{\s*config: Config;?\s*\}/);
});
