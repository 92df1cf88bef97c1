/**
 * `npm run bench:gpu`: the WebGPU backend beside wasm, for a machine with a real GPU.
 *
 *   npm run bench:gpu                          # refuses unless the WebGPU adapter is a real GPU
 *   npm run bench:gpu -- --allow-software --tiny   # a smoke run of the script on a software driver
 *   npm run bench:gpu -- --only ppo,sac        # some rows (ppo, population, sac, transformer)
 *
 * Rows: PPO on CartPole-v1 with 16 to 4,096 envs (one iteration: a 16-step rollout of every env
 * and 4 epochs of 4 minibatches, in env steps per second), batched multi-seed PPO (PPOPopulation:
 * 4 to 64 seeds of 16 CartPole envs each trained as one stacked program, env steps of all members
 * per second), SAC on Pendulum-v1 (one iteration of
 * 200 env steps with one update each, at SB3's [256, 256] / batch 256 and at [1024, 1024] /
 * batch 1024), and one training step of a causal transformer at DPT's sizes (the fast and the
 * paper's bandit preset) and at miniature-LM sizes (tokens per second). Each figure is measured on
 * wasm and on webgpu in this process, after a warm-up (shader compilation, first allocations), for
 * at least MIN_SECONDS; the ratio is webgpu's speed over wasm's (above 1: the GPU is faster). The
 * crossover is the smallest size of a family where webgpu wins. The whole run stays under 8
 * minutes (rows past the budget are reported as skipped).
 */
import { make } from "../src/core/registry.js";
import "../src/envs/index.js";
import { backend, releaseBackend, type BackendInfo } from "../src/nn/backend.js";
import { CausalTransformer } from "../src/nn/modules.js";
import { Adam } from "../src/nn/optimizers.js";
import { readFloats } from "../src/nn/read.js";
import { tf } from "../src/nn/tf.js";
import { PPO } from "../src/algos/ppo.js";
import { SAC } from "../src/algos/sac.js";
import type { Agent } from "../src/algos/base.js";
import { PPOPopulation } from "../src/population/ppo.js";

const MIN_SECONDS = 2;
const BUDGET_SECONDS = 7 * 60;

/** One measured case: `setup` builds it on the active backend and returns a unit of work (returning the work done: env steps, tokens). */
interface Case {
  family: "ppo" | "population" | "sac" | "transformer";
  label: string;
  /** Sort key within the family (for the crossover). */
  size: number;
  unit: string;
  setup: () => Promise<{ run: () => Promise<number>; dispose: () => void }>;
}

function ppoCase(numEnvs: number, nSteps = 16): Case {
  return {
    family: "ppo",
    label: `PPO CartPole-v1, ${numEnvs} envs`,
    size: numEnvs,
    unit: "env steps/s",
    setup: async () => {
      const agent = new PPO(make("CartPole-v1", { numEnvs }), { nSteps, batchSize: Math.max(1, (nSteps * numEnvs) / 4), nEpochs: 4, netArch: [64, 64], seed: 1 });
      return agentUnit(agent);
    },
  };
}

/** S PPO seeds on `numEnvs` CartPole envs each, as one batched program (the PPO rows' per-agent settings). */
function populationCase(seeds: number, numEnvs: number, nSteps = 16): Case {
  return {
    family: "population",
    label: `PPOPopulation CartPole-v1, ${seeds} seeds x ${numEnvs} envs`,
    size: seeds * numEnvs,
    unit: "env steps/s",
    setup: async () => {
      const pop = new PPOPopulation({
        env: () => make("CartPole-v1", { numEnvs }),
        seeds: Array.from({ length: seeds }, (_, k) => k + 1),
        config: { nSteps, batchSize: Math.max(1, (nSteps * numEnvs) / 4), nEpochs: 4, netArch: [64, 64] },
      });
      return agentUnit(pop);
    },
  };
}

function sacCase(width: number, batch: number, tiny = false): Case {
  return {
    family: "sac",
    label: `SAC Pendulum-v1, [${width}, ${width}], batch ${batch}`,
    size: width,
    unit: "env steps/s",
    setup: async () => {
      const agent = new SAC(make("Pendulum-v1"), { netArch: [width, width], batchSize: batch, learningStarts: batch, bufferSize: 100_000, policyFrequency: 1, seed: 1, ...(tiny ? { trainFreq: 8 } : {}) });
      return agentUnit(agent);
    },
  };
}

/** One learnIteration per unit (train()'s unit of work), counting env steps (of every member, for a population). */
function agentUnit(agent: Agent): { run: () => Promise<number>; dispose: () => void } {
  agent.beginTraining(1e9);
  return {
    run: async () => (await agent.learnIteration()).steps,
    dispose: () => agent.dispose(),
  };
}

interface TransformerSpec {
  name: string;
  dModel: number;
  nLayers: number;
  nHeads: number;
  batch: number;
  length: number;
  /** Features per input token and classes per output token. */
  inputDim: number;
  outputDim: number;
}

function transformerCase(s: TransformerSpec): Case {
  return {
    family: "transformer",
    label: `${s.name}: d${s.dModel} L${s.nLayers} h${s.nHeads}, ${s.batch} x ${s.length} tokens`,
    size: s.dModel * s.dModel * s.nLayers * s.batch * s.length,
    unit: "tokens/s",
    setup: async () => {
      const net = new CausalTransformer({ inputDim: s.inputDim, outputDim: s.outputDim, dModel: s.dModel, nHeads: s.nHeads, nLayers: s.nLayers, maxLength: s.length, rng: 1 });
      const opt = new Adam(net.variables, { lr: 3e-4, maxGradNorm: 1 });
      const rng = new (await import("../src/core/rng.js")).Rng(2);
      const n = s.batch * s.length;
      const x = tf.tensor3d(Float32Array.from({ length: n * s.inputDim }, () => rng.normal()), [s.batch, s.length, s.inputDim]);
      const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: n }, () => rng.integer(s.outputDim)), "int32"), s.outputDim);
      return {
        // One Adam step of next-token cross-entropy; the loss is read (awaited) each step, as a training loop would.
        run: async () => {
          const loss = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => {
              const logits = tf.reshape(net.apply(x), [n, s.outputDim]);
              return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
            }, net.variables);
            opt.apply(net.variables.map((v) => grads[v.name]))?.dispose();
            return value;
          });
          await readFloats(loss, { dispose: true });
          return n;
        },
        dispose: () => {
          tf.dispose([x, y]);
          net.dispose();
          opt.dispose();
        },
      };
    },
  };
}

function cases(tiny: boolean): Case[] {
  if (tiny) {
    return [
      ppoCase(4, 8),
      ppoCase(16, 8),
      populationCase(2, 4, 8),
      populationCase(4, 4, 8),
      sacCase(16, 16, true),
      transformerCase({ name: "DPT-like (tiny)", dModel: 8, nLayers: 1, nHeads: 1, batch: 4, length: 8, inputDim: 11, outputDim: 5 }),
      transformerCase({ name: "LM-like (tiny)", dModel: 16, nLayers: 1, nHeads: 2, batch: 4, length: 16, inputDim: 65, outputDim: 65 }),
    ];
  }
  return [
    ...[16, 64, 256, 1024, 4096].map((n) => ppoCase(n)),
    ...[4, 16, 64].map((s) => populationCase(s, 16)),
    sacCase(256, 256),
    sacCase(1024, 1024),
    // DPT's bandit presets (src/incontext/dpt.ts): "bandit/fast" (d32, 2 layers, 32 x 31) and the paper's (d32, 4 layers, 64 x 501);
    // tokens of a 5-arm bandit: one-hot action, reward, and a query flag (11 features).
    transformerCase({ name: "DPT bandit/fast", dModel: 32, nLayers: 2, nHeads: 1, batch: 32, length: 31, inputDim: 11, outputDim: 5 }),
    transformerCase({ name: "DPT bandit (paper)", dModel: 32, nLayers: 4, nHeads: 1, batch: 64, length: 501, inputDim: 11, outputDim: 5 }),
    // Miniature character-level LMs (65 symbols, one-hot in): nanoGPT's "baby GPT" scale and a smaller one.
    transformerCase({ name: "LM small", dModel: 128, nLayers: 4, nHeads: 4, batch: 32, length: 128, inputDim: 65, outputDim: 65 }),
    transformerCase({ name: "LM baby-GPT", dModel: 384, nLayers: 6, nHeads: 6, batch: 16, length: 256, inputDim: 65, outputDim: 65 }),
  ];
}

/** Work per second of `c` on the active backend: one warm-up unit, then units until MIN_SECONDS. */
async function measure(c: Case, minSeconds: number): Promise<number> {
  const { run, dispose } = await c.setup();
  try {
    await run(); // warm-up: shader compilation, first allocations
    let work = 0;
    const t0 = performance.now();
    let elapsed = 0;
    do {
      work += await run();
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < minSeconds);
    return work / elapsed;
  } finally {
    dispose();
  }
}

function fmtRate(r: number | undefined): string {
  if (r === undefined) return "skipped";
  return r >= 100 ? Math.round(r).toLocaleString("en-US") : r.toPrecision(3);
}

export interface GpuBenchOptions {
  allowSoftware?: boolean;
  tiny?: boolean;
  only?: string[];
  minSeconds?: number;
}

/** Runs the benchmark (see the module comment); returns the process exit code. */
export async function benchGpu(options: GpuBenchOptions = {}): Promise<number> {
  const start = performance.now();
  let info: BackendInfo;
  try {
    info = await backend("webgpu");
  } catch (e) {
    console.error(`bench:gpu: no WebGPU adapter: ${(e as Error).message}. This benchmark needs a GPU with a Vulkan driver (libvulkan1 and the GPU vendor's ICD).`);
    return 2;
  }
  if (info.software && !options.allowSoftware) {
    console.error(
      `bench:gpu: the WebGPU adapter is a software renderer (${info.adapter}), not a GPU: its figures would say nothing about GPU training. ` +
        "Run this on a machine with a GPU, or pass --allow-software (with --tiny) for a smoke run of the script itself.",
    );
    await releaseBackend();
    return 2;
  }
  console.log(`bench:gpu: adapter ${info.adapter}${info.software ? " (SOFTWARE: smoke run, not GPU figures)" : ""}; tfjs ${tf.version.tfjs}`);
  const minSeconds = options.minSeconds ?? (options.tiny ? 0.3 : MIN_SECONDS);
  const list = cases(options.tiny ?? false).filter((c) => !options.only?.length || options.only.includes(c.family));
  const rows: { c: Case; wasm?: number; webgpu?: number; note?: string }[] = [];
  for (const c of list) {
    const row: (typeof rows)[number] = { c };
    rows.push(row);
    if ((performance.now() - start) / 1000 > BUDGET_SECONDS) {
      row.note = "skipped: past the time budget";
      continue;
    }
    try {
      await backend("wasm");
      row.wasm = await measure(c, minSeconds);
      await backend("webgpu");
      row.webgpu = await measure(c, minSeconds);
    } catch (e) {
      row.note = `failed: ${(e as Error).message.split("\n")[0]}`;
    }
    const ratio = row.wasm && row.webgpu ? row.webgpu / row.wasm : undefined;
    console.log(
      `${c.label.padEnd(48)} wasm ${fmtRate(row.wasm).padStart(10)}  webgpu ${fmtRate(row.webgpu).padStart(10)} ${c.unit.padEnd(12)} webgpu/wasm ${ratio === undefined ? "-" : ratio.toFixed(2) + "x"}${row.note ? `  (${row.note})` : ""}`,
    );
  }
  console.log("\ncrossover (smallest size where webgpu is faster than wasm):");
  for (const fam of ["ppo", "population", "sac", "transformer"] as const) {
    const fr = rows.filter((r) => r.c.family === fam && r.wasm && r.webgpu).sort((a, b) => a.c.size - b.c.size);
    if (!fr.length) continue;
    const win = fr.find((r) => r.webgpu! > r.wasm!);
    console.log(`  ${fam.padEnd(12)} ${win ? `${win.c.label} (${(win.webgpu! / win.wasm!).toFixed(2)}x)` : `none up to ${fr[fr.length - 1].c.label}`}`);
  }
  console.log(`\nbench:gpu: ${((performance.now() - start) / 1000).toFixed(0)} s in all`);
  await backend("wasm");
  await releaseBackend();
  return rows.some((r) => r.note?.startsWith("failed")) ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const onlyArg = args.find((a) => a.startsWith("--only"));
  const only = onlyArg ? (onlyArg.includes("=") ? onlyArg.split("=")[1] : args[args.indexOf(onlyArg) + 1] ?? "").split(",").filter((s) => s) : undefined;
  const code = await benchGpu({ allowSoftware: args.includes("--allow-software"), tiny: args.includes("--tiny"), only });
  process.exit(code);
}
