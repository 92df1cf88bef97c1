/**
 * The entry of a pool worker (a child process or a worker thread): runs one trial at a time for
 * the sweep that started it (see executors.ts for the messages).
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { loadObjective, makeContext, TrialPruned, type Objective } from "./objective.js";
import type { FromWorker, ToWorker } from "./executors.js";
import type { ObjectiveRef } from "./store.js";

const send = (m: FromWorker) => (isMainThread ? process.send!(m) : parentPort!.postMessage(m));
const cache = new Map<string, Promise<Objective>>();
const running = new Map<number, { ctrl: AbortController; pending: Map<number, (prune: boolean) => void> }>();

async function run(m: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const ctrl = new AbortController();
  const pending = new Map<number, (prune: boolean) => void>();
  running.set(m.id, { ctrl, pending });
  let seq = 0;
  let pruned: TrialPruned | undefined;
  try {
    const ref: ObjectiveRef = m.objective;
    const key = `${ref.module}#${ref.export}`;
    if (!cache.has(key)) cache.set(key, loadObjective(ref));
    const fn = await cache.get(key)!;
    const ctx = makeContext(
      { trial: m.trial, dir: m.dir, restore: m.restore, round: m.round },
      ctrl.signal,
      (value, step) =>
        new Promise<boolean>((res) => {
          const s = seq++;
          pending.set(s, res);
          send({ type: "report", id: m.id, seq: s, value, step });
        }),
      (e) => {
        pruned = e;
        ctrl.abort(e);
      },
    );
    const result = await fn(m.config, ctx);
    send({ type: "done", id: m.id, result });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const p = pruned ?? (e instanceof TrialPruned ? e : undefined);
    send({ type: "error", id: m.id, message: err.message, stack: err.stack, pruned: p ? { step: p.step } : undefined });
  } finally {
    running.delete(m.id);
  }
}

function onMessage(m: ToWorker): void {
  if (m.type === "run") void run(m);
  else if (m.type === "decision") {
    const r = running.get(m.id);
    const f = r?.pending.get(m.seq);
    if (f) {
      r!.pending.delete(m.seq);
      f(m.prune);
    }
  } else if (m.type === "abort") running.get(m.id)?.ctrl.abort(new Error("sweep stopped"));
}

if (isMainThread) {
  process.on("message", (m) => onMessage(m as ToWorker));
  // The sweep's process went away: nothing will read our results.
  process.on("disconnect", () => process.exit(0));
} else {
  parentPort!.on("message", onMessage);
}
