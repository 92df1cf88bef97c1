/**
 * Runs the learners of learners.ts through `train()` on one backend and prints what they reported,
 * as one JSON line: `node learner-child.js <wasm|webgpu> [name ...]`. A separate process per
 * backend, so each starts clean (Dawn loaded only in the webgpu one).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { make } from "../../src/core/registry.js";
import { backend, releaseBackend, tf, type BackendName } from "../../src/nn/index.js";
import { train } from "../../src/train/train.js";
import { evaluate } from "../../src/train/evaluate.js";
import type { Agent } from "../../src/algos/base.js";
import { GPU_LEARNERS, type GpuLearner } from "./learners.js";

const SEED = 7;
/** Record keys that measure time (they differ between runs), not what was learned. */
const TIMING = /^(time|fps)$|PerSecond$|[sS]econds$/;

/** Returns of 2 deterministic episodes on a fresh env of the agent's id. */
async function defaultEvaluate(learner: GpuLearner): Promise<number[]> {
  const agent = learner as unknown as Agent;
  return (await evaluate(agent, make(agent.env.spec!.id as "CartPole-v1"), { episodes: 2, seed: 3 })).returns;
}
/** The agent class's static `load(dir, env)`. */
async function defaultLoad(dir: string, agent: Agent): Promise<GpuLearner> {
  const Cls = agent.constructor as unknown as { load(dir: string, env: unknown): Promise<Agent & GpuLearner> };
  return Cls.load(dir, agent.env);
}
/** CPU time of this process (every thread: lavapipe's too) since `from`, in seconds: less sensitive than wall time to a busy machine. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
}
const name = process.argv[2] as BackendName;
const only = process.argv.slice(3);

// Count what rlbook itself says on console.warn (Dawn's native warnings go to fd 2 directly).
const warnings: string[] = [];
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  warnings.push(args.map(String).join(" "));
  warn(...args);
};

const info = await backend(name);
// Asking again must not repeat the software-adapter warning.
if (name === "webgpu") await backend("webgpu");
const out: Record<string, unknown> = { backend: tf.getBackend(), info, warnings, learners: {} };
const dir = await mkdtemp(path.join(tmpdir(), "rlbook-gpu-"));
try {
  for (const [learner, c] of Object.entries(GPU_LEARNERS)) {
    if (only.length && !only.includes(learner)) continue;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const tensorsBefore = tf.memory().numTensors;
    const agent = c.make(SEED);
    const hist = await train(agent, { steps: c.steps });
    const records = hist.map((r) => {
      const o: Record<string, number> = {};
      for (const [k, v] of Object.entries(r)) if (typeof v === "number" && !TIMING.test(k)) o[k] = v;
      return o;
    });
    // What the trained learner does (acting on its host copy, meta-testing, in-context
    // deployment, generation), then a checkpoint round trip on this backend.
    const run = c.evaluate ?? defaultEvaluate;
    const evalReturns = await run(agent);
    let loadedEvalReturns: number[] | null = null;
    let loaded: GpuLearner | undefined;
    if (c.load !== null) {
      const ck = path.join(dir, learner.replace(/\W/g, "_"));
      await (c.save ? c.save(agent, ck) : (agent as unknown as { save(d: string): Promise<void> }).save(ck));
      loaded = c.load ? await c.load(ck, agent) : await defaultLoad(ck, agent as unknown as Agent);
      loadedEvalReturns = await run(loaded);
    }
    const numTensors = tf.memory().numTensors - tensorsBefore;
    const dispose = c.dispose ?? ((t: GpuLearner) => t.dispose());
    dispose(agent);
    if (loaded) dispose(loaded);
    const tensorsLeft = tf.memory().numTensors - tensorsBefore;
    (out.learners as Record<string, unknown>)[learner] = { records, evalReturns, loadedEvalReturns, numTensors, tensorsLeft, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds(cpu0) };
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
await releaseBackend();
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
process.exit(0);
