import { StreamKind } from '../../net/types.js';
import { DecodeError } from '../errors.js';
import { decodeFetchReply, decodeFetchRequest, decodeRumor, encodeFetchReply, encodeFetchRequest } from './codec.js';
import { identityOf, type RumorSource, type RumorState, subjectOf, versionOf } from './state.js';
import type { RumorHeader, RumorWire } from './types.js';

/**
 * Rumors too large for a packet (big configs and files, services with large
 * exported config): gossip and full syncs carry only a header naming a
 * holder; a member that lacks that version pulls the body over a
 * `LargeRumor` stream from the holder, or else from whoever passed the
 * header on, then announces itself as a holder. One fetch per rumor at a
 * time; a failed one is retried when the next header arrives.
 */
export class LargeFetcher {
  #state: RumorState;
  #apply: (r: RumorWire, encoded: Uint8Array, src: RumorSource) => void;
  #inflight = new Map<string, number>();

  constructor(state: RumorState, apply: (r: RumorWire, encoded: Uint8Array, src: RumorSource) => void) {
    this.#state = state;
    this.#apply = apply;
  }

  /** Fetches in progress. */
  get inflight(): number {
    return this.#inflight.size;
  }

  onHeader(h: RumorHeader, src: RumorSource): void {
    const state = this.#state;
    const held = state.held(h.of, h.group, h.name);
    if ((held !== undefined && h.version <= versionOf(held.rumor)) || (h.of === 'service' && state.ctx.departedIds.has(h.name))) {
      state.ignore();
      return;
    }
    const subject = subjectOf(h.of, h.group, h.name);
    const pending = this.#inflight.get(subject);
    if (pending !== undefined && pending >= h.version) return;
    this.#inflight.set(subject, h.version);
    void this.#fetch(h, src).finally(() => {
      if (this.#inflight.get(subject) === h.version) this.#inflight.delete(subject);
    });
  }

  async #fetch(h: RumorHeader, src: RumorSource): Promise<void> {
    const state = this.#state;
    const ctx = state.ctx;
    const self = ctx.self.transportAddress;
    const sources = [...new Set([h.holder, src.from])].filter((a) => a !== self);
    const maxBytes = Math.min(ctx.opts.maxStreamMessageBytes, state.opts.maxFileBytes + state.opts.maxConfigBytes + 4096);
    for (const address of sources) {
      if (!ctx.running) return;
      state.counters.largeFetches++;
      try {
        const reply = await ctx.deps.streams.request(address, StreamKind.LargeRumor, encodeFetchRequest(h), ctx.opts.streamTimeoutMs);
        if (!ctx.running) return;
        const body = decodeFetchReply(reply, maxBytes);
        if (body === undefined) throw new DecodeError('field', 'not held');
        const r = decodeRumor(body, state.opts);
        if (r.kind !== h.of || versionOf(r) < h.version || !sameIdentity(r, h)) throw new DecodeError('field', 'fetched rumor does not match its header');
        this.#apply(r, body, { from: address, gossip: src.gossip });
        return;
      } catch (err) {
        state.counters.largeFetchFailures++;
        ctx.count('rumor_fetch_failures');
        ctx.logger.debug({ err, address, group: h.group, name: h.name }, 'large rumor fetch failed');
      }
    }
  }

  /** The `LargeRumor` stream handler: the body of the version asked for (or newer), or an empty reply. */
  serve(_from: string, request: Uint8Array): Promise<Uint8Array> {
    const state = this.#state;
    try {
      const req = decodeFetchRequest(request);
      const held = state.held(req.of, req.group, req.name);
      const ok = held !== undefined && versionOf(held.rumor) >= req.version;
      return Promise.resolve(encodeFetchReply(ok ? held.encoded : undefined));
    } catch (err) {
      state.malformed(err instanceof DecodeError ? `fetch-${err.reason}` : 'fetch-malformed');
      return Promise.reject(err);
    }
  }
}

function sameIdentity(r: RumorWire, h: RumorHeader): boolean {
  if (r.kind !== 'service' && r.kind !== 'config' && r.kind !== 'file') return false;
  const id = identityOf(r);
  return id.group === h.group && id.name === h.name;
}
