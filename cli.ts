#!/usr/bin/env node
/**
 * rlbook's command line:
 *   rlbook install [--user | --prefix P] [--no-typecheck] [--max-heap-mb N]   write the Jupyter kernelspec
 *   rlbook kernel -f conn.json [--no-typecheck] [--max-heap-mb N]              run the kernel (Jupyter starts this)
 *   rlbook run nb.ipynb [-o out.ipynb] [--html out.html] [--allow-errors] [--timeout S]
 *                                                            execute a notebook, no Jupyter needed;
 *                                                            --html also writes a standalone page
 *   rlbook worker --redis URL [--concurrency N] [--queue NAME]
 *                                                            run sweep trials from a Redis queue
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KERNEL_ENV, KERNEL_NODE_FLAGS } from "./kernel/paths.js";

const USAGE = `usage:
  rlbook install [--user | --prefix PATH] [--no-typecheck] [--max-heap-mb N]
  rlbook kernel -f CONNECTION_FILE [--no-typecheck] [--max-heap-mb N]
  rlbook run NOTEBOOK.ipynb [-o OUT.ipynb] [--html OUT.html] [--allow-errors] [--timeout SECONDS]
  rlbook worker --redis URL [--concurrency N] [--queue NAME]`;

class UsageError extends Error {}

function parse(args: string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Writes kernel.json for Jupyter; returns the kernelspec folder. */
export function installKernelspec(options: { prefix?: string; typecheck?: boolean; maxHeapMb?: number } = {}): string {
  const dataDir = options.prefix
    ? join(options.prefix, "share", "jupyter")
    : process.env.JUPYTER_DATA_DIR || join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
  const dir = join(dataDir, "kernels", "rlbook");
  mkdirSync(dir, { recursive: true });
  const argv = [process.execPath, ...KERNEL_NODE_FLAGS, fileURLToPath(import.meta.url), "kernel", "-f", "{connection_file}", ...(options.typecheck === false ? ["--no-typecheck"] : []), ...(options.maxHeapMb ? ["--max-heap-mb", String(options.maxHeapMb)] : [])];
  const spec = { argv, env: KERNEL_ENV, display_name: "TypeScript (rlbook)", language: "typescript", interrupt_mode: "message", metadata: { debugger: false } };
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  return dir;
}

/** `--max-heap-mb N`, checked as the kernel checks RLBOOK_MAX_HEAP_MB. */
async function heapOption(value: unknown): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const { maxHeapMbOf } = await import("./kernel/kernel.js");
  try {
    return maxHeapMbOf(Number(value), {});
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "install": {
      const { values } = parse(rest, { user: { type: "boolean" }, prefix: { type: "string" }, "no-typecheck": { type: "boolean" }, "max-heap-mb": { type: "string" } });
      if (values.user && values.prefix) throw new UsageError("choose one of --user and --prefix");
      const dir = installKernelspec({ prefix: values.prefix as string | undefined, typecheck: !values["no-typecheck"], maxHeapMb: await heapOption(values["max-heap-mb"]) });
      console.log(`installed the rlbook kernelspec in ${dir}`);
      return 0;
    }
    case "kernel": {
      const { values } = parse(rest, { f: { type: "string", short: "f" }, "no-typecheck": { type: "boolean" }, "max-heap-mb": { type: "string" } });
      if (!values.f) throw new UsageError("rlbook kernel needs -f CONNECTION_FILE");
      const { readConnectionFile } = await import("./kernel/connection.js");
      const { Kernel } = await import("./kernel/kernel.js");
      const { watchParent } = await import("./kernel/parent-watch.js");
      await new Kernel(readConnectionFile(values.f as string), { typecheck: !values["no-typecheck"], maxHeapMb: await heapOption(values["max-heap-mb"]) }).start();
      // A kernel whose client died (parent gone, or JPY_PARENT_PID gone) exits, as ipykernel's does.
      watchParent(() => {
        process.stderr.write("rlbook kernel: the process that started it is gone; exiting\n");
        process.exit(0);
      });
      return -1; // keep running
    }
    case "run": {
      const { values, positionals } = parse(rest, { o: { type: "string", short: "o" }, output: { type: "string" }, html: { type: "string" }, "allow-errors": { type: "boolean" }, timeout: { type: "string" } });
      if (positionals.length !== 1) throw new UsageError("rlbook run needs exactly one notebook path");
      const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
      if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
      const { runNotebookFile } = await import("./kernel/notebook.js");
      const path = positionals[0]!;
      const out = (values.o ?? values.output) as string | undefined;
      const started = Date.now();
      const html = values.html as string | undefined;
      const writeHtml = async (notebook: import("./kernel/notebook.js").Notebook) => {
        const { notebookToHTML } = await import("./src/plot/html-export.js");
        writeFileSync(html!, notebookToHTML(notebook, { title: basename(path, ".ipynb") }));
        process.stderr.write(`wrote ${html}\n`);
      };
      try {
        const notebook = await runNotebookFile(path, out, {
          allowErrors: Boolean(values["allow-errors"]),
          timeout,
          onCell: (index, cell) => process.stderr.write(`[${index + 1}] ${cell.outputs?.length ?? 0} output(s)\n`),
        });
        if (html) await writeHtml(notebook);
      } catch (error) {
        // The page shows a failed run too: its error is in the saved notebook.
        if (html) await writeHtml((await import("./kernel/notebook.js")).readNotebook(out ?? path));
        throw error;
      }
      process.stderr.write(`executed ${path} in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${out ?? path}\n`);
      return 0;
    }
    case "worker": {
      const { values } = parse(rest, { redis: { type: "string" }, concurrency: { type: "string" }, queue: { type: "string" } });
      if (!values.redis) throw new UsageError("rlbook worker needs --redis URL (e.g. redis://127.0.0.1:6379)");
      const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new UsageError(`--concurrency must be a positive integer, got ${values.concurrency}`);
      const { runWorker } = await import("./src/sweep/redis.js");
      // SIGINT / SIGTERM put running trials back on the queue for other workers, then exit.
      const stop = new AbortController();
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());
      await runWorker({ redis: values.redis as string, concurrency, queue: values.queue as string | undefined, signal: stop.signal });
      return 0;
    }
    case undefined:
    case "-h":
    case "--help":
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === (await import("node:fs")).realpathSync(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) console.error(`rlbook: ${error.message}\n${USAGE}`);
      else console.error(`rlbook: ${(error as Error).message}`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}
