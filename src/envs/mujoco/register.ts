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
 * | ManipulationReach-v0, ManipulationPush-v0, ManipulationDrawerOpen-v0, ManipulationDrawerClose-v0, ManipulationButtonPressTopdown-v0, ManipulationWindowOpen-v0, ManipulationWindowClose-v0 | {@link ManipulationEnv} (a variation per reset) | 500 |
 *
 * `make(id, options)` passes the options (e.g. `{ctrlCostWeight: 0.2, frameSkip: 2, xml}`) to the
 * env's constructor; `make(id, {numEnvs: 16})` gives a SyncVectorEnv of them.
 */
import { register, registeredIds, type MakeOptions } from "../../core/registry.js";
import { ManipulationEnv } from "./manipulation.js";
import { AntEnv, HalfCheetahEnv, HopperEnv, InvertedPendulumEnv, ReacherEnv, Walker2dEnv } from "./tasks.js";

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
    "ManipulationReach-v0": ["frameSkip", "task"],
    "ManipulationPush-v0": ["frameSkip", "task"],
    "ManipulationDrawerOpen-v0": ["frameSkip", "task"],
    "ManipulationDrawerClose-v0": ["frameSkip", "task"],
    "ManipulationButtonPressTopdown-v0": ["frameSkip", "task"],
    "ManipulationWindowOpen-v0": ["frameSkip", "task"],
    "ManipulationWindowClose-v0": ["frameSkip", "task"],
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
  register({ id: "ManipulationReach-v0", create: (o) => new ManipulationEnv("reach", opts(o, "ManipulationReach-v0")), maxEpisodeSteps: 500, description: "Meta-World-style reach: hand to goal" });
  register({ id: "ManipulationPush-v0", create: (o) => new ManipulationEnv("push", opts(o, "ManipulationPush-v0")), maxEpisodeSteps: 500, description: "Meta-World-style push: puck to goal" });
  register({ id: "ManipulationDrawerOpen-v0", create: (o) => new ManipulationEnv("drawer-open", opts(o, "ManipulationDrawerOpen-v0")), maxEpisodeSteps: 500, description: "Meta-World-style drawer-open: pull a drawer open by its handle" });
  register({ id: "ManipulationDrawerClose-v0", create: (o) => new ManipulationEnv("drawer-close", opts(o, "ManipulationDrawerClose-v0")), maxEpisodeSteps: 500, description: "Meta-World-style drawer-close: push an open drawer shut" });
  register({ id: "ManipulationButtonPressTopdown-v0", create: (o) => new ManipulationEnv("button-press-topdown", opts(o, "ManipulationButtonPressTopdown-v0")), maxEpisodeSteps: 500, description: "Meta-World-style button-press-topdown: press a button from above" });
  register({ id: "ManipulationWindowOpen-v0", create: (o) => new ManipulationEnv("window-open", opts(o, "ManipulationWindowOpen-v0")), maxEpisodeSteps: 500, description: "Meta-World-style window-open: slide a window open" });
  register({ id: "ManipulationWindowClose-v0", create: (o) => new ManipulationEnv("window-close", opts(o, "ManipulationWindowClose-v0")), maxEpisodeSteps: 500, description: "Meta-World-style window-close: slide a window shut" });
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
  }
}
