/** Issue 18 item 5: HER refuses a goal space whose achieved and desired goals differ in shape, naming both sizes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Box, Dict } from "../../src/core/spaces.js";
import { goalLayout } from "../../src/buffers/her.js";

test("HER bad input: achieved and desired goals of different shapes, or no goal keys", () => {
  const space = new Dict({ observation: new Box(-1, 1, [4]), achievedGoal: new Box(-1, 1, [3]), desiredGoal: new Box(-1, 1, [2]) });
  assert.throws(() => goalLayout(space, "DQN with her"), /DQN with her: achievedGoal has 3 numbers but desiredGoal has 2; a goal env's achieved and desired goals must have the same shape/);
  assert.throws(() => goalLayout(new Dict({ observation: new Box(-1, 1, [4]) }), "SAC with her"), /SAC with her: needs a goal-conditioned env .* got Dict with keys observation/);
  // A matching space: goals located after the observation block in key order.
  const ok = goalLayout(new Dict({ achievedGoal: new Box(-1, 1, [2]), desiredGoal: new Box(-1, 1, [2]), observation: new Box(-1, 1, [4]) }));
  assert.deepEqual(ok, { achievedOffset: 0, desiredOffset: 2, goalDim: 2 });
});
