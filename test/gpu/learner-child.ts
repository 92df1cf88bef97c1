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
import { GPU_LEARNERS } from "./learners.js";

const SEED = 7;
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
    const tensorsBefore = tf.memory().numTensors;
    const agent = c.make(SEED);
    const hist = await train(agent, { steps: c.steps });
    const records = hist.map((r) => {
      const o: Record<string, number> = {};
      for (const [k, v] of Object.entries(r)) if (typeof v === "number" && !["time", "fps"].includes(k)) o[k] = v;
      return o;
    });
    // Acting (host copy), evaluation and a checkpoint round trip on this backend.
    const evalEnv = make(agent.env.spec!.id as "CartPole-v1");
    const ev = await evaluate(agent, evalEnv, { episodes: 2, seed: 3 });
    const ck = path.join(dir, learner.replace(/\W/g, "_"));
    await agent.save(ck);
    const Cls = agent.constructor as unknown as { load(dir: string, env: unknown): Promise<typeof agent> };
    const loaded = await Cls.load(ck, agent.env);
    const ev2 = await evaluate(loaded, make(agent.env.spec!.id as "CartPole-v1"), { episodes: 2, seed: 3 });
    const numTensors = tf.memory().numTensors - tensorsBefore;
    agent.dispose();
    loaded.dispose();
    const tensorsLeft = tf.memory().numTensors - tensorsBefore;
    (out.learners as Record<string, unknown>)[learner] = { records, evalReturns: ev.returns, loadedEvalReturns: ev2.returns, numTensors, tensorsLeft, seconds: (performance.now() - t0) / 1000 };
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
await releaseBackend();
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
process.exit(0);
