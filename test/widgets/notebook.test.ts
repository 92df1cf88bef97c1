/**
 * notebooks/widgets.ipynb executed cell by cell through a real rlbook kernel, as a front end
 * would: the test watches the widget messages (comm_open / update) beside each cell's outputs,
 * so it checks what a page would render, not only the text fallbacks that `rlbook run` keeps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "../../kernel/client.js";
import type { Message } from "../../kernel/wire.js";
import { repoRoot } from "../../harness/jupyter-browser.js";

interface Cell {
  cell_type: string;
  source: string | string[];
}

test("notebooks/widgets.ipynb: sliders, interact on a bandit, Output, TrainingMonitor on PPO, EpisodePlayer", { timeout: 180_000 }, async () => {
  const nb = JSON.parse(readFileSync(join(repoRoot, "notebooks", "widgets.ipynb"), "utf8")) as { metadata: { kernelspec: { name: string } }; cells: Cell[] };
  assert.equal(nb.metadata.kernelspec.name, "rlbook");
  const cwd = mkdtempSync(join(tmpdir(), "rlbook-widgets-nb-"));
  const kernel = await KernelClient.start({ cwd, argv: [process.execPath, join(repoRoot, "dist", "cli.js"), "kernel", "-f", "{connection_file}"], env: { ...process.env, RLBOOK_HISTORY: join(cwd, "history.jsonl") } });
  // Every comm message, and the model state it implies (what a front end would hold).
  const models = new Map<string, Record<string, any>>();
  const all: Message[] = [];
  kernel.onIopub((m) => {
    all.push(m);
    const c = m.content as { comm_id?: string; data?: { state?: Record<string, unknown>; method?: string } };
    if (m.header.msg_type === "comm_open") models.set(c.comm_id!, { ...c.data!.state });
    if (m.header.msg_type === "comm_msg" && c.data?.method === "update") Object.assign(models.get(c.comm_id!) ?? {}, c.data.state);
  });
  const model = (id: string) => models.get(id)!;
  const ref = (value: unknown) => model(String(value).replace(/^IPY_MODEL_/, ""));
  try {
    const cells = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
    const results: { outputs: Message[] }[] = [];
    for (const code of cells) {
      const r = await kernel.execute(code, { timeout: 120 });
      assert.equal(r.reply.content.status, "ok", `cell failed: ${JSON.stringify(r.reply.content).slice(0, 2000)}\n${code}`);
      results.push(r);
    }
    const view = (cell: number) => {
      const shown = results[cell]!.outputs.find((m) => ((m.content.data as Record<string, unknown>) ?? {})["application/vnd.jupyter.widget-view+json"]);
      assert.ok(shown, `cell ${cell} shows a widget view`);
      const v = (shown.content.data as Record<string, any>)["application/vnd.jupyter.widget-view+json"];
      assert.deepEqual([v.version_major, v.version_minor], [2, 0]);
      return model(v.model_id);
    };
    const text = (cell: number) => results[cell]!.outputs.map((m) => String(m.content.text ?? (m.content.data as Record<string, unknown> | undefined)?.["text/plain"] ?? "")).join("");

    // 0: sliders in boxes; the label follows the observers.
    const box = view(0);
    assert.equal(box._model_name, "VBoxModel");
    const hbox = ref(box.children[0]);
    const [steps, lr] = hbox.children.map(ref);
    assert.deepEqual([steps._model_name, steps.value, steps.max], ["IntSliderModel", 100_000, 100_000], "250,000 was clamped to max");
    assert.deepEqual([lr._model_name, lr.value, lr.min, lr.max], ["FloatLogSliderModel", 3e-4, -5, -2]);
    const dropdown = ref(box.children[1]);
    assert.deepEqual([dropdown._options_labels, dropdown.index], [["PPO", "A2C", "DQN"], 2]);
    assert.equal(ref(box.children[2]).value, "DQN: 100,000 steps at lr 3.0e-4");
    // 1, 2: clamping and a typed error.
    assert.match(text(1), /DQN: 100,000 steps/);
    assert.match(text(2), /IntSlider\.value must be an integer, got "many"/);
    // 3: interact on the bandit: controls and an Output holding the result.
    const ia = view(3);
    const controls = ia.children.map(ref);
    assert.deepEqual(controls.map((c: Record<string, unknown>) => c._model_name), ["FloatSliderModel", "IntSliderModel", "CheckboxModel", "IntSliderModel", "OutputModel"]);
    const output = controls[4];
    // 4: kernel code moved epsilon; the Output shows the new result only.
    assert.match(text(4), /ε = 0\.10, 2500 pulls: mean reward 0\.\d+, best arm \d+% of pulls/);
    assert.equal(output.outputs.length, 1);
    assert.equal(output.outputs[0].output_type, "display_data");
    assert.match(output.outputs[0].data["text/plain"], /^ε = 0\.10, 2500 pulls/);
    // 5, 6: Output with a button: clicks append lines.
    const logBox = view(5);
    const log = ref(logBox.children[1]);
    assert.deepEqual(log.outputs, [{ output_type: "stream", name: "stdout", text: "training log\nline 1\nline 2\n" }]);
    // 7: TrainingMonitor on PPO: the page would show a full bar, the curve and the metrics.
    const monitor = view(7);
    const [, progressRow, status, curveRow] = monitor.children.map(ref);
    const progress = ref(progressRow.children[0]);
    assert.deepEqual([progress._model_name, progress.max, progress.value, progress.bar_style], ["IntProgressModel", 8192, 8192, "success"]);
    assert.equal(ref(progressRow.children[1]).description, "Done");
    assert.match(status.value, /step 8,\d{3} \/ 8,192/);
    const [curve, metrics] = curveRow.children.map(ref);
    assert.match(curve.value, /^<svg[^>]*>.*<path d="M/s);
    assert.match(metrics.value, /episodeReturn<\/td>/);
    assert.match(text(7), /finished: 'done'/);
    // 8: EpisodePlayer: Play and slider linked in the front end, an SVG frame.
    const player = view(8);
    const [, controlsRow, frame] = player.children.map(ref);
    const [play, slider] = controlsRow.children.map(ref);
    assert.equal(play._model_name, "PlayModel");
    assert.equal(play.max, slider.max);
    assert.ok(play.max > 5);
    assert.match(frame.value, /^<svg/);
    const link = [...models.values()].find((s) => s._model_name === "LinkModel" && ref(s.source[0]) === play);
    assert.ok(link, "Play is jslinked to the slider");
    assert.equal(ref(link.target[0]), slider);
    // Every model opened is still live for a reloading front end.
    const info = await kernel.request("shell", "comm_info_request", { target_name: "jupyter.widget" });
    assert.equal(Object.keys(info.content.comms as object).length, models.size);
  } finally {
    await kernel.shutdown();
  }
});
