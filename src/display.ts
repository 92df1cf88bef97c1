/**
 * How rlbook objects show themselves in a notebook, without importing the kernel.
 *
 * An object displays itself by implementing a method under `displaySymbol`
 * (`Symbol.for("Jupyter.display")`, the symbol Deno's kernel uses) that returns a MIME
 * bundle, or a promise of one. The rlbook kernel's `format(value)` calls it.
 * Objects that update their own output (live charts, progress views) reach the kernel
 * through `kernelHooks()` (kernel-hooks.ts).
 */

/** A Jupyter MIME bundle: MIME type -> data (string for text and base64 images, JSON otherwise). */
export type MimeBundle = Record<string, unknown>;

/** Metadata that travels beside a bundle, keyed by MIME type (e.g. image width/height). */
export type MimeMetadata = Record<string, unknown>;

/**
 * What a display method may return: a bare bundle (every key a MIME type, so it contains
 * "/"), or `{data, metadata}` for a bundle with metadata (e.g. a 2x PNG's width/height).
 */
export type DisplayResult = MimeBundle | { data: MimeBundle; metadata?: MimeMetadata };

/** The method key an object implements to display itself. */
export const displaySymbol: unique symbol = Symbol.for("Jupyter.display") as never;

/** Anything with a rich representation. */
export interface Displayable {
  [displaySymbol](): DisplayResult | Promise<DisplayResult>;
}

/** True when `value` implements the display protocol. */
export function isDisplayable(value: unknown): value is Displayable {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as Record<symbol, unknown>)[displaySymbol] === "function"
  );
}
