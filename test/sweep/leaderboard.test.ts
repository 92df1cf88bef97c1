/** leaderboard() is the complete trials best first, and displays as a table (not a raw array). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sweep, choice, fixedParam, Leaderboard } from "../../src/sweep/index.js";
import { format } from "../../kernel/format.js";

test("leaderboard(): best first, an array, and a table in the notebook (HTML and aligned text)", async () => {
  // A grid over q in {1, 2, 3, 4} x arch in {"a", "b"}; value = -(q - 3)^2 (+0.5 for "b"); q = 2 fails.
  const result = await sweep({
    space: { q: choice([1, 2, 3, 4]), arch: choice(["a", "b"]), fixedOne: fixedParam(7) },
    objective: (p) => {
      if (p.q === 2) throw new Error("q = 2 fails");
      return -((p.q - 3) ** 2) + (p.arch === "b" ? 0.5 : 0);
    },
    sampler: "grid",
    mode: "max",
    seed: 1,
  });
  const board = result.leaderboard();
  assert.ok(Array.isArray(board) && board instanceof Leaderboard);
  // Expected order worked out by hand from the objective: (3,b)=0.5, (3,a)=0, (4,b)=-0.5, (4,a)=-1, (1,b)=-3.5, (1,a)=-4.
  assert.deepEqual(board.map((t) => [t.config.q, t.config.arch, t.value]), [[3, "b", 0.5], [3, "a", 0], [4, "b", -0.5], [4, "a", -1], [1, "b", -3.5], [1, "a", -4]]);
  assert.equal(board[0], result.best);
  assert.ok(!(board.slice(0, 2) instanceof Leaderboard), "slices are plain arrays");
  assert.equal(JSON.stringify(board), JSON.stringify([...board]), "serializes as its trials");

  const shown = await format(board);
  const html = String(shown.data["text/html"]);
  assert.match(html, /<table class="dataframe">/);
  assert.match(html, /<th>rank<\/th><th>trial<\/th><th>value<\/th><th>duration<\/th><th>q<\/th><th>arch<\/th><\/tr>/);
  assert.equal((html.match(/<tr>/g) ?? []).length, 1 + 6, "a header row and one row per complete trial");
  assert.doesNotMatch(html, /fixedOne/, "fixed parameters are not columns");
  const text = String(shown.data["text/plain"]).split("\n");
  assert.equal(text[0], "leaderboard: 6 complete trials, best first");
  assert.match(text[1], /^rank +trial +value +duration +q +arch$/);
  assert.match(text[3], /^1 +\d+ +0\.5 +[\d.]+ +3 +b$/);
  assert.doesNotMatch(String(shown.data["text/plain"]), /\[ *\{|config:/, "not a raw array of records");
});
