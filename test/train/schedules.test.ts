import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { backend } from "../../src/nn/backend.js";
import { readCheckpoint, writeCheckpoint } from "../../src/nn/checkpoint.js";
import type { Optimizer } from "../../src/nn/optimizers.js";
import { A2C, ConfigError, DQN, PPO, REINFORCE, SAC, TD3, constantSchedule, linearSchedule, rateAt, stepSchedule, type Agent, type Rate } from "../../src/algos/index.js";
import { train } from "../../src/train/train.js";

const cartpole = (n: number) => make("CartPole-v1", { numEnvs: n }) as VectorEnv;
const pendulum = (n: number) => make("Pendulum-v1", { numEnvs: n }) as VectorEnv;

test("schedules: values at progressRemaining follow SB3's get_linear_fn and a piecewise-constant step", () => {
  // SB3 get_linear_fn(start, end, end_fraction)(p) = end if 1 - p > end_fraction, else
  // start + (1 - p) * (end - start) / end_fraction; the values below are that formula by hand.
  assert.equal(rateAt(linearSchedule(1e-3, 0), 1), 1e-3);
  assert.ok(Math.abs(rateAt(linearSchedule(1e-3, 0), 0.25) - 2.5e-4) < 1e-18);
  assert.equal(rateAt(linearSchedule(1e-3, 0), 0), 0);
  assert.ok(Math.abs(rateAt(linearSchedule(1, 0.1, 0.5), 0.75) - 0.55) < 1e-12); // 1 + 0.25 * (0.1 - 1) / 0.5
  assert.equal(rateAt(linearSchedule(1, 0.1, 0.5), 0.4), 0.1); // past end_fraction
  const st = stepSchedule([1e-3, 3e-4, 1e-4], [0.5, 0.8]);
  assert.deepEqual([1, 0.6, 0.5, 0.3, 0.2, 0].map((p) => rateAt(st, p)), [1e-3, 1e-3, 3e-4, 3e-4, 1e-4, 1e-4]);
  assert.equal(rateAt(constantSchedule(0.2), 0.3), 0.2);
  assert.equal(rateAt(0.2, 0.3), 0.2);
  assert.equal(rateAt((p) => 2 * p, 0.3), 0.6);
});

/** Each algorithm with a small config, and how to read the optimizer(s) its rate drives. */
const algos: { name: string; make: (lr: Rate) => Agent & { config: object }; opts: (a: never) => Optimizer[]; steps: number }[] = [
  { name: "PPO", make: (lr) => new PPO(cartpole(2), { learningRate: lr, nSteps: 16, batchSize: 32, seed: 1 }), opts: (a: PPO) => [a.optimizer], steps: 640 },
  { name: "A2C", make: (lr) => new A2C(cartpole(2), { learningRate: lr, seed: 1 }), opts: (a: A2C) => [a.optimizer], steps: 400 },
  { name: "REINFORCE", make: (lr) => new REINFORCE(cartpole(2), { learningRate: lr, netArch: [16], seed: 1 }), opts: (a: REINFORCE) => [a.optimizer], steps: 400 },
  {
    name: "DQN",
    make: (lr) => new DQN(cartpole(2), { learningRate: lr, learningStarts: 50, trainFreq: 10, batchSize: 16, bufferSize: 1000, netArch: [16], seed: 1 }),
    opts: (a: DQN) => [a.optimizer],
    steps: 1000,
  },
  {
    name: "SAC",
    make: (lr) => new SAC(pendulum(2), { policyLr: lr, qLr: lr, learningStarts: 50, trainFreq: 10, batchSize: 16, bufferSize: 1000, netArch: [16], seed: 1 }),
    opts: (a: SAC) => [a.actorOpt, a.qOpt, a.alphaOpt],
    steps: 600,
  },
  {
    name: "TD3",
    make: (lr) => new TD3(pendulum(2), { learningRate: lr, learningStarts: 50, trainFreq: 10, batchSize: 16, bufferSize: 1000, netArch: [16], seed: 1 }),
    opts: (a: TD3) => [a.actorOpt, a.qOpt],
    steps: 600,
  },
];

test("every algorithm takes a learning-rate schedule of training progress (1 -> 0), applied to its optimizers", async () => {
  await backend("wasm");
  for (const al of algos) {
    const seen: number[] = [];
    const agent = al.make((p) => {
      seen.push(p);
      return 1e-3 * p;
    });
    seen.length = 0; // drop the validation's probes at 1 and 0
    await train(agent, { steps: al.steps });
    assert.ok(seen.length >= 2, `${al.name}: schedule read ${seen.length} times`);
    assert.ok(seen[0] > 0.8, `${al.name}: first progress ${seen[0]}`);
    assert.ok(seen.at(-1)! < 0.5, `${al.name}: last progress ${seen.at(-1)}`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] <= seen[i - 1], `${al.name}: progress went up`);
    for (const o of al.opts(agent as never)) assert.equal(o.lr, 1e-3 * seen.at(-1)!, `${al.name}: optimizer lr`);
    agent.dispose();
  }
});

test("schedules are saved in checkpoints; a schedule given as a function is refused at save, naming the field and the fix", async () => {
  await backend("wasm");
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-sched-"));
  try {
    for (const al of algos) {
      const lr = linearSchedule(1e-3, 1e-4, 0.5);
      const a = al.make(lr);
      await train(a, { steps: 100 });
      await a.save(path.join(dir, al.name));
      const env = al.name === "SAC" || al.name === "TD3" ? pendulum(2) : cartpole(2);
      const loaders = { PPO, A2C, REINFORCE, DQN, SAC, TD3 } as Record<string, { load(d: string, e: VectorEnv): Promise<Agent & { config: object }> }>;
      const b = await loaders[al.name].load(path.join(dir, al.name), env);
      const field = al.name === "SAC" ? "policyLr" : "learningRate";
      assert.deepEqual((b.config as Record<string, unknown>)[field], lr, `${al.name}: schedule restored`);
      const f = al.make((p) => 1e-3 * p);
      await assert.rejects(f.save(path.join(dir, `${al.name}-fn`)), new RegExp(`${al.name}.save: .*${field}.* given as a function.*linearSchedule`));
      for (const x of [a, b, f]) x.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("PPO: clipRange and clipRangeVf take schedules; the old booleans annealLr / annealClipRange name their replacement", async () => {
  await backend("wasm");
  const a = new PPO(cartpole(2), { nSteps: 16, batchSize: 32, clipRange: linearSchedule(0.2, 0), clipRangeVf: stepSchedule([0.5, 0.1], [0.5]), seed: 2 });
  const hist = await train(a, { steps: 320 });
  // linearSchedule(0.2, 0): 0.2 * progressRemaining at each iteration's start, progressRemaining
  // = 1 - (env steps before the iteration) / 320.
  hist.forEach((r, i) => {
    const before = i === 0 ? 0 : hist[i - 1].step;
    assert.ok(Math.abs(r.clipRange! - 0.2 * (1 - before / 320)) < 1e-12, `iteration ${i}: clip ${r.clipRange}`);
  });
  assert.ok(hist.at(-1)!.clipRange! < 0.05);
  a.dispose();
  assert.throws(
    () => new PPO(cartpole(2), { annealLr: true } as never),
    (e: unknown) => e instanceof ConfigError && /annealLr = true is invalid; accepted values: none: annealLr was replaced; pass learningRate: linearSchedule\(lr, 0\)/.test(e.message),
  );
  assert.throws(() => new A2C(cartpole(2), { annealClipRange: true } as never), /annealClipRange was replaced; pass clipRange: linearSchedule/);
  assert.throws(() => new DQN(cartpole(2), { learningRate: linearSchedule(-1, 0) }), /learningRate = \{"kind":"linear","start":-1.*a number > 0, or a schedule/);
  assert.throws(() => new TD3(pendulum(1), { learningRate: () => NaN }), /learningRate = a function is invalid.*returned NaN at progressRemaining 1/);
});

test("old checkpoints load: PPO's annealLr becomes a linear schedule; A2C's RMSprop state saved under 'adam' is read, new ones are keyed 'rmsprop'", async () => {
  await backend("wasm");
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-oldck-"));
  try {
    const p = new PPO(cartpole(2), { nSteps: 16, batchSize: 32, learningRate: 1e-3, seed: 3 });
    await train(p, { steps: 64 });
    await p.save(path.join(dir, "ppo"));
    // Rewrite it as the previous version wrote it: numbers plus the annealing booleans.
    const ck = await readCheckpoint(path.join(dir, "ppo"));
    const oldConfig = { ...(ck.config as Record<string, unknown>), learningRate: 1e-3, annealLr: true, clipRange: 0.2, annealClipRange: true };
    await writeCheckpoint(path.join(dir, "ppo-old"), { algo: "PPO", config: oldConfig, meta: ck.meta, networks: { actor: p.actor, critic: p.critic }, arrays: ck.arrays });
    const q = await PPO.load(path.join(dir, "ppo-old"), cartpole(2));
    assert.deepEqual(q.config.learningRate, linearSchedule(1e-3, 0));
    assert.deepEqual(q.config.clipRange, linearSchedule(0.2, 0));
    assert.ok(!("annealLr" in q.config));

    const a = new A2C(cartpole(2), { seed: 3 });
    await train(a, { steps: 100 });
    await a.save(path.join(dir, "a2c"));
    const ack = await readCheckpoint(path.join(dir, "a2c"));
    assert.ok("rmsprop" in ack.meta && !("adam" in ack.meta), "A2C's RMSprop state is keyed by its kind");
    assert.equal((ack.meta.rmsprop as { kind: string }).kind, "rmsprop");
    const { rmsprop, ...rest } = ack.meta;
    const arrays = Object.fromEntries(Object.entries(ack.arrays).map(([k, v]) => [k.replace(/^rmsprop\//, "adam/"), v]));
    await writeCheckpoint(path.join(dir, "a2c-old"), { algo: "A2C", config: { ...(ack.config as object), annealLr: false }, meta: { ...rest, adam: rmsprop }, networks: { actor: a.actor, critic: a.critic }, arrays });
    const b = await A2C.load(path.join(dir, "a2c-old"), cartpole(2));
    assert.deepEqual(await b.optimizer.getState(), await a.optimizer.getState());
    for (const x of [p, q, a, b]) x.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
