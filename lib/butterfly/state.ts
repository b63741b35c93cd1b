import { type Context, type MemberRecord, recordFromWire, toWire } from './context.js';
import { formatAddress } from './address.js';
import { Suspicion, suspicionTimeout } from './suspicion.js';
import type { Incarnation, MemberId } from './types.js';
import type { MemberWire } from './wire/messages.js';

/**
 * The membership merge rules (memberlist state.go aliveNode / suspectNode /
 * deadNode, plus Habitat's departure). Each takes a claim about a member,
 * decides whether it is news, updates the table, re-gossips news and emits
 * events. Claims about ourselves that say we are not alive are refuted by
 * raising our incarnation.
 */

function tagsEqual(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

function cancelSuspicion(ctx: Context, id: MemberId): void {
  const s = ctx.suspicions.get(id);
  if (s !== undefined) {
    s.cancel();
    ctx.suspicions.delete(id);
  }
}

/** Announces ourselves again with an incarnation above `over`, so our alive claim wins over the rumor. */
export function refute(ctx: Context, over: Incarnation): void {
  const self = ctx.self;
  self.incarnation = Math.max(self.incarnation, over) + 1;
  ctx.updateCounter++;
  ctx.stats.refutations++;
  ctx.count('refutations');
  if (ctx.opts.lifeguard) ctx.awareness.applyDelta(1);
  ctx.broadcast(self.id, { type: 'alive', member: toWire(self) });
  ctx.events.emit('incarnation', self.incarnation);
}

export interface AliveOptions {
  /** Do not re-gossip a member that is new to us (learned from a joiner's full sync, it is news to nobody). */
  quietIfNew?: boolean;
}

export function aliveMember(ctx: Context, a: MemberWire, options: AliveOptions = {}): void {
  if (ctx.departedIds.has(a.id)) return;
  const self = ctx.self;
  if (a.id === self.id) {
    if (ctx.leaving || self.state === 'departed') return;
    if (a.incarnation < self.incarnation) return;
    const same = a.incarnation === self.incarnation && a.address === self.address && a.gossipPort === self.gossipPort && tagsEqual(a.tags, self.tags) && a.name === self.name && a.persistent === self.persistent;
    if (!same) refute(ctx, a.incarnation);
    return;
  }
  const existing = ctx.members.get(a.id);
  if (existing === undefined) {
    const m = recordFromWire(a, 'alive', ctx.now);
    ctx.addMember(m);
    if (!options.quietIfNew) ctx.broadcast(a.id, { type: 'alive', member: a });
    ctx.emitMember('joined', m);
    return;
  }
  if (a.incarnation <= existing.incarnation) return;
  cancelSuspicion(ctx, a.id);
  ctx.broadcast(a.id, { type: 'alive', member: a });
  const before = existing.state;
  const changed =
    existing.address !== a.address || existing.gossipPort !== a.gossipPort || !tagsEqual(existing.tags, a.tags) || existing.name !== a.name;
  existing.incarnation = a.incarnation;
  existing.name = a.name;
  existing.address = a.address;
  existing.gossipPort = a.gossipPort;
  existing.persistent = a.persistent;
  existing.tags = { ...a.tags };
  existing.transportAddress = formatAddress(a.address, a.gossipPort);
  ctx.updateCounter++;
  ctx.setState(existing, 'alive');
  if (before === 'failed' || before === 'left') ctx.emitMember('joined', existing);
  else if (before === 'suspect') ctx.emitMember('alive', existing);
  if (changed && before === 'alive') ctx.emitMember('updated', existing);
}

export function suspectMember(ctx: Context, id: MemberId, incarnation: Incarnation, from: MemberId): void {
  const m = ctx.members.get(id);
  if (m === undefined || m.state === 'departed') return;
  if (incarnation < m.incarnation) return;
  const timer = ctx.suspicions.get(id);
  if (timer !== undefined) {
    if (timer.confirm(from)) ctx.broadcast(id, { type: 'suspect', id, incarnation, from });
    return;
  }
  if (m.state !== 'alive') return;
  if (m === ctx.self) {
    if (!ctx.leaving) refute(ctx, incarnation);
    return;
  }
  ctx.broadcast(id, { type: 'suspect', id, incarnation, from });
  m.incarnation = incarnation;
  ctx.setState(m, 'suspect');
  ctx.stats.suspicionsRaised++;
  ctx.count('suspicions');
  startSuspicion(ctx, m, from);
  ctx.emitMember('suspect', m);
}

function startSuspicion(ctx: Context, m: MemberRecord, from: MemberId): void {
  const o = ctx.opts;
  const n = ctx.activeCount;
  // k confirmations bring the timeout down to the minimum two probe periods
  // before the nominal one; with too few members to confirm, expect none.
  let k = o.lifeguard ? o.suspicionMult - 2 : 0;
  if (n - 2 < k) k = 0;
  const min = suspicionTimeout(o.suspicionMult, n, o.probeIntervalMs);
  const max = o.lifeguard ? o.suspicionMaxTimeoutMult * min : min;
  const changedAt = m.stateChangedAt;
  const suspicion = new Suspicion(ctx.deps.clock, from, k, min, max, () => {
    ctx.suspicions.delete(m.id);
    const current = ctx.members.get(m.id);
    if (current === m && m.state === 'suspect' && m.stateChangedAt === changedAt) {
      deadMember(ctx, m.id, m.incarnation, ctx.self.id);
    }
  });
  ctx.suspicions.set(m.id, suspicion);
}

/** A member failed, or left when `from` is the member itself. */
export function deadMember(ctx: Context, id: MemberId, incarnation: Incarnation, from: MemberId): void {
  const m = ctx.members.get(id);
  if (m === undefined || m.state === 'departed') return;
  if (incarnation < m.incarnation) return;
  cancelSuspicion(ctx, id);
  const left = from === id;
  // A member we gave up on that now says it left did leave (serf's leave
  // intent does the same): otherwise a server slow to answer probes while it
  // shuts down would stay "failed" and be waited for instead of removed.
  if (m.state === 'failed' && left && m !== ctx.self) {
    ctx.broadcast(id, { type: 'dead', id, incarnation, from });
    m.incarnation = incarnation;
    ctx.setState(m, 'left');
    ctx.count('members_left');
    ctx.emitMember('left', m);
    return;
  }
  if (m.state === 'failed' || m.state === 'left') return;
  if (m === ctx.self) {
    if (!ctx.leaving) {
      refute(ctx, incarnation);
      return;
    }
  }
  ctx.broadcast(id, { type: 'dead', id, incarnation, from });
  m.incarnation = incarnation;
  ctx.setState(m, left ? 'left' : 'failed');
  ctx.count(left ? 'members_left' : 'members_failed');
  ctx.emitMember(left ? 'left' : 'failed', m);
}

/** Departs a member for good: it is never taken back alive under this id. */
export function departMember(ctx: Context, id: MemberId): void {
  if (ctx.departedIds.has(id)) return;
  ctx.departedIds.add(id);
  cancelSuspicion(ctx, id);
  ctx.broadcast(id, { type: 'departed', id });
  const m = ctx.members.get(id);
  if (m !== undefined) {
    ctx.setState(m, 'departed');
    ctx.emitMember('departed', m);
  }
  if (id === ctx.self.id) ctx.events.emit('selfDeparted');
}
