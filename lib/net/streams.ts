import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../core/logger.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import { formatAddress, parseAddress, type Address } from '../core/address.js';
import { listenError } from './listen-error.js';
import { DEFAULT_MAX_FRAME, encodeFrame, FrameReader } from './frames.js';
import type { StreamHandler, StreamKind, StreamTransport } from './types.js';

const STATUS_OK = 0;
const STATUS_ERROR = 1;
const IDLE_TIMEOUT_MS = 60_000;

export interface TcpStreamOptions {
  /** Largest request or response frame accepted (default 16 MiB). */
  maxFrame?: number;
}

/**
 * Cluster streams on a real TCP port (the gossip port). A stream opens with
 * one byte naming its kind; then each request is a length-prefixed frame and
 * each reply a status byte plus a length-prefixed frame.
 */
export class TcpStreamTransport implements StreamTransport {
  #server: Server;
  #handlers = new Map<number, StreamHandler>();
  #sockets = new Set<Socket>();
  #abort = new AbortController();
  #maxFrame: number;

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
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const from = formatAddress({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    let kind: number | undefined;
    const reader = new FrameReader(this.#maxFrame);
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (kind === undefined) {
        kind = data[0];
        data = data.subarray(1);
        if (kind === undefined || !this.#handlers.has(kind)) {
          socket.end(encodeFrame(Buffer.from(`unknown stream kind ${kind}`), STATUS_ERROR));
          return;
        }
      }
      let frames;
      try {
        frames = reader.push(data);
      } catch (err) {
        socket.end(encodeFrame(Buffer.from(messageOf(err)), STATUS_ERROR));
        return;
      }
      const handler = this.#handlers.get(kind)!;
      for (const frame of frames) {
        // Requests on one stream are answered in order.
        queue = queue.then(async () => {
          let reply: Buffer;
          try {
            reply = encodeFrame(await handler(from, frame.payload, this.#abort.signal), STATUS_OK);
          } catch (err) {
            reply = encodeFrame(Buffer.from(messageOf(err)), STATUS_ERROR);
          }
          if (!socket.destroyed) socket.write(reply);
        });
      }
    });
  }

  request(to: string, kind: StreamKind, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const target = parseAddress(to);
    if (typeof target === 'string') {
      return Promise.reject(new ChorusError(ErrorCode.BadRequest, `bad peer address ${to}: ${target}`));
    }
    if (this.#abort.signal.aborted) {
      return Promise.reject(new ChorusError(ErrorCode.ShuttingDown, 'transport is closed'));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const socket = createConnection({ host: target.host, port: target.port, noDelay: true });
      this.#sockets.add(socket);
      const reader = new FrameReader(this.#maxFrame, true);
      let settled = false;
      const finish = (err: Error | undefined, value?: Uint8Array): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#abort.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        this.#sockets.delete(socket);
        if (err) reject(err);
        else resolve(value!);
      };
      const timer = setTimeout(
        () => finish(new ChorusError(ErrorCode.Timeout, `no reply from ${to} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = (): void => finish(new ChorusError(ErrorCode.ShuttingDown, 'transport is closed'));
      this.#abort.signal.addEventListener('abort', onAbort);
      let connected = false;
      socket.on('connect', () => {
        connected = true;
        socket.write(Buffer.from([kind]));
        socket.write(encodeFrame(request));
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          const [frame] = reader.push(chunk);
          if (frame === undefined) return;
          if (frame.prefix === STATUS_OK) finish(undefined, frame.payload);
          else finish(new ChorusError(ErrorCode.Unavailable, `${to} refused the request: ${frame.payload.toString('utf8')}`));
        } catch (err) {
          finish(err as Error);
        }
      });
      // A connection that never opened delivered nothing: callers may safely retry elsewhere.
      socket.on('error', (err) => finish(new ChorusError(ErrorCode.Unavailable, `cannot reach ${to}: ${messageOf(err)}`, { cause: err, details: { delivered: connected ? 'unknown' : false } })));
      socket.on('close', () => finish(new ChorusError(ErrorCode.Unavailable, `${to} closed the stream without a reply`)));
    });
  }

  async close(): Promise<void> {
    this.#abort.abort();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
