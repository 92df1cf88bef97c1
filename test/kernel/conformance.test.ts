/** The official Jupyter conformance suite (Debian's python3-jupyter-kernel-test) against rlbook. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelspec } from "../../cli.js";
import { packageRoot } from "../../kernel/paths.js";

test("jupyter_kernel_test: every conformance test passes with every sample filled", { timeout: 300_000 }, () => {
  const prefix = mkdtempSync(join(tmpdir(), "rlbook-spec-"));
  try {
    installKernelspec({ prefix });
    const run = spawnSync("/usr/bin/python3", [join(packageRoot, "test", "kernel", "conformance.py")], {
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), RLBOOK_HISTORY: join(prefix, "history.jsonl") },
      encoding: "utf8",
      timeout: 280_000,
    });
    const report = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, report);
    assert.match(report, /Ran 12 tests/, report);
    assert.doesNotMatch(report, /skipped/, report);
    assert.match(report, /\nOK\n/, report);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
