/**
 * Saves a checkpoint over and over until killed: the checkpoint test kills it with SIGKILL
 * mid-save. It does something only when started by that test (RLBOOK_CHECKPOINT_CHILD=1), so a
 * test runner that imports every file under test/ finds nothing to run here.
 */
import { writeCheckpoint } from "../../src/nn/checkpoint.js";

if (process.env.RLBOOK_CHECKPOINT_CHILD === "1") {
  const dir = process.argv[2];
  // 8 MB per save, so that most of the time a save is in progress when the kill lands.
  const big = new Float32Array(2_000_000);
  for (let n = 0; ; n++) {
    big.fill(n);
    await writeCheckpoint(dir, { algo: "Crash", config: {}, meta: { n }, networks: {}, arrays: { big } });
    process.stdout.write(`saved ${n}\n`);
  }
}
