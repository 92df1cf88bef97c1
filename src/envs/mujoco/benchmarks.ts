/**
 * Meta-World-style benchmark sets over rlbook's manipulation tasks (Yu et al. 2019, section 4.3):
 * - ML1(task): one task, 50 train and 50 held-out test variations (object and goal positions
 *   drawn from the task's ranges), as Meta-World's `ML1(name)` gives `train_tasks` / `test_tasks`.
 * - MT(tasks): several tasks, each with 50 variations, trained and evaluated on the same set
 *   (Meta-World's MT10 / MT50 shape).
 * - ML(train, test): meta-train on some task classes, meta-test on held-out classes (ML10 / ML45 shape).
 *
 * Every set is drawn from its seed, so the same seed gives the same variations. A set's
 * `family` is a task family over {task class, variation} pairs: `make(family, param)` builds the
 * env and meta-learners (MAML, Reptile, RL^2) sample from it.
 */
import type { TaskFamily } from "../../core/registry.js";
import { Rng } from "../../core/rng.js";
import { ManipulationEnv, type ManipulationTask } from "./manipulation.js";
import { MANIPULATION_TASKS, MANIPULATION_TASK_NAMES, type ManipulationTaskName } from "./manipulation-tasks.js";

/** One benchmark task: a task class and one of its variations. */
export interface BenchmarkTask {
  name: ManipulationTaskName;
  variation: ManipulationTask;
}

/** A benchmark set (see the module comment). */
export interface ManipulationBenchmark {
  /** "ML1-reach", "MT(...)", "ML(...)". */
  readonly name: string;
  /** The task classes trained on. */
  readonly trainClasses: readonly ManipulationTaskName[];
  /** The task classes tested on (the train classes for ML1 and MT). */
  readonly testClasses: readonly ManipulationTaskName[];
  readonly trainTasks: readonly BenchmarkTask[];
  readonly testTasks: readonly BenchmarkTask[];
  /** A family whose `sample` draws a train class and a fresh variation; `create` builds any {@link BenchmarkTask}. */
  readonly family: TaskFamily<BenchmarkTask, ManipulationEnv>;
}

/** Options of the benchmark builders. */
export interface BenchmarkOptions {
  /** Seed of the variations (default 0). */
  seed?: number;
  /** Variations per task class (default 50, Meta-World's). */
  variations?: number;
}

function checkNames(where: string, names: readonly string[]): ManipulationTaskName[] {
  if (!Array.isArray(names) || names.length === 0) throw new TypeError(`${where}: give a non-empty list of task names (${MANIPULATION_TASK_NAMES.join(", ")})`);
  for (const n of names) if (!Object.prototype.hasOwnProperty.call(MANIPULATION_TASKS, n)) throw new TypeError(`${where}: unknown task "${String(n)}"; the tasks are ${MANIPULATION_TASK_NAMES.join(", ")}`);
  if (new Set(names).size !== names.length) throw new TypeError(`${where}: a task is listed twice in ${names.join(", ")}`);
  return [...names] as ManipulationTaskName[];
}

function opts(where: string, o: BenchmarkOptions): { seed: number; variations: number } {
  const seed = o.seed ?? 0;
  const variations = o.variations ?? 50;
  if (!Number.isInteger(seed)) throw new RangeError(`${where}: seed must be an integer, got ${String(seed)}`);
  if (!Number.isInteger(variations) || variations < 1) throw new RangeError(`${where}: variations must be a positive integer (Meta-World uses 50), got ${String(variations)}`);
  return { seed, variations };
}

/** The family over {class, variation} pairs whose `sample` draws from `classes`. */
export function benchmarkFamily(name: string, classes: readonly ManipulationTaskName[]): TaskFamily<BenchmarkTask, ManipulationEnv> {
  const cs = checkNames("benchmarkFamily", classes);
  return {
    name,
    sample: (rng: Rng) => {
      const c = cs[rng.integer(cs.length)];
      return { name: c, variation: MANIPULATION_TASKS[c].sample(rng) };
    },
    create: (p) => new ManipulationEnv(p.name, { task: p.variation }),
    maxEpisodeSteps: 500,
  };
}

function draw(classes: readonly ManipulationTaskName[], n: number, rng: Rng): BenchmarkTask[] {
  return classes.flatMap((c) => Array.from({ length: n }, () => ({ name: c, variation: MANIPULATION_TASKS[c].sample(rng) })));
}

/** ML1: one task class, `variations` train and `variations` test variations (distinct draws of the same ranges). */
export function ml1(task: ManipulationTaskName, options: BenchmarkOptions = {}): ManipulationBenchmark {
  const [c] = checkNames("ml1", [task]);
  const { seed, variations } = opts("ml1", options);
  const rng = new Rng(seed);
  const trainTasks = draw([c], variations, rng);
  const testTasks = draw([c], variations, rng);
  return { name: `ML1-${c}`, trainClasses: [c], testClasses: [c], trainTasks, testTasks, family: benchmarkFamily(`ML1-${c}`, [c]) };
}

/** MT: several task classes with `variations` variations each; the test set is the train set (multi-task RL). */
export function mtBenchmark(tasks: readonly ManipulationTaskName[], options: BenchmarkOptions = {}): ManipulationBenchmark {
  const cs = checkNames("mtBenchmark", tasks);
  const { seed, variations } = opts("mtBenchmark", options);
  const trainTasks = draw(cs, variations, new Rng(seed));
  const name = `MT${cs.length}`;
  return { name, trainClasses: cs, testClasses: cs, trainTasks, testTasks: trainTasks, family: benchmarkFamily(name, cs) };
}

/** ML: meta-train on `train` classes, meta-test on held-out `test` classes (no class in both). */
export function mlBenchmark(train: readonly ManipulationTaskName[], test: readonly ManipulationTaskName[], options: BenchmarkOptions = {}): ManipulationBenchmark {
  const tr = checkNames("mlBenchmark (train)", train);
  const te = checkNames("mlBenchmark (test)", test);
  const both = tr.filter((c) => te.includes(c));
  if (both.length) throw new TypeError(`mlBenchmark: ${both.join(", ")} is in both the train and the test classes; ML test classes are held out`);
  const { seed, variations } = opts("mlBenchmark", options);
  const rng = new Rng(seed);
  const trainTasks = draw(tr, variations, rng);
  const testTasks = draw(te, variations, rng);
  const name = `ML${tr.length}`;
  return { name, trainClasses: tr, testClasses: te, trainTasks, testTasks, family: benchmarkFamily(name, tr) };
}

/**
 * The ML split of the tasks built so far: meta-train on reach, push, drawer-open, button-press-topdown
 * and window-open, meta-test on drawer-close and window-close (held-out classes that reuse a
 * fixture seen in training with the opposite goal, as Meta-World's ML10 holds out drawer-open and
 * door-close). Meta-World's ML10 lists 10 + 5 classes; this is the same shape with what exists.
 */
export function ml5(options: BenchmarkOptions = {}): ManipulationBenchmark {
  return mlBenchmark(["reach", "push", "drawer-open", "button-press-topdown", "window-open"], ["drawer-close", "window-close"], options);
}

/** The seven tasks of the first version of the scene (MT10 less pick-place, door-open and peg-insert-side). */
export function mt7(options: BenchmarkOptions = {}): ManipulationBenchmark {
  return mtBenchmark(["reach", "push", "drawer-open", "drawer-close", "button-press-topdown", "window-open", "window-close"], options);
}

/** Meta-World's MT10 task list (Yu et al. 2019, section 4.3 / metaworld MT10_V2). */
export const MT10_TASKS: readonly ManipulationTaskName[] = Object.freeze(["reach", "push", "pick-place", "door-open", "drawer-open", "drawer-close", "button-press-topdown", "peg-insert-side", "window-open", "window-close"]);

/**
 * The held-out test classes of {@link ml10}, chosen from further Meta-World tasks buildable on
 * this scene: door-close (the door of door-open, shut it), pick-place-wall and reach-wall (a wall
 * between start and goal), push-back (push the puck toward the robot) and button-press (the
 * button faces the robot). Meta-World's own ML10 tests on drawer-open, door-close, shelf-place,
 * sweep-into and lever-pull and trains on sweep and basketball, which this scene does not have.
 */
export const ML10_TEST_TASKS: readonly ManipulationTaskName[] = Object.freeze(["door-close", "pick-place-wall", "reach-wall", "push-back", "button-press"]);

/** MT10: the ten MT10 classes, 50 variations each (the test set is the train set). */
export function mt10(options: BenchmarkOptions = {}): ManipulationBenchmark {
  return mtBenchmark(MT10_TASKS, options);
}

/**
 * ML10 over this scene: meta-train on the ten MT10 classes (Meta-World's ML10 train list with
 * sweep and basketball, which this scene lacks, replaced by drawer-open and window-close),
 * meta-test on the five held-out classes of {@link ML10_TEST_TASKS} (50 variations each).
 */
export function ml10(options: BenchmarkOptions = {}): ManipulationBenchmark {
  return mlBenchmark(MT10_TASKS, ML10_TEST_TASKS, options);
}
