/**
 * A2C: synchronous advantage actor-critic (Mnih et al. 2016, the synchronous variant of A3C).
 *
 * Each iteration collects `nSteps` steps from every copy of the vector env, computes n-step /
 * GAE advantages, and takes ONE gradient step on the whole rollout with the loss
 *   -mean(A * log pi(a|s)) + vfCoef * mean((V - R)^2) - entCoef * entropy
 * using RMSprop, as SB3's A2C does. It shares its rollout collection, networks and update code
 * with {@link PPO} (A2C is PPO with one epoch, one minibatch, no ratio clipping, RMSprop);
 * this file only holds its config and defaults.
 *
 * Defaults are SB3's A2C (stable_baselines3/a2c/a2c.py): learning_rate 7e-4, n_steps 5,
 * gamma 0.99, gae_lambda 1.0, ent_coef 0.0, vf_coef 0.5, max_grad_norm 0.5, RMSprop
 * (alpha 0.99, eps 1e-5), normalize_advantage False; RL-Zoo a2c.yml CartPole-v1: n_envs 8,
 * n_timesteps 5e5, ent_coef 0.0.
 */
import type { VectorEnv } from "../core/vector.js";
import type { Activation } from "../nn/mlp.js";
import { checkKnownKeys, checkNumber } from "./base.js";
import { readAgentCheckpoint } from "./checkpointing.js";
import { PPO, PPO_DEFAULTS } from "./ppo.js";

export interface A2CConfig {
  /** RMSprop step size (7e-4). */
  learningRate: number;
  /** Anneal the learning rate linearly to 0 (SB3: constant, false). */
  annealLr: boolean;
  /** Steps per env per update (5). */
  nSteps: number;
  gamma: number;
  /** GAE lambda (1.0: plain n-step returns). */
  gaeLambda: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  normalizeAdvantage: boolean;
  /** RMSprop smoothing (0.99) and epsilon (1e-5). */
  rmsAlpha: number;
  rmsEps: number;
  netArch: number[];
  activation: Activation;
  logStdInit: number;
  normalizeObs: boolean;
  normalizeReward: boolean;
  seed: number | undefined;
}

export const A2C_DEFAULTS: Readonly<A2CConfig> = Object.freeze({
  learningRate: 7e-4,
  annealLr: false,
  nSteps: 5,
  gamma: 0.99,
  gaeLambda: 1.0,
  entCoef: 0.0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normalizeAdvantage: false,
  rmsAlpha: 0.99,
  rmsEps: 1e-5,
  netArch: [64, 64],
  activation: "tanh",
  logStdInit: 0,
  normalizeObs: false,
  normalizeReward: false,
  seed: undefined,
});

export class A2C extends PPO {
  readonly a2cConfig: Readonly<A2CConfig>;

  constructor(env: VectorEnv, config: Partial<A2CConfig> = {}) {
    checkKnownKeys("A2C", config, A2C_DEFAULTS);
    const c: A2CConfig = { ...A2C_DEFAULTS, ...config };
    checkNumber("A2C", c, "rmsAlpha", { min: 0, max: 1 });
    checkNumber("A2C", c, "rmsEps", { min: 0, gtMin: true });
    checkNumber("A2C", c, "nSteps", { min: 1, integer: true });
    const { rmsAlpha, rmsEps, ...shared } = c;
    super(
      env,
      { ...shared, batchSize: c.nSteps * env.numEnvs, nEpochs: 1, clipRange: PPO_DEFAULTS.clipRange, annealClipRange: false, clipRangeVf: null, targetKl: null },
      { algo: "A2C", objective: "pg", optimizer: { kind: "rmsprop", alpha: rmsAlpha, eps: rmsEps } },
    );
    this.a2cConfig = Object.freeze(c);
  }

  protected override extraMeta(): Record<string, unknown> {
    return { a2c: { rmsAlpha: this.a2cConfig.rmsAlpha, rmsEps: this.a2cConfig.rmsEps } };
  }

  /** Loads an A2C checkpoint (see PPO.load). */
  static override async load(dir: string, env: VectorEnv): Promise<A2C> {
    const ck = await readAgentCheckpoint(dir, "A2C");
    const saved = ck.config as Record<string, unknown>;
    const cfg: Partial<A2CConfig> = {};
    for (const k of Object.keys(A2C_DEFAULTS) as (keyof A2CConfig)[]) if (k in saved) (cfg as Record<string, unknown>)[k] = saved[k];
    const meta = ck.meta as { a2c?: { rmsAlpha: number; rmsEps: number } };
    if (meta.a2c) Object.assign(cfg, meta.a2c);
    return PPO.restore(dir, ck, env, () => new A2C(env, cfg));
  }
}
