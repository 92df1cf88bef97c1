/**
 * MuJoCo throughput: env-steps per second of each Gymnasium v5 task and each MT10 manipulation task
 * from `make` (single env, and a vector of 16 per env-step), beside the raw loop of the same model
 * measured in the same run (from the env's reset state: set ctrl, `mj_step` frameSkip times, no
 * observation or reward): the wrapper's cost as a ratio. For the manipulation tasks the raw loop
 * holds the controls the env set at reset (the hand's position targets) and steps the physics.
 * Run with `node dist/bench/mujoco.js` (or `npm run bench mujoco`).
 */
import { pathToFileURL } from "node:url";
import { loadMujoco, make, Rng, type Env, type MujocoEnv, type VectorEnv } from "../src/index.js";

const TASKS = [
  "InvertedPendulum-v5",
  "HalfCheetah-v5",
  "Hopper-v5",
  "Walker2d-v5",
  "Reacher-v5",
  "Ant-v5",
  // MT10 (Meta-World's ten classes)
  "ManipulationReach-v0",
  "ManipulationPush-v0",
  "ManipulationPickPlace-v0",
  "ManipulationDoorOpen-v0",
  "ManipulationDrawerOpen-v0",
  "ManipulationDrawerClose-v0",
  "ManipulationButtonPressTopdown-v0",
  "ManipulationPegInsertSide-v0",
  "ManipulationWindowOpen-v0",
  "ManipulationWindowClose-v0",
];

/** env-steps/s of `fn` (k env-steps per call) over about `budgetMs` after a warm-up. */
function measure(k: number, fn: () => void, budgetMs: number): number {
  const warm = performance.now() + budgetMs / 4;
  while (performance.now() < warm) fn();
  let calls = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < budgetMs) {
    fn();
    calls++;
    t1 = performance.now();
  }
  return (calls * k) / ((t1 - t0) / 1000);
}

/** Pre-drawn uniform actions in the env's control range, cycled through. */
function actionsFor(env: Env, count: number): Float32Array[] {
  const rng = new Rng(0);
  const box = env.actionSpace as unknown as { low: Float64Array; high: Float64Array };
  return Array.from({ length: count }, () => Float32Array.from(box.low, (lo, i) => rng.uniform(lo, box.high[i])));
}

/** The best of `rounds` interleaved measurements of each runner (the machine may be shared). */
async function bestOf(rounds: number, runners: (() => number)[]): Promise<number[]> {
  const best = runners.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < runners.length; i++) {
      best[i] = Math.max(best[i], runners[i]());
      await new Promise((res) => setImmediate(res));
    }
  }
  return best;
}

/** Prints the table (see the module comment). */
export async function benchMujoco(options: { budgetMs?: number; rounds?: number } = {}): Promise<void> {
  const budgetMs = options.budgetMs ?? 300;
  const rounds = options.rounds ?? 3;
  const mj = await loadMujoco();
  const fmt = (v: number): string => `${(v / 1e3).toFixed(1)} k`;
  console.log("MuJoCo env-steps/s (one thread): raw mj_step loop of the same model vs the env from make(), and a vector of 16");
  console.log("task                               raw loop    env    env/raw   vector-16   vec/raw");
  for (const id of TASKS) {
    const env = make(id);
    env.reset({ seed: 0 });
    const bare = env.unwrapped as MujocoEnv;
    const acts = actionsFor(env, 256);
    // Raw: a separate MjData of the same compiled model, from the env's reset state, stepped directly.
    const data = new mj.MjData(bare.model);
    (data.qpos as Float64Array).set(bare.data.qpos as Float64Array);
    (data.qvel as Float64Array).set(bare.data.qvel as Float64Array);
    (data.mocap_pos as Float64Array).set(bare.data.mocap_pos as Float64Array);
    (data.ctrl as Float64Array).set(bare.data.ctrl as Float64Array);
    // The locomotion actions are the controls; the manipulation env's controls are position targets it computes, held here.
    const ctrl = id.startsWith("Manipulation") ? new Float64Array(0) : (data.ctrl as Float64Array);
    const vec = make(id, { numEnvs: 16 }) as VectorEnv;
    vec.reset({ seed: 0 });
    const flat = new Float32Array(16 * vec.actDim);
    for (let i = 0; i < 16; i++) flat.set(acts[i], i * vec.actDim);
    let t = 0;
    const [raw, single, vector] = await bestOf(rounds, [
      () =>
        measure(1, () => {
          const a = acts[t++ & 255];
          for (let i = 0; i < ctrl.length; i++) ctrl[i] = a[i];
          for (let k = 0; k < bare.frameSkip; k++) mj.mj_step(bare.model, data);
        }, budgetMs),
      () =>
        measure(1, () => {
          const r = env.step(acts[t++ & 255]);
          if (r.terminated || r.truncated) env.reset();
        }, budgetMs),
      () => measure(16, () => vec.step(flat), budgetMs),
    ]);
    data.delete();
    console.log(`${id.padEnd(33)} ${fmt(raw).padStart(9)} ${fmt(single).padStart(8)} ${(single / raw).toFixed(2).padStart(8)}  ${fmt(vector).padStart(9)} ${(vector / raw).toFixed(2).padStart(8)}`);
    env.close();
    // Free the 16 envs' MuJoCo memory before the next task (the wasm heap is shared by every model).
    vec.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await benchMujoco();
}
