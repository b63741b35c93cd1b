import { StreamKind } from '../net/types.js';
import type { Timer } from '../core/index.js';
import { AckRegistry } from './acks.js';
import { parseAddress } from './address.js';
import { Context, type MemberRecord, snapshot, toWire } from './context.js';
import { PUSH_PULL_SCALE_THRESHOLD } from './constants.js';
import { DecodeError, invalidOption, joinFailed, notRunning } from './errors.js';
import { gossipRound, pushPullScale } from './gossip.js';
import { EagerGossip } from './eager.js';
import { dispatch, type HandlerEnv } from './handlers.js';
import { resolveOptions } from './options.js';
import { Prober } from './prober.js';
import { PushPull } from './push-pull.js';
import { Rumors } from './rumors/rumors.js';
import { deadMember, departMember } from './state.js';
import type {
  ButterflyDeps,
  ButterflyOptions,
  ButterflyStats,
  LocalMemberInit,
  Member,
  MemberId,
  MembershipEvents,
  ResolvedOptions,
} from './types.js';
import { decodePacket, MAX_PACKET_BYTES } from './wire/codec.js';
import type { Coordinate } from './coordinate/types.js';

/**
 * SWIM membership with Lifeguard, gossip dissemination and push-pull sync:
 * the gossip core of a node. Everything it touches comes in through `deps`,
 * so the same code runs on sockets and on the simulated network.
 */
export class Butterfly {
  readonly options: ResolvedOptions;
  /** The rumor stores: services, configs, files, departures, user events. */
  readonly rumors: Rumors;
  #ctx: Context;
  #acks: AckRegistry;
  #prober: Prober;
  #pushPull: PushPull;
  #eager: EagerGossip;
  #env: HandlerEnv;
  #timers = new Set<Timer>();
  #stopped = false;
  #syncing = new Set<string>();

  constructor(deps: ButterflyDeps, self: LocalMemberInit, options: ButterflyOptions = {}) {
    this.options = resolveOptions(options);
    const advertise = self.advertiseAddress ?? deps.packets.localAddress;
    const parsed = parseAddress(advertise);
    if (parsed === undefined) throw invalidOption('advertiseAddress', advertise, 'is not host:port');
    if (typeof self.id !== 'string' || self.id.length === 0 || self.id.length > 128) throw invalidOption('id', self.id, 'must be 1..128 characters');
    const record: MemberRecord = {
      id: self.id,
      name: self.name ?? self.id,
      address: parsed.host,
      gossipPort: parsed.port,
      incarnation: (self.incarnation ?? 0) + 1,
      state: 'alive',
      persistent: self.persistent ?? false,
      tags: { ...(self.tags ?? {}) },
      stateChangedAt: deps.clock.now(),
      transportAddress: advertise,
    };
    this.#ctx = new Context(deps, this.options, record);
    this.#acks = new AckRegistry(deps.clock);
    this.#prober = new Prober(this.#ctx, this.#acks);
    this.#pushPull = new PushPull(this.#ctx);
    this.#env = { ctx: this.#ctx, acks: this.#acks };
    this.#ctx.onUnknownSender = (from) => this.#sync(from);
    this.#eager = new EagerGossip(this.#ctx);
    this.#ctx.onNews = () => this.#eager.request();
    this.rumors = new Rumors(this.#ctx, this.options);
  }

  // ---- lifecycle ----

  /** Starts probing, gossip and sync; joins `options.seeds` in the background, retrying until one answers. */
  async start(): Promise<void> {
    const ctx = this.#ctx;
    if (ctx.running || this.#stopped) return;
    ctx.running = true;
    const { packets, streams } = ctx.deps;
    packets.onPacket((from, packet) => this.#receive(from, packet));
    streams.handle(StreamKind.PushPull, (from, request) => this.#pushPull.serve(from, request));
    this.rumors.start();
    ctx.broadcast(ctx.self.id, { type: 'alive', member: toWire(ctx.self) });
    ctx.events.emit('incarnation', ctx.self.incarnation);
    this.#prober.start();
    const o = this.options;
    this.#every(() => o.gossipIntervalMs, () => gossipRound(ctx));
    if (o.pushPullIntervalMs > 0) {
      this.#every(() => pushPullScale(o.pushPullIntervalMs, ctx.activeCount, PUSH_PULL_SCALE_THRESHOLD), () => this.#periodicSync());
    }
    if (o.reconnectIntervalMs > 0) this.#every(() => o.reconnectIntervalMs, () => this.#reconnect());
    this.#every(() => o.reapIntervalMs, () => this.#reap());
    if (o.seeds.length > 0) this.#joinUntilAnswered(o.seeds);
  }

  /** Stops every timer and pending probe; the transports stay open (the node owns them). */
  async stop(): Promise<void> {
    const ctx = this.#ctx;
    this.#stopped = true;
    if (!ctx.running) return;
    ctx.running = false;
    this.rumors.stop();
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    this.#eager.stop();
    this.#prober.stop();
    this.#acks.clear();
    for (const s of ctx.suspicions.values()) s.cancel();
    ctx.suspicions.clear();
    ctx.deps.packets.onPacket(() => undefined);
    ctx.deps.streams.handle(StreamKind.PushPull, () => Promise.reject(notRunning('sync')));
  }

  get running(): boolean {
    return this.#ctx.running;
  }

  // ---- membership operations ----

  /** Syncs with each address; resolves with how many answered, rejects when none did. */
  async join(addresses: readonly string[]): Promise<number> {
    const ctx = this.#ctx;
    if (!ctx.running) throw notRunning('join');
    const targets = addresses.filter((a) => a !== ctx.self.transportAddress);
    if (targets.length === 0) return 0;
    const results = await Promise.allSettled(targets.map((a) => this.#pushPull.exchange(a, true)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    if (ok === 0) {
      const first = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      throw joinFailed(targets, first?.reason);
    }
    ctx.logger.info({ contacted: ok, of: targets.length }, 'joined the ring');
    // Our own alive has waited in the queue since start, with nobody to send it to until now.
    this.#eager.request();
    return ok;
  }

  /** Leaves gracefully: others mark us `left`, not failed. Call stop() afterwards. */
  async leave(): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx.running) throw notRunning('leave');
    if (ctx.leaving) return;
    ctx.leaving = true;
    deadMember(ctx, ctx.self.id, ctx.self.incarnation, ctx.self.id);
    gossipRound(ctx);
    await new Promise<void>((resolve) => {
      const t = ctx.deps.clock.setTimer(this.options.leavePropagateMs, () => {
        this.#timers.delete(t);
        resolve();
      });
      this.#timers.add(t);
    });
  }

  /** Marks a member departed for good, here and, by gossip, everywhere. */
  depart(id: MemberId): void {
    if (!this.#ctx.running) throw notRunning('depart');
    departMember(this.#ctx, id);
  }

  /** Replaces our tags and announces them with a new incarnation. */
  setTags(tags: Record<string, string>): void {
    const ctx = this.#ctx;
    ctx.self.tags = { ...tags };
    ctx.self.incarnation++;
    ctx.updateCounter++;
    ctx.broadcast(ctx.self.id, { type: 'alive', member: toWire(ctx.self) });
    ctx.events.emit('incarnation', ctx.self.incarnation);
  }

  // ---- views ----

  get self(): Member {
    return snapshot(this.#ctx.self);
  }

  member(id: MemberId): Member | undefined {
    const m = this.#ctx.members.get(id);
    return m === undefined ? undefined : snapshot(m);
  }

  /** Every member we know, ourselves included, in no particular order. */
  members(): Member[] {
    return this.#ctx.list.map(snapshot);
  }

  /** Our network coordinate (serf's GetCoordinate); undefined with disableCoordinates. */
  coordinate(): Coordinate | undefined {
    return this.#ctx.coordinates?.own;
  }

  /** The coordinate member `id` last reported with an ack to our probe (serf's GetCachedCoordinate); ours for our own id. */
  memberCoordinate(id: MemberId): Coordinate | undefined {
    const coordinates = this.#ctx.coordinates;
    if (coordinates === undefined) return undefined;
    return id === this.#ctx.self.id ? coordinates.own : coordinates.of(id);
  }

  /** How many members are in `state` (ourselves included). */
  countIn(state: Member['state']): number {
    return this.#ctx.countIn(state);
  }

  /** Bumped on every change to the member table: the census rebuilds when it moves. */
  get membershipCounter(): number {
    return this.#ctx.updateCounter;
  }

  isDeparted(id: MemberId): boolean {
    return this.#ctx.departedIds.has(id);
  }

  stats(): ButterflyStats {
    const ctx = this.#ctx;
    return {
      ...ctx.stats,
      dropped: { ...ctx.stats.dropped },
      messagesReceived: { ...ctx.stats.messagesReceived },
      healthScore: ctx.awareness.score,
      queuedBroadcasts: ctx.queue.size,
    };
  }

  /** Sizes of the internal tables, for memory checks. */
  sizes(): { members: number; departedIds: number; suspicions: number; queue: number; pendingAcks: number } {
    const ctx = this.#ctx;
    return {
      members: ctx.members.size,
      departedIds: ctx.departedIds.size,
      suspicions: ctx.suspicions.size,
      queue: ctx.queue.size,
      pendingAcks: this.#acks.size,
    };
  }

  on<K extends keyof MembershipEvents>(event: K, listener: MembershipEvents[K]): () => void {
    return this.#ctx.events.on(event, listener);
  }

  /** @internal For the rumor layer in this module. */
  get context(): Context {
    return this.#ctx;
  }

  // ---- internals ----

  #receive(from: string, packet: Uint8Array): void {
    const ctx = this.#ctx;
    try {
      if (!ctx.running) return;
      ctx.stats.packetsReceived++;
      if (packet.byteLength > MAX_PACKET_BYTES) {
        ctx.drop('oversized');
        return;
      }
      const { messages, errors } = decodePacket(packet);
      for (const e of errors) ctx.drop(e.reason);
      for (const m of messages) {
        ctx.stats.messagesReceived[m.type] = (ctx.stats.messagesReceived[m.type] ?? 0) + 1;
        try {
          dispatch(this.#env, from, m);
        } catch (err) {
          ctx.drop('handler');
          ctx.logger.warn({ err, type: m.type, from }, 'message handler failed');
        }
      }
    } catch (err) {
      ctx.drop(err instanceof DecodeError ? err.reason : 'malformed');
    }
  }

  #every(interval: () => number, fn: () => void): void {
    const clock = this.#ctx.deps.clock;
    const arm = (ms: number): void => {
      const t = clock.setTimer(ms, () => {
        this.#timers.delete(t);
        if (!this.#ctx.running) return;
        arm(interval());
        try {
          fn();
        } catch (err) {
          this.#ctx.logger.error({ err }, 'periodic task failed');
        }
      });
      this.#timers.add(t);
    };
    // Stagger the first run so members started together do not tick together.
    arm(1 + this.#ctx.deps.random.int(Math.max(1, Math.floor(interval()))));
  }

  #after(ms: number, fn: () => void): void {
    const t = this.#ctx.deps.clock.setTimer(ms, () => {
      this.#timers.delete(t);
      if (this.#ctx.running) fn();
    });
    this.#timers.add(t);
  }

  #joinUntilAnswered(seeds: readonly string[]): void {
    this.join(seeds).then(
      (n) => {
        if (n === 0 && this.#ctx.list.length <= 1) return; // we are our own only seed
      },
      (err: unknown) => {
        if (!this.#ctx.running) return;
        this.#ctx.logger.warn({ err, seeds }, 'no seed answered; retrying');
        this.#after(this.options.joinRetryIntervalMs, () => this.#joinUntilAnswered(seeds));
      },
    );
  }

  #periodicSync(): void {
    const ctx = this.#ctx;
    const [peer] = ctx.randomMembers(1, (m) => m.state === 'alive');
    if (peer !== undefined) this.#sync(peer.transportAddress);
  }

  /** Syncs with one random failed member and with permanent peers we are not in touch with. */
  #reconnect(): void {
    const ctx = this.#ctx;
    const failed = ctx.list.filter((m) => m.state === 'failed');
    if (failed.length > 0) this.#sync(failed[ctx.deps.random.int(failed.length)]!.transportAddress);
    for (const address of this.options.permanentPeers) {
      if (address === ctx.self.transportAddress) continue;
      const known = ctx.list.some((m) => m.transportAddress === address && (m.state === 'alive' || m.state === 'suspect'));
      if (!known) this.#sync(address);
    }
  }

  /** One background sync per address at a time. */
  #sync(address: string): void {
    if (this.#syncing.has(address)) return;
    this.#syncing.add(address);
    this.#pushPull
      .exchange(address, false)
      .catch((err: unknown) => {
        this.#ctx.logger.debug({ err, address }, 'push-pull failed');
      })
      .finally(() => this.#syncing.delete(address));
  }

  /** Forgets failed, left and departed members after reapAfterMs (departed ids are remembered). */
  #reap(): void {
    const ctx = this.#ctx;
    const now = ctx.now;
    const old = ctx.list.filter(
      (m) => m !== ctx.self && (m.state === 'failed' || m.state === 'left' || m.state === 'departed') && now - m.stateChangedAt >= this.options.reapAfterMs,
    );
    for (const m of old) {
      ctx.removeMember(m);
      ctx.queue.forget(m.id);
      ctx.emitMember('reaped', m);
    }
  }
}
