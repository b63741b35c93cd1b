/**
 * The dissemination queue (memberlist's TransmitLimitedQueue). Updates wait
 * here and ride on outgoing pings, acks and gossip packets. Each one is sent
 * at most `limit()` times by this member, the least-sent first; a newer update
 * about the same subject replaces the older one, whatever its send count.
 */

/** Updates that do not fit, in a row, before a take gives up looking for smaller ones. */
const MAX_MISSES = 8;

interface Broadcast {
  subject: string;
  part: Uint8Array;
  transmits: number;
  removed: boolean;
}

/** One send count's updates, oldest first; entries that moved on or were replaced are skipped and compacted lazily. */
interface Bucket {
  items: Broadcast[];
  head: number;
  live: number;
}

export class BroadcastQueue {
  #limit: () => number;
  #max: number;
  #buckets = new Map<number, Bucket>();
  #bySubject = new Map<string, Broadcast>();

  /**
   * @param limit how many times each update is sent before it is dropped (re-read on every take, since it grows with the cluster)
   * @param max queue length beyond which the most-sent updates are dropped
   */
  constructor(limit: () => number, max: number) {
    this.#limit = limit;
    this.#max = max;
  }

  get size(): number {
    return this.#bySubject.size;
  }

  has(subject: string): boolean {
    return this.#bySubject.has(subject);
  }

  /** Queues `part` about `subject`, replacing any queued update about the same subject. */
  enqueue(subject: string, part: Uint8Array): void {
    this.#remove(subject);
    const b: Broadcast = { subject, part, transmits: 0, removed: false };
    this.#bySubject.set(subject, b);
    this.#add(b);
    if (this.#bySubject.size > this.#max) this.#prune();
  }

  /** Drops any queued update about `subject`. */
  forget(subject: string): void {
    this.#remove(subject);
  }

  /**
   * Takes the least-sent updates that fit in `budget` bytes, counting
   * `overhead` extra bytes per update, at most `maxParts` of them, and counts
   * one send for each.
   */
  take(budget: number, overhead: number, maxParts: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#bySubject.size === 0 || maxParts <= 0) return out;
    let left = budget;
    const limit = Math.max(1, this.#limit());
    const taken: Broadcast[] = [];
    const counts = [...this.#buckets.keys()].sort((a, b) => a - b);
    let misses = 0;
    outer: for (const count of counts) {
      const bucket = this.#buckets.get(count)!;
      const items = bucket.items;
      for (let i = bucket.head; i < items.length; i++) {
        const b = items[i]!;
        if (b.removed || b.transmits !== count) {
          if (i === bucket.head) bucket.head++;
          continue;
        }
        const need = b.part.byteLength + overhead;
        if (need <= left) {
          left -= need;
          taken.push(b);
          out.push(b.part);
          misses = 0;
          if (out.length >= maxParts) break outer;
        } else if (++misses >= MAX_MISSES) {
          break outer;
        }
      }
    }
    for (const b of taken) {
      this.#leave(b);
      b.transmits++;
      if (b.transmits >= limit) {
        b.removed = true;
        this.#bySubject.delete(b.subject);
      } else {
        this.#add(b);
      }
    }
    return out;
  }

  clear(): void {
    this.#buckets.clear();
    this.#bySubject.clear();
  }

  #add(b: Broadcast): void {
    let bucket = this.#buckets.get(b.transmits);
    if (bucket === undefined) {
      bucket = { items: [], head: 0, live: 0 };
      this.#buckets.set(b.transmits, bucket);
    }
    bucket.items.push(b);
    bucket.live++;
  }

  /** Accounts for `b` leaving its bucket (its entry there goes stale). */
  #leave(b: Broadcast): void {
    const bucket = this.#buckets.get(b.transmits);
    if (bucket === undefined) return;
    bucket.live--;
    if (bucket.live === 0) {
      this.#buckets.delete(b.transmits);
    } else if (bucket.items.length - bucket.head > 2 * bucket.live + 32) {
      const n = b.transmits;
      bucket.items = bucket.items.filter((x) => x !== b && !x.removed && x.transmits === n);
      bucket.head = 0;
    }
  }

  #remove(subject: string): void {
    const old = this.#bySubject.get(subject);
    if (old === undefined) return;
    this.#bySubject.delete(subject);
    this.#leave(old);
    old.removed = true;
  }

  #prune(): void {
    const counts = [...this.#buckets.keys()].sort((a, b) => b - a);
    for (const count of counts) {
      const bucket = this.#buckets.get(count);
      if (bucket === undefined) continue;
      for (const b of bucket.items.slice(bucket.head)) {
        if (this.#bySubject.size <= this.#max) return;
        if (!b.removed && b.transmits === count) this.#remove(b.subject);
      }
    }
  }
}

/** memberlist's retransmitLimit: retransmitMult × ceil(log10(n + 1)). */
export function retransmitLimit(retransmitMult: number, members: number): number {
  return retransmitMult * Math.ceil(Math.log10(members + 1));
}
