/**
 * Data frames (nodejs-polars) for what training produces: histories (one row per metric
 * record) and evaluation results (one row per episode). A frame made here displays in a
 * notebook as an HTML table of its head and tail with its shape and column dtypes, and a
 * text/plain fallback.
 *
 * nodejs-polars loads on first use (about 0.4 s), so importing rlbook stays quick.
 */
import { createRequire } from "node:module";
import type * as Polars from "nodejs-polars";
import { displaySymbol, type MimeBundle } from "../display.js";

export type DataFrame = Polars.DataFrame;
type PolarsModule = typeof Polars.default;

let polars: PolarsModule | undefined;
/** The nodejs-polars module (loaded on first use). */
export function pl(): PolarsModule {
  if (!polars) {
    const mod = createRequire(import.meta.url)("nodejs-polars") as PolarsModule & { default?: PolarsModule };
    polars = mod.default ?? mod;
  }
  return polars;
}

/** True for a nodejs-polars DataFrame. */
export function isDataFrame(x: unknown): x is DataFrame {
  return !!x && typeof x === "object" && typeof (x as DataFrame).toRecords === "function" && typeof (x as DataFrame).writeParquet === "function" && Array.isArray((x as DataFrame).columns);
}

/** Column types a record field may have. */
type Kind = "int" | "float" | "string" | "bool" | "empty";

/**
 * A DataFrame from records. Columns appear in the order fields are first seen; a field missing
 * from some records is null there (e.g. `evalMeanReturn`, present only where an evaluation ran).
 * Numbers are Float64 (Int64 when every value is a safe integer), NaN kept as NaN; strings,
 * booleans as such; other values as their JSON text.
 */
export function toDataFrame(records: readonly Record<string, unknown>[]): DataFrame {
  const P = pl();
  if (!Array.isArray(records)) throw new TypeError("toDataFrame: expected an array of records");
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), names.push(k));
  const series = names.map((name) => {
    const col = records.map((r) => r[name]);
    let kind: Kind = "empty";
    for (const v of col) {
      if (v === undefined || v === null) continue;
      const k: Kind = typeof v === "number" ? (Number.isSafeInteger(v) ? "int" : "float") : typeof v === "boolean" ? "bool" : "string";
      kind = kind === "empty" ? k : kind === k ? kind : (kind === "int" && k === "float") || (kind === "float" && k === "int") ? "float" : "string";
    }
    const missing = (v: unknown) => v === undefined || v === null;
    switch (kind) {
      case "int":
        return P.Series(name, col.map((v) => (missing(v) ? null : v)), P.Int64);
      case "float":
      case "empty":
        return P.Series(name, col.map((v) => (missing(v) ? null : v)), P.Float64);
      case "bool":
        return P.Series(name, col.map((v) => (missing(v) ? null : v)), P.Bool);
      case "string":
        return P.Series(name, col.map((v) => (missing(v) ? null : typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v))), P.String);
    }
  });
  return displayable(P.DataFrame(series));
}

/**
 * A training history as a DataFrame: one row per metric record of `train` (step, iteration,
 * time, fps, episodeReturn, episodeLength, episodes, losses, eval columns where evaluated).
 * Accepts the records or the run itself (its history so far).
 */
export function historyFrame(history: readonly Record<string, unknown>[] | { history: readonly object[] }): DataFrame {
  const records = Array.isArray(history) ? history : (history as { history: readonly object[] }).history;
  return toDataFrame(records as Record<string, unknown>[]);
}

/** What `evaluate` returns (only the fields this module reads). */
export interface EvaluationLike {
  returns: readonly number[];
  lengths: readonly number[];
}

/**
 * Evaluation results as a DataFrame, one row per episode: `evaluationFrame(result)` or, for
 * several agents, `evaluationFrame({PPO: r1, A2C: r2})` with an `agent` column.
 */
export function evaluationFrame(results: EvaluationLike | Readonly<Record<string, EvaluationLike>>): DataFrame {
  const single = Array.isArray((results as EvaluationLike).returns);
  const entries: [string | undefined, EvaluationLike][] = single ? [[undefined, results as EvaluationLike]] : Object.entries(results as Record<string, EvaluationLike>);
  const rows: Record<string, unknown>[] = [];
  for (const [name, r] of entries) {
    r.returns.forEach((ret, i) => rows.push({ ...(name === undefined ? {} : { agent: name }), episode: i, return: ret, length: r.lengths[i] }));
  }
  return toDataFrame(rows);
}

const SHORT: Record<string, string> = {
  Int8: "i8", Int16: "i16", Int32: "i32", Int64: "i64", UInt8: "u8", UInt16: "u16", UInt32: "u32", UInt64: "u64",
  Float32: "f32", Float64: "f64", Bool: "bool", String: "str", Utf8: "str", Date: "date", Datetime: "datetime", Null: "null",
};

/** polars' short dtype name ("f64", "str", ...). */
export function dtypeName(dtype: unknown): string {
  const m = /DataType\((\w+)/.exec(String(dtype));
  const name = m ? m[1] : String(dtype);
  return SHORT[name] ?? name.toLowerCase();
}

const escapeHTML = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function cell(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export interface FrameDisplayOptions {
  /** Rows shown from the top (default 5) and the bottom (default 5); all rows if the frame has at most head + tail. */
  head?: number;
  tail?: number;
}

/** The notebook bundle of a DataFrame: an HTML table (head, tail, shape, dtypes) and text/plain. */
export function frameBundle(df: DataFrame, options: FrameDisplayOptions = {}): MimeBundle {
  const head = options.head ?? 5;
  const tail = options.tail ?? 5;
  const [rows, cols] = [df.height, df.width];
  const all = rows <= head + tail;
  return tableBundle({
    caption: `shape: (${rows}, ${cols})`,
    columns: df.columns,
    dtypes: df.dtypes.map(dtypeName),
    rows: all ? df.toRecords() : df.head(head).toRecords(),
    tail: all ? undefined : df.tail(tail).toRecords(),
  });
}

/** What {@link tableBundle} shows. */
export interface TableContents {
  /** A line above the table (e.g. the shape). */
  caption: string;
  columns: readonly string[];
  /** A row of column types under the header. */
  dtypes?: readonly string[];
  rows: readonly Record<string, unknown>[];
  /** Rows shown after an ellipsis row (the bottom of a long frame). */
  tail?: readonly Record<string, unknown>[];
}

/** A table of records as a notebook bundle (HTML table and aligned text/plain), as DataFrames display. */
export function tableBundle(t: TableContents): MimeBundle {
  const names = t.columns;
  const dtypes = t.dtypes;
  const tr = (r: Record<string, unknown>) => `<tr>${names.map((n) => `<td>${escapeHTML(cell(r[n]))}</td>`).join("")}</tr>`;
  const html = [
    `<div class="rlbook-frame">`,
    `<small>${escapeHTML(t.caption)}</small>`,
    `<table class="dataframe">`,
    `<thead><tr>${names.map((n) => `<th>${escapeHTML(n)}</th>`).join("")}</tr>`,
    dtypes ? `<tr class="dtypes">${dtypes.map((d) => `<td><i>${escapeHTML(d)}</i></td>`).join("")}</tr>` : "",
    `</thead>`,
    `<tbody>${t.rows.map(tr).join("")}${t.tail ? `<tr class="ellipsis">${names.map(() => "<td>…</td>").join("")}</tr>${t.tail.map(tr).join("")}` : ""}</tbody>`,
    `</table>`,
    `</div>`,
  ].join("");
  // text/plain: the same rows as an aligned table.
  const body = [...t.rows.map((r) => names.map((n) => cell(r[n]))), ...(t.tail ? [names.map(() => "…"), ...t.tail.map((r) => names.map((n) => cell(r[n])))] : [])];
  const widths = names.map((n, j) => Math.max(n.length, dtypes?.[j].length ?? 0, ...body.map((r) => r[j].length)));
  const line = (cells: readonly string[]) => cells.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd();
  const text = [t.caption, line(names), ...(dtypes ? [line(dtypes)] : []), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
  return { "text/html": html, "text/plain": text };
}

/**
 * Makes a DataFrame display with {@link frameBundle} (head and tail, shape, dtypes). Frames that
 * rlbook returns already do; frames derived from them with polars operations show polars' own
 * HTML table (first rows) until passed through this again.
 */
export function displayable(df: DataFrame, options: FrameDisplayOptions = {}): DataFrame {
  Object.defineProperty(df, displaySymbol, { value: () => frameBundle(df, options), configurable: true, enumerable: false, writable: true });
  return df;
}
