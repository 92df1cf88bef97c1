/**
 * The base of rlbook's MuJoCo envs (Gymnasium's `MujocoEnv`): an MJCF model compiled once per
 * document and shared by the envs that use it, one MjData per env, `frameSkip` physics steps per
 * `step`, seeded reset noise from the env's {@link Rng}, observation and reward in TypeScript,
 * contact forces (`cfrcExt`, computed after each step as Gymnasium does), and `render()` as SVG.
 *
 * Needs `await loadMujoco()` once per process before the first env is built.
 *
 * Speed: the typed-array views of MuJoCo's arrays are kept (the wasm bindings build a new view at
 * each property read) and refreshed only when the wasm heap grows; a step allocates only its
 * observation array.
 *
 * An unstable simulation (MuJoCo's bad qpos/qvel/qacc warning, after which MuJoCo resets its
 * state, or a NaN state) ends the episode with `truncated = true` and `info.truncationReason`
 * quoting MuJoCo's warning, unless the task terminates on it.
 */
import type { MjData, MjModel } from "mujoco-js";
import { Env, type Info, type ResetArgs, type ResetResult, type StepResult } from "../../core/env.js";
import { Box } from "../../core/spaces.js";
import { compileModel, loadModelFile, mujoco } from "./engine.js";
import { renderScene, type MujocoCamera } from "./render.js";

/** Where a MuJoCo env's model comes from and how it steps. */
export interface MujocoModelOptions {
  /** An MJCF document (string); the task's built-in model when neither xml nor file is given. */
  xml?: string;
  /** A path to an MJCF file (read with node:fs). */
  file?: string;
  /** Physics steps per env step (dt = frameSkip * timestep). */
  frameSkip?: number;
}

// mjtWarning values (mujoco/mjdata.h): mjWARN_BADQPOS, mjWARN_BADQVEL, mjWARN_BADQACC.
const BAD_QPOS = 4;
const BAD_QACC = 6;

const modelCache = new Map<string, MjModel>();

/** The compiled model of an MJCF document, compiled once per process. */
export function sharedModel(xml: string, name: string): MjModel {
  let m = modelCache.get(xml);
  if (!m) {
    m = compileModel(xml, { name });
    modelCache.set(xml, m);
  }
  return m;
}

/** The base class of MuJoCo envs (see the module comment). */
export abstract class MujocoEnv extends Env<Float64Array, Float32Array> {
  readonly model: MjModel;
  readonly data: MjData;
  readonly frameSkip: number;
  /** Seconds per env step: frameSkip * model timestep. */
  readonly dt: number;
  readonly actionSpace: Box<Float32Array>;
  abstract override readonly observationSpace: Box<Float64Array>;
  /** The model's initial qpos / qvel (Gymnasium's init_qpos, init_qvel). */
  readonly initQpos: Float64Array;
  readonly initQvel: Float64Array;
  protected camera: MujocoCamera = { view: "side" };
  private qposView!: Float64Array;
  private qvelView!: Float64Array;
  private ctrlView!: Float64Array;
  private xposView!: Float64Array;
  private cfrcView!: Float64Array;

  constructor(defaultXml: string, defaultFrameSkip: number, options: MujocoModelOptions, envName: string) {
    super();
    const mj = mujoco(`${envName}`);
    if (options.xml !== undefined && options.file !== undefined) throw new TypeError(`${envName}: give either xml or file, not both`);
    this.model = options.file !== undefined ? loadModelFile(options.file) : sharedModel(options.xml ?? defaultXml, envName);
    this.data = new mj.MjData(this.model);
    const fs = options.frameSkip ?? defaultFrameSkip;
    if (!Number.isInteger(fs) || fs < 1) throw new RangeError(`${envName}: frameSkip must be a positive integer, got ${String(fs)}`);
    this.frameSkip = fs;
    this.dt = this.model.opt.timestep * fs;
    this.metadata = { renderFps: Math.round(1 / this.dt) };
    this.refreshViews();
    this.initQpos = Float64Array.from(this.model.qpos0 as Float64Array);
    this.initQvel = new Float64Array(this.model.nv);
    const range = this.model.actuator_ctrlrange as Float64Array;
    const nu = this.model.nu;
    const low = Array.from({ length: nu }, (_, i) => range[2 * i]);
    const high = Array.from({ length: nu }, (_, i) => range[2 * i + 1]);
    this.actionSpace = new Box(low, high, [nu], "float32");
  }

  /** Re-reads the wasm views when the heap grew (a detached view has length 0). */
  private refreshViews(): void {
    this.qposView = this.data.qpos as Float64Array;
    this.qvelView = this.data.qvel as Float64Array;
    this.ctrlView = this.data.ctrl as Float64Array;
    this.xposView = this.data.xpos as Float64Array;
    this.cfrcView = this.data.cfrc_ext as Float64Array;
  }

  private views(): void {
    if (this.qposView.length !== this.model.nq || (this.model.nu > 0 && this.ctrlView.length === 0)) this.refreshViews();
  }

  /** Generalized positions (a live view: read it, or write and call `forward()`). */
  get qpos(): Float64Array {
    this.views();
    return this.qposView;
  }

  /** Generalized velocities (a live view). */
  get qvel(): Float64Array {
    this.views();
    return this.qvelView;
  }

  /** Body positions, 3 per body (body 0 is the world). */
  get xpos(): Float64Array {
    this.views();
    return this.xposView;
  }

  /** External (contact) forces per body, 6 per body: torque then force, in the body's com frame. */
  get cfrcExt(): Float64Array {
    this.views();
    return this.cfrcView;
  }

  /** The id of a named body (throws naming the body when absent). */
  bodyId(name: string): number {
    const mj = mujoco();
    const id = mj.mj_name2id(this.model, mj.mjtObj.mjOBJ_BODY.value, name);
    if (id < 0) throw new Error(`${this.name}: the model has no body named "${name}"`);
    return id;
  }

  /** Sets qpos and qvel and recomputes positions (Gymnasium's `set_state`). */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    if (qpos.length !== this.model.nq || qvel.length !== this.model.nv) {
      throw new RangeError(`${this.name}: setState needs ${this.model.nq} qpos and ${this.model.nv} qvel values, got ${qpos.length} and ${qvel.length}`);
    }
    const mj = mujoco();
    this.views();
    this.qposView.set(qpos);
    this.qvelView.set(qvel);
    const act = this.data.act as Float64Array;
    if (act.length) act.fill(0);
    mj.mj_forward(this.model, this.data);
    this.status = "running";
  }

  /** Applies `action` as controls and runs `frameSkip` physics steps, then computes contact forces. */
  protected doSimulation(action: ArrayLike<number>): void {
    const mj = mujoco();
    this.views();
    const ctrl = this.ctrlView;
    for (let i = 0; i < ctrl.length; i++) ctrl[i] = action[i];
    // MuJoCo resets the data (time back to 0) when qpos/qvel/qacc blow up, and counts a warning.
    // Reading the warning counters costs about as much as an mj_step, so the clock is checked
    // instead; only a step starting at time 0 (where a reset leaves the clock as expected) reads them.
    const ts = this.model.opt.timestep;
    const t0 = this.data.time;
    const before = t0 < ts / 2 ? this.badStateWarnings() : -1;
    for (let k = 0; k < this.frameSkip; k++) mj.mj_step(this.model, this.data);
    const clockJumped = Math.abs(this.data.time - (t0 + this.frameSkip * ts)) > ts / 2;
    if (clockJumped || (before >= 0 && this.badStateWarnings() !== before)) this.instability = this.warningText();
    // mj_step leaves cfrc_ext stale unless a force sensor needs it (Gymnasium's do_simulation does this too).
    mj.mj_rnePostConstraint(this.model, this.data);
  }

  /** Why the last step's simulation was unstable (MuJoCo's warning), or undefined. */
  protected instability: string | undefined;

  /** How many bad qpos/qvel/qacc warnings MuJoCo has counted since the last reset. */
  private badStateWarnings(): number {
    let n = 0;
    for (let kind = BAD_QPOS; kind <= BAD_QACC; kind++) {
      const stat = this.data.warning.get(kind);
      if (stat) {
        n += stat.number;
        stat.delete();
      }
    }
    return n;
  }

  private warningText(): string {
    const mj = mujoco();
    const w = mj.mjtWarning;
    for (const kind of [w.mjWARN_BADQPOS.value, w.mjWARN_BADQVEL.value, w.mjWARN_BADQACC.value]) {
      const stat = this.data.warning.get(kind);
      const count = stat?.number ?? 0;
      const info = stat?.lastinfo ?? 0;
      stat?.delete();
      if (count > 0) return mj.mju_warningText(kind, info);
    }
    return "the state became invalid";
  }

  /** True when qpos and qvel are all finite. */
  stateFinite(): boolean {
    this.views();
    for (let i = 0; i < this.qposView.length; i++) if (!Number.isFinite(this.qposView[i])) return false;
    for (let i = 0; i < this.qvelView.length; i++) if (!Number.isFinite(this.qvelView[i])) return false;
    return true;
  }

  /** Draws the initial state of a new episode (Gymnasium's `reset_model`): sets the state with noise. */
  protected abstract resetModel(): void;
  /** The observation of the current state. */
  protected abstract observe(): Float64Array;
  /** One env step of the task, after the action was checked. */
  protected abstract stepTask(action: Float32Array | readonly number[]): StepResult<Float64Array>;
  /** Info returned by reset (Gymnasium's `_get_reset_info`). */
  protected resetInfo(): Info {
    return {};
  }

  reset(args: ResetArgs = {}): ResetResult<Float64Array> {
    this.seedRng(args.seed);
    this.instability = undefined;
    mujoco().mj_resetData(this.model, this.data);
    this.resetModel();
    this.status = "running";
    return { obs: this.observe(), info: this.resetInfo() };
  }

  step(action: Float32Array | readonly number[]): StepResult<Float64Array> {
    this.checkStep(action);
    this.instability = undefined;
    const r = this.stepTask(action);
    if (!r.terminated && (this.instability !== undefined || !this.stateFinite())) {
      r.truncated = true;
      r.info.truncationReason = `the MuJoCo simulation became unstable (${this.instability ?? "NaN or infinite qpos/qvel"}) and MuJoCo reset its state; reset the env (a smaller timestep or smaller actions avoid it)`;
    }
    return this.finishStep(r);
  }

  /** Uniform noise in [-scale, scale] on every entry of `base` (a new array). */
  protected uniformNoise(base: Float64Array, scale: number): Float64Array {
    const out = Float64Array.from(base);
    for (let i = 0; i < out.length; i++) out[i] += this.rng.uniform(-scale, scale);
    return out;
  }

  /** Gaussian noise with std `scale` on every entry of `base` (a new array). */
  protected normalNoise(base: Float64Array, scale: number): Float64Array {
    const out = Float64Array.from(base);
    for (let i = 0; i < out.length; i++) out[i] += scale * this.rng.normal();
    return out;
  }

  override render(): string {
    return renderScene(this.model, this.data, this.camera);
  }

  override close(): void {
    this.data.delete();
  }
}

/** Sum of squares (Gymnasium's `np.sum(np.square(action))`). */
export function sumSquares(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/** An unbounded float64 observation space of `n` numbers (Gymnasium's Box(-inf, inf, (n,), float64)). */
export function unboundedBox(n: number): Box<Float64Array> {
  return new Box<Float64Array>(-Infinity, Infinity, [n], "float64");
}
