/** notebooks/plots.ipynb executed through nbconvert: every chart keeps its Vega-Lite JSON and a 2x PNG; the agents learned. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile, type TopLevelSpec } from "vega-lite";
import { installKernelspec } from "../../cli.js";
import { packageRoot } from "../../kernel/paths.js";
import { VEGA_LITE_MIME, VEGA_LITE_SCHEMA } from "../../src/plot/chart.js";
import { notebookToHTML, type NotebookJSON } from "../../src/plot/html-export.js";
import { decodePNG, inkFraction } from "./png.js";

type Output = { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, Record<string, number>>; text?: string | string[]; ename?: string; evalue?: string };
const join_ = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));

test("plots.ipynb through nbconvert: each chart kind on real training output, saved with PNGs", { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "rlbook-plots-nb-"));
  const prefix = join(work, "spec");
  installKernelspec({ prefix });
  copyFileSync(join(packageRoot, "notebooks", "plots.ipynb"), join(work, "plots.ipynb"));
  const run = spawnSync("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=300", "--output", "out-plots.ipynb", join(work, "plots.ipynb")], {
    env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), RLBOOK_HISTORY: join(work, "history.jsonl") },
    encoding: "utf8",
    timeout: 540_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const nb = JSON.parse(readFileSync(join(work, "out-plots.ipynb"), "utf8")) as { nbformat: number; cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[] };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  assert.deepEqual(outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`), []);

  // Every chart: Vega-Lite v5 JSON that compiles, a 2x PNG with its CSS size, no text/html.
  const charts = outputs.filter((o) => o.data?.[VEGA_LITE_MIME]);
  const marks = new Set<string>();
  for (const o of charts) {
    const spec = o.data![VEGA_LITE_MIME] as TopLevelSpec & { $schema: string };
    assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
    assert.doesNotThrow(() => compile(spec));
    assert.ok(!("text/html" in o.data!), "no text/html beside a chart");
    const png = decodePNG(Buffer.from(join_(o.data!["image/png"]), "base64"));
    const size = o.metadata!["image/png"];
    assert.equal(png.width, 2 * size.width);
    assert.equal(png.height, 2 * size.height);
    assert.ok(inkFraction(png) > 0.01);
    const visit = (x: unknown): void => {
      if (!x || typeof x !== "object") return;
      const m = (x as { mark?: unknown }).mark;
      if (m) marks.add(typeof m === "string" ? m : String((m as { type: string }).type));
      Object.values(x).forEach(visit);
    };
    visit(spec);
  }
  assert.equal(charts.length, 8, "live curve, losses, seeds, evaluation, phase portrait, policy heatmap, sweep, faceted sweep");
  for (const mark of ["line", "area", "bar", "rule", "point", "rect", "text"]) assert.ok(marks.has(mark), `a chart draws ${mark} marks`);

  // The live curve ended on the final picture of the whole run (update_display_data applied by nbclient).
  const liveCell = nb.cells.find((c) => c.cell_type === "code" && join_(c.source).includes("liveTraining("))!;
  const live = liveCell.outputs!.find((o) => o.data?.[VEGA_LITE_MIME])!;
  assert.equal(live.output_type, "display_data");
  const curve = (live.data![VEGA_LITE_MIME] as { data: { values: { x: number; y: number }[] } }).data.values;
  assert.ok(curve.length >= 30, `${curve.length} points`);
  assert.ok(curve[curve.length - 1].x >= 40_000, "the last point is at the end of training");
  assert.ok(curve[curve.length - 1].y > 3 * curve[0].y, `the smoothed return rose from ${curve[0].y} to ${curve[curve.length - 1].y}`);

  // The agents learned: CartPole's random policy scores about 22.
  const text = outputs.filter((o) => o.output_type === "stream").map((o) => join_(o.text)).join("");
  const means = [...text.matchAll(/seed \d: ([\d.]+) ± [\d.]+/g)].map((m) => Number(m[1]));
  assert.equal(means.length, 3, text);
  // 40k steps (the notebook's quick budget) with an annealed learning rate: every seed learns, not
  // every seed solves (seed 1 ends near 116 since resets draw Gymnasium's start states).
  assert.ok(means.every((m) => m > 100), `evaluation means ${means}`);
  assert.ok(means.reduce((a, b) => a + b, 0) / means.length > 200, `evaluation means ${means}`);
  assert.match(text, /40 rows read back, identical: true/);

  // The history frame, the episode animation with its fallback.
  const html = outputs.map((o) => join_(o.data?.["text/html"])).join("");
  assert.match(html, /<table class="dataframe">/);
  assert.match(html, /shape: \(40, \d+\)/);
  const episode = outputs.find((o) => o.data?.["image/svg+xml"])!;
  assert.match(join_(episode.data!["image/svg+xml"]), /<animate attributeName="visibility"/);
  assert.ok(episode.data!["image/png"]);
  assert.match(join_(episode.data!["text/plain"]), /^Episode\(CartPole-v1, \d+ steps, return \d+/);

  // And the whole executed notebook exports to one page with its charts.
  const page = notebookToHTML(nb as NotebookJSON);
  assert.equal(page.match(/<div class="chart" id=/g)?.length, 8);
  assert.match(page, /<title>Plots and data: watch an agent learn<\/title>/);
});
