/**
 * The regret runner: any bandit policy (the algorithms of this folder, a pretrained DPT, a plain
 * function) played on many sampled tasks at once, in typed arrays (tasks x arms), seeded.
 *
 *   const tasks = sampleBanditTasks("dpt", { tasks: 1000, seed: 0 });
 *   const frame = await regretCurves({ UCB1: new UCB1(), TS: new GaussianThompson(), Greedy: new Greedy() }, tasks);
 *   regretChart(frame)
 *
 * Regret is the pseudo-regret: the sum over pulls of (best arm's mean - pulled arm's mean), the
 * quantity bandit papers (and DPT's figures) plot. Every policy of one call sees the same tasks,
 * the same reward-noise stream and the same policy random stream (common random numbers), so
 * differences between policies are not sampling noise of the tasks.
 */
import { Rng } from "../core/rng.js";
import type { TaskFamily } from "../core/registry.js";
import { BANDIT_PRESETS, type BernoulliBanditParams, type GaussianBanditParams, type LinearBanditParams } from "../envs/bandits.js";
import { gaussianBanditFamily, linearBanditFamily } from "../envs/families.js";
import { displayable, pl, type DataFrame } from "../data/frame.js";
import type { BanditBatch, BanditPolicy } from "./policy.js";

/** A named preset of {@link BANDIT_PRESETS} ("dpt", "dptLinear"). */
export type BanditPresetName = keyof typeof BANDIT_PRESETS;
/** Params of any bandit task family. */
export type BanditTaskParams = BernoulliBanditParams | GaussianBanditParams | LinearBanditParams;
/** Where tasks come from: a preset name or a bandit task family. */
export type BanditSource = BanditPresetName | TaskFamily<BernoulliBanditParams> | TaskFamily<GaussianBanditParams> | TaskFamily<LinearBanditParams>;

/**
 * Reward noise, as a standard deviation or a variance (DPT's code passes 0.3 to
 * np.random.normal as a std; its paper calls 0.3 a variance: `{std: 0.3}` or `{variance: 0.3}`).
 */
export type NoiseOption = { std: number } | { variance: number };

export interface SampleTasksOptions {
  /** Number of tasks (default 1000). */
  tasks?: number;
  /** Seed of the task draws (default 0). */
  seed?: number;
  /** Pulls per task (default: the preset's / family's horizon). */
  horizon?: number;
  /** Overrides the Gaussian noise of a Gaussian or linear bandit. */
  noise?: NoiseOption;
}

/** A batch of sampled bandit tasks in typed arrays. */
export interface BanditTasks {
  kind: "bernoulli" | "gaussian" | "linear";
  /** The family's name (for labels). */
  name: string;
  numTasks: number;
  numArms: number;
  horizon: number;
  /** Expected reward of each arm of each task, numTasks x numArms (linear contextual: of the current context). */
  means: Float64Array;
  /** Standard deviation of the reward noise (0 for Bernoulli, whose noise is the coin). */
  noiseStd: number;
  /** Linear bandits: feature dimension, arm features (numTasks x numArms x dim), theta (numTasks x dim). */
  dim?: number;
  features?: Float64Array;
  theta?: Float64Array;
  /** Linear contextual bandits: features are redrawn from N(0, I/dim) before every pull. */
  contextual: boolean;
  /** The params each task was built from (for `make(family, params)`). */
  params: BanditTaskParams[];
}

function presetFamily(name: string): TaskFamily<BanditTaskParams> {
  if (name === "dpt") return gaussianBanditFamily() as TaskFamily<BanditTaskParams>;
  if (name === "dptLinear") return linearBanditFamily() as TaskFamily<BanditTaskParams>;
  throw new RangeError(`bandit preset "${name}" does not exist; presets are ${Object.keys(BANDIT_PRESETS).map((k) => `"${k}"`).join(", ")}, or pass a task family such as bernoulliBanditFamily({arms: 5})`);
}

function noiseStdOf(noise: NoiseOption): number {
  const v = "std" in noise ? noise.std : Math.sqrt((noise as { variance: number }).variance);
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`noise must be {std: s} or {variance: v} with a finite value >= 0, got ${JSON.stringify(noise)}`);
  return v;
}

/** Draws `tasks` bandit tasks of a preset or family (see {@link SampleTasksOptions}). */
export function sampleBanditTasks(source: BanditSource, options: SampleTasksOptions = {}): BanditTasks {
  const family = typeof source === "string" ? presetFamily(source) : (source as TaskFamily<BanditTaskParams>);
  if (!family || typeof family.sample !== "function") throw new TypeError(`sampleBanditTasks: expected a preset name (${Object.keys(BANDIT_PRESETS).join(", ")}) or a bandit task family, got ${String(source)}`);
  const N = options.tasks ?? 1000;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`sampleBanditTasks: tasks must be a positive integer, got ${N}`);
  const rng = new Rng(options.seed ?? 0);
  const params = Array.from({ length: N }, () => family.sample(rng));
  const p0 = params[0] as Partial<BernoulliBanditParams & GaussianBanditParams & LinearBanditParams>;
  const kind = p0.probs ? "bernoulli" : p0.means ? "gaussian" : p0.theta ? "linear" : undefined;
  if (!kind) throw new RangeError(`sampleBanditTasks: family "${family.name}" does not make bandit tasks (its params have no probs, means or theta); use bernoulliBanditFamily, gaussianBanditFamily or linearBanditFamily`);
  const horizon = options.horizon ?? (typeof family.maxEpisodeSteps === "function" ? family.maxEpisodeSteps(params[0]) : family.maxEpisodeSteps) ?? p0.horizon ?? 500;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`sampleBanditTasks: horizon must be a positive integer, got ${horizon}`);
  const override = options.noise ? noiseStdOf(options.noise) : undefined;
  if (kind === "bernoulli") {
    if (override !== undefined) throw new RangeError("sampleBanditTasks: noise applies to Gaussian and linear bandits; a Bernoulli bandit's noise is its coin flip (drop the noise option)");
    const k = p0.probs!.length;
    const means = new Float64Array(N * k);
    params.forEach((p, i) => (p as BernoulliBanditParams).probs.forEach((v, a) => (means[i * k + a] = v)));
    return { kind, name: family.name, numTasks: N, numArms: k, horizon, means, noiseStd: 0, contextual: false, params };
  }
  const noiseStd = override ?? Math.sqrt((p0 as GaussianBanditParams).noiseVariance);
  if (override !== undefined) for (const p of params) (p as GaussianBanditParams).noiseVariance = override * override;
  if (kind === "gaussian") {
    const k = p0.means!.length;
    const means = new Float64Array(N * k);
    params.forEach((p, i) => (p as GaussianBanditParams).means.forEach((v, a) => (means[i * k + a] = v)));
    return { kind, name: family.name, numTasks: N, numArms: k, horizon, means, noiseStd, contextual: false, params };
  }
  const lp = p0 as LinearBanditParams;
  const d = lp.theta.length;
  const contextual = lp.contextual ?? false;
  const k = contextual ? lp.numArms ?? 0 : lp.arms?.length ?? 0;
  const theta = new Float64Array(N * d);
  const features = new Float64Array(N * k * d);
  params.forEach((p, i) => {
    const q = p as LinearBanditParams;
    q.theta.forEach((v, j) => (theta[i * d + j] = v));
    if (!contextual) q.arms!.forEach((row, a) => row.forEach((v, j) => (features[(i * k + a) * d + j] = v)));
  });
  const tasks: BanditTasks = { kind, name: family.name, numTasks: N, numArms: k, horizon, means: new Float64Array(N * k), noiseStd, dim: d, features, theta, contextual, params };
  if (!contextual) linearMeans(tasks);
  return tasks;
}

function linearMeans(t: BanditTasks): void {
  const d = t.dim!;
  for (let i = 0; i < t.numTasks; i++) {
    for (let a = 0; a < t.numArms; a++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += t.features![(i * t.numArms + a) * d + j] * t.theta![i * d + j];
      t.means[i * t.numArms + a] = s;
    }
  }
}

/** A policy written as a function of one task's history (wrapped by {@link functionPolicy}). */
export type BanditFunction = (ctx: {
  /** Which task of the batch. */
  task: number;
  /** Pull index (0-based). */
  t: number;
  numArms: number;
  /** Arms pulled so far in this task, and their rewards. */
  arms: readonly number[];
  rewards: readonly number[];
  /** Linear bandits: this task's arm features now (numArms x dim, row-major). */
  features?: Float64Array;
  rng: Rng;
}) => number;

/** A {@link BanditPolicy} from a function of one task's history. */
export function functionPolicy(name: string, fn: BanditFunction): BanditPolicy {
  let hist: { arms: number[]; rewards: number[] }[] = [];
  let batch: BanditBatch;
  return {
    name,
    reset(b) {
      batch = b;
      hist = Array.from({ length: b.numTasks }, () => ({ arms: [], rewards: [] }));
    },
    selectArms(t, out) {
      const { numArms: k, dim } = batch;
      for (let i = 0; i < batch.numTasks; i++) {
        const features = batch.features && dim ? batch.features.subarray(i * k * dim, (i + 1) * k * dim) : undefined;
        const a = fn({ task: i, t, numArms: k, arms: hist[i].arms, rewards: hist[i].rewards, features, rng: batch.rng });
        if (!Number.isInteger(a) || a < 0 || a >= k) throw new RangeError(`policy "${name}" returned arm ${String(a)} for task ${i} at pull ${t}; arms are the integers 0..${k - 1} (the bandit has ${k} arms)`);
        out[i] = a;
      }
    },
    update(arms, rewards) {
      for (let i = 0; i < batch.numTasks; i++) {
        hist[i].arms.push(arms[i]);
        hist[i].rewards.push(rewards[i]);
      }
    },
  };
}

export interface SimulateOptions {
  /** Seed of the reward noise and of the policy's random stream (default 0). */
  seed?: number;
  /** Pulls (default: the tasks' horizon). */
  horizon?: number;
  /** Called after each pull with the arms and rewards (e.g. to record a dataset). */
  onPull?: (t: number, arms: Int32Array, rewards: Float64Array) => void;
}

/** What {@link simulateBandit} returns. */
export interface SimulationResult {
  policy: string;
  /** Mean over tasks of the cumulative pseudo-regret after pulls 1..H. */
  meanRegret: Float64Array;
  /** Its standard error (sample std over tasks / sqrt(tasks)). */
  seRegret: Float64Array;
  /** Each task's cumulative pseudo-regret after the last pull. */
  finalRegret: Float64Array;
  /** Fraction of tasks that pulled a best arm, per pull. */
  optimalRate: Float64Array;
}

/** Plays one policy on every task for `horizon` pulls (see the module comment). */
export async function simulateBandit(policy: BanditPolicy, tasks: BanditTasks, options: SimulateOptions = {}): Promise<SimulationResult> {
  if (!policy || typeof policy.selectArms !== "function" || typeof policy.update !== "function" || typeof policy.reset !== "function") {
    throw new TypeError(`simulateBandit: ${String(policy)} is not a BanditPolicy (reset, selectArms, update); wrap a function with functionPolicy(name, fn)`);
  }
  const H = options.horizon ?? tasks.horizon;
  const { numTasks: N, numArms: k } = tasks;
  const root = new Rng(options.seed ?? 0);
  const noiseRng = root.split();
  const policyRng = root.split();
  const contextRng = root.split();
  const features = tasks.features ? Float64Array.from(tasks.features) : undefined;
  const means = tasks.contextual ? new Float64Array(N * k) : tasks.means;
  const view: BanditTasks = { ...tasks, features, means };
  policy.reset({ numTasks: N, numArms: k, features, dim: tasks.dim, noiseStd: tasks.kind === "bernoulli" ? undefined : tasks.noiseStd, rng: policyRng });
  const arms = new Int32Array(N);
  const rewards = new Float64Array(N);
  const cum = new Float64Array(N);
  const meanRegret = new Float64Array(H);
  const seRegret = new Float64Array(H);
  const optimalRate = new Float64Array(H);
  const best = new Float64Array(N);
  const recomputeBest = () => {
    for (let i = 0; i < N; i++) {
      let m = -Infinity;
      for (let a = 0; a < k; a++) m = Math.max(m, means[i * k + a]);
      best[i] = m;
    }
  };
  if (!tasks.contextual) recomputeBest();
  const sd = tasks.noiseStd;
  try {
    for (let t = 0; t < H; t++) {
      if (tasks.contextual) {
        const s = 1 / Math.sqrt(tasks.dim!);
        for (let j = 0; j < features!.length; j++) features![j] = contextRng.normal(0, s);
        linearMeans(view);
        recomputeBest();
      }
      arms.fill(-1);
      await policy.selectArms(t, arms);
      let sum = 0;
      let sumSq = 0;
      let opt = 0;
      for (let i = 0; i < N; i++) {
        const a = arms[i];
        if (a < 0 || a >= k) throw new RangeError(`policy "${policy.name}" chose arm ${a} for task ${i} at pull ${t}; arms are 0..${k - 1} (the bandit has ${k} arms)`);
        const mu = means[i * k + a];
        rewards[i] = tasks.kind === "bernoulli" ? (noiseRng.random() < mu ? 1 : 0) : mu + sd * noiseRng.normal();
        const gap = best[i] - mu;
        if (gap <= 1e-12) opt++;
        cum[i] += gap;
        sum += cum[i];
        sumSq += cum[i] * cum[i];
      }
      const mean = sum / N;
      meanRegret[t] = mean;
      seRegret[t] = N > 1 ? Math.sqrt(Math.max(sumSq / N - mean * mean, 0) * (N / (N - 1)) / N) : 0;
      optimalRate[t] = opt / N;
      policy.update(arms, rewards);
      options.onPull?.(t, arms, rewards);
    }
  } finally {
    policy.finish?.();
  }
  return { policy: policy.name, meanRegret, seRegret, finalRegret: cum, optimalRate };
}

/** Policies by label: objects implementing BanditPolicy, or functions of one task's history. */
export type PolicySet = Readonly<Record<string, BanditPolicy | BanditFunction>> | readonly BanditPolicy[];

/**
 * Runs every policy on the same tasks and returns the curves as a DataFrame with columns
 * `policy`, `step` (1..H), `regret` (mean cumulative pseudo-regret), `se` (its standard error)
 * and `optimal` (fraction of tasks pulling a best arm at that step).
 */
export async function regretCurves(policies: PolicySet, tasks: BanditTasks | BanditSource, options: SimulateOptions & SampleTasksOptions = {}): Promise<DataFrame> {
  const batch = isTasks(tasks) ? tasks : sampleBanditTasks(tasks, options);
  const entries: [string, BanditPolicy][] = Array.isArray(policies)
    ? (policies as BanditPolicy[]).map((p) => [p.name, p])
    : Object.entries(policies as Record<string, BanditPolicy | BanditFunction>).map(([name, p]) => [name, typeof p === "function" ? functionPolicy(name, p) : p]);
  if (!entries.length) throw new RangeError("regretCurves: no policies given; pass {label: policy, ...}");
  const cols = { policy: [] as string[], step: [] as number[], regret: [] as number[], se: [] as number[], optimal: [] as number[] };
  for (const [name, p] of entries) {
    const r = await simulateBandit(p, batch, options);
    for (let t = 0; t < r.meanRegret.length; t++) {
      cols.policy.push(name);
      cols.step.push(t + 1);
      cols.regret.push(r.meanRegret[t]);
      cols.se.push(r.seRegret[t]);
      cols.optimal.push(r.optimalRate[t]);
    }
  }
  const P = pl();
  return displayable(P.DataFrame([P.Series("policy", cols.policy, P.String), P.Series("step", cols.step, P.Int64), P.Series("regret", cols.regret, P.Float64), P.Series("se", cols.se, P.Float64), P.Series("optimal", cols.optimal, P.Float64)]));
}

function isTasks(x: unknown): x is BanditTasks {
  return !!x && typeof x === "object" && (x as BanditTasks).means instanceof Float64Array && typeof (x as BanditTasks).numArms === "number";
}
