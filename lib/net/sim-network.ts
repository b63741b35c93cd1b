import { ChorusError, ErrorCode, type Random, type VirtualClock } from '../core/index.js';
import { InboundConn } from './inbound-connection.js';
import { SimPacketTransport, SimStreamTransport, type SimConnection } from './sim-transports.js';
import type { PacketTransport, StreamTransport } from './types.js';

/**
 * One simulated network on virtual time: many nodes in one process, each with
 * a PacketTransport and a StreamTransport bound to an address such as
 * "10.0.0.7:9638". Every random choice (loss, delay, duplication, reordering)
 * comes from the one seeded Random, and every delivery is a timer on the one
 * VirtualClock, so a run is a pure function of its seed.
 */

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

/** @internal One address on the network, as the transports see it. */
export interface NodeSlot {
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
