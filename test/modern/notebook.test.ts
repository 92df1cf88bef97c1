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
  // Stream AC(lambda) learns from one sample at a time (a random policy averages about 22): seed 1, 30k steps,
  // 10 greedy episodes (seed 99), the setting of test/train/stream.test.ts. Measured 500 for seeds 0, 1, 2; the
  // bar is that test's.
  const stream = Number(/stream AC\(lambda\) ([\d.]+)/.exec(text)?.[1]);
  assert.ok(stream >= 400, text);
  // CrossQ vs SAC: every seed of both printed with its steps to -200 (or its last return), drawn as two bands.
  assert.equal((text.match(/(CrossQ|SAC) seed \d+: /g) ?? []).length, 6, text);
  const cq = charts[2];
  const groups = new Set((mime(cq)["application/vnd.vegalite.v5+json"] as { data: { values: { group?: string }[] } }).data.values.map((v) => v.group));
  assert.deepEqual([...groups].sort(), ["CrossQ", "SAC"]);
  // CrossQ reaches SAC's Pendulum level sooner, on every seed (this used to train the same two agents again
  // in test/train/batch-renorm.test.ts, seeds 0 and 1). Both at update-to-data ratio 1 with their own
  // defaults (SAC: RL-Zoo's Pendulum-v1 lr 1e-3, no policy delay, target networks; CrossQ: the paper's Adam
  // beta1 0.5, policy delay 3, batch renorm), 64-unit actors, batch 64, learning from step 100, critics 64
  // (SAC) and 128 (CrossQ; the paper's are 2048); greedy evaluation (5 episodes) every 400 steps. "SAC's
  // level" is SAC's own best evaluation in the run; CrossQ must reach it at an earlier evaluation than SAC did.
  // Measured (seeds 0 / 1 / 2): SAC's best -1040 / -764 / -1137 at 2400 / 2400 / 2800 steps; CrossQ got
  // there at 800 / 1200 / 1600. The fixed -200 threshold (about where RL-Zoo's SAC ends, -176 +- 64 after
  // 20k steps) needs 3-8k steps: bench/modern.ts (`-- modern crossq`) measures it per seed.
  const perSeed = (mime(cq)["application/vnd.vegalite.v5+json"] as { data: { values: { kind: string; seed?: string; x: number; y: number }[] } }).data.values.filter((v) => v.kind === "seed");
  for (const seed of [0, 1, 2]) {
    const curve = (name: string) => perSeed.filter((v) => v.seed === `${name} ${seed}`).sort((a, b) => a.x - b.x);
    const sac = curve("SAC");
    const crossq = curve("CrossQ");
    assert.ok(sac.length >= 7 && crossq.length === sac.length, `seed ${seed}: evaluations every 400 steps`);
    const level = Math.max(...sac.map((e) => e.y));
    const sacSteps = sac.find((e) => e.y >= level)!.x;
    const cqSteps = crossq.find((e) => e.y >= level)?.x ?? Infinity;
    const show = (xs: { y: number }[]) => xs.map((e) => Math.round(e.y)).join(" ");
    assert.ok(cqSteps < sacSteps, `seed ${seed}: SAC's best ${level.toFixed(0)} at ${sacSteps} steps, CrossQ at ${cqSteps} (CrossQ ${show(crossq)}; SAC ${show(sac)})`);
    // Both learned: the untrained policies score about -1300 to -1600.
    assert.ok(level > -1300 && Math.max(...crossq.map((e) => e.y)) > -1000, `seed ${seed}: CrossQ ${show(crossq)}; SAC ${show(sac)}`);
  }
  // The seed band: 16 seeds listed with their last returns.
  assert.equal((text.match(/seed \d+: return/g) ?? []).length, 16, text);
  assert.ok(text.includes("16 seeds, mean and 95% CI"));
});
