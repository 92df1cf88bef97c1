/** The meta-RL notebook, executed through the kernel (`rlbook run`), with assertions on what it shows. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { joined, mime, runNotebook } from "../kernel/run-notebook.js";

test("the meta-RL notebook meta-trains MAML, Reptile and RL^2 (bandits and 2D navigation), shows adaptation, and meta-trains on HalfCheetah-Vel and ML1 reach", { timeout: 900_000 }, () => {
  const { outputs, text } = runNotebook("meta-rl.ipynb");
  // MAML on held-out 2D-navigation goals: one gradient step helps, on most goals.
  const maml = /held-out tasks: pre-adaptation (-?[\d.]+), post-adaptation (-?[\d.]+); adaptation helped on (\d+) of 10 tasks/.exec(text);
  assert.ok(maml, text);
  assert.ok(Number(maml[2]) > Number(maml[1]), `MAML post ${maml[2]} > pre ${maml[1]} on held-out goals`);
  assert.ok(Number(maml[3]) >= 6);
  // The adaptation curves: MAML after one step beats the untrained policy after three (the paper's Figure 5 claim).
  const curveChart = outputs.find((o) => mime(o)["application/vnd.vegalite.v5+json"] && joined(mime(o)["text/plain"]).includes("after k inner gradient steps"));
  assert.ok(curveChart, "the adaptation-curve chart is drawn");
  // lineChart's rows: x = inner steps, y = mean return, series = learner.
  const rows = (mime(curveChart)["application/vnd.vegalite.v5+json"] as { data: { values: { x: number; y: number; series: string }[] } }).data.values;
  const at = (learner: string, steps: number) => rows.find((r) => r.series === learner && r.x === steps)?.y ?? NaN;
  assert.ok(at("MAML", 1) > at("random init", 3), `MAML after 1 step ${at("MAML", 1)} vs random init after 3 ${at("random init", 3)}`);
  const rl2 = /episode 1 ([\d.]+), episode 10 ([\d.]+) \(random ([\d.]+), oracle ([\d.]+)\)/.exec(text);
  assert.ok(rl2, text);
  assert.ok(Number(rl2[2]) > Number(rl2[1]) + 0.05 && Number(rl2[2]) > Number(rl2[3]) + 0.05, "RL^2 improves within the trial, above random");
  // RL^2 with a Gaussian head on held-out 2D-navigation goals: the trial's second episode beats its first (the
  // margin of test/meta/rl2-continuous.test.ts, which trained the same agent again: a third of the smallest gap
  // measured over seeds 0-2 on its split, 0.89).
  const nav = /held-out 2D-navigation goals: episode 1 (-?[\d.]+), episode 2 (-?[\d.]+) after training \(untrained: (-?[\d.]+), (-?[\d.]+)\)/.exec(text);
  assert.ok(nav, text);
  assert.ok(Number(nav[2]) > Number(nav[1]) + 0.3, `RL^2 on 2D navigation: episode 2 ${nav[2]} > episode 1 ${nav[1]} + 0.3`);
  // MuJoCo: HalfCheetah-Vel and ML1 reach meta-train through train() and report success rates in [0, 1].
  const mj = /ML1 reach after (\d+) meta-iterations: held-out success ([\d.]+) -> ([\d.]+), train success ([\d.]+) -> ([\d.]+); HalfCheetah-Vel held-out return (-?[\d.]+) -> (-?[\d.]+)/.exec(text);
  assert.ok(mj, text);
  assert.ok(Number(mj[1]) >= 10);
  for (const k of [2, 3, 4, 5]) assert.ok(Number(mj[k]) >= 0 && Number(mj[k]) <= 1);
  assert.ok(Number.isFinite(Number(mj[6])) && Number.isFinite(Number(mj[7])));
  const charts = outputs.filter((o) => mime(o)["image/png"]);
  assert.ok(charts.length >= 6, "training curves, trajectories, adaptation curves, the RL^2 curve and the HalfCheetah live curve have PNG fallbacks");
});
