/** The wire messages of the widget protocol (2.1.0), one rule at a time, against a fake kernel. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { flush, installFakeKernel } from "./fake-kernel.js";

const kernel = installFakeKernel();
const W = await import("../../widgets/index.js");
const { displaySymbol } = await import("../../src/display.js");

const opened = (model_id: string) => kernel.sent.find((m) => m.type === "comm_open" && m.comm_id === model_id)!;
const messages = (mark: number, id?: string) => kernel.since(mark).filter((m) => m.type === "comm_msg" && (!id || m.comm_id === id));

test("comm_open: target, protocol version, the full state with model/view names, references opened first", async () => {
  const mark = kernel.sent.length;
  const slider = new W.IntSlider({ value: 7, max: 10, description: "n" });
  await flush();
  const opens = kernel.since(mark).filter((m) => m.type === "comm_open");
  assert.deepEqual(opens.map((m) => m.data.state._model_name), ["LayoutModel", "SliderStyleModel", "IntSliderModel"], "layout and style open before the slider");
  const open = opened(slider.model_id);
  assert.equal(open.target, "jupyter.widget");
  assert.deepEqual(open.metadata, { version: "2.1.0" });
  const state = open.data.state;
  assert.equal(state._model_module, "@jupyter-widgets/controls");
  assert.equal(state._model_module_version, "2.0.0");
  assert.equal(state._view_name, "IntSliderView");
  assert.equal(state._view_module, "@jupyter-widgets/controls");
  assert.equal(state._view_module_version, "2.0.0");
  assert.equal(state.value, 7);
  assert.equal(state.layout, `IPY_MODEL_${opens[0]!.comm_id}`);
  assert.equal(state.style, `IPY_MODEL_${opens[1]!.comm_id}`);
  assert.deepEqual(Object.keys(state).sort(), Object.keys(W.IntSlider.spec.attributes).sort());
  assert.deepEqual(open.data.buffer_paths, []);
  const bundle = (slider as unknown as Record<symbol, () => Record<string, unknown>>)[displaySymbol]();
  assert.deepEqual(bundle["application/vnd.jupyter.widget-view+json"], { model_id: slider.model_id, version_major: 2, version_minor: 0 });
  assert.equal(bundle["text/plain"], 'IntSlider(description="n", max=10, value=7)');
});

test("a box's children are opened before it and referenced as IPY_MODEL_ strings", async () => {
  const a = new W.Button({ description: "a" });
  const b = new W.Label({ value: "b" });
  const box = new W.HBox([a, b]);
  const state = opened(box.model_id).data.state;
  assert.deepEqual(state.children, [`IPY_MODEL_${a.model_id}`, `IPY_MODEL_${b.model_id}`]);
  const order = kernel.sent.filter((m) => m.type === "comm_open").map((m) => m.comm_id);
  assert.ok(order.indexOf(a.model_id) < order.indexOf(box.model_id) && order.indexOf(b.model_id) < order.indexOf(box.model_id));
});

test("kernel-side changes send one update with just the changed attributes (none when nothing changes)", () => {
  const s = new W.FloatSlider({ value: 0.5 });
  const id = s.model_id;
  let mark = kernel.sent.length;
  s.value = 0.25;
  assert.deepEqual(messages(mark, id).map((m) => m.data), [{ method: "update", state: { value: 0.25 }, buffer_paths: [] }]);
  mark = kernel.sent.length;
  s.value = 0.25;
  assert.equal(messages(mark, id).length, 0);
  s.set({ min: -1, max: 2, step: 0.5, description: "x" });
  assert.deepEqual(messages(mark, id).map((m) => m.data), [{ method: "update", state: { description: "x", max: 2, min: -1, step: 0.5 }, buffer_paths: [] }]);
  mark = kernel.sent.length;
  s.max = 0; // clamps the value into the new range: both go in one update
  assert.deepEqual(messages(mark, id).map((m) => m.data.state), [{ max: 0, value: 0 }]);
});

test("front-end update: applied, observers run, echo_update with what was sent; a clamped value is sent back", () => {
  const s = new W.IntSlider({ value: 5, max: 10 });
  const seen: [number, number][] = [];
  s.observe("value", (c) => seen.push([c.old, c.new]));
  const comm = kernel.comm(s.model_id);
  let mark = kernel.sent.length;
  comm.deliver({ method: "update", state: { value: 8 }, buffer_paths: [] });
  assert.equal(s.value, 8);
  assert.deepEqual(seen, [[5, 8]]);
  assert.deepEqual(messages(mark).map((m) => m.data), [{ method: "echo_update", state: { value: 8 }, buffer_paths: [] }]);
  mark = kernel.sent.length;
  comm.deliver({ method: "update", state: { value: 50 }, buffer_paths: [] });
  assert.equal(s.value, 10);
  assert.deepEqual(
    messages(mark).map((m) => m.data),
    [
      { method: "echo_update", state: { value: 50 }, buffer_paths: [] },
      { method: "update", state: { value: 10 }, buffer_paths: [] },
    ],
  );
  // Clamped back to the value it already had: no change for observers, but the view is corrected.
  mark = kernel.sent.length;
  comm.deliver({ method: "update", state: { value: 99 }, buffer_paths: [] });
  assert.deepEqual(seen, [[5, 8], [8, 10]]);
  assert.deepEqual(messages(mark).map((m) => m.data.method), ["echo_update", "update"]);
  assert.deepEqual(messages(mark)[1]!.data.state, { value: 10 });
});

test("malformed front-end messages are dropped with a log line; the widget keeps its state", (t) => {
  const s = new W.IntSlider({ value: 3 });
  const comm = kernel.comm(s.model_id);
  const logged: string[] = [];
  t.mock.method(console, "warn", (line: string) => void logged.push(line));
  let mark = kernel.sent.length;
  comm.deliver({ method: "update", state: "not an object" });
  comm.deliver({ method: "update" });
  comm.deliver({ method: "frobnicate" });
  comm.deliver({});
  comm.deliver({ method: "update", state: { value: 1 }, buffer_paths: [["value"]] }); // a buffer path without a buffer
  assert.equal(s.value, 3);
  assert.equal(messages(mark).length, 0, "nothing is echoed for a dropped message");
  assert.equal(logged.length, 5);
  assert.ok(logged.every((l) => l.startsWith("rlbook widgets: dropped")));
  assert.match(logged[2]!, /"frobnicate" is not part of the widget protocol/);
  // A wrong type or an unknown attribute: that attribute is dropped, the rest applies, the view is resynced.
  logged.length = 0;
  mark = kernel.sent.length;
  comm.deliver({ method: "update", state: { value: "seven", description: "ok", bogus: 1 }, buffer_paths: [] });
  assert.equal(s.value, 3);
  assert.equal(s.description, "ok");
  assert.equal(logged.length, 2);
  assert.match(logged.join("\n"), /IntSlider\.value must be an integer, got "seven"/);
  assert.match(logged.join("\n"), /IntSlider has no such attribute/);
  assert.deepEqual(messages(mark).map((m) => m.data), [
    { method: "echo_update", state: { description: "ok" }, buffer_paths: [] },
    { method: "update", state: { value: 3 }, buffer_paths: [] },
  ]);
  // Cross-attribute rules: min > max from a front end is refused as a whole.
  mark = kernel.sent.length;
  comm.deliver({ method: "update", state: { min: 500 }, buffer_paths: [] });
  assert.equal(s.min, 0);
  assert.deepEqual(messages(mark).at(-1)!.data, { method: "update", state: { min: 0 }, buffer_paths: [] });
});

test("request_state answers with the full state; custom messages both ways; Button clicks", () => {
  const b = new W.Button({ description: "Go" });
  const comm = kernel.comm(b.model_id);
  let mark = kernel.sent.length;
  comm.deliver({ method: "request_state" });
  const [full] = messages(mark);
  assert.equal(full!.data.method, "update");
  assert.deepEqual(Object.keys(full!.data.state).sort(), Object.keys(W.Button.spec.attributes).sort());
  let clicks = 0;
  b.onClick((button) => {
    assert.equal(button, b);
    clicks++;
  });
  comm.deliver({ method: "custom", content: { event: "click" } });
  comm.deliver({ method: "custom", content: { event: "hover" } });
  assert.equal(clicks, 1);
  const customs: unknown[] = [];
  b.onCustom((content) => customs.push(content));
  comm.deliver({ method: "custom", content: { x: 1 } });
  assert.deepEqual(customs, [{ x: 1 }]);
  mark = kernel.sent.length;
  b.send({ hello: "view" }, [new Uint8Array([1, 2])]);
  assert.deepEqual(messages(mark)[0]!.data, { method: "custom", content: { hello: "view" } });
  assert.deepEqual([...messages(mark)[0]!.buffers[0]!], [1, 2]);
});

test("binary values travel as buffers with buffer_paths, both ways", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const image = new W.Image({ value: png, format: "png", width: "64" });
  const open = opened(image.model_id);
  assert.deepEqual(open.data.buffer_paths, [["value"]]);
  assert.ok(!("value" in open.data.state), "a buffer at a dict key is omitted from the state");
  assert.deepEqual([...open.buffers[0]!], [...png]);
  const mark = kernel.sent.length;
  image.set({ value: new Uint16Array([1, 256]) as never });
  assert.deepEqual(messages(mark)[0]!.data, { method: "update", state: {}, buffer_paths: [["value"]] });
  assert.deepEqual([...messages(mark)[0]!.buffers[0]!], [1, 0, 0, 1]);
  kernel.comm(image.model_id).deliver({ method: "update", state: {}, buffer_paths: [["value"]] }, [new Uint8Array([9, 8, 7])]);
  assert.deepEqual([...image.value], [9, 8, 7]);
});

test("jupyter.widget.control: request_states answers update_states with every live model and its buffers", async () => {
  const image = new W.Image({ value: new Uint8Array([5, 6]) });
  const label = new W.Label({ value: "hi" });
  await flush(); // widgets open once the code making them is done
  const control = kernel.openFromFrontEnd("jupyter.widget.control", {});
  const mark = kernel.sent.length;
  control.deliver({ method: "request_states" });
  const [reply] = messages(mark, control.id);
  assert.equal(reply!.data.method, "update_states");
  const states = reply!.data.states as Record<string, { model_name: string; model_module: string; model_module_version: string; state: Record<string, unknown> }>;
  assert.deepEqual(states[label.model_id], { model_name: "LabelModel", model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: label.wireState() });
  const ids = W.liveWidgets().map((w) => w.model_id).sort();
  assert.deepEqual(Object.keys(states).sort(), ids);
  const at = (reply!.data.buffer_paths as string[][]).findIndex((p) => p[0] === image.model_id);
  assert.deepEqual(reply!.data.buffer_paths[at], [image.model_id, "state", "value"]);
  assert.deepEqual([...reply!.buffers[at]!], [5, 6]);
});

test("close(): comm_close, and the widget leaves the registry; a front-end close does the same", () => {
  const a = new W.Label({ value: "a" });
  const id = a.model_id;
  a.close();
  assert.ok(kernel.sent.some((m) => m.type === "comm_close" && m.comm_id === id));
  assert.equal(W.widgetById(id), undefined);
  assert.equal(a.closed, true);
  const mark = kernel.sent.length;
  a.value = "after close"; // kept locally, nothing sent
  assert.equal(messages(mark).length, 0);
  const b = new W.Label({ value: "b" });
  kernel.comm(b.model_id).closeFromFrontEnd();
  assert.equal(b.closed, true);
  assert.equal(W.widgetById(b.model_id), undefined);
});

test("bad input from kernel code: errors name the widget and the attribute; nothing changes", () => {
  assert.throws(() => new W.IntSlider({ vale: 3 } as never), { name: "TypeError", message: 'IntSlider has no attribute "vale"' });
  assert.throws(() => new W.IntSlider({ value: 2.5 }), { message: "IntSlider.value must be an integer, got 2.5" });
  assert.throws(() => new W.Button({ button_style: "loud" as never }), { message: 'Button.button_style must be one of "primary", "success", "info", "warning", "danger", "", got "loud"' });
  const s = new W.IntSlider({ value: 5 });
  assert.throws(() => (s as unknown as { _model_name: string })._model_name = "X", /IntSlider\._model_name is read-only/);
  assert.throws(() => s.set({ value: 6, description: 3 as never }), { message: "IntSlider.description must be a string, got 3" });
  assert.equal(s.value, 5, "a failed set changes nothing");
  assert.throws(() => (s.min = 200), { name: "RangeError", message: "IntSlider: setting min > max (min=200, max=100)" });
  assert.throws(() => new W.HBox([s, "x" as never]), { message: 'HBox.children[1] must be a Widget widget, got "x"' });
  assert.throws(() => new W.IntSlider({ layout: new W.Label() as never }), { message: /IntSlider\.layout must be a Layout widget/ });
  assert.throws(() => s.observe("valu" as never, () => undefined), /IntSlider has no attribute "valu" to observe/);
  // Clamping, as ipywidgets does: into [min, max], not an error.
  assert.equal(new W.IntSlider({ value: 500 }).value, 100);
  assert.equal(new W.FloatLogSlider({ value: 1e-9 }).value, 1);
  assert.deepEqual(new W.IntRangeSlider({ value: [-5, 50] }).value, [0, 50]);
  assert.throws(() => new W.IntRangeSlider({ value: [60, 50] }), /setting lower > upper/);
  assert.equal(new W.IntProgress({ value: 150 }).value, 100);
});

test("selections: options as values, pairs or a record; value/label/index stay consistent and observable", () => {
  const d = new W.Dropdown<string | number>({ options: [["Proximal", "PPO"], ["Deep Q", "DQN"]], value: "DQN" });
  assert.deepEqual([d.index, d.value, d.label], [1, "DQN", "Deep Q"]);
  assert.deepEqual(opened(d.model_id).data.state._options_labels, ["Proximal", "Deep Q"]);
  const changes: string[] = [];
  d.observe("value", (c) => changes.push(`value ${c.old}->${c.new}`));
  d.observe("label", (c) => changes.push(`label ${c.old}->${c.new}`));
  kernel.comm(d.model_id).deliver({ method: "update", state: { index: 0 }, buffer_paths: [] });
  assert.equal(d.value, "PPO");
  assert.deepEqual(changes, ["value DQN->PPO", "label Deep Q->Proximal"]);
  assert.throws(() => (d.value = "SAC"), /Dropdown\.value: "SAC" is not one of the options/);
  d.options = { a: 1, b: 2 };
  assert.deepEqual([d.index, d.value, d._options_labels], [0, 1, ["a", "b"]]);
  const m = new W.SelectMultiple({ options: [1, 2, 3], value: [3, 1] });
  assert.deepEqual([m.index, m.value, m.label], [[2, 0], [3, 1], ["3", "1"]]);
  const r = new W.SelectionRangeSlider({ options: ["lo", "mid", "hi"], index: [0, 2] });
  assert.deepEqual(r.value, ["lo", "hi"]);
  kernel.comm(d.model_id).deliver({ method: "update", state: { index: 9 }, buffer_paths: [] });
  assert.equal(d.index, 0, "an index out of range from a front end is refused");
  assert.throws(() => new W.SelectionSlider(), /SelectionSlider needs at least one option/);
});

test("dates and times use ipywidgets' JSON shapes", () => {
  const date = new W.DatePicker({ value: new Date(2024, 1, 29) });
  assert.deepEqual(opened(date.model_id).data.state.value, { year: 2024, month: 1, date: 29 });
  kernel.comm(date.model_id).deliver({ method: "update", state: { value: { year: 2025, month: 11, date: 31 } }, buffer_paths: [] });
  assert.equal(date.value!.getFullYear(), 2025);
  assert.equal(date.value!.getMonth(), 11);
  const when = new W.Datetime({ value: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) });
  assert.deepEqual(opened(when.model_id).data.state.value, { year: 2024, month: 0, date: 2, hours: 3, minutes: 4, seconds: 5, milliseconds: 6 });
  const time = new W.Time({ value: "13:45" });
  assert.deepEqual(opened(time.model_id).data.state.value, { hours: 13, minutes: 45, seconds: 0, milliseconds: 0 });
  assert.throws(() => new W.Time({ value: "25:00" }), /Time\.value must be a time of day/);
  assert.equal(new W.DatePicker({ step: "any" }).step, "any");
  assert.throws(() => new W.DatePicker({ step: "some" as never }), /DatePicker\.step must be an integer or "any"/);
});

test("link / dlink (kernel) and jslink (front end)", () => {
  const a = new W.IntSlider({ value: 1 });
  const b = new W.IntText({ value: 9 });
  const l = W.link([a, "value"], [b, "value"]);
  assert.equal(b.value, 1);
  a.value = 4;
  assert.equal(b.value, 4);
  b.value = 6;
  assert.equal(a.value, 6);
  l.unlink();
  a.value = 7;
  assert.equal(b.value, 6);
  const label = new W.Label();
  W.dlink([a, "value"], [label, "value"], (v: number) => `${v} steps`);
  assert.equal(label.value, "7 steps");
  const link = W.jslink([a, "value"], [b, "value"]);
  assert.deepEqual(opened(link.model_id).data.state.source, [`IPY_MODEL_${a.model_id}`, "value"]);
  assert.deepEqual(opened(link.model_id).data.state.target, [`IPY_MODEL_${b.model_id}`, "value"]);
  assert.throws(() => W.link([a, "nope"], [b, "value"]), /IntSlider has no attribute "nope"/);
});

test("Output: appends in nbformat shape, clear (also wait), capture routes prints and errors into it", async () => {
  const out = new W.Output();
  const id = out.model_id;
  out.appendStdout("a");
  out.appendStdout("b\n");
  out.appendStderr("warn\n");
  await out.appendDisplayData(new W.Label({ value: "x" }));
  assert.deepEqual(out.outputs.slice(0, 2), [
    { output_type: "stream", name: "stdout", text: "ab\n" },
    { output_type: "stream", name: "stderr", text: "warn\n" },
  ]);
  const display = out.outputs[2] as { output_type: string; data: Record<string, unknown> };
  assert.equal(display.output_type, "display_data");
  assert.ok(display.data["application/vnd.jupyter.widget-view+json"]);
  const mark = kernel.sent.length;
  out.clearOutput({ wait: true });
  assert.equal(out.outputs.length, 3, "wait: nothing cleared yet");
  assert.equal(messages(mark, id).length, 0);
  kernel.withCapture = true;
  const result = out.capture(() => {
    kernel.print("inside\n");
    return 42;
  });
  assert.equal(result, 42);
  assert.deepEqual(out.outputs, [{ output_type: "stream", name: "stdout", text: "inside\n" }], "cleared when the next output came");
  // Async work started inside keeps writing into the widget.
  await out.capture(async () => {
    await flush();
    kernel.print("later\n");
  });
  kernel.print("outside\n");
  assert.deepEqual(out.outputs, [{ output_type: "stream", name: "stdout", text: "inside\nlater\n" }]);
  assert.throws(() => out.capture(() => {
    throw new RangeError("bad lr");
  }), /bad lr/);
  const error = out.outputs.at(-1) as unknown as { output_type: string; ename: string; evalue: string };
  assert.deepEqual([error.output_type, error.ename, error.evalue], ["error", "RangeError", "bad lr"]);
  out.clearOutput();
  assert.deepEqual(out.outputs, []);
  assert.deepEqual(messages(mark, id).at(-1)!.data.state, { outputs: [] });
});
