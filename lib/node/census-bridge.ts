import type { Butterfly } from '../butterfly/index.js';
import type { ServiceSys } from '../butterfly/rumors/types.js';
import type { Clock, Timer } from '../core/clock.js';
import { isChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { CensusRing, censusInput } from '../supervisor/census/index.js';
import type { Service, ServiceManager, SysInfo } from '../supervisor/index.js';

/** Gossip settles in bursts; the census is rebuilt once a burst is over rather than for every rumor. */
const CENSUS_DEBOUNCE_MS = 100;

const RUMOR_HEALTH = { Ok: 'OK', Warning: 'WARNING', Critical: 'CRITICAL', Unknown: 'UNKNOWN' } as const;

/**
 * Joins the supervisor to the gossip ring, both ways: the services this node
 * runs are published as service rumors (and withdrawn on unload, so they
 * leave every census), and what the ring knows (members, services, gossiped
 * config and files) is built into the census and handed back to the
 * services, which re-render when it matters to them.
 */
export class CensusBridge {
  readonly ring = new CensusRing();
  #published = new Map<string, string>();
  #appliedFiles = new Map<string, number>();
  #timer: Timer | undefined;
  #unsubscribe: Array<() => void> = [];
  #json = '{}';
  #stopped = false;

  constructor(
    private readonly butterfly: Butterfly,
    private readonly services: ServiceManager,
    private readonly sys: SysInfo,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const schedule = (): void => this.schedule();
    const rumors = this.butterfly.rumors;
    this.#unsubscribe.push(rumors.on('serviceChanged', schedule), rumors.on('configChanged', schedule), rumors.on('fileChanged', schedule));
    for (const e of ['joined', 'alive', 'suspect', 'failed', 'left', 'departed', 'reaped'] as const) {
      this.#unsubscribe.push(this.butterfly.on(e, schedule));
    }
    this.refresh();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  /** The cached `/census` document (Habitat serves a pre-serialized string too). */
  get censusJson(): string {
    return this.#json;
  }

  /** A loaded service changed what the ring should know of it; publish and rebuild soon. */
  serviceChanged(): void {
    this.schedule();
  }

  schedule(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = this.clock.setTimer(CENSUS_DEBOUNCE_MS, () => {
      this.#timer = undefined;
      this.refresh();
    });
  }

  /** Publishes our services, rebuilds the census when something moved, and applies gossiped config and files. */
  refresh(): void {
    if (this.#stopped) return;
    try {
      this.#publish();
      if (this.ring.update(censusInput(this.butterfly)) || this.#json === '{}') {
        this.#json = JSON.stringify(this.ring.toJSON());
        void this.services.updateCensus(this.ring.view());
      }
      for (const service of this.services.list()) this.#applyGossip(service);
    } catch (err) {
      this.logger.error({ err }, 'census refresh failed');
    }
  }

  /** Withdraws the rumors of everything loaded here, before a graceful leave. */
  withdrawAll(): void {
    for (const group of this.#published.keys()) this.butterfly.rumors.withdrawService(group);
    this.#published.clear();
  }

  #publish(): void {
    const loaded = new Set<string>();
    for (const service of this.services.list()) {
      loaded.add(service.serviceGroup);
      const model = service.queryModel();
      const publication = {
        group: service.serviceGroup,
        pkg: model.pkg.ident,
        cfg: JSON.stringify(service.exportedCfg),
        sys: this.#sys(),
        health: RUMOR_HEALTH[service.health],
        initialized: model.initialized,
      };
      const key = JSON.stringify(publication);
      if (this.#published.get(service.serviceGroup) === key) continue;
      this.butterfly.rumors.publishService(publication);
      this.#published.set(service.serviceGroup, key);
    }
    for (const group of [...this.#published.keys()]) {
      if (loaded.has(group)) continue;
      this.butterfly.rumors.withdrawService(group);
      this.#published.delete(group);
      this.logger.info(`Withdrew ${group} from the ring`);
    }
  }

  #applyGossip(service: Service): void {
    const group = service.serviceGroup;
    const config = this.butterfly.rumors.config(group);
    if (config !== undefined && (service.configVersion ?? -1) < config.version) {
      service.applyGossipConfig(config.version, config.toml).then(
        () => this.logger.info(`${group}: applied gossiped config version ${config.version}`),
        (err: unknown) => this.#refused(group, `config version ${config.version}`, err),
      );
    }
    for (const file of this.butterfly.rumors.files(group)) {
      const key = `${group}\u0000${file.filename}`;
      if ((this.#appliedFiles.get(key) ?? -1) >= file.version) continue;
      this.#appliedFiles.set(key, file.version);
      service.applyServiceFile(file.filename, file.version, file.body).catch((err: unknown) => this.#refused(group, `file ${file.filename} version ${file.version}`, err));
    }
  }

  #refused(group: string, what: string, err: unknown): void {
    // A version this service already holds is not news; anything else is worth a warning.
    if (isChorusError(err, ErrorCode.Conflict)) this.logger.debug(`${group}: ${what} not applied: ${messageOf(err)}`);
    else this.logger.warn(`${group}: ${what} not applied: ${messageOf(err)}`);
  }

  #sys(): ServiceSys {
    const s = this.sys;
    return {
      ip: s.ip,
      hostname: s.hostname,
      gossip_ip: s.gossip_ip,
      gossip_port: s.gossip_port,
      http_gateway_ip: s.http_gateway_ip,
      http_gateway_port: s.http_gateway_port,
      ctl_gateway_ip: s.ctl_gateway_ip,
      ctl_gateway_port: s.ctl_gateway_port,
    };
  }
}
