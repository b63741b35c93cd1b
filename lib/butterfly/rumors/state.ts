import type { Context } from '../context.js';
import { Emitter } from '../../core/emitter.js';
import { encodeRumor } from './codec.js';
import type { ResolvedRumorOptions } from './constants.js';
import { RumorStore, type StoreEntry } from './store.js';
import type {
  DepartureRumor,
  LargeKind,
  RumorChange,
  RumorCounters,
  RumorEvents,
  RumorHeader,
  ServiceConfigRumor,
  ServiceFileRumor,
  ServiceRumor,
  StoredRumor,
  UserEventRumor,
} from './types.js';
import { eventKey, UserEventBuffer } from './user-events.js';

/** How a rumor reached us: over gossip (passed on) or a full sync (not passed on: the other side syncs too). */
export interface RumorSource {
  /** The packet or stream peer's address. */
  from: string;
  gossip: boolean;
}

/** The identity of a stored rumor: kind, key and id. */
export function identityOf(r: StoredRumor): { of: LargeKind; group: string; name: string } {
  switch (r.kind) {
    case 'service':
      return { of: 'service', group: r.group, name: r.memberId };
    case 'config':
      return { of: 'config', group: r.group, name: '' };
    case 'file':
      return { of: 'file', group: r.group, name: r.filename };
  }
}

export function versionOf(r: StoredRumor): number {
  return r.kind === 'service' ? r.incarnation : r.version;
}

export function subjectOf(of: LargeKind, group: string, name: string): string {
  return `rumor\u0000${of}\u0000${group}\u0000${name}`;
}

/**
 * What the rumor layer's parts share: the stores, the user-event buffer,
 * counters and events, and the way out to the broadcast queue.
 */
export class RumorState {
  readonly ctx: Context;
  readonly opts: ResolvedRumorOptions;
  readonly services: RumorStore<ServiceRumor>;
  readonly configs: RumorStore<ServiceConfigRumor>;
  readonly files: RumorStore<ServiceFileRumor>;
  readonly departures: RumorStore<DepartureRumor>;
  readonly userEvents: UserEventBuffer;
  readonly events: Emitter<RumorEvents>;
  readonly counters = { ignored: 0, malformed: 0, largeFetches: 0, largeFetchFailures: 0 };
  /** The highest incarnation seen for each group this member published: a republish goes above it. */
  readonly selfIncarnations = new Map<string, number>();

  constructor(ctx: Context, opts: ResolvedRumorOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.services = new RumorStore('service', (r) => r.incarnation, opts.maxServiceRumors);
    this.configs = new RumorStore('service_config', (r) => r.version, opts.maxConfigRumors);
    this.files = new RumorStore('service_file', (r) => r.version, opts.maxFileRumors);
    this.departures = new RumorStore('departure', () => 0, opts.maxDepartureRumors);
    this.userEvents = new UserEventBuffer(opts.eventBufferSize);
    this.events = new Emitter<RumorEvents>((err, event) => ctx.logger.error({ err, event }, 'rumor event listener threw'));
  }

  get now(): number {
    return this.ctx.now;
  }

  storeOf(of: LargeKind): RumorStore<StoredRumor> {
    return (of === 'service' ? this.services : of === 'config' ? this.configs : this.files) as RumorStore<StoredRumor>;
  }

  held(of: LargeKind, group: string, name: string): StoreEntry<StoredRumor> | undefined {
    return this.storeOf(of).get(group, name);
  }

  ignore(): void {
    this.counters.ignored++;
    this.ctx.count('rumors_ignored');
  }

  malformed(reason: string): void {
    this.counters.malformed++;
    this.ctx.drop(`rumor-${reason}`);
  }

  counterValues(): RumorCounters {
    return {
      service: this.services.updateCounter,
      serviceConfig: this.configs.updateCounter,
      serviceFile: this.files.updateCounter,
      departure: this.departures.updateCounter,
      event: this.userEvents.updateCounter,
      ...this.counters,
    };
  }

  /** The header announcing a stored rumor, naming this member as the holder. */
  header(r: StoredRumor, size: number): RumorHeader {
    const id = identityOf(r);
    return { kind: 'header', of: id.of, group: id.group, name: id.name, version: versionOf(r), size, holder: this.ctx.self.transportAddress };
  }

  /**
   * What a full sync or gossip carries for a stored rumor: the rumor itself,
   * or its header when it is too large for a packet. A tombstone is encoded
   * afresh with the time it has left.
   */
  syncPart(entry: StoreEntry<StoredRumor>): Uint8Array {
    const r = entry.rumor;
    if (r.kind === 'service' && r.withdrawn) {
      // Whole milliseconds: the wire carries integers, and a real clock has fractions.
      const left = Math.max(0, Math.floor(this.opts.serviceTombstoneTtlMs - (this.now - entry.storedAt)));
      return encodeRumor({ ...r, expiresInMs: left });
    }
    return entry.encoded.byteLength > this.opts.maxInlineRumorBytes ? encodeRumor(this.header(r, entry.encoded.byteLength)) : entry.encoded;
  }

  /** Queues a stored rumor for gossip (its header when large); it replaces any queued older version. */
  gossipStored(entry: StoreEntry<StoredRumor>): void {
    const id = identityOf(entry.rumor);
    this.ctx.broadcast(subjectOf(id.of, id.group, id.name), { type: 'rumor', body: this.syncPart(entry) });
  }

  gossipEvent(e: UserEventRumor): void {
    this.ctx.broadcast(`event\u0000${eventKey(e)}`, { type: 'rumor', body: encodeRumor(e) });
  }

  /** Stores a rumor (already known to be newer or new), emits its change event and gossips it when asked. */
  store(r: StoredRumor, encoded: Uint8Array, gossip: boolean): boolean {
    const id = identityOf(r);
    const store = this.storeOf(id.of);
    const previous = store.get(id.group, id.name)?.rumor;
    // A tombstone counts as stored as long ago as its sender's copy, so it expires when the original does.
    const ttl = this.opts.serviceTombstoneTtlMs;
    const storedAt = r.kind === 'service' && r.withdrawn ? this.now - (ttl - Math.min(ttl, r.expiresInMs)) : this.now;
    const result = store.insert(id.group, id.name, r, encoded, storedAt);
    if (result === 'stale' || result === 'full') {
      this.ignore();
      return false;
    }
    if (gossip) this.gossipStored(store.get(id.group, id.name)!);
    this.emitChange(r, previous);
    return true;
  }

  emitChange(r: StoredRumor, previous: StoredRumor | undefined): void {
    switch (r.kind) {
      case 'service': {
        const prev = previous as ServiceRumor | undefined;
        const live = prev !== undefined && !prev.withdrawn ? prev : undefined;
        if (r.withdrawn && live === undefined) return;
        const change: RumorChange<ServiceRumor> = r.withdrawn
          ? { current: undefined, previous: live, reason: 'withdrawn' }
          : { current: r, previous: live, reason: 'update' };
        this.events.emit('serviceChanged', change);
        return;
      }
      case 'config':
        this.events.emit('configChanged', { current: r, previous: previous as ServiceConfigRumor | undefined, reason: 'update' });
        return;
      case 'file':
        this.events.emit('fileChanged', { current: r, previous: previous as ServiceFileRumor | undefined, reason: 'update' });
        return;
    }
  }

  /** Drops a stored rumor and whatever of it waits in the queue. */
  forget(of: LargeKind, group: string, name: string): StoreEntry<StoredRumor> | undefined {
    this.ctx.queue.forget(subjectOf(of, group, name));
    return this.storeOf(of).delete(group, name);
  }

  /** Records a departure; false when it was already known or the store is full. */
  recordDeparture(memberId: string): boolean {
    if (this.departures.get('departure', memberId) !== undefined) return false;
    const rumor: DepartureRumor = { kind: 'departure', memberId };
    if (this.departures.insert('departure', memberId, rumor, encodeRumor(rumor), this.now) !== 'new') return false;
    this.events.emit('departure', rumor);
    return true;
  }
}
