/** interact(), TrainingMonitor and EpisodePlayer against a fake kernel (the browser test drives them for real). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { flush, installFakeKernel } from "./fake-kernel.js";

const kernel = installFakeKernel();
const rl = await import("../../index.js");
const W = rl.widgets;

const updates = (mark: number, id: string) => kernel.since(mark).filter((m) => m.type === "comm_msg" && m.comm_id === id && m.data.method === "update").map((m) => m.data.state);

test("interact: each abbreviation makes the control ipywidgets makes", () => {
  const ia = W.interactive(() => undefined, {
    n: [0, 10],
    k: [0, 10, 3],
    lr: [1e-5, 1e-2],
    x: [0.5, 1.5],
    gamma: 0.99,
    batch: 64,
    algo: ["PPO", "DQN"],
    net: { small: [64, 64], large: [256, 256] },
    normalize: true,
    name: "run-1",
    env: W.fixed("CartPole-v1"),
    custom: new W.IntText({ value: 3 }),
  });
  const c = ia.controls as Record<string, InstanceType<typeof W.IntSlider>>;
  const kind = (name: string) => c[name]!.modelSpec.className;
  assert.deepEqual(
    Object.fromEntries(Object.keys(c).map((k) => [k, kind(k)])),
    { n: "IntSlider", k: "IntSlider", lr: "FloatLogSlider", x: "FloatSlider", gamma: "FloatSlider", batch: "IntSlider", algo: "Dropdown", net: "Dropdown", normalize: "Checkbox", name: "Text", custom: "IntText" },
  );
  assert.deepEqual([c.n!.value, c.n!.min, c.n!.max, c.n!.description], [5, 0, 10, "n"]);
  assert.deepEqual([c.k!.value, c.k!.step], [3, 3], "the value is put on a step, as ipywidgets does");
  assert.deepEqual([c.gamma!.value, c.gamma!.min, c.gamma!.max], [0.99, -0.99, 3 * 0.99], "a number v: a slider over [-v, 3v]");
  assert.deepEqual([c.batch!.min, c.batch!.max], [-64, 192]);
  const lr = c.lr as unknown as InstanceType<typeof W.FloatLogSlider>;
  assert.deepEqual([lr.min, lr.max, lr.base], [-5, -2, 10]);
  assert.ok(Math.abs(lr.value - 10 ** -3.5) < 1e-12);
  assert.deepEqual(ia.kwargs.net, [64, 64]);
  assert.equal(ia.kwargs.env, "CartPole-v1");
  assert.equal(ia.kwargs.algo, "PPO");
  assert.equal(ia.kwargs.normalize, true);
  assert.equal(ia.kwargs.custom, 3);
  assert.equal(ia.children.length, Object.keys(c).length + 1, "controls, then the Output");
  assert.throws(() => W.interactive(() => 0, { f: (() => 1) as never }), /interact: f: cannot make a control from a function/);
  assert.throws(() => W.interactive(() => 0, { r: [5, 1] }), /interact: r: min must be <= max/);
});

test("interact: called now and on every change, output cleared each time, result and errors shown", async () => {
  const calls: string[] = [];
  const ia = W.interact(({ algo, n }) => {
    calls.push(`${algo}/${n}`);
    kernel.print(`print ${n}\n`);
    if (n === 7) throw new Error("seven is not allowed");
    return `${algo} with ${n}`;
  }, { algo: ["PPO", "DQN"], n: [0, 10] });
  assert.ok(kernel.displayed.includes(ia), "interact displays its widget");
  await ia.idle();
  assert.deepEqual(calls, ["PPO/5"]);
  const texts = () => ia.out.outputs.map((o) => (o.output_type === "stream" ? o.text : o.output_type === "display_data" ? (o.data as Record<string, unknown>)["text/plain"] : `${o.output_type}: ${(o as { evalue: string }).evalue}`));
  assert.deepEqual(texts(), ["print 5\n", "PPO with 5"]);
  const dropdown = ia.controls.algo!;
  kernel.comm(dropdown.model_id).deliver({ method: "update", state: { index: 1 }, buffer_paths: [] });
  await ia.idle();
  assert.deepEqual(calls, ["PPO/5", "DQN/5"]);
  assert.deepEqual(texts(), ["print 5\n", "DQN with 5"]);
  assert.equal(ia.result, "DQN with 5");
  (ia.controls.n as InstanceType<typeof W.IntSlider>).value = 7;
  await ia.idle();
  assert.deepEqual(texts(), ["print 7\n", "error: seven is not allowed"]);
});

test("interactManual: the function runs only when Run is clicked", async () => {
  let calls = 0;
  const ia = W.interactManual(({ x }) => (calls++, x * 2), { x: [0, 4] });
  await flush();
  assert.equal(calls, 0);
  assert.equal(ia.runButton!.description, "Run Interact");
  (ia.controls.x as InstanceType<typeof W.IntSlider>).value = 3;
  await flush();
  assert.equal(calls, 0);
  kernel.comm(ia.runButton!.model_id).deliver({ method: "custom", content: { event: "click" } });
  await ia.idle();
  assert.equal(calls, 1);
  assert.equal(ia.result, 6);
});

test("TrainingMonitor: records drive the progress bar, metrics and curve; the Stop button aborts its signal", async () => {
  const m = new W.TrainingMonitor({ title: "test run", updateMs: 0 });
  const mine = new AbortController();
  const extra: number[] = [];
  const options = m.with({ steps: 1000, signal: mine.signal, callbacks: (r) => void extra.push(r.step) });
  assert.ok(kernel.displayed.includes(m), "with() shows the monitor");
  assert.equal(m.progress.max, 1000);
  assert.equal((options.callbacks as unknown[]).length, 2);
  const record = (step: number, ret: number) => ({ step, iteration: step / 100, time: step / 500, fps: 500, episodeReturn: ret, episodeLength: ret, episodes: 1, policyLoss: -0.01 * step });
  const progressId = m.progress.model_id;
  const mark = kernel.sent.length;
  for (const step of [100, 200, 300]) for (const cb of options.callbacks as ((r: unknown) => void)[]) cb(record(step, step / 10));
  assert.deepEqual(extra, [100, 200, 300], "the user's callback still runs");
  assert.equal(m.progress.value, 300);
  assert.ok(updates(mark, progressId).some((s) => s.value === 300), "the progress reached the front end");
  assert.deepEqual(m.latest(), { fps: 500, episodeReturn: 30, episodeLength: 30, policyLoss: -3 });
  assert.match(m.status.value, /step 300 \/ 1,000 · 500 steps\/s · 0:01 elapsed · ETA 0:01/);
  assert.match(m.metricsView.value, /policyLoss<\/td><td[^>]*>-3</);
  assert.match(m.curveView.value, /<path d="M[^"]+" fill="none" stroke="#9ecae1"/);
  // A click in the front end aborts the signal given to train(), and the user's own signal still works.
  assert.equal(options.signal.aborted, false);
  kernel.comm(m.stopButton.model_id).deliver({ method: "custom", content: { event: "click" } });
  assert.equal(m.signal.aborted, true);
  assert.equal(options.signal.aborted, true);
  assert.equal(m.stopButton.disabled, true);
  const other = new W.TrainingMonitor();
  const ctl = new AbortController();
  const o2 = other.with({ steps: 10, signal: ctl.signal });
  ctl.abort();
  assert.equal(o2.signal.aborted, true);
  assert.equal(other.signal.aborted, false);
});

test("TrainingMonitor.train: a real PPO run, stopped by a click, ends cleanly with its history", { timeout: 60_000 }, async () => {
  const agent = new rl.PPO(rl.make("CartPole-v1", { numEnvs: 2, seed: 0 }) as InstanceType<typeof rl.VectorEnv>, { nSteps: 32, batchSize: 32, seed: 0 });
  const m = new W.TrainingMonitor({ updateMs: 50 });
  let clicked = false;
  const run = m.train(agent, { steps: 1_000_000, callbacks: (r) => {
    if (!clicked && r.iteration >= 3) {
      clicked = true;
      kernel.comm(m.stopButton.model_id).deliver({ method: "custom", content: { event: "click" } });
    }
  } });
  const history = await run;
  await flush();
  assert.equal(run.stopReason, "aborted");
  assert.ok(history.length >= 4 && history.length <= 6, `stopped right after the click (${history.length} iterations)`);
  assert.equal(m.finished, "stopped");
  assert.equal(m.records.length, history.length);
  assert.equal(m.progress.value, history.at(-1)!.step);
  assert.equal(m.stopButton.description, "Stopped");
  assert.equal(m.progress.bar_style, "warning");
});

test("EpisodePlayer: Play is jslinked to the slider; moving the slider in the page swaps the frame", async () => {
  const frames = ["<svg>0</svg>", "<svg>1</svg>", "<svg>2</svg>"];
  const player = new W.EpisodePlayer({ frames, fps: 20, frameSteps: [0, 5, 10] });
  await flush();
  assert.equal(player.play.interval, 50);
  assert.equal(player.play.max, 2);
  const link = kernel.sent.find((m) => m.type === "comm_open" && m.data.state._model_name === "LinkModel" && m.data.state.source[0] === `IPY_MODEL_${player.play.model_id}`);
  assert.ok(link, "a LinkModel joins Play and the slider in the front end");
  assert.deepEqual(link.data.state.target, [`IPY_MODEL_${player.slider.model_id}`, "value"]);
  const mark = kernel.sent.length;
  kernel.comm(player.slider.model_id).deliver({ method: "update", state: { value: 2 }, buffer_paths: [] });
  assert.equal(player.frame.value, "<svg>2</svg>");
  assert.deepEqual(updates(mark, player.frame.model_id), [{ value: "<svg>2</svg>" }]);
  assert.equal(player.step, 10);
  const episode = rl.recordEpisode((() => 0) as never, rl.make("CartPole-v1"), { maxSteps: 5, seed: 1 });
  const fromEpisode = new W.EpisodePlayer(episode);
  assert.equal(fromEpisode.frames.length, episode.frames.length);
  assert.match(fromEpisode.frame.value, /^<svg/);
  assert.throws(() => new W.EpisodePlayer([]), /EpisodePlayer needs a non-empty list of SVG frames/);
});
