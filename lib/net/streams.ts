import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../core/logger.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import { formatAddress, parseAddress, type Address } from '../core/address.js';
import { listenError } from './listen-error.js';
import { DEFAULT_MAX_FRAME, encodeFrame, FrameReader } from './frames.js';
import { InboundConn } from './inbound-connection.js';
import { StreamConnection, STATUS_ERROR, STATUS_OK, STREAM_ID, withId } from './stream-connection.js';
import type { StreamHandler, StreamKind, StreamTransport } from './types.js';

const IDLE_TIMEOUT_MS = 60_000;

export interface TcpStreamOptions {
  /** Largest request or response frame accepted (default 16 MiB). */
  maxFrame?: number;
}

/**
 * Cluster streams on a real TCP port (the gossip port). A stream opens with
 * one byte naming its kind; then each request is a length-prefixed frame
 * starting with a request id, and each reply a status byte plus a
 * length-prefixed frame starting with the id it answers. Connections are
 * kept and shared (stream-connection.ts).
 */
export class TcpStreamTransport implements StreamTransport {
  #server: Server;
  #handlers = new Map<number, StreamHandler>();
  #sockets = new Set<Socket>();
  #abort = new AbortController();
  #connections = new Map<string, StreamConnection>();
  #maxFrame: number;
  #nextConnId = 1;

  private constructor(server: Server, readonly localAddress: string, private readonly logger: Logger, options: TcpStreamOptions) {
    this.#server = server;
    this.#maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    server.on('connection', (socket) => this.#serve(socket));
    server.on('error', (err) => this.logger.warn({ err }, 'cluster stream listener error'));
  }

  static async listen(address: Address, logger: Logger, options: TcpStreamOptions = {}): Promise<TcpStreamTransport> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(listenError('gossip-listener (TCP)', formatAddress(address), err));
      server.once('error', onError);
      server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const bound = server.address();
    const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
    return new TcpStreamTransport(server, formatAddress({ host: address.host, port }), logger, options);
  }

  handle(kind: StreamKind, handler: StreamHandler): void {
    this.#handlers.set(kind, handler);
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    const conn = new InboundConn(this.#nextConnId++);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('close', () => {
      this.#sockets.delete(socket);
      // Our own shutdown closing it says nothing about the peer, and nobody serves on it any more.
      if (!this.#abort.signal.aborted) conn.close();
    });
    socket.on('error', () => socket.destroy());
    const from = formatAddress({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    let kind: number | undefined;
    const reader = new FrameReader(this.#maxFrame);
    const refuse = (why: string): void => {
      socket.end(encodeFrame(withId(STREAM_ID, Buffer.from(why)), STATUS_ERROR));
    };
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (kind === undefined) {
        kind = data[0];
        data = data.subarray(1);
        if (kind === undefined || !this.#handlers.has(kind)) {
          refuse(`unknown stream kind ${kind}`);
          return;
        }
      }
      let frames;
      try {
        frames = reader.push(data);
      } catch (err) {
        refuse(messageOf(err));
        return;
      }
      const handler = this.#handlers.get(kind)!;
      for (const frame of frames) {
        if (frame.payload.byteLength < 4) {
          refuse('a request needs an id');
          return;
        }
        const id = frame.payload.readUInt32BE(0);
        // Requests are answered as they finish, each with its id: a slow one holds up nobody.
        void (async () => {
          let reply: Buffer;
          try {
            reply = encodeFrame(withId(id, await handler(from, frame.payload.subarray(4), this.#abort.signal, conn)), STATUS_OK);
          } catch (err) {
            reply = encodeFrame(withId(id, Buffer.from(messageOf(err))), STATUS_ERROR);
          }
          if (!socket.destroyed) socket.write(reply);
        })();
      }
    });
  }

  request(to: string, kind: StreamKind, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.#abort.signal.aborted) {
      return Promise.reject(new ChorusError(ErrorCode.ShuttingDown, 'transport is closed'));
    }
    const key = `${kind}|${to}`;
    let conn = this.#connections.get(key);
    if (conn === undefined || conn.closed) {
      const target = parseAddress(to);
      if (typeof target === 'string') {
        return Promise.reject(new ChorusError(ErrorCode.BadRequest, `bad peer address ${to}: ${target}`));
      }
      conn = new StreamConnection(to, target.host, target.port, kind, this.#maxFrame, (c) => {
        if (this.#connections.get(key) === c) this.#connections.delete(key);
      });
      this.#connections.set(key, conn);
    }
    return conn.request(request, timeoutMs);
  }

  async close(): Promise<void> {
    this.#abort.abort();
    for (const conn of this.#connections.values()) conn.close();
    this.#connections.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
