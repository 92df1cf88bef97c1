/**
 * A sweep that the resume test kills with SIGKILL while a trial runs. It does something only
 * when started by that test (RLBOOK_SWEEP_CRASH_CHILD=1), so a test runner that imports every
 * file under test/ finds nothing to run here.
 */
import { sweep, uniform } from "../../src/sweep/index.js";

if (process.env.RLBOOK_SWEEP_CRASH_CHILD === "1") {
  const [storage, objective] = process.argv.slice(2);
  await sweep({ space: { q: uniform(0, 1), ms: 240 }, objective, sampler: "random", trials: 8, mode: "max", seed: 7, storage });
  process.exit(0);
}
