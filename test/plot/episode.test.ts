/** Episode playback: frames and per-step data of a real episode, the animated SVG, the filmstrip fallback. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { make } from "../../src/core/registry.js";
import "../../src/envs/index.js";
import type { VectorEnv } from "../../src/core/vector.js";
import { InvalidActionError } from "../../src/core/env.js";
import { displaySymbol } from "../../src/display.js";
import { backend } from "../../src/nn/backend.js";
import { PPO } from "../../src/algos/ppo.js";
import { recordEpisode } from "../../src/plot/episode.js";
import { svgSize } from "../../src/plot/chart.js";
import { decodePNG, inkFraction } from "./png.js";

/** Push toward the side the pole leans to: balances CartPole for the full 500 steps from seed 0. */
const balance = (obs: unknown) => {
  const o = obs as Float32Array;
  return o[2] + 0.5 * o[3] > 0 ? 1 : 0;
};

test("recordEpisode: every step's data, frames thinned evenly, an animation that keeps real time", async () => {
  const env = make("CartPole-v1");
  const ep = recordEpisode(balance, env, { seed: 0, maxFrames: 101 });
  assert.equal(ep.length, 500);
  assert.equal(ep.totalReturn, 500);
  assert.equal(ep.truncated, true);
  assert.equal(ep.terminated, false);
  assert.equal(ep.frames.length, 101);
  assert.equal(ep.frameSteps[0], 0);
  assert.equal(ep.frameSteps[100], 500, "the last frame shows the final state");
  assert.equal(ep.frameSteps[50], 250);
  // The data replays: the same seed and actions give the same observations.
  const replay = make("CartPole-v1");
  let obs = replay.reset({ seed: 0 }).obs as Float32Array;
  for (const s of ep.steps.slice(0, 50)) {
    assert.deepEqual(s.obs, Array.from(obs));
    assert.equal(s.action, balance(obs));
    obs = replay.step(s.action as number).obs as Float32Array;
  }
  assert.equal(ep.steps[9].return, 10);
  // The frames are the env's own renders at those steps.
  replay.reset({ seed: 0 });
  for (let t = 0; t < 5; t++) replay.step(ep.steps[t].action as number);
  assert.equal(ep.frames[1], replay.render());

  const svg = ep.toSVG();
  assert.deepEqual(svgSize(svg), svgSize(ep.frames[0]));
  assert.equal(svg.match(/<animate /g)?.length, 101);
  assert.match(svg, /dur="10\.020s"/, "501 states at CartPole's 50 fps");
  assert.match(svg, /keyTimes="0;0\.499002;0\.508982"/, "frame 50 shows steps 250..254 of 501");
  assert.match(svg, /<title>CartPole-v1: 500 steps, return 500<\/title>/);

  const df = ep.toDataFrame();
  assert.deepEqual(df.columns, ["t", "action", "reward", "return", "terminated", "truncated", "obs_0", "obs_1", "obs_2", "obs_3"]);
  assert.equal(df.height, 500);
  assert.equal(df.getColumn("return").max(), 500);

  const shown = (await ep[displaySymbol]()) as { data: Record<string, string>; metadata: Record<string, { width: number; height: number }> };
  assert.deepEqual(Object.keys(shown.data).sort(), ["image/png", "image/svg+xml", "text/plain"]);
  assert.equal(shown.data["image/svg+xml"], svg);
  assert.equal(shown.data["text/plain"], "Episode(CartPole-v1, 500 steps, return 500, truncated, 101 frames)");
  const png = decodePNG(Buffer.from(shown.data["image/png"], "base64"));
  assert.deepEqual({ width: png.width, height: png.height }, { width: 2 * shown.metadata["image/png"].width, height: 2 * shown.metadata["image/png"].height });
  assert.ok(shown.metadata["image/png"].width > 5 * 240, "a filmstrip of five frames");
  assert.ok(inkFraction(png) > 0.02, "the frames are drawn");
  assert.match(ep.filmstrip(3), /t = 0<\/text>.*t = 250<\/text>.*t = 500<\/text>/s);
});

test("recordEpisode with an agent (its greedy action), maxSteps, and errors", async () => {
  await backend("wasm");
  const agent = new PPO(make("CartPole-v1", { numEnvs: 2 }) as VectorEnv, { nSteps: 8, batchSize: 16, seed: 5 });
  const ep = recordEpisode(agent, make("CartPole-v1"), { seed: 3, maxSteps: 40 });
  assert.ok(ep.length >= 1 && ep.length <= 40);
  assert.ok(ep.steps.every((s) => s.action === 0 || s.action === 1));
  assert.equal(ep.frames.length, ep.length + 1);
  // Deterministic: the greedy action of the same observation.
  for (const s of ep.steps.slice(0, 5)) assert.equal(s.action, agent.act(Float32Array.from(s.obs as number[]), { deterministic: true }));
  const capped = recordEpisode(balance, make("CartPole-v1"), { seed: 0, maxSteps: 30 });
  assert.equal(capped.length, 30);
  assert.equal(capped.terminated || capped.truncated, false);
  assert.throws(() => recordEpisode(() => 7, make("CartPole-v1"), { seed: 0 }), InvalidActionError);
  assert.throws(() => recordEpisode(balance, make("CartPole-v1", { numEnvs: 2 }) as never), /single Env/);
  assert.throws(() => recordEpisode(balance, make("CartPole-v1"), { maxSteps: 0 }), /maxSteps must be a positive integer/);
  agent.dispose();
});
