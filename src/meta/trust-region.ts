/**
 * The pieces of a TRPO step (Schulman et al. 2015, appendix C) on a flat parameter vector, as
 * rllab's ConjugateGradientOptimizer (the meta-optimizer of MAML's RL experiments) implements
 * them: conjugate gradient for F x = g with a Fisher-vector product, the step scaled to the KL
 * radius, and a backtracking line search that accepts the first step that lowers the loss and
 * keeps the KL within the radius.
 *
 * The vectors are host Float64Arrays (a few thousand parameters for these policies); the
 * Fisher-vector product is the caller's (one batched device read per call).
 */

/** Settings of a trust-region step (rllab's ConjugateGradientOptimizer defaults in the comments). */
export interface TrustRegionSettings {
  /** The KL radius delta (MAML: 0.01). */
  maxKl: number;
  /** Conjugate-gradient iterations (rllab: 10). */
  cgIters: number;
  /** Damping added to the Fisher-vector product, F + damping I (rllab's reg_coeff: 1e-5). */
  cgDamping: number;
  /** Step shrink factor of the line search (rllab: 0.8). */
  backtrackRatio: number;
  /** Line-search trials (rllab: 15). */
  maxBacktracks: number;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Solves A x = b for a symmetric positive-definite A given as a product `Av(v)` by conjugate
 * gradient (rllab's krylov.cg): at most `iters` iterations, stopping when the squared residual
 * falls below `tol`. Starts from x = 0.
 */
export async function conjugateGradient(Av: (v: Float64Array) => Promise<Float64Array>, b: ArrayLike<number>, iters: number, tol = 1e-10): Promise<Float64Array> {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  for (let k = 0; k < iters && rr >= tol; k++) {
    const Ap = await Av(p);
    const pAp = dot(p, Ap);
    if (!(pAp > 0)) break; // not positive along p (noisy products): stop with what we have
    const alpha = rr / pAp;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * Ap[i];
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
  }
  return x;
}

/** What one trust-region step did. */
export interface TrustRegionStep {
  /** The accepted parameters (the old ones when no step was accepted). */
  params: Float64Array;
  lossBefore: number;
  lossAfter: number;
  /** KL of the accepted step (0 when rejected). */
  kl: number;
  /** Fraction of the full step taken (0: rejected). */
  stepFraction: number;
}

/**
 * One TRPO step from `theta` minimizing `loss` under mean KL <= maxKl: x = F^-1 (-g) by CG,
 * full step x * sqrt(2 delta / x^T F x), then backtracking. `evaluate(params)` returns the loss
 * and the KL (against the old policy) at `params`. `fvp(v)` returns F v (without damping).
 */
export async function trustRegionStep(
  theta: Float64Array,
  grad: Float64Array,
  lossBefore: number,
  fvp: (v: Float64Array) => Promise<Float64Array>,
  evaluate: (params: Float64Array) => Promise<{ loss: number; kl: number }>,
  s: TrustRegionSettings,
): Promise<TrustRegionStep> {
  const damped = async (v: Float64Array) => {
    const Fv = await fvp(v);
    for (let i = 0; i < v.length; i++) Fv[i] += s.cgDamping * v[i];
    return Fv;
  };
  const descent = grad.map((g) => -g);
  const x = await conjugateGradient(damped, descent, s.cgIters);
  const xFx = dot(x, await damped(x));
  const rejected = { params: theta, lossBefore, lossAfter: lossBefore, kl: 0, stepFraction: 0 };
  if (!(xFx > 0) || !Number.isFinite(xFx)) return rejected;
  const scale = Math.sqrt((2 * s.maxKl) / xFx);
  let frac = 1;
  for (let k = 0; k < s.maxBacktracks; k++, frac *= s.backtrackRatio) {
    const cand = theta.map((t, i) => t + frac * scale * x[i]);
    const { loss, kl } = await evaluate(cand);
    if (Number.isFinite(loss) && loss < lossBefore && kl <= s.maxKl) return { params: cand, lossBefore, lossAfter: loss, kl, stepFraction: frac };
  }
  return rejected;
}

/**
 * The Hessian-vector product H v of a function whose gradient is `gradAt`, by a forward finite
 * difference: (grad(theta + r v) - grad(theta)) / r with r = eps / |v| (rllab's
 * FiniteDifferenceHvp, which MAML's RL experiments use for TRPO's Fisher-vector products so
 * that no third derivatives are taken through the inner step). `g0` is grad(theta).
 */
export async function finiteDifferenceHvp(gradAt: (params: Float64Array) => Promise<Float64Array>, theta: Float64Array, g0: Float64Array, v: Float64Array, eps = 1e-3): Promise<Float64Array> {
  const norm = Math.sqrt(dot(v, v));
  if (norm === 0) return new Float64Array(v.length);
  const r = eps / norm;
  const g = await gradAt(theta.map((t, i) => t + r * v[i]));
  return g.map((x, i) => (x - g0[i]) / r);
}
