/**
 * The one helper every env uses to draw its frame as an SVG string. Coordinates are SVG's
 * (origin top left, y down); envs that think in y-up world coordinates flip with `height - y`.
 */

/** A point [x, y]. */
export type Point = readonly [number, number];

/** Rounds to 2 decimals for compact, stable SVG text. */
export function n(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A whole SVG document of the given size holding `parts`, on a background colour. */
export function svgDocument(width: number, height: number, parts: readonly string[], background = "#ffffff"): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}">` +
    `<rect x="0" y="0" width="${n(width)}" height="${n(height)}" fill="${background}"/>` +
    parts.join("") +
    `</svg>`
  );
}

/** A filled polygon. */
export function polygon(points: readonly Point[], fill: string, stroke?: string): string {
  const pts = points.map(([x, y]) => `${n(x)},${n(y)}`).join(" ");
  return `<polygon points="${pts}" fill="${fill}"${stroke ? ` stroke="${stroke}"` : ""}/>`;
}

/** An open polyline. */
export function polyline(points: readonly Point[], stroke: string, width = 1): string {
  const pts = points.map(([x, y]) => `${n(x)},${n(y)}`).join(" ");
  return `<polyline points="${pts}" fill="none" stroke="${stroke}" stroke-width="${n(width)}"/>`;
}

/** A filled circle. */
export function circle(cx: number, cy: number, r: number, fill: string, stroke?: string): string {
  return `<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(r)}" fill="${fill}"${stroke ? ` stroke="${stroke}"` : ""}/>`;
}

/** A straight line. */
export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1, dash?: string): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="${n(width)}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
}

/** A rectangle. */
export function rect(x: number, y: number, w: number, h: number, fill: string, stroke?: string, opacity?: number): string {
  return `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${fill}"${stroke ? ` stroke="${stroke}"` : ""}${opacity !== undefined ? ` fill-opacity="${n(opacity)}"` : ""}/>`;
}

/** A text label. */
export function text(x: number, y: number, s: string, size = 12, fill = "#000000", anchor: "start" | "middle" | "end" = "start"): string {
  return `<text x="${n(x)}" y="${n(y)}" font-family="sans-serif" font-size="${n(size)}" fill="${fill}" text-anchor="${anchor}">${esc(s)}</text>`;
}

/** Rotates local point (x, y) by `angle` radians (counter-clockwise in y-up coordinates) and translates it. */
export function rotate([x, y]: Point, angle: number, [tx, ty]: Point = [0, 0]): Point {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [x * c - y * s + tx, x * s + y * c + ty];
}

/** Flips y-up world points into SVG's y-down coordinates for a canvas of height `h`. */
export function flipY(points: readonly Point[], h: number): Point[] {
  return points.map(([x, y]) => [x, h - y] as const);
}

/** Lays several SVG frames out in a grid (used by vector envs), each scaled to `cellWidth`. */
export function tileFrames(frames: readonly string[], columns: number, cellWidth = 200, labels?: readonly string[]): string {
  if (frames.length === 0) return svgDocument(1, 1, []);
  const sizeOf = (svg: string): [number, number] => {
    const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
    return m ? [Number(m[1]), Number(m[2])] : [cellWidth, cellWidth];
  };
  const [w0, h0] = sizeOf(frames[0]);
  const cellHeight = (cellWidth * h0) / w0;
  const cols = Math.max(1, Math.min(columns, frames.length));
  const rows = Math.ceil(frames.length / cols);
  const pad = 4;
  const parts = frames.map((f, i) => {
    const x = (i % cols) * (cellWidth + pad);
    const y = Math.floor(i / cols) * (cellHeight + pad);
    const inner = f.replace(/^<svg /, `<svg x="${n(x)}" y="${n(y)}" `).replace(/width="[\d.]+" height="[\d.]+"/, `width="${n(cellWidth)}" height="${n(cellHeight)}"`);
    const label = labels?.[i] !== undefined ? text(x + 4, y + 14, labels[i], 12, "#444444") : "";
    return inner + label;
  });
  return svgDocument(cols * (cellWidth + pad) - pad, rows * (cellHeight + pad) - pad, parts, "#dddddd");
}
