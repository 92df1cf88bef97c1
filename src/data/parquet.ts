/** Parquet files for histories and datasets: write records or a DataFrame, read a DataFrame back. */
import { mkdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { displayable, isDataFrame, pl, toDataFrame, type DataFrame } from "./frame.js";

export interface ParquetWriteOptions {
  /** Compression codec (default "zstd"). */
  compression?: "uncompressed" | "snappy" | "gzip" | "lzo" | "brotli" | "lz4" | "zstd";
}

/**
 * Writes records (a history, a dataset) or a DataFrame to a Parquet file, creating its folder;
 * the file appears complete or not at all (written to a temporary name, then renamed).
 */
export function toParquet(data: DataFrame | readonly Record<string, unknown>[], path: string, options: ParquetWriteOptions = {}): DataFrame {
  const df = isDataFrame(data) ? data : toDataFrame(data);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  df.writeParquet(tmp, { compression: options.compression ?? "zstd" });
  renameSync(tmp, path);
  return df;
}

/** Reads a Parquet file (path or bytes) into a DataFrame that displays as a table. */
export function readParquet(source: string | Uint8Array): DataFrame {
  const arg = typeof source === "string" ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  return displayable(pl().readParquet(arg));
}
