import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweep, validateSpace, uniform, logUniform, choice, tpeSampler, readLog, SpaceError } from "../../src/sweep/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "rlbook-bad-inputs-"));

test("search space: a non-array choice, string bounds and an unknown parameter kind are named with the fix", () => {
  assert.throws(() => validateSpace({ act: choice("relu" as never) }), (e: unknown) => e instanceof SpaceError && /"act": choice\(\) takes an array of values, got "relu"; e\.g\. choice\(\[32, 64\]\)/.test(e.message));
  assert.throws(() => validateSpace({ lr: uniform("0" as never, 1) }), /"lr": low and high must be finite numbers, got low="0" \(a string\), high=1/);
  assert.throws(() => validateSpace({ lr: { kind: "loguniform", low: 1e-4, high: 1e-2 } }), (e: unknown) => e instanceof SpaceError && /"lr": unknown parameter kind "loguniform" \(kinds: uniform, logUniform, .*\).*fixed\(\{\.\.\.\}\)/.test(e.message));
  assert.throws(() => validateSpace({ noise: { kind: "normal", mean: 0, std: 1 } }), /"noise": unknown parameter kind "normal"/);
  // A log range entirely below zero: the advice must not be another invalid range.
  assert.throws(() => validateSpace({ b: logUniform(-1, -0.01) }), /"b": a log range must be above zero, but it is -1\.\.-0\.01; use uniform\(-1, -0\.01\), or search the magnitude with logUniform\(0\.01, 1\)/);
  // An object value that does not look like a parameter stays a fixed value.
  assert.deepEqual(validateSpace({ net: { kind: "mlp", layers: [64] } }).net, { kind: "fixed", value: { kind: "mlp", layers: [64] } });
});

test("sweep options: metric, dir, storage and tpe gamma of the wrong kind are named with the fix", () => {
  const base = { space: { a: uniform(0, 1) }, objective: () => 1 };
  assert.throws(() => sweep({ ...base, metric: 3 as never }), /sweep: metric must be a non-empty string.*got 3/);
  assert.throws(() => sweep({ ...base, dir: 5 as never }), /sweep: dir must be a folder path \(a string\), got 5/);
  const folder = join(tmp(), "logs");
  mkdirSync(folder);
  assert.throws(() => sweep({ ...base, storage: folder }), (e: unknown) => e instanceof Error && e.message.includes(`storage ${folder} is a folder; give the path of a log file in it, e.g. "${join(folder, "sweep.jsonl")}"`));
  assert.throws(() => readLog(folder), /is a folder; give the path of the log file/);
  assert.throws(() => tpeSampler({ gamma: 3 as never }), /tpe: gamma must be a function .* got 3/);
});
