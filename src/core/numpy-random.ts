/**
 * NumPy's default generator, `Generator(PCG64(SeedSequence(seed)))`, bit for bit.
 *
 * Gymnasium seeds every env with it (`gymnasium.utils.seeding.np_random(seed)`), so the
 * classic-control envs draw their start states from this generator: `reset({seed})` then returns
 * the observation Gymnasium returns for the same seed, and a trajectory can be compared step for
 * step with a Python run. rlbook's own {@link Rng} stays the generator for everything else.
 *
 * Algorithms, as in NumPy's sources (numpy/random/bit_generator.pyx, _pcg64.pyx, pcg64.h,
 * distributions.c):
 * - SeedSequence: the seed as little-endian uint32 words, hashed into a pool of four uint32 words
 *   (`mix_entropy`), then expanded by `generate_state` (O'Neill's seed_seq hashing).
 * - PCG64: a 128-bit LCG (multiplier 0x2360ED051FC65DA44385DF649FCCF645) seeded with
 *   `generate_state(4, uint64)` as (state, increment), output XSL-RR: rotr64(hi ^ lo, state >> 122).
 * - `random()`: `(next_uint64 >> 11) * 2^-53`; `uniform(low, high)`: `low + (high - low) * random()`.
 *
 * 128-bit arithmetic uses BigInt: envs draw only at reset, a few draws per episode.
 */
import type { Seed } from "./rng.js";

const MASK32 = 0xffffffff;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
// SeedSequence's hashing constants (numpy/random/bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;
// PCG_DEFAULT_MULTIPLIER_128 (numpy/random/src/pcg64/pcg64.h).
const PCG_MULT = (0x2360ed051fc65da4n << 64n) | 0x4385df649fccf645n;

/** NumPy's `_int_to_uint32_array`: a non-negative integer as little-endian uint32 words (0 is [0]). */
function intToWords(n: bigint): number[] {
  if (n === 0n) return [0];
  const words: number[] = [];
  while (n > 0n) {
    words.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return words;
}

function checkSeed(seed: Seed | bigint): bigint {
  if (typeof seed === "bigint") {
    if (seed < 0n) throw new RangeError(`SeedSequence: the seed must be a non-negative integer, got ${seed}`);
    return seed;
  }
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new TypeError(`SeedSequence: the seed must be a non-negative safe integer (or a bigint), got ${String(seed)}`);
  }
  return BigInt(seed);
}

/** NumPy's `SeedSequence(entropy)`: hashes a seed into a pool of four uint32 words. */
export class SeedSequence {
  /** The seed (NumPy's `entropy`); drawn from the OS (128 bits) when not given. */
  readonly entropy: bigint;
  /** The mixed pool (NumPy's `pool`, four uint32 words). */
  readonly pool: Uint32Array;

  constructor(entropy?: Seed | bigint) {
    if (entropy === undefined) {
      const w = new Uint32Array(4);
      globalThis.crypto.getRandomValues(w);
      entropy = (BigInt(w[3]) << 96n) | (BigInt(w[2]) << 64n) | (BigInt(w[1]) << 32n) | BigInt(w[0]);
    }
    this.entropy = checkSeed(entropy);
    this.pool = mixEntropy(intToWords(this.entropy));
  }

  /** NumPy's `generate_state(nWords, np.uint32)`: `nWords` uint32 words derived from the pool. */
  generateState(nWords: number): Uint32Array {
    const out = new Uint32Array(nWords);
    let hashConst = INIT_B;
    for (let i = 0; i < nWords; i++) {
      let v = (this.pool[i % POOL_SIZE] ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_B) >>> 0;
      v = Math.imul(v, hashConst) >>> 0;
      v = (v ^ (v >>> XSHIFT)) >>> 0;
      out[i] = v;
    }
    return out;
  }

  /** NumPy's `generate_state(n, np.uint64)`: pairs of uint32 words, low word first. */
  generateState64(n: number): bigint[] {
    const w = this.generateState(2 * n);
    return Array.from({ length: n }, (_, i) => (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i]));
  }
}

/** SeedSequence's `mix_entropy` over a pool of four words. */
function mixEntropy(entropy: number[]): Uint32Array {
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> XSHIFT)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> XSHIFT)) >>> 0;
  };
  const pool = new Uint32Array(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] & MASK32 : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
    }
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  return pool;
}

/** The JSON-serializable state of a {@link PCG64} (128-bit numbers as decimal strings). */
export interface PCG64State {
  algorithm: "PCG64";
  state: string;
  inc: string;
}

/** NumPy's `PCG64` bit generator (128-bit LCG, XSL-RR output). */
export class PCG64 {
  private s = 0n;
  private inc = 1n;

  /** Seeded as NumPy seeds it: `PCG64(SeedSequence(seed))`. */
  constructor(seed?: SeedSequence | Seed | bigint) {
    const seq = seed instanceof SeedSequence ? seed : new SeedSequence(seed);
    const [s0, s1, i0, i1] = seq.generateState64(4);
    // pcg64_set_seed: PCG_128BIT_CONSTANT(high, low) of (val[0], val[1]) and (val[2], val[3]).
    const initState = (s0 << 64n) | s1;
    const initSeq = (i0 << 64n) | i1;
    // pcg_setseq_128_srandom_r
    this.s = 0n;
    this.inc = ((initSeq << 1n) | 1n) & MASK128;
    this.step();
    this.s = (this.s + initState) & MASK128;
    this.step();
  }

  private step(): void {
    this.s = (this.s * PCG_MULT + this.inc) & MASK128;
  }

  /** The next uint64 (NumPy's `next_uint64`). */
  nextUint64(): bigint {
    this.step();
    const s = this.s;
    const x = ((s >> 64n) ^ s) & MASK64;
    const rot = s >> 122n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  /** A double in [0, 1) with 53 random bits (NumPy's `next_double`). */
  nextDouble(): number {
    return Number(this.nextUint64() >> 11n) * 2 ** -53;
  }

  /** A copy of the state (JSON-serializable, as NumPy's `bit_generator.state` holds it). */
  get state(): PCG64State {
    return { algorithm: "PCG64", state: this.s.toString(), inc: this.inc.toString() };
  }

  set state(st: PCG64State) {
    if (!st || st.algorithm !== "PCG64" || typeof st.state !== "string" || typeof st.inc !== "string") {
      throw new TypeError(`PCG64: not a PCG64 state: ${JSON.stringify(st)}`);
    }
    this.s = BigInt(st.state) & MASK128;
    this.inc = BigInt(st.inc) & MASK128;
  }
}

/** NumPy's `Generator` over a {@link PCG64}: the draws Gymnasium's envs make. */
export class NumpyGenerator {
  readonly bitGenerator: PCG64;

  constructor(bitGenerator: PCG64) {
    this.bitGenerator = bitGenerator;
  }

  /** `Generator.random()`: a double in [0, 1). */
  random(): number {
    return this.bitGenerator.nextDouble();
  }

  /** `Generator.uniform(low, high)`: `low + (high - low) * random()` (one draw). */
  uniform(low = 0, high = 1): number {
    const range = high - low;
    if (!Number.isFinite(range)) throw new RangeError(`NumpyGenerator.uniform: high - low must be finite, got low=${low}, high=${high}`);
    return low + range * this.bitGenerator.nextDouble();
  }

  /** `Generator.uniform(low, high, size=n)`: `n` draws in order. */
  uniformArray(low: number, high: number, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(low, high);
    return out;
  }
}

/**
 * Gymnasium's `seeding.np_random(seed)` (and NumPy's `default_rng(seed)`):
 * `Generator(PCG64(SeedSequence(seed)))`; seeded from OS entropy when `seed` is undefined.
 */
export function npRandom(seed?: Seed | bigint): NumpyGenerator {
  return new NumpyGenerator(new PCG64(new SeedSequence(seed)));
}
