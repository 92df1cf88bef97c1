/**
 * Training benchmark: per algorithm, wall time and env steps until the agent reaches its target
 * return (mean of 20 deterministic evaluation episodes, checked every `evalEvery` steps), and env
 * steps per second, on the wasm and cpu backends side by side (and webgpu when a real GPU
 * adapter is present). Ratios are against the wasm run measured in this same process.
 *
 * Run: `npm run bench -- train` or `node dist/bench/train.js [algo ...]`.
 *
 * Published figures to compare with (quiet machine, from the issue): SB3 + RL-Zoo PPO trains
 * CartPole-v1 for 100k steps in ~30 s (500 +- 0); CleanRL ppo.py reaches 475 after 166k-199k
 * steps / 41-48 s; CleanRL dqn.py after 289k steps / 88 s.
 */
import { make } from "../src/core/registry.js";
import "../src/envs/index.js";
import type { VectorEnv } from "../src/core/vector.js";
import { backend, releaseBackend, type BackendName } from "../src/nn/backend.js";
import { PPO, PPO_PRESETS } from "../src/algos/ppo.js";
import { DQN, DQN_PRESETS } from "../src/algos/dqn.js";
import { A2C } from "../src/algos/a2c.js";
import { REINFORCE } from "../src/algos/reinforce.js";
import { SAC, SAC_PRESETS } from "../src/algos/sac.js";
import type { Agent } from "../src/algos/base.js";
import { train } from "../src/train/train.js";

interface Case {
  name: string;
  env: string;
  numEnvs: number;
  budget: number;
  target: number;
  evalEvery: number;
  make: (env: VectorEnv, seed: number) => Agent;
}

const CASES: Case[] = [
  { name: "PPO (RL-Zoo CartPole)", env: "CartPole-v1", numEnvs: 8, budget: 100_000, target: 475, evalEvery: 5_000, make: (e, s) => new PPO(e, { ...PPO_PRESETS["CartPole-v1"].config, seed: s }) },
  { name: "PPO (fast preset)", env: "CartPole-v1", numEnvs: 16, budget: 100_000, target: 475, evalEvery: 5_000, make: (e, s) => new PPO(e, { ...PPO_PRESETS["CartPole-v1/fast"].config, seed: s }) },
  { name: "DQN (fast preset)", env: "CartPole-v1", numEnvs: 8, budget: 100_000, target: 475, evalEvery: 5_000, make: (e, s) => new DQN(e, { ...DQN_PRESETS["CartPole-v1/fast"].config, seed: s }) },
  { name: "A2C (SB3 defaults)", env: "CartPole-v1", numEnvs: 8, budget: 200_000, target: 475, evalEvery: 5_000, make: (e, s) => new A2C(e, { seed: s }) },
  { name: "REINFORCE", env: "CartPole-v1", numEnvs: 8, budget: 200_000, target: 475, evalEvery: 5_000, make: (e, s) => new REINFORCE(e, { seed: s }) },
  { name: "SAC (fast preset)", env: "Pendulum-v1", numEnvs: 4, budget: 20_000, target: -200, evalEvery: 2_000, make: (e, s) => new SAC(e, { ...SAC_PRESETS["Pendulum-v1/fast"].config, seed: s }) },
];

interface Result {
  reached: boolean;
  steps: number;
  seconds: number;
  fps: number;
}

async function runCase(c: Case, seed: number, maxSeconds: number): Promise<Result> {
  const env = make(c.env, { numEnvs: c.numEnvs }) as VectorEnv;
  const agent = c.make(env, seed);
  const ac = new AbortController();
  const t0 = performance.now();
  const timer = setTimeout(() => ac.abort(), maxSeconds * 1000);
  const run = train(agent, { steps: c.budget, evalEvery: c.evalEvery, evalEnv: make(c.env, { numEnvs: 20 }) as VectorEnv, evalEpisodes: 20, stopAtReturn: c.target, signal: ac.signal, finalEval: true });
  const hist = await run;
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  const last = hist[hist.length - 1];
  const reached = run.stopReason === "target" || (last?.evalMeanReturn ?? -Infinity) >= c.target;
  agent.dispose();
  return { reached, steps: agent.numTimesteps, seconds, fps: agent.numTimesteps / seconds };
}

function fmt(r: Result): string {
  return `${r.reached ? "reached" : "NOT reached"} at ${String(r.steps).padStart(6)} steps in ${r.seconds.toFixed(1).padStart(5)} s, ${Math.round(r.fps).toString().padStart(6)} steps/s`;
}

/** Prints the training benchmark (see the module comment). */
export async function benchTrain(options: { seeds?: number[]; backends?: BackendName[]; only?: string[]; maxSeconds?: number } = {}): Promise<void> {
  const seeds = options.seeds ?? [1, 2, 3];
  const maxSeconds = options.maxSeconds ?? 90;
  const backends: BackendName[] = options.backends ?? ["wasm", "cpu"];
  if (!options.backends) {
    // Add webgpu only when a real GPU adapter exists (auto never picks a software one).
    try {
      const info = await backend("webgpu");
      if (info.adapter && !/llvmpipe|lavapipe|swiftshader/i.test(info.adapter)) backends.push("webgpu");
      else console.log(`webgpu: software adapter only (${info.adapter}); skipped`);
    } catch (e) {
      console.log(`webgpu: skipped (${(e as Error).message})`);
    }
  }
  const cases = CASES.filter((c) => !options.only?.length || options.only.some((o) => c.name.toLowerCase().includes(o.toLowerCase())));
  console.log(`training benchmark: target = mean of 20 deterministic eval episodes >= target, checked every evalEvery steps; seeds ${seeds.join(", ")}; ${maxSeconds} s cap per run`);
  for (const c of cases) {
    console.log(`\n${c.name} on ${c.env} (${c.numEnvs} envs, budget ${c.budget} steps, target ${c.target})`);
    let baseline: number | undefined;
    for (const b of backends) {
      await backend(b);
      const rs: Result[] = [];
      // The cpu backend is ~10-25x slower: one seed, to keep the benchmark short.
      for (const s of b === "cpu" ? seeds.slice(0, 1) : seeds) {
        const r = await runCase(c, s, maxSeconds);
        rs.push(r);
        console.log(`  ${b.padEnd(6)} seed ${s}: ${fmt(r)}`);
      }
      const ok = rs.filter((r) => r.reached);
      const medianT = median(rs.map((r) => (r.reached ? r.seconds : Infinity)));
      const fps = rs.reduce((a, r) => a + r.fps, 0) / rs.length;
      baseline ??= medianT;
      const ratio = Number.isFinite(medianT) && baseline !== undefined && Number.isFinite(baseline) ? ` (${(medianT / baseline).toFixed(2)}x the wasm time)` : "";
      console.log(
        `  ${b.padEnd(6)} summary: ${ok.length}/${rs.length} reached; median time to target ${Number.isFinite(medianT) ? medianT.toFixed(1) + " s" : "n/a"}${ratio}; median steps ${median(ok.map((r) => r.steps))}; mean ${Math.round(fps)} env steps/s`,
      );
    }
  }
  await backend("wasm");
  await releaseBackend();
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchTrain({ only: process.argv.slice(2) });
}
