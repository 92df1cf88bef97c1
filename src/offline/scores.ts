/**
 * Normalized scores, as D4RL reports them (Fu et al. 2020, section 5):
 *
 *   score = 100 * (return - random) / (expert - random)
 *
 * so 0 is a uniformly random policy and 100 an expert. D4RL's references are the returns of a
 * random policy and of its expert (SAC) per task; rlbook's envs have their own, below, measured
 * by `measureReferenceReturns` with the reference policies in {@link REFERENCE_POLICIES}
 * (hand-written controllers, so the numbers can be re-measured by anyone, in seconds):
 * the mean undiscounted return of 1000 episodes of each, env seeds 0..999 (one reset seed per
 * episode), deterministic controllers and uniformly random actions drawn from Rng(1).
 */
import { make } from "../core/registry.js";
import { Rng } from "../core/rng.js";
import { Box, Discrete } from "../core/spaces.js";
import "./goal-tasks.js";

/** A reference policy: an observation row (float32) -> an action in env layout. */
export type ReferencePolicy = (obs: Float32Array) => number | number[];

/** Pendulum swing-up: pump energy (torque along the velocity while below the upright's energy), then PD near the top. */
function pendulumTorque(o: Float32Array): number {
  const th = Math.atan2(o[1], o[0]);
  const w = o[2];
  if (Math.abs(th) < 0.8) return Math.max(-2, Math.min(2, -(12 * th + 2.5 * w)));
  // Energy relative to resting upright, with m = l = 1, g = 10: 0.5 I w^2 + m g (l / 2) (cos th - 1), I = m l^2 / 3.
  const energy = (0.5 * w * w) / 3 + 5 * (Math.cos(th) - 1);
  return energy < 0 ? 2 * Math.sign(w || 1) : -2 * Math.sign(w);
}

/** The expert controllers behind {@link REFERENCE_RETURNS}. */
export const REFERENCE_POLICIES: Readonly<Record<string, ReferencePolicy>> = Object.freeze({
  // Push toward where the pole is falling (angle plus half its angular velocity).
  "CartPole-v1": (o) => (o[2] + 0.5 * o[3] > 0 ? 1 : 0),
  // Push along the velocity: energy pumping.
  "MountainCar-v0": (o) => (o[1] >= 0 ? 2 : 0),
  "MountainCarContinuous-v0": (o) => [o[1] >= 0 ? 1 : -1],
  "GoalMountainCar-v0": (o) => (o[1] >= 0 ? 2 : 0),
  "Pendulum-v1": (o) => [pendulumTorque(o)],
  // The nearest of the three torques.
  "GoalPendulum-v0": (o) => {
    const u = pendulumTorque(o);
    return u > 1 ? 2 : u < -1 ? 0 : 1;
  },
  // Acrobot: torque along the second joint's angular velocity (energy pumping).
  "Acrobot-v1": (o) => (o[5] > 0 ? 2 : 0),
});

/** Random and expert returns per env id, with how they were measured (module comment). */
export interface ReferenceReturns {
  random: number;
  expert: number;
}

/** Measured with `measureReferenceReturns(id, 1000)` (see the module comment). */
export const REFERENCE_RETURNS: Readonly<Record<string, Readonly<ReferenceReturns>>> = Object.freeze({
  "CartPole-v1": { random: 22.585, expert: 500 },
  "Acrobot-v1": { random: -499.354, expert: -89.071 },
  "MountainCar-v0": { random: -200, expert: -119.343 },
  "MountainCarContinuous-v0": { random: -33.116, expert: 89.344 },
  "Pendulum-v1": { random: -1229.745, expert: -150.642 },
  "GoalMountainCar-v0": { random: -200, expert: -118.343 },
  "GoalPendulum-v0": { random: -164.317, expert: -30.153 },
});

/** Mean returns of the uniformly random policy and of the reference expert over `episodes` episodes. */
export function measureReferenceReturns(envId: string, episodes = 1000): ReferenceReturns {
  const expert = REFERENCE_POLICIES[envId];
  if (!expert) throw new RangeError(`measureReferenceReturns: no reference policy for "${envId}"; known: ${Object.keys(REFERENCE_POLICIES).join(", ")}`);
  const env = make(envId);
  const space = env.observationSpace;
  const act = env.actionSpace;
  const rng = new Rng(1);
  const row = new Float32Array(space.vecDim);
  const run = (policy: (o: Float32Array) => number | number[]): number => {
    let total = 0;
    for (let e = 0; e < episodes; e++) {
      let { obs } = env.reset({ seed: e });
      for (;;) {
        space.writeVec(obs, row, 0);
        const a = policy(row);
        const r = env.step(typeof a === "number" ? a : Float32Array.from(a));
        total += r.reward;
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
    }
    return total / episodes;
  };
  const random = (): number | number[] => {
    if (act instanceof Discrete) return act.start + rng.integer(act.n);
    if (act instanceof Box) return Array.from(act.low, (lo, j) => rng.uniform(lo, act.high[j]));
    throw new RangeError(`measureReferenceReturns: unsupported action space ${act}`);
  };
  return { random: run(random), expert: run(expert) };
}

/**
 * 100 * (return - random) / (expert - random) with the references of `envId` (or given ones).
 * Throws for an env without references, naming the ones that have them.
 */
export function normalizedScore(envId: string, ret: number, references: ReferenceReturns | undefined = REFERENCE_RETURNS[envId]): number {
  if (!references) throw new RangeError(`normalizedScore: no reference returns for "${envId}" (known: ${Object.keys(REFERENCE_RETURNS).join(", ")}); pass {random, expert} measured for it, e.g. measureReferenceReturns(id)`);
  if (references.expert === references.random) throw new RangeError(`normalizedScore: expert and random references of "${envId}" are equal (${references.expert})`);
  return (100 * (ret - references.random)) / (references.expert - references.random);
}
