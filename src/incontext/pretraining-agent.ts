/**
 * What DPT and AD share to pretrain through rlbook's one training loop: an {@link Agent} whose
 * unit of work is `updatesPerIteration` gradient steps of its sequence model on minibatches of
 * its pretraining data, so
 *
 *   await train(ad, { steps: 2000, live: true })      // 2000 gradient steps, live loss curve
 *
 * gives the live curves, the Stop button, kernel interrupts, callbacks and checkpoints of every
 * other learner. `numTimesteps` counts gradient steps (the records' `fps` is steps per second);
 * each record carries `loss`, `accuracy` (fraction of labelled positions predicted exactly) and
 * `tokensPerSecond`.
 *
 * These models act in context (from a history of many steps or pulls), not from one observation,
 * so `act`/`actBatch` refuse and name the in-context deployment to use instead; `train()` never
 * calls them unless given an `evalEnv`.
 */
import type { ActOptions, Agent, IterationResult } from "../algos/base.js";
import { namedMeans } from "../algos/base.js";
import type { VectorEnv } from "../core/vector.js";
import type { tf } from "../nn/tf.js";
import type { SequenceBatch, SequenceModel } from "./sequence-model.js";

export abstract class PretrainingAgent implements Agent {
  /** Gradient steps taken so far. */
  numTimesteps = 0;
  private t0 = 0;
  private tokenCount = 0;
  private trainedSeconds = 0;

  protected constructor(
    readonly algo: string,
    readonly env: VectorEnv,
    readonly model: SequenceModel,
    /** Gradient steps per `learnIteration` (per record of `train()`). */
    readonly updatesPerIteration: number,
  ) {}

  /** The next minibatch (called once per gradient step). */
  protected abstract nextBatch(): SequenceBatch;
  /** Builds the pretraining data if it does not exist yet. */
  protected abstract prepareData(): void;
  /** How to deploy the model in context (named in the error of `act`). */
  protected abstract readonly deployHint: string;

  beginTraining(_steps: number): void {
    this.prepareData();
    this.t0 = performance.now();
  }

  async learnIteration(): Promise<IterationResult> {
    this.prepareData();
    const stats: tf.Tensor[] = [];
    for (let i = 0; i < this.updatesPerIteration; i++) {
      const b = this.nextBatch();
      stats.push(this.model.update(b));
      this.tokenCount += b.batch * b.length;
      this.numTimesteps++;
    }
    const losses = await namedMeans(stats, ["loss", "accuracy"]);
    const now = performance.now();
    this.trainedSeconds += (now - this.t0) / 1000;
    this.t0 = now;
    losses.tokensPerSecond = this.tokenCount / Math.max(this.trainedSeconds, 1e-9);
    return { steps: this.updatesPerIteration, episodes: [], losses };
  }

  act(_obs: ArrayLike<number> | number, _options?: ActOptions): never {
    throw new Error(`${this.algo} acts in context, from a history of many steps, not from one observation; deploy it with ${this.deployHint}`);
  }

  actBatch(_obs: Float32Array, _k: number, _deterministic: boolean): never {
    throw new Error(`${this.algo} acts in context, from a history of many steps, not from one observation; deploy it with ${this.deployHint}`);
  }

  abstract save(dir: string): Promise<void>;

  dispose(): void {
    this.model.dispose();
  }
}
