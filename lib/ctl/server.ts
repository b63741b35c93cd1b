import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../core/logger.js';
import { ChorusError, ErrorCode, isChorusError, messageOf } from '../core/errors.js';
import { decode, encode } from '../core/codec.js';
import { formatAddress, type Address } from '../core/address.js';
import { encodeFrame, FrameReader } from '../net/frames.js';
import { secretsMatch } from '../core/secrets.js';
import { listenError } from '../net/listen-error.js';
import { CTL_MAX_FRAME, HANDSHAKE_TIMEOUT_MS, isHandshake, parseRequest, type CtlReply } from './protocol.js';

/** Handles one kind of control request; its result is the reply body. */
export type CtlHandler = (body: unknown) => Promise<unknown>;

export interface CtlServerDeps {
  logger: Logger;
  /** The secret a client must present first. */
  secret: string;
  /** One handler per request type. */
  handlers: Record<string, CtlHandler>;
}

/**
 * The control gateway the CLI talks to. The first frame on a connection must
 * be a handshake with the control secret; anything else, or a wrong secret,
 * is refused and the connection closed.
 */
export class CtlServer {
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #address = '';

  constructor(private readonly deps: CtlServerDeps, private readonly listen: Address) {}

  get address(): string {
    return this.#address;
  }

  async start(): Promise<void> {
    const server = createServer();
    const address = formatAddress(this.listen);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenError('ctl-gateway', address, err)));
      server.listen({ host: this.listen.host, port: this.listen.port, exclusive: true }, () => resolve());
    });
    server.on('error', (err) => this.deps.logger.warn({ err }, 'ctl-gateway listener error'));
    server.on('connection', (socket) => this.#serve(socket));
    const bound = server.address();
    this.#address = formatAddress({ host: this.listen.host, port: typeof bound === 'object' && bound ? bound.port : this.listen.port });
    this.#server = server;
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const handshakeTimer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    handshakeTimer.unref();
    const reader = new FrameReader(CTL_MAX_FRAME);
    let authenticated = false;
    const reply = (r: CtlReply): void => {
      if (!socket.destroyed) socket.write(encodeFrame(encode(r)));
    };
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (err) {
        reply({ id: 0, ok: false, code: ErrorCode.TooLarge, message: messageOf(err) });
        socket.end();
        return;
      }
      for (const frame of frames) {
        let message: unknown;
        try {
          message = decode(frame.payload);
        } catch {
          reply({ id: 0, ok: false, code: ErrorCode.BadRequest, message: 'malformed control frame' });
          socket.end();
          return;
        }
        if (!authenticated) {
          clearTimeout(handshakeTimer);
          if (!isHandshake(message) || !secretsMatch(message.secret, this.deps.secret)) {
            this.deps.logger.warn({ remote: socket.remoteAddress }, 'ctl-gateway refused a client: secret key mismatch');
            reply({ id: 0, ok: false, code: ErrorCode.Unauthorized, message: 'secret key mismatch' });
            socket.end();
            return;
          }
          authenticated = true;
          reply({ id: 0, ok: true, body: null });
          continue;
        }
        void this.#dispatch(message).then(reply);
      }
    });
  }

  async #dispatch(message: unknown): Promise<CtlReply> {
    let id = 0;
    try {
      const request = parseRequest(message);
      id = request.id;
      const handler = Object.hasOwn(this.deps.handlers, request.type) ? this.deps.handlers[request.type] : undefined;
      if (handler === undefined) {
        throw new ChorusError(ErrorCode.BadRequest, `unknown control request "${request.type}"`);
      }
      return { id, ok: true, body: await handler(request.body) };
    } catch (err) {
      if (!isChorusError(err)) this.deps.logger.error({ err }, 'control request failed');
      return { id, ok: false, code: isChorusError(err) ? err.code : ErrorCode.Internal, message: messageOf(err) };
    }
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
