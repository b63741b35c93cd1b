import { formatAddress, type Address } from './core/address.js';
import { Lifecycle, type Startable } from './core/lifecycle.js';
import type { Logger } from './core/logger.js';
import type { NodeConfig } from './config/index.js';
import { DataDirLock, ensureDataDir, loadOrCreateCtlSecret, loadOrCreateMemberId } from './datadir/index.js';
import { UdpTransport } from './net/udp.js';
import { TcpStreamTransport } from './net/streams.js';
import { CtlServer } from './ctl/index.js';
import { HttpGateway } from './gateway/index.js';

export interface NodeDeps {
  logger: Logger;
}

/** Identity facts a running node reports. */
export interface NodeInfo {
  memberId: string;
  nodeName: string;
  datacenter: string;
  gossipAddress: string;
  httpAddress: string;
  ctlAddress: string;
}

/**
 * One Chorus node, composed from one validated config. Components start in
 * dependency order (data directory, gossip, control gateway, HTTP gateway)
 * and stop in reverse; the HTTP gateway answers 503 until start() finishes.
 */
export class ChorusNode {
  readonly #lifecycle = new Lifecycle();
  readonly #logger: Logger;
  #ready = false;
  #info: NodeInfo | undefined;
  #stopRequested: (() => void) | undefined;
  /** Resolves when something (a signal, `chorus sup term`) asks the node to stop. */
  readonly stopRequested: Promise<void>;

  constructor(private readonly config: NodeConfig, deps: NodeDeps) {
    this.#logger = deps.logger.child({ component: 'MR' });
    this.stopRequested = new Promise((resolve) => {
      this.#stopRequested = resolve;
    });
  }

  get info(): NodeInfo | undefined {
    return this.#info;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Asks the owner of this node (bin/chorus) to stop it. */
  requestStop(): void {
    this.#stopRequested?.();
  }

  async start(): Promise<void> {
    const config = this.config;
    const log = this.#logger;
    await ensureDataDir(config.dataDir);
    const lock = new DataDirLock(config.dataDir);
    let memberId = '';
    let ctlSecret = '';
    let udp: UdpTransport | undefined;
    let streams: TcpStreamTransport | undefined;
    const ctl = new CtlServer(
      {
        logger: log.child({ component: 'CTL' }),
        get secret() {
          return ctlSecret;
        },
        handlers: {
          SupTerm: async () => {
            log.info('Stop requested through the ctl-gateway');
            // Reply first, then stop: the CLI waits for the answer.
            setImmediate(() => this.requestStop());
            return null;
          },
        },
      },
      config.listenCtl,
    );
    const http = new HttpGateway(
      {
        logger: log.child({ component: 'HTTP' }),
        authToken: config.gatewayAuthToken,
        isReady: () => this.#ready,
        // The supervisor (issue 4) fills this; until then nothing can be loaded.
        habitat: { services: () => [] },
      },
      config.listenHttp,
    );

    const components: Startable[] = [
      {
        start: async () => {
          await lock.acquire();
          ({ memberId } = await loadOrCreateMemberId(config.dataDir));
          ctlSecret = config.ctlSecret ?? (await loadOrCreateCtlSecret(config.dataDir));
          log.info({ memberId }, `Supervisor Member-ID ${memberId}`);
        },
        stop: () => lock.release(),
      },
      {
        start: async () => {
          udp = await UdpTransport.bind(config.listenGossip, log.child({ component: 'GOSSIP' }));
          // With port 0 (tests), TCP must share the port the OS gave UDP.
          const port = Number(udp.localAddress.slice(udp.localAddress.lastIndexOf(':') + 1));
          const tcpAddress: Address = { host: config.listenGossip.host, port };
          try {
            streams = await TcpStreamTransport.listen(tcpAddress, log.child({ component: 'GOSSIP' }));
          } catch (err) {
            await udp.close();
            throw err;
          }
          log.info(`Starting gossip-listener on ${udp.localAddress}`);
        },
        stop: async () => {
          await streams?.close();
          await udp?.close();
        },
      },
      {
        start: async () => {
          await ctl.start();
          log.info(`Starting ctl-gateway on ${ctl.address}`);
        },
        stop: () => ctl.stop(),
      },
      {
        start: async () => {
          await http.start();
          log.info(`Starting http-gateway on ${http.address}`);
        },
        stop: () => http.stop(),
      },
    ];

    await this.#lifecycle.start(components);
    this.#info = {
      memberId,
      nodeName: config.nodeName,
      datacenter: config.datacenter,
      gossipAddress: udp?.localAddress ?? formatAddress(config.listenGossip),
      httpAddress: http.address,
      ctlAddress: ctl.address,
    };
    this.#ready = true;
    log.info({ node: config.nodeName, datacenter: config.datacenter }, 'Supervisor started');
  }

  async stop(): Promise<void> {
    this.#ready = false;
    await this.#lifecycle.stop();
  }
}
