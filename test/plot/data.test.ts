/** Data frames: histories and evaluations as DataFrames, their notebook table, Parquet round trips. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "../../kernel/format.js";
import { toDataFrame, historyFrame, evaluationFrame, frameBundle, displayable, polars, toParquet, readParquet } from "../../src/data/index.js";
import { learningCurve } from "../../src/plot/builders.js";

/** Records shaped like train()'s: NaN returns where no episode ended, eval fields on some rows. */
const history = Array.from({ length: 23 }, (_, i) => ({
  step: (i + 1) * 256,
  iteration: i,
  time: 0.05 * (i + 1),
  fps: 5000 + i,
  episodeReturn: i % 4 === 1 ? NaN : 10 + i * 2.5,
  episodeLength: i % 4 === 1 ? NaN : 10 + i,
  episodes: i % 4 === 1 ? 0 : 2,
  policyLoss: -0.01 * i,
  ...(i % 10 === 9 ? { evalMeanReturn: 100 + i, evalStdReturn: 3.5 } : {}),
}));

test("a history is a DataFrame: columns in order, Int64/Float64 dtypes, nulls where a field is absent", () => {
  const df = historyFrame({ history });
  assert.deepEqual(df.shape, { height: 23, width: 10 });
  assert.deepEqual(df.columns, ["step", "iteration", "time", "fps", "episodeReturn", "episodeLength", "episodes", "policyLoss", "evalMeanReturn", "evalStdReturn"]);
  assert.deepEqual(df.dtypes.map(String).slice(0, 3), ["DataType(Int64)", "DataType(Int64)", "DataType(Float64)"]);
  const rows = df.toRecords();
  assert.equal(rows[9].evalMeanReturn, 109);
  assert.equal(rows[0].evalMeanReturn, null);
  assert.ok(Number.isNaN(rows[1].episodeReturn as number));
  // polars works on it: mean of the finite returns.
  const P = polars();
  const mean = df.filter(P.col("episodeReturn").isNotNan()).getColumn("episodeReturn").mean();
  const finite = history.map((r) => r.episodeReturn).filter(Number.isFinite);
  assert.ok(Math.abs(mean - finite.reduce((a, b) => a + b, 0) / finite.length) < 1e-9);
  // Builders take frames.
  const spec = learningCurve(df).spec as unknown as { data: { values: unknown[] } };
  assert.equal(spec.data.values.length, finite.length);
  assert.throws(() => toDataFrame("nope" as never), /expected an array of records/);
});

test("a DataFrame displays as an HTML table of head and tail with shape and dtypes, and as text", async () => {
  const df = historyFrame(history);
  const formatted = await format(df);
  const html = formatted.data["text/html"] as string;
  assert.ok(html, "the kernel's format() uses the frame's bundle");
  assert.match(html, /<table class="dataframe">/);
  assert.match(html, /shape: \(23, 10\)/);
  assert.match(html, /<th>step<\/th><th>iteration<\/th>/);
  assert.match(html, /<td><i>i64<\/i><\/td><td><i>i64<\/i><\/td><td><i>f64<\/i><\/td>/);
  const bodyRows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr").length - 1;
  assert.equal(bodyRows, 5 + 1 + 5, "five head rows, an ellipsis row, five tail rows");
  assert.match(html, /<td>256<\/td>/, "first row");
  assert.match(html, /<td>5888<\/td>/, "last row (23 * 256)");
  assert.doesNotMatch(html, /<td>1536<\/td>/, "row 6 is elided");
  assert.match(html, /<td>NaN<\/td>/);
  assert.match(html, /<td>null<\/td>/);
  const text = formatted.data["text/plain"] as string;
  assert.match(text, /^shape: \(23, 10\)\nstep +iteration/);
  assert.equal(text.split("\n").length, 4 + 11);
  // Small frames show every row; HTML in values is escaped.
  const small = frameBundle(toDataFrame([{ name: "<b>x</b>", ok: true }, { name: "y", ok: null }]));
  assert.match(small["text/html"] as string, /&lt;b&gt;x&lt;\/b&gt;/);
  assert.match(small["text/html"] as string, /<td><i>str<\/i><\/td><td><i>bool<\/i><\/td>/);
  assert.doesNotMatch(small["text/html"] as string, /…/);
  // A frame derived with polars falls back to polars' own table until made displayable again.
  const derived = df.head(3);
  assert.doesNotMatch(String((await format(derived)).data["text/html"]), /shape:/);
  assert.match(String((await format(displayable(derived))).data["text/html"]), /shape: \(3, 10\)/);
});

test("evaluation results: one row per episode, per agent", () => {
  const df = evaluationFrame({ PPO: { returns: [500, 480], lengths: [500, 480] }, A2C: { returns: [200], lengths: [200] } });
  assert.deepEqual(df.toRecords(), [
    { agent: "PPO", episode: 0, return: 500, length: 500 },
    { agent: "PPO", episode: 1, return: 480, length: 480 },
    { agent: "A2C", episode: 0, return: 200, length: 200 },
  ]);
  assert.deepEqual(evaluationFrame({ returns: [1.5], lengths: [3] }).columns, ["episode", "return", "length"]);
});

test("Parquet round-trips histories (NaN, nulls, dtypes) and datasets, from a path or bytes", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlbook-parquet-"));
  const path = join(dir, "runs", "ppo.parquet");
  const written = toParquet(history, path);
  assert.deepEqual(readdirSync(join(dir, "runs")), ["ppo.parquet"], "no temporary file left behind");
  const back = readParquet(path);
  assert.ok(back.frameEqual(written, true), "same values (NaN and null included) and dtypes");
  assert.deepEqual(back.dtypes.map(String), written.dtypes.map(String));
  const rows = back.toRecords();
  for (let i = 0; i < history.length; i++) {
    for (const [k, v] of Object.entries(history[i])) assert.ok(Object.is(rows[i][k], v), `row ${i} ${k}`);
    if (!("evalMeanReturn" in history[i])) assert.equal(rows[i].evalMeanReturn, null);
  }
  // A dataset of transitions, with strings and booleans, read back from bytes.
  const transitions = Array.from({ length: 1000 }, (_, t) => ({ episode: Math.floor(t / 100), t: t % 100, obs0: Math.sin(t), action: t % 2, reward: 1, done: t % 100 === 99, env: "CartPole-v1" }));
  toParquet(transitions, join(dir, "data.parquet"), { compression: "snappy" });
  const bytes = readFileSync(join(dir, "data.parquet"));
  assert.deepEqual(readParquet(bytes).toRecords(), transitions);
  assert.match(String(frameBundle(readParquet(bytes))["text/html"]), /shape: \(1000, 7\)/);
});
