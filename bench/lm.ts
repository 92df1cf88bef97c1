/**
 * Miniature LM lab benchmark: tokens per second of the LanguageModel (2 layers, d=64, context
 * 32) for
 * - generation of 64 sequences x 24 new tokens with the KV cache, beside the same generation
 *   without it (the baseline, measured in the same run: the ratio is the cache's speed-up);
 * - SFT training steps (batch 64 x 32 tokens);
 * on wasm and cpu (tfjs's plain JavaScript backend), and webgpu when the adapter is a real GPU
 * (a software adapter such as lavapipe / llvmpipe is skipped: its figures say nothing about GPUs),
 * each as a ratio to the wasm run.
 *
 * Run: `npm run bench -- lm` or `node dist/bench/lm.js`.
 */
import { backend, releaseBackend, type BackendName } from "../src/nn/backend.js";
import { CharTokenizer } from "../src/lm/tokenizer.js";
import { LanguageModel } from "../src/lm/model.js";
import { SFT } from "../src/lm/sft.js";
import { train } from "../src/train/train.js";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz .";

async function generationTps(lm: LanguageModel, cache: boolean): Promise<number> {
  const prompts = Array.from({ length: 64 }, (_, i) => ALPHABET[i % 26].repeat(1 + (i % 7)));
  const maxTokens = 24;
  await lm.generate(prompts.slice(0, 4), { maxTokens: 2, cache }); // warm-up (kernel compilation)
  const t0 = performance.now();
  // Temperature 1 with a fresh model rarely samples <eos>: nearly every row runs the full 24 steps.
  const out = await lm.generate(prompts, { maxTokens, cache, seed: 1 });
  const tokens = out.reduce((a, g) => a + g.tokens.length, 0);
  return tokens / ((performance.now() - t0) / 1000);
}

async function trainingTps(lm: LanguageModel): Promise<number> {
  const text = Array.from({ length: 200 }, (_, i) => Array.from({ length: 30 }, (_, k) => ALPHABET[(i * 7 + k * k) % ALPHABET.length]).join(""));
  const sft = new SFT(lm, text, { batchSize: 64, stepsPerIteration: 2, completionOnly: false });
  await train(sft, { steps: 2 }); // warm-up
  const t0 = performance.now();
  await train(sft, { steps: 10 });
  const s = (performance.now() - t0) / 1000;
  sft.dispose();
  return (10 * 64 * 31) / s; // 31 predicted tokens per sequence (<bos> + 30 characters + <eos>)
}

export async function benchLm(): Promise<void> {
  console.log("LanguageModel (2 layers, d=64, 4 heads, context 32), tokens/s");
  const backends: BackendName[] = ["wasm", "cpu", "webgpu"];
  const wasm = { cached: 0, train: 0 };
  for (const name of backends) {
    try {
      const info = await backend(name);
      if (info.software) {
        console.log(`  ${name.padEnd(7)} skipped: the adapter is a software renderer (${info.adapter}), not a GPU`);
        continue;
      }
    } catch (e) {
      console.log(`  ${name.padEnd(7)} skipped: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    const lm = new LanguageModel(new CharTokenizer(ALPHABET), { contextLength: 32, dModel: 64, nHeads: 4, nLayers: 2, seed: 1 });
    const uncached = await generationTps(lm, false);
    const cached = await generationTps(lm, true);
    const tr = await trainingTps(lm);
    if (name === "wasm") Object.assign(wasm, { cached, train: tr });
    const vsWasm = (x: number, w: number) => (w ? `  ${(x / w).toFixed(2)}x wasm` : "");
    console.log(`  ${name.padEnd(7)} generation, KV cache ${cached.toFixed(0).padStart(7)}  (without the cache ${uncached.toFixed(0)}: ${(cached / uncached).toFixed(2)}x)${vsWasm(cached, wasm.cached)}`);
    console.log(`  ${name.padEnd(7)} SFT training step   ${tr.toFixed(0).padStart(7)}${vsWasm(tr, wasm.train)}`);
    lm.dispose();
  }
  await releaseBackend();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLm();
