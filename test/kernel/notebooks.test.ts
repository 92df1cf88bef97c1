/** Notebooks through real front ends: nbconvert (nbclient) and `rlbook run`; and the tutorial notebooks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelspec } from "../../kernel/cli.js";
import { packageRoot } from "../../kernel/paths.js";
import type { Notebook } from "../../kernel/notebook.js";

const fixtures = join(packageRoot, "test", "kernel", "fixtures");
const cli = join(packageRoot, "dist", "kernel", "cli.js");
const work = mkdtempSync(join(tmpdir(), "rlbook-notebooks-"));
const env = { ...process.env, RLBOOK_HISTORY: join(work, "history.jsonl") };

function nbconvert(name: string) {
  const prefix = join(work, "spec");
  installKernelspec({ prefix });
  copyFileSync(join(fixtures, name), join(work, name));
  const run = spawnSync("jupyter", ["nbconvert", "--to", "notebook", "--execute", "--output", `out-${name}`, join(work, name)], {
    env: { ...env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
    encoding: "utf8",
    timeout: 120_000,
  });
  return run;
}

/** Outputs per cell; nbformat's multi-line strings (lists of lines) joined back into strings. */
const outputsOf = (notebook: Notebook) =>
  notebook.cells.map((c) =>
    (c.outputs ?? []).map((o) => JSON.parse(JSON.stringify(o), (_key, value) => (Array.isArray(value) && value.every((v) => typeof v === "string") && _key !== "traceback" ? value.join("") : value)) as Record<string, unknown>),
  );

test("nbconvert --execute records execution counts and outputs", { timeout: 150_000 }, () => {
  const run = nbconvert("ok.ipynb");
  assert.equal(run.status, 0, run.stderr);
  const notebook = JSON.parse(readFileSync(join(work, "out-ok.ipynb"), "utf8")) as Notebook;
  assert.deepEqual(notebook.cells.map((c) => c.execution_count), [1, 2, 3, 4]);
  const [first, second, third, fourth] = outputsOf(notebook);
  assert.deepEqual(first, [{ output_type: "stream", name: "stdout", text: "hello\n" }]);
  assert.equal(second![0]!.output_type, "display_data");
  assert.equal((second![0]!.data as Record<string, string>)["text/html"], "<b>bold</b>");
  assert.deepEqual(second![1], { output_type: "execute_result", execution_count: 2, data: { "text/plain": "42" }, metadata: {} });
  assert.deepEqual(third!.map((o) => (o.data as Record<string, string>)["text/plain"]), ["'shown'"]);
  assert.deepEqual(fourth!.map((o) => (o.data as Record<string, string>)["text/plain"]), ["'second'"], "update_display_data replaced the output");
});

test("nbconvert stops at an erroring cell with CellExecutionError", { timeout: 150_000 }, () => {
  const run = nbconvert("error.ipynb");
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /CellExecutionError/);
  assert.match(run.stderr, /undefinedFunction/);
});

test("rlbook run executes a notebook without Jupyter, and fails clearly", { timeout: 120_000 }, () => {
  copyFileSync(join(fixtures, "ok.ipynb"), join(work, "run-ok.ipynb"));
  const ok = spawnSync(process.execPath, [cli, "run", join(work, "run-ok.ipynb"), "-o", join(work, "run-ok.out.ipynb")], { env, encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  const notebook = JSON.parse(readFileSync(join(work, "run-ok.out.ipynb"), "utf8")) as Notebook;
  assert.deepEqual(notebook.cells.map((c) => c.execution_count), [1, 2, 3, 4]);
  assert.deepEqual(outputsOf(notebook)[3]!.map((o) => (o.data as Record<string, string>)["text/plain"]), ["'second'"]);

  copyFileSync(join(fixtures, "error.ipynb"), join(work, "run-error.ipynb"));
  const failing = spawnSync(process.execPath, [cli, "run", join(work, "run-error.ipynb")], { env, encoding: "utf8" });
  assert.equal(failing.status, 1);
  assert.match(failing.stderr, /cell 2 failed with TypeScriptError: .*Cannot find name 'undefinedFunction'/);
  const saved = JSON.parse(readFileSync(join(work, "run-error.ipynb"), "utf8")) as Notebook;
  assert.equal(outputsOf(saved)[1]![0]!.output_type, "error", "the error is saved in the notebook");

  const missing = spawnSync(process.execPath, [cli, "run", join(work, "nope.ipynb")], { encoding: "utf8" });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read notebook .*nope\.ipynb: no such file/);
  writeFileSync(join(work, "broken.ipynb"), "{ not json");
  const broken = spawnSync(process.execPath, [cli, "run", join(work, "broken.ipynb")], { encoding: "utf8" });
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /broken\.ipynb is not a notebook: invalid JSON/);
  const usage = spawnSync(process.execPath, [cli, "run"], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /rlbook run needs exactly one notebook path/);
  const unknown = spawnSync(process.execPath, [cli, "frobnicate"], { encoding: "utf8" });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test("jupyter console runs cells in the rlbook kernel", { timeout: 60_000 }, () => {
  const prefix = join(work, "spec");
  installKernelspec({ prefix });
  const run = spawnSync("jupyter", ["console", "--kernel", "rlbook", "--simple-prompt"], {
    input: "const x = 20 + 1\nx * 2\n",
    env: { ...env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
    encoding: "utf8",
    timeout: 50_000,
  });
  assert.match(run.stdout, /Out\[2\]: 42/, run.stdout + run.stderr);
});

test("the quickstart notebook runs, shows its results, and exports a standalone page", { timeout: 120_000 }, () => {
  copyFileSync(join(packageRoot, "notebooks", "quickstart.ipynb"), join(work, "quickstart.ipynb"));
  const run = spawnSync(process.execPath, [cli, "run", join(work, "quickstart.ipynb"), "--html", join(work, "quickstart.html")], { env, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const notebook = JSON.parse(readFileSync(join(work, "quickstart.ipynb"), "utf8")) as Notebook;
  const outputs = outputsOf(notebook).flat();
  const page = readFileSync(join(work, "quickstart.html"), "utf8");
  assert.match(page, /^<!DOCTYPE html>/i);
  assert.match(page, /vegaEmbed/, "charts are drawn live by the bundled vega-embed");
  assert.doesNotMatch(page, /<script[^>]+src="https?:/, "the page needs no network");
  assert.ok(outputs.every((o) => o.output_type !== "error"));
  const data = (o: Record<string, unknown>) => (o.data ?? {}) as Record<string, unknown>;
  const chart = outputs.find((o) => data(o)["application/vnd.vegalite.v5+json"]);
  assert.ok(chart && data(chart)["image/png"], "the live learning curve ends as a Vega-Lite chart with its PNG");
  const text = outputs.map((o) => String(data(o)["text/plain"] ?? o.text ?? "")).join("\n");
  const mean = Number(/mean return ([\d.]+) ± [\d.]+ over 20 episodes/.exec(text)?.[1]);
  assert.ok(mean >= 475, `PPO solves CartPole-v1: a fresh 20-episode evaluation averages ${mean}`);
  const episode = outputs.find((o) => String(data(o)["text/plain"] ?? "").startsWith("Episode(CartPole-v1"));
  assert.ok(episode && data(episode)["image/svg+xml"] && data(episode)["image/png"], "the trained agent's episode plays, with a filmstrip fallback");
});

test("the environments notebook makes, steps, renders and vectorizes envs", { timeout: 120_000 }, () => {
  copyFileSync(join(packageRoot, "notebooks", "environments.ipynb"), join(work, "environments.ipynb"));
  const run = spawnSync(process.execPath, [cli, "run", join(work, "environments.ipynb")], { env, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const outputs = outputsOf(JSON.parse(readFileSync(join(work, "environments.ipynb"), "utf8")) as Notebook).flat();
  assert.ok(outputs.every((o) => o.output_type !== "error"));
  const text = outputs.map((o) => String(o.text ?? (o.data as Record<string, string> | undefined)?.["text/plain"] ?? "")).join("\n");
  assert.match(text, /return 500, terminated false, truncated true/, "the hand-written controller balances the pole");
  assert.match(text, /obs shape \[8, 4\]/);
  const frames = outputs.filter((o) => String((o.data as Record<string, string> | undefined)?.["image/svg+xml"] ?? "").startsWith("<svg"));
  assert.ok(frames.length >= 3, "envs display their frames as SVG");
});

test("the sweeps notebook runs a PPO CartPole sweep with ASHA in the live panel and shows the best config", { timeout: 180_000 }, () => {
  copyFileSync(join(packageRoot, "notebooks", "sweeps.ipynb"), join(work, "sweeps.ipynb"));
  const run = spawnSync(process.execPath, [cli, "run", join(work, "sweeps.ipynb")], { env, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const notebook = JSON.parse(readFileSync(join(work, "sweeps.ipynb"), "utf8")) as Notebook;
  const outputs = outputsOf(notebook).flat();
  assert.ok(outputs.every((o) => o.output_type !== "error"));
  const data = (o: Record<string, unknown>) => (o.data ?? {}) as Record<string, unknown>;
  const text = outputs.map((o) => String(data(o)["text/plain"] ?? o.text ?? "")).join("\n");
  assert.ok(outputs.some((o) => data(o)["application/vnd.jupyter.widget-view+json"]), "the live panel is shown as a widget");
  const counts = /sweep \w+: 24 trials \((\d+) complete, (\d+) pruned, 0 failed\); maximize return/.exec(text);
  assert.ok(counts, text.slice(0, 2000));
  assert.ok(Number(counts[1]) >= 4, `trials completed: ${counts[1]}`);
  assert.ok(Number(counts[2]) >= 1, `ASHA pruned some trials: ${counts[2]}`);
  const best = /best trial (\d+): return ([\d.]+) with \{\s*learningRate: [\d.e-]+,\s*entCoef: [\d.e-]+,\s*nSteps: (32|64|128)\s*\}/.exec(text);
  assert.ok(best, "the best config is printed");
  assert.ok(Number(best[2]) > 100, `the best trial learned something: ${best[2]}`);
  assert.ok(/learningRate: [\d.]+/.test(text) && /nSteps: [\d.]+/.test(text), "importance per parameter is shown");
  assert.ok(outputs.some((o) => data(o)["application/vnd.vegalite.v5+json"]), "the parallel-coordinates chart is shown");
});

test("the in-context RL notebook compares bandit algorithms by regret and pretrains a DPT that plays unseen bandits", { timeout: 900_000 }, () => {
  copyFileSync(join(packageRoot, "notebooks", "in-context-rl.ipynb"), join(work, "in-context-rl.ipynb"));
  const run = spawnSync(process.execPath, [cli, "run", join(work, "in-context-rl.ipynb"), "--timeout", "900"], { env, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const outputs = outputsOf(JSON.parse(readFileSync(join(work, "in-context-rl.ipynb"), "utf8")) as Notebook).flat();
  assert.ok(outputs.every((o) => o.output_type !== "error"));
  const data = (o: Record<string, unknown>) => (o.data ?? {}) as Record<string, unknown>;
  const text = outputs.map((o) => String(o.text ?? data(o)["text/plain"] ?? "")).join("\n");
  assert.match(text, /4 policies x 1,000 tasks x 500 pulls in [\d.]+ s/);
  const charts = outputs.filter((o) => data(o)["application/vnd.vegalite.v5+json"] && data(o)["image/png"]);
  assert.ok(charts.length >= 6, `regret, pretraining and offline charts with PNG fallbacks: ${charts.length}`);
  // Uniform play's expected regret after 30 pulls is 30 * (E[max of 5 U(0,1)] - 1/2) = 30 * (5/6 - 1/2) = 10.
  const dpt = /DPT \(online\)\s+regret after 30 pulls: ([\d.]+) ± ([\d.]+)/.exec(text);
  assert.ok(dpt, text.slice(-2000));
  assert.ok(Number(dpt[1]) + 4 * Number(dpt[2]) < 10, `DPT learned in context: regret ${dpt[1]} ± ${dpt[2]} vs 10 for uniform play`);
  assert.match(text, /same regret after loading: true/);
  const ts = /variance 0.3 \(paper\): noise std 0.548, TS regret after 500 pulls ([\d.]+)/.exec(text);
  assert.ok(ts && Number(ts[1]) < 30, "Thompson sampling's regret on the DPT preset is small");
});
