/**
 * A standalone HTML page of an executed notebook: code cells with their prompts, Markdown,
 * outputs (streams, errors, images, HTML, tables), and Vega-Lite charts drawn live by
 * vega-embed. vega, vega-lite and vega-embed are inlined into the page (about 830 kB, only when
 * the notebook has a chart), so the page needs no network to be viewed.
 *
 *   writeFileSync("out.html", notebookToHTML(JSON.parse(readFileSync("nb.ipynb", "utf8"))));
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { renderMarkdown } from "./markdown.js";

/** An nbformat 4 notebook (the parts the export reads). */
export interface NotebookJSON {
  nbformat: number;
  nbformat_minor?: number;
  metadata?: Record<string, unknown>;
  cells: {
    cell_type: "code" | "markdown" | "raw" | string;
    source: string | string[];
    metadata?: Record<string, unknown>;
    outputs?: Record<string, unknown>[];
    execution_count?: number | null;
    attachments?: Record<string, Record<string, string>>;
  }[];
}

export interface HTMLExportOptions {
  /** The page title (default: the first heading of the notebook, or "Notebook"). */
  title?: string;
}

const VEGA_LITE_TYPES = ["application/vnd.vegalite.v5+json", "application/vnd.vegalite.v4+json"];

const text = (v: unknown): string => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const escapeHTML = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const stripANSI = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
/** JSON that is safe inside a <script> element. */
const scriptJSON = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

let scripts: string | undefined;
/** The vega, vega-lite and vega-embed browser builds, each in a <script> element. */
function vegaScripts(): string {
  if (scripts === undefined) {
    const require = createRequire(import.meta.url);
    // vega-embed exports only its entry points: find its folder from the CommonJS one.
    const embedDir = dirname(dirname(require.resolve("vega-embed")));
    const files = [require.resolve("vega/build/vega.min.js"), require.resolve("vega-lite/build/vega-lite.min.js"), join(embedDir, "build", "vega-embed.min.js")];
    scripts = files.map((f) => `<script>${readFileSync(f, "utf8").replace(/<\/script/gi, "<\\/script")}</script>`).join("\n");
  }
  return scripts;
}

const STYLE = `
body{margin:0;background:#fff;color:#1f2328;font:15px/1.55 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:24px 20px 64px}
.cell{display:flex;gap:10px;margin:10px 0}
.prompt{flex:0 0 64px;color:#8b949e;font:12px/1.6 ui-monospace,Menlo,Consolas,monospace;text-align:right;padding-top:7px}
.body{flex:1;min-width:0}
.input pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:7px 10px;margin:0}
pre{font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;overflow-x:auto;white-space:pre-wrap;margin:4px 0}
.output{margin-top:4px}
.stderr{background:#fff5f5}
.error pre{background:#ffeef0;color:#86181d;padding:6px 8px}
.markdown code{background:#f3f4f6;padding:1px 4px;border-radius:3px;font-size:90%}
.markdown pre code{background:none;padding:0}
.markdown pre{background:#f6f8fa;padding:8px 10px;border-radius:4px}
table{border-collapse:collapse;margin:6px 0;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:right}
th{background:#f6f8fa}
img{max-width:100%}
.vega-embed{max-width:100%}
.chart-fallback{display:none}
.chart-failed .chart-fallback{display:block}
`;

/** The HTML of one output; `charts` collects the Vega-Lite specs to embed. */
function renderOutput(output: Record<string, unknown>, charts: unknown[]): string {
  switch (output.output_type) {
    case "stream":
      return `<pre class="${output.name === "stderr" ? "stderr" : "stdout"}">${escapeHTML(stripANSI(text(output.text)))}</pre>`;
    case "error": {
      const tb = Array.isArray(output.traceback) && output.traceback.length ? (output.traceback as string[]).join("\n") : `${text(output.ename)}: ${text(output.evalue)}`;
      return `<div class="error"><pre>${escapeHTML(stripANSI(tb))}</pre></div>`;
    }
    case "display_data":
    case "execute_result":
      return renderBundle((output.data ?? {}) as Record<string, unknown>, (output.metadata ?? {}) as Record<string, Record<string, unknown>>, charts);
    default:
      return "";
  }
}

function sizeAttrs(meta: Record<string, unknown> | undefined): string {
  if (!meta) return "";
  const w = Number(meta.width);
  const h = Number(meta.height);
  return `${Number.isFinite(w) && w > 0 ? ` width="${w}"` : ""}${Number.isFinite(h) && h > 0 ? ` height="${h}"` : ""}`;
}

function imageTag(mime: string, data: unknown, meta: Record<string, unknown> | undefined, className = ""): string {
  const b64 = text(data).replace(/\s+/g, "");
  return `<img${className ? ` class="${className}"` : ""} src="data:${mime};base64,${b64}"${sizeAttrs(meta)} alt="">`;
}

/** A MIME bundle rendered by Jupyter's priority: chart, HTML, SVG, images, Markdown, LaTeX, JSON, text. */
function renderBundle(data: Record<string, unknown>, metadata: Record<string, Record<string, unknown>>, charts: unknown[]): string {
  const vl = VEGA_LITE_TYPES.find((t) => data[t] !== undefined);
  if (vl) {
    let spec = data[vl];
    if (typeof spec === "string" || Array.isArray(spec)) spec = JSON.parse(text(spec));
    const index = charts.push(spec) - 1;
    // The PNG (when the bundle has one) stays hidden unless the chart fails to draw.
    const fallback = data["image/png"] !== undefined ? imageTag("image/png", data["image/png"], metadata["image/png"], "chart-fallback") : `<pre class="chart-fallback">${escapeHTML(text(data["text/plain"]))}</pre>`;
    return `<div class="chart-wrap"><div class="chart" id="chart-${index}" data-chart="${index}"></div>${fallback}</div>`;
  }
  if (data["text/html"] !== undefined) return `<div class="html">${text(data["text/html"])}</div>`;
  if (data["image/svg+xml"] !== undefined) {
    // As an <img>: keeps the SVG's ids and styles apart from the page's; SMIL animations play.
    return `<img src="data:image/svg+xml;base64,${Buffer.from(text(data["image/svg+xml"]), "utf8").toString("base64")}"${sizeAttrs(metadata["image/svg+xml"])} alt="">`;
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) if (data[mime] !== undefined) return imageTag(mime, data[mime], metadata[mime]);
  if (data["text/markdown"] !== undefined) return `<div class="markdown">${renderMarkdown(text(data["text/markdown"]))}</div>`;
  if (data["text/latex"] !== undefined) return `<pre>${escapeHTML(text(data["text/latex"]))}</pre>`;
  if (data["application/json"] !== undefined) return `<pre>${escapeHTML(JSON.stringify(data["application/json"], null, 2))}</pre>`;
  if (data["text/plain"] !== undefined) return `<pre>${escapeHTML(stripANSI(text(data["text/plain"])))}</pre>`;
  return "";
}

/** Markdown with attachments (`attachment:name` images) inlined. */
function markdownCell(source: string, attachments: Record<string, Record<string, string>> | undefined): string {
  let html = renderMarkdown(source);
  if (attachments) {
    html = html.replace(/src="attachment:([^"]+)"/g, (m, name: string) => {
      const a = attachments[name];
      const mime = a && Object.keys(a)[0];
      return mime ? `src="data:${mime};base64,${text(a[mime]).replace(/\s+/g, "")}"` : m;
    });
  }
  return html;
}

/** The notebook as a self-contained HTML page (see the module comment). */
export function notebookToHTML(nb: NotebookJSON, options: HTMLExportOptions = {}): string {
  if (!nb || !Array.isArray(nb.cells)) throw new TypeError("notebookToHTML: not a notebook (no cells list)");
  const charts: unknown[] = [];
  const cells: string[] = [];
  let firstHeading: string | undefined;
  for (const cell of nb.cells) {
    const source = text(cell.source);
    if (cell.cell_type === "markdown") {
      firstHeading ??= /^\s*#{1,6}\s+(.+?)\s*#*\s*$/m.exec(source)?.[1];
      cells.push(`<div class="cell markdown-cell"><div class="prompt"></div><div class="body markdown">${markdownCell(source, cell.attachments)}</div></div>`);
    } else if (cell.cell_type === "code") {
      const count = cell.execution_count ?? " ";
      const outputs = (cell.outputs ?? []).map((o) => renderOutput(o, charts)).filter(Boolean);
      cells.push(
        `<div class="cell code-cell"><div class="prompt">In [${count}]:</div><div class="body"><div class="input"><pre><code class="language-typescript">${escapeHTML(source)}</code></pre></div>${
          outputs.length ? `<div class="output">${outputs.join("\n")}</div>` : ""
        }</div></div>`,
      );
    } else {
      cells.push(`<div class="cell raw-cell"><div class="prompt"></div><div class="body"><pre>${escapeHTML(source)}</pre></div></div>`);
    }
  }
  const title = options.title ?? firstHeading?.replace(/[`*_]/g, "") ?? "Notebook";
  const chartCode = charts.length
    ? `${vegaScripts()}
<script type="application/json" id="rlbook-charts">${scriptJSON(charts)}</script>
<script>
(function () {
  var specs = JSON.parse(document.getElementById("rlbook-charts").textContent);
  var pending = specs.map(function (spec, i) {
    var el = document.getElementById("chart-" + i);
    return vegaEmbed(el, spec, { renderer: "svg", actions: false }).catch(function (error) {
      el.parentNode.classList.add("chart-failed");
      el.textContent = "This chart could not be drawn: " + error;
    });
  });
  Promise.all(pending).then(function () { document.body.setAttribute("data-charts-ready", String(specs.length)); });
})();
</script>`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rlbook">
<title>${escapeHTML(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${cells.join("\n")}
</main>
${chartCode}
</body>
</html>
`;
}
