/**
 * A2C: synchronous advantage actor-critic (Mnih et al. 2016, the synchronous variant of A3C).
 *
 * Each iteration collects `nSteps` steps from every copy of the vector env, computes n-step /
 * GAE advantages (on-policy.ts, shared with PPO), and takes ONE RMSprop step on the whole
 * rollout with the loss
 *   -mean(A * log pi(a|s)) + vfCoef * mean((V - R)^2) - entCoef * entropy,
 * as SB3's A2C does. This file holds A2C's config extras and that update.
 *
 * Defaults are SB3's A2C (stable_baselines3/a2c/a2c.py): learning_rate 7e-4, n_steps 5,
 * gamma 0.99, gae_lambda 1.0, ent_coef 0.0, vf_coef 0.5, max_grad_norm 0.5, RMSprop
 * (alpha 0.99, eps 1e-5), normalize_advantage False; RL-Zoo a2c.yml CartPole-v1: n_envs 8,
 * n_timesteps 5e5, ent_coef 0.0.
 */
import { Categorical, DiagGaussian } from "../nn/distributions.js";
import { mlpGrads } from "../nn/mlp.js";
import { RMSprop } from "../nn/optimizers.js";
import { tf, type Tensor } from "../nn/tf.js";
import { readFloats } from "../nn/read.js";
import { toVectorEnv, type AgentEnv, type ConfigCheck } from "./base.js";
import { OnPolicyAgent, loadOnPolicy, normalizeInPlace, type OnPolicyConfig } from "./on-policy.js";
import { rateAt } from "./schedules.js";

export interface A2CConfig extends OnPolicyConfig {
  /** RMSprop smoothing constant (torch's alpha; 0.99). */
  rmsAlpha: number;
  /** RMSprop epsilon (1e-5). */
  rmsEps: number;
}

/** SB3's A2C defaults. */
export const A2C_DEFAULTS: Readonly<A2CConfig> = Object.freeze({
  learningRate: 7e-4,
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

function validate(check: ConfigCheck): void {
  check.number("rmsAlpha", { min: 0, max: 1 });
  check.number("rmsEps", { min: 0, gtMin: true });
}

/** A2C; `A` is the env's action type (what {@link A2C.act} returns). */
export class A2C<A = any> extends OnPolicyAgent<A2CConfig, A> {
  constructor(env: AgentEnv<A>, config: Partial<A2CConfig> = {}) {
    super(env, config, {
      algo: "A2C",
      defaults: A2C_DEFAULTS,
      validate,
      optimizer: (vars, c) => new RMSprop(vars, { lr: rateAt(c.learningRate, 1), alpha: c.rmsAlpha, eps: c.rmsEps, maxGradNorm: c.maxGradNorm }),
    });
  }

  /** Loads an A2C checkpoint (see PPO.load); `overrides` replace saved config values. */
  static async load<A>(dir: string, env: AgentEnv<A>, overrides: Partial<A2CConfig> = {}): Promise<A2C<A>> {
    const venv = toVectorEnv(env, "A2C");
    return loadOnPolicy(dir, "A2C", venv, (cfg, ck) => {
      // Checkpoints written when A2C was a PPO variant kept RMSprop's settings in meta.a2c.
      const legacy = (ck.meta as { a2c?: { rmsAlpha: number; rmsEps: number } }).a2c;
      const known: Record<string, unknown> = {};
      for (const k of Object.keys(A2C_DEFAULTS)) if (k in cfg) known[k] = cfg[k];
      return new A2C<A>(venv as AgentEnv<A>, { ...known, ...legacy, ...overrides } as Partial<A2CConfig>);
    });
  }

  /** One gradient step on the whole rollout (SB3's A2C.train). */
  protected override async update(): Promise<Record<string, number>> {
    const c = this.config;
    const buf = this.buffer;
    const idx = buf.validIndices();
    const n = idx.length;
    const D = this.enc.inputDim;
    const ad = this.actDim;
    const isDiscrete = this.spec.kind === "discrete";
    const obs = new Float32Array(n * D);
    const act = new Float32Array(n * ad);
    const adv = new Float32Array(n);
    const ret = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const i = idx[k];
      obs.set(buf.obs.subarray(i * D, (i + 1) * D), k * D);
      act.set(buf.actions.subarray(i * ad, (i + 1) * ad), k * ad);
      adv[k] = buf.advantages[i];
      ret[k] = buf.returns[i];
    }
    if (c.normalizeAdvantage && n > 1) normalizeInPlace(adv);
    const s = tf.tidy(() => {
      const xt = tf.tensor2d(obs, [n, D]);
      const at = isDiscrete ? tf.tensor1d(Int32Array.from(act), "int32") : tf.tensor2d(act, [n, ad]);
      const advT = tf.tensor1d(adv);
      const retT = tf.tensor1d(ret);
      let out: Tensor[] = [];
      const head = (logits: Tensor, value: Tensor, logStd?: Tensor) => {
        const lp = isDiscrete ? Categorical.logProb(logits, at) : DiagGaussian.logProb(logits, logStd!, at);
        const ent = isDiscrete ? tf.mean(Categorical.entropy(logits)) : tf.mean(DiagGaussian.entropy(logStd!));
        const policyLoss = tf.neg(tf.mean(tf.mul(advT, lp)));
        const valueLoss = tf.mean(tf.square(tf.sub(tf.reshape(value, [-1]), retT)));
        // Kept past valueAndGrads' internal scope; disposed below once stacked.
        out = [policyLoss, valueLoss, ent].map((t) => tf.keep(t));
        return tf.add(tf.sub(policyLoss, tf.mul(ent, c.entCoef)), tf.mul(valueLoss, c.vfCoef));
      };
      const g = mlpGrads([this.actor, this.critic], [xt, xt], head, isDiscrete ? [] : [this.logStd!]);
      const norm = this.optimizer.apply(g.grads);
      const st = tf.stack([g.loss, ...out, norm ?? tf.scalar(0)]);
      tf.dispose(out);
      norm?.dispose();
      return st;
    });
    const v = await readFloats(s, { dispose: true });
    return { loss: v[0], policyLoss: v[1], valueLoss: v[2], entropy: v[3], gradNorm: v[4] };
  }
}
