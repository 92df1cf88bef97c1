/**
 * The kernel's one `format(value)`: every value that a cell shows (its result, `display(x)`)
 * becomes a MIME bundle here. Objects with a method under Symbol.for("Jupyter.display")
 * decide their own bundle (the protocol Deno's kernel uses); images in byte arrays are
 * recognized by their magic bytes; everything else is shown as Node's inspect() text.
 */
import { inspect } from "node:util";
import { displaySymbol, isDisplayable, type DisplayResult, type MimeBundle } from "../src/display.js";

export interface Formatted {
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

const inspectOptions = { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100, colors: false } as const;

/** The text Node's REPL would print for a value. */
export function plainText(value: unknown): string {
  // Async context tracking tags promises with symbol-keyed fields; they are noise to a reader.
  if (value instanceof Promise) return inspect(value, { ...inspectOptions, depth: 0, breakLength: Infinity }).replace(/,? \[Symbol\((async_id_symbol|trigger_async_id_symbol|kResourceStore)\)\]: [^,}]*?(?=,| })/g, "");
  return inspect(value, inspectOptions);
}

/** Formats a value; synchronous unless the value's display method returns a promise. */
export function format(value: unknown): Formatted | Promise<Formatted> {
  if (isDisplayable(value)) {
    let result: DisplayResult | Promise<DisplayResult>;
    try {
      result = value[displaySymbol]();
    } catch (error) {
      return displayFailed(value, error);
    }
    return result instanceof Promise ? result.then((r) => normalize(value, r), (error: unknown) => displayFailed(value, error)) : normalize(value, result);
  }
  if (value instanceof Uint8Array) {
    const image = imageType(value);
    if (image) return { data: { [image]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"), "text/plain": `<${image} image, ${value.byteLength} bytes>` }, metadata: {} };
  }
  if (value instanceof Error) return { data: { "text/plain": value.stack ?? String(value) }, metadata: {} };
  return { data: { "text/plain": plainText(value) }, metadata: {} };
}

function normalize(value: unknown, result: DisplayResult): Formatted {
  if (result === null || typeof result !== "object") return { data: { "text/plain": plainText(value) }, metadata: {} };
  const isBundle = Object.keys(result).some((k) => k.includes("/"));
  const { data, metadata } = isBundle ? { data: result as MimeBundle, metadata: {} } : (result as { data: MimeBundle; metadata?: Record<string, unknown> });
  const bundle = { ...data };
  // Every bundle keeps a text/plain fallback, as Jupyter front ends expect: the value as Node prints it.
  if (!("text/plain" in bundle)) bundle["text/plain"] = plainText(value);
  return { data: bundle, metadata: metadata ?? {} };
}

function displayFailed(value: unknown, error: unknown): Formatted {
  return { data: { "text/plain": `${plainText(value)}\n(its display method failed: ${(error as Error)?.message ?? error})` }, metadata: {} };
}

/** PNG, JPEG or GIF, by the file signature at the start of the bytes. */
function imageType(bytes: Uint8Array): string | undefined {
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "image/png";
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length > 6 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x38) return "image/gif";
  return undefined;
}

/** A value that displays as the given bundle (what display.html() and friends show). */
export function bundleOf(data: MimeBundle, metadata: Record<string, unknown> = {}): object {
  return { [Symbol.for("Jupyter.display")]: () => ({ data, metadata }) };
}
