/**
 * A cell's TensorFlow.js import is the kernel's own copy (rlbook's `tf`), type-checked and run,
 * from a notebook folder without node_modules and from one where the user installed tfjs.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { linkSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { KernelClient } from "../../kernel/client.js";
import { ofType, resultText, startKernel } from "./helpers.js";

const stderr = (r: Awaited<ReturnType<KernelClient["execute"]>>): string =>
  ofType(r, "stream")
    .filter((m) => m.content.name === "stderr")
    .map((m) => String(m.content.text))
    .join("");

const cells = {
  importTf: 'import * as tf from "@tensorflow/tfjs";\nimport * as core from "@tensorflow/tfjs-core";\nimport { tf as rltf, make } from "rlbook";',
  // The same engine: rlbook's backend and tensors are the cell's.
  sameCopy: "const t: tf.Tensor = tf.tensor([1, 2, 3]);\n[t.sum().dataSync()[0], tf.engine() === rltf.engine(), core.engine() === rltf.engine(), t instanceof rltf.Tensor, tf.getBackend() === rltf.getBackend()].join(' ')",
  required: 'const viaRequire = require("@tensorflow/tfjs");\nviaRequire.engine() === rltf.engine()',
};

/** A copy of a folder made of hard links (a second copy to Node, no disk space). */
function hardLinkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) hardLinkTree(join(from, entry.name), join(to, entry.name));
    else if (entry.isFile()) linkSync(join(from, entry.name), join(to, entry.name));
    else if (entry.isSymbolicLink()) symlinkSync(realpathSync(join(from, entry.name)), join(to, entry.name));
  }
}

async function runAll(kernel: KernelClient): Promise<void> {
  const imported = await kernel.execute(cells.importTf);
  assert.equal(imported.reply.content.status, "ok", JSON.stringify(imported.reply.content));
  const same = await kernel.execute(cells.sameCopy);
  assert.equal(same.reply.content.status, "ok", JSON.stringify(same.reply.content));
  assert.equal(resultText(same), "'6 true true true true'");
  assert.doesNotMatch(stderr(imported) + stderr(same), /already registered/);
  const required = await kernel.execute(cells.required);
  assert.equal(resultText(required), "true");
}

describe("a cell's TensorFlow.js is the kernel's", () => {
  test("a cell that imports only tfjs runs quietly (no advice to install tfjs-node)", async () => {
    const kernel = await startKernel();
    try {
      const r = await kernel.execute('import * as tf from "@tensorflow/tfjs";\ntf.tensor([1, 2]).sum().dataSync()[0]');
      assert.equal(resultText(r), "3");
      assert.equal(ofType(r, "stream").length, 0, ofType(r, "stream").map((m) => String(m.content.text)).join(""));
    } finally {
      await kernel.shutdown();
    }
  });

  test("from a notebook folder with no node_modules: the import type-checks and runs", async () => {
    const kernel = await startKernel();
    try {
      await runAll(kernel);
    } finally {
      await kernel.shutdown();
    }
  });

  describe("from a folder where the user installed their own copy of tfjs", () => {
    let kernel: KernelClient;
    const cwd = mkdtempSync(join(tmpdir(), "rlbook-tfjs-"));
    before(async () => {
      // The user's node_modules: hard-linked copies of @tensorflow/* (other paths, so Node would load
      // them as a second copy), the rest of the dependencies linked.
      const modules = join(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs/package.json")), "..", "..");
      mkdirSync(join(cwd, "node_modules"));
      for (const name of readdirSync(modules)) {
        if (name === "@tensorflow") hardLinkTree(realpathSync(join(modules, name)), join(cwd, "node_modules", name));
        else if (!name.startsWith(".")) symlinkSync(join(modules, name), join(cwd, "node_modules", name));
      }
      kernel = await startKernel({ cwd });
    });
    after(async () => {
      await kernel.shutdown();
      rmSync(cwd, { recursive: true, force: true });
    });

    test("the import still resolves to the kernel's copy, with no 'already registered' warnings", async () => {
      await runAll(kernel);
    });
  });
});
