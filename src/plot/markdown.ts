/**
 * A small Markdown renderer for notebook text cells in the HTML export: ATX headings,
 * paragraphs, fenced code, block quotes, rules, lists (nested by indentation), GFM pipe tables,
 * and inline code, emphasis, links, images. Raw HTML is escaped; $math$ is left as text.
 */

const escapeHTML = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A URL safe to put in href/src (no javascript: and friends). */
function safeURL(url: string): string {
  const u = url.trim();
  return /^(https?:|mailto:|#|\.{0,2}\/|[\w.-]+(\/|$|\.|#))/i.test(u) && !/^\s*(javascript|vbscript|data):/i.test(u) ? u : "#";
}

/** Inline Markdown: code spans first (their content is literal), then images, links, emphasis. */
export function renderInline(text: string): string {
  const codes: string[] = [];
  let s = text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => {
    codes.push(`<code>${escapeHTML(code.trim() === "" ? code : code.replace(/^ (.*) $/, "$1"))}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = escapeHTML(s);
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+&quot;[^&]*&quot;)?\)/g, (_m, alt: string, url: string) => `<img src="${escapeAttr(safeURL(unescape(url)))}" alt="${alt}">`);
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+&quot;[^&]*&quot;)?\)/g, (_m, label: string, url: string) => `<a href="${escapeAttr(safeURL(unescape(url)))}">${label}</a>`);
  s = s.replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, (_m, url: string) => `<a href="${escapeAttr(url)}">${url}</a>`);
  s = s.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "<strong>$2</strong>");
  s = s.replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?!\*)/g, "$1<em>$2</em>");
  s = s.replace(/(^|[^\w_])_(?=\S)([^_]*?\S)_(?![\w_])/g, "$1<em>$2</em>");
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
  s = s.replace(/ {2,}\n/g, "<br>\n");
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)]);
}

const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"');
const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;

/** Renders a Markdown document to HTML. */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;
  const isBlockStart = (l: string) => /^\s*(#{1,6}\s|```|~~~|>|([-*_])(\s*\2){2,}\s*$)/.test(l) || LIST_ITEM.test(l) || /^\s*\|.*\|\s*$/.test(l);
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)\s*([\w+-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      out.push(`<pre><code${fence[2] ? ` class="language-${escapeAttr(fence[2])}"` : ""}>${escapeHTML(body.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = /^\s*(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      const text = heading[2];
      const id = text.toLowerCase().replace(/[^\w\s-]/g, "").trim().replace(/\s+/g, "-");
      out.push(`<h${level} id="${escapeAttr(id)}">${renderInline(text)}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*> ?/, ""));
      out.push(`<blockquote>${renderMarkdown(body.join("\n"))}</blockquote>`);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(lines[i + 1])) {
      const cells = (l: string) => l.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
      const head = cells(line);
      const align = cells(lines[i + 1]).map((c) => (c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : ""));
      const style = (j: number) => (align[j] ? ` style="text-align:${align[j]}"` : "");
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i])) rows.push(cells(lines[i++]));
      out.push(
        `<table><thead><tr>${head.map((c, j) => `<th${style(j)}>${renderInline(c)}</th>`).join("")}</tr></thead><tbody>${rows
          .map((r) => `<tr>${head.map((_, j) => `<td${style(j)}>${renderInline(r[j] ?? "")}</td>`).join("")}</tr>`)
          .join("")}</tbody></table>`,
      );
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const block: string[] = [];
      while (i < lines.length && (LIST_ITEM.test(lines[i]) || (/^\s+\S/.test(lines[i]) && block.length) || (/^\s*$/.test(lines[i]) && i + 1 < lines.length && (LIST_ITEM.test(lines[i + 1]) || /^\s+\S/.test(lines[i + 1]))))) block.push(lines[i++]);
      out.push(renderList(block));
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]) && !(para.length && isBlockStart(lines[i]))) para.push(lines[i++]);
    out.push(`<p>${renderInline(para.join("\n"))}</p>`);
  }
  return out.join("\n");
}

/** A list block: items at the first item's indentation; deeper lines belong to the item above. */
function renderList(block: string[]): string {
  const first = LIST_ITEM.exec(block[0])!;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items: string[][] = [];
  for (const l of block) {
    const m = LIST_ITEM.exec(l);
    if (m && m[1].length <= indent) items.push([m[3]]);
    else items[items.length - 1]?.push(l.slice(Math.min(indent + 2, l.length - l.trimStart().length)));
  }
  const start = ordered ? Number.parseInt(first[2], 10) : 1;
  const tag = ordered ? "ol" : "ul";
  const body = items
    .map(([head, ...rest]) => {
      const nested = rest.join("\n").trim() ? renderMarkdown(rest.join("\n")) : "";
      return `<li>${renderInline(head)}${nested ? `\n${nested}` : ""}</li>`;
    })
    .join("\n");
  return `<${tag}${ordered && start !== 1 ? ` start="${start}"` : ""}>\n${body}\n</${tag}>`;
}
