/**
 * Environment throughput: CartPole-v1 env-steps per second for the vector env at N = 1, 64 and
 * 1024, and its speed-up over N single envs (from `make`) stepped in a loop, both measured in
 * this run. Run with `node dist/bench/envs.js` (or through `npm run bench`).
 */
import { pathToFileURL } from "node:url";
import { make, type Env, type VectorEnv } from "../src/index.js";

interface Measurement {
  stepsPerSecond: number;
  steps: number;
  seconds: number;
}

/** Runs `fn(k)` (k env-steps) repeatedly for about `budgetMs` after a warm-up, returns env-steps/s. */
function measure(stepsPerCall: number, fn: () => void, budgetMs: number): Measurement {
  const warmEnd = performance.now() + budgetMs / 4;
  while (performance.now() < warmEnd) fn();
  let calls = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < budgetMs) {
    for (let k = 0; k < 8; k++) fn();
    calls += 8;
    t1 = performance.now();
  }
  const seconds = (t1 - t0) / 1000;
  return { stepsPerSecond: (calls * stepsPerCall) / seconds, steps: calls * stepsPerCall, seconds };
}

function vectorRunner(n: number): () => void {
  const vec: VectorEnv = make("CartPole-v1", { numEnvs: n });
  vec.reset({ seed: 0 });
  const actions = new Int32Array(n);
  let t = 0;
  return () => {
    for (let i = 0; i < n; i++) actions[i] = (i + t) & 1;
    t++;
    vec.step(actions);
  };
}

function loopRunner(n: number): () => void {
  const envs: Env[] = Array.from({ length: n }, (_, i) => {
    const e = make("CartPole-v1");
    e.reset({ seed: i });
    return e;
  });
  let t = 0;
  return () => {
    for (let i = 0; i < n; i++) {
      const r = envs[i].step((i + t) & 1);
      if (r.terminated || r.truncated) envs[i].reset();
    }
    t++;
  };
}

/** Prints CartPole env-steps/s for the vector env and its speed-up over single envs in a loop. */
export async function benchEnvs(options: { budgetMs?: number } = {}): Promise<void> {
  const budgetMs = options.budgetMs ?? 1500;
  const fmt = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${(v / 1e3).toFixed(1)} k`);
  console.log("CartPole-v1 env-steps/s (one thread; vector env vs N single envs from make() stepped in a loop)");
  console.log("    N   vector env     loop of N envs   speed-up");
  for (const n of [1, 64, 1024]) {
    const vec = measure(n, vectorRunner(n), budgetMs);
    await new Promise((r) => setImmediate(r));
    const loop = measure(n, loopRunner(n), budgetMs);
    await new Promise((r) => setImmediate(r));
    console.log(`${String(n).padStart(5)}   ${fmt(vec.stepsPerSecond).padStart(10)}   ${fmt(loop.stepsPerSecond).padStart(14)}   ${(vec.stepsPerSecond / loop.stepsPerSecond).toFixed(1).padStart(7)}x`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchEnvs();
}
