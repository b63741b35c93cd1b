import type { LogIndex } from './types.js';

/** Consul's tombstone_ttl: how long a deleted key's tombstone outlives it. */
export const DEFAULT_TOMBSTONE_TTL_MS = 15 * 60_000;
/** Consul's tombstone granularity: samples this far apart bound the work. */
export const TOMBSTONE_GRANULARITY_MS = 30_000;

interface Sample {
  at: number;
  index: LogIndex;
}

/**
 * The leader's tombstone collector (Consul's TombstoneGC). A tombstone keeps
 * a prefix's index from going backwards for blocking queries parked across
 * a delete; once every such query has had `ttlMs` to see it, it can go.
 * The state machine reads no clock, so the leader samples the applied index
 * every `granularityMs` and, when a sample is `ttlMs` old, proposes reaping
 * every tombstone at or below it. Samples live only on the leader; a new
 * leader starts over, which only delays the reap.
 */
export class TombstoneGc {
  readonly #samples: Sample[] = [];
  #reapedUpTo: LogIndex = 0;

  readonly #granularityMs: number;

  // A short TTL (tests, tuning) samples proportionally more often, or it would be rounded up to the granularity.
  constructor(private readonly ttlMs = DEFAULT_TOMBSTONE_TTL_MS, granularityMs = Math.min(TOMBSTONE_GRANULARITY_MS, ttlMs / 4)) {
    this.#granularityMs = granularityMs;
  }

  /**
   * Called periodically on the leader with the clock and the applied index.
   * Returns the index to reap up to, or undefined when nothing is due.
   */
  due(now: number, appliedIndex: LogIndex): LogIndex | undefined {
    const last = this.#samples[this.#samples.length - 1];
    if (last === undefined || now - last.at >= this.#granularityMs) {
      if (last === undefined || appliedIndex > last.index) this.#samples.push({ at: now, index: appliedIndex });
    }
    let upTo: LogIndex | undefined;
    while (this.#samples.length > 0 && now - this.#samples[0]!.at >= this.ttlMs) upTo = this.#samples.shift()!.index;
    if (upTo === undefined || upTo <= this.#reapedUpTo) return undefined;
    return upTo;
  }

  /** The reap up to `index` was committed. */
  reaped(index: LogIndex): void {
    if (index > this.#reapedUpTo) this.#reapedUpTo = index;
  }

  /** Leadership lost: what was sampled no longer leads to anything. */
  reset(): void {
    this.#samples.length = 0;
  }
}
