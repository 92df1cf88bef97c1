/**
 * rlbook's built-in environments, registered with `make` on import:
 *
 * | id | env | TimeLimit |
 * |----|-----|-----------|
 * | CartPole-v1 | {@link CartPoleEnv} (vector: {@link CartPoleVectorEnv}) | 500 |
 * | Acrobot-v1 | {@link AcrobotEnv} | 500 |
 * | MountainCar-v0 | {@link MountainCarEnv} | 200 |
 * | MountainCarContinuous-v0 | {@link MountainCarContinuousEnv} | 999 |
 * | Pendulum-v1 | {@link PendulumEnv} | 200 |
 * | DarkRoom-v0, DarkRoomDPT-v0, DarkRoomHard-v0 | {@link DarkRoomEnv} | 20, 100, 20 |
 * | DarkKeyToDoor-v0 | {@link DarkKeyToDoorEnv} | 50 |
 * | BernoulliBandit-v0, GaussianBandit-v0, LinearBandit-v0 | bandits (task from `taskSeed`) | horizon |
 * | DPT-Bandit-v0, DPT-LinearBandit-v0 | DPT presets (task from `taskSeed`) | 500, 200 |
 * | Navigation2D-v0, VelocityTarget-v0 | meta-RL tasks | 100, 200 |
 * | BitFlipping-v0, Reach2D-v0 | goal-conditioned (HER) | n, 50 |
 */
import type { Env } from "../core/env.js";
import { register, type MakeOptions, type TaskFamily } from "../core/registry.js";
import { Rng } from "../core/rng.js";
import { AcrobotEnv, type AcrobotParams } from "./acrobot.js";
import { BANDIT_PRESETS, BanditEnv, type BernoulliBanditEnv, type GaussianBanditEnv, type LinearBanditEnv } from "./bandits.js";
import { CartPoleEnv, CartPoleVectorEnv, type CartPoleParams } from "./cartpole.js";
import { bernoulliBanditFamily, gaussianBanditFamily, linearBanditFamily } from "./families.js";
import { BitFlippingEnv, Reach2DEnv, type Reach2DOptions } from "./goal-envs.js";
import { DARK_KEY_TO_DOOR, DARK_ROOM, DARK_ROOM_DPT, DARK_ROOM_HARD, DarkKeyToDoorEnv, DarkRoomEnv, type DarkKeyToDoorParams, type DarkRoomParams } from "./grid-worlds.js";
import { MountainCarContinuousEnv, MountainCarEnv, type MountainCarParams } from "./mountain-car.js";
import { Navigation2DEnv, VelocityTargetEnv, type Navigation2DParams, type VelocityTargetParams } from "./navigation.js";
import { PendulumEnv, type PendulumParams } from "./pendulum.js";

export * from "./acrobot.js";
export * from "./bandits.js";
export * from "./cartpole.js";
export * from "./families.js";
export * from "./goal-envs.js";
export * from "./grid-worlds.js";
export * from "./mountain-car.js";
export * from "./navigation.js";
export * from "./pendulum.js";

declare module "../core/registry.js" {
  /** The built-in envs' types, by id (what `make(id)` returns is typed from these). */
  interface EnvRegistry {
    "CartPole-v1": CartPoleEnv;
    "Acrobot-v1": AcrobotEnv;
    "MountainCar-v0": MountainCarEnv;
    "MountainCarContinuous-v0": MountainCarContinuousEnv;
    "Pendulum-v1": PendulumEnv;
    "DarkRoom-v0": DarkRoomEnv;
    "DarkRoomDPT-v0": DarkRoomEnv;
    "DarkRoomHard-v0": DarkRoomEnv;
    "DarkKeyToDoor-v0": DarkKeyToDoorEnv;
    "BernoulliBandit-v0": BernoulliBanditEnv;
    "GaussianBandit-v0": GaussianBanditEnv;
    "LinearBandit-v0": LinearBanditEnv;
    "DPT-Bandit-v0": GaussianBanditEnv;
    "DPT-LinearBandit-v0": LinearBanditEnv;
    "Navigation2D-v0": Navigation2DEnv;
    "VelocityTarget-v0": VelocityTargetEnv;
    "BitFlipping-v0": BitFlippingEnv;
    "Reach2D-v0": Reach2DEnv;
  }
}

function params<P>(o: MakeOptions): Partial<P> | undefined {
  return o.params as Partial<P> | undefined;
}

/** A bandit task from `params`, or sampled from `family` with `taskSeed` (default 0). */
function banditTask<P>(family: TaskFamily<P>, o: MakeOptions): Env {
  const p = (o.params as P | undefined) ?? family.sample(new Rng(typeof o.taskSeed === "number" ? o.taskSeed : 0));
  return family.create(p);
}

const horizonOf = (env: Env): number | undefined => (env as unknown as { horizon?: number }).horizon;

let registered = false;

/** Registers the built-in envs (done on import; safe to call again). */
export function registerBuiltinEnvs(): void {
  if (registered) return;
  registered = true;
  register({
    id: "CartPole-v1",
    create: (o) => new CartPoleEnv({ params: params<CartPoleParams>(o), suttonBartoReward: o.suttonBartoReward === true }),
    createVector: (o) =>
      new CartPoleVectorEnv({ numEnvs: o.numEnvs, autoreset: o.autoreset, params: params<CartPoleParams>(o), suttonBartoReward: o.suttonBartoReward === true, maxEpisodeSteps: o.maxEpisodeSteps ?? 2 ** 31 - 1 }),
    maxEpisodeSteps: 500,
    rewardThreshold: 475.0,
    description: "balance a pole on a cart (Gymnasium 1.x)",
  });
  register({ id: "Acrobot-v1", create: (o) => new AcrobotEnv({ params: params<AcrobotParams>(o) }), maxEpisodeSteps: 500, rewardThreshold: -100.0 });
  register({ id: "MountainCar-v0", create: (o) => new MountainCarEnv({ params: params<MountainCarParams>(o) }), maxEpisodeSteps: 200, rewardThreshold: -110.0 });
  register({ id: "MountainCarContinuous-v0", create: (o) => new MountainCarContinuousEnv({ params: params<MountainCarParams>(o) }), maxEpisodeSteps: 999, rewardThreshold: 90.0 });
  register({ id: "Pendulum-v1", create: (o) => new PendulumEnv({ params: params<PendulumParams>(o) }), maxEpisodeSteps: 200 });

  const gridHorizon = (env: Env): number => ((env as DarkRoomEnv | DarkKeyToDoorEnv).params.horizon);
  register({ id: "DarkRoom-v0", create: (o) => new DarkRoomEnv({ ...DARK_ROOM, ...params<DarkRoomParams>(o) }), maxEpisodeSteps: gridHorizon });
  register({ id: "DarkRoomDPT-v0", create: (o) => new DarkRoomEnv({ ...DARK_ROOM_DPT, ...params<DarkRoomParams>(o) }), maxEpisodeSteps: gridHorizon });
  register({ id: "DarkRoomHard-v0", create: (o) => new DarkRoomEnv({ ...DARK_ROOM_HARD, ...params<DarkRoomParams>(o) }), maxEpisodeSteps: gridHorizon });
  register({ id: "DarkKeyToDoor-v0", create: (o) => new DarkKeyToDoorEnv({ ...DARK_KEY_TO_DOOR, ...params<DarkKeyToDoorParams>(o) }), maxEpisodeSteps: gridHorizon });

  const num = (o: MakeOptions, k: string): number | undefined => (typeof o[k] === "number" ? (o[k] as number) : undefined);
  register({ id: "BernoulliBandit-v0", create: (o) => banditTask(bernoulliBanditFamily({ arms: num(o, "arms"), horizon: num(o, "horizon") }), o), maxEpisodeSteps: horizonOf });
  register({ id: "GaussianBandit-v0", create: (o) => banditTask(gaussianBanditFamily({ arms: num(o, "arms"), horizon: num(o, "horizon"), noiseVariance: num(o, "noiseVariance") }), o), maxEpisodeSteps: horizonOf });
  register({
    id: "LinearBandit-v0",
    create: (o) => banditTask(linearBanditFamily({ arms: num(o, "arms"), dim: num(o, "dim"), horizon: num(o, "horizon"), noiseVariance: num(o, "noiseVariance"), contextual: o.contextual === true }), o),
    maxEpisodeSteps: horizonOf,
  });
  register({ id: "DPT-Bandit-v0", create: (o) => banditTask(gaussianBanditFamily(BANDIT_PRESETS.dpt), o), maxEpisodeSteps: (env) => (env as BanditEnv).horizon });
  register({ id: "DPT-LinearBandit-v0", create: (o) => banditTask(linearBanditFamily(BANDIT_PRESETS.dptLinear), o), maxEpisodeSteps: (env) => (env as BanditEnv).horizon });

  register({ id: "Navigation2D-v0", create: (o) => new Navigation2DEnv({ goal: [0.25, 0.25], ...params<Navigation2DParams>(o) }), maxEpisodeSteps: (env) => (env as Navigation2DEnv).params.horizon });
  register({ id: "VelocityTarget-v0", create: (o) => new VelocityTargetEnv({ targetVelocity: 1, ...params<VelocityTargetParams>(o) }), maxEpisodeSteps: (env) => (env as VelocityTargetEnv).params.horizon });
  register({ id: "BitFlipping-v0", create: (o) => new BitFlippingEnv(num(o, "n") ?? 10), maxEpisodeSteps: horizonOf });
  register({ id: "Reach2D-v0", create: (o) => new Reach2DEnv(o as Reach2DOptions), maxEpisodeSteps: horizonOf });
}

registerBuiltinEnvs();
export * from "./mujoco/index.js";
