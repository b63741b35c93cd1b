/**
 * The transports the protocol cores speak through. Each has a real
 * implementation on sockets (udp.ts, streams.ts) and one on the simulated
 * network (sim-network.ts); both pass the same test suite.
 *
 * Addresses are "host:port" strings; IPv6 hosts are bracketed ("[::1]:9638").
 */

/** Unreliable, unordered datagrams: SWIM probes and piggybacked gossip. */
export interface PacketTransport {
  /** The address this transport receives on, as peers should address it. */
  readonly localAddress: string;
  /** Sends one datagram; never throws (a failed send is a lost packet). */
  send(to: string, packet: Uint8Array): void;
  /** Sets the one handler for incoming datagrams. It must not throw; if it does, the error is counted and dropped. */
  onPacket(handler: (from: string, packet: Uint8Array) => void): void;
  close(): Promise<void>;
}

/**
 * Stream kinds: the first byte of every cluster TCP stream names what it
 * carries, so one port serves them all.
 */
export const StreamKind = {
  PushPull: 1,
  Raft: 2,
  Forward: 3,
  LargeRumor: 4,
} as const;
export type StreamKind = (typeof StreamKind)[keyof typeof StreamKind];

/**
 * The inbound connection a request arrived on, as the serving side sees it.
 * A process that dies has its sockets closed by the OS, so the close of a
 * peer's connection is an early sign that the peer is gone (Raft followers
 * campaign on it); a peer that vanishes without closing them (machine loss,
 * partition, SIGSTOP) gives no such sign.
 */
export interface InboundConnection {
  /** Distinct among the connections of one transport. */
  readonly id: number;
  /**
   * Calls `cb` once when the peer closes the connection or it breaks (soon
   * after, if it already has); not when this transport itself closes.
   * Returns a function that cancels the subscription.
   */
  onClose(cb: () => void): () => void;
}

export type StreamHandler = (from: string, request: Uint8Array, signal: AbortSignal, conn: InboundConnection) => Promise<Uint8Array>;

/** Reliable request/response exchanges over the cluster stream port. */
export interface StreamTransport {
  readonly localAddress: string;
  /**
   * Sends `request` on a stream of `kind` to `to` and resolves with the reply.
   * Rejects with a ChorusError (Timeout, Unavailable) when the peer cannot be
   * reached, does not answer within `timeoutMs`, or the transport closes.
   */
  request(to: string, kind: StreamKind, request: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Sets the handler for requests of `kind`; a kind without one is refused. */
  handle(kind: StreamKind, handler: StreamHandler): void;
  close(): Promise<void>;
}
