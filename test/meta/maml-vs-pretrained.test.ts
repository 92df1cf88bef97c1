/**
 * The comparison of MAML's RL experiments (Finn et al. 2017, sec. 5.3, Figure 4, 2D navigation):
 * MAML against a policy pretrained on all tasks with the same env steps and then adapted the same
 * way (one VPG step, inner lr 0.1) on held-out goals. The paper's claim: after one step MAML's
 * policy is much better than the pretrained one's, which barely moves. Fast settings (a 32-32
 * policy, 10 tasks x 10 episodes per iteration, 60 iterations, as the bench, which runs three seeds:
 * MAML -41 -> -22 / -19 / -20, pretrained -41 -> -40 / -39 / -39 on 20 held-out goals; this test, seed 1 on 10 goals:
 * MAML -43.3 -> -25.2, pretrained -43.4 -> -41.4).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { JointPretrain, MAML, Rng, train, navigation2DFamily } from "../../src/index.js";

const family = navigation2DFamily();
const split = new Rng(2024);
const testTasks = Array.from({ length: 10 }, () => family.sample(split));
const fast = { metaBatchSize: 10, episodesPerTask: 10, netArch: [32, 32], seed: 1 };
const ITERS = 60;

test("MAML adapts in one step on held-out 2D-navigation goals; a policy pretrained on all tasks with the same env steps does not", async () => {
  const maml = new MAML(family, fast);
  await train(maml, { steps: ITERS * maml.stepsPerIteration });
  const joint = new JointPretrain(family, fast);
  assert.equal(joint.stepsPerIteration, maml.stepsPerIteration, "the same env steps per iteration");
  const h = await train(joint, { steps: ITERS * joint.stepsPerIteration });
  assert.ok(h.length >= ITERS);
  const m = await maml.metaTest(testTasks, { seed: 7 });
  const j = await joint.metaTest(testTasks, { seed: 7 });
  console.log(`2D navigation, ${ITERS} iterations, seed 1, 10 held-out goals: MAML ${m.preReturn.toFixed(2)} -> ${m.postReturn.toFixed(2)}; pretrained ${j.preReturn.toFixed(2)} -> ${j.postReturn.toFixed(2)}`);
  const mamlGain = m.postReturn - m.preReturn;
  const jointGain = j.postReturn - j.preReturn;
  assert.ok(mamlGain > 2 * Math.max(jointGain, 0) + 3, `MAML's one-step gain ${mamlGain.toFixed(2)} vs pretrained ${jointGain.toFixed(2)}`);
  assert.ok(m.postReturn > j.postReturn + 3, `after one step MAML ${m.postReturn.toFixed(2)} > pretrained ${j.postReturn.toFixed(2)}`);
  maml.dispose();
  joint.dispose();
});
