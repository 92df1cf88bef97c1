/** Long chart titles stay inside the picture: wrapped to the chart's width, never cut at its edges. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderPNG } from "../../src/plot/chart.js";
import { barChart, lineChart } from "../../src/plot/builders.js";
import { decodePNG, type Image } from "./png.js";

const dark = (img: Image, x: number, y: number): boolean => {
  const i = 4 * (y * img.width + x);
  return img.rgba[i] + img.rgba[i + 1] + img.rgba[i + 2] < 3 * 128;
};

/** Columns with dark (text) pixels in the rows [y0, y1). */
function inkColumns(img: Image, y0: number, y1: number): number[] {
  const cols: number[] = [];
  for (let x = 0; x < img.width; x++) {
    for (let y = y0; y < y1; y++) {
      if (dark(img, x, y)) {
        cols.push(x);
        break;
      }
    }
  }
  return cols;
}

const rows = Array.from({ length: 40 }, (_, i) => ({ t: i, regret: Math.sqrt(i), algo: i % 2 ? "ucb" : "thompson" }));
const long = "Cumulative regret of UCB, Thompson sampling and epsilon-greedy on a 5-armed Bernoulli bandit (500 pulls, mean of 20 seeds)";

for (const [name, chart] of [
  ["lineChart 400 px", lineChart(rows, { x: "t", y: "regret", color: "algo", title: long, width: 400, height: 250 })],
  ["lineChart, default size, medium title", lineChart(rows, { x: "t", y: "regret", color: "algo", title: "Cumulative regret of UCB and Thompson sampling over 500 pulls" })],
  ["barChart 300 px", barChart([{ k: "a", v: 1 }, { k: "b", v: 2 }], { x: "k", y: "v", title: long, width: 300, height: 200 })],
] as const) {
  test(`${name}: the title is drawn whole, inside the picture, and leaves the plot its width`, async () => {
    const { png, width } = await renderPNG(chart.spec, 1);
    const img = decodePNG(png);
    assert.equal(img.width, width);
    // The title band: the rows above the first full-width gridline/axis row of the plot.
    const band = inkColumns(img, 0, 24);
    assert.ok(band.length > 20, "the title is drawn at the top");
    assert.ok(band[0] >= 2, `title ink starts at column ${band[0]}: cut at the left`);
    assert.ok(band[band.length - 1] <= img.width - 3, `title ink ends at column ${band[band.length - 1]} of ${img.width}: cut at the right`);
    // The plot keeps most of the width (a title measured wider than the chart squeezed it to nothing).
    const plotRow = Math.floor(img.height * 0.75);
    const ink = inkColumns(img, plotRow, plotRow + 1);
    assert.ok(ink.length > 0 && ink[0] < img.width / 3, `the plot starts at column ${ink[0]} of ${img.width}`);
  });
}
