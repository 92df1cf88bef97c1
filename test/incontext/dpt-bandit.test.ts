/**
 * DPT `bandit/fast` learns in context: pretrained once (about 2 minutes on 2 cores), it plays
 * 200 unseen 5-arm tasks with no weight update, and its regret is well below uniform play's
 * and its per-pull regret falls as its history grows. Measured with these seeds (reported, not
 * asserted beyond what is robust): regret after 30 pulls on 200 unseen tasks, DPT online 7.59 +- 0.22,
 * offline (argmax) 4.77 +- 0.30, Gaussian TS 5.77, UCB1 7.05, greedy 4.29, uniform 9.89.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DPT, GaussianThompson, Greedy, UCB1, backend, functionPolicy, sampleBanditTasks, simulateBandit } from "../../src/index.js";

test("DPT bandit/fast: in-context regret on unseen tasks", { timeout: 1_500_000 }, async () => {
  await backend("wasm");
  const dpt = DPT.preset("bandit/fast");
  await dpt.pretrain();
  const tasks = sampleBanditTasks(dpt.banditFamily(), { tasks: 200, seed: 2024 });
  const H = dpt.config.horizon;
  const run = (p: Parameters<typeof simulateBandit>[0]) => simulateBandit(p, tasks, { seed: 7 });
  const online = await run(dpt.banditPolicy());
  const offline = await run(dpt.banditPolicy({ mode: "offline" }));
  const uniform = await run(functionPolicy("uniform", ({ numArms, rng }) => rng.integer(numArms)));
  const report = { "DPT online": online, "DPT offline": offline, UCB1: await run(new UCB1()), Greedy: await run(new Greedy()), TS: await run(new GaussianThompson()), uniform };
  for (const [name, r] of Object.entries(report)) console.log(`# ${name}: regret after ${H} pulls ${r.meanRegret[H - 1].toFixed(2)} ± ${r.seRegret[H - 1].toFixed(2)}`);
  // Far below uniform play (which no history can improve).
  const gap = uniform.meanRegret[H - 1] - online.meanRegret[H - 1];
  assert.ok(gap > 4 * Math.hypot(uniform.seRegret[H - 1], online.seRegret[H - 1]), `DPT online ${online.meanRegret[H - 1]} vs uniform ${uniform.meanRegret[H - 1]}`);
  // In-context improvement: once it has a history, DPT's regret per pull (over the last third of
  // the pulls) is well below uniform play's, 1/3 per pull (E[max of 5 U(0,1)] - 1/2 = 5/6 - 1/2).
  // Measured in the notebook (other tasks): 0.29 per pull over the first third, 0.23 over the last.
  const third = Math.floor(H / 3);
  const last = (online.meanRegret[H - 1] - online.meanRegret[H - 1 - third]) / third;
  assert.ok(last < 0.8 / 3, `DPT's per-pull regret over the last third: ${last.toFixed(3)} (uniform: 0.333)`);
  // Acting on its argmax, DPT beats UCB1 at this horizon (previous session: 4.77 +- 0.30 vs 7.05):
  // the per-task paired difference (same tasks, same noise stream) is 4 standard errors below 0.
  // Not asserted against greedy (4.29 +- 0.3 at H = 30: greedy's linear regret only shows over the
  // paper's 500 pulls) nor for the sampling (online) mode, which at this size trails UCB1.
  const ucb = report.UCB1.finalRegret;
  const d = Array.from(offline.finalRegret, (v, i) => v - ucb[i]);
  const md = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, x) => a + (x - md) ** 2, 0) / (d.length - 1) / d.length);
  console.log(`# DPT (argmax) minus UCB1: ${md.toFixed(2)} ± ${sd.toFixed(2)}`);
  assert.ok(md < -4 * sd, `DPT (argmax) minus UCB1 regret: ${md.toFixed(2)} ± ${sd.toFixed(2)}`);
  dpt.dispose();
});
