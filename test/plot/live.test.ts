/** Live charts: one display_data, then throttled update_display_data on the same display_id, the last records always drawn. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { installKernelHooks, kernelHooks, type KernelHooks } from "../../src/kernel-hooks.js";
import { displaySymbol } from "../../src/display.js";
import { liveChart, liveTraining, LiveChart } from "../../src/plot/live.js";
import { lineChart } from "../../src/plot/builders.js";
import { VEGA_LITE_MIME } from "../../src/plot/chart.js";
import { ofType, startKernel } from "../kernel/helpers.js";
import { decodePNG } from "./png.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  type: "display" | "update";
  id: string | undefined;
  at: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Hooks that format values as the kernel does (display method, awaited) and record what was sent. */
function recordingHooks(sent: Sent[]): KernelHooks {
  const show = async (type: Sent["type"], value: unknown, id?: string) => {
    const r = (await (value as { [displaySymbol](): unknown })[displaySymbol]()) as Record<string, unknown>;
    const bundle = (Object.keys(r).some((k) => k.includes("/")) ? { data: r, metadata: {} } : r) as { data: Record<string, unknown>; metadata?: Record<string, unknown> };
    sent.push({ type, id, at: performance.now(), data: bundle.data, metadata: bundle.metadata ?? {} });
  };
  return {
    display: (v, o) => show("display", v, o?.displayId),
    updateDisplay: (v, o) => show("update", v, o.displayId),
    clearOutput: () => {},
    comms: undefined as never,
    signal: () => undefined,
  };
}

const valuesOf = (s: Sent) => ((s.data[VEGA_LITE_MIME] as { data: { values: unknown[] } }).data.values);

test("in-process: throttled updates on one display_id, JSON only until close() sends the PNG", async () => {
  const saved = kernelHooks();
  const sent: Sent[] = [];
  installKernelHooks(recordingHooks(sent));
  try {
    const live = liveChart<{ step: number; loss: number }>((rows) => lineChart(rows, { x: "step", y: "loss" }), { throttleMs: 150 });
    const t0 = performance.now();
    for (let step = 0; step < 80; step++) {
      live.push({ step, loss: 1 / (step + 1) });
      await sleep(10);
    }
    const elapsed = performance.now() - t0;
    await sleep(200); // the trailing redraw after the last push
    const beforeClose = sent.length;
    const lastBeforeClose = sent[beforeClose - 1];
    assert.equal(valuesOf(lastBeforeClose).length, 80, "the last records are drawn without close()");
    const final = await live.close();
    assert.equal(sent[0].type, "display");
    assert.ok(sent.slice(1).every((s) => s.type === "update" && s.id === live.displayId));
    assert.equal(sent[0].id, live.displayId);
    const updates = sent.slice(1);
    assert.equal(updates.length, live.updates);
    // Throttled: at most one redraw per 150 ms while pushing (plus the trailing one and close()).
    assert.ok(updates.length <= Math.ceil(elapsed / 150) + 2, `${updates.length} updates in ${elapsed.toFixed(0)} ms`);
    assert.ok(updates.length >= 3, `redraws happened during the pushes (${updates.length})`);
    for (let i = 1; i < beforeClose - 1; i++) assert.ok(updates[i].at - updates[i - 1].at >= 140, `update ${i} came ${(updates[i].at - updates[i - 1].at).toFixed(0)} ms after the previous`);
    // Data grows monotonically; intermediate updates carry no PNG; the final one does.
    const counts = updates.map(valuesOf).map((v) => v.length);
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b));
    assert.ok(updates.slice(0, -1).every((u) => !("image/png" in u.data)));
    const last = updates[updates.length - 1];
    assert.equal(valuesOf(last).length, 80);
    const png = decodePNG(Buffer.from(last.data["image/png"] as string, "base64"));
    assert.equal(png.width, 2 * (last.metadata["image/png"] as { width: number }).width);
    assert.equal(JSON.stringify(final.spec), JSON.stringify(last.data[VEGA_LITE_MIME]));
    assert.throws(() => live.push({ step: 81, loss: 0 }), /push\(\) after close\(\)/);
    assert.equal(await live.close(), final, "close() is idempotent");
  } finally {
    if (saved) installKernelHooks(saved);
    else delete (globalThis as Record<symbol, unknown>)[Symbol.for("rlbook.kernel.hooks")];
  }
});

test("outside a kernel a live chart only collects; liveTraining returns the run's history", async () => {
  assert.equal(kernelHooks(), undefined);
  const live = liveChart({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", data: { values: [{ x: 0, y: 0 }] }, mark: "line", encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } });
  live.push([{ x: 1, y: 2 }], { x: 2, y: 3 });
  const chart = await live.close();
  assert.equal(live.updates, 0);
  assert.deepEqual((chart.spec as { data: { values: unknown[] } }).data.values, [{ x: 0, y: 0 }, { x: 1, y: 2 }, { x: 2, y: 3 }]);
  assert.throws(() => liveChart({ data: { url: "x.csv" }, mark: "point" } as never), /data must be inline/);
  // A stand-in for a TrainingRun: async-iterable records and awaitable history.
  const records = Array.from({ length: 5 }, (_, i) => ({ step: (i + 1) * 100, episodeReturn: i }));
  const run = Object.assign(Promise.resolve(records), { async *[Symbol.asyncIterator]() { yield* records; } });
  assert.equal(await liveTraining(run), records);
  assert.ok(new LiveChart(() => lineChart([], { x: "a", y: "b" })).toString().startsWith("LiveChart(0 records"));
});

test("through a real kernel: display_data once, then throttled update_display_data with the same display_id", { timeout: 120_000 }, async () => {
  const kernel = await startKernel();
  try {
    const r = await kernel.execute(`
import { liveChart, lineChart } from "rlbook";
const live = liveChart((rows: { step: number; loss: number }[]) => lineChart(rows, { x: "step", y: "loss" }), { throttleMs: 200 });
for (let step = 0; step < 60; step++) {
  live.push({ step, loss: 1 / (step + 1) });
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await live.close();
live.updates`);
    assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
    const displays = ofType(r, "display_data");
    const updates = ofType(r, "update_display_data");
    assert.equal(displays.length, 1, "one display_data");
    const id = (displays[0].content.transient as { display_id: string }).display_id;
    assert.ok(id);
    assert.ok(updates.length >= 3 && updates.length <= Math.ceil(60 * 20 / 200) + 4, `${updates.length} updates for ~1.3 s of pushes at 200 ms`);
    assert.ok(updates.every((u) => (u.content.transient as { display_id: string }).display_id === id), "every update targets the same display_id");
    const times = updates.map((u) => Date.parse(u.header.date));
    for (let i = 1; i < updates.length - 1; i++) assert.ok(times[i] - times[i - 1] >= 150, `updates ${i - 1}..${i} ${times[i] - times[i - 1]} ms apart`);
    const last = updates[updates.length - 1].content as { data: Record<string, unknown>; metadata: Record<string, { width: number; height: number }> };
    assert.equal((last.data[VEGA_LITE_MIME] as { data: { values: unknown[] } }).data.values.length, 60, "the final picture has every record");
    assert.ok(last.data["image/png"], "the final picture carries its PNG");
    assert.deepEqual(last.metadata["image/png"], { width: 480, height: 300 });
    assert.ok(!("text/html" in last.data));
    assert.ok(updates.slice(0, -1).every((u) => !("image/png" in (u.content.data as object))));
  } finally {
    await kernel.shutdown();
  }
});

test("train(agent, {live: true}) draws a live learning curve in the cell and ends on the final picture", { timeout: 120_000 }, async () => {
  const kernel = await startKernel();
  try {
    const r = await kernel.execute(`
import { make, PPO, train } from "rlbook";
const agent = PPO.preset("CartPole-v1/fast", make("CartPole-v1", { numEnvs: 16 }), { seed: 1 });
const history = await train(agent, { steps: 8_000, live: { throttleMs: 100 } });
history.length`);
    assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
    const displays = ofType(r, "display_data");
    const updates = ofType(r, "update_display_data");
    assert.equal(displays.length, 1);
    const id = (displays[0].content.transient as { display_id: string }).display_id;
    assert.ok(updates.length >= 1 && updates.every((u) => (u.content.transient as { display_id: string }).display_id === id));
    const last = updates[updates.length - 1].content as { data: Record<string, unknown> };
    const records = (last.data[VEGA_LITE_MIME] as { data: { values: { step: number }[] } }).data.values;
    const iterations = Number((ofType(r, "execute_result")[0].content.data as Record<string, string>)["text/plain"]);
    assert.ok(records.length > 0 && records.length <= iterations, "the final curve holds the run's records");
    assert.ok(last.data["image/png"], "the final picture carries its PNG for nbconvert and GitHub");
  } finally {
    await kernel.shutdown();
  }
});

test("a chart that cannot be drawn yet (its builder throws on the first records) skips that redraw and draws once it can", async () => {
  const saved = kernelHooks();
  const sent: Sent[] = [];
  installKernelHooks(recordingHooks(sent));
  try {
    // As train({live}) plotting an evaluation field before the first evaluation: records lack it.
    const build = (rows: { step: number; evalReturn?: number }[]) => {
      if (rows.length && !rows.every((r) => r.evalReturn !== undefined)) throw new Error('no field "evalReturn" in the records yet');
      return lineChart(rows, { x: "step", y: "evalReturn" });
    };
    const live = liveChart(build, { throttleMs: 20 });
    live.push({ step: 1 });
    await sleep(80); // the redraw timer fires and its builder throws: no uncaught exception escapes
    assert.equal(sent.length, 1, "only the initial empty frame was sent");
    await assert.rejects(live.flush(), /no field "evalReturn"/, "an awaited redraw reports the builder's error");
    const fixed = liveChart((rows: { step: number; evalReturn: number }[]) => lineChart(rows, { x: "step", y: "evalReturn" }), { throttleMs: 20, displayId: "again" });
    fixed.push({ step: 1, evalReturn: 3 });
    await sleep(80);
    assert.ok(sent.some((s) => s.type === "update" && s.id === "again"), "a drawable chart updates as before");
    await fixed.close();
  } finally {
    if (saved) installKernelHooks(saved);
    else delete (globalThis as Record<symbol, unknown>)[Symbol.for("rlbook.kernel.hooks")];
  }
});
