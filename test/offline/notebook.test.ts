/** The offline RL notebook, executed through the kernel (`rlbook run`), with assertions on what it shows. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mime, runNotebook } from "../kernel/run-notebook.js";

test("the offline-rl notebook records datasets, round-trips files, scores BC against CQL and draws the FQI / FQI-LOG curve", { timeout: 600_000 }, () => {
  const { outputs, text } = runNotebook("offline-rl.ipynb");
  assert.match(text, /Dataset\(CartPole-v1, random\+expert, 6000 transitions/);
  assert.match(text, /HDF5 round trip identical: true; Parquet round trip identical: true/);
  // The score table: CQL near 100 on the mixed data, BC far below (it imitates the random majority).
  const score = (dataset: string, learner: string) => Number(new RegExp(`${dataset.replace("+", "\\+")}\\s+${learner.replace("+", "\\+")}\\s+[\\d.-]+\\s+([\\d.-]+)`).exec(text)?.[1]);
  // Measured with Gymnasium-seeded starts: CQL 85.9, BC 59.0 (BC before that seeding: 9.7).
  assert.ok(score("random+expert", "CQL") > 80, text);
  assert.ok(score("random+expert", "BC") < score("random+expert", "CQL") - 15, text);
  assert.ok(score("expert", "BC") > 90, text);
  // TD3+BC and IQL beat the behaviour in the Pendulum medium data (measured: -303 and -319 against -406; this
  // run used to be repeated in test/offline/learners.test.ts).
  assert.ok(score("Pendulum medium", "TD3+BC") > score("Pendulum medium", "data"), text);
  assert.ok(score("Pendulum medium", "IQL") > score("Pendulum medium", "data"), text);
  // Continuous CQL beats BC on the Pendulum random + expert mix, by test/offline/learners.test.ts's former
  // bar of 300 in return (that test used to train this same setting again). Measured: -563 against -1271.
  const ret = (dataset: string, learner: string) => Number(new RegExp(`${dataset.replace("+", "\\+")}\\s+${learner.replace("+", "\\+")}\\s+([\\d.-]+)`).exec(text)?.[1]);
  assert.ok(ret("Pendulum random+expert", "CQL") > ret("Pendulum random+expert", "BC") + 300, text);
  // Offline to online: IQL improves online (measured: -1248 offline, -171 after 3000 env steps; the same run
  // used to be repeated in test/offline/dt-finetune.test.ts).
  const stage = (name: string) => Number(new RegExp(`${name}\\s+([\\d.-]+)`).exec(text)?.[1]);
  assert.ok(stage("IQL \\+ online") > stage("IQL offline") + 300, text);
  const charts = outputs.filter((o) => mime(o)["application/vnd.vegalite.v5+json"] && mime(o)["image/png"]);
  assert.ok(charts.length >= 8, `charts shown: ${charts.length}`);
  assert.ok(text.includes("normalized score"));
  assert.ok(text.includes("GoalPendulum-v0: cost to the goal against dataset size"));
  const cost = (n: number, loss: string) => Number(new RegExp(`${n}\\s+${loss}\\s+([\\d.]+)`).exec(text)?.[1]);
  assert.ok(cost(1000, "FQI-LOG") < cost(1000, "FQI"), text);
});
