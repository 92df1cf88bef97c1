/** seedBandChart with several named groups (CrossQ vs SAC over seeds): one band per group, values recomputed here, spec compiles with vega-lite 5. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, type TopLevelSpec } from "vega-lite";
import { seedBandChart } from "../../src/population/curves.js";

const curve = (ys: number[]) => ys.map((y, i) => ({ step: 400 * (i + 1), evalMeanReturn: y }));

test("seedBandChart draws one mean and 95% band per named group of {seeds, curves}", () => {
  const groups = {
    A: { seeds: [0, 1, 2], curves: [curve([-1000, -500]), curve([-900, -300]), curve([-1100, -400])] },
    B: { seeds: [0, 1], curves: [curve([-1200, -800]), curve([-1000, -600])] },
  };
  const chart = seedBandChart(groups, { y: "evalMeanReturn" });
  const spec = chart.spec as { title: string; layer: { encoding: Record<string, unknown> }[]; data: { values: { kind: string; group: string; x: number; y: number; lo: number; hi: number }[] } };
  const mean = (g: string, x: number) => spec.data.values.find((v) => v.kind === "mean" && v.group === g && v.x === x)!;
  // A at step 800: values -500, -300, -400: mean -400, sd 100, half-width t(0.975, 2) * 100 / sqrt(3) = 4.303 * 57.735.
  assert.ok(Math.abs(mean("A", 800).y + 400) < 1e-9);
  assert.ok(Math.abs(mean("A", 800).hi - mean("A", 800).y - (4.303 * 100) / Math.sqrt(3)) < 1e-6);
  // B at step 400: -1200, -1000: mean -1100, sd 141.42, half-width t(0.975, 1) = 12.706 * 141.42 / sqrt(2) = 1270.6.
  assert.ok(Math.abs(mean("B", 400).y + 1100) < 1e-9);
  assert.ok(Math.abs(mean("B", 400).hi - mean("B", 400).y - 1270.6) < 1e-6);
  assert.equal(spec.data.values.filter((v) => v.kind === "seed").length, 10);
  assert.ok(spec.layer.every((l) => (l.encoding.color as { field: string }).field === "group"), "colored by group");
  assert.match(spec.title, /A \(3 seeds\) vs B \(2 seeds\)/);
  const warnings: string[] = [];
  const logger = { level: () => logger, warn: (...m: unknown[]) => void warnings.push(m.join(" ")), info: () => logger, debug: () => logger, error: (...m: unknown[]) => { throw new Error(m.join(" ")); } };
  compile(chart.spec as TopLevelSpec, { logger: logger as never });
  assert.deepEqual(warnings, []);
  assert.throws(() => seedBandChart({}), /no groups given/);
  assert.throws(() => seedBandChart({ A: { seeds: [0], curves: [[{ step: 1, other: 2 }]] } }, { y: "evalMeanReturn" }), /no finite "evalMeanReturn" values yet in group "A"/);
});
