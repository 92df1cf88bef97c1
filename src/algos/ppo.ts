/**
 * PPO: Proximal Policy Optimization (Schulman et al. 2017), clipped objective, GAE, value
 * clipping, entropy bonus, minibatch epochs, scheduled learning rate and clip range, optional
 * observation / reward normalization; discrete (Categorical) and continuous (DiagGaussian with a
 * state-independent log-std) actions.
 *
 * Reads like CleanRL's ppo.py / ppo_continuous_action.py: collect `nSteps` steps from every copy
 * of the vector env, compute advantages, then `nEpochs` passes of shuffled minibatches. The
 * rollout, GAE, acting and checkpoint plumbing are on-policy.ts's (shared with A2C); this file
 * holds PPO's config and its update.
 * Defaults are CleanRL's ppo.py (cleanrl/ppo.py `Args`), which match SB3's PPO except where noted;
 * `PPO_PRESETS` holds RL-Zoo's tuned settings (rl-baselines3-zoo hyperparams/ppo.yml).
 *
 * Speed: acting is one batched forward per vector step (both networks, one read-back), sampling
 * happens in plain JS with the agent's seeded Rng; an update step is one fused forward/backward
 * (see nn/mlp.ts) and one fused Adam step, with no read-back until the update's end (one awaited
 * read of the stats, one of the actor's weights for its host copy).
 */
import { gatherRows } from "../buffers/rollout.js";
import { Adam } from "../nn/optimizers.js";
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { mlpGrads } from "../nn/mlp.js";
import { tf, type Tensor } from "../nn/tf.js";
import { readFloats } from "../nn/read.js";
import { meanStats, presetConfig, toVectorEnv, type AgentEnv, type ConfigCheck, type Presets } from "./base.js";
import { OnPolicyAgent, loadOnPolicy, normalizeInPlace, shuffleInPlace, type OnPolicyConfig } from "./on-policy.js";
import { linearSchedule, rateAt, type Rate } from "./schedules.js";
import { ppoLossPieces } from "./losses.js";

export interface PPOConfig extends OnPolicyConfig {
  /** Adam step size, a number or a schedule (CleanRL 2.5e-4 annealed to 0: `linearSchedule(2.5e-4, 0)`; SB3 3e-4 constant). */
  learningRate: Rate;
  /** Steps per env per rollout (CleanRL `num_steps` 128; SB3 `n_steps` 2048). */
  nSteps: number;
  /** Minibatch size (CleanRL: 4 envs x 128 steps / `num_minibatches` 4 = 128; SB3 64). */
  batchSize: number;
  /** Passes over each rollout (CleanRL `update_epochs` 4; SB3 `n_epochs` 10). */
  nEpochs: number;
  /** Surrogate clipping coefficient, a number or a schedule (0.2; RL-Zoo's `lin_0.2` is `linearSchedule(0.2, 0)`). */
  clipRange: Rate;
  /** Clip the value update to this distance from the old values (a number or a schedule); null: no clipping (CleanRL `clip_vloss` True with 0.2; SB3 None). */
  clipRangeVf: Rate | null;
  /** Entropy bonus coefficient (CleanRL 0.01; SB3 0.0). */
  entCoef: number;
  /** Stop an update's epochs early when the approximate KL exceeds this; null: never (default). */
  targetKl: number | null;
  /** Adam epsilon (CleanRL 1e-5). */
  adamEps: number;
}

/** CleanRL ppo.py defaults. */
export const PPO_DEFAULTS: Readonly<PPOConfig> = Object.freeze({
  learningRate: linearSchedule(2.5e-4, 0),
  nSteps: 128,
  batchSize: 128,
  nEpochs: 4,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipRange: 0.2,
  clipRangeVf: 0.2,
  normalizeAdvantage: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  adamEps: 1e-5,
  netArch: [64, 64],
  activation: "tanh",
  logStdInit: 0,
  normalizeObs: false,
  normalizeReward: false,
  seed: undefined,
});

/**
 * Tuned settings per env id. RL-Zoo's ppo.yml (tuned with `make(id, {numEnvs})` of the given size):
 * - CartPole-v1: n_envs 8, n_timesteps 1e5, n_steps 32, batch_size 256, gae_lambda 0.8,
 *   gamma 0.98, n_epochs 20, ent_coef 0.0, learning_rate lin_0.001, clip_range lin_0.2.
 * - Pendulum-v1: n_envs 4, n_timesteps 1e5, n_steps 1024, gae_lambda 0.95, gamma 0.9,
 *   n_epochs 10, ent_coef 0.0, learning_rate 1e-3, clip_range 0.2, use_sde True (not here).
 * "CartPole-v1/fast" is rlbook's: the same hyperparameters with 16 envs, 64-step rollouts,
 * 512-sample minibatches and 10 epochs: ~4x fewer gradient steps for the same data (see
 * bench/train.ts for measured time and steps to solve).
 *
 * With another env count, {@link PPO.preset} keeps `nSteps` per env (as RL-Zoo's `n_steps`) and
 * caps `batchSize` at the rollout size nSteps x numEnvs (SB3 then uses the whole rollout as one
 * minibatch).
 */
export const PPO_PRESETS = {
  "CartPole-v1": {
    numEnvs: 8,
    steps: 100_000,
    config: { nSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, nEpochs: 20, entCoef: 0.0, learningRate: linearSchedule(1e-3, 0), clipRange: linearSchedule(0.2, 0), clipRangeVf: null },
  },
  "CartPole-v1/fast": {
    numEnvs: 16,
    steps: 100_000,
    config: { nSteps: 64, batchSize: 512, gaeLambda: 0.8, gamma: 0.98, nEpochs: 10, entCoef: 0.0, learningRate: linearSchedule(1e-3, 0), clipRange: linearSchedule(0.2, 0), clipRangeVf: null },
  },
  "Pendulum-v1": {
    numEnvs: 4,
    steps: 100_000,
    config: { nSteps: 1024, batchSize: 64, gaeLambda: 0.95, gamma: 0.9, nEpochs: 10, entCoef: 0.0, learningRate: 1e-3, clipRange: 0.2, clipRangeVf: null },
  },
} satisfies Presets<PPOConfig>;

/** The names of PPO_PRESETS (the presets of PPO.preset). */
export type PPOPresetName = keyof typeof PPO_PRESETS;

function validate(check: ConfigCheck, c: PPOConfig, numEnvs: number): void {
  check.number("batchSize", { min: 1, integer: true });
  if (!check.failed("batchSize") && !check.failed("nSteps") && c.batchSize > c.nSteps * numEnvs) {
    check.fail(
      "batchSize",
      c.batchSize,
      `an integer from 1 to nSteps x numEnvs = ${c.nSteps} x ${numEnvs} = ${c.nSteps * numEnvs} (the rollout size; use a smaller batchSize, a larger nSteps, or more envs)`,
    );
  }
  check.number("nEpochs", { min: 1, integer: true });
  check.rate("clipRange", { min: 0, gtMin: true });
  check.rate("clipRangeVf", { min: 0, gtMin: true, optional: true });
  check.number("targetKl", { min: 0, gtMin: true, optional: true });
  check.number("adamEps", { min: 0, gtMin: true });
}

/** PPO; `A` is the env's action type (what {@link PPO.act} returns). */
export class PPO<A = any> extends OnPolicyAgent<PPOConfig, A> {
  constructor(env: AgentEnv<A>, config: Partial<PPOConfig> = {}) {
    super(env, config, { algo: "PPO", defaults: PPO_DEFAULTS, validate, optimizer: (vars, c) => new Adam(vars, { lr: rateAt(c.learningRate, 1), eps: c.adamEps, maxGradNorm: c.maxGradNorm }) });
  }

  /**
   * A PPO agent with a preset's tuned config (overrides on top). Presets: "CartPole-v1",
   * "CartPole-v1/fast" and "Pendulum-v1" (see PPO_PRESETS for their sources and env counts).
   * With another env count than the preset's, `nSteps` stays per env and `batchSize` is capped
   * at the rollout size nSteps x numEnvs.
   */
  static preset<A>(name: keyof typeof PPO_PRESETS, env: AgentEnv<A>, overrides: Partial<PPOConfig> = {}): PPO<A> {
    const config: Partial<PPOConfig> = { ...presetConfig("PPO", PPO_PRESETS as Presets<PPOConfig>, name) };
    const venv = toVectorEnv(env, "PPO");
    const rollout = (overrides.nSteps ?? config.nSteps ?? PPO_DEFAULTS.nSteps) * venv.numEnvs;
    if (config.batchSize !== undefined && config.batchSize > rollout) config.batchSize = rollout;
    return new PPO(venv as AgentEnv<A>, { ...config, ...overrides });
  }

  /** Loads a checkpoint written by `save` for `env` (same spaces); `overrides` replace saved config values. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<PPOConfig> = {}): Promise<PPO<A>> {
    const venv = toVectorEnv(env, "PPO");
    return loadOnPolicy(dir, "PPO", venv, (cfg) => new PPO<A>(venv as AgentEnv<A>, { ...(cfg as Partial<PPOConfig>), ...overrides }));
  }

  protected override async update(progressRemaining: number): Promise<Record<string, number>> {
    const clip = Math.max(rateAt(this.config.clipRange, progressRemaining), 1e-8);
    const clipVf = this.config.clipRangeVf === null ? null : rateAt(this.config.clipRangeVf, progressRemaining);
    const losses = await this.minibatchEpochs(clip, clipVf);
    losses.clipRange = clip;
    return losses;
  }

  /** nEpochs passes of shuffled minibatches over the valid transitions of the rollout. */
  private async minibatchEpochs(clip: number, clipVf: number | null): Promise<Record<string, number>> {
    const c = this.config;
    const buf = this.buffer;
    const idx = buf.validIndices();
    const n = idx.length;
    const D = this.enc.inputDim;
    const ad = this.actDim;
    const isDiscrete = this.spec.kind === "discrete";
    const stats: Tensor[] = [];
    let epochsDone = 0;
    for (let epoch = 0; epoch < c.nEpochs; epoch++) {
      shuffleInPlace(idx, this.rng);
      const epochStats: Tensor[] = [];
      for (let start = 0; start < n; start += c.batchSize) {
        const mb = idx.subarray(start, Math.min(n, start + c.batchSize));
        const B = mb.length;
        const obs = gatherRows(buf.obs, D, mb);
        const act = gatherRows(buf.actions, ad, mb);
        const oldLogp = gatherRows(buf.logProbs, 1, mb);
        const adv = gatherRows(buf.advantages, 1, mb);
        const ret = gatherRows(buf.returns, 1, mb);
        const oldV = gatherRows(buf.values, 1, mb);
        if (c.normalizeAdvantage && B > 1) normalizeInPlace(adv);
        const s = tf.tidy(() => {
          const xt = tf.tensor2d(obs, [B, D]);
          const at = isDiscrete ? tf.tensor1d(Int32Array.from(act), "int32") : tf.tensor2d(act, [B, ad]);
          const oldLp = tf.tensor1d(oldLogp);
          const advT = tf.tensor1d(adv);
          const retT = tf.tensor1d(ret);
          const oldVT = tf.tensor1d(oldV);
          let out: Tensor[] = [];
          const head = (logits: Tensor, value: Tensor, logStd?: Tensor) => {
            const lp = isDiscrete ? Categorical.logProb(logits, at) : DiagGaussian.logProb(logits, logStd!, at);
            const ent = isDiscrete ? tf.mean(Categorical.entropy(logits)) : tf.mean(DiagGaussian.entropy(logStd!));
            const pieces = ppoLoss({ logp: lp, oldLogp: oldLp, adv: advT, value: tf.reshape(value, [-1]), oldValue: oldVT, returns: retT, clip, clipVf });
            // Kept past valueAndGrads' internal scope; disposed below once stacked.
            out = [pieces.policyLoss, pieces.valueLoss, ent, pieces.approxKl, pieces.clipFraction].map((t) => tf.keep(t));
            return tf.add(tf.sub(pieces.policyLoss, tf.mul(ent, c.entCoef)), tf.mul(pieces.valueLoss, c.vfCoef));
          };
          const g = mlpGrads([this.actor, this.critic], [xt, xt], head, isDiscrete ? [] : [this.logStd!]);
          const norm = this.optimizer.apply(g.grads);
          const st = tf.stack([g.loss, ...out, norm ?? tf.scalar(0)]);
          tf.dispose(out);
          norm?.dispose();
          return st;
        });
        epochStats.push(s);
      }
      stats.push(...epochStats);
      epochsDone++;
      if (c.targetKl !== null) {
        const kl = tf.tidy(() => tf.mean(tf.stack(epochStats.map((s) => tf.slice(s, [4], [1])))));
        // One read per epoch, only with early stopping on.
        const v = (await readFloats(kl, { dispose: true }))[0];
        if (v > c.targetKl) break;
      }
    }
    const v = await meanStats(stats);
    return {
      loss: v[0],
      policyLoss: v[1],
      valueLoss: v[2],
      entropy: v[3],
      approxKl: v[4],
      clipFraction: v[5],
      gradNorm: v[6],
      epochs: epochsDone,
    };
  }
}

/** The pieces of PPO's loss for a minibatch (all means over the batch; losses.ts's ppoLossPieces). */
export function ppoLoss(a: { logp: Tensor; oldLogp: Tensor; adv: Tensor; value: Tensor; oldValue: Tensor; returns: Tensor; clip: number; clipVf: number | null }): {
  policyLoss: Tensor;
  valueLoss: Tensor;
  approxKl: Tensor;
  clipFraction: Tensor;
} {
  return ppoLossPieces({ ...a, mean: (t) => tf.mean(t) });
}
