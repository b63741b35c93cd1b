import { SortedKeys } from './sorted-keys.js';
import type {
  KvDeleteCommand, KvEntry, KvLockCommand, KvSetCommand, KvUnlockCommand, LogIndex,
} from './types.js';

/** What a mutation did: its result, and the keys whose visible state changed (empty: a no-op). */
export interface Mutation<R> {
  result: R;
  changed: string[];
}

/** The KV entries under a prefix and the index a blocking query on them waits past. */
export interface KvListing<T> {
  items: T[];
  /** Highest ModifyIndex or tombstone under the prefix; 0 when the prefix never held anything. */
  index: LogIndex;
}

/**
 * The KV table: entries by key for O(1) reads, the same keys sorted for
 * prefix scans, and tombstones. A tombstone remembers the index at which a
 * key was deleted so a prefix's index never goes backwards after a delete —
 * otherwise a blocking query on the prefix would miss the delete.
 */
export class KvTable {
  readonly #entries = new Map<string, KvEntry>();
  readonly #keys = new SortedKeys();
  readonly #tombstones = new Map<string, LogIndex>();
  readonly #tombstoneKeys = new SortedKeys();
  /** Session → the keys it holds, so invalidating a session finds its locks without a scan. */
  readonly #bySession = new Map<string, Set<string>>();

  get size(): number {
    return this.#entries.size;
  }

  get tombstoneCount(): number {
    return this.#tombstones.size;
  }

  get(key: string): KvEntry | undefined {
    return this.#entries.get(key);
  }

  /** The index a watch on one key compares against: its ModifyIndex, or when it was deleted. */
  keyIndex(key: string): LogIndex {
    return this.#entries.get(key)?.ModifyIndex ?? this.#tombstones.get(key) ?? 0;
  }

  /** Every entry under `prefix`, in key order. */
  list(prefix: string): KvListing<KvEntry> {
    const items: KvEntry[] = [];
    let index = this.#tombstoneIndex(prefix);
    for (const key of this.#keys.withPrefix(prefix)) {
      const entry = this.#entries.get(key)!;
      items.push(entry);
      if (entry.ModifyIndex > index) index = entry.ModifyIndex;
    }
    return { items, index };
  }

  /**
   * The keys under `prefix`; with a separator, each key is cut after the first
   * separator past the prefix and repeats are dropped (Consul's ListKeys), so
   * `web/` with `/` lists `web/a` and `web/sub/` but not `web/sub/b`.
   */
  listKeys(prefix: string, separator: string): KvListing<string> {
    const items: string[] = [];
    let index = this.#tombstoneIndex(prefix);
    for (const key of this.#keys.withPrefix(prefix)) {
      const modify = this.#entries.get(key)!.ModifyIndex;
      if (modify > index) index = modify;
      let shown = key;
      if (separator !== '') {
        const at = key.indexOf(separator, prefix.length);
        if (at >= 0) shown = key.slice(0, at + separator.length);
      }
      if (items[items.length - 1] !== shown) items.push(shown);
    }
    return { items, index };
  }

  /** Highest index anywhere under `prefix`, for watches (same rule as list). */
  prefixIndex(prefix: string): LogIndex {
    return this.list(prefix).index;
  }

  /** The keys `session` holds, in key order. */
  heldBy(session: string): string[] {
    return [...(this.#bySession.get(session) ?? [])].sort();
  }

  /** Every entry in key order (for snapshots). */
  *entries(): IterableIterator<KvEntry> {
    for (const key of this.#keys.all()) yield this.#entries.get(key)!;
  }

  /** Every tombstone in key order (for snapshots). */
  *tombstones(): IterableIterator<[string, LogIndex]> {
    for (const key of this.#tombstoneKeys.all()) yield [key, this.#tombstones.get(key)!];
  }

  set(index: LogIndex, cmd: KvSetCommand): Mutation<boolean> {
    const existing = this.#entries.get(cmd.key);
    if (cmd.cas !== undefined && !casMatches(existing, cmd.cas)) return { result: false, changed: [] };
    // A plain set keeps the lock holder and the LockIndex: locks are advisory,
    // and the LockIndex is a fencing term that must never go backwards.
    return this.#write(index, existing, cmd.key, cmd.value, cmd.flags, existing?.Session ?? '', existing?.LockIndex ?? 0);
  }

  lock(index: LogIndex, cmd: KvLockCommand): Mutation<boolean> {
    const existing = this.#entries.get(cmd.key);
    if (existing !== undefined && existing.Session !== '' && existing.Session !== cmd.session) {
      return { result: false, changed: [] };
    }
    // Re-acquiring a lock one already holds updates the value but is not a new term.
    const lockIndex = existing?.Session === cmd.session ? existing.LockIndex : (existing?.LockIndex ?? 0) + 1;
    return this.#write(index, existing, cmd.key, cmd.value, cmd.flags, cmd.session, lockIndex);
  }

  unlock(index: LogIndex, cmd: KvUnlockCommand): Mutation<boolean> {
    const existing = this.#entries.get(cmd.key);
    if (existing === undefined || existing.Session !== cmd.session) return { result: false, changed: [] };
    return this.#write(index, existing, cmd.key, cmd.value, cmd.flags, '', existing.LockIndex);
  }

  delete(index: LogIndex, cmd: KvDeleteCommand): Mutation<boolean> {
    const existing = this.#entries.get(cmd.key);
    // Deleting what is not there succeeds, even with cas (Consul's kvsDeleteCASTxn).
    if (existing === undefined) return { result: true, changed: [] };
    if (cmd.cas !== undefined && existing.ModifyIndex !== cmd.cas) return { result: false, changed: [] };
    this.#remove(index, cmd.key);
    return { result: true, changed: [cmd.key] };
  }

  deleteTree(index: LogIndex, prefix: string): Mutation<boolean> {
    const doomed = [...this.#keys.withPrefix(prefix)];
    for (const key of doomed) this.#remove(index, key);
    return { result: true, changed: doomed };
  }

  /** Drops tombstones made at or before `upTo`; returns how many went. */
  reapTombstones(upTo: LogIndex): number {
    const reaped: string[] = [];
    for (const [key, at] of this.#tombstones) if (at <= upTo) reaped.push(key);
    for (const key of reaped) {
      this.#tombstones.delete(key);
      this.#tombstoneKeys.delete(key);
    }
    return reaped.length;
  }

  /** Loads one entry from a snapshot (keys arrive sorted and unique, checked by the caller). */
  load(entry: KvEntry): void {
    this.#entries.set(entry.Key, entry);
    this.#keys.insert(entry.Key);
    this.#holds('', entry.Session, entry.Key);
  }

  loadTombstone(key: string, index: LogIndex): void {
    this.#tombstones.set(key, index);
    this.#tombstoneKeys.insert(key);
  }

  #write(
    index: LogIndex, existing: KvEntry | undefined, key: string, value: Uint8Array, flags: number, session: string, lockIndex: number,
  ): Mutation<boolean> {
    if (existing !== undefined && existing.Flags === flags && existing.Session === session
      && existing.LockIndex === lockIndex && sameBytes(existing.Value, value)) {
      // Identical writes leave ModifyIndex alone so watchers are not woken for nothing.
      return { result: true, changed: [] };
    }
    const entry: KvEntry = {
      Key: key, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index,
      LockIndex: lockIndex, Flags: flags, Value: value, Session: session,
    };
    this.#entries.set(key, entry);
    this.#holds(existing?.Session ?? '', session, key);
    if (existing === undefined) {
      this.#keys.insert(key);
      // The new entry's ModifyIndex is above the tombstone's, so the tombstone says nothing more.
      if (this.#tombstones.delete(key)) this.#tombstoneKeys.delete(key);
    }
    return { result: true, changed: [key] };
  }

  #remove(index: LogIndex, key: string): void {
    this.#holds(this.#entries.get(key)?.Session ?? '', '', key);
    this.#entries.delete(key);
    this.#keys.delete(key);
    if (!this.#tombstones.has(key)) this.#tombstoneKeys.insert(key);
    this.#tombstones.set(key, index);
  }

  /** Moves `key` from the keys `from` holds to those `to` holds ('' is nobody). */
  #holds(from: string, to: string, key: string): void {
    if (from === to) return;
    const held = this.#bySession.get(from);
    if (held !== undefined && held.delete(key) && held.size === 0) this.#bySession.delete(from);
    if (to === '') return;
    let keys = this.#bySession.get(to);
    if (keys === undefined) this.#bySession.set(to, (keys = new Set()));
    keys.add(key);
  }

  #tombstoneIndex(prefix: string): LogIndex {
    let max = 0;
    for (const key of this.#tombstoneKeys.withPrefix(prefix)) {
      const at = this.#tombstones.get(key)!;
      if (at > max) max = at;
    }
    return max;
  }
}

/** Consul's CAS rule: 0 means "only if absent", anything else must equal the ModifyIndex. */
function casMatches(existing: KvEntry | undefined, cas: LogIndex): boolean {
  if (cas === 0) return existing === undefined;
  return existing !== undefined && existing.ModifyIndex === cas;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
