import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Butterfly, type Member } from '../butterfly/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { Logger } from '../core/logger.js';
import { formatAddress, type Address } from '../core/address.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { NodeConfig } from '../config/index.js';
import { UdpTransport } from '../net/udp.js';
import { TcpStreamTransport } from '../net/streams.js';
import { EncryptedPacketTransport, EncryptedStreamTransport, Keyring } from '../net/keyring.js';
import type { PacketTransport, StreamTransport } from '../net/types.js';
import { advertisedIp } from './sys-info.js';

export const INCARNATION_FILE = 'INCARNATION';

export interface GossipDeps {
  clock: Clock;
  random: Random;
  /** The node's root logger; each layer names itself as a child. */
  logger: Logger;
}

export interface GossipIdentity {
  memberId: string;
  tags: Record<string, string>;
}

/**
 * The gossip layer of a real node: UDP and TCP on the gossip port (wrapped
 * by the ring keyring when one is set) and Butterfly on top. The local
 * incarnation is kept in the data directory, so a restarted member always
 * comes back above what the ring last heard from it.
 */
export class GossipStack {
  #udp: UdpTransport | undefined;
  #streams: TcpStreamTransport | undefined;
  #packets: PacketTransport | undefined;
  #streamTransport: StreamTransport | undefined;
  #butterfly: Butterfly | undefined;
  #incarnationWrite: Promise<void> = Promise.resolve();
  #keyring: Keyring | undefined;

  constructor(private readonly config: NodeConfig, private readonly deps: GossipDeps) {}

  get butterfly(): Butterfly {
    if (this.#butterfly === undefined) throw new ChorusError(ErrorCode.Unavailable, 'gossip has not started');
    return this.#butterfly;
  }

  /** The cluster stream transport (ring-encrypted when a key is set), for Raft and forwarding. */
  get streams(): StreamTransport {
    if (this.#streamTransport === undefined) throw new ChorusError(ErrorCode.Unavailable, 'gossip has not started');
    return this.#streamTransport;
  }

  /** This member's cluster address as others reach it. */
  get advertiseAddress(): string {
    return formatAddress({ host: advertisedIp(this.config.listenGossip), port: this.boundPort });
  }

  /** Where the UDP socket is bound (the OS picks the port when the config says 0). */
  get boundAddress(): string {
    return this.#udp?.localAddress ?? formatAddress(this.config.listenGossip);
  }

  get boundPort(): number {
    const a = this.boundAddress;
    return Number(a.slice(a.lastIndexOf(':') + 1));
  }

  /** Drops counted by the ring wrapper, when one is set. */
  get ringStats(): Record<string, number> | undefined {
    return this.#packets instanceof EncryptedPacketTransport ? { ...this.#packets.stats } : undefined;
  }

  /** Binds the gossip port (UDP, then TCP on the same port). */
  async bind(): Promise<void> {
    const log = this.deps.logger.child({ component: 'NET' });
    this.#udp = await UdpTransport.bind(this.config.listenGossip, log);
    const tcpAddress: Address = { host: this.config.listenGossip.host, port: this.boundPort };
    try {
      this.#streams = await TcpStreamTransport.listen(tcpAddress, log);
    } catch (err) {
      await this.#udp.close();
      throw err;
    }
    this.#packets = this.#udp;
    this.#streamTransport = this.#streams;
    if (this.config.ringKeys !== undefined) {
      const [primary, ...others] = this.config.ringKeys;
      this.#keyring = new Keyring(primary!, others, this.deps.random);
      this.#packets = new EncryptedPacketTransport(this.#udp, this.#keyring);
      this.#streamTransport = new EncryptedStreamTransport(this.#streams, this.#keyring);
    }
  }

  /** Starts membership and begins joining the configured peers in the background. */
  async start(identity: GossipIdentity): Promise<void> {
    const config = this.config;
    const incarnation = await this.#readIncarnation();
    const advertise = this.advertiseAddress;
    const { syncCoordinateIntervalMinMs: _sync, ...timings } = config.gossip;
    const butterfly = new Butterfly(
      { clock: this.deps.clock, random: this.deps.random, packets: this.#packets!, streams: this.#streamTransport!, logger: this.deps.logger },
      { id: identity.memberId, name: config.nodeName, advertiseAddress: advertise, incarnation, persistent: config.permanentPeer, tags: identity.tags },
      { profile: config.gossipProfile, ...timings, seeds: config.peers.map(formatAddress) },
    );
    butterfly.on('incarnation', (n) => this.#persistIncarnation(n));
    this.#butterfly = butterfly;
    await butterfly.start();
  }

  /** Leaves the ring gracefully (others see `left`), then stops gossip. */
  async leave(): Promise<void> {
    const b = this.#butterfly;
    if (b === undefined || !b.running) return;
    try {
      await b.leave();
    } catch (err) {
      this.deps.logger.warn(`could not leave the ring gracefully: ${messageOf(err)}`);
    }
    await b.stop();
  }

  /** Stops gossip and closes the sockets. */
  async close(): Promise<void> {
    await this.#butterfly?.stop();
    await this.#incarnationWrite;
    await this.#streamTransport?.close();
    await this.#packets?.close();
  }

  members(): Member[] {
    return this.#butterfly?.members() ?? [];
  }

  #path(): string {
    return join(this.config.dataDir, INCARNATION_FILE);
  }

  async #readIncarnation(): Promise<number> {
    try {
      const n = Number.parseInt((await readFile(this.#path(), 'utf8')).trim(), 10);
      if (Number.isSafeInteger(n) && n >= 0) return n;
      this.deps.logger.warn(`${this.#path()} is damaged; starting from incarnation 0 (the ring will see a refutation)`);
      return 0;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw new ChorusError(ErrorCode.CorruptData, `cannot read ${this.#path()}: ${messageOf(err)}`, { cause: err });
    }
  }

  #persistIncarnation(n: number): void {
    // Writes are chained so an older value never lands after a newer one.
    this.#incarnationWrite = this.#incarnationWrite
      .then(() => writeFileAtomic(this.#path(), `${n}\n`))
      .catch((err: unknown) => this.deps.logger.error(`cannot persist incarnation ${n}: ${messageOf(err)}`));
  }
}
