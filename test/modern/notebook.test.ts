/** The modern deep RL notebook, executed through the kernel (`rlbook run`), with assertions on what it shows. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { joined, mime, runNotebook } from "../kernel/run-notebook.js";

test("the modern deep RL notebook shows HER vs DQN, stream AC vs PPO, CrossQ vs SAC and a many-seed band", { timeout: 1_200_000 }, () => {
  const { outputs, text } = runNotebook("modern-deep-rl.ipynb");
  const charts = outputs.filter((o) => mime(o)["application/vnd.vegalite.v5+json"] && mime(o)["image/png"]);
  assert.equal(charts.length, 4, "HER, streaming, CrossQ vs SAC and the seed band are drawn");
  // HER: the relabelled DQN succeeds on most goals by the last epoch; plain DQN stays near 0.
  const her = charts[0];
  // lineChart's rows: x = epoch, y = success rate, series = agent.
  const values = (mime(her)["application/vnd.vegalite.v5+json"] as { data: { values: { x: number; series: string; y: number }[] } }).data.values;
  const lastEpoch = Math.max(...values.map((v) => v.x));
  const at = (agent: string) => values.find((v) => v.series === agent && v.x === lastEpoch)!.y;
  assert.ok(at("DQN + HER") >= 0.8, `HER success ${at("DQN + HER")}`);
  assert.ok(at("DQN") <= 0.1, `plain DQN success ${at("DQN")}`);
  // Stream AC(lambda) learns from one sample at a time (a random policy averages about 22).
  const stream = Number(/stream AC\(lambda\) ([\d.]+)/.exec(text)?.[1]);
  assert.ok(stream >= 200, text);
  // CrossQ vs SAC: every seed of both printed with its steps to -200 (or its last return), drawn as two bands.
  assert.equal((text.match(/(CrossQ|SAC) seed \d+: /g) ?? []).length, 6, text);
  const cq = charts[2];
  const groups = new Set((mime(cq)["application/vnd.vegalite.v5+json"] as { data: { values: { group?: string }[] } }).data.values.map((v) => v.group));
  assert.deepEqual([...groups].sort(), ["CrossQ", "SAC"]);
  // The seed band: 16 seeds listed with their last returns.
  assert.equal((text.match(/seed \d+: return/g) ?? []).length, 16, text);
  assert.ok(text.includes("16 seeds, mean and 95% CI"));
});
