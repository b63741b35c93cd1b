import { StreamKind } from '../net/types.js';
import { type Context, toWire } from './context.js';
import { DecodeError } from './errors.js';
import { aliveMember, deadMember, departMember, suspectMember } from './state.js';
import type { PushPullMessage } from './wire/messages.js';
import { decodePushPull, encodePushPull } from './wire/sync.js';

/**
 * Full state sync over the cluster stream (memberlist pushPull): each side
 * sends everything it knows and merges what it gets. A joiner syncs with its
 * seed; every member syncs with a random one periodically, and with failed
 * members now and then, which heals partitions. Claims of failure from the
 * other side become suspicions here, so a live member gets to refute them.
 */
export class PushPull {
  #ctx: Context;

  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  localState(join: boolean): PushPullMessage {
    const ctx = this.#ctx;
    return {
      join,
      members: ctx.list.map((m) => ({ ...toWire(m), state: m.state })),
      departed: [...ctx.departedIds].filter((id) => !ctx.members.has(id)),
      rumors: ctx.rumorSync?.collect() ?? [],
    };
  }

  /** Exchanges state with `address`; resolves when merged, rejects when the peer cannot be reached or answers garbage. */
  async exchange(address: string, join: boolean): Promise<void> {
    const ctx = this.#ctx;
    ctx.stats.pushPulls++;
    try {
      const reply = await ctx.deps.streams.request(
        address,
        StreamKind.PushPull,
        encodePushPull(this.localState(join)),
        ctx.opts.streamTimeoutMs,
      );
      if (!ctx.running) return;
      this.merge(this.#decode(reply), join, address);
    } catch (err) {
      ctx.stats.pushPullFailures++;
      ctx.count('push_pull_failures');
      throw err;
    }
  }

  /** The stream handler: merge first, so the reply already carries our refutations. */
  async serve(from: string, request: Uint8Array): Promise<Uint8Array> {
    const remote = this.#decode(request);
    this.merge(remote, false, from);
    return encodePushPull(this.localState(false));
  }

  #decode(bytes: Uint8Array): PushPullMessage {
    const ctx = this.#ctx;
    try {
      return decodePushPull(bytes, { maxBytes: ctx.opts.maxStreamMessageBytes, maxMembers: ctx.opts.maxMembersInSync });
    } catch (err) {
      ctx.drop(err instanceof DecodeError ? `sync_${err.reason}` : 'sync_malformed');
      throw err;
    }
  }

  /** Merges remote state (memberlist mergeState). `joining`: we are the joiner, so what is new to us is old news to others. */
  merge(remote: PushPullMessage, joining: boolean, from: string): void {
    const ctx = this.#ctx;
    const self = ctx.self.id;
    for (const id of remote.departed) departMember(ctx, id);
    for (const m of remote.members) {
      switch (m.state) {
        case 'alive':
          aliveMember(ctx, m, { quietIfNew: joining });
          break;
        case 'suspect':
        case 'failed':
          if (!ctx.members.has(m.id)) break;
          suspectMember(ctx, m.id, m.incarnation, self);
          break;
        case 'left':
          deadMember(ctx, m.id, m.incarnation, m.id);
          break;
        case 'departed':
          departMember(ctx, m.id);
          break;
      }
    }
    if (remote.rumors.length > 0) ctx.rumorSync?.merge(remote.rumors, from);
  }
}
