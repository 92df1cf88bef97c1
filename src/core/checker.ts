/**
 * `checkEnv(env)`: reports what an env gets wrong, as `gymnasium.utils.env_checker.check_env`
 * does: its spaces, the types of what `reset` and `step` return, whether observations are in the
 * observation space, determinism under a seed, invalid-action and finished-episode handling, and
 * `render()`.
 *
 * It never throws on the env's behalf: problems come back as `errors` (the env breaks the Env
 * contract) and `warnings` (legal but likely unintended).
 */
import { Env, type StepResult } from "./env.js";
import { Rng } from "./rng.js";
import { Box, Space, formatValue } from "./spaces.js";

/** What `checkEnv` found. */
export interface EnvCheckReport {
  /** True when there are no errors. */
  ok: boolean;
  errors: string[];
  warnings: string[];
}

/** Options of `checkEnv`. */
export interface CheckEnvOptions {
  /** Steps per determinism rollout (default 50). */
  steps?: number;
  /** Seed used for the determinism checks (default 42). */
  seed?: number;
  /** Skip the render check. */
  skipRender?: boolean;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b) || a === b;
  if ((ArrayBuffer.isView(a) || Array.isArray(a)) && (ArrayBuffer.isView(b) || Array.isArray(b))) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i], y[i])) return false;
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return false;
    return ka.every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

const DTYPE_CTOR: Record<string, string> = { float32: "Float32Array", float64: "Float64Array", int8: "Int8Array", uint8: "Uint8Array", int16: "Int16Array", int32: "Int32Array" };

/** Checks an env against the Env contract and returns what is wrong. */
export function checkEnv(env: Env, options: CheckEnvOptions = {}): EnvCheckReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const steps = options.steps ?? 50;
  const seed = options.seed ?? 42;
  const report = (): EnvCheckReport => ({ ok: errors.length === 0, errors, warnings });

  if (!(env instanceof Env)) {
    errors.push(`${formatValue(env)} is not an Env (extend rlbook's Env class)`);
    return report();
  }

  // Spaces.
  const spaces: [string, unknown][] = [["observationSpace", env.observationSpace], ["actionSpace", env.actionSpace]];
  for (const [what, sp] of spaces) {
    if (!(sp instanceof Space)) {
      errors.push(`${what} is not a Space: ${formatValue(sp)}`);
      continue;
    }
    try {
      const x = sp.sample(new Rng(seed));
      if (!sp.contains(x)) errors.push(`${what}.sample() returned ${formatValue(x)}, which ${what} does not contain: ${sp.whyNot(x)}`);
      const back = sp.unflatten(sp.flatten(x as never));
      if (!sameValue(back, x)) errors.push(`${what}: unflatten(flatten(x)) does not give x back`);
    } catch (e) {
      errors.push(`${what} ${sp.toString()} fails sample/contains/flatten: ${(e as Error).message}`);
    }
    if (sp instanceof Box && what === "actionSpace") {
      const sym = sp.isBounded && Array.from(sp.low).every((v, i) => v === -sp.high[i]);
      if (!sym) warnings.push(`actionSpace ${sp.toString()} is not symmetric; many algorithms assume [-1, 1] (use RescaleAction)`);
      else if (sp.high.some((v) => v !== 1)) warnings.push(`actionSpace ${sp.toString()} is not normalized to [-1, 1] (use RescaleAction)`);
    }
  }
  if (errors.length) return report();
  const obsSpace = env.observationSpace;
  const actSpace = env.actionSpace;

  const checkObs = (obs: unknown, where: string): void => {
    const why = obsSpace.whyNot(obs);
    if (why !== undefined) errors.push(`${where}: the observation ${formatValue(obs)} is not in ${obsSpace.toString()}: ${why}`);
    else if (obsSpace instanceof Box && ArrayBuffer.isView(obs) && obs.constructor.name !== DTYPE_CTOR[obsSpace.dtype]) {
      warnings.push(`${where}: the observation is a ${obs.constructor.name} but the space's dtype is ${obsSpace.dtype} (${DTYPE_CTOR[obsSpace.dtype]})`);
    } else if (obsSpace instanceof Box && Array.isArray(obs)) {
      warnings.push(`${where}: the observation is a plain array; return a ${DTYPE_CTOR[obsSpace.dtype]}`);
    }
  };

  const checkStepResult = (r: unknown, where: string): r is StepResult<unknown> => {
    if (!isPlainObject(r)) {
      errors.push(`${where}: step() must return {obs, reward, terminated, truncated, info}, got ${formatValue(r)}`);
      return false;
    }
    const bad: string[] = [];
    if (!("obs" in r)) bad.push("obs is missing");
    if (typeof r.reward !== "number") bad.push(`reward must be a number, got ${typeof r.reward} ${formatValue(r.reward)}`);
    else if (!Number.isFinite(r.reward)) bad.push(`reward is ${r.reward}`);
    if (typeof r.terminated !== "boolean") bad.push(`terminated must be a boolean, got ${typeof r.terminated}`);
    if (typeof r.truncated !== "boolean") bad.push(`truncated must be a boolean, got ${typeof r.truncated}`);
    if (!isPlainObject(r.info)) bad.push(`info must be a plain object, got ${formatValue(r.info)}`);
    for (const b of bad) errors.push(`${where}: ${b}`);
    if ("obs" in r) checkObs(r.obs, where);
    return bad.length === 0;
  };

  // Reset.
  let first: unknown;
  try {
    first = env.reset({ seed });
  } catch (e) {
    errors.push(`reset({seed}) threw: ${(e as Error).message}`);
    return report();
  }
  if (!isPlainObject(first) || !("obs" in first) || !isPlainObject(first.info)) {
    errors.push(`reset() must return {obs, info} with info a plain object, got ${formatValue(first)}`);
    return report();
  }
  checkObs(first.obs, "reset()");

  // Determinism: two rollouts from the same seed with the same actions must agree.
  const rollout = (): { obs: unknown[]; rewards: number[]; error?: string } => {
    const obs: unknown[] = [];
    const rewards: number[] = [];
    const actRng = new Rng(seed + 1);
    try {
      const r0 = env.reset({ seed });
      obs.push(r0.obs);
      for (let t = 0; t < steps; t++) {
        const a = actSpace.sample(actRng);
        const r = env.step(a);
        obs.push(r.obs);
        rewards.push(r.reward);
        if (r.terminated || r.truncated) {
          const rr = env.reset();
          obs.push(rr.obs);
        }
      }
    } catch (e) {
      return { obs, rewards, error: (e as Error).message };
    }
    return { obs, rewards };
  };
  const a = rollout();
  const b = rollout();
  if (a.error || b.error) errors.push(`stepping with actions sampled from the action space threw: ${a.error ?? b.error}`);
  else {
    if (!sameValue(a.obs[0], b.obs[0])) errors.push("reset({seed}) is not deterministic: the same seed gave different observations");
    else if (!sameValue(a.obs, b.obs) || !sameValue(a.rewards, b.rewards)) errors.push("step() is not deterministic: the same seed and actions gave different observations or rewards");
  }

  // Types of step results.
  try {
    env.reset({ seed });
    for (let t = 0; t < Math.min(steps, 10); t++) {
      const r = env.step(actSpace.sample(new Rng(seed + t)));
      if (!checkStepResult(r, `step ${t}`)) break;
      if (r.terminated || r.truncated) break;
    }
  } catch (e) {
    errors.push(`step() threw on a valid action: ${(e as Error).message}`);
  }

  // Invalid actions must be rejected.
  const invalid: unknown[] = [NaN, "left", undefined];
  if (actSpace instanceof Box) invalid.push(new Float32Array(actSpace.size + 1), new Float32Array(actSpace.size).fill(NaN));
  for (const bad of invalid) {
    if (actSpace.contains(bad)) continue;
    try {
      env.reset({ seed });
      env.step(bad as never);
      warnings.push(`step(${formatValue(bad)}) accepted an action outside ${actSpace.toString()}; throw an error naming the env, the space and the value`);
      break;
    } catch {
      // rejected, as it should be
    }
  }

  // Stepping a finished episode must be refused.
  try {
    env.reset({ seed });
    const actRng = new Rng(seed + 2);
    let ended = false;
    for (let t = 0; t < 10000 && !ended; t++) {
      const r = env.step(actSpace.sample(actRng));
      ended = r.terminated || r.truncated;
    }
    if (ended) {
      let refused = false;
      try {
        env.step(actSpace.sample(actRng));
      } catch {
        refused = true;
      }
      if (!refused) warnings.push("step() after the episode ended did not throw; call reset() first is the contract");
    }
  } catch (e) {
    errors.push(`an episode with random actions threw: ${(e as Error).message}`);
  }

  // Render.
  if (!options.skipRender) {
    try {
      const svg = env.render();
      if (typeof svg !== "string" || !svg.trimStart().startsWith("<svg")) errors.push(`render() must return an SVG string, got ${formatValue(typeof svg === "string" ? svg.slice(0, 40) : svg)}`);
    } catch (e) {
      warnings.push(`render() threw: ${(e as Error).message}`);
    }
  }
  return report();
}
