/**
 * Sweep benchmark: each figure beside a baseline measured in the same run.
 * - TPE vs random search: best value at the same budget on a known 4-parameter function.
 * - A fixed PPO CartPole sweep: trials per minute with 1 and 2 worker processes (the ratio).
 * - The result store's cost per report: a sweep with its durable log (fsync per record) vs the
 *   same sweep in memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sweep, uniform, logUniform, intUniform, choice, type Config, type TrialContext } from "../src/sweep/index.js";

/** A known function, minimum 0 at x=1.2, y=-0.7, lr=10^-2.5, n=40. */
function bowl(c: Config): number {
  return ((c.x as number) - 1.2) ** 2 + ((c.y as number) + 0.7) ** 2 + (Math.log10(c.lr as number) + 2.5) ** 2 + (((c.n as number) - 40) / 16) ** 2;
}

/** One PPO CartPole trial (imported by the worker processes). */
export async function ppoTrial(config: Config, ctx: TrialContext): Promise<number> {
  const { make } = await import("../src/core/registry.js");
  await import("../src/envs/index.js");
  const { PPO } = await import("../src/algos/ppo.js");
  const { train } = await import("../src/train/train.js");
  const { backend } = await import("../src/nn/backend.js");
  await backend("wasm");
  const env = make("CartPole-v1", { numEnvs: 8 }) as import("../src/core/vector.js").VectorEnv;
  const agent = new PPO(env, { learningRate: config.learningRate as number, nSteps: 64, batchSize: 256, nEpochs: 4, seed: config.seed as number });
  const history = await train(agent, { steps: config.steps as number, signal: ctx.signal, callbacks: (r) => void ctx.report(r.episodeReturn, r.step).catch(() => {}) });
  agent.dispose();
  const rets = history.map((r) => r.episodeReturn).filter(Number.isFinite);
  return rets.slice(-5).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(5, rets.length));
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

export async function benchSweep(): Promise<void> {
  // 1. Samplers at equal budget.
  const space = { x: uniform(-5, 5), y: uniform(-5, 5), lr: logUniform(1e-6, 1), n: intUniform(1, 128) };
  for (const budget of [30, 60, 100]) {
    const best: Record<string, number[]> = { tpe: [], random: [] };
    for (let seed = 0; seed < 10; seed++) {
      for (const s of ["tpe", "random"] as const) best[s].push((await sweep({ space, objective: bowl, sampler: s, trials: budget, mode: "min", seed })).best!.value!);
    }
    console.log(`samplers, ${budget} trials, mean best of 10 seeds (lower is better): TPE ${mean(best.tpe).toFixed(3)}, random ${mean(best.random).toFixed(3)} (random / TPE = ${(mean(best.random) / mean(best.tpe)).toFixed(1)}x)`);
  }

  // 2. Parallel workers on a fixed PPO CartPole sweep.
  const objective = `${fileURLToPath(import.meta.url)}#ppoTrial`;
  const ppoSpace = { learningRate: choice([3e-4, 1e-3]), seed: choice([0, 1, 2]), steps: 8192 };
  const rate: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const t0 = performance.now();
    const r = await sweep({ space: ppoSpace, objective, sampler: "grid", parallel: workers, executor: "process", mode: "max", seed: 0 });
    const s = (performance.now() - t0) / 1000;
    rate[workers] = (r.trials.length / s) * 60;
    console.log(`PPO CartPole sweep (6 trials x 8192 steps), ${workers} worker process${workers > 1 ? "es" : ""}: ${s.toFixed(1)} s, ${rate[workers].toFixed(1)} trials/min, best return ${r.best!.value!.toFixed(1)}`);
  }
  console.log(`  2 workers / 1 worker: ${(rate[2] / rate[1]).toFixed(2)}x trials per minute`);

  // 3. Store overhead per report.
  const dir = mkdtempSync(join(tmpdir(), "rlbook-bench-sweep-"));
  const reports = 2000;
  const reporter = async (_c: Config, ctx: TrialContext) => {
    for (let i = 0; i < reports; i++) await ctx.report(i, i);
    return 1;
  };
  const timeIt = async (storage?: string) => {
    const t0 = performance.now();
    await sweep({ space: { q: uniform(0, 1) }, objective: reporter, sampler: "random", trials: 2, seed: 0, storage });
    return (performance.now() - t0) / (2 * reports);
  };
  const mem = await timeIt();
  const disk = await timeIt(join(dir, "s.jsonl"));
  console.log(`store: ${(disk * 1000).toFixed(0)} us per report with the durable log (fsync per record) vs ${(mem * 1000).toFixed(1)} us in memory: ${((disk - mem) * 1000).toFixed(0)} us overhead per report`);
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchSweep();
