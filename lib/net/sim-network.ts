import { ChorusError, ErrorCode, type Random, type Timer, type VirtualClock } from '../core/index.js';
import { InboundConn } from './inbound-connection.js';
import type { PacketTransport, StreamHandler, StreamKind, StreamTransport } from './types.js';

/**
 * One simulated network on virtual time: many nodes in one process, each with
 * a PacketTransport and a StreamTransport bound to an address such as
 * "10.0.0.7:9638". Every random choice (loss, delay, duplication, reordering)
 * comes from the one seeded Random, and every delivery is a timer on the one
 * VirtualClock, so a run is a pure function of its seed.
 */
/** The reason every finished or abandoned simulated stream request is aborted with. */
const REQUEST_FINISHED = new Error('stream request finished');

export interface SimNetworkOptions {
  /** Probability that a datagram is lost. Default 0. */
  loss?: number;
  /** Smallest one-way delay in ms (datagrams and stream legs). Default 1. */
  minDelayMs?: number;
  /** Largest one-way delay in ms. Default 5. */
  maxDelayMs?: number;
  /** Probability that a datagram is delivered twice. Default 0. */
  duplicate?: number;
  /** Probability that a datagram is held back by up to `reorderDelayMs` extra, overtaking later ones. Default 0. */
  reorder?: number;
  /** Largest extra hold-back of a reordered datagram in ms. Default 50. */
  reorderDelayMs?: number;
  /** Datagrams larger than this are dropped, as a real UDP stack would refuse them. Default 65,507. */
  maxDatagramSize?: number;
}

export const SIM_DEFAULTS: Required<SimNetworkOptions> = {
  loss: 0,
  minDelayMs: 1,
  maxDelayMs: 5,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 50,
  maxDatagramSize: 65_507,
};

/** Traffic counters of one simulated address. */
export interface SimNodeStats {
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  /** Datagrams sent by this node that never arrived (loss, partition, crash, too large, no receiver). */
  packetsLost: number;
  /** Errors thrown by this node's packet handler (a handler must not throw). */
  handlerErrors: number;
  streamRequestsSent: number;
  streamBytesSent: number;
  streamBytesReceived: number;
}

function emptyStats(): SimNodeStats {
  return {
    packetsSent: 0,
    bytesSent: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    packetsLost: 0,
    handlerErrors: 0,
    streamRequestsSent: 0,
    streamBytesSent: 0,
    streamBytesReceived: 0,
  };
}

export interface SimEndpoint {
  readonly address: string;
  readonly packets: PacketTransport;
  readonly streams: StreamTransport;
}

interface NodeSlot {
  address: string;
  /** Extra one-way delay range for everything this node sends or receives (a slow, overloaded node). */
  slowMs: [number, number] | undefined;
  stats: SimNodeStats;
  crashed: boolean;
  packets: SimPacketTransport | undefined;
  streams: SimStreamTransport | undefined;
}

export class SimNetwork {
  readonly clock: VirtualClock;
  readonly random: Random;
  #options: Required<SimNetworkOptions>;
  #nodes = new Map<string, NodeSlot>();
  #groupOf = new Map<string, number>();
  /** Bumped on every stream event, so the driver knows when promise continuations may be waiting. */
  #streamActivity = 0;
  #nextConnId = 1;

  constructor(deps: { clock: VirtualClock; random: Random }, options: SimNetworkOptions = {}) {
    this.clock = deps.clock;
    this.random = deps.random;
    this.#options = { ...SIM_DEFAULTS, ...options };
    SimNetwork.#validate(this.#options);
  }

  static #validate(o: Required<SimNetworkOptions>): void {
    for (const p of ['loss', 'duplicate', 'reorder'] as const) {
      if (!(o[p] >= 0 && o[p] <= 1)) throw new RangeError(`${p} must be within [0, 1], got ${o[p]}`);
    }
    if (!(o.minDelayMs >= 0 && o.maxDelayMs >= o.minDelayMs)) {
      throw new RangeError(`need 0 <= minDelayMs <= maxDelayMs, got ${o.minDelayMs}..${o.maxDelayMs}`);
    }
  }

  get options(): Readonly<Required<SimNetworkOptions>> {
    return this.#options;
  }

  /** Changes loss, delays and the rest while the simulation runs. */
  configure(options: SimNetworkOptions): void {
    const next = { ...this.#options, ...options };
    SimNetwork.#validate(next);
    this.#options = next;
  }

  /** Binds the transports of one node to `address`. A crashed or closed address may be attached again (a restart). */
  attach(address: string): SimEndpoint {
    let slot = this.#nodes.get(address);
    if (slot?.packets !== undefined || slot?.streams !== undefined) {
      throw new ChorusError(ErrorCode.AddressInUse, `simulated address ${address} is already bound`, { details: { address } });
    }
    if (slot === undefined) {
      slot = { address, slowMs: undefined, stats: emptyStats(), crashed: false, packets: undefined, streams: undefined };
      this.#nodes.set(address, slot);
    }
    slot.crashed = false;
    const packets = new SimPacketTransport(this, slot);
    const streams = new SimStreamTransport(this, slot);
    slot.packets = packets;
    slot.streams = streams;
    return { address, packets, streams };
  }

  /**
   * The node at `address` stops sending and receiving; pending stream
   * requests to it hang until their timeout. Its stream connections stay
   * open, as a stopped process's or an unplugged machine's do: only closing
   * its stream transport (the process exiting) closes them.
   */
  crash(address: string): void {
    const slot = this.#slot(address);
    slot.crashed = true;
    slot.streams?.abortInbound();
  }

  /** Undoes `crash`: the same transports work again (a network cable plugged back in). */
  restart(address: string): void {
    this.#slot(address).crashed = false;
  }

  /**
   * Makes a node slow: every datagram and stream leg it sends or receives
   * takes `minMs`..`maxMs` longer (an overloaded process, a congested link).
   * `slow(address)` with no range makes it normal again.
   */
  slow(address: string, minMs?: number, maxMs?: number): void {
    const slot = this.#slot(address);
    slot.slowMs = minMs === undefined ? undefined : [minMs, maxMs ?? minMs];
  }

  isCrashed(address: string): boolean {
    return this.#nodes.get(address)?.crashed ?? false;
  }

  /**
   * Splits the network: addresses in different groups cannot reach each other.
   * Addresses named in no group form one more group together.
   */
  partition(...groups: readonly (readonly string[])[]): void {
    this.#groupOf.clear();
    groups.forEach((group, i) => {
      for (const address of group) this.#groupOf.set(address, i);
    });
  }

  heal(): void {
    this.#groupOf.clear();
  }

  /**
   * Resets the stream connections `from` opened to `to` (to every address
   * when `to` is omitted), as a TCP reset or a middlebox dropping them would:
   * requests waiting on them fail at once, the serving side hears of the
   * close after a one-way delay, and the next request opens a new connection.
   */
  resetConnections(from: string, to?: string): void {
    this.#slot(from).streams?.resetConnections(to);
  }

  /** Whether a segment (a FIN) could pass: same side of any partition; crashes do not matter, the OS sends it. */
  #sameSide(from: string, to: string): boolean {
    return (this.#groupOf.get(from) ?? -1) === (this.#groupOf.get(to) ?? -1);
  }

  reachable(from: string, to: string): boolean {
    const a = this.#nodes.get(from);
    const b = this.#nodes.get(to);
    if (a === undefined || b === undefined || a.crashed || b.crashed) return false;
    return (this.#groupOf.get(from) ?? -1) === (this.#groupOf.get(to) ?? -1);
  }

  stats(address: string): Readonly<SimNodeStats> {
    return { ...(this.#nodes.get(address)?.stats ?? emptyStats()) };
  }

  totals(): SimNodeStats {
    const sum = emptyStats();
    for (const slot of this.#nodes.values()) {
      for (const key of Object.keys(sum) as (keyof SimNodeStats)[]) sum[key] += slot.stats[key];
    }
    return sum;
  }

  get addresses(): string[] {
    return [...this.#nodes.keys()];
  }

  /**
   * Runs the simulation for `ms` of virtual time. Timers fire in order; after
   * each instant that fired something, pending promise continuations (stream
   * replies, async handlers) run before time moves on.
   */
  async runFor(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }

  /**
   * Runs until `done()` holds or `maxMs` passes; resolves with whether it held.
   * `done()` is checked after every instant, or at most once per `checkEveryMs`
   * of virtual time when it is costly.
   */
  async runUntil(done: () => boolean, maxMs: number, checkEveryMs = 0): Promise<boolean> {
    const deadline = this.clock.now() + maxMs;
    await flushMicrotasks();
    if (done()) return true;
    let nextCheck = this.clock.now() + checkEveryMs;
    for (;;) {
      const at = this.clock.nextAt();
      if (at === undefined || at > deadline) break;
      this.clock.advanceTo(at);
      await flushMicrotasks();
      if (at >= nextCheck) {
        nextCheck = at + checkEveryMs;
        if (done()) return true;
      }
    }
    this.clock.advanceTo(deadline);
    await flushMicrotasks();
    return done();
  }

  // ---- used by the transports ----

  /** @internal One-way delay between two addresses. */
  delay(from?: string, to?: string): number {
    const o = this.#options;
    let ms = o.minDelayMs + this.random.next() * (o.maxDelayMs - o.minDelayMs);
    if (o.reorder > 0 && this.random.next() < o.reorder) ms += this.random.next() * o.reorderDelayMs;
    for (const address of [from, to]) {
      const slow = address === undefined ? undefined : this.#nodes.get(address)?.slowMs;
      if (slow !== undefined) ms += slow[0] + this.random.next() * (slow[1] - slow[0]);
    }
    return Math.round(ms);
  }

  /** @internal */
  sendPacket(from: NodeSlot, to: string, packet: Uint8Array): void {
    from.stats.packetsSent++;
    from.stats.bytesSent += packet.byteLength;
    const o = this.#options;
    if (packet.byteLength > o.maxDatagramSize || (o.loss > 0 && this.random.next() < o.loss)) {
      from.stats.packetsLost++;
      return;
    }
    const copies = o.duplicate > 0 && this.random.next() < o.duplicate ? 2 : 1;
    const bytes = packet.slice();
    for (let i = 0; i < copies; i++) {
      this.clock.setTimer(this.delay(from.address, to), () => this.#deliverPacket(from, to, bytes));
    }
  }

  #deliverPacket(from: NodeSlot, to: string, bytes: Uint8Array): void {
    const target = this.#nodes.get(to);
    const transport = target?.packets;
    if (target === undefined || transport === undefined || !this.reachable(from.address, to)) {
      from.stats.packetsLost++;
      return;
    }
    target.stats.packetsReceived++;
    target.stats.bytesReceived += bytes.byteLength;
    try {
      transport.deliver(from.address, bytes.slice());
    } catch {
      target.stats.handlerErrors++;
    }
  }

  /** @internal */
  node(address: string): NodeSlot | undefined {
    return this.#nodes.get(address);
  }

  /** @internal A new connection's serving-side handle. */
  newInbound(): InboundConn {
    return new InboundConn(this.#nextConnId++);
  }

  /**
   * @internal The client side of `conn` closed: its server hears of it after
   * a one-way delay, unless a partition lies between them (the FIN is lost
   * and the connection stays half-open there) or the server is gone.
   */
  closeConnection(conn: SimConnection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.clock.setTimer(this.delay(conn.from, conn.to), () => {
      if (!this.#sameSide(conn.from, conn.to) || this.#nodes.get(conn.to)?.streams !== conn.server) return;
      this.touchStreams();
      conn.inbound.close();
    });
  }

  /** @internal */
  touchStreams(): void {
    this.#streamActivity++;
  }

  get streamActivity(): number {
    return this.#streamActivity;
  }

  #slot(address: string): NodeSlot {
    const slot = this.#nodes.get(address);
    if (slot === undefined) throw new ChorusError(ErrorCode.NotFound, `no simulated node at ${address}`, { details: { address } });
    return slot;
  }
}

/** Lets every queued promise continuation run (a macrotask boundary). */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

class SimPacketTransport implements PacketTransport {
  readonly localAddress: string;
  #net: SimNetwork;
  #slot: NodeSlot;
  #handler: ((from: string, packet: Uint8Array) => void) | undefined;
  #closed = false;

  constructor(net: SimNetwork, slot: NodeSlot) {
    this.#net = net;
    this.#slot = slot;
    this.localAddress = slot.address;
  }

  send(to: string, packet: Uint8Array): void {
    if (this.#closed || this.#slot.crashed) return;
    this.#net.sendPacket(this.#slot, to, packet);
  }

  onPacket(handler: (from: string, packet: Uint8Array) => void): void {
    this.#handler = handler;
  }

  /** @internal */
  deliver(from: string, packet: Uint8Array): void {
    if (this.#closed) return;
    this.#handler?.(from, packet);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#slot.packets === this) this.#slot.packets = undefined;
    }
    return Promise.resolve();
  }
}

interface Inbound {
  controller: AbortController;
}

/** One simulated client connection for one stream kind to one peer, shared by every request to it. */
export interface SimConnection {
  readonly from: string;
  readonly to: string;
  /** The serving transport it was opened to; a restarted server has another, which this connection cannot reach. */
  readonly server: SimStreamTransport;
  /** What the server's handlers see. */
  readonly inbound: InboundConn;
  /** Fails the requests waiting on it. */
  readonly pending: Set<(err: ChorusError) => void>;
  closed: boolean;
}

class SimStreamTransport implements StreamTransport {
  readonly localAddress: string;
  #net: SimNetwork;
  #slot: NodeSlot;
  #handlers = new Map<StreamKind, StreamHandler>();
  #closed = false;
  #outbound = new Set<(err: ChorusError) => void>();
  #inbound = new Set<Inbound>();
  #connections = new Map<string, SimConnection>();

  constructor(net: SimNetwork, slot: NodeSlot) {
    this.#net = net;
    this.#slot = slot;
    this.localAddress = slot.address;
  }

  handle(kind: StreamKind, handler: StreamHandler): void {
    this.#handlers.set(kind, handler);
  }

  /** @internal */
  handlerFor(kind: StreamKind): StreamHandler | undefined {
    return this.#closed ? undefined : this.#handlers.get(kind);
  }

  /** The open connection to `to` for `kind`, or a new one if the server is there to accept it. */
  #connectionTo(to: string, kind: StreamKind): SimConnection | undefined {
    const key = `${kind}|${to}`;
    const server = this.#net.node(to)?.streams;
    const conn = this.#connections.get(key);
    if (conn !== undefined && !conn.closed && conn.server === server) return conn;
    if (conn !== undefined) this.#drop(key, conn, new ChorusError(ErrorCode.Unavailable, `connection to ${to} was reset`, { details: { to, kind } }));
    if (server === undefined) return undefined;
    const fresh: SimConnection = { from: this.localAddress, to, server, inbound: this.#net.newInbound(), pending: new Set(), closed: false };
    this.#connections.set(key, fresh);
    return fresh;
  }

  #drop(key: string, conn: SimConnection, err: ChorusError): void {
    if (this.#connections.get(key) === conn) this.#connections.delete(key);
    this.#net.closeConnection(conn);
    for (const fail of [...conn.pending]) fail(err);
  }

  /** @internal See SimNetwork.resetConnections. */
  resetConnections(to: string | undefined): void {
    for (const [key, conn] of [...this.#connections]) {
      if (to === undefined || conn.to === to) this.#drop(key, conn, new ChorusError(ErrorCode.Unavailable, `connection to ${conn.to} was reset`, { details: { to: conn.to } }));
    }
  }

  request(to: string, kind: StreamKind, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const net = this.#net;
    if (this.#closed || this.#slot.crashed) {
      return Promise.reject(new ChorusError(ErrorCode.Unavailable, 'stream transport is closed', { details: { to } }));
    }
    const stats = this.#slot.stats;
    stats.streamRequestsSent++;
    stats.streamBytesSent += request.byteLength;
    const bytes = request.slice();
    const from = this.localAddress;
    const conn = this.#connectionTo(to, kind);
    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      const timers: Timer[] = [];
      const controller = new AbortController();
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        for (const t of timers) t.cancel();
        this.#outbound.delete(fail);
        conn?.pending.delete(fail);
        // A ready-made reason: abort() without one builds a DOMException, a fifth of a simulation's CPU.
        controller.abort(REQUEST_FINISHED);
        net.touchStreams();
        fn();
      };
      const fail = (err: ChorusError): void => finish(() => reject(err));
      this.#outbound.add(fail);
      conn?.pending.add(fail);
      timers.push(
        net.clock.setTimer(timeoutMs, () =>
          fail(new ChorusError(ErrorCode.Timeout, `no reply from ${to} within ${timeoutMs} ms`, { details: { to, kind } })),
        ),
      );
      timers.push(
        net.clock.setTimer(net.delay(from, to), () => {
          const target = net.node(to);
          if (target === undefined || target.streams === undefined || conn === undefined) {
            fail(new ChorusError(ErrorCode.Unavailable, `connection refused by ${to}`, { details: { to, kind } }));
            return;
          }
          if (target.streams !== conn.server) {
            // The server restarted while this request was on its way: the old connection is gone.
            fail(new ChorusError(ErrorCode.Unavailable, `connection to ${to} was reset`, { details: { to, kind } }));
            return;
          }
          if (!net.reachable(from, to)) return; // lost in a partition or to a crash: the timeout decides
          const handler = target.streams.handlerFor(kind);
          if (handler === undefined) {
            fail(new ChorusError(ErrorCode.Unavailable, `${to} does not serve stream kind ${kind}`, { details: { to, kind } }));
            return;
          }
          target.stats.streamBytesReceived += bytes.byteLength;
          target.streams.serve(from, handler, bytes, controller, conn.inbound, (reply, err) => {
            if (settled) return;
            if (!net.reachable(to, from)) return;
            timers.push(
              net.clock.setTimer(net.delay(to, from), () => {
                if (!net.reachable(to, from)) return;
                if (err !== undefined) {
                  fail(new ChorusError(ErrorCode.Unavailable, `${to} failed the request`, { cause: err, details: { to, kind } }));
                  return;
                }
                const answer = reply ?? new Uint8Array(0);
                target.stats.streamBytesSent += answer.byteLength;
                stats.streamBytesReceived += answer.byteLength;
                finish(() => resolve(answer.slice()));
              }),
            );
          });
        }),
      );
    });
  }

  /** @internal Runs a handler for an inbound request and reports its outcome. */
  serve(
    from: string,
    handler: StreamHandler,
    request: Uint8Array,
    requester: AbortController,
    conn: InboundConn,
    done: (reply: Uint8Array | undefined, err: unknown) => void,
  ): void {
    const entry: Inbound = { controller: new AbortController() };
    requester.signal.addEventListener('abort', () => entry.controller.abort(REQUEST_FINISHED), { once: true });
    this.#inbound.add(entry);
    this.#net.touchStreams();
    let pending: Promise<Uint8Array>;
    try {
      pending = handler(from, request, entry.controller.signal, conn);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (reply) => {
        this.#inbound.delete(entry);
        this.#net.touchStreams();
        if (!this.#closed && !this.#slot.crashed) done(reply, undefined);
      },
      (err: unknown) => {
        this.#inbound.delete(entry);
        this.#net.touchStreams();
        if (!this.#closed && !this.#slot.crashed) done(undefined, err ?? new Error('handler failed'));
      },
    );
  }

  /** @internal Aborts handlers of inbound requests (crash or close). */
  abortInbound(): void {
    for (const entry of this.#inbound) entry.controller.abort(REQUEST_FINISHED);
    this.#inbound.clear();
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.abortInbound();
      for (const fail of [...this.#outbound]) fail(new ChorusError(ErrorCode.Unavailable, 'stream transport closed'));
      // The process is gone: the OS closes its connections, and each server hears of it.
      for (const conn of this.#connections.values()) this.#net.closeConnection(conn);
      this.#connections.clear();
      if (this.#slot.streams === this) this.#slot.streams = undefined;
    }
    return Promise.resolve();
  }
}
