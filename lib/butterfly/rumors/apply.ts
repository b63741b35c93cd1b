import { departMember } from '../state.js';
import { encodeRumor } from './codec.js';
import type { LargeFetcher } from './large.js';
import type { RumorSource, RumorState } from './state.js';
import type { RumorWire, ServiceRumor } from './types.js';
import { matchesFilters } from './user-events.js';

export interface ApplyEnv {
  state: RumorState;
  large: LargeFetcher;
  /** The groups this member publishes live, for user-event service filters. */
  localServices(): string[];
}

type Handler<K extends RumorWire['kind']> = (env: ApplyEnv, r: Extract<RumorWire, { kind: K }>, encoded: Uint8Array, src: RumorSource) => void;

/**
 * A claim about one of our own services that is newer than what we hold
 * (we restarted, or a tombstone of ours expired): a service we publish is
 * re-announced above it; one we do not publish is withdrawn above it.
 */
function refuteOwnService(env: ApplyEnv, r: ServiceRumor, encoded: Uint8Array, src: RumorSource): void {
  const { state } = env;
  const held = state.services.get(r.group, r.memberId)?.rumor;
  state.selfIncarnations.set(r.group, Math.max(state.selfIncarnations.get(r.group) ?? 0, r.incarnation));
  if (held !== undefined && !held.withdrawn) {
    const again: ServiceRumor = { ...held, incarnation: r.incarnation + 1, expiresInMs: 0 };
    state.store(again, encodeRumor(again), true);
    return;
  }
  if (r.withdrawn) {
    state.store(r, encoded, src.gossip);
    return;
  }
  const tombstone: ServiceRumor = { ...r, incarnation: r.incarnation + 1, cfg: '', withdrawn: true, expiresInMs: state.opts.serviceTombstoneTtlMs };
  state.store(tombstone, encodeRumor(tombstone), true);
}

/** One handler per rumor kind. */
export const RUMOR_HANDLERS: { [K in RumorWire['kind']]: Handler<K> } = {
  service: (env, r, encoded, src) => {
    const { state } = env;
    const ctx = state.ctx;
    if (ctx.departedIds.has(r.memberId)) {
      state.ignore();
      return;
    }
    const held = state.services.get(r.group, r.memberId);
    if (held !== undefined && r.incarnation <= held.rumor.incarnation) {
      state.ignore();
      return;
    }
    if (r.memberId === ctx.self.id) {
      refuteOwnService(env, r, encoded, src);
      return;
    }
    // A full sync merges members before rumors, so a member still unknown, or
    // known to have left, is one the other side no longer counts either: its
    // rumors are not taken back after we purged them. Gossip is news, and
    // may outrun the member's own alive message, so it is taken.
    if (!src.gossip && !r.withdrawn) {
      const m = ctx.members.get(r.memberId);
      if (m === undefined || m.state === 'left' || m.state === 'departed') {
        state.ignore();
        return;
      }
    }
    state.store(r, encoded, src.gossip);
  },

  config: ({ state }, r, encoded, src) => {
    state.store(r, encoded, src.gossip);
  },

  file: ({ state }, r, encoded, src) => {
    state.store(r, encoded, src.gossip);
  },

  departure: ({ state }, r) => {
    const known = state.ctx.departedIds.has(r.memberId);
    departMember(state.ctx, r.memberId);
    if (!state.recordDeparture(r.memberId) && known) state.ignore();
  },

  event: (env, e, _encoded, src) => {
    const { state } = env;
    state.userEvents.witness(e.ltime);
    if (!state.userEvents.add(e)) {
      state.ignore();
      return;
    }
    if (src.gossip) state.gossipEvent(e);
    const self = state.ctx.self;
    if (matchesFilters(e, { id: self.id, name: self.name, tags: self.tags, services: env.localServices() })) {
      state.events.emit('event', e);
    }
  },

  header: (env, h, _encoded, src) => {
    env.large.onHeader(h, src);
  },
};

export function applyRumor(env: ApplyEnv, r: RumorWire, encoded: Uint8Array, src: RumorSource): void {
  (RUMOR_HANDLERS[r.kind] as Handler<RumorWire['kind']>)(env, r as never, encoded, src);
}
