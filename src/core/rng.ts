/**
 * A small seeded random number generator with explicit, serializable state.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018): four uint32 words of state, 32-bit
 * operations only, fast in JavaScript, period 2^128 - 1. Every random draw in rlbook's
 * environments and spaces goes through an `Rng`, so a run is reproducible from its seeds on any
 * machine: the state can be read (`rng.state`), stored as JSON, and written back.
 *
 * `split()` derives an independent child generator (for a sub-env, a space, a worker) and
 * advances the parent, like NumPy's `SeedSequence.spawn`.
 */

/** The JSON-serializable state of an {@link Rng}. */
export interface RngState {
  algorithm: "xoshiro128**";
  /** Four uint32 words; never all zero. */
  s: [number, number, number, number];
}

/** What a seed may be: a non-negative integer (up to 2^53 - 1). */
export type Seed = number;

/** A 32-bit finalizer (Wellons' lowbias32): spreads every input bit over the output. */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x21f0aaad);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x735a2d97);
  x = (x ^ (x >>> 15)) >>> 0;
  return x;
}

const TWO_32 = 4294967296;

/** Checks and splits a seed into its low and high 32-bit words. */
function seedWords(seed: Seed): [number, number] {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new TypeError(`Rng: a seed must be a non-negative safe integer, got ${String(seed)}`);
  }
  return [seed >>> 0, Math.floor(seed / TWO_32) >>> 0];
}

/** A seeded, splittable random number generator (xoshiro128**). */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** A generator seeded by `seed` (a non-negative integer); the same seed gives the same stream. */
  constructor(seed: Seed = 0) {
    const [lo, hi] = seedWords(seed);
    // SplitMix-style expansion of the 64-bit seed into 128 bits of state.
    const golden = 0x9e3779b9;
    this.s0 = mix32((lo + golden) >>> 0) ^ mix32((hi ^ 0x85ebca6b) >>> 0);
    this.s1 = mix32((lo + 2 * golden) >>> 0) ^ mix32((hi ^ 0xc2b2ae35) >>> 0);
    this.s2 = mix32((lo + 3 * golden) >>> 0) ^ mix32((hi ^ 0x27d4eb2f) >>> 0);
    this.s3 = mix32((lo + 4 * golden) >>> 0) ^ mix32((hi ^ 0x165667b1) >>> 0);
    this.fixZero();
  }

  /** A generator seeded from the operating system's entropy (not reproducible). */
  static fromEntropy(): Rng {
    const words = new Uint32Array(4);
    globalThis.crypto.getRandomValues(words);
    return Rng.fromState({ algorithm: "xoshiro128**", s: [words[0], words[1], words[2], words[3]] });
  }

  /** A generator that continues from a saved state. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.state = state;
    return r;
  }

  /** A copy of the current state (JSON-serializable). */
  get state(): RngState {
    return { algorithm: "xoshiro128**", s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** Restores a state previously read from `state`. */
  set state(st: RngState) {
    if (!st || st.algorithm !== "xoshiro128**" || !Array.isArray(st.s) || st.s.length !== 4) {
      throw new TypeError(`Rng: not an xoshiro128** state: ${JSON.stringify(st)}`);
    }
    for (const w of st.s) {
      if (!Number.isInteger(w) || w < 0 || w >= TWO_32) {
        throw new TypeError(`Rng: state words must be uint32, got ${JSON.stringify(st.s)}`);
      }
    }
    if (st.s.every((w) => w === 0)) throw new TypeError("Rng: the all-zero state is invalid");
    [this.s0, this.s1, this.s2, this.s3] = st.s;
  }

  /** An independent copy that continues with the same stream. */
  clone(): Rng {
    return Rng.fromState(this.state);
  }

  /**
   * A new generator whose stream is independent of this one's; advances this generator by four
   * draws. Splitting the same state always gives the same child.
   */
  split(): Rng {
    const a = this.nextUint32();
    const b = this.nextUint32();
    const c = this.nextUint32();
    const d = this.nextUint32();
    const child = new Rng(0);
    child.s0 = mix32((a ^ 0x6a09e667) >>> 0);
    child.s1 = mix32((b ^ 0xbb67ae85) >>> 0);
    child.s2 = mix32((c ^ 0x3c6ef372) >>> 0);
    child.s3 = mix32((d ^ 0xa54ff53a) >>> 0);
    child.fixZero();
    return child;
  }

  /** `n` independent children (see {@link split}). */
  splitN(n: number): Rng[] {
    const out: Rng[] = [];
    for (let i = 0; i < n; i++) out.push(this.split());
    return out;
  }

  private fixZero(): void {
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /** A uniform uint32 in [0, 2^32). */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A uniform double in [low, high): `low + (high - low) * random()`, as NumPy computes it. */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** A uniform integer in [0, n) without modulo bias (n a positive integer). */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.integer: n must be a positive integer, got ${n}`);
    if (n <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.random() * n);
  }

  /** A uniform integer in [low, high) (high exclusive). */
  integers(low: number, high: number): number {
    return low + this.integer(high - low);
  }

  /** A standard normal draw (Box-Muller; two uniforms per draw, no cached spare). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.random(); // (0, 1]
    const u2 = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** An exponential draw with the given scale (mean). */
  exponential(scale = 1): number {
    return -scale * Math.log(1 - this.random());
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.random() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Rng.choice: empty array");
    return items[this.integer(items.length)];
  }

  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** An `Rng` from a seed, an existing `Rng` (returned as is), or OS entropy when undefined. */
export function toRng(seedOrRng?: Seed | Rng): Rng {
  if (seedOrRng instanceof Rng) return seedOrRng;
  if (seedOrRng === undefined) return Rng.fromEntropy();
  return new Rng(seedOrRng);
}
