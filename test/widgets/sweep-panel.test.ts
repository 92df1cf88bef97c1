/** SweepPanel against a fake kernel: the front end's clicks and selections played as comm messages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { flush, installFakeKernel } from "./fake-kernel.js";
import type { Config, TrialContext } from "../../src/sweep/index.js";

const kernel = installFakeKernel();
const rl = await import("../../index.js");
const { SweepPanel, uniform, logUniform, intUniform, choice, quantized } = rl;

const click = (id: string) => kernel.comm(id).deliver({ method: "custom", content: { event: "click" } });
const update = (id: string, state: Record<string, unknown>) => kernel.comm(id).deliver({ method: "update", state, buffer_paths: [] });
const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A tiny objective: a noisy-free curve rising to 10 - (x - 3)^2 - penalty; reports every step. */
const space = { x: uniform(0, 6), lr: logUniform(1e-4, 1e-1), n: intUniform(1, 8), algo: choice(["a", "b", "c"]), q: quantized(0.1, 0.5, 0.1), fixedOne: 7 };
const curveObjective = async (config: Config, { report }: TrialContext) => {
  const target = 10 - ((config.x as number) - 3) ** 2 - (config.algo === "c" ? 3 : 0);
  for (let step = 1; step <= 5; step++) {
    await new Promise((r) => setTimeout(r, 1));
    await report((target * step) / 5, step);
  }
  return target;
};

test("SweepPanel: one control per searchable parameter, and the controls narrow the space", () => {
  const panel = new SweepPanel({ space, objective: curveObjective, metric: "score", trials: 4, seed: 1 });
  const kinds = Object.fromEntries(panel.controls.map((c) => [c.name, c.widget.modelSpec.className]));
  assert.deepEqual(kinds, { x: "FloatRangeSlider", lr: "FloatRangeSlider", n: "IntRangeSlider", algo: "SelectMultiple", q: "FloatRangeSlider" }, "fixed values get no control");
  const ctl = (name: string) => panel.controls.find((c) => c.name === name)!.widget;
  assert.deepEqual([...(ctl("lr") as InstanceType<typeof rl.FloatRangeSlider>).value], [-4, -1], "a log range is a slider over the exponent");
  assert.deepEqual(panel.space(), { x: uniform(0, 6), lr: logUniform(1e-4, 1e-1), n: intUniform(1, 8), algo: choice(["a", "b", "c"]), q: quantized(0.1, 0.5, 0.1), fixedOne: { kind: "fixed", value: 7 } });
  // The front end moves sliders and deselects a choice.
  update(ctl("x").model_id, { value: [1, 2.5] });
  update(ctl("lr").model_id, { value: [-3, -2] });
  update(ctl("n").model_id, { value: [4, 4] });
  update(ctl("algo").model_id, { index: [0, 2] });
  update(ctl("q").model_id, { value: [0.2, 0.4] });
  const s = panel.space();
  assert.deepEqual(s.x, uniform(1, 2.5));
  assert.equal(s.lr!.kind, "logUniform");
  assert.ok(Math.abs((s.lr as { low: number }).low - 1e-3) < 1e-15 && Math.abs((s.lr as { high: number }).high - 1e-2) < 1e-15);
  assert.deepEqual(s.n, { kind: "fixed", value: 4 }, "a collapsed range is a fixed value");
  assert.deepEqual(s.algo, choice(["a", "c"]));
  assert.deepEqual(s.q, quantized(0.2, 0.4, 0.1));
  update(ctl("algo").model_id, { index: [] });
  assert.throws(() => panel.run(), /select at least one value of algo/);
  assert.match(panel.status.value, /select at least one value of algo/);
  assert.equal(panel.running, false);
});

test("SweepPanel: a Run click starts trials with the controls' settings; curves, parallel coordinates and a sorted leaderboard follow", { timeout: 30_000 }, async () => {
  const seen: Record<string, unknown>[] = [];
  const objective = async (config: Config, ctx: TrialContext) => (seen.push(config), curveObjective(config, ctx));
  const panel = new SweepPanel({ space, objective, metric: "score", trials: 3, seed: 3, updateMs: 20 });
  update(panel.trials.model_id, { value: 6 });
  update(panel.sampler.model_id, { index: 1 }); // random
  update(panel.controls.find((c) => c.name === "x")!.widget.model_id, { value: [2, 4] });
  assert.equal(panel.current === undefined, true, "nothing runs before the click");
  click(panel.runButton.model_id);
  await flush();
  assert.ok(panel.current, "the click started a sweep");
  assert.equal(panel.running, true);
  assert.equal(panel.runButton.disabled, true);
  assert.equal(panel.stopButton.disabled, false);
  const result = await panel.current!;
  await until("the panel's final draw", () => !panel.running);
  assert.equal(result.trials.length, 6, "the trials box said 6");
  assert.equal(seen.length, 6);
  assert.ok(seen.every((c) => (c.x as number) >= 2 && (c.x as number) <= 4 && c.fixedOne === 7), "trials sampled from the narrowed space");
  assert.equal(panel.result, result);
  assert.equal(panel.runButton.disabled, false);
  assert.match(panel.status.value, /done · 6\/6 trials · 6 complete · 0 pruned/);
  // Curves: one path per trial, each in its own colour.
  const paths = [...panel.curves.value.matchAll(/<path d="[^"]+" fill="none" stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  assert.equal(paths.length, 6);
  assert.equal(new Set(paths).size, 6);
  assert.equal([...panel.parallelView.value.matchAll(/class="trial"/g)].length, 6, "a polyline per finished trial");
  assert.match(panel.parallelView.value, />score<\/text>/, "the metric has an axis");
  // The leaderboard is sorted by the metric (max), best first, and the best is picked.
  const order = result.leaderboard().map((t) => t.number);
  assert.deepEqual([...panel.leaderboard.options], order);
  const values = result.leaderboard().map((t) => t.value!);
  assert.deepEqual(values, [...values].sort((a, b) => b - a));
  assert.match(panel.leaderboard.label!, /^1\. trial \d+: score=/);
  assert.equal(panel.picked, result.best!.number);
  assert.match(panel.detail.value, new RegExp(`data-trial="${result.best!.number}"`));
  // Picking another trial in the front end shows its config and curve.
  const last = order.at(-1)!;
  update(panel.leaderboard.model_id, { index: order.length - 1 });
  assert.equal(panel.picked, last);
  const lastTrial = result.trials.find((t) => t.number === last)!;
  assert.match(panel.detail.value, new RegExp(`<b>trial ${last}</b> · complete`));
  assert.ok(panel.detail.value.includes(`>${Number((lastTrial.config.x as number).toPrecision(3))}<`), "its x is in the config table");
  assert.match(panel.detail.value, /<path d="M[^"]+L/, "its curve is drawn");
});

test("SweepPanel: minimize sorts ascending, pruned trials are faded and listed after complete ones", { timeout: 30_000 }, async () => {
  const panel = new SweepPanel({ space: { x: uniform(0, 6) }, objective: async (c, { report }) => {
    // Loss curves: trials far from 3 are bad early, so ASHA/median can stop them.
    const loss = ((c.x as number) - 3) ** 2;
    for (let s = 1; s <= 9; s++) await report(loss + 9 / s, s);
    return loss;
  }, metric: "loss", mode: "min", pruner: "median", sampler: "random", trials: 10, seed: 5, updateMs: 10 });
  const result = await panel.run();
  await until("final draw", () => !panel.running);
  const c = result.counts();
  assert.ok(c.pruned! > 0 && c.complete! > 0, `some pruned, some complete: ${JSON.stringify(c)}`);
  const board = [...panel.leaderboard.options];
  const status = board.map((n) => result.trials.find((t) => t.number === n)!.status);
  const firstPruned = status.indexOf("pruned");
  assert.ok(status.slice(0, firstPruned).every((s) => s === "complete") && status.slice(firstPruned).every((s) => s === "pruned"), status.join(","));
  const complete = board.slice(0, firstPruned).map((n) => result.trials.find((t) => t.number === n)!.value!);
  assert.deepEqual(complete, [...complete].sort((a, b) => a - b), "ascending for min");
  assert.equal(board[0], result.best!.number);
  const strokes = [...panel.curves.value.matchAll(/stroke-opacity="([\d.]+)"><title>trial (\d+)/g)].map((m) => [Number(m[2]), Number(m[1])] as const);
  for (const [n, opacity] of strokes) assert.equal(opacity, result.trials[n]!.status === "pruned" ? 0.3 : 0.95, `trial ${n}`);
});

test("SweepPanel: a Stop click aborts the running sweep through its signal", { timeout: 30_000 }, async () => {
  let aborted = 0;
  const panel = new SweepPanel({ space: { x: uniform(0, 1) }, objective: async (_c, { signal, report }) => {
    for (let s = 0; ; s++) {
      if (signal.aborted) {
        aborted++;
        throw signal.reason;
      }
      await report(s, s);
      await new Promise((r) => setTimeout(r, 2));
    }
  }, trials: 50, parallel: 2, seed: 0, updateMs: 10 });
  click(panel.runButton.model_id);
  await until("two running trials with reports", () => [...(panel.current?.trials.values() ?? [])].filter((t) => t.reports.length > 3).length === 2);
  click(panel.stopButton.model_id);
  assert.equal(panel.stopButton.description, "Stopping");
  const result = await panel.current!;
  await until("final draw", () => !panel.running);
  assert.equal(aborted, 2, "both running trials saw their signal abort");
  assert.equal(result.trials.length, 2, "no trial started after Stop");
  assert.equal(result.counts().complete, 0);
  assert.match(panel.status.value, /stopped/);
  assert.equal(panel.runButton.disabled, false);
  assert.equal(panel.stopButton.disabled, true);
  assert.throws(() => panel.pick(99), /no trial 99/);
});
