/** Where rlbook's own files are, wherever the package is installed. */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The package root (the folder with package.json); compiled files live in dist/kernel. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Environment the kernel process is started with (the kernelspec's `env`; tests and benchmarks
 * start it the same way). Two malloc arenas: glibc otherwise gives the executor thread and V8's
 * GC and compiler threads arenas of their own, 64 MB each, that keep freed memory resident
 * (a 2,000-cell soak: ~130 MB of arenas with the default, about half with 2).
 */
export const KERNEL_ENV: Record<string, string> = { MALLOC_ARENA_MAX: "2" };

/**
 * Node flags of the kernel process (the kernelspec's argv puts them before the script; tests and
 * benchmarks start it the same way). The main thread only relays messages, but V8 grows its young
 * generation to 16 MB semi-spaces as cells go by: measured over 6,000 cells, its heap went from
 * 8 to 15 MB in a step near cell 3,000 while its live objects stayed at 5 MB. 1 MB semi-spaces
 * keep it at ~8 MB (the executor thread's young generation is set by resourceLimits, kernel.ts).
 */
export const KERNEL_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1"];

/** The command that starts the kernel: node, its flags, rlbook's cli.js, `kernel -f {connection_file}`, then `extra`. */
export function kernelArgv(extra: readonly string[] = []): string[] {
  return [process.execPath, ...KERNEL_NODE_FLAGS, join(packageRoot, "dist", "cli.js"), "kernel", "-f", "{connection_file}", ...extra];
}
