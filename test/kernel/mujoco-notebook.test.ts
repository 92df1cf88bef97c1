/** notebooks/mujoco.ipynb through `rlbook run`: frames, scripted episodes of every MT10 task, success rates, ML1 / ML10 sets and SAC learning HalfCheetah. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { joined, mime, runNotebook } from "./run-notebook.js";

test("the MuJoCo notebook renders the tasks, solves them with scripted policies, draws ML1 and trains SAC on HalfCheetah", { timeout: 900_000 }, () => {
  const { outputs, text } = runNotebook("mujoco.ipynb");
  // The frames: HalfCheetah and the ten MT10 tasks as SVG, an episode of each MT10 task, the cheetah's episode.
  const svgs = outputs.filter((o) => joined(mime(o)["image/svg+xml"]).includes("<svg"));
  assert.ok(svgs.length >= 11 + 10 + 1, `SVG frames and episodes: ${svgs.length}`);
  const mt10 = ["reach", "push", "pick-place", "door-open", "drawer-open", "drawer-close", "button-press-topdown", "peg-insert-side", "window-open", "window-close"];
  for (const task of mt10) assert.match(text, new RegExp(`\\b${task}: \\d+ steps, success at the end: true`), `${task} episode`);
  // Success rates: every scripted policy 1.00, every random policy at most 0.25 (drawer-close 0.5), on MT10 and the ML10 test tasks.
  for (const task of [...mt10, "door-close", "pick-place-wall", "reach-wall", "push-back", "button-press"]) {
    assert.match(text, new RegExp(`${task} scripted: 1\\.00`), `${task} scripted`);
    const random = new RegExp(`${task} random: ([\\d.]+)`).exec(text);
    // drawer-close is easy for random actions in Meta-World too (a hand that bumps the open drawer shuts it): measured 0.38 here.
    assert.ok(random && Number(random[1]) <= (task === "drawer-close" ? 0.5 : 0.25), `${task} random: ${random?.[1]}`);
  }
  assert.match(text, /ML1-push: 50 train and 50 test variations/);
  assert.match(text, /ML10: 500 train variations of reach, push, pick-place, .*; 250 test variations of door-close, pick-place-wall, reach-wall, push-back, button-press/);
  const sac = /SAC HalfCheetah-v5: evaluation return (-?[\d.]+) before training, (-?[\d.]+) after/.exec(text);
  assert.ok(sac, text.slice(-2000));
  // SAC on HalfCheetah-v5, CPU-sized ([64, 64] networks, batch 64, 1000 random steps, learning rates 1e-3,
  // seed 1), 16,000 steps. Standing still scores about 0, the untrained policy about -7. Measured (seed 1):
  // -6.7 -> 1143.1; a run of the same settings evaluated every 2000 steps went -34, -105, -112, -370 at
  // 2k-8k steps and 627 at 10k; seed 0 reached 677 at 14k, seed 2 only 201 at 16k. The bar (formerly a
  // separate training run in test/envs/mujoco-learn.test.ts): at least 300, and 300 above the start.
  assert.ok(Number(sac[2]) >= 300 && Number(sac[2]) >= Number(sac[1]) + 300, `SAC return ${sac[1]} -> ${sac[2]}`);
  const charts = outputs.filter((o) => mime(o)["image/png"]);
  assert.ok(charts.length >= 3, "the success-rate bar chart, the ML1 scatter and the live SAC curve have PNG fallbacks");
});
