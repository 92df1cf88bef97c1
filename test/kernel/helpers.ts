/** Shared pieces of the kernel tests: a started kernel, and reading its outputs. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient, type ExecuteResult } from "../../kernel/client.js";
import type { Message } from "../../kernel/wire.js";
import { KERNEL_ENV, kernelArgv } from "../../kernel/paths.js";

/** Starts an rlbook kernel in `cwd` (default: a fresh temp folder) with history kept in a temp file. */
export async function startKernel(options: { cwd?: string; args?: string[] } = {}): Promise<KernelClient> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "rlbook-nb-"));
  return KernelClient.start({
    cwd,
    argv: kernelArgv(options.args ?? []),
    env: { ...process.env, ...KERNEL_ENV, RLBOOK_HISTORY: join(cwd, ".history.jsonl") },
  });
}

export const ofType = (result: ExecuteResult, type: string): Message[] => result.outputs.filter((m) => m.header.msg_type === type);

/** All stdout text of an execution, joined. */
export const stdout = (result: ExecuteResult): string =>
  ofType(result, "stream")
    .filter((m) => m.content.name === "stdout")
    .map((m) => String(m.content.text))
    .join("");

/** The text/plain of the execute_result, if any. */
export const resultText = (result: ExecuteResult): string | undefined => {
  const message = ofType(result, "execute_result")[0];
  return message ? String((message.content.data as Record<string, unknown>)["text/plain"]) : undefined;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
