/**
 * A long session in small: 300 cells back to back, each declaring ten new names, so that by the
 * end the notebook has 3,000 declarations. A cell's time and the executor's heap must not grow
 * with the number of earlier cells. Bounds are ratios to the first measured block, generous so
 * that a busy machine does not fail them; when every cell was checked with all earlier declarations
 * in its file, the last block took several times the first (each cell now gets only those it mentions).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { growthPer1000, RLBOOK_COMMITTED_PROBE, RLBOOK_HEAP_PROBE, soak } from "../../kernel/soak.js";
import { startKernel } from "./helpers.js";

test("300 cells declaring 3,000 names: per-cell time and the executor's heap stay flat", { timeout: 300_000 }, async (t) => {
  const kernel = await startKernel();
  try {
    const cell = (i: number) => Array.from({ length: 10 }, (_, k) => `const v${i}_${k} = ${i} + ${k};`).join("\n") + `\nv${i}_9`;
    // The first block warms up (the standard library's types load on the first cells); it is not compared.
    const blocks = await soak(kernel, { cell, cells: 300, block: 60, heapProbe: RLBOOK_HEAP_PROBE });
    const [, first, ...rest] = blocks;
    const last = rest.at(-1)!;
    const report = blocks.map((b) => `${b.cells}: ${b.msPerCell.toFixed(1)} ms/cell, heap ${b.heapMb.toFixed(1)} MB, rss ${b.rssMb.toFixed(0)} MB`).join("\n");
    assert.ok(last.msPerCell < 2.5 * first!.msPerCell, `per-cell time grew with the notebook:\n${report}`);
    assert.ok(last.heapMb < 1.25 * first!.heapMb, `the executor's heap grew with the notebook:\n${report}`);
    // What each declared name leaves in the executor's live heap (after full collections): the slope
    // over the blocks after the first. Over 300 cells the reused checker's state (rebuilt every 200
    // cells) swings more than the declarations add: measured -190 B a name as a slope, and -120 to
    // +520 B as the difference of two blocks; ~220 B is the kept declaration (language.ts, measured
    // alone). When every earlier declaration sat in each cell's file it was 2,460 B. The bound,
    // 1,000 B, is below what ipykernel's whole process grows per trivial cell (1.06-1.08 KB,
    // `npm run bench -- kernel`).
    const perName = (growthPer1000(blocks, (b) => b.heapMb, first!.cells) * 2 ** 20) / 1000 / 10;
    t.diagnostic(`executor heap per declared name: ${perName.toFixed(0)} B`);
    assert.ok(perName < 1000, `each declared name left ${perName.toFixed(0)} B in the executor's heap:\n${report}`);
  } finally {
    await kernel.shutdown();
  }
});

/**
 * Memory between garbage collections. Each cell leaves some garbage in the executor's old
 * generation (the reused checker's state, the emit pipeline's closures); left to V8's defaults the
 * heap grows to up to 4x what it holds before a full collection (measured: 263 MB committed around
 * cell 250 with 70 MB live), and the emptied pages stay resident, so a long notebook's memory
 * climbs. The executor collects between cells once its heap has grown by RLBOOK_GC_STEP_MB (8
 * MB), and cells no longer leave a type checker's worth of garbage each (transpile.ts) nor go to
 * the old generation directly (no allocation-site pretenuring). The bound: the committed heap,
 * sampled every 20 cells over 400 cells, stays within the live heap plus 100 MB (the step and room
 * for fragmentation and the young generation; with V8's defaults: 200 MB peak for 70 MB live). One
 * block, so the only forced collection is the live-heap probe at the end.
 */
test("400 new names: the executor's committed heap stays within its live heap plus 100 MB", { timeout: 300_000 }, async () => {
  const kernel = await startKernel();
  try {
    const blocks = await soak(kernel, { cell: (i) => `const w${i} = ${i};`, cells: 400, block: 400, heapProbe: RLBOOK_HEAP_PROBE, committedProbe: RLBOOK_COMMITTED_PROBE, sampleEvery: 20 });
    const live = Math.max(...blocks.map((b) => b.heapMb));
    const peak = Math.max(...blocks.map((b) => b.peakCommittedMb));
    const report = blocks.map((b) => `${b.cells}: peak committed ${b.peakCommittedMb.toFixed(0)} MB, live ${b.heapMb.toFixed(0)} MB, rss ${b.rssMb.toFixed(0)} MB`).join("\n");

    assert.ok(peak < live + 100, `the executor's heap held far more than it uses:\n${report}`);
  } finally {
    await kernel.shutdown();
  }
});
