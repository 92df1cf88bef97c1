/**
 * Modern deep RL benchmark (issue 18), each figure beside a baseline measured in the same run:
 * 1. PPO and DQN CartPole-v1 populations of 1, 4, 16 (and 64 with `-- modern 64`) seeds trained
 *    as one program (PPOPopulation, DQNPopulation) against the same agents trained one after
 *    another (wall time for the same env steps per seed; the ratio sequential / batched: > 1 means
 *    the batch wins). Sequential runs of large populations are timed on 4 seeds and scaled. On
 *    wasm / cpu the PPO rows also time the "stacked" layout (the GPU one) for comparison.
 * 2. Stream AC(lambda) env steps per second (one update per step), against a uniformly random
 *    policy stepping the same env (the env's own cost).
 * 3. CrossQ against SAC: gradient updates per second at the same batch and actor size; with
 *    `-- modern crossq`, env steps to SAC's Pendulum threshold per seed and their ratio
 *    ({@link benchCrossQSeeds}).
 * CPU time of this process is printed beside wall time (the box may be shared).
 *
 * Run: `npm run bench -- modern` or `node dist/bench/modern.js`.
 */
import { make } from "../src/core/registry.js";
import "../src/envs/index.js";
import { ensureBackend } from "../src/nn/backend.js";
import { tf } from "../src/nn/tf.js";
import { PPO } from "../src/algos/ppo.js";
import { StreamAC } from "../src/algos/stream-ac.js";
import { CrossQ } from "../src/algos/crossq.js";
import { SAC, SAC_PRESETS } from "../src/algos/sac.js";
import { PPOPopulation, defaultLayout } from "../src/population/ppo.js";
import { DQNPopulation } from "../src/population/dqn.js";
import { DQN } from "../src/algos/dqn.js";
import { train } from "../src/train/train.js";

async function timed(f: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const ppoConfig = { nSteps: 32, batchSize: 256, nEpochs: 10, gaeLambda: 0.8, gamma: 0.98, entCoef: 0, learningRate: 1e-3, clipRangeVf: null };

const dqnConfig = { learningStarts: 500, trainFreq: 16, gradientSteps: 2, batchSize: 64, netArch: [64, 64], targetUpdateInterval: 250, bufferSize: 10_000, learningRate: 1e-3 };

function row(S: number, batched: { wall: number; cpu: number }, seq: { wall: number; cpu: number }, timedSeeds: number): string {
  const scale = S / timedSeeds;
  return `  ${String(S).padStart(3)} seeds: batched ${batched.wall.toFixed(2)} s (cpu ${batched.cpu.toFixed(2)} s), sequential ${(seq.wall * scale).toFixed(2)} s (cpu ${(seq.cpu * scale).toFixed(2)} s)${scale > 1 ? ` [${timedSeeds} timed, x${scale}]` : ""}, ratio sequential/batched ${((seq.wall * scale) / batched.wall).toFixed(2)} (cpu ${((seq.cpu * scale) / batched.cpu).toFixed(2)})`;
}

/**
 * Steps to SAC's Pendulum threshold, CrossQ against SAC, at update-to-data ratio 1 (one update per
 * env step, one env). The threshold is -200: a greedy mean return over 10 evaluation episodes of
 * at least -200, about what RL-Zoo's tuned SAC reaches on Pendulum-v1 (its benchmark table: -176
 * +- 64 after 20k steps). Evaluated every 400 env steps; runs stop at the threshold or `maxSteps`.
 * Both agents keep their own defaults (SAC: RL-Zoo's Pendulum-v1 preset, lr 1e-3, no policy delay,
 * tau 0.005; CrossQ: Bhatt et al.'s lr 1e-3, Adam beta1 0.5, policy delay 3, batch-renorm momentum
 * 0.99 with its 100k-step warmup, no target networks), scaled down alike for two CPU cores:
 * 128-unit actor and critics (the paper's CrossQ critics are 2048 wide, SAC's 256), batch 128
 * (256), learning from step 100 (RL-Zoo).
 */
export const PENDULUM_THRESHOLD = -200;
export const crossqSacCommon = { learningStarts: 100, batchSize: 128, netArch: [128, 128] };
export function makeCrossQ(seed: number): CrossQ {
  return new CrossQ(make("Pendulum-v1"), { ...crossqSacCommon, criticArch: [128, 128], seed });
}
export function makeSAC(seed: number): SAC {
  return new SAC(make("Pendulum-v1"), { ...SAC_PRESETS["Pendulum-v1"].config, ...crossqSacCommon, seed });
}

/** Env steps until the greedy evaluation first reaches the threshold (Infinity if not within maxSteps), and the evaluation curve. */
export async function stepsToThreshold(agent: CrossQ | SAC, maxSteps: number): Promise<{ steps: number; curve: { step: number; evalMeanReturn: number }[]; seconds: number }> {
  const t0 = performance.now();
  const run = await train(agent as never, { steps: maxSteps, evalEvery: 400, evalEnv: make("Pendulum-v1"), evalEpisodes: 10, evalSeed: 1000, stopAtReturn: PENDULUM_THRESHOLD, finalEval: false });
  const curve = run.filter((r) => r.evalMeanReturn !== undefined).map((r) => ({ step: r.step, evalMeanReturn: r.evalMeanReturn! }));
  const hit = curve.find((r) => r.evalMeanReturn >= PENDULUM_THRESHOLD);
  return { steps: hit ? hit.step : Infinity, curve, seconds: (performance.now() - t0) / 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The multi-seed comparison: per-seed steps to the threshold for both, and the ratio of medians. */
export async function benchCrossQSeeds(seeds: number[], maxSteps = 8000): Promise<void> {
  console.log(`CrossQ vs SAC on Pendulum-v1, UTD 1: env steps until a greedy 10-episode mean return >= ${PENDULUM_THRESHOLD} (evaluated every 400 steps, at most ${maxSteps})`);
  const res: Record<string, number[]> = { CrossQ: [], SAC: [] };
  for (const seed of seeds) {
    for (const [name, mk] of [["CrossQ", makeCrossQ], ["SAC", makeSAC]] as const) {
      const a = mk(seed);
      const r = await stepsToThreshold(a, maxSteps);
      a.dispose();
      res[name].push(r.steps);
      console.log(`  ${name} seed ${seed}: ${Number.isFinite(r.steps) ? r.steps : `> ${maxSteps}`} steps (${r.seconds.toFixed(0)} s; curve ${r.curve.map((c) => c.evalMeanReturn.toFixed(0)).join(" ")})`);
    }
  }
  const mc = median(res.CrossQ);
  const ms = median(res.SAC);
  const fmt = (v: number) => (Number.isFinite(v) ? String(v) : `> ${maxSteps}`);
  const ratio = Number.isFinite(mc) && Number.isFinite(ms) ? (mc / ms).toFixed(2) : Number.isFinite(mc) ? `< ${(mc / maxSteps).toFixed(2)} (SAC's median run did not reach it)` : "n/a (CrossQ's median run did not reach it)";
  console.log(`  median steps: CrossQ ${fmt(mc)}, SAC ${fmt(ms)}; ratio CrossQ / SAC ${ratio} (< 1: CrossQ needs fewer steps); reached: CrossQ ${res.CrossQ.filter(Number.isFinite).length}/${seeds.length}, SAC ${res.SAC.filter(Number.isFinite).length}/${seeds.length}; seeds where CrossQ <= SAC: ${res.CrossQ.filter((v, i) => v <= res.SAC[i]).length}/${seeds.length}`);
}

export async function benchModern(): Promise<void> {
  await ensureBackend();
  console.log(`backend: ${tf.getBackend()} (population layout "${defaultLayout()}")`);
  const sizes = [1, 4, 16, ...(process.argv.includes("64") ? [64] : [])];
  const steps = 2048;
  // Warm-up: the first run of each program pays the backend's kernel setup.
  await train(new PPOPopulation({ env: () => make("CartPole-v1", { numEnvs: 8 }), seeds: [0, 1], config: ppoConfig }), { steps: 256 });
  await train(new PPO(make("CartPole-v1", { numEnvs: 8 }), { ...ppoConfig, seed: 0 }), { steps: 256 });
  console.log(`PPO CartPole-v1 (8 envs, ${steps} env steps per seed): batched population vs one after another`);
  for (const S of sizes) {
    const seeds = Array.from({ length: S }, (_, i) => i);
    const batched = await timed(async () => {
      const pop = new PPOPopulation({ env: () => make("CartPole-v1", { numEnvs: 8 }), seeds, config: ppoConfig });
      await train(pop, { steps });
      pop.dispose();
    });
    const timedSeeds = Math.min(S, 4);
    const seq = await timed(async () => {
      for (const seed of seeds.slice(0, timedSeeds)) {
        const a = new PPO(make("CartPole-v1", { numEnvs: 8 }), { ...ppoConfig, seed });
        await train(a, { steps });
        a.dispose();
      }
    });
    console.log(row(S, batched, seq, timedSeeds));
    if (S <= 16 && defaultLayout() !== "stacked") {
      const stacked = await timed(async () => {
        const pop = new PPOPopulation({ env: () => make("CartPole-v1", { numEnvs: 8 }), seeds, config: ppoConfig, layout: "stacked" });
        await train(pop, { steps });
        pop.dispose();
      });
      console.log(`       layout "stacked" (the GPU layout) on this backend: ${stacked.wall.toFixed(2)} s (cpu ${stacked.cpu.toFixed(2)} s), ratio sequential/stacked ${((seq.wall * S) / timedSeeds / stacked.wall).toFixed(2)} (cpu ${((seq.cpu * S) / timedSeeds / stacked.cpu).toFixed(2)})`);
    }
  }

  const dqnSteps = 3000;
  console.log(`DQN CartPole-v1 (4 envs, ${dqnSteps} env steps per seed, [64, 64], batch 64, 2 updates per 16 env steps): batched population vs one after another`);
  for (const S of sizes) {
    const seeds = Array.from({ length: S }, (_, i) => i);
    const batched = await timed(async () => {
      const pop = new DQNPopulation({ env: () => make("CartPole-v1", { numEnvs: 4 }), seeds, config: dqnConfig });
      await train(pop, { steps: dqnSteps });
      pop.dispose();
    });
    const timedSeeds = Math.min(S, 4);
    const seq = await timed(async () => {
      for (const seed of seeds.slice(0, timedSeeds)) {
        const a = new DQN(make("CartPole-v1", { numEnvs: 4 }), { ...dqnConfig, seed });
        await train(a, { steps: dqnSteps });
        a.dispose();
      }
    });
    console.log(row(S, batched, seq, timedSeeds));
  }

  const streamSteps = 10_000;
  const agent = new StreamAC(make("CartPole-v1"), { seed: 0 });
  const st = await timed(async () => void (await train(agent, { steps: streamSteps })));
  const env = make("CartPole-v1");
  const rnd = await timed(async () => {
    env.reset({ seed: 0 });
    for (let i = 0; i < streamSteps; i++) {
      const s = env.step(env.actionSpace.sample());
      if (s.terminated || s.truncated) env.reset();
    }
  });
  console.log(`stream AC(lambda) CartPole-v1: ${(streamSteps / st.wall).toFixed(0)} steps/s with an update per step; random policy on the same env ${(streamSteps / rnd.wall).toFixed(0)} steps/s (ratio ${(rnd.wall / st.wall).toFixed(4)})`);

  const upd = 600;
  const common = { seed: 0, learningStarts: 200, batchSize: 256, netArch: [256, 256] };
  const rate = async (make_: () => { numUpdates: number; dispose(): void }, label: string) => {
    const a = make_();
    await train(a as never, { steps: common.learningStarts });
    const before = a.numUpdates;
    const t = await timed(async () => void (await train(a as never, { steps: upd })));
    const r = (a.numUpdates - before) / t.wall;
    a.dispose();
    console.log(`  ${label}: ${r.toFixed(1)} updates/s (cpu ${((a.numUpdates - before) / t.cpu).toFixed(1)})`);
    return r;
  };
  console.log(`CrossQ vs SAC on Pendulum-v1 (batch 256, actor 256-256; SAC critics 256-256 + targets, CrossQ critics 256-256 with batch renorm on the joint batch)`);
  const cq = await rate(() => new CrossQ(make("Pendulum-v1"), { ...common, criticArch: [256, 256] }), "CrossQ");
  const sac = await rate(() => new SAC(make("Pendulum-v1"), { ...common, policyFrequency: 1 }), "SAC");
  console.log(`  ratio CrossQ / SAC updates per second: ${(cq / sac).toFixed(2)}`);
  // Steps to the threshold over seeds: about 40 min of one CPU core for 3 seeds each, so on request.
  if (process.argv.includes("crossq")) await benchCrossQSeeds([0, 1, 2]);
  else console.log("  (steps to SAC's Pendulum threshold over seeds, CrossQ vs SAC: `npm run bench -- modern crossq`, about 40 min on one core)");
}

if (import.meta.url === `file://${process.argv[1]}`) await benchModern();
