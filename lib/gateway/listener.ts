import { createServer, type RequestListener, type Server } from 'node:http';
import { formatAddress, type Address } from '../core/address.js';
import type { Logger } from '../core/logger.js';
import { listenError } from '../net/listen-error.js';

/**
 * The HTTP port, opened early in start-up with a first handler (early.ts)
 * and handed to the full gateway once it is loaded (`serve`). Kept free of
 * Koa so that opening it costs nothing on the path to joining the ring.
 */
export class GatewayListener {
  #server: Server;
  #handler: RequestListener;
  #address = '';
  #closed = false;

  constructor(first: RequestListener, private readonly logger: Logger) {
    this.#handler = first;
    this.#server = createServer((req, res) => this.#handler(req, res));
    // Blocking queries park for up to ten minutes; the server must not cut them off.
    this.#server.requestTimeout = 0;
    this.#server.headersTimeout = 60_000;
    this.#server.keepAliveTimeout = 30_000;
  }

  get address(): string {
    return this.#address;
  }

  async listen(at: Address): Promise<void> {
    const server = this.#server;
    const address = formatAddress(at);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenError('http-gateway', address, err)));
      server.listen({ host: at.host, port: at.port, exclusive: true }, () => resolve());
    });
    server.on('error', (err) => this.logger.warn({ err }, 'http-gateway listener error'));
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    const bound = server.address();
    this.#address = formatAddress({ host: at.host, port: typeof bound === 'object' && bound ? bound.port : at.port });
  }

  /** From now on, every request (on open connections too) goes to `handler`. */
  serve(handler: RequestListener): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {
    if (this.#closed || !this.#server.listening) return;
    this.#closed = true;
    const server = this.#server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
