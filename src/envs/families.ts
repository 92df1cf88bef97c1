/**
 * Task families for meta-RL and in-context RL, gymnax-style: a family's `sample(rng)` draws one
 * task's params and `make(family, params)` builds that task's env. Because a task is just its
 * params, a batch of tasks is an array of params (`makeTaskVector(family, params)`).
 */
import type { TaskFamily } from "../core/registry.js";
import { Rng } from "../core/rng.js";
import { BANDIT_PRESETS, BernoulliBanditEnv, GaussianBanditEnv, LinearBanditEnv, type BernoulliBanditParams, type GaussianBanditParams, type LinearBanditParams } from "./bandits.js";
import { CARTPOLE_DEFAULTS, CartPoleEnv, type CartPoleParams } from "./cartpole.js";
import { DARK_KEY_TO_DOOR, DARK_ROOM, DarkKeyToDoorEnv, DarkRoomEnv, type DarkKeyToDoorParams, type DarkRoomParams } from "./grid-worlds.js";
import { Navigation2DEnv, VelocityTargetEnv, type Navigation2DParams, type VelocityTargetParams } from "./navigation.js";
import type { GridPos } from "./utils.js";

/** MAML's 2D navigation: goals uniform in [-0.5, 0.5]^2, horizon 100. */
export function navigation2DFamily(options: { low?: number; high?: number; horizon?: number } = {}): TaskFamily<Navigation2DParams, Navigation2DEnv> {
  const low = options.low ?? -0.5;
  const high = options.high ?? 0.5;
  const horizon = options.horizon ?? 100;
  return {
    name: "Navigation2D",
    sample: (rng: Rng) => ({ goal: [rng.uniform(low, high), rng.uniform(low, high)] as const, horizon }),
    create: (p) => new Navigation2DEnv(p),
    maxEpisodeSteps: (p) => p.horizon ?? horizon,
  };
}

/** CartPole with a sampled pole: half-length uniform in `length` and mass uniform in `masspole`. */
export function cartPoleFamily(options: { length?: [number, number]; masspole?: [number, number]; maxEpisodeSteps?: number } = {}): TaskFamily<CartPoleParams, CartPoleEnv> {
  const [l0, l1] = options.length ?? [0.25, 1.0];
  const [m0, m1] = options.masspole ?? [0.05, 0.5];
  return {
    name: "CartPoleFamily",
    sample: (rng: Rng) => ({ ...CARTPOLE_DEFAULTS, length: rng.uniform(l0, l1), masspole: rng.uniform(m0, m1) }),
    create: (p) => new CartPoleEnv({ params: p }),
    maxEpisodeSteps: options.maxEpisodeSteps ?? 500,
  };
}

/** Velocity targets uniform in [0, 2] (MAML's HalfCheetahVel range), horizon 200. */
export function velocityTargetFamily(options: { low?: number; high?: number; horizon?: number } = {}): TaskFamily<VelocityTargetParams, VelocityTargetEnv> {
  const low = options.low ?? 0;
  const high = options.high ?? 2;
  const horizon = options.horizon ?? 200;
  return {
    name: "VelocityTarget",
    sample: (rng: Rng) => ({ targetVelocity: rng.uniform(low, high), horizon }),
    create: (p) => new VelocityTargetEnv(p),
    maxEpisodeSteps: (p) => p.horizon ?? horizon,
  };
}

/**
 * Dark Room goals: every cell of the room is a task (uniform sampling). `base` picks the variant
 * (DARK_ROOM, DARK_ROOM_DPT, DARK_ROOM_HARD); `tasks()` lists all goals in a fixed order, for
 * train/test splits by goal.
 */
export function darkRoomFamily(base: Partial<DarkRoomParams> = DARK_ROOM): TaskFamily<DarkRoomParams, DarkRoomEnv> {
  const b = { ...DARK_ROOM, ...base };
  return {
    name: `DarkRoom${b.size}x${b.size}`,
    sample: (rng: Rng) => ({ ...b, goal: [rng.integer(b.size), rng.integer(b.size)] as GridPos }),
    create: (p) => new DarkRoomEnv(p),
    maxEpisodeSteps: (p) => p.horizon,
    tasks: () => {
      const out: DarkRoomParams[] = [];
      for (let x = 0; x < b.size; x++) for (let y = 0; y < b.size; y++) out.push({ ...b, goal: [x, y] });
      return out;
    },
  };
}

/** Dark Key-to-Door tasks: key and door cells sampled independently and uniformly (81^2 tasks in 9x9). */
export function darkKeyToDoorFamily(base: Partial<DarkKeyToDoorParams> = DARK_KEY_TO_DOOR): TaskFamily<DarkKeyToDoorParams, DarkKeyToDoorEnv> {
  const b = { ...DARK_KEY_TO_DOOR, ...base };
  return {
    name: `DarkKeyToDoor${b.size}x${b.size}`,
    sample: (rng: Rng) => ({ ...b, key: [rng.integer(b.size), rng.integer(b.size)] as GridPos, door: [rng.integer(b.size), rng.integer(b.size)] as GridPos }),
    create: (p) => new DarkKeyToDoorEnv(p),
    maxEpisodeSteps: (p) => p.horizon,
  };
}

/** Bernoulli bandits with arm probabilities uniform in [0, 1]. */
export function bernoulliBanditFamily(options: { arms?: number; horizon?: number } = {}): TaskFamily<BernoulliBanditParams, BernoulliBanditEnv> {
  const k = options.arms ?? BANDIT_PRESETS.dpt.arms;
  const horizon = options.horizon ?? BANDIT_PRESETS.dpt.horizon;
  return {
    name: `BernoulliBandit${k}`,
    sample: (rng: Rng) => ({ probs: Array.from({ length: k }, () => rng.random()), horizon }),
    create: (p) => new BernoulliBanditEnv(p),
    maxEpisodeSteps: (p) => p.horizon ?? horizon,
  };
}

/** Gaussian bandits with means uniform in [0, 1] (DPT's setup; defaults: 5 arms, 500 pulls, variance 0.3). */
export function gaussianBanditFamily(options: { arms?: number; horizon?: number; noiseVariance?: number } = {}): TaskFamily<GaussianBanditParams, GaussianBanditEnv> {
  const k = options.arms ?? BANDIT_PRESETS.dpt.arms;
  const horizon = options.horizon ?? BANDIT_PRESETS.dpt.horizon;
  const noiseVariance = options.noiseVariance ?? BANDIT_PRESETS.dpt.noiseVariance;
  return {
    name: `GaussianBandit${k}`,
    sample: (rng: Rng) => ({ means: Array.from({ length: k }, () => rng.random()), noiseVariance, horizon }),
    create: (p) => new GaussianBanditEnv(p),
    maxEpisodeSteps: (p) => p.horizon ?? horizon,
  };
}

/**
 * Linear bandits (defaults: DPT's 10 arms, d = 2, 200 pulls, variance 0.3). theta ~ N(0, I/d)
 * per task. Arm features ~ N(0, I/d) are drawn once per family from `armsSeed` and shared by
 * all tasks (as in DPT, where tasks differ only in theta); with `contextual: true` they are drawn
 * anew before every pull instead.
 */
export function linearBanditFamily(options: { arms?: number; dim?: number; horizon?: number; noiseVariance?: number; contextual?: boolean; armsSeed?: number } = {}): TaskFamily<LinearBanditParams, LinearBanditEnv> {
  const k = options.arms ?? BANDIT_PRESETS.dptLinear.arms;
  const d = options.dim ?? BANDIT_PRESETS.dptLinear.dim;
  const horizon = options.horizon ?? BANDIT_PRESETS.dptLinear.horizon;
  const noiseVariance = options.noiseVariance ?? BANDIT_PRESETS.dptLinear.noiseVariance;
  const contextual = options.contextual ?? false;
  const sd = 1 / Math.sqrt(d);
  const armRng = new Rng(options.armsSeed ?? 0);
  const arms = Array.from({ length: k }, () => Array.from({ length: d }, () => armRng.normal(0, sd)));
  return {
    name: `LinearBandit${k}x${d}`,
    sample: (rng: Rng) => ({
      theta: Array.from({ length: d }, () => rng.normal(0, sd)),
      ...(contextual ? { numArms: k, contextual: true } : { arms }),
      noiseVariance,
      horizon,
    }),
    create: (p) => new LinearBanditEnv(p),
    maxEpisodeSteps: (p) => p.horizon ?? horizon,
  };
}
