/**
 * A Chart is a Vega-Lite 5 spec that shows itself. The spec is the source of truth: builders
 * (builders.ts) return Charts, and rendering turns the spec into SVG (vega + vega-lite, in the
 * kernel's process, no browser) and PNG (@resvg/resvg-js).
 *
 * In a notebook a Chart displays as the bundle JupyterLab and VS Code render live
 * (`application/vnd.vegalite.v5+json`), with a PNG at twice the chart's size for nbconvert and
 * GitHub (metadata width/height give the CSS size), and a text/plain line. There is no text/html
 * in the bundle: front ends prefer HTML, and it would hide the chart.
 */
import type * as Vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { displaySymbol, type DisplayResult } from "../display.js";

export type { TopLevelSpec } from "vega-lite";

/** The Vega-Lite schema every rlbook spec declares. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
/** The MIME type of a Vega-Lite 5 spec in a Jupyter bundle. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** A rendered PNG and the CSS size it is meant to be shown at (the pixels are `scale` times that). */
export interface RenderedPNG {
  png: Uint8Array;
  /** CSS pixels (the SVG's size). */
  width: number;
  height: number;
  scale: number;
}

// vega, vega-lite and resvg load on first use (together about a second), so that importing
// rlbook stays quick for code that never draws.
let renderer: Promise<{ vega: typeof Vega; compile: typeof import("vega-lite").compile; Resvg: typeof import("@resvg/resvg-js").Resvg; loader: Vega.Loader }> | undefined;
function loadRenderer() {
  renderer ??= (async () => {
    const [vega, vl, resvg] = await Promise.all([import("vega"), import("vega-lite"), import("@resvg/resvg-js")]);
    // A loader that refuses every URL: rlbook specs carry their data inline.
    const loader = vega.loader();
    loader.load = async (uri: string) => {
      throw new Error(`rlbook charts render offline and carry their data inline; the spec asks to load ${uri}`);
    };
    return { vega, compile: vl.compile, Resvg: resvg.Resvg, loader };
  })();
  return renderer;
}

/** Compiles a Vega-Lite spec to Vega; throws with vega-lite's message when the spec is invalid. */
export async function compileSpec(spec: TopLevelSpec): Promise<Vega.Spec> {
  const { compile } = await loadRenderer();
  return compile(spec).spec as Vega.Spec;
}

/** Renders a Vega-Lite spec to an SVG document (server-side, no browser). */
export async function renderSVG(spec: TopLevelSpec): Promise<string> {
  // Vega tags the data objects it ingests; render from a JSON copy (what a front end receives)
  // so that the spec stays as it was.
  const copy = JSON.parse(JSON.stringify(spec)) as TopLevelSpec;
  const { vega, compile, loader } = await loadRenderer();
  const view = new vega.View(vega.parse(compile(copy).spec as Vega.Spec), { renderer: "none", loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The CSS size an SVG document declares. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error("svgSize: the SVG declares no width/height");
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Rasterizes an SVG document at `scale` times its declared size. */
export async function rasterize(svg: string, scale = 2): Promise<RenderedPNG> {
  const { width, height } = svgSize(svg);
  const { Resvg } = await loadRenderer();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  const png = resvg.render().asPng();
  return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width, height, scale };
}

/** Renders a Vega-Lite spec to a PNG (default twice the chart's size, for sharp display). */
export async function renderPNG(spec: TopLevelSpec, scale = 2): Promise<RenderedPNG> {
  return await rasterize(await renderSVG(spec), scale);
}

/** Counts the data rows inline in a spec (top-level data and layers' data). */
export function countRows(spec: unknown): number {
  let n = 0;
  const visit = (s: unknown) => {
    if (!s || typeof s !== "object") return;
    const o = s as Record<string, unknown>;
    const data = o.data as { values?: unknown } | undefined;
    if (data && Array.isArray(data.values)) n += data.values.length;
    for (const key of ["layer", "hconcat", "vconcat", "concat"]) if (Array.isArray(o[key])) (o[key] as unknown[]).forEach(visit);
    if (o.spec) visit(o.spec);
  };
  visit(spec);
  return n;
}

/** A one-line description of a spec: its title and its marks. */
export function describeSpec(spec: TopLevelSpec): string {
  const s = spec as unknown as Record<string, unknown>;
  const text = typeof s.title === "string" ? s.title : (s.title as { text?: string | string[] } | undefined)?.text;
  const title = Array.isArray(text) ? text.join(" ") : text;
  const marks = new Set<string>();
  const visit = (x: unknown) => {
    if (!x || typeof x !== "object") return;
    const o = x as Record<string, unknown>;
    if (o.mark) marks.add(typeof o.mark === "string" ? o.mark : String((o.mark as { type?: string }).type));
    for (const key of ["layer", "hconcat", "vconcat", "concat"]) if (Array.isArray(o[key])) (o[key] as unknown[]).forEach(visit);
    if (o.spec) visit(o.spec);
  };
  visit(spec);
  return `Chart(${[title ? JSON.stringify(title) : undefined, [...marks].join("+") || undefined, `${countRows(spec)} rows`].filter(Boolean).join(", ")})`;
}

/** A Vega-Lite 5 chart: `spec` is the source of truth; it renders to SVG/PNG and displays itself. */
export class Chart {
  private bundle: Promise<{ data: Record<string, unknown>; metadata: Record<string, unknown> }> | undefined;

  constructor(readonly spec: TopLevelSpec) {
    if (!spec || typeof spec !== "object") throw new TypeError("Chart: spec must be a Vega-Lite spec object");
  }

  /** The compiled Vega spec (rejects when the Vega-Lite spec is invalid). */
  toVega(): Promise<Vega.Spec> {
    return compileSpec(this.spec);
  }

  /** The chart as an SVG document. */
  toSVG(): Promise<string> {
    return renderSVG(this.spec);
  }

  /** The chart as PNG bytes, `scale` times its CSS size (default 2). */
  async toPNG(scale = 2): Promise<Uint8Array> {
    return (await renderPNG(this.spec, scale)).png;
  }

  /** The spec, so `JSON.stringify(chart)` writes it. */
  toJSON(): TopLevelSpec {
    return this.spec;
  }

  /** A copy with top-level properties replaced (title, width, height, config, ...). */
  with(patch: Partial<Record<string, unknown>>): Chart {
    return new Chart({ ...(this.spec as object), ...patch } as unknown as TopLevelSpec);
  }

  toString(): string {
    return describeSpec(this.spec);
  }

  /** The notebook bundle: Vega-Lite JSON + 2x PNG (with its CSS size) + text (rendered once, then cached). */
  [displaySymbol](): Promise<DisplayResult> {
    this.bundle ??= chartBundle(this.spec);
    return this.bundle;
  }
}

/** The full display bundle of a spec: Vega-Lite JSON, a 2x PNG with width/height metadata, text. */
export async function chartBundle(spec: TopLevelSpec): Promise<{ data: Record<string, unknown>; metadata: Record<string, unknown> }> {
  const { png, width, height } = await renderPNG(spec, 2);
  return {
    data: { [VEGA_LITE_MIME]: spec, "image/png": Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64"), "text/plain": describeSpec(spec) },
    metadata: { "image/png": { width, height } },
  };
}

/** Wraps a spec (or returns a Chart as is). */
export function chart(spec: TopLevelSpec | Chart): Chart {
  return spec instanceof Chart ? spec : new Chart(spec);
}
