/**
 * The Gaussian MLP policy of MAML's RL experiments (Finn et al. 2017, sec. 5.3: "a neural
 * network policy with two hidden layers of size 100, with ReLU nonlinearities"; rllab's
 * GaussianMLPPolicy with a learned state-independent log-std), written functionally: the mean
 * and log-probability are functions of a parameter list, so a {@link Learner} can adapt them
 * and differentiate through the adaptation. Acting uses plain arrays (a snapshot of the
 * parameters) and rlbook's seeded Rng: no tensors per env step.
 *
 * Parameter order: [W1, b1, ..., Wout, bout, logStd], W as [fanIn, fanOut].
 */
import type { Rng } from "../core/rng.js";
import { DiagGaussian } from "../nn/distributions.js";
import { readTensors } from "../nn/read.js";
import { tf, type Tensor, type Variable } from "../nn/tf.js";
import { diffExp, diffTanh } from "./learner.js";

export type MetaActivation = "relu" | "tanh";

export interface GaussianPolicyOptions {
  obsDim: number;
  actDim: number;
  /** Hidden widths (MAML: [100, 100]). */
  hidden: readonly number[];
  activation: MetaActivation;
  /** Initial standard deviation of the actions (rllab's init_std, 1 in MAML). */
  initStd: number;
  rng: Rng;
}

/** A functional Gaussian MLP policy (see the module comment). */
export class GaussianPolicy {
  readonly variables: Variable[] = [];
  /** A host copy of the variables' values (for acting without reading the device); {@link syncHost} refreshes it. */
  host: Float32Array[] = [];
  readonly obsDim: number;
  readonly actDim: number;
  readonly activation: MetaActivation;
  private readonly widths: number[];

  constructor(o: GaussianPolicyOptions) {
    this.obsDim = o.obsDim;
    this.actDim = o.actDim;
    this.activation = o.activation;
    this.widths = [o.obsDim, ...o.hidden, o.actDim];
    for (let l = 0; l + 1 < this.widths.length; l++) {
      const fanIn = this.widths[l];
      const fanOut = this.widths[l + 1];
      // Glorot uniform (rllab's default initializer for dense layers).
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = o.rng.uniform(-bound, bound);
      this.variables.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true)));
      this.variables.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]), true)));
      this.host.push(w, new Float32Array(fanOut));
    }
    this.variables.push(tf.tidy(() => tf.variable(tf.fill([o.actDim], Math.log(o.initStd)), true)));
    this.host.push(new Float32Array(o.actDim).fill(Math.log(o.initStd)));
  }

  /** Reads the variables into {@link host} with one await (after every update of the variables). */
  async syncHost(): Promise<Float32Array[]> {
    this.host = (await readTensors(this.variables)) as Float32Array[];
    return this.host;
  }

  /** The action mean for observations [B, obsDim] under `params`. */
  mean(params: readonly Tensor[], obs: Tensor): Tensor {
    let h = obs;
    const layers = (params.length - 1) / 2;
    for (let l = 0; l < layers; l++) {
      h = tf.add(tf.matMul(h, params[2 * l]), params[2 * l + 1]);
      if (l + 1 < layers) h = this.activation === "relu" ? tf.relu(h) : diffTanh(h);
    }
    return h;
  }

  /** log pi(actions | obs) [B] under `params`. */
  logProb(params: readonly Tensor[], obs: Tensor, actions: Tensor): Tensor {
    // DiagGaussian.logProb's exp is not twice differentiable in tfjs (see diffExp).
    const logStd = params[params.length - 1];
    const z = tf.mul(tf.sub(actions, this.mean(params, obs)), diffExp(tf.neg(logStd)));
    return tf.sub(tf.mul(tf.sum(tf.square(z), -1), -0.5), tf.add(tf.sum(logStd), 0.5 * this.actDim * Math.log(2 * Math.PI)));
  }

  /**
   * Mean over the rows of KL(old || pi_params) between diagonal Gaussians, differentiable to any
   * order in `params`: per dimension log(s1/s0) + (s0^2 + (m0 - m1)^2) / (2 s1^2) - 1/2, summed
   * over the action dimensions. `oldMean` [B, actDim] and `oldLogStd` [actDim] are constants.
   */
  meanKl(params: readonly Tensor[], obs: Tensor, oldMean: Tensor, oldLogStd: Tensor): Tensor {
    const logStd = params[params.length - 1];
    const invVar = diffExp(tf.mul(logStd, -2));
    const num = tf.add(tf.exp(tf.mul(oldLogStd, 2)), tf.square(tf.sub(oldMean, this.mean(params, obs))));
    const perDim = tf.sub(tf.add(tf.sub(logStd, oldLogStd), tf.mul(tf.mul(num, invVar), 0.5)), 0.5);
    return tf.mean(tf.sum(perDim, -1));
  }

  /**
   * Samples actions for `k` observation rows with parameter arrays `p` (a snapshot) into `out`
   * (the mean when `deterministic`).
   */
  sample(p: readonly Float32Array[], obs: Float32Array, k: number, rng: Rng, deterministic: boolean, out: Float32Array = new Float32Array(k * this.actDim)): Float32Array {
    const mean = new Float32Array(k * this.actDim);
    const layers = (p.length - 1) / 2;
    let h = obs;
    for (let l = 0; l < layers; l++) {
      const fanIn = this.widths[l];
      const fanOut = this.widths[l + 1];
      const W = p[2 * l];
      const b = p[2 * l + 1];
      const next = l + 1 < layers ? new Float32Array(k * fanOut) : mean;
      for (let r = 0; r < k; r++) {
        for (let o = 0; o < fanOut; o++) {
          let s = b[o];
          for (let i = 0; i < fanIn; i++) s += h[r * fanIn + i] * W[i * fanOut + o];
          if (l + 1 < layers) s = this.activation === "relu" ? (s > 0 ? s : 0) : Math.tanh(s);
          next[r * fanOut + o] = s;
        }
      }
      h = next;
    }
    return DiagGaussian.sample(mean, p[p.length - 1], this.actDim, rng, out, deterministic);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
