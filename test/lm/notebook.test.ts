/** notebooks/rl-for-lms.ipynb executed through the kernel (`rlbook run`): it runs clean and shows what it claims. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../kernel/paths.js";
import { VEGA_LITE_MIME } from "../../src/plot/chart.js";

type Output = { output_type: string; data?: Record<string, unknown>; text?: string | string[]; ename?: string; evalue?: string };
const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));

test("rl-for-lms.ipynb: GRPO on addition, reward model, RLHF-PPO, over-optimization, KL sweep, DPO and the frontier, with charts", { timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "rlbook-lm-nb-"));
  const nbPath = join(work, "rl-for-lms.ipynb");
  copyFileSync(join(packageRoot, "notebooks", "rl-for-lms.ipynb"), nbPath);
  const run = spawnSync(process.execPath, [join(packageRoot, "dist", "cli.js"), "run", nbPath, "--timeout", "900"], { env: { ...process.env, RLBOOK_HISTORY: join(work, "history.jsonl") }, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const nb = JSON.parse(readFileSync(nbPath, "utf8")) as { cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[] };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  assert.deepEqual(outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`), []);
  const text = outputs.filter((o) => o.output_type === "stream").map((o) => joined(o.text)).join("");
  const charts = outputs.filter((o) => o.data?.[VEGA_LITE_MIME]).map((o) => JSON.stringify(o.data![VEGA_LITE_MIME]));
  assert.ok(charts.some((c) => c.includes("Reward model over-optimization")), "over-optimization chart");
  assert.ok(charts.some((c) => c.includes("Reward vs KL frontier")), "frontier chart");
  assert.ok(charts.some((c) => c.includes("RLHF-PPO: proxy score")), "PPO curves");
  assert.ok(outputs.every((o) => !o.data?.[VEGA_LITE_MIME] || o.data["image/png"]), "every chart has its PNG");

  const grpo = /SFT ([\d.]+) -> GRPO ([\d.]+)/.exec(text);
  assert.ok(grpo && Number(grpo[2]) > Number(grpo[1]), `GRPO accuracy in: ${text}`);
  const acc = Number(/held-out pairwise accuracy ([\d.]+)/.exec(text)?.[1]);
  assert.ok(acc > 0.62, `reward model accuracy in: ${text}`);
  const win = /win rate against the reference under the hidden score: DPO ([\d.]+), RLHF-PPO ([\d.]+)/.exec(text);
  assert.ok(win && Number(win[1]) > 0.55 && Number(win[2]) > 0.6, `win rates in: ${text}`);
  const ref = Number(/reference policy: mean true score (-?[\d.]+)/.exec(text)?.[1]);
  const after = /true score: reference (-?[\d.]+), DPO (-?[\d.]+) \(KL (-?[\d.]+)\), RLHF-PPO (-?[\d.]+)/.exec(text);
  assert.ok(after && Number(after[4]) > ref + 1 && Number(after[2]) > ref, `true scores in: ${text}`);
  // The sample table (a data frame rendered as HTML) shows the four policies side by side.
  const html = outputs.map((o) => joined(o.data?.["text/html"])).join("");
  assert.match(html, /best-of-16/);
  assert.match(html, /RLHF-PPO/);
});
