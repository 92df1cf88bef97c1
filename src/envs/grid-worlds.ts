/**
 * Grid worlds for in-context RL, as the papers define them.
 *
 * Dark Room (Laskin et al. 2022, "In-context Reinforcement Learning with Algorithm
 * Distillation", sec. 5): "a 2D discrete POMDP where an agent spawns in a room and must find a
 * goal location. The agent only knows its own (x, y) coordinates but does not know the goal
 * location ... The room size is 9 x 9, the possible actions are one step left, right, up, down,
 * and no-op, the episode length is 20, and the agent resets at the center of the map ... Dark
 * Room where the agent receives r = 1 every time the goal is reached and Dark Room Hard, a hard
 * exploration variant with a 17 x 17 size and sparse reward (r = 1 exactly once for reaching the
 * goal)". Dark Room Hard here terminates when the goal is reached.
 *
 * The Decision-Pretrained Transformer variant (Lee et al. 2023, code `envs/darkroom_env.py`):
 * 10 x 10, horizon 100, the agent starts at (0, 0), reward 1 on every step it is at the goal.
 *
 * Dark Key-to-Door (Laskin et al. 2022): 9 x 9, episode length 50; the agent must first find an
 * invisible key (reward 1, once) and then an invisible door (reward 1, once; the episode then
 * terminates).
 *
 * Actions (DPT's order): 0 x+1 (right), 1 x-1 (left), 2 y+1 (down on screen), 3 y-1 (up),
 * 4 no-op; moves into a wall leave the agent in place. Observations are the agent's [x, y]
 * (Int32Array). Goal, key and door positions are env params, so a task family samples them.
 * The env itself never truncates: `make` wraps it in TimeLimit(params.horizon).
 */
import { Env, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { Box, Discrete } from "../core/spaces.js";
import { circle, rect, svgDocument, text } from "../core/svg.js";
import type { GridPos } from "./utils.js";

export type { GridPos };

/** Where the agent starts: a cell, the centre, or a uniformly random cell (from the env's rng). */
export type GridStart = GridPos | "center" | "random";

/** Params of a Dark Room task. */
export interface DarkRoomParams {
  /** Side length of the square room. */
  size: number;
  /** The hidden goal cell [x, y]. */
  goal: GridPos;
  start: GridStart;
  /** "every": reward 1 on every step spent at the goal; "once": only the first time. */
  rewardMode: "every" | "once";
  /** End the episode (terminated) when the goal is reached. */
  terminateOnGoal: boolean;
  /** Episode length (the TimeLimit `make` applies). */
  horizon: number;
}

/** AD's Dark Room: 9x9, start at the centre, reward every step at the goal, 20 steps. */
export const DARK_ROOM: Readonly<DarkRoomParams> = Object.freeze({ size: 9, goal: [8, 8] as GridPos, start: "center" as GridStart, rewardMode: "every", terminateOnGoal: false, horizon: 20 });
/** DPT's Dark Room: 10x10, start at (0, 0), reward every step at the goal, 100 steps. */
export const DARK_ROOM_DPT: Readonly<DarkRoomParams> = Object.freeze({ size: 10, goal: [9, 9] as GridPos, start: [0, 0] as GridPos, rewardMode: "every", terminateOnGoal: false, horizon: 100 });
/** AD's Dark Room Hard: 17x17, start at the centre, reward once, ends at the goal, 20 steps. */
export const DARK_ROOM_HARD: Readonly<DarkRoomParams> = Object.freeze({ size: 17, goal: [16, 16] as GridPos, start: "center" as GridStart, rewardMode: "once", terminateOnGoal: true, horizon: 20 });

/** Params of a Dark Key-to-Door task. */
export interface DarkKeyToDoorParams {
  size: number;
  key: GridPos;
  door: GridPos;
  start: GridStart;
  horizon: number;
}

/** AD's Dark Key-to-Door: 9x9, 50 steps. */
export const DARK_KEY_TO_DOOR: Readonly<DarkKeyToDoorParams> = Object.freeze({ size: 9, key: [1, 7] as GridPos, door: [7, 1] as GridPos, start: "center" as GridStart, horizon: 50 });

/** Grid moves by action index (DPT's order). */
export const GRID_MOVES: readonly GridPos[] = Object.freeze([[1, 0], [-1, 0], [0, 1], [0, -1], [0, 0]] as GridPos[]);
/** Names of the grid actions. */
export const GRID_ACTION_NAMES = Object.freeze(["right", "left", "down", "up", "stay"]);

function checkCell(what: string, p: GridPos, size: number): void {
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 0 && v < size)) {
    throw new RangeError(`${what} must be [x, y] with integers in [0, ${size - 1}], got ${JSON.stringify(p)}`);
  }
}

/** A marked cell in a grid frame. */
export interface GridMark {
  pos: GridPos;
  color: string;
  label?: string;
}

/** One SVG frame of a grid world: the room, marked cells (shown faintly: hidden from the agent), the agent. */
export function renderGrid(size: number, agent: GridPos, marks: readonly GridMark[], caption?: string): string {
  const cell = Math.max(12, Math.floor(360 / size));
  const W = cell * size;
  const H = W + (caption ? 22 : 0);
  const parts: string[] = [rect(0, 0, W, W, "#1f1f2e")];
  for (let i = 1; i < size; i++) {
    parts.push(`<line x1="${i * cell}" y1="0" x2="${i * cell}" y2="${W}" stroke="#34344a" stroke-width="1"/>`);
    parts.push(`<line x1="0" y1="${i * cell}" x2="${W}" y2="${i * cell}" stroke="#34344a" stroke-width="1"/>`);
  }
  for (const m of marks) {
    parts.push(rect(m.pos[0] * cell + 2, m.pos[1] * cell + 2, cell - 4, cell - 4, m.color, undefined, 0.75));
    if (m.label) parts.push(text(m.pos[0] * cell + cell / 2, m.pos[1] * cell + cell / 2 + 4, m.label, Math.max(8, cell / 3), "#ffffff", "middle"));
  }
  parts.push(circle(agent[0] * cell + cell / 2, agent[1] * cell + cell / 2, cell * 0.35, "#f5c542"));
  if (caption) parts.push(text(4, W + 16, caption, 13, "#000000"));
  return svgDocument(W, H, parts);
}

/** Shared mechanics of the dark grid worlds: position, moves, start, spaces. */
abstract class DarkGridEnv extends Env<Int32Array, number> {
  readonly actionSpace = new Discrete(5);
  readonly observationSpace: Box<Int32Array>;
  protected x = 0;
  protected y = 0;
  protected t = 0;

  constructor(readonly size: number, protected readonly start: GridStart) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`grid size must be a positive integer, got ${size}`);
    if (typeof start !== "string") checkCell("start", start, size);
    this.observationSpace = new Box<Int32Array>(0, size - 1, [2], "int32");
    this.metadata = { renderFps: 4 };
  }

  /** The agent's cell [x, y]. */
  get agentPos(): GridPos {
    return [this.x, this.y];
  }

  protected placeAgent(): void {
    if (this.start === "center") {
      this.x = Math.floor(this.size / 2);
      this.y = Math.floor(this.size / 2);
    } else if (this.start === "random") {
      this.x = this.rng.integer(this.size);
      this.y = this.rng.integer(this.size);
    } else {
      [this.x, this.y] = this.start;
    }
    this.t = 0;
  }

  protected move(action: number): void {
    const [dx, dy] = GRID_MOVES[action];
    this.x = Math.min(Math.max(this.x + dx, 0), this.size - 1);
    this.y = Math.min(Math.max(this.y + dy, 0), this.size - 1);
    this.t += 1;
  }

  protected obs(): Int32Array {
    return Int32Array.of(this.x, this.y);
  }
}

/** Dark Room, Dark Room Hard and DPT's Dark Room (see the module comment). */
export class DarkRoomEnv extends DarkGridEnv {
  readonly params: DarkRoomParams;
  private reached = false;

  /** @param params task params; defaults to {@link DARK_ROOM} */
  constructor(params: Partial<DarkRoomParams> = {}) {
    const p = { ...DARK_ROOM, ...params };
    super(p.size, p.start);
    checkCell("DarkRoom goal", p.goal, p.size);
    this.params = p;
  }

  reset(args: ResetArgs = {}): ResetResult<Int32Array> {
    this.seedRng(args.seed);
    this.placeAgent();
    this.reached = false;
    this.status = "running";
    return { obs: this.obs(), info: {} };
  }

  step(action: number): StepResult<Int32Array, { atGoal: boolean }> {
    this.checkStep(action);
    this.move(action);
    const atGoal = this.x === this.params.goal[0] && this.y === this.params.goal[1];
    let reward = 0;
    if (atGoal && (this.params.rewardMode === "every" || !this.reached)) reward = 1;
    if (atGoal) this.reached = true;
    const terminated = atGoal && this.params.terminateOnGoal;
    return this.finishStep({ obs: this.obs(), reward, terminated, truncated: false, info: { atGoal } });
  }

  override render(): string {
    return renderGrid(this.size, this.agentPos, [{ pos: this.params.goal, color: "#2e9e5b", label: "G" }], `t = ${this.t}`);
  }
}

/** Dark Key-to-Door (see the module comment). */
export class DarkKeyToDoorEnv extends DarkGridEnv {
  readonly params: DarkKeyToDoorParams;
  private hasKey = false;

  /** @param params task params; defaults to {@link DARK_KEY_TO_DOOR} */
  constructor(params: Partial<DarkKeyToDoorParams> = {}) {
    const p = { ...DARK_KEY_TO_DOOR, ...params };
    super(p.size, p.start);
    checkCell("DarkKeyToDoor key", p.key, p.size);
    checkCell("DarkKeyToDoor door", p.door, p.size);
    this.params = p;
  }

  /** Whether the agent has picked up the key in this episode. */
  get keyCollected(): boolean {
    return this.hasKey;
  }

  reset(args: ResetArgs = {}): ResetResult<Int32Array> {
    this.seedRng(args.seed);
    this.placeAgent();
    this.hasKey = false;
    this.status = "running";
    return { obs: this.obs(), info: {} };
  }

  step(action: number): StepResult<Int32Array, { hasKey: boolean }> {
    this.checkStep(action);
    this.move(action);
    let reward = 0;
    let terminated = false;
    if (!this.hasKey && this.x === this.params.key[0] && this.y === this.params.key[1]) {
      this.hasKey = true;
      reward = 1;
    } else if (this.hasKey && this.x === this.params.door[0] && this.y === this.params.door[1]) {
      reward = 1;
      terminated = true;
    }
    return this.finishStep({ obs: this.obs(), reward, terminated, truncated: false, info: { hasKey: this.hasKey } });
  }

  override render(): string {
    const marks: GridMark[] = [{ pos: this.params.door, color: "#8a5a2b", label: "D" }];
    if (!this.hasKey) marks.push({ pos: this.params.key, color: "#c9a227", label: "K" });
    return renderGrid(this.size, this.agentPos, marks, `t = ${this.t}${this.hasKey ? ", key collected" : ""}`);
  }
}
