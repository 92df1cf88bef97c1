/** Runs a notebook of notebooks/ through `rlbook run` on a copy, and hands back what it showed. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../kernel/paths.js";
import type { Notebook } from "../../kernel/notebook.js";

export type Output = Record<string, unknown>;

export interface ExecutedNotebook {
  /** Every output of every cell, in order. */
  outputs: Output[];
  /** All text the notebook showed (text/plain results and streams), joined by newlines. */
  text: string;
}

/** A multi-line notebook field (a string or a list of lines) as one string. */
export const joined = (v: unknown): string => (Array.isArray(v) ? v.join("") : String(v ?? ""));

/** An output's MIME bundle (empty for streams and errors). */
export const mime = (o: Output): Record<string, unknown> => (o.data ?? {}) as Record<string, unknown>;

/** Executes `notebooks/<name>` with a private history file; asserts the run succeeded with no error output. */
export function runNotebook(name: string): ExecutedNotebook {
  const work = mkdtempSync(join(tmpdir(), "rlbook-nb-"));
  const file = join(work, name);
  copyFileSync(join(packageRoot, "notebooks", name), file);
  const run = spawnSync(process.execPath, [join(packageRoot, "dist", "cli.js"), "run", file], { env: { ...process.env, RLBOOK_HISTORY: join(work, "history.jsonl") }, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const nb = JSON.parse(readFileSync(file, "utf8")) as Notebook;
  const outputs = nb.cells.flatMap((c) => (c.outputs ?? []) as Output[]);
  assert.deepEqual(outputs.filter((o) => o.output_type === "error").map((o) => o.evalue), [], `${name} ran without errors`);
  return { outputs, text: outputs.map((o) => joined(mime(o)["text/plain"] ?? o.text)).join("\n") };
}
