/**
 * A sorted set of strings kept as a list of small sorted chunks.
 *
 * Why chunks and not one sorted array: inserting into one array of n keys
 * moves n/2 pointers on average (≈1.6 MB of memmove at 400,000 keys), which
 * is most of a write's cost once the table is large. Chunks of at most
 * CHUNK_SIZE keys bound that to a few hundred pointers while keeping what a
 * sorted array is good at: binary search and a cache-friendly ordered scan
 * for prefix queries. (see test/unit/catalog/sorted-keys.test.ts for the
 * measurement that motivated it.)
 *
 * Order is JavaScript's string order (UTF-16 code units). Every string with a
 * given prefix sorts contiguously in it, which is all prefix scans need.
 */
export const CHUNK_SIZE = 512;

export class SortedKeys {
  #chunks: string[][] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Builds from keys already sorted ascending without duplicates (a snapshot's order). */
  static fromSorted(keys: readonly string[]): SortedKeys {
    const set = new SortedKeys();
    for (let i = 0; i < keys.length; i += CHUNK_SIZE / 2) set.#chunks.push(keys.slice(i, i + CHUNK_SIZE / 2));
    set.#size = keys.length;
    return set;
  }

  /** Adds `key`; false when it was already present. */
  insert(key: string): boolean {
    if (this.#chunks.length === 0) {
      this.#chunks.push([key]);
      this.#size = 1;
      return true;
    }
    // Keys above every chunk's last key go to the end of the last chunk.
    const c = Math.min(this.#chunkFor(key), this.#chunks.length - 1);
    const chunk = this.#chunks[c]!;
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return false;
    chunk.splice(i, 0, key);
    this.#size++;
    if (chunk.length > CHUNK_SIZE) this.#chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1));
    return true;
  }

  /** Removes `key`; false when it was not present. */
  delete(key: string): boolean {
    const c = this.#chunkFor(key);
    const chunk = this.#chunks[c];
    if (chunk === undefined) return false;
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return false;
    chunk.splice(i, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    return true;
  }

  /** Keys that start with `prefix`, ascending. Copy before mutating the set while iterating. */
  *withPrefix(prefix: string): IterableIterator<string> {
    const first = this.#chunkFor(prefix);
    for (let c = first; c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c]!;
      for (let i = c === first ? lowerBound(chunk, prefix) : 0; i < chunk.length; i++) {
        const key = chunk[i]!;
        if (!key.startsWith(prefix)) return;
        yield key;
      }
    }
  }

  /** Every key, ascending. */
  *all(): IterableIterator<string> {
    for (const chunk of this.#chunks) yield* chunk;
  }

  /** Index of the first chunk whose last key is >= key (chunks.length when none is). */
  #chunkFor(key: string): number {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.#chunks[mid]!;
      if (chunk[chunk.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First position in sorted `arr` whose value is >= key. */
export function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
