import { Lifecycle, type Startable } from './core/lifecycle.js';
import type { Logger } from './core/logger.js';
import { SystemClock, type Clock, type Timer } from './core/clock.js';
import { BackgroundThreadPriority } from './core/thread-priority.js';
import { SystemRandom, type Random } from './core/random.js';
import { ChorusError, ErrorCode } from './core/errors.js';
import type { NodeConfig } from './config/index.js';
import { DataDirLock, ensureDataDir, loadOrCreateCtlSecret, loadOrCreateMemberId } from './datadir/index.js';
import type { CtlHandler, CtlServer } from './ctl/index.js';
import type { GossipView, HabitatView, HttpGateway } from './gateway/index.js';
import type { ServiceManager } from './supervisor/index.js';
import { GossipStack } from './node/gossip.js';
import { consulMember } from './node/gossip-view.js';
import { earlyGateway } from './gateway/early.js';
import { GatewayListener } from './gateway/listener.js';
import { DEFAULT_COORDINATE_CONFIG } from './butterfly/index.js';
import type { CoordinateSync } from './node/coordinate-sync.js';
import type { CensusBridge } from './node/census-bridge.js';
import type { RaftServer } from './node/raft-server.js';
import type { AclLeaderBootstrap } from './node/acl.js';
import type { SupervisorAgentBridge } from './node/agent-bridge.js';
import type { LocalAgent } from './agent/index.js';
import type { UserEvents } from './agent/events/index.js';
import { CHORUS_VERSION } from './version.js';

type Parts = typeof import('./node/parts.js');

/** How long a stopping server tries to take itself out of the Raft configuration (the stop has 4.5 s in all). */
const RAFT_LEAVE_TIMEOUT_MS = 2_000;

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

/** The pieces that exist only once start() has read the data directory and bound the ports. */
interface Running {
  memberId: string;
  /** Agent-local services and checks; anti-entropy is started once a CatalogSync exists (see LocalAgent.startAntiEntropy). */
  agent: LocalAgent;
  services: ServiceManager;
  habitat: HabitatView;
  gossip: GossipView;
  svc: Record<string, CtlHandler>;
  census: CensusBridge;
  /** Consul's user events as this agent sees them. */
  events: UserEvents;
  /** On a `--server` node. */
  raft: RaftServer | undefined;
}

/**
 * One Chorus node, composed from one validated config. Components start in
 * dependency order (data directory, gossip, then the modules of everything
 * else are loaded while the join runs, supervisor, control gateway, HTTP
 * gateway) and stop in reverse; the HTTP gateway answers 503 until
 * start() finishes, and a stop leaves the ring gracefully before anything
 * else goes down.
 */
export class ChorusNode {
  readonly #lifecycle = new Lifecycle();
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #gossip: GossipStack;
  /** What runs besides gossip, loaded once gossip has started (see node/parts.ts). */
  #parts: Parts | undefined;
  #ready = false;
  #info: NodeInfo | undefined;
  #running: Running | undefined;
  #stopRequested: (() => void) | undefined;
  /** Resolves when something (a signal, `chorus sup term`, a departure) asks the node to stop. */
  readonly stopRequested: Promise<void>;

  constructor(private readonly config: NodeConfig, private readonly deps: NodeDeps) {
    this.#logger = deps.logger.child({ component: 'MR' });
    this.#clock = deps.clock ?? new SystemClock();
    this.#random = deps.random ?? new SystemRandom();
    this.#gossip = new GossipStack(config, { clock: this.#clock, random: this.#random, logger: deps.logger });
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

  #raft(): RaftServer {
    const raft = this.#get().raft;
    if (raft === undefined) throw new ChorusError(ErrorCode.Internal, 'not a server');
    return raft;
  }

  /** A server's gateway for a client node to forward catalog requests to: any alive server, picked at random. */
  #serverUrl(): string | undefined {
    const servers = this.#gossip.members().filter((m) => m.state === 'alive' && m.tags.role === 'consul' && m.tags.http_port !== undefined);
    if (servers.length === 0) return undefined;
    const m = servers[this.#random.int(servers.length)]!;
    const host = m.address.includes(':') ? `[${m.address}]` : m.address;
    return `http://${host}:${m.tags.http_port}`;
  }

  #get(): Running {
    if (this.#running === undefined) throw new ChorusError(ErrorCode.Unavailable, "Supervisor hasn't fully started. Try again later.");
    return this.#running;
  }

  async start(): Promise<void> {
    const config = this.config;
    const log = this.#logger;
    await ensureDataDir(config.dataDir);
    const lock = new DataDirLock(config.dataDir);
    let memberId = '';
    let ctlSecret = '';
    const running = (): Running => this.#get();
    let ctl!: CtlServer;
    let http!: HttpGateway;
    // The HTTP port opens as soon as gossip runs; the full gateway takes it over once loaded.
    const httpListener = new GatewayListener(
      earlyGateway({
        authToken: config.gatewayAuthToken,
        members: () => (config.acl.enabled ? undefined : this.#gossip.members().map(consulMember)),
      }),
      this.deps.logger.child({ component: 'HTTP' }),
    );
    let agent!: LocalAgent;
    // Built once the parts are loaded, after gossip has started (see node/parts.ts).
    const assemble = (p: Parts): void => {
      const { CtlServer, HttpGateway, agentSelf, nodeAclResolver, remoteTokenLookup, LocalAgent, serverCoordinates } = p;
      agent = new LocalAgent({
        clock: this.#clock,
        random: this.#random,
        logger: this.deps.logger,
        nodeName: config.nodeName,
        datacenter: config.datacenter,
        dataDir: config.dataDir,
      });
      ctl = new CtlServer(
        {
          logger: this.deps.logger.child({ component: 'CTL' }),
          get secret() {
            return ctlSecret;
          },
          handlers: this.#ctlHandlers(),
        },
        config.listenCtl,
      );
      http = new HttpGateway(
        {
          logger: this.deps.logger.child({ component: 'HTTP' }),
          authToken: config.gatewayAuthToken,
          isReady: () => this.#ready,
          habitat: {
            services: () => this.#get().habitat.services(),
            service: (serviceGroup) => this.#get().habitat.service(serviceGroup),
            censusJson: () => this.#get().habitat.censusJson(),
          },
          gossip: {
            butterfly: () => this.#get().gossip.butterfly(),
            members: () => this.#get().gossip.members(),
            join: (address) => this.#get().gossip.join(address),
            forceLeave: (node) => this.#get().gossip.forceLeave(node),
          },
          events: {
            events: {
              fire: (params) => running().events.fire(params),
              list: (name) => running().events.list(name),
              onEvent: (listener) => running().events.onEvent(listener),
              get sizeLimit() {
                return running().events.sizeLimit;
              },
            },
            datacenter: config.datacenter,
            clock: this.#clock,
          },
          agent: { self: () => agentSelf(config, this.#get().memberId, this.#gossip.butterfly, this.#get().raft?.status(), agent) },
          agentLocal: { agent, clock: this.#clock, random: this.#random },
          acl: {
            nodeName: config.nodeName,
            resolver: nodeAclResolver(config.acl, config.server
              ? (id) => this.#running?.raft?.machine.state.acl.get(id)
              : remoteTokenLookup(() => this.#serverUrl(), this.#clock)),
          },
          ...(config.server
            ? {
                consul: {
                  backend: {
                    datacenter: config.datacenter,
                    read: (mode, query) => this.#raft().backend.read(mode, query),
                    write: (command) => this.#raft().backend.write(command),
                    waitForChange: (scope, minIndex, signal) => this.#raft().backend.waitForChange(scope, minIndex, signal),
                  },
                  clock: this.#clock,
                  random: this.#random,
                  nodeName: config.nodeName,
                  sessions: { renew: (id) => this.#raft().backend.renewSession(id), ttlMinMs: config.session.ttlMinMs },
                  coordinates: config.gossip.disableCoordinates
                    ? undefined
                    : { servers: () => serverCoordinates(this.#gossip.butterfly), dimensionality: DEFAULT_COORDINATE_CONFIG.dimensionality },
                },
                cluster: {
                  leader: () => this.#raft().status().leaderAddress ?? '',
                  peers: () => this.#raft().status().configuration.servers.filter((s) => s.suffrage === 'voter').map((s) => s.address),
                },
              }
            : { forwardTo: () => this.#serverUrl(), nodeName: config.nodeName }),
        },
        config.listenHttp,
        httpListener,
      );
    };
    let services: ServiceManager | undefined;
    let aclBootstrap: AclLeaderBootstrap | undefined;
    let bridge: SupervisorAgentBridge | undefined;
    let fullSyncSoon: Timer | undefined;
    let stopSyncTriggers: (() => void) | undefined;
    let coordinateSync: CoordinateSync | undefined;

    const backgroundPriority = new BackgroundThreadPriority(config.backgroundNice, this.#clock);

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
          await this.#gossip.bind();
          await this.#gossip.start({ memberId, tags: this.#tags() });
          this.#gossip.butterfly.on('selfDeparted', () => {
            log.warn('This member was departed from the ring by an operator; stopping');
            this.requestStop();
          });
          log.info(`Starting gossip-listener on ${this.#gossip.boundAddress}`);
        },
        stop: () => this.#gossip.close(),
      },
      {
        start: async () => {
          await httpListener.listen(config.listenHttp);
          log.debug(`http port open on ${httpListener.address}: membership only, 503 elsewhere until started`);
        },
        stop: () => httpListener.close(),
      },
      {
        start: async () => {
          this.#parts = await import('./node/parts.js');
          assemble(this.#parts);
        },
        stop: async () => undefined,
      },
      {
        start: async () => {
          const { sysInfo, SupervisorAgentBridge, ServiceManager, CensusBridge, habitatView, gossipView, svcHandlers, rumorHandlers, UserEvents,
            butterflyEventGossip, RaftServer, AclLeaderBootstrap, httpCatalogSync, agentNodeInfo, CoordinateSync, serverCoordinateUpdate, httpCoordinateUpdate } = this.#parts!;
          const sys = sysInfo({
            version: CHORUS_VERSION,
            memberId,
            gossip: { host: config.listenGossip.host, port: this.#gossip.boundPort },
            http: config.listenHttp,
            ctl: config.listenCtl,
            permanent: config.permanentPeer,
          });
          let census: CensusBridge | undefined;
          await agent.start();
          bridge = new SupervisorAgentBridge(agent, () => services?.list() ?? [], this.deps.logger.child({ component: 'AGENT' }));
          services = new ServiceManager({
            clock: this.#clock,
            random: this.#random,
            logger: this.deps.logger,
            env: this.deps.env,
            dataDir: config.dataDir,
            sys,
            onChange: () => {
              census?.serviceChanged();
              bridge?.changed();
            },
          });
          census = new CensusBridge(this.#gossip.butterfly, services, sys, this.#clock, this.deps.logger.child({ component: 'CENSUS' }));
          this.#running = {
            memberId,
            agent,
            services,
            habitat: habitatView(services, () => census!.censusJson),
            gossip: gossipView(this.#gossip.butterfly, () => this.#gossip.ringStats),
            svc: { ...svcHandlers(services, () => this.#clock.now()), ...rumorHandlers(this.#gossip.butterfly) },
            census,
            events: new UserEvents({
              gossip: butterflyEventGossip(this.#gossip.butterfly),
              random: this.#random,
              nodeName: config.nodeName,
              // Consul matches ?service= against the agent's services: the supervisor's and those registered through the API.
              localServices: () => agent.state.services().map((s) => ({ ID: s.ID, Service: s.Service, Tags: [...s.Tags] })),
              logger: this.deps.logger.child({ component: 'EVENTS' }),
            }),
            raft: config.server
              ? new RaftServer(
                  {
                    memberId,
                    address: this.#gossip.advertiseAddress,
                    dataDir: config.dataDir,
                    datacenter: config.datacenter,
                    bootstrapExpect: config.bootstrapExpect,
                    raft: { heartbeatIntervalMs: config.raft.heartbeatIntervalMs, electionTimeoutMs: config.raft.electionTimeoutMs },
                    ...(config.raft.deadServerRemovalMs === undefined ? {} : { deadServerRemovalMs: config.raft.deadServerRemovalMs }),
                    ...(config.raft.tombstoneTtlMs === undefined ? {} : { tombstoneTtlMs: config.raft.tombstoneTtlMs }),
                    sessionTtlMultiplier: config.session.ttlMultiplier,
                  },
                  { clock: this.#clock, random: this.#random, logger: this.deps.logger.child({ component: 'RAFT' }), butterfly: this.#gossip.butterfly, transport: this.#gossip.streams },
                )
              : undefined,
          };
          this.#running.events.start();
          await this.#running.raft?.start();
          if (this.#running.raft !== undefined && config.acl.enabled) {
            aclBootstrap = new AclLeaderBootstrap(this.#running.raft, config.acl.masterToken, this.#clock, this.deps.logger.child({ component: 'ACL' }));
            aclBootstrap.start();
          }
          await services.start();
          census.start();
          // After the supervisor has registered its services: a first full sync before that would remove them from the catalog.
          const antiEntropy = agent.startAntiEntropy(
            httpCatalogSync({
              server: () => this.#serverUrl(),
              gatewayAuthToken: config.gatewayAuthToken,
              aclToken: config.acl.enabled ? config.acl.masterToken : undefined,
            }),
            () => agentNodeInfo(config.nodeName, memberId, this.#gossip.butterfly.self.address),
            { clusterSize: () => this.#gossip.members().length },
          );
          // Consul syncs in full when a server joins, instead of waiting out the retry after a start with none reachable.
          const serverSeen = (m: { tags: Record<string, string> }): void => {
            if (m.tags.role !== 'consul' || fullSyncSoon !== undefined) return;
            fullSyncSoon = this.#clock.setTimer(this.#random.int(3_000), () => {
              fullSyncSoon = undefined;
              antiEntropy.syncFull().catch(() => undefined);
            });
          };
          const offJoined = this.#gossip.butterfly.on('joined', serverSeen);
          // Next to anti-entropy: this agent's network coordinate goes to the servers (Consul's sendCoordinate).
          if (!config.gossip.disableCoordinates) {
            const raft = this.#running.raft;
            coordinateSync = new CoordinateSync({
              clock: this.#clock,
              random: this.#random,
              logger: this.deps.logger.child({ component: 'COORD' }),
              nodeName: config.nodeName,
              coordinate: () => this.#gossip.butterfly.coordinate(),
              clusterSize: () => this.#gossip.members().length,
              send: raft !== undefined
                ? serverCoordinateUpdate(() => raft.backend)
                : httpCoordinateUpdate({ server: () => this.#serverUrl(), gatewayAuthToken: config.gatewayAuthToken, aclToken: config.acl.enabled ? config.acl.masterToken : undefined }),
            }, config.gossip.syncCoordinateIntervalMinMs);
            coordinateSync.start();
          }
          stopSyncTriggers = () => {
            offJoined();
            fullSyncSoon?.cancel();
          };
        },
        stop: async () => {
          this.#running?.events.stop();
          this.#running?.census.stop();
          await services?.stop();
          aclBootstrap?.stop();
          stopSyncTriggers?.();
          await coordinateSync?.stop();
          await bridge?.settled();
          await agent.stop();
          await this.#running?.raft?.stop();
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
      {
        // Last, so the threads that start-up spawned (libuv's pool) are there to be lowered.
        start: async () => {
          const lowered = backgroundPriority.start();
          if (lowered === undefined) return;
          const line = `helper threads run at nice ${lowered.nice} (${lowered.lowered} lowered)`;
          if (lowered.failed > 0) log.warn(`${line}; ${lowered.failed} could not be changed`);
          else log.debug(line);
        },
        stop: async () => backgroundPriority.stop(),
      },
    ];

    await this.#lifecycle.start(components);
    this.#info = {
      memberId,
      nodeName: config.nodeName,
      datacenter: config.datacenter,
      gossipAddress: this.#gossip.boundAddress,
      httpAddress: http.address,
      ctlAddress: ctl.address,
    };
    this.#ready = true;
    log.info({ node: config.nodeName, datacenter: config.datacenter }, 'Supervisor started');
  }

  /** Gossip tags, named as Consul's serf tags are, so Consul tooling reads them. */
  #tags(): Record<string, string> {
    return {
      role: this.config.server ? 'consul' : 'node',
      dc: this.config.datacenter,
      build: CHORUS_VERSION,
      vsn: '2',
      http_port: String(this.config.listenHttp.port),
    };
  }

  #ctlHandlers(): Record<string, CtlHandler> {
    const svc = (type: string): CtlHandler => (body) => this.#get().svc[type]!(body);
    return {
      SvcLoad: svc('SvcLoad'),
      SvcUnload: svc('SvcUnload'),
      SvcStart: svc('SvcStart'),
      SvcStop: svc('SvcStop'),
      SvcStatus: svc('SvcStatus'),
      SvcSetCfg: svc('SvcSetCfg'),
      SvcFilePut: svc('SvcFilePut'),
      SupDepart: async (body) => {
        const id = (body as { memberId?: unknown } | null)?.memberId;
        if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) {
          throw new ChorusError(ErrorCode.BadRequest, 'a member id is 32 hexadecimal characters');
        }
        this.#gossip.butterfly.depart(id);
        this.#logger.info(`Permanently marked ${id} as departed`);
        return null;
      },
      Members: async () => {
        const { consulMember } = this.#parts ?? (await import('./node/parts.js'));
        return this.#gossip.members().map((m) => ({ ...consulMember(m), Id: m.id, State: m.state }));
      },
      SupTerm: async () => {
        this.#logger.info('Stop requested through the ctl-gateway');
        // Reply first, then stop: the CLI waits for the answer.
        setImmediate(() => this.requestStop());
        return null;
      },
    };
  }

  async stop(): Promise<void> {
    this.#ready = false;
    // Leave the Raft configuration, withdraw our services and leave the ring first, while the sockets are
    // still open, so the servers stop counting us, the ring records `left`, not a failure, and no census keeps our services.
    await this.#running?.raft?.leave(RAFT_LEAVE_TIMEOUT_MS);
    this.#running?.census.withdrawAll();
    await this.#gossip.leave();
    await this.#lifecycle.stop();
  }
}
