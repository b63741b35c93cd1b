import { formatAddress, type Address } from './core/address.js';
import { Lifecycle, type Startable } from './core/lifecycle.js';
import type { Logger } from './core/logger.js';
import type { NodeConfig } from './config/index.js';
import { DataDirLock, ensureDataDir, loadOrCreateCtlSecret, loadOrCreateMemberId } from './datadir/index.js';
import { UdpTransport } from './net/udp.js';
import { TcpStreamTransport } from './net/streams.js';
import { CtlServer, type CtlHandler } from './ctl/index.js';
import { HttpGateway, type HabitatView } from './gateway/index.js';
import { SystemClock, type Clock } from './core/clock.js';
import { SystemRandom, type Random } from './core/random.js';
import { ServiceManager } from './supervisor/index.js';
import { svcHandlers } from './ctl/svc-handlers.js';
import { habitatView } from './node/habitat-view.js';
import { sysInfo } from './node/sys-info.js';
import { CHORUS_VERSION } from './version.js';

export interface NodeDeps {
  logger: Logger;
  /** The process environment: hooks inherit it and HAB_<PKG>/CHORUS_<PKG> configure packages. */
  env: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  random?: Random;
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
  readonly #deps: NodeDeps;
  readonly #clock: Clock;
  #services: ServiceManager | undefined;
  #ready = false;
  #info: NodeInfo | undefined;
  #stopRequested: (() => void) | undefined;
  /** Resolves when something (a signal, `chorus sup term`) asks the node to stop. */
  readonly stopRequested: Promise<void>;

  constructor(private readonly config: NodeConfig, deps: NodeDeps) {
    this.#logger = deps.logger.child({ component: 'MR' });
    this.#deps = deps;
    this.#clock = deps.clock ?? new SystemClock();
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
    let services: ServiceManager | undefined;
    let svc: Record<string, CtlHandler> | undefined;
    let habitat: HabitatView | undefined;
    const ctl = new CtlServer(
      {
        logger: log.child({ component: 'CTL' }),
        get secret() {
          return ctlSecret;
        },
        handlers: {
          // The service manager exists only once the data directory is read, after the ctl server is built.
          ...Object.fromEntries(
            ['SvcLoad', 'SvcUnload', 'SvcStart', 'SvcStop', 'SvcStatus'].map((type) => [type, (body: unknown) => svc![type]!(body)]),
          ),
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
        // Routes answer 503 until start() finishes, so the view is set by the time they run.
        habitat: {
          services: () => habitat!.services(),
          service: (serviceGroup) => habitat!.service(serviceGroup),
        },
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
          const gossipPort = Number(udp!.localAddress.slice(udp!.localAddress.lastIndexOf(':') + 1));
          services = new ServiceManager({
            clock: this.#clock,
            random: this.#deps.random ?? new SystemRandom(),
            logger: this.#deps.logger,
            env: this.#deps.env,
            dataDir: config.dataDir,
            sys: sysInfo({
              version: CHORUS_VERSION,
              memberId,
              gossip: { host: config.listenGossip.host, port: gossipPort },
              http: config.listenHttp,
              ctl: config.listenCtl,
            }),
          });
          this.#services = services;
          svc = svcHandlers(services, () => this.#clock.now());
          habitat = habitatView(services);
          await services.start();
        },
        stop: async () => {
          await this.#services?.stop();
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
