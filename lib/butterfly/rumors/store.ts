/**
 * One kind of rumor, keyed by (key, id) as Habitat's RumorStore<T>
 * (service group → member id, for instance). A rumor replaces the one held
 * only when its version is higher; an equal or lower one is ignored. Every
 * change bumps `updateCounter`, which is what `/butterfly` and the census
 * watch.
 */
export interface StoreEntry<T> {
  rumor: T;
  /** The rumor's encoding, kept for push-pull and fetch replies. */
  encoded: Uint8Array;
  /** Local clock time it was stored (tombstone expiry counts from here). */
  storedAt: number;
}

export type InsertResult = 'new' | 'newer' | 'stale' | 'full';

export class RumorStore<T> {
  readonly name: string;
  updateCounter = 0;
  #byKey = new Map<string, Map<string, StoreEntry<T>>>();
  #size = 0;
  #version: (r: T) => number;
  #max: number;

  /**
   * @param version the rumor's version (incarnation)
   * @param max entries beyond which new (key, id) pairs are refused
   */
  constructor(name: string, version: (r: T) => number, max: number) {
    this.name = name;
    this.#version = version;
    this.#max = max;
  }

  get size(): number {
    return this.#size;
  }

  get(key: string, id: string): StoreEntry<T> | undefined {
    return this.#byKey.get(key)?.get(id);
  }

  /** Stores `rumor` if it is newer than the one held under (key, id). */
  insert(key: string, id: string, rumor: T, encoded: Uint8Array, now: number): InsertResult {
    let ids = this.#byKey.get(key);
    const held = ids?.get(id);
    if (held !== undefined && this.#version(rumor) <= this.#version(held.rumor)) return 'stale';
    if (held === undefined && this.#size >= this.#max) return 'full';
    if (ids === undefined) {
      ids = new Map();
      this.#byKey.set(key, ids);
    }
    ids.set(id, { rumor, encoded, storedAt: now });
    if (held === undefined) this.#size++;
    this.updateCounter++;
    return held === undefined ? 'new' : 'newer';
  }

  /** Forgets (key, id); returns what was held. */
  delete(key: string, id: string): StoreEntry<T> | undefined {
    const ids = this.#byKey.get(key);
    const held = ids?.get(id);
    if (ids === undefined || held === undefined) return undefined;
    ids.delete(id);
    if (ids.size === 0) this.#byKey.delete(key);
    this.#size--;
    this.updateCounter++;
    return held;
  }

  /** Every entry, as [key, id, entry]. */
  *entries(): IterableIterator<[string, string, StoreEntry<T>]> {
    for (const [key, ids] of this.#byKey) {
      for (const [id, entry] of ids) yield [key, id, entry];
    }
  }

  /** The entries under one key (a service group's members, files, ...). */
  *under(key: string): IterableIterator<[string, StoreEntry<T>]> {
    const ids = this.#byKey.get(key);
    if (ids !== undefined) yield* ids;
  }

  keys(): string[] {
    return [...this.#byKey.keys()];
  }
}
