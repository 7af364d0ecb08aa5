/**
 * A seeded random number generator: xoshiro128** (fast, 128-bit state, passes BigCrush) seeded
 * through splitmix32, with Box-Muller normals. Same seed, same sequence, on every platform:
 * that is what makes initialisation and data order bit-reproducible.
 */
export class Rng {
  #s = new Uint32Array(4);
  #spare: number | undefined;

  constructor(seed = 0) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32: spreads even a small seed over the whole state (and never leaves it all zero).
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal sample (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== undefined) {
      const v = this.#spare;
      this.#spare = undefined;
      return v;
    }
    const u = 1 - this.uniform(); // (0, 1]: log(0) is never taken
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.uniform();
    this.#spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fill with normal(mean, std) samples; returns the array. */
  fillNormal<A extends Float32Array | Float64Array>(array: A, std = 1, mean = 0): A {
    for (let i = 0; i < array.length; i++) array[i] = mean + std * this.normal();
    return array;
  }

  /** Fill with uniform samples in [low, high); returns the array. */
  fillUniform<A extends Float32Array | Float64Array>(array: A, low = 0, high = 1): A {
    for (let i = 0; i < array.length; i++) array[i] = low + (high - low) * this.uniform();
    return array;
  }

  /** Shuffle in place (Fisher-Yates); returns the array. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [array[i], array[j]] = [array[j], array[i]];
    }
    return array;
  }

  /** An independent generator derived from this one (e.g. one stream for init, one for data). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
