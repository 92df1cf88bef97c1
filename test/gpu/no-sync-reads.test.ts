import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";

// The tests run from dist/test/gpu; the sources are at the repository root.
const root = new URL("../../../", import.meta.url).pathname;

// Synchronous tensor reads fail on the webgpu backend in Node (tfjs-backend-webgpu reads
// synchronously through a browser OffscreenCanvas, which Node lacks) and stall a GPU once per
// tensor. src/ reads with `await` through src/nn/read.ts instead. Comments count too: a name in
// a comment is usually a call that was commented out or is about to come back.
const SYNC_READ = /\b(dataSync|arraySync|bufferSync)\b/g;

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(p)));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** file:line: text for every synchronous read in the given files. */
async function findSyncReads(files: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const f of files) {
    const lines = (await readFile(f, "utf8")).split("\n");
    lines.forEach((line, i) => {
      for (const m of line.matchAll(SYNC_READ)) hits.push(`${path.relative(root, f)}:${i + 1}: ${m[1]}  |  ${line.trim().slice(0, 120)}`);
    });
  }
  return hits;
}

test("the scanner finds every synchronous read form (checked on a sample, so the real scan cannot pass vacuously)", async () => {
  const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-sync-"));
  try {
    const f = path.join(dir, "sample.ts");
    await writeFile(f, ["const a = t.dataSync();", "ok();", "const b = t.arraySync() as number[]; const c = t.bufferSync();", "await t.data();"].join("\n"));
    const hits = (await findSyncReads([f])).map((h) => h.split("  |  ")[0].split(":").slice(1).join(":").trim());
    assert.deepEqual(hits, ["1: dataSync", "3: arraySync", "3: bufferSync"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("src/ never reads a tensor synchronously (dataSync / arraySync / bufferSync): use await t.data() or nn/read.ts, batched", async () => {
  const files = await tsFiles(path.join(root, "src"));
  assert.ok(files.length > 50, `expected the library sources under src/, found ${files.length} .ts files`);
  const hits = await findSyncReads(files);
  assert.equal(hits.length, 0, `${hits.length} synchronous tensor reads in src/ (they throw on the webgpu backend in Node):\n${hits.join("\n")}`);
});
