import type { ChangeListener, LogIndex, WatchScope, WatchTopic } from './types.js';

interface Waiter {
  readonly minIndex: LogIndex;
  /** Detaches the waiter and settles its promise; `changed` false means aborted. */
  settle(changed: boolean): void;
}

/** Parked waiters of one table, indexed so a write finds its waiters without looking at the others. */
class TableWaiters {
  readonly whole = new Set<Waiter>();
  readonly byKey = new Map<string, Set<Waiter>>();
  readonly byPrefix = new Map<string, Set<Waiter>>();
  /** How many parked prefixes have each length: a write probes only those lengths of its key. */
  readonly prefixLengths = new Map<number, number>();
}

/**
 * Where blocking queries park until their data changes.
 *
 * A write wakes only the waiters whose scope it touches: waiters on its key
 * (one map lookup), on a prefix of its key (one lookup per distinct parked
 * prefix length) and on its whole table. Ten thousand parked queries on
 * other keys cost a write nothing. Waiters whose index is still ahead of the
 * write (a client index from before a restore) stay parked, as Consul's
 * blocking query would loop until its timeout.
 */
export class WatchRegistry implements ChangeListener {
  readonly #tables = new Map<WatchTopic, TableWaiters>();
  #parked = 0;

  /** How many waiters are parked right now. */
  get parked(): number {
    return this.#parked;
  }

  /**
   * Resolves true once a change touching `scope` is applied at an index above
   * `minIndex` (or the state is restored), false when `signal` aborts first.
   * The caller checks the current index before parking: this only waits.
   */
  wait(scope: WatchScope, minIndex: LogIndex, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const bucket = this.#bucket(scope);
      const onAbort = (): void => waiter.settle(false);
      const waiter: Waiter = {
        minIndex,
        settle: (changed) => {
          signal.removeEventListener('abort', onAbort);
          if (this.#detach(scope, bucket, waiter)) resolve(changed);
        },
      };
      bucket.add(waiter);
      this.#parked++;
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  changed(table: WatchTopic, keys: readonly string[], index: LogIndex): void {
    const waiters = this.#tables.get(table);
    if (waiters === undefined) return;
    const woken = new Set<Waiter>();
    const collect = (set: Set<Waiter> | undefined): void => {
      if (set !== undefined) for (const w of set) if (w.minIndex < index) woken.add(w);
    };
    collect(waiters.whole);
    for (const key of keys) {
      collect(waiters.byKey.get(key));
      for (const length of waiters.prefixLengths.keys()) {
        if (length <= key.length) collect(waiters.byPrefix.get(key.slice(0, length)));
      }
    }
    for (const w of woken) w.settle(true);
  }

  /** After a restore anything may have changed: every waiter looks again. */
  reset(): void {
    const all: Waiter[] = [];
    for (const t of this.#tables.values()) {
      all.push(...t.whole);
      for (const set of t.byKey.values()) all.push(...set);
      for (const set of t.byPrefix.values()) all.push(...set);
    }
    for (const w of all) w.settle(true);
  }

  #table(table: WatchTopic): TableWaiters {
    let t = this.#tables.get(table);
    if (t === undefined) this.#tables.set(table, (t = new TableWaiters()));
    return t;
  }

  #bucket(scope: WatchScope): Set<Waiter> {
    const t = this.#table(scope.table);
    if (scope.match === 'table') return t.whole;
    const [map, name] = scope.match === 'key' ? [t.byKey, scope.key] : [t.byPrefix, scope.prefix];
    let set = map.get(name);
    if (set === undefined) {
      map.set(name, (set = new Set()));
      if (scope.match === 'prefix') t.prefixLengths.set(name.length, (t.prefixLengths.get(name.length) ?? 0) + 1);
    }
    return set;
  }

  /** Removes the waiter; false when it was already gone (woken and aborted in the same tick). */
  #detach(scope: WatchScope, bucket: Set<Waiter>, waiter: Waiter): boolean {
    if (!bucket.delete(waiter)) return false;
    this.#parked--;
    if (bucket.size > 0 || scope.match === 'table') return true;
    const t = this.#table(scope.table);
    if (scope.match === 'key') {
      t.byKey.delete(scope.key);
    } else {
      t.byPrefix.delete(scope.prefix);
      const n = t.prefixLengths.get(scope.prefix.length)! - 1;
      if (n === 0) t.prefixLengths.delete(scope.prefix.length);
      else t.prefixLengths.set(scope.prefix.length, n);
    }
    return true;
  }
}
