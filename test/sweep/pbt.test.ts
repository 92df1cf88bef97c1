import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pbt, explore } from "../../src/sweep/pbt.js";
import { validateSpace, logUniform, uniform, choice, intUniform } from "../../src/sweep/index.js";
import { Rng } from "../../src/core/rng.js";
import { backend } from "../../src/nn/backend.js";
import { ppoSegment } from "./rl-fixtures.js";
import type { PBTExploit } from "../../src/sweep/pbt.js";

/** Exploits as pbt() announces them (before the next round starts). */
const result_exploits: PBTExploit[] = [];

function files(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, files(p, base));
    else out[p.slice(base.length)] = readFileSync(p).toString("base64");
  }
  return out;
}

test("explore perturbs by 1.2 / 0.8 within the range, moves choices to a neighbour, resamples with its probability", () => {
  const space = validateSpace({ lr: logUniform(1e-4, 1e-2), ent: uniform(0, 0.1), n: intUniform(1, 10), act: choice(["a", "b", "c"]), fixedArch: [64] });
  const config = { lr: 1e-3, ent: 0.09, n: 5, act: "a", fixedArch: [64] };
  const rng = new Rng(3);
  for (let i = 0; i < 200; i++) {
    const c = explore(space, config, rng, { resampleProbability: 0 });
    assert.ok([1.2e-3, 0.8e-3].some((v) => Math.abs((c.lr as number) - v) < 1e-12), String(c.lr));
    assert.ok([0.1, 0.072].some((v) => Math.abs((c.ent as number) - v) < 1e-12), String(c.ent)); // 0.108 clamps to 0.1
    assert.ok([6, 4].includes(c.n as number));
    assert.ok(["a", "b"].includes(c.act as string)); // "a" has one neighbour; index -1 clamps to "a"
    assert.deepEqual(c.fixedArch, [64]);
  }
  let resampled = 0;
  for (let i = 0; i < 400; i++) {
    const c = explore(space, config, rng, { resampleProbability: 0.5, mutations: ["ent"] });
    assert.equal(c.lr, 1e-3);
    if (![0.1, 0.072].some((v) => Math.abs((c.ent as number) - v) < 1e-12)) resampled++;
  }
  assert.ok(resampled > 150 && resampled < 250, `resampled ${resampled}/400`);
});

test("PBT on PPO CartPole: the worst member copies the best member's checkpoint and continues with perturbed hyperparameters", async () => {
  await backend("wasm");
  const dir = mkdtempSync(join(tmpdir(), "rlbook-pbt-test-"));
  const copies: { exploit: number; same: boolean }[] = [];
  const result = await pbt({
    space: { learningRate: logUniform(1e-4, 3e-3), entCoef: uniform(0, 0.02), steps: 768, seed: 1 },
    objective: async (config, ctx) => {
      // Just before a member continues from a copied checkpoint, the copy must equal the source's.
      const e = result_exploits.find((x) => x.copyDir === ctx.restore);
      if (e) copies.push({ exploit: result_exploits.indexOf(e), same: JSON.stringify(files(e.copyDir)) === JSON.stringify(files(e.sourceDir)) });
      return ppoSegment(config, ctx);
    },
    population: 4,
    rounds: 3,
    quantile: 0.25,
    resampleProbability: 0,
    mode: "max",
    seed: 2,
    dir,
    onExploit: (e) => result_exploits.push(e),
  });
  const N = 4;
  assert.equal(result.segments.length, N * 3);
  // One exploit per round boundary (ceil(0.25 * 4) = 1): the worst member copies the best.
  assert.equal(result.exploits.length, 2);
  for (const e of result.exploits) {
    const round = result.segments.filter((s) => s.round === e.round).sort((a, b) => b.score - a.score);
    assert.equal(e.from, round[0].member, "the source is the best member of the round");
    assert.equal(e.member, round[N - 1].member, "the exploiting member is the worst");
    assert.deepEqual(e.source, round[0].config);
    // Explore: every searched hyperparameter multiplied by 1.2 or 0.8 (clamped), fixed ones kept.
    for (const k of ["learningRate", "entCoef"]) {
      const ratio = (e.after[k] as number) / (e.source[k] as number);
      assert.ok(Math.abs(ratio - 1.2) < 1e-9 || Math.abs(ratio - 0.8) < 1e-9 || e.after[k] === 3e-3 || e.after[k] === 0.02, `${k}: ${e.source[k]} -> ${e.after[k]}`);
    }
    assert.equal(e.after.steps, 768);
    // The next round of the exploiting member started from the copy, with the explored config,
    // at the source's step count, and really trained with the explored learning rate.
    const next = result.segments.find((s) => s.member === e.member && s.round === e.round + 1)!;
    assert.deepEqual(next.restoredFrom, { member: e.from, round: e.round, dir: e.copyDir });
    assert.deepEqual(next.config, e.after);
    const srcSeg = result.segments.find((s) => s.member === e.from && s.round === e.round)!;
    assert.equal(next.attrs!.restoredSteps, srcSeg.attrs!.steps);
    assert.equal(next.attrs!.lrUsed, e.after.learningRate);
  }
  assert.deepEqual(copies.map((c) => c.same), [true, true]);
  // Members that did not exploit continued from their own previous checkpoint and config.
  for (const s of result.segments.filter((x) => x.round > 0 && !result.exploits.some((e) => e.member === x.member && e.round === x.round - 1))) {
    const prev = result.segments.find((p) => p.member === s.member && p.round === s.round - 1)!;
    assert.deepEqual(s.restoredFrom, { member: s.member, round: s.round - 1, dir: prev.dir });
    assert.deepEqual(s.config, prev.config);
    assert.equal(s.attrs!.restoredSteps, prev.attrs!.steps);
  }
  assert.ok(result.best);
});
