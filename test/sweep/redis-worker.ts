/**
 * A sweep worker process for the Redis executor test (as `rlbook worker --redis URL` would run).
 * It does something only when started by that test (RLBOOK_REDIS_WORKER=1), so a test runner
 * that imports every file under test/ finds nothing to run here.
 */
import { runWorker } from "../../src/sweep/index.js";

if (process.env.RLBOOK_REDIS_WORKER === "1") {
  const [redis, queue] = process.argv.slice(2);
  const ctrl = new AbortController();
  process.on("SIGTERM", () => ctrl.abort());
  await runWorker({ redis, queue, concurrency: 1, signal: ctrl.signal, lockDuration: 1500, stalledInterval: 1000, maxStalledCount: 3, name: `pid-${process.pid}` });
  process.exit(0);
}
