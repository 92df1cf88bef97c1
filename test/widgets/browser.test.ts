/**
 * Widgets in a real browser: Debian's Jupyter Server starts the rlbook kernel; a page built
 * from @jupyterlab/services + @jupyter-widgets/html-manager + controls runs in Debian's
 * chromium; kernel cells open widgets, the page renders them, and input in the page reaches
 * kernel code (and back). Screenshots go to test-artifacts/widgets/.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifactsDir, bundlePage, CHROMIUM, CHROMIUM_ARGS, missingTools, startJupyterServer, type JupyterServer } from "../../harness/jupyter-browser.js";
import type { Browser, Page } from "playwright-core";

/** Missing tools fail these tests with the command that installs them (a skipped test would look green). */
const missing = missingTools();

let server: JupyterServer | undefined;
let browser: Browser | undefined;
let page: Page;
let kernelId = "";
let shots: string;

interface CellResult {
  status: string;
  evalue?: string;
  cell: string;
  outputs: { type: string; content: Record<string, unknown> }[];
}

/** Calls a method of the page's `rl` object. */
const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([m, a]) => (globalThis as unknown as { rl: Record<string, (...x: unknown[]) => unknown> }).rl[m as string]!(...(a as unknown[])), [method, args] as const) as Promise<T>;

/** Runs a cell through Jupyter Server; fails the test on an error reply. */
async function cell(code: string): Promise<CellResult> {
  const result = await call<CellResult>("execute", code);
  assert.equal(result.status, "ok", `cell failed: ${result.evalue}\n${JSON.stringify(result.outputs, null, 1).slice(0, 3000)}\n--- code:\n${code}`);
  return result;
}

/** Evaluates a kernel expression and returns its JSON value (printed by the cell). */
async function kernelValue<T>(expression: string): Promise<T> {
  const result = await cell(`console.log(JSON.stringify(${expression}))`);
  const text = result.outputs.filter((o) => o.type === "stream").map((o) => String(o.content.text)).join("");
  return JSON.parse(text) as T;
}

/** Polls until `check` passes (kernel state arrives asynchronously). */
async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** Waits until the element's text contains `text` (or equals it, with exact). */
const waitForText = (selector: string, text: string, options: { exact?: boolean; timeout?: number } = {}) =>
  page.waitForFunction(
    `(() => { const t = document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""; return ${options.exact ? "t === " : "t.includes("}${JSON.stringify(text)}${options.exact ? "" : ")"}; })()`,
    undefined,
    { timeout: options.timeout ?? 10_000 },
  );

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

before(async () => {
  if (missing) throw new Error(`${missing}: install the test peers with \`sudo apt-get install -y chromium python3-jupyter-server\` (npm test's pretest does this when run as root)`);
  shots = artifactsDir();
  const { chromium } = await import("playwright-core");
  const [bundled, jupyter, launched] = await Promise.allSettled([
    bundlePage(),
    startJupyterServer(),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
  ]);
  if (jupyter.status === "fulfilled") server = jupyter.value;
  if (launched.status === "fulfilled") browser = launched.value;
  for (const r of [bundled, jupyter, launched]) if (r.status === "rejected") throw r.reason;
  const bundle = (bundled as PromiseFulfilledResult<{ js: string; css: string }>).value;
  const server_ = server!;
  const context = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  const html = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="page.css"><script src="page.js"></script>
<style>body{font-family:sans-serif;margin:16px} .cell{border-left:3px solid #ccc;margin:12px 0;padding:6px}</style></head><body></body></html>`;
  // The page is served from the server's own origin (no CORS), straight from the bundle.
  await page.route(`${server_.url}/rlbook-widgets-test/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path.endsWith(".js")) return route.fulfill({ contentType: "text/javascript", body: bundle.js });
    if (path.endsWith(".css")) return route.fulfill({ contentType: "text/css", body: bundle.css });
    return route.fulfill({ contentType: "text/html", body: html });
  });
  await page.goto(`${server_.url}/rlbook-widgets-test/index.html`);
  kernelId = await call<string>("connect", server_.token);
});

after(async () => {
  try {
    if (page && kernelId) await call("shutdown").catch(() => undefined);
  } finally {
    await browser?.close();
    await server?.stop();
  }
});

test("controls render, page input reaches kernel observers and handlers, kernel changes reach the page", { timeout: 120_000 }, async () => {
  const first = await cell(`
import { IntSlider, Dropdown, Button, IntProgress, IntText, Output, HBox, VBox } from "rlbook";
const slider = new IntSlider({ value: 10, min: 0, max: 100, description: "steps" });
const algo = new Dropdown({ options: ["PPO", "DQN", "SAC"], value: "PPO", description: "algo" });
const go = new Button({ description: "Go", button_style: "primary" });
const bar = new IntProgress({ value: 0, max: 100, description: "progress" });
const out = new Output();
const seen: number[] = [];
const algos: string[] = [];
let clicks = 0;
slider.observe("value", (c) => seen.push(c.new));
algo.observe("value", (c) => algos.push(c.new));
go.onClick(() => {
  clicks++;
  bar.value += 25;
  out.appendStdout(\`clicked \${clicks}\\n\`);
});
const probe = new IntSlider({ max: 1_000_000 });
const answer = new IntText();
probe.observe("value", (c) => (answer.value = c.new));
new VBox([new HBox([slider, algo, go]), bar, out])`);
  const view = first.outputs.find((o) => o.type === "execute_result");
  assert.ok(view, "the cell's result is shown");
  assert.ok((view.content.data as Record<string, unknown>)["application/vnd.jupyter.widget-view+json"], "as a widget view");

  // The views render: slider (noUiSlider), dropdown, button, progress bar, output.
  const root = `#${first.cell}`;
  await page.waitForSelector(`${root} .widget-hslider .noUi-handle`, { timeout: 15_000 });
  assert.equal(await page.locator(`${root} .widget-dropdown select option`).count(), 3);
  assert.equal(await page.locator(`${root} button.widget-button`).innerText(), "Go");
  assert.equal(await page.locator(`${root} .widget-hprogress .progress-bar`).count(), 1);
  assert.equal(await page.locator(`${root} .widget-output`).count(), 1);
  assert.equal(await page.locator(`${root} .widget-hslider .widget-readout`).innerText(), "10");
  await shot("1-rendered");

  // Drag the slider to about 75%: the kernel's observer sees the values the drag sent.
  const handle = (await page.locator(`${root} .widget-hslider .noUi-handle`).boundingBox())!;
  const track = (await page.locator(`${root} .widget-hslider .noUi-base`).boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(track.x + track.width * 0.75, handle.y + handle.height / 2, { steps: 8 });
  await page.mouse.up();
  const shown = Number(await page.locator(`${root} .widget-hslider .widget-readout`).innerText());
  assert.ok(shown >= 65 && shown <= 85, `the page shows the dragged value (${shown})`);
  const dragged = await eventually(
    "slider value after the drag",
    () => kernelValue<{ value: number; seen: number[] }>("{ value: slider.value, seen }"),
    (v) => v.value === shown,
  );
  assert.ok(dragged.seen.length >= 1, "the observer ran");
  assert.equal(dragged.seen[dragged.seen.length - 1], shown, "the observer saw the final value");
  assert.ok(dragged.seen.every((v, i) => i === 0 || v !== dragged.seen[i - 1]), "observers run only on changes");

  // Pick a dropdown option.
  await page.selectOption(`${root} .widget-dropdown select`, "DQN");
  await eventually("dropdown value", () => kernelValue<{ value: string; algos: string[] }>("{ value: algo.value, algos }"), (v) => v.value === "DQN" && v.algos.join() === "DQN");

  // Click the button: the kernel's handler runs, updates the progress bar and the Output, and the page shows both.
  await page.click(`${root} button.widget-button`);
  await eventually("clicks", () => kernelValue<number>("clicks"), (v) => v === 1);
  await waitForText(`${root} .widget-output`, "clicked 1");
  const barWidth = await page.locator(`${root} .widget-hprogress .progress-bar`).evaluate((el) => (el as unknown as { style: { width: string } }).style.width);
  assert.equal(barWidth, "25%");
  await shot("2-after-input");

  // Kernel-side assignments update the page.
  await cell(`slider.value = 33; algo.value = "SAC"`);
  await waitForText(`${root} .widget-hslider .widget-readout`, "33", { exact: true });
  assert.equal(await page.locator(`${root} .widget-dropdown select`).inputValue(), "SAC");

  // A value outside the range from the page is clamped by the kernel, and the page follows.
  const ids = await kernelValue<{ slider: string; probe: string; answer: string }>("{ slider: slider.model_id, probe: probe.model_id, answer: answer.model_id }");
  await call("setModel", ids.slider, "value", 500);
  await eventually("clamped value in the page", () => call<number>("modelValue", ids.slider, "value"), (v) => v === 100);
  // The page can show 100 before its update has reached the kernel (the comm message and this test's
  // execute request travel on different connections): wait for the kernel's value as well.
  await eventually("clamped value in the kernel", () => kernelValue<number>("slider.value"), (v) => v === 100);

  // Round trip: a page update -> the kernel's observer -> an update of another widget back in the page.
  const times: number[] = [];
  for (let i = 1; i <= 40; i++) times.push(await call<number>("roundTrip", ids.probe, "value", i, ids.answer));
  assert.equal(await call<number>("modelValue", ids.answer, "value"), 40);
  times.sort((a, b) => a - b);
  const stats = { n: times.length, medianMs: times[Math.floor(times.length / 2)], p95Ms: times[Math.floor(times.length * 0.95)] };
  writeFileSync(join(shots, "round-trip.json"), JSON.stringify(stats, null, 2) + "\n");
  console.log(`widget round trip through Jupyter Server (page update -> kernel observer -> page): median ${stats.medianMs!.toFixed(1)} ms, p95 ${stats.p95Ms!.toFixed(1)} ms`);
});

test("interact: the Output shows the function's result, and changes when a control changes", { timeout: 60_000 }, async () => {
  const result = await cell(`
import { interact } from "rlbook";
const ia = interact(({ n, algo }) => {
  console.log(\`printed \${algo}\`);
  return \`n=\${n} algo=\${algo}\`;
}, { n: [0, 10], algo: ["PPO", "DQN"] });`);
  const root = `#${result.cell}`;
  await waitForText(`${root} .widget-output`, "n=5 algo=PPO", { timeout: 15_000 });
  await page.selectOption(`${root} .widget-dropdown select`, "DQN");
  await waitForText(`${root} .widget-output`, "n=5 algo=DQN");
  // What the function printed is captured into the Output too; cleared on each call: the first result is gone.
  const shown = await page.locator(`${root} .widget-output`).innerText();
  assert.match(shown, /printed DQN/);
  assert.ok(!shown.includes("algo=PPO") && !shown.includes("printed PPO"), shown);
  assert.deepEqual(await kernelValue("[ia.calls, ia.result]"), [2, "n=5 algo=DQN"]);
  await shot("3-interact");
});

test("a Stop button aborts a running loop through its AbortSignal", { timeout: 60_000 }, async () => {
  await call("start", `
import { Button } from "rlbook";
const stop = new Button({ description: "Stop", button_style: "danger" });
const controller = new AbortController();
stop.onClick(() => controller.abort());
display(stop);
let ticks = 0;
while (!controller.signal.aborted) {
  ticks++;
  await new Promise((resolve) => setTimeout(resolve, 5));
}
\`stopped after \${ticks} ticks\``);
  await page.waitForSelector("button.widget-button:has-text('Stop')", { timeout: 15_000 });
  await new Promise((r) => setTimeout(r, 300));
  await page.click("button.widget-button:has-text('Stop')");
  const finished = await call<CellResult>("pending");
  assert.equal(finished.status, "ok");
  const text = String((finished.outputs.find((o) => o.type === "execute_result")!.content.data as Record<string, string>)["text/plain"]);
  const ticks = Number(/stopped after (\d+) ticks/.exec(text)?.[1]);
  assert.ok(ticks > 5, `the loop ran until the click (${text})`);
});

test("TrainingMonitor: a real PPO run shows live progress and a curve, and its Stop button ends it", { timeout: 90_000 }, async () => {
  await call("start", `
import { PPO, make, TrainingMonitor } from "rlbook";
const agent = new PPO(make("CartPole-v1", { numEnvs: 4, seed: 0 }), { seed: 0, nSteps: 64 });
const monitor = new TrainingMonitor({ title: "PPO on CartPole", updateMs: 100 });
const run = monitor.train(agent, { steps: 10_000_000 });
const history = await run;
console.log(JSON.stringify({ reason: run.stopReason, finished: monitor.finished, iterations: history.length, step: history.at(-1)!.step, progress: monitor.progress.value }));`);
  const stop = page.locator("button.widget-button:has-text('Stop')").last();
  await stop.waitFor({ timeout: 30_000 });
  // Wait for live progress in the page: the bar moves and the curve is drawn while the cell runs.
  await page.waitForFunction(
    `(() => { const bars = document.querySelectorAll(".widget-hprogress .progress-bar"); const w = parseFloat(bars[bars.length - 1]?.style.width ?? "0"); return w > 0 && [...document.querySelectorAll(".widget-html-content svg path")].length > 0; })()`,
    undefined,
    { timeout: 30_000 },
  );
  await shot("5-training");
  await stop.click();
  const finished = await call<CellResult>("pending");
  assert.equal(finished.status, "ok", finished.evalue);
  const line = finished.outputs.filter((o) => o.type === "stream").map((o) => String(o.content.text)).join("");
  const result = JSON.parse(line.trim().split("\n").at(-1)!) as { reason: string; finished: string; iterations: number; step: number; progress: number };
  assert.equal(result.reason, "aborted");
  assert.equal(result.finished, "stopped");
  assert.ok(result.iterations >= 2 && result.step < 10_000_000);
  assert.equal(result.progress, result.step);
  assert.equal(await stop.innerText(), "Stopped");
  await shot("6-training-stopped");
});

test("SweepPanel renders its controls and charts, and a Run click in the page starts trials", { timeout: 60_000 }, async () => {
  const shown = await cell(`
import { SweepPanel, uniform, choice } from "rlbook";
const sweepPanel = new SweepPanel({
  title: "tiny sweep",
  space: { x: uniform(0, 1), kind: choice(["a", "b"]) },
  objective: async (c, { report }) => {
    for (let s = 1; s <= 3; s++) {
      await report((c.x as number) * s, s);
      await new Promise((r) => setTimeout(r, 30));
    }
    return c.x as number;
  },
  metric: "score", trials: 4, seed: 0, updateMs: 50,
});
sweepPanel`);
  const root = `#${shown.cell}`;
  await page.waitForSelector(`${root} .widget-hslider .noUi-handle`, { timeout: 15_000 });
  assert.equal(await page.locator(`${root} .widget-hslider`).count(), 1, "a range slider for x");
  assert.equal(await page.locator(`${root} .widget-select-multiple option`).count(), 2, "a multi-select for kind");
  assert.equal(await page.locator(`${root} .widget-dropdown`).count(), 2, "sampler and pruner");
  assert.equal(await page.locator(`${root} svg.rlbook-parallel`).count(), 1, "the parallel-coordinates view");
  await page.click(`${root} button.widget-button:has-text('Run')`);
  await waitForText(`${root} .rlbook-sweep-status`, "done · 4/4 trials · 4 complete", { timeout: 20_000 });
  assert.equal(await page.locator(`${root} svg.rlbook-parallel path.trial`).count(), 4, "a polyline per trial, drawn in the page");
  assert.equal(await page.locator(`${root} .widget-select:not(.widget-select-multiple) option`).count(), 4, "the leaderboard lists the trials");
  assert.match(await page.locator(`${root} .widget-select:not(.widget-select-multiple) option`).first().innerText(), /^1\.\s+trial\s+\d+:\s+score=/, "the best first (the view shows spaces as no-break spaces)");
  await page.waitForSelector(`${root} .rlbook-trial svg path`, { timeout: 5_000 });
  const result = await kernelValue<{ trials: number; best: number }>("{ trials: sweepPanel.result!.trials.length, best: sweepPanel.picked }");
  assert.equal(result.trials, 4);
  await shot("7-sweep-panel");
});

test("a reloaded page re-attaches to the live widgets (comm_info + request_states) and stays two-way", { timeout: 60_000 }, async () => {
  const ids = await kernelValue<{ slider: string }>("{ slider: slider.model_id }");
  await page.reload();
  assert.equal(await call<string>("connect", server!.token, kernelId), kernelId);
  const live = await call<number>("restore");
  assert.ok(live >= 10, `comm_info lists the live widgets (${live})`);
  const received = await page.evaluate(() => (globalThis as unknown as { rl: { state: { received: { method: string }[] } } }).rl.state.received.map((m) => m.method));
  assert.ok(received.includes("update_states"), "the kernel answered request_states on the control comm");
  await call("show", ids.slider);
  await page.waitForSelector(".restored .widget-hslider .noUi-handle");
  assert.equal(await page.locator(".restored .widget-hslider .widget-readout").innerText(), "100");
  await call("setModel", ids.slider, "value", 42);
  await eventually("slider value after reload", () => kernelValue<number>("slider.value"), (v) => v === 42);
  await shot("4-reloaded");
});
