import { createServer, type Server } from 'node:http';
import { formatAddress, type Address } from '../core/address.js';
import { listenError } from '../net/listen-error.js';
import { createGatewayApp } from './app.js';
import type { GatewayDeps } from './types.js';

/** The HTTP gateway: the Koa app on a node:http server with a start/stop lifecycle. */
export class HttpGateway {
  #server: Server | undefined;
  #address = '';

  constructor(private readonly deps: GatewayDeps, private readonly listen: Address) {}

  get address(): string {
    return this.#address;
  }

  async start(): Promise<void> {
    const app = createGatewayApp(this.deps);
    const server = createServer(app.callback());
    // Blocking queries park for up to ten minutes; the server must not cut them off.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 30_000;
    const address = formatAddress(this.listen);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenError('http-gateway', address, err)));
      server.listen({ host: this.listen.host, port: this.listen.port, exclusive: true }, () => resolve());
    });
    server.on('error', (err) => this.deps.logger.warn({ err }, 'http-gateway listener error'));
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    const bound = server.address();
    this.#address = formatAddress({ host: this.listen.host, port: typeof bound === 'object' && bound ? bound.port : this.listen.port });
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
