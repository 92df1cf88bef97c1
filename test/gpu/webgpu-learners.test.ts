import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SOFTWARE_WEBGPU_WARNING } from "../../src/nn/backend.js";
import { GPU_LEARNERS } from "./learners.js";

// The webgpu backend runs here on Mesa's lavapipe (a software Vulkan driver that .ci/peers
// installs): the GPU code path, end to end, on a machine without a GPU. These tests never skip:
// without a WebGPU adapter the webgpu child fails and so do they.

/**
 * Tolerance for a webgpu number against the wasm one from the same seed. Both compute in float32
 * (unit roundoff u = 2^-24 = 6e-8), but a GPU sums in another order (tree reductions in matMul,
 * mean, sum), so each reduction over n terms may differ by up to ~n*u relative (sqrt(n)*u typical):
 * 1e-6 .. 1e-5 for the 16-256-term sums here. Those differences feed into later updates (Adam
 * divides by sqrt(v), so a gradient near zero can move far more, relatively, than its own error)
 * and into the data (a value that decides an action). Measured on lavapipe (seed 7, these runs):
 * worst 1.7e-5 relative over every value >= 1e-3 (RLHF-PPO's losses; DPO 1.2e-5), most below 1e-6
 * (each learner's figure is in learners.ts; CrossQ has its own bound there). 1e-3 relative leaves
 * ~60x room for other drivers and reduction orders, and still fails on a real bug (a wrong op, a
 * stale weight or a misordered read changes a loss by percent or more). Values near zero (a KL of
 * 1e-8, a policy loss of 1e-5) get 1e-5 absolute instead. The same bound holds what the trained
 * learners do (evaluation returns, meta-test returns, regret, LM log-probabilities: measured
 * worst 1.3e-6 relative, the reward model's score margins; CrossQ's returns 7.1e-5). Plain-JS learners (`exact`) must match bit for bit.
 */
const REL_TOL = 1e-3;
const ABS_TOL = 1e-5;

interface ChildLearner {
  records: Record<string, number>[];
  evalReturns: number[];
  /** null where the learner has no checkpoint format (learners.ts says which). */
  loadedEvalReturns: number[] | null;
  /** Tensors held by the trained agent and the one loaded from its checkpoint. */
  numTensors: number;
  /** Tensors left once both are disposed (0: nothing leaked, not even a variable's initial value). */
  tensorsLeft: number;
  seconds: number;
  /** CPU seconds of the child's threads (lavapipe renders on the CPU) for this learner. */
  cpuSeconds: number;
}
interface ChildResult {
  backend: string;
  info: { name: string; adapter?: string; software?: boolean };
  warnings: string[];
  learners: Record<string, ChildLearner>;
}

const childPath = fileURLToPath(new URL("./learner-child.js", import.meta.url));

function runChild(backend: string): Promise<ChildResult> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [childPath, backend], { timeout: 900_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) return reject(new Error(`the ${backend} child printed no result (${err?.message ?? "exit 0"}); stderr:\n${stderr.slice(-3000)}`));
      resolve(JSON.parse(line.slice(7)) as ChildResult);
    }),
  );
}

function close(gpu: number, cpu: number, relTol = REL_TOL): boolean {
  if (Number.isNaN(gpu) || Number.isNaN(cpu)) return Number.isNaN(gpu) && Number.isNaN(cpu);
  return Math.abs(gpu - cpu) <= ABS_TOL + relTol * Math.abs(cpu);
}

describe("every learner trains through train() on the webgpu backend and matches wasm from the same seed", () => {
  let gpu: ChildResult;
  let cpu: ChildResult;
  before(async () => {
    [gpu, cpu] = await Promise.all([runChild("webgpu"), runChild("wasm")]);
  });

  test("the webgpu run used a WebGPU adapter (the software one here), which says once that it is a correctness path, not a fast one", () => {
    assert.equal(gpu.backend, "webgpu");
    assert.equal(cpu.backend, "wasm");
    assert.ok(gpu.info.adapter, "adapter described");
    if (gpu.info.software) {
      const ours = gpu.warnings.filter((w) => w.startsWith(SOFTWARE_WEBGPU_WARNING.slice(0, 40)));
      assert.equal(ours.length, 1, `one warning for two backend("webgpu") calls, got: ${JSON.stringify(gpu.warnings)}`);
      assert.match(ours[0], /software renderer .*llvmpipe|software renderer/);
      assert.match(ours[0], /correctness check.*slower than wasm/);
    } else {
      assert.equal(gpu.warnings.length, 0, "no software warning on a real GPU");
    }
    assert.equal(cpu.warnings.length, 0);
  });

  for (const name of Object.keys(GPU_LEARNERS)) {
    const c0 = GPU_LEARNERS[name];
    const relTol = c0.relTol ?? REL_TOL;
    const what = c0.exact ? "equal (plain JS, no tensors)" : `agree within ${relTol} relative`;
    test(`${name}: losses and statistics of every record ${what}; evaluation, checkpoint round trip and tensors as on wasm, none left after dispose`, () => {
      const g = gpu.learners[name];
      const c = cpu.learners[name];
      assert.ok(g && c, `${name} ran on both backends`);
      assert.equal(g.records.length, c.records.length, "same number of iterations");
      assert.ok(g.records.length >= 1);
      const bad: string[] = [];
      let worst = 0;
      let compared = 0;
      g.records.forEach((rg, i) => {
        const rc = c.records[i];
        assert.deepEqual(Object.keys(rg).sort(), Object.keys(rc).sort(), `record ${i} keys`);
        for (const k of Object.keys(rc)) {
          compared++;
          if (c0.exact ? !Object.is(rg[k], rc[k]) : !close(rg[k], rc[k], relTol)) bad.push(`record ${i} ${k}: webgpu ${rg[k]} vs wasm ${rc[k]}`);
          else if (Number.isFinite(rc[k]) && Math.abs(rc[k]) > 1e-3) worst = Math.max(worst, Math.abs(rg[k] - rc[k]) / Math.abs(rc[k]));
        }
      });
      assert.deepEqual(bad, [], `${name}: values outside the tolerance`);
      // Every loss key of the updates was compared (at least one update ran); the streaming
      // learners report their TD error, the losses they step on.
      const lossKeys = Object.keys(c.records[c.records.length - 1]).filter((k) => (c0.learned ?? /loss|tdError/i).test(k));
      assert.ok(lossKeys.length >= 1, `${name} reports a loss: ${Object.keys(c.records[0])}`);
      assert.equal(g.evalReturns.length, c.evalReturns.length, "evaluation results");
      assert.ok(g.evalReturns.length >= 1);
      if (c0.exact) assert.deepEqual(g.evalReturns, c.evalReturns, "evaluation equal on both backends");
      else g.evalReturns.forEach((r, i) => assert.ok(close(r, c.evalReturns[i], relTol), `evaluation ${i}: ${r} vs ${c.evalReturns[i]}`));
      const evalWorst = Math.max(0, ...c.evalReturns.map((r, i) => (Math.abs(r) > 1e-3 ? Math.abs(g.evalReturns[i] - r) / Math.abs(r) : 0)));
      if (c0.load === null) assert.equal(g.loadedEvalReturns, null);
      else assert.deepEqual(g.loadedEvalReturns, g.evalReturns, "a checkpoint saved and loaded on webgpu acts as the learner did");
      assert.equal(g.numTensors, c.numTensors, "the same tensors on webgpu as on wasm");
      assert.equal(c.tensorsLeft, 0, "dispose() releases every tensor the learners made (wasm)");
      assert.equal(g.tensorsLeft, 0, "dispose() releases every tensor the learners made (webgpu)");
      console.log(`  ${name}: ${compared} values in ${g.records.length} records, worst relative difference ${worst.toExponential(1)} (evaluation ${evalWorst.toExponential(1)}); webgpu ${g.seconds.toFixed(1)} s (${g.cpuSeconds.toFixed(1)} s CPU), wasm ${c.seconds.toFixed(1)} s (${c.cpuSeconds.toFixed(1)} s CPU)`);
    });
  }
});

test("backend('auto') does not pick a software WebGPU adapter, says why, and warns nothing", async () => {
  const backendUrl = new URL("../../src/nn/backend.js", import.meta.url).href;
  const script = `
    const warned = [];
    console.warn = (...a) => warned.push(a.join(" "));
    const { backend } = await import(${JSON.stringify(backendUrl)});
    const info = await backend("auto");
    console.log(JSON.stringify({ info, warned }));
    process.exit(0);`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ["--input-type=module", "-e", script], { timeout: 120_000 }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const { info, warned } = JSON.parse(stdout.trim().split("\n").pop()!) as { info: { name: string; tried: { name: string; ok: boolean; reason?: string }[] }; warned: string[] };
  const webgpu = info.tried.find((t) => t.name === "webgpu")!;
  // This machine has the software driver (the describe block above ran on it) and no GPU.
  assert.equal(info.name, "wasm");
  assert.equal(webgpu.ok, false);
  assert.match(webgpu.reason!, /software\/fallback one \(.*llvmpipe.*\), not a real GPU/);
  assert.deepEqual(warned, []);
});
