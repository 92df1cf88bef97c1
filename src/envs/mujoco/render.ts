/**
 * SVG frames of a MuJoCo scene without GL: every geom drawn in an orthographic projection from a
 * fixed camera, from the geom poses MuJoCo computed (`geom_xpos`, `geom_xmat`) and the model's
 * sizes and colours. Spheres are circles, capsules and cylinders thick segments, boxes the outline
 * of their projected corners, planes the ground (side view) or the floor (top view).
 */
import type { MjData, MjModel } from "mujoco-js";
import { circle, line, n, polygon, svgDocument, type Point } from "../../core/svg.js";

/** Where the camera looks from. */
export interface MujocoCamera {
  /** "side": looking along +y (x right, z up), for planar robots; "top": looking down -z (x right, y up). */
  view: "side" | "top";
  /** Pixels per metre (default 200). */
  scale?: number;
  /** Image size in pixels (default 500 x 500). */
  width?: number;
  height?: number;
  /** The body the camera follows in x (and y for "top"); 0 (the world) keeps it fixed. */
  trackBody?: number;
  /** The world point at the image centre (added to the tracked body's position). */
  center?: readonly [number, number];
}

// mjtGeom values (mujoco/mjmodel.h).
const PLANE = 0;
const SPHERE = 2;
const CAPSULE = 3;
const ELLIPSOID = 4;
const CYLINDER = 5;
const BOX = 6;

function colour(rgba: Float32Array, g: number): { fill: string; opacity: number } {
  const c = (i: number): number => Math.round(Math.min(1, Math.max(0, rgba[4 * g + i])) * 255);
  return { fill: `rgb(${c(0)},${c(1)},${c(2)})`, opacity: rgba[4 * g + 3] };
}

/** The convex hull of points (Andrew's monotone chain), for a box's outline. */
function hull(points: Point[]): Point[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: Point, a: Point, b: Point): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Point[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p[i]) <= 0) upper.pop();
    upper.push(p[i]);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** An SVG picture of the scene (see the module comment). */
export function renderScene(model: MjModel, data: MjData, camera: MujocoCamera): string {
  const W = camera.width ?? 500;
  const H = camera.height ?? 500;
  const scale = camera.scale ?? 200;
  const xpos = data.geom_xpos as Float64Array;
  const xmat = data.geom_xmat as Float64Array;
  const types = model.geom_type as Int32Array;
  const sizes = model.geom_size as Float64Array;
  const rgba = model.geom_rgba as Float32Array;
  const side = camera.view === "side";
  let cx = camera.center?.[0] ?? 0;
  let cy = camera.center?.[1] ?? 0;
  if (camera.trackBody) {
    const bx = data.xpos as Float64Array;
    cx += bx[3 * camera.trackBody];
    if (!side) cy += bx[3 * camera.trackBody + 1];
  }
  // World (x, y, z) -> image point; depth grows away from the camera.
  const project = (x: number, y: number, z: number): Point => (side ? [W / 2 + (x - cx) * scale, H / 2 - (z - cy) * scale] : [W / 2 + (x - cx) * scale, H / 2 - (y - cy) * scale]);
  const depth = (g: number): number => (side ? xpos[3 * g + 1] : -xpos[3 * g + 2]);
  const back: string[] = [];
  const order: number[] = [];
  for (let g = 0; g < model.ngeom; g++) if (rgba[4 * g + 3] > 0) order.push(g);
  order.sort((a, b) => depth(b) - depth(a));
  const parts: string[] = [];
  for (const g of order) {
    const { fill, opacity } = colour(rgba, g);
    const px = xpos[3 * g];
    const py = xpos[3 * g + 1];
    const pz = xpos[3 * g + 2];
    const s0 = sizes[3 * g];
    const t = types[g];
    const style = opacity < 1 ? ` fill-opacity="${n(opacity)}" stroke-opacity="${n(opacity)}"` : "";
    if (t === PLANE) {
      if (side) {
        const [, gy] = project(0, 0, pz);
        back.push(`<rect x="0" y="${n(gy)}" width="${n(W)}" height="${n(Math.max(0, H - gy))}" fill="${fill}"/>`);
        // Ticks every metre show the motion of a tracked robot.
        for (let k = Math.floor(cx - W / (2 * scale)); k <= cx + W / (2 * scale); k++) {
          const [tx] = project(k, 0, pz);
          back.push(line(tx, gy, tx, gy + 8, "#555555", 1));
        }
      } else {
        back.push(`<rect x="0" y="0" width="${n(W)}" height="${n(H)}" fill="${fill}"/>`);
      }
    } else if (t === SPHERE || t === ELLIPSOID) {
      const [x, y] = project(px, py, pz);
      const r = t === SPHERE ? s0 : Math.max(s0, sizes[3 * g + 1], sizes[3 * g + 2]);
      parts.push(circle(x, y, r * scale, fill).replace("/>", `${style}/>`));
    } else if (t === CAPSULE || t === CYLINDER) {
      const h = sizes[3 * g + 1];
      // The geom's local z axis is column 2 of its rotation matrix (row-major 3x3).
      const ax = xmat[9 * g + 2] * h;
      const ay = xmat[9 * g + 5] * h;
      const az = xmat[9 * g + 8] * h;
      const a = project(px - ax, py - ay, pz - az);
      const b = project(px + ax, py + ay, pz + az);
      if (Math.hypot(b[0] - a[0], b[1] - a[1]) < 1) {
        // Seen along its axis: a disk.
        parts.push(circle((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, s0 * scale, fill).replace("/>", `${style}/>`));
        continue;
      }
      const cap = t === CAPSULE ? "round" : "butt";
      parts.push(`<line x1="${n(a[0])}" y1="${n(a[1])}" x2="${n(b[0])}" y2="${n(b[1])}" stroke="${fill}" stroke-width="${n(2 * s0 * scale)}" stroke-linecap="${cap}"${style}/>`);
    } else if (t === BOX) {
      const corners: Point[] = [];
      for (const sx of [-1, 1]) {
        for (const sy of [-1, 1]) {
          for (const sz of [-1, 1]) {
            const lx = sx * s0;
            const ly = sy * sizes[3 * g + 1];
            const lz = sz * sizes[3 * g + 2];
            const m = 9 * g;
            corners.push(project(px + xmat[m] * lx + xmat[m + 1] * ly + xmat[m + 2] * lz, py + xmat[m + 3] * lx + xmat[m + 4] * ly + xmat[m + 5] * lz, pz + xmat[m + 6] * lx + xmat[m + 7] * ly + xmat[m + 8] * lz));
          }
        }
      }
      parts.push(polygon(hull(corners), fill, "#333333").replace("/>", `${style}/>`));
    }
  }
  return svgDocument(W, H, [...back, ...parts], "#eef2f7");
}
