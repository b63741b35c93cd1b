import type { Logger } from '../core/index.js';
import { formatAddress } from './address.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue, retransmitLimit } from './broadcast-queue.js';
import { Emitter } from '../core/emitter.js';
import type { Suspicion } from './suspicion.js';
import type {
  ButterflyDeps,
  ButterflyStats,
  Member,
  MemberId,
  MemberState,
  MembershipEvents,
  ResolvedOptions,
} from './types.js';
import { COMPOUND_HEADER, COMPOUND_PART_OVERHEAD, encodePart, framePacket } from './wire/codec.js';
import type { MemberWire, Message } from './wire/messages.js';
import { LIMITS } from './constants.js';
import { MemberCoordinates } from './coordinates.js';

/** What we keep about a member; `Member` is its read-only snapshot. */
export interface MemberRecord {
  id: MemberId;
  name: string;
  address: string;
  gossipPort: number;
  incarnation: number;
  state: MemberState;
  persistent: boolean;
  tags: Record<string, string>;
  stateChangedAt: number;
  /** "host:port", cached. */
  transportAddress: string;
}

export function snapshot(m: MemberRecord): Member {
  return Object.freeze({
    id: m.id,
    name: m.name,
    address: m.address,
    gossipPort: m.gossipPort,
    incarnation: m.incarnation,
    state: m.state,
    persistent: m.persistent,
    tags: Object.freeze({ ...m.tags }),
    stateChangedAt: m.stateChangedAt,
  });
}

export function toWire(m: MemberRecord): MemberWire {
  return {
    id: m.id,
    name: m.name,
    address: m.address,
    gossipPort: m.gossipPort,
    incarnation: m.incarnation,
    persistent: m.persistent,
    tags: m.tags,
  };
}

export function recordFromWire(w: MemberWire, state: MemberState, now: number): MemberRecord {
  return { ...w, tags: { ...w.tags }, state, stateChangedAt: now, transportAddress: formatAddress(w.address, w.gossipPort) };
}

/** Counts in `activeCount`: members that still take part (probed, gossiped to, counted for timeouts). */
function isActive(state: MemberState): boolean {
  return state === 'alive' || state === 'suspect' || state === 'failed';
}

/**
 * The state one membership instance shares between its parts (probing,
 * gossip, push-pull, message handlers): the member table, the broadcast
 * queue, the suspicion timers, the local health, counters and events.
 */
export class Context {
  readonly deps: ButterflyDeps;
  readonly opts: ResolvedOptions;
  readonly logger: Logger;
  readonly self: MemberRecord;
  readonly members = new Map<MemberId, MemberRecord>();
  /** Every member, including self, for random picks; kept in step with `members`. */
  readonly list: MemberRecord[] = [];
  /** Ids departed for good; they stay here after their records are reaped. */
  readonly departedIds = new Set<MemberId>();
  readonly suspicions = new Map<MemberId, Suspicion>();
  readonly queue: BroadcastQueue;
  readonly awareness: Awareness;
  readonly events: Emitter<MembershipEvents>;
  readonly stats: ButterflyStats;
  /** Network coordinates (ours and the last each member reported); undefined when disableCoordinates is set. */
  readonly coordinates: MemberCoordinates | undefined;
  /** Called with the body of each rumor message received (set by the rumor layer). */
  onRumor: ((from: string, body: Uint8Array) => void) | undefined;
  /** Called when a member we do not know pings us: gossip missed it, so a sync is due. */
  onUnknownSender: ((from: string, id: MemberId) => void) | undefined;
  /** Called after news is queued, so it can go out before the next gossip round (set by Butterfly). */
  onNews: (() => void) | undefined;
  /** Rumor-store state carried by full syncs (set by the rumor layer). */
  rumorSync: { collect(): Uint8Array[]; merge(parts: readonly Uint8Array[], from: string): void } | undefined;
  running = false;
  leaving = false;
  /** Bumped on every change to the member table (Habitat's member list update_counter). */
  updateCounter = 0;
  #activeCount = 0;
  #byState: Record<MemberState, number> = { alive: 0, suspect: 0, failed: 0, left: 0, departed: 0 };
  #seq = 0;

  constructor(deps: ButterflyDeps, opts: ResolvedOptions, self: MemberRecord) {
    this.deps = deps;
    this.opts = opts;
    this.logger = deps.logger.child({ component: 'butterfly' });
    this.self = self;
    this.coordinates = opts.disableCoordinates ? undefined : new MemberCoordinates(deps.random);
    this.awareness = new Awareness(opts.lifeguard ? opts.awarenessMaxMultiplier : 1);
    this.queue = new BroadcastQueue(() => retransmitLimit(opts.retransmitMult, this.activeCount), opts.maxQueuedBroadcasts);
    this.events = new Emitter<MembershipEvents>((err, event) =>
      this.logger.error({ err, event }, 'membership event listener threw'),
    );
    this.stats = {
      packetsReceived: 0,
      packetsSent: 0,
      bytesSent: 0,
      dropped: {},
      messagesReceived: {},
      probes: 0,
      probesFailed: 0,
      indirectProbes: 0,
      nacksReceived: 0,
      suspicionsRaised: 0,
      refutations: 0,
      pushPulls: 0,
      pushPullFailures: 0,
      healthScore: 0,
      queuedBroadcasts: 0,
    };
    this.addMember(self);
  }

  get now(): number {
    return this.deps.clock.now();
  }

  /** Members that are alive, suspect or failed (not left, not departed): the n of the timeout formulas. */
  get activeCount(): number {
    return this.#activeCount;
  }

  /** How many members (ourselves included) are in `state`. */
  countIn(state: MemberState): number {
    return this.#byState[state];
  }

  nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  addMember(m: MemberRecord): void {
    this.members.set(m.id, m);
    this.list.push(m);
    this.updateCounter++;
    this.#byState[m.state]++;
    if (isActive(m.state)) this.#activeCount++;
  }

  removeMember(m: MemberRecord): void {
    if (this.members.get(m.id) !== m) return;
    this.members.delete(m.id);
    this.coordinates?.forget(m.id);
    this.updateCounter++;
    const i = this.list.indexOf(m);
    if (i >= 0) {
      this.list[i] = this.list[this.list.length - 1]!;
      this.list.pop();
    }
    this.#byState[m.state]--;
    if (isActive(m.state)) this.#activeCount--;
  }

  setState(m: MemberRecord, state: MemberState): void {
    if (m.state === state) return;
    this.updateCounter++;
    if (this.members.get(m.id) === m) {
      this.#activeCount += Number(isActive(state)) - Number(isActive(m.state));
      this.#byState[m.state]--;
      this.#byState[state]++;
    }
    m.state = state;
    m.stateChangedAt = this.now;
  }

  /** Emits a member event, taking the snapshot only when someone listens. */
  emitMember(event: 'joined' | 'alive' | 'updated' | 'suspect' | 'failed' | 'left' | 'departed' | 'reaped', m: MemberRecord): void {
    if (this.events.listenerCount(event) > 0) this.events.emit(event, snapshot(m));
  }

  count(name: string, by = 1): void {
    this.deps.metrics?.count(`butterfly_${name}`, by);
  }

  drop(reason: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    this.count(`dropped_${reason.replace(/-/g, '_')}`);
  }

  /** Queues a message about `subject` (a member id or rumor key) for piggybacking and gossip. */
  broadcast(subject: string, message: Message): void {
    this.queue.enqueue(subject, encodePart(message));
    this.onNews?.();
  }

  /**
   * Sends `messages` to `to` in one packet, filling the room left under the
   * packet budget with queued broadcasts.
   */
  send(to: string, messages: readonly Message[]): void {
    const parts = messages.map(encodePart);
    let used = COMPOUND_HEADER;
    for (const p of parts) used += COMPOUND_PART_OVERHEAD + p.byteLength;
    const extra = this.queue.take(this.opts.packetBudget - used, COMPOUND_PART_OVERHEAD, LIMITS.compoundParts - parts.length);
    this.sendParts(to, parts.concat(extra));
  }

  /** Sends already-encoded parts; returns false when there were none. */
  sendParts(to: string, parts: Uint8Array[]): boolean {
    if (parts.length === 0) return false;
    const packet = framePacket(parts);
    this.stats.packetsSent++;
    this.stats.bytesSent += packet.byteLength;
    this.deps.packets.send(to, packet);
    return true;
  }

  /**
   * Up to `k` distinct random members passing `filter` (memberlist's
   * kRandomNodes: at most 3n tries, so a sparse filter stays cheap).
   */
  randomMembers(k: number, filter: (m: MemberRecord) => boolean): MemberRecord[] {
    const out: MemberRecord[] = [];
    const n = this.list.length;
    const random = this.deps.random;
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const m = this.list[random.int(n)]!;
      if (m === this.self || !filter(m) || out.includes(m)) continue;
      out.push(m);
    }
    return out;
  }
}
