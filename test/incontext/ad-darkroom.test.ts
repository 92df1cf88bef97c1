/**
 * AD `darkRoom/fast` reinforcement-learns in context (Laskin et al. 2022's headline): pretrained
 * through train() on Q-learning histories of the 20 source goals of a 5 x 5 Dark Room (600
 * steps: a few minutes on one core), it plays the 5 held-out goals (16 runs each, 10 episodes)
 * with frozen weights, and its return rises from episode to episode because its context holds
 * its own earlier episodes. Reference points derived here, not from the model: a policy that
 * never finds the goal scores 0; uniform random play from the centre scores well under 1 per
 * episode (measured in the test on the same goals).
 *
 * Measured (preset seed 1, deployment seed 5, 80 runs; 600 steps took 177-566 s of wall time on a
 * heavily loaded 2-core box, about 2 minutes of CPU): loss 1.378 -> 0.697; AD mean return per
 * episode 0.88 1.06 1.26 1.44 1.77 1.45 1.75 1.81 1.80 2.04; last 3 episodes minus the first
 * 1.01 +- 0.23 per run; uniform random play 0.39. The source Q-learner on the same goals rises
 * faster (0.82 -> 6.17), so at this CPU-sized setting AD does NOT show the paper's data-efficiency
 * gain over its source, only the in-context improvement.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AD, DarkRoomEnv, Rng, backend, train } from "../../src/index.js";

test("AD darkRoom/fast: return rises across episodes on held-out goals, weights frozen", { timeout: 1_500_000 }, async () => {
  await backend("wasm");
  const ad = AD.preset("darkRoom/fast");
  const t0 = performance.now();
  const hist = await train(ad, { steps: ad.config.steps });
  console.log(`# pretrained ${ad.numTimesteps} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s, loss ${hist[0].loss!.toFixed(3)} -> ${hist[hist.length - 1].loss!.toFixed(3)}`);
  const weights = (await ad.model.net.getWeights()).map((w) => Float32Array.from(w));
  const goals = ad.goals.test.flatMap((g) => Array.from({ length: 16 }, () => g));
  const E = 10;
  const res = await ad.inContext(goals, { episodes: E, seed: 5 });
  const src = ad.sourceReturns(goals, { episodes: E, seed: 5 });
  const mean = (r: number[]) => r.reduce((a, b) => a + b, 0) / r.length;
  console.log(`# AD in context, mean return per episode: ${res.meanReturns.map((v) => v.toFixed(2)).join(" ")}`);
  console.log(`# source Q-learning, same goals:          ${src.map((r) => mean(r).toFixed(2)).join(" ")}`);
  // Uniform random play on the same goals (the no-learning reference).
  const rng = new Rng(5);
  const uniform = goals.map((g) => {
    const env = new DarkRoomEnv({ size: 5, goal: g, start: "center", rewardMode: "every", terminateOnGoal: false, horizon: 10 });
    env.reset({ seed: 1 });
    let ret = 0;
    for (let t = 0; t < 10; t++) ret += env.step(rng.integer(5)).reward;
    return ret;
  });
  console.log(`# uniform random play: ${mean(uniform).toFixed(2)}`);
  // Frozen weights: deployment changed nothing in the model.
  (await ad.model.net.getWeights()).forEach((w, i) => assert.deepEqual(w, weights[i]));
  // In-context improvement: per run, the mean of the last 3 episodes minus the first episode,
  // well above zero (4 standard errors) and by at least half a reward step on average.
  const diffs = goals.map((_, g) => mean([res.returns[E - 3][g], res.returns[E - 2][g], res.returns[E - 1][g]]) - res.returns[0][g]);
  const m = mean(diffs);
  const se = Math.sqrt(diffs.reduce((s, d) => s + (d - m) ** 2, 0) / (diffs.length - 1) / diffs.length);
  console.log(`# last 3 episodes minus first: ${m.toFixed(2)} ± ${se.toFixed(2)} (${goals.length} runs)`);
  assert.ok(m > 0.5 && m > 4 * se, `in-context gain ${m.toFixed(2)} ± ${se.toFixed(2)}`);
  // Late episodes beat uniform random play, which no context improves.
  assert.ok(mean(diffs.map((_, g) => res.returns[E - 1][g])) > mean(uniform), "AD's last episode vs uniform play");
  ad.dispose();
});
