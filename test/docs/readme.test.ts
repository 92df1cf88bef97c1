/**
 * The README's lists of env ids and algorithm presets are exactly what the code registers, so an
 * env or preset added without documentation (or documented spaces that changed) fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as rlbook from "../../src/index.js";

// MuJoCo ids are registered like the others but build only once the wasm module is loaded.
await rlbook.loadMujoco();

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

/** The lines of the README section under `heading` (up to the next heading). */
function section(heading: string): string[] {
  const lines = readme.split("\n");
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `README has no "${heading}" section`);
  const end = lines.findIndex((l, i) => i > start && /^#{1,3} /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

test("README lists every registered env id, with its spaces and TimeLimit, and nothing else", () => {
  const rows = new Map<string, { obs: string; act: string; limit: string }>();
  for (const line of section("### Environment ids")) {
    const m = /^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \| ([^|]+) \|/.exec(line);
    if (m) rows.set(m[1], { obs: m[2], act: m[3], limit: m[4].trim() });
  }
  assert.deepEqual([...rows.keys()].sort(), rlbook.registeredIds());
  for (const id of rlbook.registeredIds()) {
    const env = rlbook.make(id);
    assert.deepEqual(rows.get(id), { obs: env.observationSpace.toString(), act: env.actionSpace.toString(), limit: String(env.spec?.maxEpisodeSteps ?? "none") }, id);
  }
});

test("README lists every algorithm preset (X_PRESETS of each class X with X.preset), with its env count and steps", () => {
  const documented: string[] = [];
  for (const line of section("### Algorithm presets")) {
    const m = /^\| (\w+) \| `([^`]+)` \| (\d+|-) \| (\d+) \|/.exec(line);
    if (m) documented.push(`${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
  }
  const inCode: string[] = [];
  for (const [name, presets] of Object.entries(rlbook)) {
    if (!name.endsWith("_PRESETS")) continue;
    // Algorithm presets: X_PRESETS beside a class X with X.preset (BANDIT_PRESETS are env settings).
    const algo = (rlbook as Record<string, unknown>)[name.slice(0, -"_PRESETS".length)];
    if (typeof algo !== "function" || typeof (algo as { preset?: unknown }).preset !== "function") continue;
    // Pretraining presets (DPT) have no env count: "-" in the table.
    for (const [preset, p] of Object.entries(presets as Record<string, { numEnvs?: number; steps: number }>)) inCode.push(`${name.slice(0, -"_PRESETS".length)} ${preset} ${p.numEnvs ?? "-"} ${p.steps}`);
  }
  assert.ok(inCode.length > 0);
  assert.deepEqual(documented.sort(), inCode.sort());
});
