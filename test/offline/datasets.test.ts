import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Dataset, DatasetError, DatasetFileError, RecordingVectorEnv, make, toParquet, recordDataset, saveParquet, loadParquet, saveHDF5, loadHDF5, displaySymbol, type VectorEnv } from "../../src/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "rlbook-offline-"));
const FIELDS = ["observations", "actions", "rewards", "nextObservations", "terminals", "timeouts"] as const;

function sameBits(a: Dataset, b: Dataset): void {
  assert.equal(a.obsDim, b.obsDim);
  assert.equal(a.actDim, b.actDim);
  for (const f of FIELDS) {
    const x = a[f];
    const y = b[f];
    assert.equal(x.constructor, y.constructor, f);
    assert.ok(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)), `${f} differs`);
  }
}

test("recordDataset: transitions chain within episodes, flags follow Gymnasium's terminated / truncated", () => {
  // CartPole with a 30-step TimeLimit and a policy that always pushes right: falls in ~10 steps (terminal).
  const ds = recordDataset(make("CartPole-v1", { maxEpisodeSteps: 30 }), () => 1, { episodes: 3, seed: 4 });
  assert.equal(ds.episodes().length, 3);
  for (const e of ds.episodes()) {
    assert.ok(e.finished);
    for (let i = e.start; i + 1 < e.end; i++) assert.deepEqual(ds.nextObservations.subarray(i * 4, i * 4 + 4), ds.observations.subarray((i + 1) * 4, (i + 2) * 4));
    assert.equal(ds.terminals[e.end - 1], 1);
    assert.equal(e.return, e.length); // reward 1 per step
  }
  // A balancing policy (push toward the pole's lean) survives 30 steps: a timeout, not a terminal.
  const bal = recordDataset(make("CartPole-v1", { maxEpisodeSteps: 30 }), (o) => (o[2] + 0.5 * o[3] > 0 ? 1 : 0), { episodes: 2, seed: 1 });
  assert.deepEqual(bal.episodes().map((e) => e.length), [30, 30]);
  assert.equal(bal.timeouts[29], 1);
  assert.equal(bal.terminals[29], 0);
  // steps: the last episode is cut and left unfinished.
  const cut = recordDataset(make("Pendulum-v1"), "random", { steps: 250, seed: 2 });
  assert.equal(cut.size, 250);
  assert.deepEqual(cut.episodes().map((e) => [e.length, e.finished]), [[200, true], [50, false]]);
});

test("recordDataset: epsilon, Gaussian action noise and mixtures of policies", () => {
  const greedy = recordDataset(make("CartPole-v1"), () => 0, { steps: 400, seed: 1, epsilon: 0.5 });
  const ones = greedy.actions.reduce((a, b) => a + b, 0) / greedy.size;
  // Actions 1 come only from the random half, which picks 1 half the time: ~0.25.
  assert.ok(ones > 0.18 && ones < 0.32, `fraction of action 1: ${ones}`);
  const noisy = recordDataset(make("Pendulum-v1"), () => [0], { steps: 400, seed: 1, actionNoise: 0.1 });
  let s2 = 0;
  for (const a of noisy.actions) s2 += a * a;
  // std 0.1 of the half range 2 -> 0.2
  assert.ok(Math.abs(Math.sqrt(s2 / noisy.size) - 0.2) < 0.03);
  const mix = recordDataset(make("CartPole-v1"), [() => 0, () => 1], { episodes: 40, seed: 3, weights: [1, 3] });
  const firstActions = mix.episodes().map((e) => mix.actions[e.start]);
  const share = firstActions.filter((a) => a === 1).length / firstActions.length;
  assert.ok(share > 0.5 && share < 0.95, `share of the second policy's episodes: ${share}`);
  for (const e of mix.episodes()) for (let i = e.start; i < e.end; i++) assert.equal(mix.actions[i], mix.actions[e.start]);
});

test("Parquet and HDF5 (D4RL and Minari layouts) round trips are bit for bit", async () => {
  const ds = recordDataset(make("Pendulum-v1"), "random", { steps: 450, seed: 7, name: "random" });
  saveParquet(ds, path.join(dir, "p.parquet"));
  sameBits(ds, loadParquet(path.join(dir, "p.parquet")));
  await saveHDF5(ds, path.join(dir, "d4rl.hdf5"));
  const h = await loadHDF5(path.join(dir, "d4rl.hdf5"));
  sameBits(ds, h);
  assert.equal(h.meta.envId, "Pendulum-v1");
  assert.equal(h.meta.policy, "random");
  await saveHDF5(ds, path.join(dir, "minari.hdf5"), { layout: "minari" });
  sameBits(ds, await loadHDF5(path.join(dir, "minari.hdf5")));
  // Discrete actions too.
  const cp = recordDataset(make("CartPole-v1"), "random", { steps: 300, seed: 1 });
  await saveHDF5(cp, path.join(dir, "cp.hdf5"));
  sameBits(cp, await loadHDF5(path.join(dir, "cp.hdf5")));
});

test("loadHDF5 reads a file written directly in D4RL's layout (no next_observations, bool flags, float64 rewards, infos/)", async () => {
  // Written with h5wasm's own API, not saveHDF5: the arrays d4rl's gym-mujoco files hold.
  const h5 = (await import("h5wasm/node")).default;
  await h5.ready;
  const file = path.join(dir, "hopper-like.hdf5");
  const f = new h5.File(file, "w");
  const N = 7;
  const obs = Float32Array.from({ length: N * 2 }, (_, i) => i * 0.5);
  f.create_dataset({ name: "observations", data: obs, shape: [N, 2], dtype: "<f" });
  f.create_dataset({ name: "actions", data: Float32Array.from({ length: N }, (_, i) => -i), shape: [N, 1], dtype: "<f" });
  f.create_dataset({ name: "rewards", data: Float64Array.from({ length: N }, (_, i) => i + 0.25), shape: [N], dtype: "<d" });
  // Episode A: rows 0-2, ends terminal at 2. Episode B: rows 3-5, timeout at 5. Row 6 starts episode C (cut).
  f.create_dataset({ name: "terminals", data: Int8Array.from([0, 0, 1, 0, 0, 0, 0]), shape: [N], dtype: "<b" });
  f.create_dataset({ name: "timeouts", data: Int8Array.from([0, 0, 0, 0, 0, 1, 0]), shape: [N], dtype: "<b" });
  f.create_group("infos");
  (f.get("infos") as InstanceType<typeof h5.Group>).create_dataset({ name: "qpos", data: Float64Array.from({ length: N }, (_, i) => 10 + i), shape: [N] });
  f.close();
  const ds = await loadHDF5(file);
  // d4rl.qlearning_dataset: keep row i when terminal, or when neither a timeout nor the last row;
  // next_obs = obs[i + 1]. Kept rows: 0, 1, 2 (terminal), 3, 4 (5 is a timeout, 6 is last).
  assert.equal(ds.size, 5);
  assert.deepEqual(Array.from(ds.rewards), [0.25, 1.25, 2.25, 3.25, 4.25]);
  assert.deepEqual(Array.from(ds.actions), [-0, -1, -2, -3, -4]);
  // Row 2 is terminal: its next observation is never bootstrapped from; rlbook stores the row's own.
  assert.deepEqual(Array.from(ds.nextObservations), [1, 1.5, 2, 2.5, 2, 2.5, 4, 4.5, 5, 5.5]);
  assert.deepEqual(Array.from(ds.terminals), [0, 0, 1, 0, 0]);
  assert.deepEqual(Array.from(ds.timeouts), [0, 0, 0, 0, 1]);
  assert.deepEqual(Array.from(ds.meta.infos!.qpos), [10, 11, 12, 13, 14]);
  assert.deepEqual(ds.episodes().map((e) => e.length), [3, 2]);
});

test("RecordingVectorEnv records a vector env's real transitions (D4RL medium-replay) with episodes contiguous", () => {
  const inner = make("CartPole-v1", { numEnvs: 3, maxEpisodeSteps: 20 }) as VectorEnv;
  const rec = new RecordingVectorEnv(inner);
  rec.reset({ seed: 5 });
  let steps = 0;
  for (let t = 0; t < 50; t++) {
    const r = rec.step(Int32Array.from([t % 2, 1, 0]));
    const auto = r.info.autoreset;
    for (let i = 0; i < 3; i++) if (!(auto && auto[i])) steps++;
  }
  const ds = rec.dataset({ name: "medium-replay" });
  assert.equal(ds.size, steps);
  for (const e of ds.episodes()) {
    assert.ok(e.finished);
    for (let i = e.start; i + 1 < e.end; i++) assert.deepEqual(ds.nextObservations.subarray(i * 4, i * 4 + 4), ds.observations.subarray((i + 1) * 4, (i + 2) * 4), `row ${i}`);
  }
});

test("bad input: empty, NaN, mismatched lengths, wrong types, mismatched spaces", () => {
  const arrays = (n: number) => ({ observations: new Float32Array(n * 2), actions: new Float32Array(n), rewards: new Float32Array(n), nextObservations: new Float32Array(n * 2), terminals: new Uint8Array(n), timeouts: new Uint8Array(n) });
  assert.throws(() => new Dataset(arrays(0), { obsDim: 2, actDim: 1 }), (e: Error) => e instanceof DatasetError && /empty/.test(e.message));
  const nan = arrays(3);
  nan.rewards[1] = NaN;
  assert.throws(() => new Dataset(nan, { obsDim: 2, actDim: 1 }), /"rewards": row 1 holds NaN/);
  const short = { ...arrays(3), actions: new Float32Array(2) };
  assert.throws(() => new Dataset(short, { obsDim: 2, actDim: 1 }), /"actions": has 2 numbers, expected 3/);
  const typed = { ...arrays(3), terminals: [0, 0, 1] as unknown as Uint8Array };
  assert.throws(() => new Dataset(typed, { obsDim: 2, actDim: 1 }), /"terminals": expected a Uint8Array/);
  const missing = { ...arrays(3), nextObservations: undefined as unknown as Float32Array };
  assert.throws(() => new Dataset(missing, { obsDim: 2, actDim: 1 }), /"next_observations": expected a Float32Array, got nothing \(the field is missing\)/);
  const mc = recordDataset(make("MountainCar-v0"), "random", { steps: 20 });
  const pend = make("Pendulum-v1");
  assert.throws(() => mc.checkSpaces(pend.observationSpace, pend.actionSpace), /"observations": holds 2 numbers per row but the env observes Box.*"MountainCar-v0"/);
  const cp = make("CartPole-v1");
  const bigAction = recordDataset(make("Acrobot-v1"), () => 2, { steps: 5 });
  const fake = new Dataset({ ...bigAction, observations: new Float32Array(5 * 4), nextObservations: new Float32Array(5 * 4) }, { obsDim: 4, actDim: 1 });
  assert.throws(() => fake.checkSpaces(cp.observationSpace, cp.actionSpace), /"actions": row 0 holds 2, not an action of Discrete\(2\)/);
});

test("bad files: missing, corrupt, truncated, missing and mistyped fields name the file and field", async () => {
  const ds = recordDataset(make("CartPole-v1"), "random", { steps: 50, seed: 1 });
  await assert.rejects(loadHDF5(path.join(dir, "nope.hdf5")), (e: Error) => e instanceof DatasetFileError && /nope\.hdf5: no such file/.test(e.message));
  writeFileSync(path.join(dir, "junk.hdf5"), "not hdf5 at all");
  await assert.rejects(loadHDF5(path.join(dir, "junk.hdf5")), /junk\.hdf5: is not an HDF5 file/);
  await saveHDF5(ds, path.join(dir, "whole.hdf5"));
  const bytes = readFileSync(path.join(dir, "whole.hdf5"));
  writeFileSync(path.join(dir, "cut.hdf5"), bytes.subarray(0, Math.floor(bytes.length / 3)));
  await assert.rejects(loadHDF5(path.join(dir, "cut.hdf5")), (e: Error) => e instanceof DatasetFileError && /cut\.hdf5/.test(e.message));
  const h5 = (await import("h5wasm/node")).default;
  await h5.ready;
  const f = new h5.File(path.join(dir, "norewards.hdf5"), "w");
  f.create_dataset({ name: "observations", data: new Float32Array(8), shape: [4, 2], dtype: "<f" });
  f.create_dataset({ name: "actions", data: new Float32Array(4), shape: [4, 1], dtype: "<f" });
  f.create_dataset({ name: "terminals", data: ["a", "b", "c", "d"] });
  f.close();
  await assert.rejects(loadHDF5(path.join(dir, "norewards.hdf5")), /norewards\.hdf5: has no dataset "rewards"/);
  const g = new h5.File(path.join(dir, "strflags.hdf5"), "w");
  g.create_dataset({ name: "observations", data: new Float32Array(8), shape: [4, 2], dtype: "<f" });
  g.create_dataset({ name: "actions", data: new Float32Array(4), shape: [4, 1], dtype: "<f" });
  g.create_dataset({ name: "rewards", data: new Float32Array(4), shape: [4], dtype: "<f" });
  g.create_dataset({ name: "terminals", data: ["a", "b", "c", "d"] });
  g.close();
  await assert.rejects(loadHDF5(path.join(dir, "strflags.hdf5")), /strflags\.hdf5: dataset "terminals" has type .*not numbers/);
  const n = new h5.File(path.join(dir, "nan.hdf5"), "w");
  n.create_dataset({ name: "observations", data: Float32Array.from([0, 0, NaN, 0]), shape: [2, 2], dtype: "<f" });
  n.create_dataset({ name: "actions", data: new Float32Array(2), shape: [2, 1], dtype: "<f" });
  n.create_dataset({ name: "rewards", data: new Float32Array(2), shape: [2], dtype: "<f" });
  n.create_dataset({ name: "next_observations", data: new Float32Array(4), shape: [2, 2], dtype: "<f" });
  n.create_dataset({ name: "terminals", data: new Uint8Array(2), shape: [2], dtype: "<B" });
  n.create_dataset({ name: "timeouts", data: new Uint8Array(2), shape: [2], dtype: "<B" });
  n.close();
  await assert.rejects(loadHDF5(path.join(dir, "nan.hdf5")), /nan\.hdf5: Dataset field "observations": row 1 holds NaN/);
  toParquet([{ observations_0: 0, actions_0: 1, next_observations_0: 0, terminals: 0, timeouts: 1 }], path.join(dir, "norewards.parquet"));
  assert.throws(() => loadParquet(path.join(dir, "norewards.parquet")), /norewards\.parquet: has no "rewards" column \(columns: observations_0, actions_0, next_observations_0, terminals, timeouts\)/);
  toParquet([{ observations_0: 0, actions_0: "left", rewards: 1, next_observations_0: 0, terminals: 0, timeouts: 1 }], path.join(dir, "strings.parquet"));
  assert.throws(() => loadParquet(path.join(dir, "strings.parquet")), /strings\.parquet: column "actions_0" has type String/);
  writeFileSync(path.join(dir, "junk.parquet"), "PAR1 garbage");
  assert.throws(() => loadParquet(path.join(dir, "junk.parquet")), /junk\.parquet: is not a readable Parquet file/);
  saveParquet(ds, path.join(dir, "ok.parquet"));
  const pq = readFileSync(path.join(dir, "ok.parquet"));
  writeFileSync(path.join(dir, "half.parquet"), pq.subarray(0, pq.length >> 1));
  assert.throws(() => loadParquet(path.join(dir, "half.parquet")), /half\.parquet: is not a readable Parquet file/);
});

test("a dataset displays its summary, a return histogram and (2-D observations) the states visited", async () => {
  const ds = recordDataset(make("MountainCar-v0"), "random", { steps: 600, seed: 1, name: "random" });
  const b = (await ds[displaySymbol]()) as { data: Record<string, unknown> };
  assert.match(String(b.data["text/plain"]), /Dataset\(MountainCar-v0, random, 600 transitions, 3 episodes \(3 finished\)/);
  const spec = JSON.stringify(b.data["application/vnd.vegalite.v5+json"]);
  assert.match(spec, /episode returns/);
  assert.match(spec, /states visited/);
  assert.ok(b.data["image/png"]);
});

test("bad files, continued: zero-row Parquet and HDF5 files, NaN in a Parquet column, a loaded file whose spaces do not match the env", async () => {
  toParquet([], path.join(dir, "empty.parquet"));
  // An empty frame has no columns at all, so the first missing column is what is reported; with columns but no rows, the emptiness.
  assert.throws(() => loadParquet(path.join(dir, "empty.parquet")), (e: Error) => e instanceof DatasetFileError && /empty\.parquet/.test(e.message));
  const ds = recordDataset(make("CartPole-v1"), "random", { steps: 20, seed: 1 });
  saveParquet(ds, path.join(dir, "full.parquet"));
  const pl = (await import("nodejs-polars")).default;
  pl.readParquet(path.join(dir, "full.parquet")).head(0).writeParquet(path.join(dir, "zero.parquet"));
  assert.throws(() => loadParquet(path.join(dir, "zero.parquet")), (e: Error) => e instanceof DatasetFileError && /zero\.parquet: .*empty/.test(e.message));
  const withNaN = pl.readParquet(path.join(dir, "full.parquet")).withColumn(pl.lit(NaN).alias("rewards"));
  withNaN.writeParquet(path.join(dir, "nan.parquet"));
  assert.throws(() => loadParquet(path.join(dir, "nan.parquet")), (e: Error) => e instanceof DatasetFileError && /nan\.parquet: Dataset field "rewards": row 0 holds NaN/.test(e.message));
  const h5 = (await import("h5wasm/node")).default;
  await h5.ready;
  const f = new h5.File(path.join(dir, "zero.hdf5"), "w");
  f.create_dataset({ name: "observations", data: new Float32Array(0), shape: [0, 4], dtype: "<f" });
  f.create_dataset({ name: "actions", data: new Float32Array(0), shape: [0, 1], dtype: "<f" });
  f.create_dataset({ name: "rewards", data: new Float32Array(0), shape: [0], dtype: "<f" });
  f.create_dataset({ name: "terminals", data: new Uint8Array(0), shape: [0], dtype: "<B" });
  f.create_dataset({ name: "timeouts", data: new Uint8Array(0), shape: [0], dtype: "<B" });
  f.close();
  await assert.rejects(loadHDF5(path.join(dir, "zero.hdf5")), (e: Error) => e instanceof DatasetFileError && /zero\.hdf5: .*empty/.test(e.message));
  // A CartPole file handed to a Pendulum learner: the spaces check names the field and both shapes.
  await saveHDF5(ds, path.join(dir, "cartpole.hdf5"));
  const back = await loadHDF5(path.join(dir, "cartpole.hdf5"));
  const pend = make("Pendulum-v1");
  assert.throws(() => back.checkSpaces(pend.observationSpace, pend.actionSpace), (e: Error) => e instanceof DatasetError && /"observations": holds 4 numbers per row but the env observes Box/.test(e.message));
});
