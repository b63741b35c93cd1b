import type { Tags } from '../types.js';
import type { UserEventRumor } from './types.js';

/**
 * User events (serf's): a Lamport clock orders them; the newest `capacity`
 * are kept so duplicates arriving by other paths are recognised, and an
 * event older than everything in a full buffer is ignored as stale.
 */
export class UserEventBuffer {
  readonly capacity: number;
  /** The next Lamport time this member will stamp an event with. */
  #clock = 0;
  #byKey = new Map<string, UserEventRumor>();
  /** Kept sorted by ltime (then key) so the oldest is at the front. */
  #order: UserEventRumor[] = [];
  updateCounter = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get clock(): number {
    return this.#clock;
  }

  get size(): number {
    return this.#order.length;
  }

  /** Stamps a new event with the local Lamport time and advances it. */
  nextTime(): number {
    return this.#clock++;
  }

  /** Moves the clock past a time seen from someone else. */
  witness(ltime: number): void {
    if (ltime >= this.#clock) this.#clock = ltime + 1;
  }

  /** Adds an event; false when it is a duplicate or older than all the kept ones. */
  add(e: UserEventRumor): boolean {
    const key = eventKey(e);
    if (this.#byKey.has(key)) return false;
    const oldest = this.#order[0];
    if (this.#order.length >= this.capacity && oldest !== undefined && compare(e, oldest) < 0) return false;
    this.#byKey.set(key, e);
    let i = this.#order.length;
    while (i > 0 && compare(this.#order[i - 1]!, e) > 0) i--;
    this.#order.splice(i, 0, e);
    while (this.#order.length > this.capacity) {
      const dropped = this.#order.shift()!;
      this.#byKey.delete(eventKey(dropped));
    }
    this.updateCounter++;
    return true;
  }

  /** The kept events, oldest first. */
  list(): UserEventRumor[] {
    return [...this.#order];
  }
}

export function eventKey(e: UserEventRumor): string {
  return `${e.origin}\u0000${e.ltime}\u0000${e.name}`;
}

function compare(a: UserEventRumor, b: UserEventRumor): number {
  if (a.ltime !== b.ltime) return a.ltime - b.ltime;
  const ka = eventKey(a);
  const kb = eventKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Who this member is, for matching an event's filters. */
export interface EventTarget {
  id: string;
  name: string;
  tags: Tags;
  /** The service groups this member publishes. */
  services: readonly string[];
}

/** True when the event's node, service and tag filters all match `target` (serf's shouldProcess). */
export function matchesFilters(e: UserEventRumor, target: EventTarget): boolean {
  if (e.nodeFilter !== '') {
    const re = new RegExp(e.nodeFilter);
    if (!re.test(target.name) && !re.test(target.id)) return false;
  }
  if (e.serviceFilter !== '') {
    const re = new RegExp(e.serviceFilter);
    if (!target.services.some((s) => re.test(s))) return false;
  }
  for (const [tag, pattern] of Object.entries(e.tagFilters)) {
    const value = target.tags[tag];
    if (value === undefined || !new RegExp(pattern).test(value)) return false;
  }
  return true;
}
