import { randomBytes, randomInt } from 'node:crypto';

/**
 * Randomness as the protocol cores see it: injected, so that a seeded source
 * makes a simulated run replay exactly.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** A new array with the elements of `items` in random order. */
  shuffle<T>(items: readonly T[]): T[];
  /** `n` random bytes. */
  bytes(n: number): Uint8Array;
}

abstract class RandomBase implements Random {
  abstract next(): number;

  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new RangeError(`maxExclusive must be a positive integer, got ${maxExclusive}`);
    }
    return Math.floor(this.next() * maxExclusive);
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/**
 * sfc32 seeded by splitmix32: fast, passes the usual statistical batteries,
 * and small enough to keep per simulated node.
 */
export class SeededRandom extends RandomBase {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    super();
    this.seed = seed >>> 0;
    let s = this.seed;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix();
    this.#b = splitmix();
    this.#c = splitmix();
    this.#d = splitmix();
    // Discard the first outputs: sfc32 mixes poorly right after seeding.
    for (let i = 0; i < 12; i++) this.#nextUint32();
  }

  #nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#nextUint32() / 4294967296;
  }

  /** A child source whose sequence depends only on this one's state: one per simulated node. */
  fork(): SeededRandom {
    return new SeededRandom(this.#nextUint32());
  }
}

/** Cryptographically strong randomness for real processes. */
export class SystemRandom extends RandomBase {
  next(): number {
    return randomInt(0, 2 ** 47) / 2 ** 47;
  }

  override bytes(n: number): Uint8Array {
    return new Uint8Array(randomBytes(n));
  }
}
