/**
 * The training loop: one for every algorithm.
 *
 *   const run = train(agent, {steps: 100_000, evalEvery: 10_000, evalEnv, signal});
 *   for await (const m of run) console.log(m.step, m.episodeReturn, m.fps);   // live metrics
 *   const history = await run;                                                // or just await
 *
 * It is async and yields to the event loop after every iteration of the agent (one rollout and
 * update for on-policy agents, a few hundred env steps for off-policy ones), so a widget's Stop
 * button, a comm message or a kernel interrupt is handled while training runs. It stops cleanly
 * (resolving with the history so far) when `signal` aborts, when the kernel interrupts the cell
 * (the kernel's signal is used when none is given), when a callback returns `false` / "stop", or
 * when an evaluation reaches `stopAtReturn`.
 */
import { kernelHooks } from "../kernel-hooks.js";
import type { Env } from "../core/env.js";
import type { VectorEnv } from "../core/vector.js";
import type { Agent } from "../algos/base.js";
import { checkAgentEnv, evaluate } from "./evaluate.js";
import { ensureBackend } from "../nn/backend.js";
import { liveLearningCurve, type LiveLearningCurveOptions } from "../plot/live.js";

/** One metric record: emitted after every iteration of the agent. */
export interface MetricRecord {
  /** Env steps taken so far (the agent's numTimesteps). */
  step: number;
  /** Iteration index within this run (0-based). */
  iteration: number;
  /** Seconds since the run started. */
  time: number;
  /** Env steps per second over the run so far. */
  fps: number;
  /** Mean return of the training episodes that ended in this iteration (NaN when none did). */
  episodeReturn: number;
  /** Mean length of those episodes (NaN when none). */
  episodeLength: number;
  /** How many training episodes ended in this iteration. */
  episodes: number;
  /** Evaluation results, on the iterations where an evaluation ran. */
  evalMeanReturn?: number;
  evalStdReturn?: number;
  /** Losses and other scalars of the agent's update (policyLoss, valueLoss, entropy, ...). */
  [key: string]: number | undefined;
}

/** Receives every record; returning `false` or "stop" ends training. */
export type TrainCallback = (record: MetricRecord) => void | boolean | "stop" | Promise<void | boolean | "stop">;

export interface TrainOptions {
  /**
   * Env steps to train for: the run stops at the first iteration boundary at or past them, as SB3's
   * `learn(total_timesteps)` (an iteration is a rollout for on-policy agents, ~200-1000 env steps for
   * off-policy ones), so it trains at least this many.
   */
  steps: number;
  /** Stops training when aborted (the history so far is returned). */
  signal?: AbortSignal;
  callbacks?: TrainCallback | TrainCallback[];
  /** Evaluate every this many env steps (requires evalEnv). */
  evalEvery?: number;
  /** The env to evaluate on (a separate instance from the training env). */
  evalEnv?: Env | VectorEnv;
  /** Episodes per evaluation (default 10). */
  evalEpisodes?: number;
  /** Seed of the first evaluation; later ones use seeds derived from it (default: a fixed constant). */
  evalSeed?: number;
  /** Stop once an evaluation's mean return reaches this. */
  stopAtReturn?: number;
  /** Evaluate once more at the end of training (default true when evalEnv is given). */
  finalEval?: boolean;
  /**
   * Show a live learning curve in the notebook while training (redrawn in place, throttled),
   * ending on the final picture before the run resolves. `true` for the defaults, or the
   * curve's options (title, y, smooth, throttleMs, ...). Outside a kernel it does nothing.
   */
  live?: boolean | LiveLearningCurveOptions;
}

/** Why a run ended. */
export type StopReason = "steps" | "aborted" | "callback" | "target";

/** A training run: awaitable (resolves to the history) and async-iterable (live records). */
export class TrainingRun implements PromiseLike<MetricRecord[]>, AsyncIterable<MetricRecord> {
  /** Every record so far. */
  readonly history: MetricRecord[] = [];
  /** Set when the run has ended. */
  stopReason: StopReason | undefined;
  private readonly done: Promise<MetricRecord[]>;
  private waiters: (() => void)[] = [];
  private finished = false;
  private error: unknown;
  private readonly controller = new AbortController();

  constructor(body: (run: TrainingRun, stopSignal: AbortSignal) => Promise<void>) {
    this.done = (async () => {
      await Promise.resolve(); // let the caller attach iterators before the first record
      try {
        await body(this, this.controller.signal);
      } catch (e) {
        this.error = e;
        throw e;
      } finally {
        this.finished = true;
        this.wake();
      }
      return this.history;
    })();
    // Iterating without awaiting must not produce an unhandled rejection: the iterator rethrows.
    this.done.catch(() => {});
  }

  /** Stops the run after the current iteration. */
  stop(): void {
    this.controller.abort();
  }

  /** @internal */
  push(r: MetricRecord): void {
    this.history.push(r);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  then<T1 = MetricRecord[], T2 = never>(
    onfulfilled?: ((value: MetricRecord[]) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.done.then(onfulfilled, onrejected);
  }

  /** Streams every record, from the first, as it is produced. */
  async *[Symbol.asyncIterator](): AsyncIterator<MetricRecord> {
    let i = 0;
    for (;;) {
      while (i < this.history.length) yield this.history[i++];
      if (this.finished) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((res) => this.waiters.push(res));
    }
  }
}

const yieldToEventLoop = () => new Promise<void>((res) => setImmediate(res));

function checkOptions(o: TrainOptions): void {
  if (!(Number.isInteger(o.steps) && o.steps > 0)) throw new RangeError(`train: steps must be a positive integer, got ${o.steps}`);
  if (o.evalEvery !== undefined) {
    if (!(Number.isInteger(o.evalEvery) && o.evalEvery > 0)) throw new RangeError(`train: evalEvery must be a positive integer, got ${o.evalEvery}`);
    if (!o.evalEnv) throw new RangeError("train: evalEvery needs evalEnv (a separate env to evaluate on)");
  }
  if (o.stopAtReturn !== undefined && !o.evalEnv) throw new RangeError("train: stopAtReturn needs evalEnv and evalEvery");
}

/** Trains `agent` for `options.steps` env steps (see the module comment). */
export function train(agent: Agent, options: TrainOptions): TrainingRun {
  checkOptions(options);
  if (options.evalEnv) checkAgentEnv(agent, options.evalEnv, "train: evalEnv");
  const callbacks = options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? [...options.callbacks] : [options.callbacks];
  const signals = [options.signal, kernelHooks()?.signal()].filter((s): s is AbortSignal => s !== undefined);
  const live = options.live ? liveLearningCurve<MetricRecord>(options.live === true ? {} : options.live) : undefined;
  if (live) callbacks.push(live.callback);
  return new TrainingRun(async (run, stopSignal) => {
    try {
      await trainBody(run, stopSignal);
    } finally {
      await live?.close();
    }
  });
  async function trainBody(run: TrainingRun, stopSignal: AbortSignal): Promise<void> {
    const aborted = () => stopSignal.aborted || signals.some((s) => s.aborted);
    // Without an explicit backend() call, choose one now (wasm on a CPU); tensors made before
    // move to it.
    await ensureBackend();
    const t0 = performance.now();
    const start = agent.numTimesteps;
    const end = start + options.steps;
    const evalEpisodes = options.evalEpisodes ?? 10;
    let nextEval = options.evalEvery !== undefined ? start + options.evalEvery : Infinity;
    agent.beginTraining(options.steps);
    let iteration = 0;
    let lastEvalStep = -1;
    let evaluations = 0;
    const runEval = async (r: MetricRecord) => {
      // Each evaluation starts from its own fixed seed, so a seeded run evaluates (and stops) the same way every time.
      const seed = (options.evalSeed ?? 1_000_003) + evaluations++ * 7919;
      const ev = await evaluate(agent, options.evalEnv!, { episodes: evalEpisodes, deterministic: true, seed });
      r.evalMeanReturn = ev.meanReturn;
      r.evalStdReturn = ev.stdReturn;
      lastEvalStep = r.step;
    };
    while (agent.numTimesteps < end) {
      if (aborted()) {
        run.stopReason = "aborted";
        return;
      }
      const res = await agent.learnIteration();
      const elapsed = (performance.now() - t0) / 1000;
      const rets = res.episodes.map((e) => e.return);
      const lens = res.episodes.map((e) => e.length);
      const r: MetricRecord = {
        step: agent.numTimesteps,
        iteration: iteration++,
        time: elapsed,
        fps: (agent.numTimesteps - start) / Math.max(elapsed, 1e-9),
        episodeReturn: rets.length ? rets.reduce((a, b) => a + b, 0) / rets.length : NaN,
        episodeLength: lens.length ? lens.reduce((a, b) => a + b, 0) / lens.length : NaN,
        episodes: rets.length,
        ...res.losses,
      };
      let stop: StopReason | undefined;
      if (agent.numTimesteps >= nextEval) {
        while (nextEval <= agent.numTimesteps) nextEval += options.evalEvery!;
        await runEval(r);
        if (options.stopAtReturn !== undefined && r.evalMeanReturn! >= options.stopAtReturn) stop = "target";
      } else if (agent.numTimesteps >= end && options.evalEnv && options.finalEval !== false && lastEvalStep !== agent.numTimesteps) {
        await runEval(r);
      }
      run.push(r);
      for (const cb of callbacks) {
        const v = await cb(r);
        if (v === false || v === "stop") stop ??= "callback";
      }
      if (stop) {
        run.stopReason = stop;
        return;
      }
      await yieldToEventLoop();
    }
    run.stopReason = aborted() ? "aborted" : "steps";
  }
}
