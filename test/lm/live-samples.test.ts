/**
 * Measurements in the cell (issue 17, item 5): the live table of sample texts per step during
 * GRPO training (one display, then an update on the same display_id after every record, the last
 * step's samples in the final table), and chart legends that show long series names whole.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { installKernelHooks, kernelHooks, type KernelHooks } from "../../src/kernel-hooks.js";
import { displaySymbol } from "../../src/display.js";
import { renderSVG } from "../../src/plot/chart.js";
import { CharTokenizer, GRPO, LanguageModel, additionTask, backend, liveSamples, overoptimizationChart, rewardKlFrontier, train } from "../../src/index.js";

interface Sent {
  type: "display" | "update";
  id: string | undefined;
  html: string;
}

function recordingHooks(sent: Sent[]): KernelHooks {
  const show = async (type: Sent["type"], value: unknown, id?: string) => {
    const r = (await (value as { [displaySymbol](): unknown })[displaySymbol]()) as Record<string, unknown>;
    sent.push({ type, id, html: String(r["text/html"]) });
  };
  return {
    display: (v, o) => show("display", v, o?.displayId),
    updateDisplay: (v, o) => show("update", v, o.displayId),
    clearOutput: () => {},
    comms: undefined as never,
    signal: () => undefined,
  };
}

test("live sample table: one display, an update per GRPO iteration on its display_id, newest step first", async () => {
  await backend("wasm");
  const saved = kernelHooks();
  const sent: Sent[] = [];
  installKernelHooks(recordingHooks(sent));
  try {
    const task = additionTask({ digits: 1 });
    const lm = new LanguageModel(new CharTokenizer(task.alphabet), { contextLength: 10, dModel: 16, nHeads: 2, nLayers: 1, seed: 1 });
    const grpo = new GRPO(lm, task, { groupSize: 4, promptsPerIteration: 2, seed: 3 });
    const table = liveSamples(grpo, { perStep: 3, keepSteps: 2 });
    await train(grpo, { steps: 3, callbacks: table.callback });
    assert.equal(sent.length, 4, "one display and three updates");
    assert.equal(sent[0].type, "display");
    assert.ok(sent.every((s) => s.id === table.displayId));
    assert.equal(table.rows.length, 9);
    assert.deepEqual([...new Set(table.rows.map((r) => r.step))], [1, 2, 3]);
    // The final table shows the last two steps, newest first, with the last iteration's texts.
    const last = sent.at(-1)!.html;
    assert.match(last, /Sample texts per step \(last 2 of 3 steps\)/);
    assert.match(last, /<th>step<\/th><th>prompt<\/th><th>completion<\/th><th>reward<\/th><th>advantage<\/th>/);
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const s0 = grpo.samples[0];
    assert.match(last, new RegExp(`<tr><td>3</td><td>${esc(s0.prompt)}</td><td>${esc(s0.completion)}</td><td>${esc(s0.reward === 1 ? "1" : String(s0.reward))}</td>`));
    assert.ok(last.indexOf("<td>3</td>") < last.indexOf("<td>2</td>"), "newest step first");
    assert.ok(!/<tr><td>1<\/td>/.test(last), "step 1 dropped (keepSteps 2)");
    // As a cell value it is the same table.
    assert.equal(String(table[displaySymbol]()["text/html" as never]), last);
    assert.throws(() => liveSamples({} as never), /source must be a GRPO or RLHFPPO trainer/);
    grpo.dispose();
    lm.dispose();
  } finally {
    if (saved) installKernelHooks(saved);
    else delete (globalThis as Record<symbol, unknown>)[Symbol.for("rlbook.kernel.hooks")];
  }
});

test("frontier and over-optimization legends show long method names whole (Vega cuts labels at 160 px by default)", async () => {
  const long = "RLHF-PPO, klCoef 0.005, proxy reward model on 300 pairs";
  const pts = [0, 1, 2].flatMap((i) => [{ method: long, kl: i, trueScore: i, score: 2 * i }, { method: "best-of-n", kl: i / 2, trueScore: i, score: i }]);
  for (const [chart, labels] of [
    [overoptimizationChart(pts), [`${long}: proxy (reward model)`, `${long}: true score`, "best-of-n: true score"]],
    [rewardKlFrontier(pts), [long, "best-of-n"]],
  ] as const) {
    const svg = await renderSVG(chart.spec);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    for (const l of labels) assert.ok(texts.includes(l), `legend label ${JSON.stringify(l)} in ${JSON.stringify(texts)}`);
    assert.ok(!texts.some((t) => t.endsWith("…")), `a truncated label in ${JSON.stringify(texts)}`);
  }
});
