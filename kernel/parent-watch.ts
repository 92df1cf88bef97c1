/**
 * A kernel exits when the process that started it is gone, as ipykernel does: a front end that
 * dies (a `jupyter console` killed with kill -9) must not leave its kernel running for ever with
 * parent PID 1. Jupyter clients put their PID in `JPY_PARENT_PID`; without it the kernel's own
 * parent at start is watched. Gone means: that process no longer exists, or this process was
 * re-parented (its parent PID changed).
 */

/** Whether a process with this PID exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Polls every `intervalMs` and calls `onGone` once when the parent is gone. Returns a function
 * that stops watching. The timer does not keep the process alive.
 */
export function watchParent(onGone: () => void, options: { env?: NodeJS.ProcessEnv; intervalMs?: number } = {}): () => void {
  const env = options.env ?? process.env;
  const fromEnv = Number(env.JPY_PARENT_PID);
  const watched = Number.isInteger(fromEnv) && fromEnv > 1 ? fromEnv : undefined;
  const initialParent = process.ppid;
  const timer = setInterval(() => {
    const gone = watched !== undefined ? !alive(watched) : process.ppid !== initialParent || !alive(initialParent);
    if (gone) {
      clearInterval(timer);
      onGone();
    }
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
