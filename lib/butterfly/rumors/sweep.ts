import type { RumorState } from './state.js';
import type { ServiceRumor } from './types.js';

/**
 * The rumor lifecycle, run every `rumorSweepIntervalMs`:
 * - a withdrawn service's tombstone is forgotten `serviceTombstoneTtlMs` after it was stored;
 * - the service rumors of a member that departed, left, or is no longer in
 *   the member table are purged `departedRumorTtlMs` after that was first seen;
 * - departed member ids known to the membership are recorded as departure rumors.
 * So the stores hold what live members publish plus a bounded tail of the recently gone.
 */
export class Sweeper {
  #state: RumorState;
  /** Member id → when the sweep first saw it gone (departed, left or unknown). */
  #goneSince = new Map<string, number>();

  constructor(state: RumorState) {
    this.#state = state;
  }

  /** Members whose rumors are waiting out the purge delay. */
  get waiting(): number {
    return this.#goneSince.size;
  }

  sweep(): void {
    const state = this.#state;
    const ctx = state.ctx;
    const now = state.now;
    for (const id of ctx.departedIds) state.recordDeparture(id);
    const expired: ServiceRumor[] = [];
    const purged: ServiceRumor[] = [];
    const stillGone = new Set<string>();
    for (const [, memberId, entry] of state.services.entries()) {
      const r = entry.rumor;
      if (r.withdrawn) {
        if (now - entry.storedAt >= state.opts.serviceTombstoneTtlMs) expired.push(r);
        continue;
      }
      if (memberId === ctx.self.id || !this.#gone(memberId)) continue;
      stillGone.add(memberId);
      let since = this.#goneSince.get(memberId);
      if (since === undefined) {
        since = now;
        this.#goneSince.set(memberId, now);
      }
      if (now - since >= state.opts.departedRumorTtlMs) purged.push(r);
    }
    for (const id of this.#goneSince.keys()) if (!stillGone.has(id)) this.#goneSince.delete(id);
    for (const r of expired) state.forget('service', r.group, r.memberId);
    for (const r of purged) {
      state.forget('service', r.group, r.memberId);
      state.events.emit('serviceChanged', { current: undefined, previous: r, reason: 'purged' });
    }
  }

  #gone(id: string): boolean {
    const ctx = this.#state.ctx;
    if (ctx.departedIds.has(id)) return true;
    const m = ctx.members.get(id);
    return m === undefined || m.state === 'left' || m.state === 'departed';
  }
}
