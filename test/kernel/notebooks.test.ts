/** Notebooks through real front ends: nbconvert (nbclient) and `rlbook run`; and the tutorial notebooks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelspec } from "../../cli.js";
import { packageRoot } from "../../kernel/paths.js";
import type { Notebook } from "../../kernel/notebook.js";

const fixtures = join(packageRoot, "test", "kernel", "fixtures");
const cli = join(packageRoot, "dist", "cli.js");
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
  assert.deepEqual(notebook.cells.map((c) => c.id), JSON.parse(readFileSync(join(fixtures, "ok.ipynb"), "utf8")).cells.map((c: { id: string }) => c.id), "cell ids are kept");

  // An nbformat 4.5 notebook without cell ids is saved with unique ids (nbformat requires them
  // since 4.5), into a folder that -o names and that does not exist yet.
  const noIds = JSON.parse(readFileSync(join(fixtures, "ok.ipynb"), "utf8")) as Notebook;
  for (const c of noIds.cells) delete c.id;
  writeFileSync(join(work, "no-ids.ipynb"), JSON.stringify(noIds));
  const withIds = spawnSync(process.execPath, [cli, "run", join(work, "no-ids.ipynb"), "-o", join(work, "new-folder", "no-ids.ipynb")], { env, encoding: "utf8" });
  assert.equal(withIds.status, 0, withIds.stderr);
  assert.match(withIds.stderr, /-> .*new-folder\/no-ids\.ipynb/, "says where the executed copy went");
  const ids = (JSON.parse(readFileSync(join(work, "new-folder", "no-ids.ipynb"), "utf8")) as Notebook).cells.map((c) => c.id as string);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-zA-Z0-9-_]{1,64}$/);

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

test("the tutorial notebooks are nbformat 4.5 with unique cell ids; npm start writes its executed copy to a git-ignored folder", () => {
  for (const name of readdirSync(join(packageRoot, "notebooks")).filter((f) => f.endsWith(".ipynb")).map((f) => f.slice(0, -".ipynb".length))) {
    const nb = JSON.parse(readFileSync(join(packageRoot, "notebooks", `${name}.ipynb`), "utf8")) as Notebook;
    assert.equal(`${nb.nbformat}.${nb.nbformat_minor}`, "4.5", name);
    const ids = nb.cells.map((c) => c.id);
    assert.ok(ids.every((id) => typeof id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(id)), `${name}: every cell has an id`);
    assert.equal(new Set(ids).size, ids.length, `${name}: ids are unique`);
  }
  // npm start must leave the tracked notebooks/quickstart.ipynb as it is (git status stays clean).
  const start = (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const out = / -o (\S+)/.exec(start)?.[1];
  assert.ok(out && out !== "notebooks/quickstart.ipynb", `npm start writes elsewhere: ${start}`);
  const ignored = spawnSync("git", ["check-ignore", "-q", "--no-index", out], { cwd: packageRoot });
  assert.equal(ignored.status, 0, `${out} is git-ignored`);
});

test("rlbook run --timeout applies to each cell, not to the kernel's start; a timed-out cell is named, its outputs kept, and --allow-errors goes on", { timeout: 120_000 }, () => {
  const cell = (source: string, id: string) => ({ cell_type: "code", id, metadata: {}, source, outputs: [], execution_count: null });
  const write = (name: string, sources: string[]) =>
    writeFileSync(join(work, name), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: sources.map((s, i) => cell(s, `c${i}`)) }));
  // The first cell's own run takes milliseconds; the kernel's start and compiler load (seconds) must not count.
  write("quick.ipynb", ["const x: number = 1 + 1;\nx", "x * 2"]);
  const quick = spawnSync(process.execPath, [cli, "run", join(work, "quick.ipynb"), "--timeout", "1"], { env, encoding: "utf8" });
  assert.equal(quick.status, 0, quick.stderr);

  write("slow.ipynb", ['console.log("before")', 'console.log("partial");\nawait new Promise((r) => setTimeout(r, 60_000));', 'console.log("after")']);
  const slow = spawnSync(process.execPath, [cli, "run", join(work, "slow.ipynb"), "-o", join(work, "slow.out.ipynb"), "--timeout", "2"], { env, encoding: "utf8" });
  assert.equal(slow.status, 1);
  assert.match(slow.stderr, /cell 2 timed out after 2 s \(--timeout 2\) and was interrupted: console\.log\("partial"\);/);
  const saved = outputsOf(JSON.parse(readFileSync(join(work, "slow.out.ipynb"), "utf8")) as Notebook);
  assert.equal(saved[0]![0]!.text, "before\n");
  assert.equal(saved[1]![0]!.text, "partial\n", "the timed-out cell's outputs so far are saved");
  assert.equal(saved[1]![1]!.ename, "CellTimeoutError");
  assert.deepEqual(saved[2], [], "the run stopped at the timed-out cell");

  const going = spawnSync(process.execPath, [cli, "run", join(work, "slow.ipynb"), "-o", join(work, "slow.all.ipynb"), "--timeout", "2", "--allow-errors"], { env, encoding: "utf8" });
  assert.equal(going.status, 0, going.stderr);
  const all = outputsOf(JSON.parse(readFileSync(join(work, "slow.all.ipynb"), "utf8")) as Notebook);
  assert.equal(all[1]![1]!.ename, "CellTimeoutError");
  assert.equal(all[2]![0]!.text, "after\n", "--allow-errors runs the cells after a timeout, in the same kernel");
});
