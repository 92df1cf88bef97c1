/**
 * What gradient-based meta-RL (MAML, Reptile) shares: sampling episodes on a batch of tasks with
 * one parameter set per task, the REINFORCE-with-baseline loss of the inner update (MAML sec. 5.3:
 * "vanilla policy gradient (REINFORCE) ... the linear feature baseline of Duan et al. 2016"), the
 * adaptation itself, and meta-testing (pre- and post-adaptation returns per task).
 */
import { make, type TaskFamily } from "../core/registry.js";
import type { Rng } from "../core/rng.js";
import { Box } from "../core/spaces.js";
import type { Env } from "../core/env.js";
import { readTensors } from "../nn/read.js";
import { tf, type Tensor } from "../nn/tf.js";
import type { GaussianPolicy } from "./policy.js";
import { Learner, type ParamLoss } from "./learner.js";

/** The episodes of one task: flat per-step arrays and per-episode returns. */
export interface TaskBatch {
  obs: Float32Array;
  actions: Float32Array;
  /** Per step: discounted return-to-go minus the linear baseline, normalized per task. */
  advantages: Float32Array;
  /** Number of steps. */
  n: number;
  /** Undiscounted return of each episode. */
  returns: number[];
  /** Positions visited (the observation rows) per episode, for pictures. */
  trajectories: Float32Array[];
  /**
   * Per episode, 1 when the env reported `info.success` truthy at some step (Meta-World's
   * convention: an episode succeeds if the task was solved at any time), else 0; undefined when
   * the env never reports a `success` field (families without a success criterion).
   */
  successes: number[] | undefined;
}

/** Checks that a family is one these learners handle and returns its spaces. */
export function familySpaces(algo: string, family: TaskFamily<unknown>, probe: unknown): { obsDim: number; actDim: number; low: Float64Array; high: Float64Array } {
  if (!family || typeof family.sample !== "function" || typeof family.create !== "function") {
    throw new TypeError(`${algo}: family must be a task family (e.g. navigation2DFamily()), got ${String(family)}`);
  }
  const env = family.create(probe);
  const os = env.observationSpace;
  const as = env.actionSpace;
  env.close();
  if (!(os instanceof Box)) throw new TypeError(`${algo}: needs Box observations; ${family.name} has ${os.toString()} (use RL2 for discrete-observation families)`);
  if (!(as instanceof Box)) throw new TypeError(`${algo}: needs a Box (continuous) action space; ${family.name} has ${as.toString()} (use RL2 for bandit / Dark Room families)`);
  return { obsDim: os.vecDim, actDim: as.vecDim, low: as.low, high: as.high };
}

/**
 * Runs `episodes` episodes on every task, task i acting with the parameter arrays `params[i]`.
 * Actions are clipped to the action space (rllab's behaviour; the log-prob is of the unclipped
 * sample). Returns one batch per task with advantages for `gamma`.
 */
export function sampleTasks<P>(family: TaskFamily<P>, tasks: readonly P[], params: readonly (readonly Float32Array[])[], policy: GaussianPolicy, episodes: number, gamma: number, rng: Rng, deterministic = false): TaskBatch[] {
  return tasks.map((task, ti) => {
    const envs: Env[] = Array.from({ length: episodes }, () => make(family, task));
    const first = envs[0].actionSpace as Box;
    const dO = policy.obsDim;
    const dA = policy.actDim;
    const obsRows: number[][] = envs.map(() => []);
    const actRows: number[][] = envs.map(() => []);
    const rewards: number[][] = envs.map(() => []);
    const succeeded = envs.map(() => 0);
    let reportsSuccess = false;
    const cur = new Float32Array(episodes * dO);
    const alive = envs.map(() => true);
    envs.forEach((e, k) => cur.set(e.reset({ seed: rng.integer(2 ** 31) }).obs as Float32Array, k * dO));
    const act = new Float32Array(episodes * dA);
    while (alive.some((a) => a)) {
      policy.sample(params[ti], cur, episodes, rng, deterministic, act);
      for (let k = 0; k < episodes; k++) {
        if (!alive[k]) continue;
        const a = act.subarray(k * dA, (k + 1) * dA);
        const clipped = new Float32Array(dA);
        for (let j = 0; j < dA; j++) clipped[j] = Math.min(first.high[j], Math.max(first.low[j], a[j]));
        for (let j = 0; j < dO; j++) obsRows[k].push(cur[k * dO + j]);
        for (let j = 0; j < dA; j++) actRows[k].push(a[j]);
        const r = envs[k].step(clipped);
        rewards[k].push(r.reward);
        const info = r.info as Record<string, unknown> | undefined;
        if (info && "success" in info) {
          reportsSuccess = true;
          if (info.success) succeeded[k] = 1;
        }
        cur.set(r.obs as Float32Array, k * dO);
        if (r.terminated || r.truncated) alive[k] = false;
      }
    }
    // MuJoCo envs hold wasm memory until closed.
    for (const e of envs) e.close();
    return finishBatch(obsRows, actRows, rewards, dO, gamma, reportsSuccess ? succeeded : undefined);
  });
}

function finishBatch(obsRows: number[][], actRows: number[][], rewards: number[][], dO: number, gamma: number, successes: number[] | undefined): TaskBatch {
  const n = rewards.reduce((a, r) => a + r.length, 0);
  const obs = Float32Array.from(obsRows.flat());
  const actions = Float32Array.from(actRows.flat());
  const rtg = new Float64Array(n);
  const times = new Float64Array(n);
  let o = 0;
  for (const r of rewards) {
    let acc = 0;
    for (let t = r.length - 1; t >= 0; t--) {
      acc = r[t] + gamma * acc;
      rtg[o + t] = acc;
      times[o + t] = t;
    }
    o += r.length;
  }
  const base = linearFeatureBaseline(obs, dO, times, rtg);
  const adv = new Float32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) m += (adv[i] = rtg[i] - base[i]);
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (adv[i] - m) ** 2;
  const sd = Math.sqrt(v / n) + 1e-8;
  for (let i = 0; i < n; i++) adv[i] = (adv[i] - m) / sd; // rllab's center_adv
  return {
    obs,
    actions,
    advantages: adv,
    n,
    returns: rewards.map((r) => r.reduce((a, b) => a + b, 0)),
    trajectories: obsRows.map((r) => Float32Array.from(r)),
    successes,
  };
}

/**
 * rllab's LinearFeatureBaseline (Duan et al. 2016): least squares on features
 * [o, o^2, t/100, (t/100)^2, (t/100)^3, 1] (o clipped to [-10, 10]) with ridge 1e-5, fitted to
 * the batch's returns and evaluated on the same batch, as MAML's code does per task.
 */
export function linearFeatureBaseline(obs: Float32Array, dO: number, times: ArrayLike<number>, returns: ArrayLike<number>): Float64Array {
  const n = returns.length;
  const F = 2 * dO + 4;
  const feat = (i: number, out: Float64Array) => {
    for (let j = 0; j < dO; j++) {
      const x = Math.max(-10, Math.min(10, obs[i * dO + j]));
      out[j] = x;
      out[dO + j] = x * x;
    }
    const al = times[i] / 100;
    out[2 * dO] = al;
    out[2 * dO + 1] = al * al;
    out[2 * dO + 2] = al * al * al;
    out[2 * dO + 3] = 1;
  };
  const A = new Float64Array(F * F);
  const b = new Float64Array(F);
  const f = new Float64Array(F);
  for (let i = 0; i < n; i++) {
    feat(i, f);
    for (let p = 0; p < F; p++) {
      b[p] += f[p] * returns[i];
      for (let q = 0; q < F; q++) A[p * F + q] += f[p] * f[q];
    }
  }
  let w: Float64Array | undefined;
  // rllab raises the ridge tenfold until the solve is finite.
  for (let reg = 1e-5; reg < 1e3 && !w; reg *= 10) {
    const Ar = A.slice();
    for (let p = 0; p < F; p++) Ar[p * F + p] += reg;
    w = solve(Ar, b.slice(), F);
  }
  const out = new Float64Array(n);
  if (!w) return out;
  for (let i = 0; i < n; i++) {
    feat(i, f);
    let s = 0;
    for (let p = 0; p < F; p++) s += f[p] * w[p];
    out[i] = s;
  }
  return out;
}

/** Gaussian elimination with partial pivoting; undefined when singular or not finite. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[piv * n + c])) piv = r;
    if (Math.abs(A[piv * n + c]) < 1e-300) return undefined;
    if (piv !== c) {
      for (let k = 0; k < n; k++) [A[c * n + k], A[piv * n + k]] = [A[piv * n + k], A[c * n + k]];
      [b[c], b[piv]] = [b[piv], b[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c] / A[c * n + c];
      for (let k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
      b[r] -= f * b[c];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= A[r * n + k] * x[k];
    x[r] = s / A[r * n + r];
  }
  return x.every(Number.isFinite) ? x : undefined;
}

/** A task batch as tensors (the caller disposes them). */
export interface BatchTensors {
  obs: Tensor;
  actions: Tensor;
  advantages: Tensor;
}

export function batchTensors(b: TaskBatch, policy: GaussianPolicy): BatchTensors {
  return {
    obs: tf.tensor2d(b.obs, [b.n, policy.obsDim]),
    actions: tf.tensor2d(b.actions, [b.n, policy.actDim]),
    advantages: tf.tensor1d(b.advantages),
  };
}

/** The REINFORCE surrogate -mean(log pi(a|s) * A): its gradient is the vanilla policy gradient. */
export function vpgSurrogate(policy: GaussianPolicy, t: BatchTensors): ParamLoss {
  return (params) => tf.neg(tf.mean(tf.mul(policy.logProb(params, t.obs, t.actions), t.advantages)));
}

/** The inner learning rate of step `s` (a number, or one per step). */
export function innerLrAt(innerLr: number | readonly number[], s: number): number {
  return typeof innerLr === "number" ? innerLr : innerLr[s];
}

/** Checks an inner learning rate (schedule) against the number of inner steps, naming the fix. */
export function checkInnerLr(algo: string, innerLr: unknown, innerSteps: number): void {
  const ok = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x > 0;
  if (Array.isArray(innerLr)) {
    if (innerLr.length !== innerSteps) throw new RangeError(`${algo} config: innerLr lists ${innerLr.length} learning rates but innerSteps = ${innerSteps}; give one per inner step, or a single number`);
    const bad = innerLr.findIndex((x) => !ok(x));
    if (bad >= 0) throw new RangeError(`${algo} config: innerLr[${bad}] = ${String(innerLr[bad])} is invalid; each inner learning rate must be a finite number > 0 (MAML: 0.1)`);
  } else if (!ok(innerLr)) {
    throw new RangeError(`${algo} config: innerLr = ${String(innerLr)} is invalid; accepted values: a finite number > 0 (MAML: 0.1) or an array of them, one per inner step`);
  }
}

/** Per-task meta-test result: returns before and after adaptation. */
export interface TaskAdaptation<P> {
  task: P;
  /** Mean return of the episodes sampled with the meta-parameters. */
  preReturn: number;
  /** Mean return after the inner adaptation (innerSteps VPG steps). */
  postReturn: number;
  /** Pre- and post-adaptation trajectories (observation rows per episode). */
  preTrajectories: Float32Array[];
  postTrajectories: Float32Array[];
  /** Fraction of the pre- / post-adaptation episodes that succeeded (undefined: the family reports no success). */
  preSuccess: number | undefined;
  postSuccess: number | undefined;
  /** Mean return after 0, 1, ..., innerSteps inner steps (the adaptation curve; first = preReturn, last = postReturn). */
  stepReturns: number[];
}

/** A meta-test over tasks: per task, and the means. */
export interface MetaTestResult<P> {
  tasks: TaskAdaptation<P>[];
  preReturn: number;
  postReturn: number;
  /** Success rate over all tasks' episodes before / after adaptation (Meta-World's metric; undefined when the family reports no `success`). */
  preSuccess: number | undefined;
  postSuccess: number | undefined;
  /** Mean over tasks of the return after 0, 1, ..., innerSteps inner steps (MAML's Figure 5 adaptation curve). */
  stepReturns: number[];
  /** Success rate after 0, 1, ..., innerSteps inner steps (undefined entries when the family reports no success). */
  stepSuccess: (number | undefined)[];
}

/** Fraction of a step's episodes (over all tasks) that succeeded; undefined when no task reports success. */
export function successRate(batches: readonly TaskBatch[]): number | undefined {
  if (!batches.length || batches.some((b) => b.successes === undefined)) return undefined;
  const all = batches.flatMap((b) => b.successes!);
  return meanOf(all);
}

export interface AdaptSettings {
  innerLr: number | readonly number[];
  innerSteps: number;
  episodesPerTask: number;
  gamma: number;
}

/**
 * The rollouts of an adaptation: per task, sample episodes with `start` parameters, then
 * `innerSteps` times take a VPG step from the last batch and sample again with the adapted
 * parameters (as MAML's code does for several inner steps). batches[s][i] is task i's batch
 * at inner step s (s = 0: pre-adaptation; s = innerSteps: post-adaptation).
 */
export async function adaptationRollouts<P>(family: TaskFamily<P>, tasks: readonly P[], policy: GaussianPolicy, start: readonly Float32Array[], s: AdaptSettings, rng: Rng): Promise<{ batches: TaskBatch[][]; params: Float32Array[][] }> {
  let params: (readonly Float32Array[])[] = tasks.map(() => start);
  const batches = [sampleTasks(family, tasks, params, policy, s.episodesPerTask, s.gamma, rng)];
  for (let step = 0; step < s.innerSteps; step++) {
    const last = batches[batches.length - 1];
    // Every task's adapted parameters stay on the device, then come back in one batched read.
    const adapted = last.map((b, i) =>
      tf.tidy(() => {
        const t = batchTensors(b, policy);
        const l = new Learner(
          params[i].map((a, j) => tf.tensor(a, policy.variables[j].shape)),
          { lr: innerLrAt(s.innerLr, step), firstOrder: true },
        );
        l.adapt(vpgSurrogate(policy, t));
        return [...l.params];
      }),
    );
    const flat = (await readTensors(adapted.flat(), { dispose: true })) as Float32Array[];
    const per = policy.variables.length;
    params = adapted.map((_, i) => flat.slice(i * per, (i + 1) * per));
    batches.push(sampleTasks(family, tasks, params, policy, s.episodesPerTask, s.gamma, rng));
  }
  return { batches, params: params.map((p) => [...p]) };
}

/** Meta-testing: {@link adaptationRollouts} summarized as pre- and post-adaptation returns per task. */
export async function adaptAndEvaluate<P>(family: TaskFamily<P>, tasks: readonly P[], policy: GaussianPolicy, start: readonly Float32Array[], s: AdaptSettings, rng: Rng): Promise<MetaTestResult<P>> {
  if (!tasks.length) throw new RangeError("metaTest: give at least one task (e.g. Array.from({length: 10}, () => family.sample(rng)))");
  const { batches } = await adaptationRollouts(family, tasks, policy, start, s, rng);
  const pre = batches[0];
  const post = batches[batches.length - 1];
  const res = tasks.map((task, i) => ({
    task,
    preReturn: meanOf(pre[i].returns),
    postReturn: meanOf(post[i].returns),
    preTrajectories: pre[i].trajectories,
    postTrajectories: post[i].trajectories,
    preSuccess: successRate([pre[i]]),
    postSuccess: successRate([post[i]]),
    stepReturns: batches.map((step) => meanOf(step[i].returns)),
  }));
  return {
    tasks: res,
    preReturn: meanOf(res.map((r) => r.preReturn)),
    postReturn: meanOf(res.map((r) => r.postReturn)),
    preSuccess: successRate(pre),
    postSuccess: successRate(post),
    stepReturns: batches.map((_, s) => meanOf(res.map((r) => r.stepReturns[s]))),
    stepSuccess: batches.map((step) => successRate(step)),
  };
}

/** Mean of a list (NaN when empty). */
export function meanOf(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
