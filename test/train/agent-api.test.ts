import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { backend } from "../../src/nn/backend.js";
import { CheckpointError } from "../../src/nn/checkpoint.js";
import { A2C, ConfigError, DQN, PPO, PPO_PRESETS, REINFORCE, SAC, TD3, type Agent } from "../../src/algos/index.js";
import { train } from "../../src/train/train.js";

const cartpole = (n: number) => make("CartPole-v1", { numEnvs: n }) as VectorEnv;

test("every agent accepts a single env (wrapped into a 1-env vector env) and trains on it", async () => {
  await backend("wasm");
  const small = { learningStarts: 50, batchSize: 16, bufferSize: 1000, netArch: [16], seed: 1 };
  const agents: Agent[] = [
    new PPO(make("CartPole-v1"), { nSteps: 32, batchSize: 32, seed: 1 }),
    new A2C(make("CartPole-v1"), { seed: 1 }),
    new REINFORCE(make("CartPole-v1"), { seed: 1 }),
    new DQN(make("CartPole-v1"), small),
    new SAC(make("Pendulum-v1"), small),
    new TD3(make("Pendulum-v1"), small),
    DQN.preset("CartPole-v1/fast", make("CartPole-v1"), { learningStarts: 50 }),
  ];
  for (const a of agents) {
    assert.equal(a.env.numEnvs, 1, a.algo);
    await train(a, { steps: 200 });
    assert.ok(a.numTimesteps >= 200, `${a.algo}: ${a.numTimesteps} steps`);
    a.dispose();
  }
  assert.throws(() => new DQN({} as never), (e: unknown) => e instanceof ConfigError && /env = \{\} is invalid.*an Env \(make\("CartPole-v1"\)\) or a VectorEnv \(make\("CartPole-v1", \{numEnvs: 8\}\)\)/.test(e.message));
});

test("PPO presets adapt to the env count: nSteps stays per env, batchSize is capped at the rollout", async () => {
  await backend("wasm");
  const p = PPO_PRESETS["CartPole-v1"]; // RL-Zoo: 8 envs, n_steps 32, batch_size 256
  assert.equal(p.numEnvs, 8);
  const two = PPO.preset("CartPole-v1", cartpole(2), { seed: 1 });
  assert.equal(two.config.nSteps, 32);
  assert.equal(two.config.batchSize, 64); // 32 steps x 2 envs
  const r = await two.learnIteration();
  assert.ok(r.steps > 0 && Number.isFinite(r.losses.policyLoss));
  assert.equal(PPO.preset("CartPole-v1", make("CartPole-v1")).config.batchSize, 32);
  assert.equal(PPO.preset("CartPole-v1", cartpole(16)).config.batchSize, 256, "more envs: the preset's batch size");
  assert.equal(PPO.preset("CartPole-v1", cartpole(2), { batchSize: 16 }).config.batchSize, 16, "an explicit batchSize wins");
  assert.throws(() => PPO.preset("CartPole-v1", cartpole(2), { batchSize: 256 }), /batchSize = 256 is invalid; accepted values: an integer from 1 to nSteps x numEnvs = 32 x 2 = 64/);
  two.dispose();
});

test("ConfigError reports every bad field at once", () => {
  const env = cartpole(4);
  try {
    new PPO(env, { learningRate: -1, nSteps: 0, activation: "gelu" as never, learningrate: 1 } as never);
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.problems.map((p) => p.field).sort(), ["activation", "learningRate", "learningrate", "nSteps"]);
    assert.match(e.message, /^PPO config: 4 invalid fields:\n/);
    for (const f of ["learningRate = -1", "nSteps = 0", 'activation = "gelu"', "learningrate = 1"]) assert.ok(e.message.includes(f), `${f} missing in\n${e.message}`);
  }
  assert.throws(
    () => new SAC(make("Pendulum-v1"), { tau: 2, gamma: 1.5, batchSize: 0 }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 3 && /tau = 2/.test(e.message) && /gamma = 1.5/.test(e.message) && /batchSize = 0/.test(e.message),
  );
});

test("netArch given as a string names the value and the accepted form (not its characters)", () => {
  for (const build of [() => new PPO(cartpole(2), { netArch: "big" as never }), () => new DQN(cartpole(2), { netArch: "big" as never })]) {
    assert.throws(build, (e: unknown) => e instanceof ConfigError && /netArch = "big" is invalid; accepted values: a non-empty array of positive integers, e.g. \[64, 64\]/.test(e.message) && !/\["b"/.test(e.message));
  }
});

test("PPO.load with another env count: the error names the saved env count and load's overrides argument", async () => {
  await backend("wasm");
  const dir = await mkdtemp(path.join(tmpdir(), "rlbook-envcount-"));
  try {
    const a = new PPO(cartpole(4), { nSteps: 32, batchSize: 128, seed: 4 });
    await train(a, { steps: 128 });
    await a.save(dir);
    await assert.rejects(PPO.load(dir, cartpole(2)), (e: unknown) => {
      const m = (e as Error).message;
      return (
        e instanceof CheckpointError &&
        /was trained on 4 envs and its config does not fit this env of 2 envs/.test(m) &&
        /make\(id, \{numEnvs: 4\}\)/.test(m) &&
        /pass config overrides as load's third argument, e.g. PPO.load\(dir, env, \{batchSize: \.\.\.\}\)/.test(m) &&
        m.indexOf("trained on 4 envs") < m.indexOf("batchSize")
      );
    });
    const b = await PPO.load(dir, cartpole(2), { batchSize: 64 });
    assert.equal(b.numTimesteps, a.numTimesteps);
    assert.equal(b.config.batchSize, 64);
    await train(b, { steps: 64 });
    for (const x of [a, b]) x.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---- types: a cell's view of the API, checked with the TypeScript compiler against the built declarations ----

const dist = new URL("../../", import.meta.url).pathname; // dist/ (declarations next to the .js files)

function typeCheck(source: string): { diagnostics: { code: number; line: number; text: string }[]; quickInfo: (marker: string) => string } {
  // An in-memory file (never written) next to the compiled tests, importing the built declarations.
  const file = path.join(dist, "test", "train", "__agent_types_snippet.ts");
  const files = new Map([[file, source]]);
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, noEmit: true, types: [] };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => {
      const text = files.get(f) ?? ts.sys.readFile(f);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => dist,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => files.has(f) || ts.sys.fileExists(f),
    readFile: (f) => files.get(f) ?? ts.sys.readFile(f),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host);
  const diagnostics = [...service.getSyntacticDiagnostics(file), ...service.getSemanticDiagnostics(file)].map((d) => ({
    code: d.code,
    line: source.slice(0, d.start ?? 0).split("\n").length,
    text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
  const quickInfo = (marker: string) => {
    const info = service.getQuickInfoAtPosition(file, source.indexOf(marker));
    return info ? ts.displayPartsToString(info.displayParts) + "\n" + ts.displayPartsToString(info.documentation) : "";
  };
  return { diagnostics, quickInfo };
}

const header = `import { A2C, DQN, PPO, REINFORCE, SAC, TD3 } from "${dist}src/algos/index.js";
import { CartPoleEnv, PendulumEnv } from "${dist}src/envs/index.js";
const cart = new CartPoleEnv();
const obs = cart.reset().obs;
const pend = new PendulumEnv();
const pobs = pend.reset().obs;
`;

test("types: act returns the env's action type (number for CartPole, Float32Array for Pendulum) without casts; preset names complete", () => {
  const { diagnostics, quickInfo } = typeCheck(
    header +
      `const a: number = new PPO(cart, { seed: 1 }).act(obs);
const d: number = new DQN(cart).act(obs, { deterministic: true });
const r: number = new REINFORCE(cart).act(obs);
const c: number = new A2C(cart).act(obs);
const u: Float32Array = new SAC(pend).act(pobs);
const t: Float32Array = TD3.preset("Pendulum-v1/fast", pend).act(pobs);
const p: number = PPO.preset("CartPole-v1", cart).act(obs);
cart.step(new PPO(cart).act(obs));
const loaded: Promise<PPO<number>> = PPO.load("dir", cart);
// A bare class name means any agent of that class, as a user writes it in a Map or an array.
const byName = new Map<string, PPO>([["cart", new PPO(cart)]]);
const mixed: SAC[] = [new SAC(pend)];
`,
  );
  assert.deepEqual(diagnostics, []);
  const info = quickInfo('preset("CartPole-v1"');
  for (const name of Object.keys(PPO_PRESETS)) assert.ok(info.includes(`"${name}"`), `PPO.preset's hover lacks ${name}:\n${info}`);
  assert.ok(!info.includes("{@link"), info);
});

test("types: a wrong action type and an unknown preset name fail to compile, naming the types and the preset names", () => {
  const { diagnostics } = typeCheck(
    header +
      `const b: Float32Array = new PPO(cart).act(obs);
PPO.preset("Cartpole-v1", cart);
const x: number = new SAC(pend).act(pobs);
`,
  );
  const at = (line: number) => diagnostics.filter((d) => d.line === line);
  const base = header.split("\n").length - 1;
  assert.equal(diagnostics.length, 3, JSON.stringify(diagnostics, null, 1));
  assert.equal(at(base + 1)[0]?.code, 2322);
  assert.match(at(base + 1)[0].text, /Type 'number' is not assignable to type 'Float32Array/);
  assert.equal(at(base + 2)[0]?.code, 2345);
  assert.match(at(base + 2)[0].text, /"Cartpole-v1"' is not assignable to parameter of type '"CartPole-v1" \| "CartPole-v1\/fast" \| "Pendulum-v1"'/);
  assert.equal(at(base + 3)[0]?.code, 2322);
  assert.match(at(base + 3)[0].text, /Type 'Float32Array.*' is not assignable to type 'number'/);
});
