/**
 * Offline-to-online fine-tuning: an offline TD3+BC agent continues as an online TD3 agent (the
 * same actor and critics, the replay buffer prefilled with the dataset), so `train(td3, {steps})`
 * improves it with fresh experience, as in the offline-to-online setting of Fujimoto & Gu 2021 and
 * CORL's fine-tuning runs. Dropping the behaviour-cloning term online is the simplest schedule.
 *
 * The online agent reads raw observations, so the offline agent must have been trained with
 * `normalizeObs: false`.
 */
import type { VectorEnv } from "../core/vector.js";
import { TD3, type TD3Config } from "../algos/td3.js";
import { ConfigError } from "../algos/base.js";
import type { TD3BC } from "./td3bc.js";

/** A TD3 agent on `env` starting from `offline`'s networks, with its dataset in the replay buffer. */
export function td3FromTD3BC(offline: TD3BC, env: VectorEnv, config: Partial<TD3Config> = {}): TD3 {
  if (offline.config.normalizeObs) throw new ConfigError("TD3+BC", "normalizeObs", true, "false for fine-tuning online (TD3 reads raw observations): train the offline agent with {normalizeObs: false}");
  const ds = offline.dataset;
  const td3 = new TD3(env, { netArch: offline.config.netArch, gamma: offline.config.gamma, tau: offline.config.tau, policyNoise: offline.config.policyNoise, noiseClip: offline.config.noiseClip, policyFrequency: offline.config.policyFrequency, learningStarts: 0, bufferSize: Math.max(ds.size * 2, 100_000), ...config });
  td3.actor.copyFrom(offline.actor);
  td3.actorTarget.copyFrom(offline.actorTarget);
  td3.q1.copyFrom(offline.q1);
  td3.q2.copyFrom(offline.q2);
  td3.q1Target.copyFrom(offline.q1Target);
  td3.q2Target.copyFrom(offline.q2Target);
  for (let i = 0; i < ds.size; i++) td3.replay.add(ds.obs(i), ds.action(i), ds.rewards[i], ds.nextObservations.subarray(i * ds.obsDim, (i + 1) * ds.obsDim), ds.terminals[i] === 1, td3.config.gamma);
  return td3;
}
