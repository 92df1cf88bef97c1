import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { backend } from "../../src/nn/backend.js";
import { PPO } from "../../src/algos/ppo.js";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "../../src/nn/checkpoint.js";
import { train } from "../../src/train/train.js";

const cartpole = (n: number) => make("CartPole-v1", { numEnvs: n }) as VectorEnv;

/** Runs `f` with console.warn captured; returns the warnings. */
async function captureWarnings(f: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(" "));
  try {
    await f();
  } finally {
    console.warn = orig;
  }
  return warnings;
}

/** The pid of a process that has exited (so no save with that pid can be in progress). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((res) => child.on("exit", res));
  return child.pid!;
}

async function trainedPPO(): Promise<PPO> {
  await backend("wasm");
  const a = new PPO(cartpole(2), { nSteps: 16, batchSize: 32, seed: 3 });
  await train(a, { steps: 64 });
  return a;
}

test("checkpoint: every byte is verified; a hand-edited checkpoint.json, a flipped weight byte, a missing digest are rejected", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-ck-"));
  try {
    const a = await trainedPPO();
    const ck = path.join(dir, "ck");
    const pristine = path.join(dir, "pristine");
    await a.save(ck);
    await cp(ck, pristine, { recursive: true });
    const restore = async () => {
      await rm(ck, { recursive: true });
      await cp(pristine, ck, { recursive: true });
    };
    // The round trip works and the digest file is sha256sum's format.
    assert.equal((await PPO.load(ck, cartpole(2))).numTimesteps, a.numTimesteps);
    assert.match(await readFile(path.join(ck, "checkpoint.sha256"), "utf8"), /^[0-9a-f]{64} {2}checkpoint\.json\n$/);

    // A hand edit of numTimesteps (still valid JSON, all other files intact).
    const headFile = path.join(ck, "checkpoint.json");
    const head = JSON.parse(await readFile(headFile, "utf8"));
    head.meta.numTimesteps = 1_000_000;
    await writeFile(headFile, JSON.stringify(head, null, 1));
    await assert.rejects(PPO.load(ck, cartpole(2)), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.ok(e.message.includes(ck), "names the checkpoint");
      assert.match(e.message, /checkpoint\.json was modified or is corrupt/);
      assert.match(e.message, /Load an intact copy/);
      return true;
    });
    // Even a whitespace change is caught: the digest covers every byte.
    await restore();
    await writeFile(headFile, (await readFile(headFile, "utf8")) + " ");
    await assert.rejects(PPO.load(ck, cartpole(2)), /checkpoint\.json was modified or is corrupt/);

    // One flipped bit in a weight file.
    await restore();
    const wfile = path.join(ck, "actor", "weights.bin");
    const bytes = await readFile(wfile);
    bytes[bytes.length >> 1] ^= 0x01;
    await writeFile(wfile, bytes);
    await assert.rejects(PPO.load(ck, cartpole(2)), (e: unknown) => e instanceof CheckpointError && /actor\/weights\.bin is corrupt/.test(e.message));

    // The digest file removed (an edit that also deletes the checksum is not accepted).
    await restore();
    await rm(path.join(ck, "checkpoint.sha256"));
    await assert.rejects(PPO.load(ck, cartpole(2)), /checkpoint\.sha256 is missing/);
    await restore();
    await writeFile(path.join(ck, "checkpoint.sha256"), "garbage\n");
    await assert.rejects(PPO.load(ck, cartpole(2)), /checkpoint\.sha256 is corrupt/);

    // A version-1 checkpoint (written before checkpoint.sha256 existed) loads with a warning.
    await restore();
    const v1 = JSON.parse(await readFile(headFile, "utf8"));
    v1.version = 1;
    await writeFile(headFile, JSON.stringify(v1, null, 1));
    await rm(path.join(ck, "checkpoint.sha256"));
    let b: PPO | undefined;
    const warnings = await captureWarnings(async () => (b = await PPO.load(ck, cartpole(2))));
    assert.equal(b!.numTimesteps, a.numTimesteps);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /format version 1.*no checksum.*Save the agent again/);
    // ... and saving it again upgrades it: then an edit is caught.
    await b!.save(ck);
    assert.equal(JSON.parse(await readFile(headFile, "utf8")).version, 2);
    assert.deepEqual(await captureWarnings(() => PPO.load(ck, cartpole(2))), []);
    a.dispose();
    b!.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("checkpoint: leftovers of killed saves are removed on the next load and save; a live save's and other paths' are kept", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-ck-"));
  let sleeper: ReturnType<typeof spawn> | undefined;
  try {
    const ck = path.join(dir, "ck");
    const contents = (n: number) => ({ algo: "Test", config: {}, meta: { n }, networks: {}, arrays: { x: new Float32Array([n, n + 1]) } });
    await writeCheckpoint(ck, contents(1));
    const dead = await deadPid();
    // Dead saves' folders (named PID-RAND as before version 2; this host's HOST-PID-RAND names are
    // made for real by the kill -9 test below); a save in progress in this process; another
    // host's recent one; a sibling path's; folders that only look similar.
    const killed = [`ck.tmp-${dead}-0123abcd`, `ck.old-${dead}-89abcdef`];
    const live = `ck.tmp-${process.pid}-feedf00d`;
    // A save in progress in another live process on this host (a sleeping child stands in for it).
    sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    const liveOther = `ck.old-${sleeper.pid}-abcdef01`;
    const foreignFresh = `ck.tmp-someotherhost-${dead}-deadbeef`; // another host's: kept until an hour old
    const others = [`ck2.tmp-${dead}-0123abcd`, "ck.backup", `ck.tmp-notes`];
    for (const n of [...killed, live, liveOther, foreignFresh, ...others]) {
      await mkdir(path.join(dir, n));
      await writeFile(path.join(dir, n, "partial.bin"), "x");
    }
    const ckp = await readCheckpoint(ck);
    assert.deepEqual(ckp.meta, { n: 1 });
    const after = (await readdir(dir)).sort();
    assert.deepEqual(after, ["ck", live, liveOther, foreignFresh, ...others].sort(), "load removed exactly the dead saves' folders");
    // A save cleans up too.
    for (const n of killed) await mkdir(path.join(dir, n));
    await writeCheckpoint(ck, contents(2));
    assert.deepEqual((await readdir(dir)).sort(), after);
    assert.deepEqual((await readCheckpoint(ck)).meta, { n: 2 });
    // Once that process is gone, its folder goes on the next load.
    const gone = new Promise((res) => sleeper!.on("exit", res));
    sleeper.kill("SIGKILL");
    await gone;
    await readCheckpoint(ck);
    assert.deepEqual((await readdir(dir)).sort(), after.filter((n) => n !== liveOther));
  } finally {
    sleeper?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
});

test("checkpoint: a save killed between its two renames is recovered by the next load", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-ck-"));
  try {
    const ck = path.join(dir, "ck");
    const contents = (n: number) => ({ algo: "Test", config: {}, meta: { n }, networks: {}, arrays: { x: new Float32Array([n]) } });
    // The state such a kill leaves: the old checkpoint moved aside, the new one complete in tmp.
    const dead = await deadPid();
    await writeCheckpoint(path.join(dir, "old"), contents(1));
    await writeCheckpoint(path.join(dir, "new"), contents(2));
    await rename(path.join(dir, "old"), path.join(dir, `ck.old-${dead}-11111111`));
    await rename(path.join(dir, "new"), path.join(dir, `ck.tmp-${dead}-11111111`));
    let loaded: Awaited<ReturnType<typeof readCheckpoint>> | undefined;
    const warnings = await captureWarnings(async () => (loaded = await readCheckpoint(ck)));
    assert.deepEqual(loaded!.meta, { n: 2 }, "the newer, complete checkpoint is the one moved into place");
    assert.match(warnings.join("\n"), /killed before it finished; moved the complete checkpoint it left in ck\.tmp-/);
    assert.deepEqual(await readdir(dir), ["ck"]);
    // An incomplete tmp (killed while writing) is never moved into place: the old one is.
    await rename(ck, path.join(dir, `ck.old-${dead}-22222222`));
    await mkdir(path.join(dir, `ck.tmp-${dead}-22222222`));
    await writeFile(path.join(dir, `ck.tmp-${dead}-22222222`, "arrays.bin"), "half");
    await captureWarnings(async () => (loaded = await readCheckpoint(ck)));
    assert.deepEqual(loaded!.meta, { n: 2 });
    assert.deepEqual(await readdir(dir), ["ck"]);
    // Nothing to recover: the plain error.
    await rm(ck, { recursive: true });
    await assert.rejects(readCheckpoint(ck), /no checkpoint\.json here/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("checkpoint: kill -9 during saves always leaves a loadable checkpoint, and the next load removes the leftovers", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-ck-"));
  const child = fileURLToPath(new URL("./checkpoint-child.js", import.meta.url));
  try {
    const ck = path.join(dir, "ck");
    let leftoversSeen = 0;
    for (let round = 0; round < 4; round++) {
      const p = spawn(process.execPath, [child, ck], { env: { ...process.env, RLBOOK_CHECKPOINT_CHILD: "1" }, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      // Wait for a save or two, then kill at a moment that differs per round.
      await new Promise<void>((res, rej) => {
        p.stdout!.on("data", (d) => {
          out += String(d);
          if ((out.match(/saved/g) ?? []).length >= 1 + (round % 2)) res();
        });
        p.on("exit", (code) => rej(new Error(`checkpoint child exited early (${code}): ${out}`)));
      });
      await new Promise((res) => setTimeout(res, 5 + 17 * round));
      p.removeAllListeners("exit");
      const exited = new Promise((res) => p.on("exit", res));
      p.kill("SIGKILL");
      await exited;
      const before = (await readdir(dir)).filter((n) => n !== "ck");
      leftoversSeen += before.length;
      assert.ok(before.every((n) => /^ck\.(tmp|old)-[A-Za-z0-9]+-\d+-[0-9a-f]{8}$/.test(n)), `unexpected entries ${before}`);
      const loaded = await readCheckpoint(ck);
      const n = loaded.meta.n as number;
      const big = loaded.arrays.big as Float32Array;
      assert.equal(big.length, 2_000_000);
      assert.ok(big[0] === n && big[big.length - 1] === n, `checkpoint ${n} holds data of another save`);
      assert.deepEqual(await readdir(dir), ["ck"], `round ${round}: leftovers ${before} not removed`);
    }
    console.log(`kill -9 rounds left ${leftoversSeen} leftover folders, all removed by the next load`);
    assert.ok(leftoversSeen > 0, "no kill landed mid-save: the test did not exercise the cleanup");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("checkpoint: saving into a folder that holds other files is refused (it would delete them); an empty folder or an old checkpoint is fine", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-ck-"));
  try {
    const contents = { algo: "Test", config: {}, meta: {}, networks: {}, arrays: {} };
    const results = path.join(dir, "results");
    await mkdir(results);
    await writeFile(path.join(results, "important.csv"), "a,b\n");
    await assert.rejects(writeCheckpoint(results, contents), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.match(e.message, /results: is a folder that is not a checkpoint \(it holds important\.csv and no checkpoint\.json\); saving replaces the whole folder, so it would delete them\. Save to a new or empty folder, e\.g\. .*results\/checkpoint/);
      return true;
    });
    assert.deepEqual(await readdir(results), ["important.csv"], "nothing was touched");
    await assert.rejects(writeCheckpoint(path.join(results, "important.csv"), contents), /is a file, not a folder/);
    await assert.rejects(writeCheckpoint("", contents), /dir must be a folder path, got ""/);
    await writeCheckpoint(path.join(dir, "ck"), contents);
    await assert.rejects(readCheckpoint(path.join(dir, "ck", "checkpoint.json")), /checkpoint\.json: is a file, not a checkpoint folder; pass the folder that holds checkpoint\.json \(.*ck\)/);
    await rm(path.join(dir, "ck"), { recursive: true });
    const empty = path.join(dir, "empty");
    await mkdir(empty);
    await writeCheckpoint(empty, contents);
    await writeCheckpoint(empty, contents); // over a checkpoint
    assert.deepEqual((await readdir(dir)).sort(), ["empty", "results"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
