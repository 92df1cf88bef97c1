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
  // Tokens per second of pretraining through train(), the best of `reps` runs of 10 steps each; the
  // configurations compared are interleaved run by run so a change in machine load hits both.
  const tokensPerSecond = async (configs: Partial<DPTConfig>[], reps = 3): Promise<number[]> => {
    const dpts = configs.map((o) => DPT.preset("bandit/fast", { pretrainTasks: 256, updatesPerIteration: 10, ...o }));
    const data = dpts.map((d) => d.generateData());
    for (let i = 0; i < dpts.length; i++) await dpts[i].pretrain({ data: data[i], steps: 10 }); // warm-up (kernel compilation)
    const best = configs.map(() => 0);
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < dpts.length; i++) {
        const hist = await dpts[i].pretrain({ data: data[i], steps: 10 });
        best[i] = Math.max(best[i], hist[hist.length - 1].tokensPerSecond ?? NaN);
      }
    }
    dpts.forEach((d) => d.dispose());
    return best;
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
    if (name === "wasm") {
      // The preset as it ships (fastMatMul: dense layers with hand-written gradients) beside tfjs's own
      // autodiff gradients, measured in the same run.
      const [fast, plain] = await tokensPerSecond([{}, { fastMatMul: false }]);
      wasm = fast;
      console.log(`  ${"wasm".padEnd(7)} ${fast.toFixed(0).padStart(8)} tokens/s  (tfjs autodiff gradients: ${plain.toFixed(0)} tokens/s; fastMatMul ${(fast / plain).toFixed(2)}x)`);
      // 250-pull contexts (1 layer, width 16): attention's T x T products dominate there.
      const long = { horizon: 250, model: { dModel: 16, nLayers: 1, nHeads: 1 } };
      const [fast250, plain250] = await tokensPerSecond([long, { ...long, fastMatMul: false }], 2);
      console.log(`  wasm, H=250, 1 layer d=16: ${fast250.toFixed(0)} tokens/s (autodiff gradients: ${plain250.toFixed(0)}; ${(fast250 / plain250).toFixed(2)}x)`);
      continue;
    }
    const [tps] = await tokensPerSecond([{}], 1);
    console.log(`  ${name.padEnd(7)} ${tps.toFixed(0).padStart(8)} tokens/s  ${(tps / wasm).toFixed(2)}x wasm`);
  }
  await releaseBackend();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIncontext();
