import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";

// The tests run from dist/test/train; the sources are at the repository root.
const root = new URL("../../../", import.meta.url).pathname;
const algosDir = path.join(root, "src", "algos");

/** The modules every algorithm may build on; every other file in src/algos is one algorithm. */
const SHARED = new Set(["base.ts", "checkpointing.ts", "index.ts", "losses.ts", "off-policy.ts", "on-policy.ts", "schedules.ts", "streaming.ts"]);

test("no algorithm file imports another algorithm file (shared pieces live in nn/ and the shared algos modules)", async () => {
  const files = (await readdir(algosDir)).filter((f) => f.endsWith(".ts"));
  const algos = files.filter((f) => !SHARED.has(f));
  assert.ok(algos.length >= 6, `algorithm files found: ${algos.join(", ")}`);
  const bad: string[] = [];
  for (const f of files) {
    if (f === "index.ts") continue;
    const src = await readFile(path.join(algosDir, f), "utf8");
    for (const m of src.matchAll(/from\s+"\.\/([\w-]+)\.js"/g)) {
      const target = `${m[1]}.ts`;
      if (!SHARED.has(target)) bad.push(`${f} imports ${target}`);
    }
  }
  assert.deepEqual(bad, [], `algorithm files must import only ${[...SHARED].join(", ")}`);
});

test("optimizers live in nn/optimizers.ts; source comments cite no file the repository lacks", async () => {
  const nn = await readdir(path.join(root, "src", "nn"));
  assert.ok(nn.includes("optimizers.ts") && !nn.includes("adam.ts"));
  for (const dir of ["src/nn", "src/algos"]) {
    for (const f of await readdir(path.join(root, dir))) {
      const src = await readFile(path.join(root, dir, f), "utf8");
      for (const m of src.matchAll(/\b([A-Z][A-Z_]+\.md)\b/g)) {
        const exists = await readFile(path.join(root, m[1])).then(() => true, () => false);
        assert.ok(exists, `${dir}/${f} cites ${m[1]}, which the repository does not have`);
      }
    }
  }
});
