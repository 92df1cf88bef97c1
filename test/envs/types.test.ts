/**
 * The types a cell sees, checked by the kernel's own cell checker (CellLanguage, "rlbook" resolved
 * to the built declarations): `make(id)` is typed by the id, ids complete, user envs can join the
 * typed map, sweep objectives get their parameters' types.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CellLanguage } from "../../kernel/language.js";

const language = new CellLanguage(mkdtempSync(join(tmpdir(), "rlbook-types-")));
/** Checks a cell and keeps it (as the kernel does when a cell passes); returns "TSnnnn: message" lines. */
const check = (code: string): string[] => {
  const diagnostics = language.diagnostics(code);
  if (!diagnostics.length) language.commit(code);
  return diagnostics.map((d) => `TS${d.code}: ${d.message}`);
};
/** The type TypeScript shows for `name` (quick info), as `?name` would. */
const typeOf = (name: string): string =>
  (language.inspect(name, name.length)?.signature ?? "").replace(/<ArrayBufferLike>/g, "").replace(/\s+/g, " ");

test("make(id) is typed by the registered id: observation, action and info", () => {
  assert.deepEqual(check('import { make, sweep, logUniform, choice, intUniform, uniform } from "rlbook";'), []);
  // Before: make returned Env<unknown, unknown>, so each of these lines was TS18046 / TS2322.
  assert.deepEqual(
    check(
      [
        'const bandit = make("BernoulliBandit-v0");',
        "bandit.reset({ seed: 1 });",
        "const s = bandit.step(0);",
        "const regretPlusOne: number = s.info.regret + 1;",
        'const env = make("CartPole-v1");',
        "const obs: Float32Array = env.reset({ seed: 0 }).obs;",
        "const action: number = env.actionSpace.sample();",
        "const r = env.step(action);",
        "const x: number = r.obs[0] + r.reward;",
        'const pend = make("Pendulum-v1");',
        "pend.reset();",
        "pend.step([0.5]);",
        "pend.step(pend.actionSpace.sample());",
        'const room = make("DarkRoom-v0");',
        "room.reset();",
        "const atGoal: boolean = room.step(0).info.atGoal;",
      ].join("\n"),
    ),
    [],
  );
  assert.match(typeOf("env"), /Env<Float32Array, number, Info>/);
  assert.match(typeOf("pend"), /Env<Float32Array, Float32Array, Info>/);
  assert.match(typeOf("bandit"), /Env<number, number, BanditStepInfo>/);
});

test("wrong uses of a typed env fail with the named message", () => {
  const cartpole = check('const bad = make("CartPole-v1"); bad.reset(); bad.step("left");');
  assert.equal(cartpole.length, 1);
  assert.match(cartpole[0], /^TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
  const info = check('const b2 = make("BernoulliBandit-v0"); b2.reset(); const t: string = b2.step(0).info.regret;');
  assert.match(info[0], /^TS2322: Type 'number' is not assignable to type 'string'/);
  const typo = check('const b3 = make("BernoulliBandit-v0"); b3.reset(); b3.step(0).info.regrett;');
  assert.match(typo[0], /^TS2551: Property 'regrett' does not exist on type 'BanditStepInfo'. Did you mean 'regret'\?/);
});

test("make(id, {numEnvs}) is the typed vector env; per-env infos are arrays of the info's types", () => {
  assert.deepEqual(
    check(
      [
        'const vec = make("CartPole-v1", { numEnvs: 4 });',
        "const a: number = vec.singleActionSpace.sample();",
        "const batch: Float32Array = vec.reset({ seed: 1 }).obs;",
        'const bandits = make("GaussianBandit-v0", { numEnvs: 2 });',
        "bandits.reset({ seed: 0 });",
        "const regrets: (number | undefined)[] | undefined = bandits.step([0, 1]).info.regret;",
      ].join("\n"),
    ),
    [],
  );
  assert.match(typeOf("vec"), /VectorEnv<Float32Array, number, Info>/);
});

test("env ids complete in make(...); any string is still accepted (user-registered envs)", () => {
  const cell = 'make("Pend';
  const completions = language.complete(cell, cell.length);
  assert.ok(completions.matches.includes("Pendulum-v1"), `completions: ${completions.matches.join(", ")}`);
  const all = language.complete('make("', 'make("'.length).matches;
  for (const id of ["CartPole-v1", "MountainCarContinuous-v0", "BernoulliBandit-v0", "Reach2D-v0"]) assert.ok(all.includes(id), `${id} not offered`);
  assert.deepEqual(check('const someId: string = "My-v0"; const untyped = make(someId, { maxEpisodeSteps: 10 });'), []);
  assert.match(typeOf("untyped"), /Env<unknown, unknown, Info>/);
});

test("a user env joins the typed map by declaration merging", () => {
  const cell = [
    'import { Env, Discrete, Box, register, type StepResult, type ResetResult } from "rlbook";',
    "class Coin extends Env<Float32Array, number> {",
    "  readonly observationSpace = new Box(0, 1, [1]);",
    "  readonly actionSpace = new Discrete(2);",
    "  reset(): ResetResult<Float32Array> { this.status = 'running'; return { obs: new Float32Array(1), info: {} }; }",
    "  step(a: number): StepResult<Float32Array, { heads: boolean }> { return { obs: new Float32Array(1), reward: a, terminated: true, truncated: false, info: { heads: a === 1 } }; }",
    "}",
    'declare module "rlbook" { interface EnvRegistry { "Coin-v0": Coin } }',
    'register({ id: "Coin-v0", create: () => new Coin() });',
  ].join("\n");
  assert.deepEqual(check(cell), []);
  assert.deepEqual(check('const coin = make("Coin-v0"); coin.reset(); const heads: boolean = coin.step(1).info.heads;'), []);
  assert.match(typeOf("coin"), /Env<Float32Array, number, \{ heads: boolean; \}>/);
});

test("sweep objectives get their parameters typed from the space", () => {
  // Before: the objective's config was Record<string, unknown>, so `p.learningRate * 2` was TS18046.
  const cell = [
    "const run = sweep({",
    '  space: { learningRate: logUniform(1e-5, 1e-2), gamma: uniform(0.9, 0.999), nSteps: intUniform(8, 64), netArch: choice(["a", "b"]), batch: choice([32, 64]), hidden: [64, 64] },',
    "  objective: (p) => {",
    "    const lr: number = p.learningRate * 2 + p.gamma + p.nSteps;",
    '    const arch: "a" | "b" = p.netArch;',
    "    const batch: 32 | 64 = p.batch;",
    "    const width: number = p.hidden[0];",
    "    return lr + width + batch + arch.length;",
    "  },",
    "  trials: 1,",
    "});",
  ].join("\n");
  assert.deepEqual(check(cell), []);
  const wrong = check('sweep({ space: { netArch: choice(["a", "b"]) }, objective: (p) => { const n: number = p.netArch; return n; } })');
  assert.equal(wrong.length, 1);
  // (TypeScript names the choice's values or their base type string here; before, the type was unknown.)
  assert.match(wrong[0], /^TS2322: Type '("a" \| "b"|string)' is not assignable to type 'number'/);
});

test("evaluate takes a policy typed by the env: a function of the env's observation returning its action", () => {
  assert.deepEqual(check('import { evaluate } from "rlbook";\nconst ev = evaluate((obs) => (obs[2] > 0 ? 1 : 0), make("CartPole-v1"), { episodes: 1 });'), []);
  const wrong = check('const ev2 = evaluate((obs) => "left", make("CartPole-v1"));');
  assert.equal(wrong.length, 1);
  assert.match(wrong[0], /^TS2345: Argument of type '\(obs: Float32Array.*\) => string' is not assignable to parameter of type 'PolicyFor<Env<Float32Array.*, number, Info>>'/);
  assert.match(wrong[0], /Type 'string' is not assignable to type 'number'/);
});
