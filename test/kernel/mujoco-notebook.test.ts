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
  assert.ok(Number(sac[2]) > Number(sac[1]) + 200, `SAC return ${sac[1]} -> ${sac[2]}`);
  const charts = outputs.filter((o) => mime(o)["image/png"]);
  assert.ok(charts.length >= 3, "the success-rate bar chart, the ML1 scatter and the live SAC curve have PNG fallbacks");
});
