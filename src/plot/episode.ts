/**
 * Episode playback: run a policy for one episode, keep every frame the env renders (SVG) and
 * every step's data, and show it in the notebook as an animation.
 *
 *   const episode = recordEpisode(agent, make("CartPole-v1"), {maxSteps: 500, seed: 0});
 *   episode                                     // plays in JupyterLab; a filmstrip PNG elsewhere
 *   episode.totalReturn, episode.steps[10].action, episode.toDataFrame()
 *
 * The animation is one SVG that shows its frames in turn with SMIL (`<animate>` on each frame's
 * visibility): it plays wherever SVG images play, inside an <img> too, with no script. The
 * bundle also carries a PNG filmstrip (a few frames side by side, labelled with their step),
 * which nbconvert's LaTeX/PDF output and other image-only viewers show.
 */
import { displaySymbol, type DisplayResult } from "../display.js";
import { Env } from "../core/env.js";
import { Discrete } from "../core/spaces.js";
import { rasterize, svgSize } from "./chart.js";
import { toDataFrame, type DataFrame } from "../data/frame.js";

/** Anything that acts: an rlbook Agent (its `act`) or a function of the observation. */
export type Policy = { act(obs: never, options?: { deterministic?: boolean }): unknown } | ((obs: unknown, t: number) => unknown);

export interface RecordEpisodeOptions {
  /** Stop after this many steps even if the episode goes on (default 1000). */
  maxSteps?: number;
  /** Seed of the reset. */
  seed?: number;
  /** Greedy actions for an agent (default true). */
  deterministic?: boolean;
  /** Keep at most this many frames, evenly spaced, first and last included (default 300). */
  maxFrames?: number;
  /** Playback speed in frames per second (default: the env's renderFps). */
  fps?: number;
}

/** One step of a recorded episode. */
export interface EpisodeStep {
  t: number;
  /** The observation the action was chosen from. */
  obs: unknown;
  action: unknown;
  reward: number;
  /** Return so far, this step's reward included. */
  return: number;
  terminated: boolean;
  truncated: boolean;
}

/** A recorded episode: frames (SVG strings), per-step data, and how it ended. */
export class Episode {
  constructor(
    /** Rendered frames: the reset state, then states after steps (thinned to maxFrames). */
    readonly frames: readonly string[],
    /** For each frame, how many steps had been taken when it was rendered. */
    readonly frameSteps: readonly number[],
    readonly steps: readonly EpisodeStep[],
    readonly fps: number,
    readonly envName: string,
  ) {
    if (frames.length !== frameSteps.length) throw new RangeError("Episode: frames and frameSteps differ in length");
  }

  get length(): number {
    return this.steps.length;
  }

  get totalReturn(): number {
    return this.steps.length ? this.steps[this.steps.length - 1].return : 0;
  }

  get terminated(): boolean {
    return this.steps.at(-1)?.terminated ?? false;
  }

  get truncated(): boolean {
    return this.steps.at(-1)?.truncated ?? false;
  }

  /** The frames as one animated SVG (SMIL), looping, at `fps` (default the episode's). */
  toSVG(fps = this.fps): string {
    if (!this.frames.length) throw new Error("Episode: no frames to animate");
    const { width, height } = svgSize(this.frames[0]);
    // Real time: a frame shows from its step until the next kept frame's step (frames may be thinned).
    const total = this.frameSteps[this.frameSteps.length - 1] + 1;
    const dur = total / fps;
    const parts: string[] = [];
    this.frames.forEach((frame, i) => {
      const start = (this.frameSteps[i] / total).toFixed(6);
      const end = ((this.frameSteps[i + 1] ?? total) / total).toFixed(6);
      const anim = `<animate attributeName="visibility" values="hidden;visible;hidden" keyTimes="0;${start};${end}" dur="${dur.toFixed(3)}s" calcMode="discrete" repeatCount="indefinite"/>`;
      parts.push(`<g visibility="${i === 0 ? "visible" : "hidden"}">${anim}${stripProlog(frame)}</g>`);
    });
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${escapeXML(this.envName)}: ${this.length} steps, return ${fmt(this.totalReturn)}</title>${parts.join("")}</svg>`;
  }

  /** A static SVG of `count` evenly spaced frames side by side, each labelled with its step. */
  filmstrip(count = 5, frameWidth = 240): string {
    if (!this.frames.length) throw new Error("Episode: no frames");
    const k = Math.min(count, this.frames.length);
    const idx = Array.from({ length: k }, (_, i) => (k === 1 ? 0 : Math.round((i * (this.frames.length - 1)) / (k - 1))));
    const { width, height } = svgSize(this.frames[0]);
    const fh = Math.round((frameWidth * height) / width);
    const label = 18;
    const W = k * frameWidth + (k - 1) * 6;
    const H = fh + label;
    const cells = idx.map((fi, j) => {
      const x = j * (frameWidth + 6);
      const frame = stripProlog(this.frames[fi]);
      const viewBox = /^<svg[^>]*\sviewBox="([^"]*)"/.exec(frame)?.[1] ?? `0 0 ${width} ${height}`;
      const inner = frame.replace(/^<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "");
      return `<svg x="${x}" y="0" width="${frameWidth}" height="${fh}" viewBox="${viewBox}">${inner}</svg><rect x="${x}" y="0" width="${frameWidth}" height="${fh}" fill="none" stroke="#ccc"/><text x="${x + frameWidth / 2}" y="${fh + 13}" font-size="12" font-family="sans-serif" text-anchor="middle" fill="#333">t = ${this.frameSteps[fi]}</text>`;
    });
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><rect width="${W}" height="${H}" fill="white"/>${cells.join("")}</svg>`;
  }

  /** The filmstrip as PNG bytes (2x). */
  async toPNG(count = 5, scale = 2): Promise<Uint8Array> {
    return (await rasterize(this.filmstrip(count), scale)).png;
  }

  /** Per-step data as a DataFrame: t, action, reward, return, terminated, truncated, obs_0.. (numeric observations). */
  toDataFrame(): DataFrame {
    return toDataFrame(
      this.steps.map((s) => {
        const row: Record<string, unknown> = { t: s.t };
        if (typeof s.action === "number") row.action = s.action;
        else if (s.action && typeof s.action === "object" && "length" in (s.action as object)) Array.from(s.action as ArrayLike<number>).forEach((a, i) => (row[`action_${i}`] = a));
        else row.action = s.action;
        Object.assign(row, { reward: s.reward, return: s.return, terminated: s.terminated, truncated: s.truncated });
        if (typeof s.obs === "number") row.obs = s.obs;
        else if (s.obs && typeof s.obs === "object" && "length" in (s.obs as object)) Array.from(s.obs as ArrayLike<number>).forEach((o, i) => (row[`obs_${i}`] = o));
        return row;
      }),
    );
  }

  toString(): string {
    return `Episode(${this.envName}, ${this.length} steps, return ${fmt(this.totalReturn)}${this.terminated ? ", terminated" : this.truncated ? ", truncated" : ""}, ${this.frames.length} frames)`;
  }

  /** The animation (image/svg+xml), a PNG filmstrip fallback at 2x, and a text line. */
  async [displaySymbol](): Promise<DisplayResult> {
    const strip = await rasterize(this.filmstrip(), 2);
    return {
      data: { "image/svg+xml": this.toSVG(), "image/png": Buffer.from(strip.png.buffer, strip.png.byteOffset, strip.png.byteLength).toString("base64"), "text/plain": this.toString() },
      metadata: { "image/png": { width: strip.width, height: strip.height } },
    };
  }
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const escapeXML = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const stripProlog = (svg: string) => svg.replace(/^\s*<\?xml[^>]*>\s*/, "").replace(/<!DOCTYPE[^>]*>\s*/, "");

/** Copies an observation (envs may reuse their buffers). */
function copyObs(o: unknown): unknown {
  if (ArrayBuffer.isView(o) && !(o instanceof DataView)) return Array.from(o as unknown as ArrayLike<number>);
  if (Array.isArray(o)) return o.slice();
  return o;
}

/**
 * Runs `policy` (an Agent or a function of the observation) for one episode of `env`, recording
 * a frame after the reset and after every step, and every step's data. The env must render.
 */
export function recordEpisode(policy: Policy, env: Env, options: RecordEpisodeOptions = {}): Episode {
  if (!(env instanceof Env)) throw new TypeError("recordEpisode: env must be a single Env (make(id)), not a vector env");
  const maxSteps = options.maxSteps ?? 1000;
  if (!(Number.isInteger(maxSteps) && maxSteps > 0)) throw new RangeError(`recordEpisode: maxSteps must be a positive integer, got ${options.maxSteps}`);
  const maxFrames = options.maxFrames ?? 300;
  if (!(Number.isInteger(maxFrames) && maxFrames >= 2)) throw new RangeError(`recordEpisode: maxFrames must be an integer >= 2, got ${options.maxFrames}`);
  const act =
    typeof policy === "function"
      ? (obs: unknown, t: number) => policy(obs, t)
      : (obs: unknown) => (policy as { act(o: unknown, opts: { deterministic: boolean }): unknown }).act(obs, { deterministic: options.deterministic ?? true });
  const frames: string[] = [];
  const frameSteps: number[] = [];
  const steps: EpisodeStep[] = [];
  let { obs } = env.reset(options.seed === undefined ? {} : { seed: options.seed });
  frames.push(env.render());
  frameSteps.push(0);
  let total = 0;
  for (let t = 0; t < maxSteps; t++) {
    const o = copyObs(obs);
    let action = act(obs, t);
    // A batched agent's one-element action array is the Discrete action itself.
    if (ArrayBuffer.isView(action) && (action as unknown as ArrayLike<number>).length === 1 && env.actionSpace instanceof Discrete) action = (action as unknown as ArrayLike<number>)[0];
    const r = env.step(action);
    total += r.reward;
    steps.push({ t, obs: o, action: copyObs(action), reward: r.reward, return: total, terminated: r.terminated, truncated: r.truncated });
    frames.push(env.render());
    frameSteps.push(t + 1);
    obs = r.obs;
    if (r.terminated || r.truncated) break;
  }
  // Thin to maxFrames evenly spaced frames, first and last kept.
  if (frames.length > maxFrames) {
    const keep = Array.from({ length: maxFrames }, (_, i) => Math.round((i * (frames.length - 1)) / (maxFrames - 1)));
    return new Episode(keep.map((i) => frames[i]), keep.map((i) => frameSteps[i]), steps, options.fps ?? env.metadata.renderFps, env.name);
  }
  return new Episode(frames, frameSteps, steps, options.fps ?? env.metadata.renderFps, env.name);
}
