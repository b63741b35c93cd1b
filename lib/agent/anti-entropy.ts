import type { Clock, Timer } from '../core/clock.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Random } from '../core/random.js';
import type { AgentNodeInfo, CatalogSync, RegisterRequest } from './catalog-sync.js';
import { AE_INTERVAL_MS, AE_RETRY_MS, AE_SCALE_THRESHOLD, CONSUL_SERVICE_ID, SERF_HEALTH_CHECK_ID } from './constants.js';
import type { LocalState } from './local-state.js';
import { healthCheckJson, nodeServiceJson, sameCheck, serviceFromCatalog, sameService, sortedKeys } from './shapes.js';
import type { HealthCheckJson, LocalCheck } from './types.js';

export interface AntiEntropyDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  state: LocalState;
  sync: CatalogSync;
  /** This node as it registers itself. */
  node: () => AgentNodeInfo;
  /** Members in the cluster, which stretches the full-sync stagger past 128 (default 1). */
  clusterSize?: () => number;
}

export interface AntiEntropyOptions {
  /** Full sync every this long plus a stagger (default 60 s, Consul's ae_interval). */
  intervalMs?: number;
  /** A failed sync is retried after this plus a stagger (default 15 s). */
  retryMs?: number;
}

/** Consul's scaleFactor: 1 up to 128 nodes, then one more per doubling. */
export function scaleFactor(clusterSize: number): number {
  if (clusterSize <= AE_SCALE_THRESHOLD) return 1;
  return Math.ceil(Math.log2(clusterSize) - Math.log2(AE_SCALE_THRESHOLD)) + 1;
}

/**
 * Keeps the catalog's view of this node equal to the agent's (agent/ae and
 * agent/local): every local change is pushed at once (a partial sync), and
 * every minute or so a full sync reads the catalog back and repairs what a
 * server lost or someone else overwrote: services and checks only the catalog
 * has are removed there, changed ones registered again. serfHealth belongs to
 * the servers and is never touched. Syncs run one at a time.
 */
export class AntiEntropy {
  readonly #deps: AntiEntropyDeps;
  readonly #intervalMs: number;
  readonly #retryMs: number;
  #fullTimer: Timer | undefined;
  #fullAt = Infinity;
  #changesTimer: Timer | undefined;
  #chain: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #running = false;

  constructor(deps: AntiEntropyDeps, options: AntiEntropyOptions = {}) {
    this.#deps = deps;
    this.#intervalMs = options.intervalMs ?? AE_INTERVAL_MS;
    this.#retryMs = options.retryMs ?? AE_RETRY_MS;
  }

  /** Starts with a full sync at once, then partial syncs on every change. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#deps.state.onChange(() => this.triggerChanges());
    this.#scheduleFull(0);
  }

  stop(): void {
    this.#running = false;
    this.#unsubscribe?.();
    this.#fullTimer?.cancel();
    this.#changesTimer?.cancel();
    this.#fullTimer = undefined;
    this.#changesTimer = undefined;
  }

  /** Asks for a partial sync soon; many changes in one turn make one sync. */
  triggerChanges(): void {
    if (!this.#running || this.#changesTimer !== undefined) return;
    this.#changesTimer = this.#deps.clock.setTimer(0, () => {
      this.#changesTimer = undefined;
      this.syncChanges().catch((err: unknown) => {
        this.#deps.logger.warn(`failed to sync changes: ${messageOf(err)}`);
        this.#scheduleRetry();
      });
    });
  }

  /** Pushes what is out of sync. Rejects (after trying everything) when the catalog refused something. */
  syncChanges(): Promise<void> {
    return this.#serialize(() => this.#push());
  }

  /** Reads the catalog back, marks what differs, and pushes. */
  syncFull(): Promise<void> {
    return this.#serialize(async () => {
      await this.#compare();
      await this.#push();
    });
  }

  #serialize(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(step);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  #stagger(ms: number): number {
    const size = this.#deps.clusterSize?.() ?? 1;
    return Math.floor(this.#deps.random.next() * scaleFactor(size) * ms);
  }

  #scheduleFull(ms: number): void {
    this.#fullTimer?.cancel();
    this.#fullAt = this.#deps.clock.now() + ms;
    this.#fullTimer = this.#deps.clock.setTimer(ms, () => {
      this.#fullTimer = undefined;
      this.#fullAt = Infinity;
      this.syncFull().then(
        () => {
          if (this.#running) this.#scheduleFull(this.#intervalMs + this.#stagger(this.#intervalMs));
        },
        (err: unknown) => {
          this.#deps.logger.warn(`anti-entropy full sync failed: ${messageOf(err)}`);
          this.#scheduleRetry(true);
        },
      );
    });
  }

  /** A full sync after the retry wait, unless one is due sooner anyway. */
  #scheduleRetry(force = false): void {
    if (!this.#running) return;
    const wait = this.#retryMs + this.#stagger(this.#retryMs);
    if (force || this.#deps.clock.now() + wait < this.#fullAt) this.#scheduleFull(wait);
  }

  #nodeFields(node: AgentNodeInfo): Pick<RegisterRequest, 'ID' | 'Node' | 'Address' | 'TaggedAddresses' | 'NodeMeta'> {
    return { ID: node.ID, Node: node.Node, Address: node.Address, TaggedAddresses: { ...node.TaggedAddresses }, NodeMeta: { ...node.Meta } };
  }

  /** updateSyncState: compare with the catalog and mark what must be pushed or removed. */
  async #compare(): Promise<void> {
    const { state, sync } = this.#deps;
    const node = this.#deps.node();
    const remote = await sync.nodeState(node.Node);
    const same = (a: unknown, b: unknown) => JSON.stringify(sortedKeys(a ?? {})) === JSON.stringify(sortedKeys(b ?? {}));
    state.nodeInfoInSync = remote !== undefined
      && remote.Node.ID === node.ID
      && same(remote.Node.TaggedAddresses, node.TaggedAddresses)
      && same(remote.Node.Meta, node.Meta);

    const remoteServices = new Map((remote?.Services ?? []).map((s) => [s.ID ?? '', s]));
    const localServices = new Map(state.serviceEntries());
    for (const [id, r] of remoteServices) {
      // The servers register themselves as "consul"; that is theirs to keep.
      if (!localServices.has(id) && id !== CONSUL_SERVICE_ID) state.addServiceTombstone(serviceFromCatalog(r));
    }
    for (const [id, entry] of localServices) {
      const r = remoteServices.get(id);
      if (r === undefined || entry.deleted) {
        state.setServiceInSync(id, false);
        continue;
      }
      // With EnableTagOverride the catalog's tags win: someone else manages them.
      if (entry.service.EnableTagOverride) state.adoptServiceTags(id, r.Tags ?? []);
      state.setServiceInSync(id, sameService(state.service(id)!, serviceFromCatalog(r)));
    }

    const remoteChecks = new Map((remote?.Checks ?? []).map((c) => [c.CheckID ?? '', c]));
    const localChecks = new Map(state.checkEntries());
    for (const [id, r] of remoteChecks) {
      if (id === SERF_HEALTH_CHECK_ID || localChecks.has(id)) continue;
      state.addCheckTombstone(checkFromCatalog(r, node.Node));
    }
    for (const [id, entry] of localChecks) {
      if (id === SERF_HEALTH_CHECK_ID) continue;
      const r = remoteChecks.get(id);
      if (r === undefined || entry.deleted) {
        state.setCheckInSync(id, false);
        continue;
      }
      // An output change still waiting out its deferral is not a difference yet.
      state.setCheckInSync(id, sameCheck(entry.check, r, entry.deferTimer !== undefined));
    }
  }

  /** SyncChanges: node, then services (with their checks), then the remaining checks. */
  async #push(): Promise<void> {
    const { state, sync } = this.#deps;
    const node = this.#deps.node();
    const fields = this.#nodeFields(node);
    if (!state.nodeInfoInSync) {
      await sync.register({ ...fields, SkipNodeUpdate: false });
      state.nodeInfoInSync = true;
    }
    const errors: string[] = [];
    for (const [id, entry] of state.serviceEntries()) {
      if (entry.inSync) continue;
      const version = entry.version;
      if (entry.deleted) {
        try {
          await sync.deregister({ Node: node.Node, ServiceID: id });
          state.pruneService(id, version);
        } catch (err) {
          if (messageOf(err).includes('Unknown service')) state.pruneService(id, version);
          else errors.push(`deregister service ${id}: ${messageOf(err)}`);
        }
        continue;
      }
      const checks = state.checkEntries().filter(([cid, c]) => !c.inSync && !c.deleted && c.check.ServiceID === id && cid !== SERF_HEALTH_CHECK_ID);
      const req: RegisterRequest = { ...fields, Service: nodeServiceJson(entry.service), SkipNodeUpdate: state.nodeInfoInSync };
      if (checks.length === 1) req.Check = healthCheckJson(checks[0]![1].check);
      else if (checks.length > 1) req.Checks = checks.map(([, c]) => healthCheckJson(c.check));
      const checkVersions = checks.map(([cid, c]) => [cid, c.version] as const);
      try {
        await sync.register(req);
        state.markServiceSynced(id, version);
        for (const [cid, v] of checkVersions) state.markCheckSynced(cid, v);
      } catch (err) {
        errors.push(`register service ${id}: ${messageOf(err)}`);
      }
    }
    for (const [id, entry] of state.checkEntries()) {
      if (entry.inSync || id === SERF_HEALTH_CHECK_ID) continue;
      const version = entry.version;
      if (entry.deleted) {
        try {
          await sync.deregister({ Node: node.Node, CheckID: id });
          state.pruneCheck(id, version);
        } catch (err) {
          if (messageOf(err).includes('Unknown check')) state.pruneCheck(id, version);
          else errors.push(`deregister check ${id}: ${messageOf(err)}`);
        }
        continue;
      }
      const req: RegisterRequest = { ...fields, Check: healthCheckJson(entry.check), SkipNodeUpdate: state.nodeInfoInSync };
      const service = entry.check.ServiceID === '' ? undefined : state.service(entry.check.ServiceID);
      if (service !== undefined) req.Service = nodeServiceJson(service);
      try {
        await sync.register(req);
        state.markCheckSynced(id, version);
      } catch (err) {
        errors.push(`register check ${id}: ${messageOf(err)}`);
      }
    }
    if (errors.length > 0) throw new ChorusError(ErrorCode.OperationFailed, errors.join('; '));
  }
}

function checkFromCatalog(r: Partial<HealthCheckJson>, node: string): LocalCheck {
  return {
    Node: r.Node ?? node,
    CheckID: r.CheckID ?? '',
    Name: r.Name ?? '',
    Status: r.Status === 'passing' || r.Status === 'warning' ? r.Status : 'critical',
    Notes: r.Notes ?? '',
    Output: r.Output ?? '',
    ServiceID: r.ServiceID ?? '',
    ServiceName: r.ServiceName ?? '',
    ServiceTags: [...(r.ServiceTags ?? [])],
    Type: r.Type ?? '',
    Interval: r.Interval ?? '',
    Timeout: r.Timeout ?? '',
  };
}
