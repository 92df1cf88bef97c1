/**
 * Bandits and in-context RL benchmark:
 * - regret runner throughput: pulls per second (tasks x pulls / seconds) of each algorithm on
 *   1,000 tasks x 500 pulls of DPT's 5-arm bandit (Bernoulli for the Beta-based ones, the linear
 *   preset for LinUCB / LinTS), beside a baseline measured in the same run: a uniformly random
 *   policy, which costs only the runner's own bookkeeping and reward draws;
 * - the same for a DPT policy acting online (bandit/fast model, KV-cached, wasm);
 * - DPT pretraining throughput (tokens per second) of the bandit/fast model on wasm and cpu (and
 *   webgpu when a real GPU adapter is present), as a ratio to the wasm run.
 *
 * Run: `npm run bench -- incontext` or `node dist/bench/incontext.js`.
 */
import { BetaThompson, EpsilonGreedy, GaussianThompson, Greedy, KLUCB, LinUCB, LinearThompson, UCB1, functionPolicy, sampleBanditTasks, simulateBandit, type BanditPolicy, type BanditTasks } from "../src/bandits/index.js";
import { bernoulliBanditFamily } from "../src/envs/families.js";
import { DPT, DPT_PRESETS, type DPTConfig } from "../src/incontext/dpt.js";
import { backend, releaseBackend, type BackendName } from "../src/nn/backend.js";

async function pullsPerSecond(policy: BanditPolicy, tasks: BanditTasks): Promise<number> {
  const t0 = performance.now();
  await simulateBandit(policy, tasks, { seed: 1 });
  return (tasks.numTasks * tasks.horizon) / ((performance.now() - t0) / 1000);
}

export async function benchIncontext(): Promise<void> {
  const gauss = sampleBanditTasks("dpt", { tasks: 1000, seed: 0 });
  const bern = sampleBanditTasks(bernoulliBanditFamily({ arms: 5, horizon: 500 }), { tasks: 1000, seed: 0 });
  const linear = sampleBanditTasks("dptLinear", { tasks: 1000, seed: 0, horizon: 500 });
  const uniform = () => functionPolicy("uniform", ({ numArms, rng }) => rng.integer(numArms));
  await pullsPerSecond(new UCB1(), gauss); // warm up the JIT
  const base = await pullsPerSecond(uniform(), gauss);
  console.log(`regret runner, 1,000 tasks x 500 pulls (baseline: uniform random policy ${(base / 1e6).toFixed(2)} M pulls/s)`);
  const cases: [BanditPolicy, BanditTasks][] = [
    [new Greedy(), gauss],
    [new EpsilonGreedy(), gauss],
    [new UCB1(), gauss],
    [new GaussianThompson(), gauss],
    [new KLUCB(), bern],
    [new BetaThompson(), bern],
    [new LinUCB(), linear],
    [new LinearThompson(), linear],
  ];
  for (const [p, t] of cases) {
    const pps = await pullsPerSecond(p, t);
    console.log(`  ${p.name.padEnd(16)} ${(pps / 1e6).toFixed(2).padStart(6)} M pulls/s  ${(pps / base).toFixed(2)}x baseline  (${((t.numTasks * t.horizon) / pps).toFixed(2)} s per run, ${t.kind})`);
  }
  // A DPT policy (untrained weights: the cost does not depend on them) acting online over 1,000
  // tasks for its preset's horizon, one cached transformer position per pull (wasm).
  await backend("wasm");
  const policyDpt = DPT.preset("bandit/fast");
  const dptTasks = sampleBanditTasks("dpt", { tasks: 1000, seed: 0, horizon: policyDpt.config.horizon });
  const dptPps = await pullsPerSecond(policyDpt.banditPolicy(), dptTasks);
  console.log(`  ${"DPT (online)".padEnd(16)} ${(dptPps / 1e3).toFixed(1).padStart(6)} K pulls/s  ${(dptPps / base).toFixed(4)}x baseline  (1,000 tasks x ${dptTasks.horizon} pulls, KV cache, wasm)`);
  policyDpt.dispose();
  console.log(`DPT pretraining (bandit/fast model: 2 layers, d=32, H=${DPT_PRESETS["bandit/fast"].horizon}, batch ${DPT_PRESETS["bandit/fast"].batchSize}), tokens/s`);
  const tokensPerSecond = async (overrides: Partial<DPTConfig>): Promise<number> => {
    const dpt = DPT.preset("bandit/fast", { pretrainTasks: 256, updatesPerIteration: 5, ...overrides });
    const data = dpt.generateData();
    await dpt.pretrain({ data, steps: 5 }); // warm-up (kernel compilation)
    const hist = await dpt.pretrain({ data, steps: 5 });
    dpt.dispose();
    return hist[hist.length - 1].tokensPerSecond ?? NaN;
  };
  let wasm = 0;
  const backends: BackendName[] = ["wasm", "cpu", "webgpu"];
  for (const name of backends) {
    try {
      await backend(name);
    } catch (e) {
      console.log(`  ${name.padEnd(7)} skipped: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    const tps = await tokensPerSecond({});
    if (name === "wasm") wasm = tps;
    console.log(`  ${name.padEnd(7)} ${tps.toFixed(0).padStart(8)} tokens/s  ${wasm ? (tps / wasm).toFixed(2) + "x wasm" : ""}`);
    if (name === "wasm") {
      // Dense layers with hand-written gradients (fastMatMul), beside tfjs's autodiff measured just above.
      const fast = await tokensPerSecond({ fastMatMul: true });
      console.log(`  ${"wasm, fastMatMul".padEnd(7)} ${fast.toFixed(0).padStart(8)} tokens/s  ${(fast / wasm).toFixed(2)}x wasm`);
      // The 250-pull setting (1 layer, width 16, batch 32): attention's T x T products dominate there.
      const long = { horizon: 250, model: { dModel: 16, nLayers: 1, nHeads: 1 } };
      const base250 = await tokensPerSecond(long);
      const fast250 = await tokensPerSecond({ ...long, fastMatMul: true });
      console.log(`  wasm, H=250, 1 layer d=16: ${base250.toFixed(0)} tokens/s; fastMatMul ${fast250.toFixed(0)} tokens/s (${(fast250 / base250).toFixed(2)}x)`);
    }
  }
  await releaseBackend();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIncontext();
