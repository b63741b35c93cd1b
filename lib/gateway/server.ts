import { createGatewayApp } from './app.js';
import { earlyGateway } from './early.js';
import { GatewayListener } from './listener.js';
import type { GatewayDeps } from './types.js';
import type { Address } from '../core/address.js';

/**
 * The HTTP gateway: the Koa app on the node's HTTP port. The port may have
 * been opened earlier (GatewayListener with early.ts's answers); start()
 * then takes it over, otherwise it opens it.
 */
export class HttpGateway {
  #listener: GatewayListener;
  #owned: boolean;

  constructor(private readonly deps: GatewayDeps, private readonly listen: Address, listener?: GatewayListener) {
    this.#owned = listener === undefined;
    this.#listener = listener ?? new GatewayListener(earlyGateway({ authToken: deps.authToken, members: () => undefined }), deps.logger);
  }

  get address(): string {
    return this.#listener.address;
  }

  async start(): Promise<void> {
    if (this.#owned) await this.#listener.listen(this.listen);
    this.#listener.serve(createGatewayApp(this.deps).callback());
  }

  async stop(): Promise<void> {
    await this.#listener.close();
  }
}
