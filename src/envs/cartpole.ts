/**
 * CartPole-v1, identical to Gymnasium 1.x `gymnasium/envs/classic_control/cartpole.py`
 * (Barto, Sutton & Anderson 1983; equations from https://coneural.org/florian/papers/05_cart_pole.pdf).
 *
 * State (float64, Gymnasium's layout): [x, x_dot, theta, theta_dot]. Actions: 0 pushes the cart
 * left, 1 right, with force 10 N. Reward +1 for every step, including the terminating one.
 * Terminates when |x| > 2.4 or |theta| > 12 degrees; `make` adds TimeLimit(500). With
 * `suttonBartoReward` (Gymnasium 1.x `sutton_barto_reward`) the reward is 0 per step and -1 on termination.
 * Initial state uniform in [-0.05, 0.05]^4 from `np_random` (NumPy's PCG64, as Gymnasium seeds it; reset
 * options `{low, high}` change the bounds).
 *
 * The physics lives in one function, {@link cartPoleStepInPlace}, shared by the single env and
 * the vector env {@link CartPoleVectorEnv}, which steps N carts in typed arrays.
 */
import { Env, EpisodeStateError, InvalidActionError, type ResetArgs, type ResetResult, type StepResult } from "../core/env.js";
import { npRandom, type NumpyGenerator } from "../core/numpy-random.js";
import { Box, Discrete, FLOAT32_MAX } from "../core/spaces.js";
import { flipY, line, polygon, rotate, svgDocument, circle, type Point } from "../core/svg.js";
import { reseed, VectorEnv, type AutoresetMode, type VectorInfo, type VectorOptions, type VectorResetArgs, type VectorResetResult, type VectorStepResult } from "../core/vector.js";
import { assignState, parseResetBounds } from "./utils.js";

/** CartPole's physical constants (gymnax-style params; a task family varies them). */
export interface CartPoleParams {
  gravity: number;
  masscart: number;
  masspole: number;
  /** Half the pole's length (as in Gymnasium). */
  length: number;
  forceMag: number;
  /** Seconds between state updates. */
  tau: number;
  /** Gymnasium's `kinematics_integrator`: "euler" (default) or "semi-implicit". */
  kinematicsIntegrator: "euler" | "semi-implicit";
  /** Pole angle (radians) beyond which the episode terminates. */
  thetaThresholdRadians: number;
  /** Cart position beyond which the episode terminates. */
  xThreshold: number;
}

/** Gymnasium's CartPole constants. */
export const CARTPOLE_DEFAULTS: Readonly<CartPoleParams> = Object.freeze({
  gravity: 9.8,
  masscart: 1.0,
  masspole: 0.1,
  length: 0.5,
  forceMag: 10.0,
  tau: 0.02,
  kinematicsIntegrator: "euler",
  thetaThresholdRadians: (12 * 2 * Math.PI) / 360,
  xThreshold: 2.4,
});

/**
 * One CartPole step on the state at `s[o .. o+4)`, in place, in Gymnasium's float64 operation
 * order. Returns whether the new state is terminal.
 */
export function cartPoleStepInPlace(s: Float64Array, o: number, action: number, p: CartPoleParams): boolean {
  let x = s[o];
  let xDot = s[o + 1];
  let theta = s[o + 2];
  let thetaDot = s[o + 3];
  const totalMass = p.masspole + p.masscart;
  const polemassLength = p.masspole * p.length;
  const force = action === 1 ? p.forceMag : -p.forceMag;
  const costheta = Math.cos(theta);
  const sintheta = Math.sin(theta);
  const temp = (force + polemassLength * (thetaDot * thetaDot) * sintheta) / totalMass;
  const thetaacc = (p.gravity * sintheta - costheta * temp) / (p.length * (4.0 / 3.0 - (p.masspole * (costheta * costheta)) / totalMass));
  const xacc = temp - (polemassLength * thetaacc * costheta) / totalMass;
  if (p.kinematicsIntegrator === "euler") {
    x = x + p.tau * xDot;
    xDot = xDot + p.tau * xacc;
    theta = theta + p.tau * thetaDot;
    thetaDot = thetaDot + p.tau * thetaacc;
  } else {
    xDot = xDot + p.tau * xacc;
    x = x + p.tau * xDot;
    thetaDot = thetaDot + p.tau * thetaacc;
    theta = theta + p.tau * thetaDot;
  }
  s[o] = x;
  s[o + 1] = xDot;
  s[o + 2] = theta;
  s[o + 3] = thetaDot;
  return x < -p.xThreshold || x > p.xThreshold || theta < -p.thetaThresholdRadians || theta > p.thetaThresholdRadians;
}

/**
 * Draws CartPole's initial state into `s[o .. o+4)`: four uniforms in [low, high), Gymnasium's
 * `np_random.uniform(low, high, size=(4,))`.
 */
export function cartPoleResetInPlace(rng: NumpyGenerator, s: Float64Array, o: number, low: number, high: number): void {
  for (let i = 0; i < 4; i++) s[o + i] = rng.uniform(low, high);
}

/** CartPole's observation space (Gymnasium's bounds: 2x the termination thresholds). */
export function cartPoleObservationSpace(p: CartPoleParams): Box {
  const high = [p.xThreshold * 2, FLOAT32_MAX, p.thetaThresholdRadians * 2, FLOAT32_MAX];
  return new Box(high.map((v) => -v), high, [4], "float32");
}

/** An SVG frame of a CartPole state (Gymnasium's 600x400 drawing). */
export function renderCartPole(state: ArrayLike<number>, p: CartPoleParams): string {
  const W = 600;
  const H = 400;
  const worldWidth = p.xThreshold * 2;
  const scale = W / worldWidth;
  const polewidth = 10.0;
  const polelen = scale * (2 * p.length);
  const cartwidth = 50.0;
  const cartheight = 30.0;
  const [l, r, t, b] = [-cartwidth / 2, cartwidth / 2, cartheight / 2, -cartheight / 2];
  const axleoffset = cartheight / 4.0;
  const cartx = state[0] * scale + W / 2.0;
  const carty = 100;
  const cart: Point[] = [[l + cartx, b + carty], [l + cartx, t + carty], [r + cartx, t + carty], [r + cartx, b + carty]];
  const [pl, pr, pt, pb] = [-polewidth / 2, polewidth / 2, polelen - polewidth / 2, -polewidth / 2];
  const pole = ([[pl, pb], [pl, pt], [pr, pt], [pr, pb]] as Point[]).map((c) => rotate(c, -state[2], [cartx, carty + axleoffset]));
  return svgDocument(W, H, [
    line(0, H - carty, W, H - carty, "#000000"),
    polygon(flipY(cart, H), "#000000"),
    polygon(flipY(pole, H), "rgb(202,152,101)"),
    circle(cartx, H - (carty + axleoffset), polewidth / 2, "rgb(129,132,203)"),
  ]);
}

/** Options of the CartPole env. */
export interface CartPoleOptions {
  /** Physical constants (defaults: Gymnasium's). */
  params?: Partial<CartPoleParams>;
  /** Gymnasium 1.x `sutton_barto_reward`: 0 per step and -1 on termination instead of +1 per step. */
  suttonBartoReward?: boolean;
}

/** CartPole-v1 (see the module comment). */
export class CartPoleEnv extends Env<Float32Array, number> {
  readonly params: CartPoleParams;
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  readonly suttonBartoReward: boolean;
  private readonly s = new Float64Array(4);

  constructor(options: CartPoleOptions = {}) {
    super();
    this.params = { ...CARTPOLE_DEFAULTS, ...options.params };
    this.suttonBartoReward = options.suttonBartoReward ?? false;
    this.observationSpace = cartPoleObservationSpace(this.params);
    this.metadata = { renderFps: 50 };
  }

  /** The float64 state [x, x_dot, theta, theta_dot] (a copy; assign to change it). */
  get state(): Float64Array {
    return this.s.slice();
  }

  /** Sets the state; the episode then continues from it (no reset needed). */
  set state(v: ArrayLike<number>) {
    assignState(this.name, this.s, v, "x, x_dot, theta, theta_dot");
    this.status = "running";
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.seedRng(args.seed);
    const [low, high] = parseResetBounds(this.name, args.options, -0.05, 0.05);
    cartPoleResetInPlace(this.npRandom, this.s, 0, low, high);
    this.status = "running";
    return { obs: Float32Array.from(this.s), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    this.checkStep(action);
    const terminated = cartPoleStepInPlace(this.s, 0, action, this.params);
    const reward = this.suttonBartoReward ? (terminated ? -1.0 : 0.0) : 1.0;
    return this.finishStep({ obs: Float32Array.from(this.s), reward, terminated, truncated: false, info: {} });
  }

  override render(): string {
    return renderCartPole(this.s, this.params);
  }
}

/** Options of the CartPole vector env. */
export interface CartPoleVectorOptions extends VectorOptions, CartPoleOptions {
  numEnvs: number;
  /** TimeLimit for every env (default 500, Gymnasium's for CartPole-v1). */
  maxEpisodeSteps?: number;
}

/**
 * N CartPoles stepped in typed arrays (Gymnasium's CartPoleVectorEnv): state is one
 * Float64Array of N*4, observations one Float32Array of N*4. Equal, bit for bit, to N
 * `make("CartPole-v1")` envs reset with seeds s, s+1, ... and stepped in a loop.
 */
export class CartPoleVectorEnv extends VectorEnv {
  readonly numEnvs: number;
  readonly params: CartPoleParams;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace = new Discrete(2);
  readonly autoresetMode: AutoresetMode;
  readonly maxEpisodeSteps: number;
  readonly suttonBartoReward: boolean;
  private readonly s: Float64Array;
  private readonly steps: Int32Array;
  private readonly needsReset: Uint8Array;
  /** Env i's `np_random`, as in a Gymnasium SyncVectorEnv of N CartPoles. */
  private readonly rngs: (NumpyGenerator | undefined)[];
  private started = false;

  constructor(options: CartPoleVectorOptions) {
    super();
    const n = options.numEnvs;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`CartPoleVectorEnv: numEnvs must be a positive integer, got ${n}`);
    this.numEnvs = n;
    this.params = { ...CARTPOLE_DEFAULTS, ...options.params };
    this.singleObservationSpace = cartPoleObservationSpace(this.params);
    this.autoresetMode = options.autoreset ?? "next-step";
    this.maxEpisodeSteps = options.maxEpisodeSteps ?? 500;
    this.suttonBartoReward = options.suttonBartoReward ?? false;
    this.s = new Float64Array(4 * n);
    this.steps = new Int32Array(n);
    this.needsReset = new Uint8Array(n);
    this.rngs = new Array<NumpyGenerator | undefined>(n).fill(undefined);
  }

  /** The float64 states, N rows of [x, x_dot, theta, theta_dot] (a copy). */
  get state(): Float64Array {
    return this.s.slice();
  }

  /** Sets all N states (N*4 numbers); every env continues from its row. */
  set state(v: ArrayLike<number>) {
    assignState(`${this.name} (vector)`, this.s, v, "N x [x, x_dot, theta, theta_dot]");
    this.needsReset.fill(0);
    this.steps.fill(0);
    this.started = true;
  }

  reset(args: VectorResetArgs = {}): VectorResetResult {
    reseed(this.rngs, args.seed, npRandom);
    const [low, high] = parseResetBounds(this.name, args.options, -0.05, 0.05);
    for (let i = 0; i < this.numEnvs; i++) cartPoleResetInPlace(this.rngs[i]!, this.s, 4 * i, low, high);
    this.steps.fill(0);
    this.needsReset.fill(0);
    this.started = true;
    return { obs: Float32Array.from(this.s), info: {} };
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    if (!this.started) throw new EpisodeStateError(`${this.name} (vector): call reset() before step()`);
    this.checkActionsLength(actions);
    const N = this.numEnvs;
    const s = this.s;
    const p = this.params;
    const maxSteps = this.maxEpisodeSteps;
    const steps = this.steps;
    const needsReset = this.needsReset;
    const rngs = this.rngs;
    const nextStep = this.autoresetMode === "next-step";
    const suttonBarto = this.suttonBartoReward;
    const obs = new Float32Array(4 * N);
    const reward = new Float64Array(N);
    const terminated = new Uint8Array(N);
    const truncated = new Uint8Array(N);
    const info: VectorInfo = {};
    const autoreset = nextStep ? new Uint8Array(N) : undefined;
    const finalObs = nextStep ? undefined : new Float32Array(4 * N);
    const finalInfo = nextStep ? undefined : new Array<VectorInfo | undefined>(N).fill(undefined);
    for (let i = 0; i < N; i++) {
      const o = 4 * i;
      if (nextStep && needsReset[i] === 1) {
        cartPoleResetInPlace(rngs[i]!, s, o, -0.05, 0.05);
        steps[i] = 0;
        needsReset[i] = 0;
        autoreset![i] = 1;
      } else {
        const a = actions[i];
        if (a !== 0 && a !== 1) {
          throw new InvalidActionError(`${this.name} (vector), env ${i}`, this.singleActionSpace, a, this.singleActionSpace.whyNot(a) ?? "not 0 or 1");
        }
        const term = cartPoleStepInPlace(s, o, a, p);
        const trunc = ++steps[i] >= maxSteps;
        reward[i] = suttonBarto ? (term ? -1.0 : 0.0) : 1.0;
        if (term) terminated[i] = 1;
        if (trunc) truncated[i] = 1;
        if (term || trunc) {
          if (nextStep) needsReset[i] = 1;
          else {
            finalObs![o] = s[o];
            finalObs![o + 1] = s[o + 1];
            finalObs![o + 2] = s[o + 2];
            finalObs![o + 3] = s[o + 3];
            finalInfo![i] = {};
            cartPoleResetInPlace(rngs[i]!, s, o, -0.05, 0.05);
            steps[i] = 0;
          }
        }
      }
      obs[o] = s[o];
      obs[o + 1] = s[o + 1];
      obs[o + 2] = s[o + 2];
      obs[o + 3] = s[o + 3];
    }
    if (autoreset) info.autoreset = autoreset;
    if (finalObs) {
      info.finalObs = finalObs;
      info.finalInfo = finalInfo;
    }
    return { obs, reward, terminated, truncated, info };
  }

  render(index = 0): string {
    return renderCartPole(this.s.subarray(4 * index, 4 * index + 4), this.params);
  }
}
