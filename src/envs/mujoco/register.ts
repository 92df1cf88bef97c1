/**
 * Registers the MuJoCo tasks with `make` (Gymnasium v5 ids, TimeLimit and reward thresholds from
 * gymnasium/envs/__init__.py). Building one needs `await loadMujoco()` first.
 *
 * | id | env | TimeLimit |
 * |----|-----|-----------|
 * | InvertedPendulum-v5 | {@link InvertedPendulumEnv} | 1000 |
 * | HalfCheetah-v5 | {@link HalfCheetahEnv} | 1000 |
 * | Hopper-v5 | {@link HopperEnv} | 1000 |
 * | Walker2d-v5 | {@link Walker2dEnv} | 1000 |
 * | Reacher-v5 | {@link ReacherEnv} | 50 |
 * | Ant-v5 | {@link AntEnv} | 1000 |
 * | Manipulation<Task>-v0 for the 15 tasks (ManipulationReach-v0, ManipulationPickPlace-v0, ManipulationDoorOpen-v0, ManipulationPegInsertSide-v0, ...: MANIPULATION_IDS below) | {@link ManipulationEnv} (a variation per reset) | 500 |
 *
 * `make(id, options)` passes the options (e.g. `{ctrlCostWeight: 0.2, frameSkip: 2, xml}`) to the
 * env's constructor; `make(id, {numEnvs: 16})` gives a SyncVectorEnv of them.
 */
import { register, registeredIds, type MakeOptions } from "../../core/registry.js";
import { ManipulationEnv } from "./manipulation.js";
import type { ManipulationTaskName } from "./manipulation-tasks.js";
import { AntEnv, HalfCheetahEnv, HopperEnv, InvertedPendulumEnv, ReacherEnv, Walker2dEnv } from "./tasks.js";

/** The manipulation ids: make(id) draws a task variation per reset. */
const MANIPULATION_IDS: readonly (readonly [string, ManipulationTaskName, string])[] = [
  ["ManipulationReach-v0", "reach", "hand to goal"],
  ["ManipulationPush-v0", "push", "puck to goal"],
  ["ManipulationPickPlace-v0", "pick-place", "lift the puck to a goal in the air"],
  ["ManipulationDoorOpen-v0", "door-open", "pull a door open by its handle"],
  ["ManipulationDrawerOpen-v0", "drawer-open", "pull a drawer open by its handle"],
  ["ManipulationDrawerClose-v0", "drawer-close", "push an open drawer shut"],
  ["ManipulationButtonPressTopdown-v0", "button-press-topdown", "press a button from above"],
  ["ManipulationPegInsertSide-v0", "peg-insert-side", "insert a peg sideways into a hole"],
  ["ManipulationWindowOpen-v0", "window-open", "slide a window open"],
  ["ManipulationWindowClose-v0", "window-close", "slide a window shut"],
  ["ManipulationDoorClose-v0", "door-close", "push an open door shut"],
  ["ManipulationPickPlaceWall-v0", "pick-place-wall", "lift the puck over a wall to a goal"],
  ["ManipulationReachWall-v0", "reach-wall", "hand over a wall to the goal"],
  ["ManipulationPushBack-v0", "push-back", "push the puck back toward the robot"],
  ["ManipulationButtonPress-v0", "button-press", "press a button that faces the robot"],
];

/** Registers the MuJoCo envs (done on import; safe to call again). */
export function registerMujocoEnvs(): void {
  if (registeredIds().includes("HalfCheetah-v5")) return;
  const model = ["xml", "file", "frameSkip"];
  const loco = [...model, "forwardRewardWeight", "ctrlCostWeight", "resetNoiseScale", "excludeCurrentPositionsFromObservation"];
  const walker = [...loco, "healthyReward", "terminateWhenUnhealthy", "healthyZRange", "healthyAngleRange", "healthyStateRange"];
  const allowed: Record<string, string[]> = {
    "InvertedPendulum-v5": [...model, "resetNoiseScale"],
    "HalfCheetah-v5": loco,
    "Hopper-v5": walker,
    "Walker2d-v5": walker,
    "Reacher-v5": [...model, "rewardDistWeight", "rewardControlWeight"],
    "Ant-v5": [...loco, "contactCostWeight", "healthyReward", "terminateWhenUnhealthy", "healthyZRange", "contactForceRange", "includeCfrcExtInObservation"],
    ...Object.fromEntries(MANIPULATION_IDS.map(([id]) => [id, ["frameSkip", "task"]])),
  };
  const makeKeys = new Set(["maxEpisodeSteps", "numEnvs", "autoreset"]);
  /** The env's options from make's, refusing misspelled ones. */
  const opts = <T>(o: MakeOptions, id: string): T => {
    for (const k of Object.keys(o)) {
      if (!makeKeys.has(k) && !allowed[id].includes(k)) throw new TypeError(`make("${id}"): unknown option "${k}"; the options are ${allowed[id].join(", ")}`);
    }
    return o as unknown as T;
  };
  register({ id: "InvertedPendulum-v5", create: (o) => new InvertedPendulumEnv(opts(o, "InvertedPendulum-v5")), maxEpisodeSteps: 1000, rewardThreshold: 950.0, description: "MuJoCo cart-pole (Gymnasium v5)" });
  register({ id: "HalfCheetah-v5", create: (o) => new HalfCheetahEnv(opts(o, "HalfCheetah-v5")), maxEpisodeSteps: 1000, rewardThreshold: 4800.0, description: "MuJoCo planar cheetah (Gymnasium v5)" });
  register({ id: "Hopper-v5", create: (o) => new HopperEnv(opts(o, "Hopper-v5")), maxEpisodeSteps: 1000, rewardThreshold: 3800.0, description: "MuJoCo one-legged hopper (Gymnasium v5)" });
  register({ id: "Walker2d-v5", create: (o) => new Walker2dEnv(opts(o, "Walker2d-v5")), maxEpisodeSteps: 1000, description: "MuJoCo planar biped (Gymnasium v5)" });
  register({ id: "Reacher-v5", create: (o) => new ReacherEnv(opts(o, "Reacher-v5")), maxEpisodeSteps: 50, rewardThreshold: -3.75, description: "MuJoCo 2-link reacher (Gymnasium v5)" });
  for (const [id, task, description] of MANIPULATION_IDS) {
    register({ id, create: (o) => new ManipulationEnv(task, opts(o, id)), maxEpisodeSteps: 500, description: `Meta-World-style ${task}: ${description}` });
  }
  register({ id: "Ant-v5", create: (o) => new AntEnv(opts(o, "Ant-v5")), maxEpisodeSteps: 1000, rewardThreshold: 6000.0, description: "MuJoCo quadruped (Gymnasium v5)" });
}

registerMujocoEnvs();

declare module "../../core/registry.js" {
  /** The MuJoCo envs' types, by id (what `make(id)` returns is typed from these). */
  interface EnvRegistry {
    "InvertedPendulum-v5": InvertedPendulumEnv;
    "HalfCheetah-v5": HalfCheetahEnv;
    "Hopper-v5": HopperEnv;
    "Walker2d-v5": Walker2dEnv;
    "Reacher-v5": ReacherEnv;
    "Ant-v5": AntEnv;
    "ManipulationReach-v0": ManipulationEnv;
    "ManipulationPush-v0": ManipulationEnv;
    "ManipulationDrawerOpen-v0": ManipulationEnv;
    "ManipulationDrawerClose-v0": ManipulationEnv;
    "ManipulationButtonPressTopdown-v0": ManipulationEnv;
    "ManipulationWindowOpen-v0": ManipulationEnv;
    "ManipulationWindowClose-v0": ManipulationEnv;
    "ManipulationPickPlace-v0": ManipulationEnv;
    "ManipulationDoorOpen-v0": ManipulationEnv;
    "ManipulationPegInsertSide-v0": ManipulationEnv;
    "ManipulationDoorClose-v0": ManipulationEnv;
    "ManipulationPickPlaceWall-v0": ManipulationEnv;
    "ManipulationReachWall-v0": ManipulationEnv;
    "ManipulationPushBack-v0": ManipulationEnv;
    "ManipulationButtonPress-v0": ManipulationEnv;
  }
}
