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
