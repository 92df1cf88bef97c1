/**
 * Save / load of the streaming agents (stream Q(lambda), SARSA(lambda), AC(lambda)) and CrossQ:
 * a loaded agent resumes the saved run exactly (the reference is the original agent continuing
 * the same run: weights, generator and counters must be equal after both train the same steps),
 * and corrupt or mismatched checkpoints are refused with errors that say what is wrong.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import { backend } from "../../src/nn/backend.js";
import { CheckpointError } from "../../src/nn/checkpoint.js";
import { StreamQ } from "../../src/algos/stream-q.js";
import { StreamSARSA } from "../../src/algos/stream-sarsa.js";
import { StreamAC } from "../../src/algos/stream-ac.js";
import { CrossQ } from "../../src/algos/crossq.js";
import { readTensors } from "../../src/nn/read.js";
import { train } from "../../src/train/train.js";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-modern-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Flips one byte of a checkpoint file. */
async function corrupt(file: string, at: number): Promise<void> {
  const b = await readFile(file);
  b[at] ^= 0xff;
  await writeFile(file, b);
}

for (const [name, Cls] of [["StreamQ", StreamQ], ["StreamSARSA", StreamSARSA]] as const) {
  test(`${name} save / load resumes the run exactly; corrupt and mismatched checkpoints are refused`, async () => {
    await withDir(async (dir) => {
      const a = new Cls(make("CartPole-v1"), { seed: 3 });
      await train(a, { steps: 800 });
      const ck = path.join(dir, "ck");
      await a.save(ck);
      await train(a, { steps: 600 });
      const b = await Cls.load(ck, make("CartPole-v1"));
      assert.ok(b instanceof Cls);
      await train(b, { steps: 600 });
      assert.equal(b.numTimesteps, a.numTimesteps);
      assert.deepEqual(b.rng.state, a.rng.state);
      a.q.params.forEach((p, i) => assert.deepEqual(b.q.params[i], p, `q param ${i} after resume`));
      assert.deepEqual(b.norm.obsStats.mean, a.norm.obsStats.mean);
      assert.equal(b.norm.returnStats.count, a.norm.returnStats.count);
      // Another algorithm's checkpoint, other spaces, corrupt arrays.
      await assert.rejects(StreamAC.load(ck, make("CartPole-v1")), (e: unknown) => e instanceof CheckpointError && new RegExp(`holds a ${name} agent, not StreamAC`).test(e.message));
      await assert.rejects(Cls.load(ck, make("Acrobot-v1")), (e: unknown) => e instanceof CheckpointError && /observation space/.test(e.message));
      await corrupt(path.join(ck, "arrays.bin"), 40);
      await assert.rejects(Cls.load(ck, make("CartPole-v1")), (e: unknown) => e instanceof CheckpointError && /arrays\.bin is corrupt/.test(e.message));
    });
  });
}

test("StreamAC save / load resumes the run exactly; a hand-edited checkpoint is refused", async () => {
  await withDir(async (dir) => {
    const a = new StreamAC(make("CartPole-v1"), { seed: 2 });
    await train(a, { steps: 800 });
    const ck = path.join(dir, "ck");
    await a.save(ck);
    await train(a, { steps: 600 });
    const b = await StreamAC.load(ck, make("CartPole-v1"));
    await train(b, { steps: 600 });
    assert.equal(b.numTimesteps, a.numTimesteps);
    assert.deepEqual(b.rng.state, a.rng.state);
    a.policy.params.forEach((p, i) => assert.deepEqual(b.policy.params[i], p, `policy param ${i}`));
    a.value.params.forEach((p, i) => assert.deepEqual(b.value.params[i], p, `value param ${i}`));
    const obs = Float32Array.of(0.02, -0.1, 0.03, 0.2);
    assert.equal(b.act(obs, { deterministic: true }), a.act(obs, { deterministic: true }));
    // Overrides are checked like a constructor's config.
    await assert.rejects(StreamAC.load(ck, make("CartPole-v1"), { lambda: 3 }), /lambda/);
    const json = path.join(ck, "checkpoint.json");
    await writeFile(json, (await readFile(json, "utf8")).replace('"numTimesteps":', '"numTimesteps": 1, "x":'));
    await assert.rejects(StreamAC.load(ck, make("CartPole-v1")), /checkpoint\.json was modified or is corrupt/);
  });
});

test("CrossQ save / load resumes the run exactly on wasm (networks, batch-renorm statistics, optimizers, replay)", async () => {
  await backend("wasm");
  await withDir(async (dir) => {
    const cfg = { seed: 4, learningStarts: 100, batchSize: 32, criticArch: [32, 32], netArch: [16, 16], bnWarmupSteps: 50 };
    const a = new CrossQ(make("Pendulum-v1"), cfg);
    const h = await train(a, { steps: 400 });
    assert.ok(h.some((r) => typeof r.alpha === "number" && r.alpha > 0), "alpha is reported with the losses");
    const ck = path.join(dir, "ck");
    await a.save(ck);
    await train(a, { steps: 200 });
    const b = await CrossQ.load(ck, make("Pendulum-v1"));
    await train(b, { steps: 200 });
    assert.equal(b.numTimesteps, a.numTimesteps);
    assert.equal(b.numUpdates, a.numUpdates);
    assert.deepEqual(b.rng.state, a.rng.state);
    const vars = (x: CrossQ) => [...x.actor.variables, ...x.q1.variables, ...x.q2.variables, ...x.q1.norms.flatMap((n) => [n.runningMean, n.runningVar]), x.logAlpha];
    const [va, vb] = [await readTensors(vars(a)), await readTensors(vars(b))];
    va.forEach((v, i) => assert.deepEqual(vb[i], v, `tensor ${i} after resume`));
    assert.deepEqual(b.q2.norms.map((n) => n.steps), a.q2.norms.map((n) => n.steps));
    assert.equal(await b.alpha(), await a.alpha());
    await assert.rejects(CrossQ.load(ck, make("MountainCarContinuous-v0")), (e: unknown) => e instanceof CheckpointError && /observation space/.test(e.message));
    await assert.rejects(CrossQ.load(ck, make("Pendulum-v1"), { criticArch: [16] }), (e: unknown) => e instanceof CheckpointError && /q1\/0.*values, expected/.test(e.message));
    await corrupt(path.join(ck, "actor", "weights.bin"), 8);
    await assert.rejects(CrossQ.load(ck, make("Pendulum-v1")), (e: unknown) => e instanceof CheckpointError && /actor\/weights\.bin is corrupt/.test(e.message));
    a.dispose();
    b.dispose();
  });
});
