import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '../core/logger.js';
import { formatAddress, type Address } from '../core/address.js';
import { listenError } from './listen-error.js';
import type { PacketTransport } from './types.js';

const UDP_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpTransportStats {
  packetsReceived: number;
  packetsSent: number;
  bytesReceived: number;
  bytesSent: number;
  sendErrors: number;
  handlerErrors: number;
}

/**
 * Gossip datagrams on a real UDP socket. The receive path never throws: a
 * handler that fails is counted and logged at debug, and the socket goes on.
 */
export class UdpTransport implements PacketTransport {
  readonly stats: UdpTransportStats = {
    packetsReceived: 0, packetsSent: 0, bytesReceived: 0, bytesSent: 0, sendErrors: 0, handlerErrors: 0,
  };
  #socket: Socket;
  #handler: (from: string, packet: Uint8Array) => void = () => undefined;
  #localAddress: string;
  #closed = false;

  private constructor(socket: Socket, localAddress: string, private readonly logger: Logger) {
    this.#socket = socket;
    this.#localAddress = localAddress;
    socket.on('message', (msg, rinfo) => {
      this.stats.packetsReceived++;
      this.stats.bytesReceived += msg.length;
      try {
        this.#handler(formatAddress({ host: rinfo.address, port: rinfo.port }), msg);
      } catch (err) {
        this.stats.handlerErrors++;
        this.logger.debug({ err, from: rinfo.address }, 'gossip packet handler failed');
      }
    });
    socket.on('error', (err) => {
      this.logger.warn({ err }, 'gossip socket error');
    });
  }

  /** Binds the socket; rejects with AddressInUse naming the address when it is taken. */
  static async bind(address: Address, logger: Logger): Promise<UdpTransport> {
    const socket = createSocket({ type: isIP(address.host) === 6 ? 'udp6' : 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(listenError('gossip-listener (UDP)', formatAddress(address), err));
      };
      socket.once('error', onError);
      socket.bind(address.port, address.host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    // A burst of gossip (or of garbage) must not overflow the kernel's small default buffer; memberlist asks for 2 MB too.
    try {
      socket.setRecvBufferSize(UDP_RECV_BUFFER_BYTES);
    } catch {
      // The kernel may cap it (net.core.rmem_max); the default still works.
    }
    const bound = socket.address();
    return new UdpTransport(socket, formatAddress({ host: address.host, port: bound.port }), logger);
  }

  get localAddress(): string {
    return this.#localAddress;
  }

  onPacket(handler: (from: string, packet: Uint8Array) => void): void {
    this.#handler = handler;
  }

  send(to: string, packet: Uint8Array): void {
    if (this.#closed) return;
    const idx = to.lastIndexOf(':');
    const host = to.slice(0, idx).replace(/^\[|\]$/g, '');
    const port = Number(to.slice(idx + 1));
    if (idx <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      this.stats.sendErrors++;
      return;
    }
    this.#socket.send(packet, port, host, (err) => {
      if (err) this.stats.sendErrors++;
      else {
        this.stats.packetsSent++;
        this.stats.bytesSent += packet.length;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
