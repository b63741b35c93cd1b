import { ChorusError, ErrorCode, type Timer } from '../core/index.js';
import type { InboundConn } from './inbound-connection.js';
import type { NodeSlot, SimNetwork } from './sim-network.js';
import type { PacketTransport, StreamHandler, StreamKind, StreamTransport } from './types.js';

/**
 * The transports a node gets from a SimNetwork (sim-network.ts): datagrams
 * and request/reply streams, delivered by the network's timers on virtual time.
 */

/** The reason every finished or abandoned simulated stream request is aborted with. */
const REQUEST_FINISHED = new Error('stream request finished');

export class SimPacketTransport implements PacketTransport {
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

export class SimStreamTransport implements StreamTransport {
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
