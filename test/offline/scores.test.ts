import { test } from "node:test";
import assert from "node:assert/strict";
import { REFERENCE_RETURNS, measureReferenceReturns, normalizedScore, make, GoalPendulumEnv } from "../../src/index.js";

test("normalized score: 0 at the random reference, 100 at the expert's, linear between (D4RL's definition)", () => {
  const ref = REFERENCE_RETURNS["Pendulum-v1"];
  assert.equal(normalizedScore("Pendulum-v1", ref.random), 0);
  assert.equal(normalizedScore("Pendulum-v1", ref.expert), 100);
  assert.ok(Math.abs(normalizedScore("Pendulum-v1", (ref.random + ref.expert) / 2) - 50) < 1e-9);
  assert.equal(normalizedScore("X-v0", 5, { random: 0, expert: 10 }), 50);
  assert.throws(() => normalizedScore("Nope-v0", 1), /no reference returns for "Nope-v0" \(known: CartPole-v1/);
});

test("the recorded reference returns re-measure: 200 episodes within a few percent of the 1000-episode values", () => {
  for (const id of ["CartPole-v1", "MountainCar-v0", "Pendulum-v1", "GoalMountainCar-v0", "GoalPendulum-v0"]) {
    const m = measureReferenceReturns(id, 200);
    const ref = REFERENCE_RETURNS[id];
    const span = Math.abs(ref.expert - ref.random);
    assert.ok(Math.abs(m.random - ref.random) < 0.05 * span, `${id} random ${m.random} vs ${ref.random}`);
    assert.ok(Math.abs(m.expert - ref.expert) < 0.05 * span, `${id} expert ${m.expert} vs ${ref.expert}`);
  }
});

test("goal tasks: cost 1 per step (reward -1), 0 on the step that reaches the goal, which ends the episode", () => {
  const mc = make("GoalMountainCar-v0");
  mc.reset({ seed: 0 });
  let r = mc.step(2);
  assert.equal(r.reward, -1);
  let steps = 1;
  while (!r.terminated && !r.truncated) {
    r = mc.step((r.obs as Float32Array)[1] >= 0 ? 2 : 0);
    steps++;
  }
  assert.ok(r.terminated);
  assert.equal(r.reward, 0);
  assert.ok((r.obs as Float32Array)[0] >= 0.5);
  assert.ok(steps < 200);
  const pend = make("GoalPendulum-v0");
  assert.equal(String(pend.actionSpace), "Discrete(3)");
  const g = new GoalPendulumEnv();
  assert.ok(g.atGoal([0.1, 0.5]));
  assert.ok(!g.atGoal([0.5, 0]));
  assert.ok(!g.atGoal([0, 1.5]));
  assert.ok(g.atGoal([2 * Math.PI + 0.1, 0])); // angles wrap
  pend.reset({ seed: 1 });
  assert.throws(() => pend.step(3), /Discrete\(3\)/);
});
