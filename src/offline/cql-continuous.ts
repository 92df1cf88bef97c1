/**
 * Conservative Q-Learning for continuous actions (Kumar, Zhou, Tucker & Levine 2020, "Conservative
 * Q-Learning for Offline Reinforcement Learning", CQL(H) on SAC): SAC's twin critics, squashed
 * Gaussian actor and learned entropy temperature, with a penalty in each critic's loss that pushes
 * down a soft maximum of Q over sampled actions and pushes up Q on the dataset's actions.
 *
 * Per update, on a minibatch (s, a, r, s', d) (actions written in the [-1, 1] box the tanh squashes
 * into; the critics read env-scale actions a_env = a * scale + bias):
 *   actor:   loss = mean(alpha log pi(a~|s) - min_i Q_i(s, a~)),  a~ ~ pi(s) reparameterized
 *            (for the first `bcSteps` updates: mean(alpha log pi(a~|s) - log pi(a|s)), CORL's warm start)
 *   alpha:   loss = -mean(log alpha (log pi(a~|s) + targetEntropy)),   targetEntropy = -dim(A)
 *   critics: y = r + gamma (1 - d) min_i Q'_i(s', a'),  a' ~ pi(s')   (minus alpha log pi with backupEntropy)
 *            loss_i = mean (Q_i(s, a) - y)^2 + cqlAlpha * mean[ temp logsumexp_j (X_ij / temp) - Q_i(s, a) ]
 *   targets: Q' <- tau Q + (1 - tau) Q'
 * where X_i holds, for each state, `nActions` samples of each of (CQL(H) with importance sampling,
 * the paper's Appendix F form):
 *   Q_i(s, u) - log(0.5^dim(A))   u uniform in the box (density 0.5^dim(A) in [-1, 1]^dim(A)),
 *   Q_i(s, a1) - log pi(a1|s)     a1 ~ pi(s),
 *   Q_i(s, a2) - log pi(a2|s')    a2 ~ pi(s')   (evaluated at s, as CORL and the authors' code do),
 * or, with `importanceSample: false`, the plain values of those samples and of the dataset action.
 * With `targetActionGap` set (CQL-Lagrange), cqlAlpha is scaled by a learned alpha' >= 0 that grows
 * while the penalty exceeds the gap: alpha' loss = -alpha' cqlAlpha (penalty - gap), averaged over
 * the critics.
 *
 * Defaults are CORL's cql.py TrainConfig (Gym-MuJoCo): batch 256, gamma 0.99, policy lr 3e-5,
 * critic lr 3e-4, tau 5e-3, 10 sampled actions, importance sampling, temperature 1, cqlAlpha 10,
 * no Lagrange, no entropy in the backup, automatic entropy tuning (log alpha starts at 0, Adam at
 * the policy lr), three hidden layers of 256 (actor and critics), observations normalized, log std
 * = raw - 1 clipped to [-20, 2]. Differences: torch's default init instead of orthogonal.
 */
import type { Tensor, Variable } from "../nn/tf.js";
import { tf } from "../nn/tf.js";
import { Adam, MLP, mlpGrads, type Optimizer } from "../nn/index.js";
import { TanhGaussian } from "../nn/distributions.js";
import { type ActionSpec, type ConfigCheck } from "../algos/base.js";
import type { Dataset } from "./dataset.js";
import { OfflineAgent, boxScale, type EnvLike, type OfflineConfig } from "./base.js";

export interface ContinuousCQLConfig extends OfflineConfig {
  gamma: number;
  /** Polyak rate of the target critics (5e-3). */
  tau: number;
  /** Actor and temperature learning rate (CORL 3e-5). */
  policyLr: number;
  /** Critic (and alpha') learning rate (3e-4). */
  qLr: number;
  /** Weight of the conservative penalty (CORL cql_alpha 10; the paper's Gym runs used 5). */
  cqlAlpha: number;
  /** Sampled actions per state and per source (10). */
  nActions: number;
  /** Temperature of the soft maximum (1). */
  temperature: number;
  /** CQL(H) with importance weights (true) or the plain logsumexp over the samples and the data action (false). */
  importanceSample: boolean;
  /** CQL-Lagrange: the penalty's target; null turns the Lagrange multiplier off (CORL default). */
  targetActionGap: number | null;
  /** Subtract alpha log pi(a'|s') in the critic targets (CORL false). */
  backupEntropy: boolean;
  /** Learn the entropy temperature (true); otherwise alpha stays at `initialAlpha`. */
  autotune: boolean;
  /** Starting entropy temperature (1: CORL's log alpha starts at 0). */
  initialAlpha: number;
  /** Updates at the start whose actor loss is behaviour cloning (CORL 0). */
  bcSteps: number;
  /** Hidden layers of actor and critics ([256, 256, 256]), ReLU. */
  netArch: number[];
  normalizeObs: boolean;
}

export const CONTINUOUS_CQL_DEFAULTS: Readonly<ContinuousCQLConfig> = Object.freeze({
  gamma: 0.99,
  tau: 5e-3,
  policyLr: 3e-5,
  qLr: 3e-4,
  cqlAlpha: 10,
  nActions: 10,
  temperature: 1,
  importanceSample: true,
  targetActionGap: null,
  backupEntropy: false,
  autotune: true,
  initialAlpha: 1,
  bcSteps: 0,
  batchSize: 256,
  netArch: [256, 256, 256],
  normalizeObs: true,
  updatesPerIteration: 100,
  seed: undefined,
});

function validate(check: ConfigCheck, c: ContinuousCQLConfig): void {
  check.number("gamma", { min: 0, max: 1 });
  check.number("tau", { min: 0, gtMin: true, max: 1 });
  check.number("policyLr", { min: 0, gtMin: true });
  check.number("qLr", { min: 0, gtMin: true });
  check.number("cqlAlpha", { min: 0 });
  check.number("nActions", { min: 1, integer: true });
  check.number("temperature", { min: 0, gtMin: true });
  check.oneOf("importanceSample", [true, false]);
  check.number("targetActionGap", { optional: true });
  check.oneOf("backupEntropy", [true, false]);
  check.oneOf("autotune", [true, false]);
  check.number("initialAlpha", { min: 0, gtMin: true });
  check.number("bcSteps", { min: 0, integer: true });
  check.number("batchSize", { min: 1, integer: true });
  check.number("updatesPerIteration", { min: 1, integer: true });
  check.layers("netArch");
  check.oneOf("normalizeObs", [true, false]);
  check.number("seed", { min: 0, integer: true, optional: true });
}

const LOG_STD_MIN = -20;
const LOG_STD_MAX = 2;
/** CORL's log_std_offset: log std = raw output - 1. */
const LOG_STD_OFFSET = -1;

export class ContinuousCQL extends OfflineAgent<ContinuousCQLConfig> {
  readonly actor: MLP;
  readonly q1: MLP;
  readonly q2: MLP;
  readonly q1Target: MLP;
  readonly q2Target: MLP;
  readonly logAlpha: Variable;
  readonly logAlphaPrime: Variable;
  readonly actorOpt: Adam;
  readonly qOpt: Adam;
  readonly alphaOpt: Adam;
  readonly alphaPrimeOpt: Adam;
  protected readonly statNames = ["qLoss", "cqlPenalty", "actorLoss", "alpha", "alphaPrime", "qValue"];
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly A: number;

  constructor(dataset: Dataset, env: EnvLike, config: Partial<ContinuousCQLConfig> = {}) {
    super("ContinuousCQL", dataset, env, CONTINUOUS_CQL_DEFAULTS, config, validate, ["box"], config.normalizeObs ?? CONTINUOUS_CQL_DEFAULTS.normalizeObs);
    const c = this.config;
    ({ scale: this.scale, bias: this.bias } = boxScale(this.spec as Extract<ActionSpec, { kind: "box" }>));
    this.A = this.scale.length;
    const D = this.obsDim;
    const opts = { hidden: c.netArch, activation: "relu" as const, init: "torch" as const, rng: this.rng.split() };
    this.actor = new MLP(D, 2 * this.A, { ...opts, name: "cql_actor" });
    this.q1 = new MLP(D + this.A, 1, { ...opts, name: "cql_q1" });
    this.q2 = new MLP(D + this.A, 1, { ...opts, name: "cql_q2" });
    this.q1Target = new MLP(D + this.A, 1, { ...opts, name: "cql_q1_target" });
    this.q2Target = new MLP(D + this.A, 1, { ...opts, name: "cql_q2_target" });
    this.q1Target.copyFrom(this.q1);
    this.q2Target.copyFrom(this.q2);
    this.logAlpha = tf.tidy(() => tf.variable(tf.scalar(Math.log(c.initialAlpha)), true));
    // CORL's log_alpha_prime starts at 1.0.
    this.logAlphaPrime = tf.tidy(() => tf.variable(tf.scalar(1), true));
    this.actorOpt = new Adam(this.actor.variables, { lr: c.policyLr });
    this.qOpt = new Adam([...this.q1.variables, ...this.q2.variables], { lr: c.qLr });
    this.alphaOpt = new Adam([this.logAlpha], { lr: c.policyLr });
    this.alphaPrimeOpt = new Adam([this.logAlphaPrime], { lr: c.qLr });
  }

  /** Mean and clipped log std of the pre-tanh Gaussian from the actor's output [B, 2A]. */
  private meanLogStd(out: Tensor): { mean: Tensor; logStd: Tensor } {
    const B = out.shape[0]!;
    const A = this.A;
    return { mean: tf.slice(out, [0, 0], [B, A]), logStd: tf.clipByValue(tf.add(tf.slice(out, [0, A], [B, A]), LOG_STD_OFFSET), LOG_STD_MIN, LOG_STD_MAX) };
  }

  /** Box actions [B, A] in [-1, 1] -> env scale. */
  private toEnv(a: Tensor): Tensor {
    return tf.add(tf.mul(a, tf.tensor1d(this.scale)), tf.tensor1d(this.bias));
  }

  /** [B, n] standard normals (or uniforms in [-1, 1]) from the learner's Rng. */
  private draws(rows: number, uniform: boolean): Tensor {
    const a = new Float32Array(rows * this.A);
    for (let i = 0; i < a.length; i++) a[i] = uniform ? this.rng.uniform(-1, 1) : this.rng.normal(0, 1);
    return tf.tensor2d(a, [rows, this.A]);
  }

  /** x [B, D] repeated N times row by row -> [B * N, D] (row b * N + j is x_b). */
  private repeatRows(x: Tensor, n: number): Tensor {
    const [B, D] = x.shape as [number, number];
    return tf.reshape(tf.tile(tf.expandDims(x, 1), [1, n, 1]), [B * n, D]);
  }

  protected update(): Tensor {
    const c = this.config;
    const B = c.batchSize;
    const D = this.obsDim;
    const A = this.A;
    const N = c.nActions;
    const b = this.sampleBatch();
    const bcPhase = this.numTimesteps < c.bcSteps;
    const noisePi = this.draws(B, false);
    const noiseNext = this.draws(B, false);
    const noiseCur = this.draws(B * N, false);
    const noiseNextRep = this.draws(B * N, false);
    const rand = this.draws(B * N, true);
    const res = tf.tidy(() => {
      const obs = tf.tensor2d(b.obs, [B, D]);
      const next = tf.tensor2d(b.nextObs, [B, D]);
      const actEnv = tf.tensor2d(b.actions, [B, A]);
      const alpha = tf.exp(this.logAlpha);
      // Actor (alpha held constant).
      let logPi: Tensor | undefined;
      const ag = mlpGrads([this.actor], [obs], (out) => {
        const { mean, logStd } = this.meanLogStd(out);
        const { action, logProb } = TanhGaussian.rsample(mean, logStd, noisePi);
        logPi = tf.keep(logProb);
        if (bcPhase) {
          // log pi of the dataset's action: its pre-tanh value atanh(a) (clipped inside the open box).
          const a = tf.clipByValue(tf.div(tf.sub(actEnv, tf.tensor1d(this.bias)), tf.tensor1d(this.scale)), -1 + 1e-6, 1 - 1e-6);
          const u = tf.mul(0.5, tf.log(tf.div(tf.add(1, a), tf.sub(1, a))));
          return tf.mean(tf.sub(tf.mul(alpha, logProb), TanhGaussian.logProbPreTanh(mean, logStd, u)));
        }
        const sa = tf.concat([obs, this.toEnv(action)], 1);
        const q = tf.reshape(tf.minimum(this.q1.apply(sa), this.q2.apply(sa)), [-1]);
        return tf.mean(tf.sub(tf.mul(alpha, logProb), q));
      });
      // Temperature, from the log pi before this actor step (as CORL).
      if (c.autotune) {
        const lp = logPi!;
        const { grads } = tf.variableGrads(() => tf.neg(tf.mean(tf.mul(this.logAlpha, tf.add(lp, -this.A)))) as tf.Scalar, [this.logAlpha]);
        this.alphaOpt.apply([grads[this.logAlpha.name]])?.dispose();
      }
      logPi!.dispose();
      this.actorOpt.apply(ag.grads)?.dispose();
      // Critic targets.
      const outNext = this.actor.apply(next);
      const nd = this.meanLogStd(outNext);
      const { action: a2, logProb: lp2 } = TanhGaussian.rsample(nd.mean, nd.logStd, noiseNext);
      const sa2 = tf.concat([next, this.toEnv(a2)], 1);
      let qn = tf.reshape(tf.minimum(this.q1Target.apply(sa2), this.q2Target.apply(sa2)), [-1]);
      if (c.backupEntropy) qn = tf.sub(qn, tf.mul(tf.exp(this.logAlpha), lp2));
      const y = tf.add(tf.tensor1d(b.rewards), tf.mul(tf.mul(tf.sub(1, tf.tensor1d(b.terminals)), c.gamma), qn));
      // The sampled actions of the penalty (constants for the critics' gradient).
      const obsRep = this.repeatRows(obs, N);
      const cur = this.meanLogStd(this.actor.apply(obsRep));
      const s1 = TanhGaussian.rsample(cur.mean, cur.logStd, noiseCur);
      const nxt = this.meanLogStd(this.actor.apply(this.repeatRows(next, N)));
      const s2 = TanhGaussian.rsample(nxt.mean, nxt.logStd, noiseNextRep);
      const input = tf.concat(
        [tf.concat([obs, actEnv], 1), tf.concat([obsRep, this.toEnv(rand)], 1), tf.concat([obsRep, this.toEnv(s2.action)], 1), tf.concat([obsRep, this.toEnv(s1.action)], 1)],
        0,
      );
      const randDensity = A * Math.log(0.5);
      const lpNext = tf.reshape(s2.logProb, [B, N]);
      const lpCur = tf.reshape(s1.logProb, [B, N]);
      const alphaPrime = c.targetActionGap === null ? tf.scalar(1) : tf.clipByValue(tf.exp(this.logAlphaPrime), 0, 1e6);
      const diffs: Tensor[] = [];
      let qMean: Tensor | undefined;
      let td: Tensor | undefined;
      const qg = mlpGrads([this.q1, this.q2], [input, input], (o1, o2) => {
        let total: Tensor = tf.scalar(0);
        let tdSum: Tensor = tf.scalar(0);
        for (const o of [o1, o2]) {
          const qData = tf.reshape(tf.slice(o, [0, 0], [B, 1]), [B]);
          const block = (k: number) => tf.reshape(tf.slice(o, [B + k * B * N, 0], [B * N, 1]), [B, N]);
          const [qRand, qNext, qCur] = [block(0), block(1), block(2)];
          const cat = c.importanceSample
            ? tf.concat([tf.sub(qRand, randDensity), tf.sub(qNext, lpNext), tf.sub(qCur, lpCur)], 1)
            : tf.concat([qRand, tf.expandDims(qData, 1), qNext, qCur], 1);
          const ood = tf.mul(tf.logSumExp(tf.div(cat, c.temperature), 1), c.temperature);
          const diff = tf.mean(tf.sub(ood, qData));
          diffs.push(tf.keep(diff));
          const tdLoss = tf.mean(tf.square(tf.sub(qData, y)));
          tdSum = tf.add(tdSum, tdLoss);
          const pen = c.targetActionGap === null ? tf.mul(diff, c.cqlAlpha) : tf.mul(tf.mul(alphaPrime, c.cqlAlpha), tf.sub(diff, c.targetActionGap));
          total = tf.add(total, tf.add(tdLoss, pen));
          if (!qMean) qMean = tf.keep(tf.mean(qData));
        }
        td = tf.keep(tdSum);
        return total;
      });
      this.qOpt.apply(qg.grads)?.dispose();
      if (c.targetActionGap !== null) {
        const gap = c.targetActionGap;
        const dSum = tf.add(tf.sub(diffs[0], gap), tf.sub(diffs[1], gap));
        const { grads } = tf.variableGrads(() => tf.mul(-0.5 * c.cqlAlpha, tf.mul(tf.clipByValue(tf.exp(this.logAlphaPrime), 0, 1e6), dSum)) as tf.Scalar, [this.logAlphaPrime]);
        this.alphaPrimeOpt.apply([grads[this.logAlphaPrime.name]])?.dispose();
      }
      this.q1Target.softUpdate(this.q1, c.tau);
      this.q2Target.softUpdate(this.q2, c.tau);
      const out = tf.stack([td!, tf.div(tf.add(diffs[0], diffs[1]), 2), ag.loss, tf.exp(this.logAlpha), c.targetActionGap === null ? tf.scalar(0) : tf.clipByValue(tf.exp(this.logAlphaPrime), 0, 1e6), qMean!]);
      tf.dispose([td!, qMean!, ...diffs]);
      return out;
    });
    tf.dispose([noisePi, noiseNext, noiseCur, noiseNextRep, rand]);
    return res;
  }

  protected policyActions(x: Float32Array, k: number, deterministic: boolean): Float32Array {
    const A = this.A;
    const o = this.actor.forwardHost(x, k);
    const a = new Float32Array(k * A);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < A; j++) {
        let u = o[i * 2 * A + j];
        if (!deterministic) {
          const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, o[i * 2 * A + A + j] + LOG_STD_OFFSET));
          u += Math.exp(logStd) * this.rng.normal(0, 1);
        }
        a[i * A + j] = Math.tanh(u) * this.scale[j] + this.bias[j];
      }
    }
    return a;
  }

  protected actingNets(): MLP[] {
    return [this.actor];
  }

  protected parts(): { networks: Record<string, MLP>; optimizers: Record<string, Optimizer> } {
    return {
      networks: { actor: this.actor, q1: this.q1, q2: this.q2, q1_target: this.q1Target, q2_target: this.q2Target },
      optimizers: { actorOpt: this.actorOpt, qOpt: this.qOpt, alphaOpt: this.alphaOpt, alphaPrimeOpt: this.alphaPrimeOpt },
    };
  }

  protected override async extraArrays(): Promise<Record<string, Float32Array>> {
    const t = tf.stack([this.logAlpha, this.logAlphaPrime]);
    const v = (await t.data()) as Float32Array;
    t.dispose();
    return { logAlphas: Float32Array.from(v) };
  }

  protected override restoreExtra(read: (name: string, length?: number) => Float32Array): void {
    const v = read("logAlphas", 2);
    tf.tidy(() => {
      this.logAlpha.assign(tf.scalar(v[0]));
      this.logAlphaPrime.assign(tf.scalar(v[1]));
    });
  }

  override dispose(): void {
    super.dispose();
    this.logAlpha.dispose();
    this.logAlphaPrime.dispose();
  }

  static async load(dir: string, dataset: Dataset, env: EnvLike): Promise<ContinuousCQL> {
    const agent = new ContinuousCQL(dataset, env, (await OfflineAgent.savedConfig(dir, "ContinuousCQL")) as Partial<ContinuousCQLConfig>);
    await agent.restore(dir);
    return agent;
  }
}
