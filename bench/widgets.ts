/**
 * Widget round trip, as a user feels it: a front-end update (a slider drag in a real page,
 * through Jupyter Server's websocket) -> the kernel's observer -> an update of another widget
 * back in the page. Printed beside the kernel's own comm round trip over zeromq (no server, no
 * browser), measured in the same run, so the ratio shows what the server and page add.
 */
import { KernelClient } from "../kernel/client.js";
import { bundlePage, CHROMIUM, CHROMIUM_ARGS, missingTools, startJupyterServer } from "../harness/jupyter-browser.js";

const ROUNDS = 50;

function stats(times: number[]): { median: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, p95: sorted[Math.floor(sorted.length * 0.95)]! };
}

/** The kernel alone: comm_msg in, the handler's comm_msg out, over zeromq. */
async function kernelRoundTrip(): Promise<{ median: number; p95: number }> {
  const client = await KernelClient.start();
  try {
    await client.execute(`comms.registerTarget("bench.echo", (comm) => comm.onMessage((m) => comm.send({ echo: m.data.i })));`);
    await client.send("shell", "comm_open", { comm_id: "bench-echo", target_name: "bench.echo", data: {} });
    const times: number[] = [];
    for (let i = 0; i < ROUNDS + 5; i++) {
      const started = performance.now();
      const answered = new Promise<void>((resolve) => {
        const off = client.onIopub((m) => {
          if (m.header.msg_type === "comm_msg" && (m.content.data as { echo?: number }).echo === i) {
            off();
            resolve();
          }
        });
      });
      await client.send("shell", "comm_msg", { comm_id: "bench-echo", data: { i } });
      await answered;
      if (i >= 5) times.push(performance.now() - started);
    }
    return stats(times);
  } finally {
    await client.shutdown();
  }
}

/** Through Jupyter Server and html-manager in Debian's chromium. */
async function browserRoundTrip(): Promise<{ median: number; p95: number }> {
  const { chromium } = await import("playwright-core");
  const [bundle, server, browser] = await Promise.all([bundlePage(), startJupyterServer(), chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })]);
  try {
    const page = await (await browser.newContext()).newPage();
    await page.route(`${server.url}/rlbook-widgets-bench/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path.endsWith(".js")) return route.fulfill({ contentType: "text/javascript", body: bundle.js });
      if (path.endsWith(".css")) return route.fulfill({ contentType: "text/css", body: bundle.css });
      return route.fulfill({ contentType: "text/html", body: `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="page.css"><script src="page.js"></script></head><body></body></html>` });
    });
    await page.goto(`${server.url}/rlbook-widgets-bench/index.html`);
    const call = <T>(method: string, ...args: unknown[]) =>
      page.evaluate(([m, a]) => (globalThis as unknown as { rl: Record<string, (...x: unknown[]) => unknown> }).rl[m as string]!(...(a as unknown[])), [method, args] as const) as Promise<T>;
    await call("connect", server.token);
    const result = await call<{ status: string; outputs: { type: string; content: { text?: string } }[] }>(
      "execute",
      `import { IntSlider, IntText, HBox } from "rlbook";
const probe = new IntSlider({ max: 1_000_000 });
const answer = new IntText();
probe.observe("value", (c) => (answer.value = c.new));
console.log(JSON.stringify({ probe: probe.model_id, answer: answer.model_id }));
new HBox([probe, answer])`,
    );
    if (result.status !== "ok") throw new Error(`the widget cell failed: ${JSON.stringify(result)}`);
    const ids = JSON.parse(result.outputs.filter((o) => o.type === "stream").map((o) => o.content.text).join("")) as { probe: string; answer: string };
    const times: number[] = [];
    for (let i = 1; i <= ROUNDS + 5; i++) {
      const ms = await call<number>("roundTrip", ids.probe, "value", i, ids.answer);
      if (i > 5) times.push(ms);
    }
    await call("shutdown");
    return stats(times);
  } finally {
    await browser.close();
    await server.stop();
  }
}

export async function benchWidgets(): Promise<void> {
  const missing = missingTools();
  const kernel = await kernelRoundTrip();
  console.log(`\nwidget round trip, median / p95 (${ROUNDS} rounds)`);
  console.log(`  kernel alone (zeromq comm echo):            ${kernel.median.toFixed(1)} / ${kernel.p95.toFixed(1)} ms   (baseline)`);
  if (missing) {
    console.log(`  through Jupyter Server and a browser: skipped (${missing})`);
    return;
  }
  const browser = await browserRoundTrip();
  console.log(`  page update -> kernel observer -> page:     ${browser.median.toFixed(1)} / ${browser.p95.toFixed(1)} ms   (${(browser.median / kernel.median).toFixed(1)}x the baseline)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchWidgets();
