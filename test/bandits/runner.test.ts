/** The regret runner's frame and chart, noise options, and its errors on bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile } from "vega-lite";
import { BetaThompson, GaussianThompson, LinUCB, UCB1, bernoulliBanditFamily, functionPolicy, navigation2DFamily, regretChart, regretCurves, sampleBanditTasks, simulateBandit } from "../../src/index.js";

test("regretCurves gives one row per policy and pull; regretChart draws them with bands", async () => {
  const frame = await regretCurves({ UCB1: new UCB1(), TS: new GaussianThompson() }, "dpt", { tasks: 50, seed: 1, horizon: 40 });
  assert.deepEqual(frame.columns, ["policy", "step", "regret", "se", "optimal"]);
  assert.equal(frame.height, 80);
  const rows = frame.toRecords() as { policy: string; step: number; regret: number; se: number }[];
  assert.ok(rows.every((r) => r.se >= 0 && Number.isFinite(r.regret)));
  const chart = regretChart(frame, { title: "regret" });
  const spec = chart.spec as { layer: { mark: { type: string } }[]; data: { values: { series: string; lo: number; hi: number; y: number }[] } };
  assert.deepEqual(spec.layer.map((l) => l.mark.type), ["area", "line"]);
  assert.deepEqual([...new Set(spec.data.values.map((v) => v.series))].sort(), ["TS", "UCB1"]);
  assert.ok(spec.data.values.every((v) => v.lo <= v.y && v.y <= v.hi));
  compile(chart.spec as never); // valid Vega-Lite 5
  assert.throws(() => regretChart([{ policy: "a", step: 1 }]), /no field "regret".*regretCurves/);
});

test("noise as std or as variance is one option away, and they agree", async () => {
  const a = sampleBanditTasks("dpt", { tasks: 20, seed: 2, noise: { std: 0.3 } });
  const b = sampleBanditTasks("dpt", { tasks: 20, seed: 2, noise: { variance: 0.09 } });
  const c = sampleBanditTasks("dpt", { tasks: 20, seed: 2 });
  assert.equal(a.noiseStd, 0.3);
  assert.ok(Math.abs(b.noiseStd - 0.3) < 1e-15);
  assert.ok(Math.abs(c.noiseStd - Math.sqrt(0.3)) < 1e-15); // the preset: variance 0.3 (DPT paper)
  const ra = await simulateBandit(new UCB1(), a, { seed: 3 });
  const rb = await simulateBandit(new UCB1(), b, { seed: 3 });
  assert.ok(Math.abs(ra.meanRegret[499] - rb.meanRegret[499]) < 1e-9);
});

test("the same seed gives the same curves; another seed other ones", async () => {
  const t = sampleBanditTasks("dpt", { tasks: 30, seed: 4, horizon: 50 });
  const x = (await simulateBandit(new GaussianThompson(), t, { seed: 1 })).meanRegret;
  const y = (await simulateBandit(new GaussianThompson(), t, { seed: 1 })).meanRegret;
  const z = (await simulateBandit(new GaussianThompson(), t, { seed: 2 })).meanRegret;
  assert.deepEqual([...x], [...y]);
  assert.notDeepEqual([...x], [...z]);
});

test("bad input names the thing and the fix", async () => {
  assert.throws(() => sampleBanditTasks("dpt-5arm" as never), /bandit preset "dpt-5arm" does not exist; presets are "dpt", "dptLinear", or pass a task family/);
  assert.throws(() => sampleBanditTasks(navigation2DFamily() as never), /does not make bandit tasks.*bernoulliBanditFamily/);
  assert.throws(() => sampleBanditTasks(bernoulliBanditFamily(), { noise: { std: 1 } }), /Bernoulli bandit's noise is its coin flip/);
  assert.throws(() => sampleBanditTasks("dpt", { noise: { variance: -1 } }), /noise must be \{std: s\} or \{variance: v\}/);
  const t = sampleBanditTasks("dpt", { tasks: 3, horizon: 5 });
  await assert.rejects(async () => await simulateBandit(functionPolicy("bad", () => 5), t), /policy "bad" returned arm 5 for task 0 at pull 0; arms are the integers 0..4 \(the bandit has 5 arms\)/);
  await assert.rejects(async () => await regretCurves({ half: () => 0.5 }, t), /returned arm 0.5/);
  await assert.rejects(async () => await simulateBandit(new LinUCB(), t), /LinUCB: needs arm features; run it on a linear bandit/);
  await assert.rejects(async () => await simulateBandit(new BetaThompson(), t), /outside \[0, 1\].*use GaussianThompson/);
  assert.throws(() => new UCB1({ c: -1 }), /UCB1: option c must be a finite number >= 0, got -1/);
  await assert.rejects(async () => await simulateBandit({} as never, t), /not a BanditPolicy.*functionPolicy/);
});
