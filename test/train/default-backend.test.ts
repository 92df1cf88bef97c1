import { test } from "node:test";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { activeBackend } from "../../src/nn/backend.js";
import { tf } from "../../src/nn/tf.js";
import { PPO } from "../../src/algos/ppo.js";
import { train } from "../../src/train/train.js";

test("without a backend() call, train() picks one (wasm here) and an agent built before keeps working", async () => {
  const agent = new PPO(make("CartPole-v1", { numEnvs: 2 }) as VectorEnv, { nSteps: 16, batchSize: 32, seed: 1 });
  const w0 = (await agent.actor.getWeights())[0].slice();
  const hist = await train(agent, { steps: 64 });
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(activeBackend().requested, "auto");
  assert.ok(hist.length >= 2);
  assert.notDeepEqual((await agent.actor.getWeights())[0], w0, "training changed the weights");
  agent.dispose();
});

test("backend('auto') on a machine without a GPU prints nothing: Dawn's native Vulkan warnings stay out of the terminal", async () => {
  const { execFile } = await import("node:child_process");
  const backendUrl = new URL("../../src/nn/backend.js", import.meta.url).href;
  const probeUrl = new URL("../../src/nn/webgpu-probe.js", import.meta.url).href;
  // A fresh process, as a user's script or a kernel: its own stderr is what would reach the terminal.
  const script = `
    const { backend } = await import(${JSON.stringify(backendUrl)});
    const { probeWebgpuAdapter } = await import(${JSON.stringify(probeUrl)});
    const info = await backend("auto");
    const probe = await probeWebgpuAdapter();
    console.log(JSON.stringify({ info, probe }));`;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, ["--input-type=module", "-e", script], { timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr }))),
  );
  const { info, probe } = JSON.parse(stdout.trim().split("\n").pop()!) as { info: { name: string; tried: { name: string; ok: boolean; reason?: string }[] }; probe: { found: boolean; fallback?: boolean; description?: string } };
  const webgpu = info.tried.find((t) => t.name === "webgpu")!;
  if (info.name !== "webgpu") {
    // No GPU here (CI): webgpu was skipped with a reason (no Vulkan, no adapter, or only the
    // software one the WebGPU tests use), and Dawn said nothing on stderr.
    assert.equal(webgpu.ok, false);
    assert.match(webgpu.reason!, /libvulkan|adapter/);
    assert.ok(!probe.found || probe.fallback || /llvmpipe|lavapipe|swiftshader|software/i.test(probe.description ?? ""), `the probe found a GPU: ${JSON.stringify(probe)}`);
    assert.doesNotMatch(stderr, /Vulkan|Warning/, `stderr: ${stderr}`);
  }
});
