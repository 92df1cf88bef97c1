/** Task splits shared by the in-context learners (DPT, AD). */
import { Rng } from "../core/rng.js";
import type { GridPos } from "../envs/utils.js";

/**
 * Dark Room goals (every cell of a size x size room) split 80/20 into pretraining and held-out
 * goals by a fixed shuffle (as DPT's darkroom_heldout does); the same split for DPT and AD, so a
 * held-out goal is unseen by both.
 */
export function darkRoomGoalSplit(size: number, seed = 0): { train: GridPos[]; test: GridPos[] } {
  const goals: GridPos[] = [];
  for (let x = 0; x < size; x++) for (let y = 0; y < size; y++) goals.push([x, y]);
  new Rng(seed).shuffle(goals);
  const cut = Math.floor(0.8 * goals.length);
  return { train: goals.slice(0, cut), test: goals.slice(cut) };
}
