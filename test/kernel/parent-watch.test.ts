/**
 * A kernel exits when the process that started it dies, as ipykernel does (its parent poller):
 * a front end killed with kill -9 must not leave its kernel running.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConnection } from "../../kernel/client.js";
import { packageRoot } from "../../kernel/paths.js";

const cli = join(packageRoot, "dist", "cli.js");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

/** Starts a kernel from a middle process (a stand-in front end) and returns both PIDs. */
async function kernelUnderMiddle(extraEnv: Record<string, string>): Promise<{ middle: number; kernel: number }> {
  const dir = mkdtempSync(join(tmpdir(), "rlbook-parent-"));
  const file = join(dir, "kernel.json");
  writeFileSync(file, JSON.stringify(await newConnection()));
  // The middle process starts the kernel, prints its PID, and stays until killed.
  const script = `const { spawn } = require("node:child_process");
    const k = spawn(process.execPath, [${JSON.stringify(cli)}, "kernel", "-f", ${JSON.stringify(file)}], { stdio: "ignore" });
    console.log(k.pid); setInterval(() => {}, 1000);`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env.JPY_PARENT_PID;
  Object.assign(env, extraEnv);
  const middle = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"], env });
  const kernel = await new Promise<number>((resolve) => middle.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))));
  // Give the kernel time to start and begin watching.
  await new Promise((r) => setTimeout(r, 3000));
  return { middle: middle.pid!, kernel };
}

test("a kernel whose parent is killed with kill -9 exits within a few seconds", { timeout: 60_000 }, async () => {
  const { middle, kernel } = await kernelUnderMiddle({});
  assert.ok(alive(kernel), "the kernel runs while its parent does");
  process.kill(middle, "SIGKILL");
  assert.ok(await waitFor(() => !alive(kernel), 8000), `kernel ${kernel} still running 8 s after its parent was killed`);
});

test("a kernel exits when the process named by JPY_PARENT_PID (the Jupyter client) is gone", { timeout: 60_000 }, async () => {
  // The client is another process than the kernel's direct parent (e.g. a launcher in between).
  const client = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  const { middle, kernel } = await kernelUnderMiddle({ JPY_PARENT_PID: String(client.pid) });
  try {
    assert.ok(alive(kernel));
    client.kill("SIGKILL");
    assert.ok(await waitFor(() => !alive(kernel), 8000), `kernel ${kernel} still running 8 s after JPY_PARENT_PID's process died`);
  } finally {
    process.kill(middle, "SIGKILL");
    if (alive(kernel)) spawnSync("kill", ["-9", String(kernel)]);
  }
});
