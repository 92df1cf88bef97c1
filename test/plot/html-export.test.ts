/** The standalone HTML export: its content, and in Debian's chromium the charts drawn as SVG with no network. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { displaySymbol } from "../../src/display.js";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { learningCurve, heatmap } from "../../src/plot/builders.js";
import { recordEpisode } from "../../src/plot/episode.js";
import { notebookToHTML, type NotebookJSON } from "../../src/plot/html-export.js";
import { renderMarkdown } from "../../src/plot/markdown.js";
import { historyFrame } from "../../src/data/frame.js";

const CHROMIUM = "/usr/bin/chromium";
const artifacts = join(process.cwd(), "test-artifacts");

const history = Array.from({ length: 40 }, (_, i) => ({ step: (i + 1) * 500, episodeReturn: 20 + i * 11 + 15 * Math.sin(i), entropy: 0.69 - i * 0.005 }));

/** An execute_result output of a value, as the kernel formats it. */
async function out(value: object, count: number) {
  const r = (await (value as { [displaySymbol](): unknown })[displaySymbol]()) as Record<string, unknown>;
  const b = (Object.keys(r).some((k) => k.includes("/")) ? { data: r, metadata: {} } : r) as { data: object; metadata: object };
  return { output_type: "execute_result", execution_count: count, data: b.data, metadata: b.metadata };
}

/** An executed notebook as the kernel writes it: bundles from rlbook objects, streams, an error. */
async function exampleNotebook(): Promise<NotebookJSON> {
  const episode = recordEpisode((o) => ((o as Float32Array)[2] + 0.5 * (o as Float32Array)[3] > 0 ? 1 : 0), make("CartPole-v1"), { seed: 0, maxSteps: 200 });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", source: ["# Plots *from* training\n", "\n", "Some `code`, **bold**, a [link](https://example.org) and a list:\n", "\n", "- one\n", "- two\n", "\n", "| a | b |\n", "|---|--:|\n", "| 1 | 2 |\n"] },
      { cell_type: "code", execution_count: 1, source: 'console.log("hello </script> <b>")', outputs: [{ output_type: "stream", name: "stdout", text: ["hello </script> <b>\n"] }] },
      { cell_type: "code", execution_count: 2, source: "learningCurve(history)", outputs: [await out(learningCurve(history, { title: "Return" }), 2)] },
      { cell_type: "code", execution_count: 3, source: "heatmap(q)", outputs: [await out(heatmap([[1, 2], [3, 4]], { title: "Q" }), 3)] },
      { cell_type: "code", execution_count: 4, source: "historyFrame(history)", outputs: [await out(historyFrame(history), 4)] },
      { cell_type: "code", execution_count: 5, source: "episode", outputs: [await out(episode, 5)] },
      { cell_type: "code", execution_count: 6, source: "boom()", outputs: [{ output_type: "error", ename: "ReferenceError", evalue: "boom is not defined", traceback: ["\u001b[31mReferenceError\u001b[0m: boom is not defined"] }] },
    ],
  };
}

test("notebookToHTML: cells, escaped code, Markdown, tables, images, and charts with vega-embed inlined", async () => {
  const nb = await exampleNotebook();
  const html = notebookToHTML(nb);
  assert.match(html, /<title>Plots from training<\/title>/, "title from the first heading");
  assert.match(html, /<h1 id="plots-from-training">Plots <em>from<\/em> training<\/h1>/);
  assert.match(html, /<code>code<\/code>, <strong>bold<\/strong>, a <a href="https:\/\/example.org">link<\/a>/);
  assert.match(html, /<ul>\n<li>one<\/li>\n<li>two<\/li>\n<\/ul>/);
  assert.match(html, /<th>a<\/th><th style="text-align:right">b<\/th>/);
  assert.match(html, /In \[1\]:/);
  assert.match(html, /console\.log\(&quot;hello &lt;\/script&gt; &lt;b&gt;&quot;\)/, "code is escaped");
  assert.match(html, /<pre class="stdout">hello &lt;\/script&gt; &lt;b&gt;\n<\/pre>/);
  assert.equal(html.match(/<div class="chart" id="chart-\d+"/g)?.length, 2);
  assert.match(html, /<table class="dataframe">/, "the DataFrame's HTML table");
  assert.match(html, /<img src="data:image\/svg\+xml;base64,/, "the episode animation");
  assert.match(html, /ReferenceError<\/pre>|ReferenceError: boom is not defined/);
  assert.doesNotMatch(html, /\u001b\[/, "ANSI colours are stripped");
  assert.doesNotMatch(html, /<script[^>]+src=/, "no external scripts");
  assert.doesNotMatch(html, /<link[^>]+href=/, "no external stylesheets");
  assert.ok(html.includes("vegaEmbed") && html.includes('.vegaLite={}'), "vega-embed, vega and vega-lite are in the page");
  const scripts = html.split("<script").length - 1;
  assert.equal(scripts, 5, "three libraries, the chart specs, the embed code");
  // The chart specs survive the trip through the page (and a '</script>' in data cannot end it).
  const withTag = notebookToHTML({ nbformat: 4, cells: [{ cell_type: "code", source: "", outputs: [await out(learningCurve(history.map((h) => ({ ...h, run: "</script><b>x" }))), 1)] }] });
  const json = /<script type="application\/json" id="rlbook-charts">(.*?)<\/script>/s.exec(withTag)![1];
  assert.equal((JSON.parse(json) as { layer: unknown[] }[])[0].layer.length, 1);
  assert.ok(json.includes("\\u003c/script>"));
  // A notebook without charts carries no vega code.
  const plain = notebookToHTML({ nbformat: 4, cells: [{ cell_type: "markdown", source: "hi" }] }, { title: "T & <x>" });
  assert.ok(plain.length < 5000);
  assert.match(plain, /<title>T &amp; &lt;x&gt;<\/title>/);
  assert.throws(() => notebookToHTML({} as never), /not a notebook/);
});

test("renderMarkdown: blocks and inline, with raw HTML and javascript: links neutralized", () => {
  assert.equal(renderMarkdown("## A *b*"), '<h2 id="a-b">A <em>b</em></h2>');
  assert.equal(renderMarkdown("```ts\nconst a = 1 < 2;\n```"), '<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>');
  assert.equal(renderMarkdown("1. x\n2. y\n   - z"), "<ol>\n<li>x</li>\n<li>y\n<ul>\n<li>z</li>\n</ul></li>\n</ol>");
  assert.equal(renderMarkdown("> quoted\n\n---"), "<blockquote><p>quoted</p></blockquote>\n<hr>");
  assert.equal(renderMarkdown("<script>alert(1)</script>"), "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
  assert.equal(renderMarkdown("[x](javascript:void)"), '<p><a href="#">x</a></p>');
  assert.equal(renderMarkdown("`a*b*c` and snake_case_name"), "<p><code>a*b*c</code> and snake_case_name</p>");
  assert.equal(renderMarkdown("line one\nline two\n\nnext"), "<p>line one\nline two</p>\n<p>next</p>");
});

test("the exported page opens in chromium with no network; each chart is drawn as SVG", { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is not installed (Debian: apt-get install chromium; .ci/run does)`);
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "rlbook-html-"));
  const file = join(dir, "plots.html");
  writeFileSync(file, notebookToHTML(await exampleNotebook()));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const blocked: string[] = [];
    const errors: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-charts-ready='2']", { timeout: 60_000 });
    const charts = await page.$$eval(".chart", (els) =>
      els.map((el) => {
        const svg = el.querySelector("svg");
        return { svg: !!svg, width: Number(svg?.getAttribute("width")), lines: el.querySelectorAll(".mark-line path").length, rects: el.querySelectorAll(".mark-rect.role-mark path").length, texts: [...el.querySelectorAll("text")].map((t) => t.textContent) };
      }),
    );
    assert.equal(charts.length, 2);
    assert.ok(charts.every((c) => c.svg), "vega-embed drew each chart as an SVG element");
    assert.equal(charts[0].width, 480, "the chart keeps its declared size");
    assert.ok(charts[0].lines >= 1, "the learning curve's line is in the SVG");
    assert.ok(charts[0].texts.includes("Return") && charts[0].texts.includes("step"));
    assert.equal(charts[1].rects, 4, "the heatmap's four cells");
    assert.equal(await page.locator("img.chart-fallback").first().isVisible(), false, "the PNG fallbacks stay hidden when the charts draw");
    assert.equal(await page.locator("table.dataframe tbody tr").count(), 11);
    // The episode animation plays: two moments of the image differ.
    const anim = page.locator('img[src^="data:image/svg+xml"]');
    const first = await anim.screenshot();
    await page.waitForTimeout(700);
    const later = await anim.screenshot();
    assert.notDeepEqual(first, later, "the animated SVG moves");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "html-export.png"), fullPage: true });
    assert.deepEqual(blocked, [], "the page asked for nothing over the network");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
