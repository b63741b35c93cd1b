import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Random } from '../core/random.js';
import { AntiEntropy, type AntiEntropyOptions } from './anti-entropy.js';
import type { AgentNodeInfo, CatalogSync } from './catalog-sync.js';
import {
  createRunner, CriticalServiceReaper, systemExecutors, type AliasSource, type CheckExecutors, type CheckRunner, type TtlRunner,
} from './checks/index.js';
import {
  AGENT_STATE_FILE, CHECK_REAP_INTERVAL_MS, DEFAULT_NODE_MAINTENANCE_REASON, DEFAULT_SERVICE_MAINTENANCE_REASON, DEREGISTER_CRITICAL_MIN_MS,
  MAINTENANCE_CHECK_TYPE, NODE_MAINTENANCE_CHECK_ID, NODE_MAINTENANCE_NAME, SERVICE_MAINTENANCE_NAME, SERVICE_MAINTENANCE_PREFIX,
} from './constants.js';
import { formatGoDuration } from './duration.js';
import { aggregatedStatus } from './health.js';
import { LocalState } from './local-state.js';
import { AgentStateFile, type PersistedCheck, type PersistedState } from './persist.js';
import { agentServiceJson, contentHash, healthCheckJson, serviceFromDefinition } from './shapes.js';
import type { AgentServiceJson, CheckDefinition, CheckStatus, HealthCheckJson, LocalCheck, LocalService, RegistrationSource, ServiceDefinition, ServiceHealthJson } from './types.js';
import { checkType, serviceCheckDefinitions, validateCheckDefinition, validateServiceDefinition } from './validate.js';

export interface LocalAgentDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  /** This node's name, the `Node` of every check. */
  nodeName: string;
  /** Shown as `Datacenter` in AgentService documents; omitted when undefined. */
  datacenter?: string;
  /** Where API registrations and maintenance survive restarts; without it they live in memory only. */
  dataDir?: string;
  /** Scripts, HTTP and TCP for the checks; default: the real ones. */
  executors?: CheckExecutors;
}

export interface LocalAgentOptions {
  /** Check intervals below this are raised to it (Consul: 1 s). */
  minCheckIntervalMs?: number;
  /** DeregisterCriticalServiceAfter below this is raised to it (Consul: 1 min). */
  deregisterCriticalMinMs?: number;
  /** How often the critical-service reaper runs (Consul: 30 s). */
  checkReapIntervalMs?: number;
  /** Output-only check changes reach the catalog this often (Consul: 5 min; 0: at once). */
  checkUpdateIntervalMs?: number;
}

/** A check supervised from outside: the agent shows the status it is told. */
export interface ExternalCheck {
  CheckID: string;
  Name: string;
  Notes?: string;
  Status?: CheckStatus;
  Output?: string;
}

export interface RegisterServiceOptions {
  /** Remove the service's checks that this registration does not name. */
  replaceExistingChecks?: boolean;
  /** Default 'api' (persisted); 'supervisor' registrations come back from the supervisor instead. */
  source?: RegistrationSource;
  /** Checks whose status the caller sets through setCheckStatus (the supervisor's health hook). */
  externalChecks?: ExternalCheck[];
}

interface CheckRuntime {
  runner?: CheckRunner;
  ttl?: TtlRunner;
  /** How the check runs; null for maintenance and external checks. */
  definition: CheckDefinition | null;
  /** When a TTL check was last told its status (clock ms). */
  ttlReportedAt?: number;
}

function notFoundService(id: string): ChorusError {
  return new ChorusError(ErrorCode.NotFound, `Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`);
}

function notFoundCheck(id: string): ChorusError {
  return new ChorusError(ErrorCode.NotFound, `Unknown check ID ${JSON.stringify(id)}. Ensure that the check ID is passed, not the check name.`);
}

/**
 * The local agent: the services and checks of this node, the runners that
 * check them, the reaper of services critical too long, their persistence in
 * the data directory, and (once started with a CatalogSync) anti-entropy with
 * the catalog. Every method throws ChorusErrors carrying Consul's texts.
 */
export class LocalAgent {
  readonly state: LocalState;
  readonly #deps: LocalAgentDeps;
  readonly #options: LocalAgentOptions;
  readonly #executors: CheckExecutors;
  readonly #runtimes = new Map<string, CheckRuntime>();
  readonly #reaper: CriticalServiceReaper;
  readonly #file: AgentStateFile | undefined;
  readonly #log: Logger;
  readonly #aliasSource: AliasSource;
  /** Restored checks of services not registered yet (the supervisor registers its own later). */
  readonly #pending = new Map<string, PersistedCheck[]>();
  #ae: AntiEntropy | undefined;
  /** How AliasNode checks read the catalog: anti-entropy's way to it, once there is one. */
  #catalog: CatalogSync | undefined;
  #stopped = false;

  constructor(deps: LocalAgentDeps, options: LocalAgentOptions = {}) {
    this.#deps = deps;
    this.#options = options;
    this.#log = deps.logger.child({ component: 'AGENT' });
    this.#executors = deps.executors ?? systemExecutors(deps.clock);
    this.state = new LocalState(
      { clock: deps.clock, random: deps.random },
      options.checkUpdateIntervalMs === undefined ? {} : { checkUpdateIntervalMs: options.checkUpdateIntervalMs },
    );
    this.#reaper = new CriticalServiceReaper(
      {
        clock: deps.clock,
        state: this.state,
        reap: (id) => {
          this.#log.info(`Check for service ${id} has been critical for too long; deregistering service`);
          this.#removeService(id);
          void this.#persist().catch((err: unknown) => this.#log.error(`cannot persist agent state: ${messageOf(err)}`));
        },
      },
      options.checkReapIntervalMs ?? CHECK_REAP_INTERVAL_MS,
    );
    this.#aliasSource = this.#makeAliasSource();
    this.#file = deps.dataDir === undefined ? undefined : new AgentStateFile(join(deps.dataDir, AGENT_STATE_FILE), { clock: deps.clock, logger: this.#log });
  }

  /** Brings back what was registered through the API before a restart, and starts the reaper. */
  async start(): Promise<void> {
    const saved = await this.#file?.load();
    if (saved !== undefined) this.#restore(saved);
    this.#reaper.start();
  }

  /** Stops anti-entropy, the runners and the reaper; waits for a pending write. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ae?.stop();
    this.#reaper.stop();
    for (const rt of this.#runtimes.values()) rt.runner?.stop();
    this.#runtimes.clear();
    this.state.close();
    await this.#file?.idle();
  }

  /** Starts keeping the catalog in sync through `sync`; the first full sync runs at once. */
  startAntiEntropy(sync: CatalogSync, node: () => AgentNodeInfo, options: AntiEntropyOptions & { clusterSize?: () => number } = {}): AntiEntropy {
    this.#ae?.stop();
    this.#catalog = sync;
    this.#ae = new AntiEntropy(
      {
        clock: this.#deps.clock,
        random: this.#deps.random,
        logger: this.#log,
        state: this.state,
        sync,
        node,
        ...(options.clusterSize === undefined ? {} : { clusterSize: options.clusterSize }),
      },
      options,
    );
    if (!this.#stopped) this.#ae.start();
    return this.#ae;
  }

  /**
   * Pushes local changes to the catalog now, as Consul's HTTP handlers do
   * after every write; a failure is only logged (the next sync retries).
   */
  async syncChanges(): Promise<void> {
    if (this.#ae === undefined) return;
    try {
      await this.#ae.syncChanges();
    } catch (err) {
      this.#log.warn(`failed to sync changes: ${messageOf(err)}`);
    }
  }

  // ---- reads ------------------------------------------------------------------------------------

  /** `/v1/agent/services`. */
  servicesJson(): Record<string, AgentServiceJson> {
    return Object.fromEntries(this.state.services().map((s) => [s.ID, agentServiceJson(s, this.#deps.datacenter)]));
  }

  /** `/v1/agent/service/:id`: the service with its ContentHash, or undefined. */
  serviceJson(id: string): AgentServiceJson | undefined {
    const s = this.state.service(id);
    if (s === undefined) return undefined;
    const json = agentServiceJson(s, this.#deps.datacenter);
    json.ContentHash = contentHash(json);
    return json;
  }

  /** `/v1/agent/checks`. */
  checksJson(): Record<string, HealthCheckJson> {
    return Object.fromEntries(this.state.checks().map((c) => [c.CheckID, healthCheckJson(c)]));
  }

  /** One service's health with the node's checks (agentHealthService), or undefined for an unknown ID. */
  serviceHealth(id: string): ServiceHealthJson | undefined {
    const s = this.state.service(id);
    if (s === undefined) return undefined;
    const checks = this.state.checksForService(id, true);
    return { AggregatedStatus: aggregatedStatus(checks), Service: agentServiceJson(s, this.#deps.datacenter), Checks: checks.map(healthCheckJson) };
  }

  /** The health of every local instance named `name`, in ID order. */
  serviceHealthByName(name: string): ServiceHealthJson[] {
    return this.state.services().filter((s) => s.Service === name).map((s) => this.serviceHealth(s.ID)!);
  }

  /** Resolves at the next change of service `id` (registered, changed or removed), or when `signal` aborts. */
  waitForServiceChange(id: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        unsubscribe();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const unsubscribe = this.state.onChange((c) => {
        if (c.kind === 'service' && c.id === id) done();
      });
      signal.addEventListener('abort', done, { once: true });
    });
  }

  // ---- services -------------------------------------------------------------------------------

  /** `PUT /v1/agent/service/register`. */
  async registerService(def: ServiceDefinition, options: RegisterServiceOptions = {}): Promise<void> {
    validateServiceDefinition(def);
    const service = serviceFromDefinition(def);
    const source = options.source ?? 'api';
    const definitions = serviceCheckDefinitions(def);
    const keep = new Set<string>();
    // Re-registering keeps a check's last status and output (Consul's check snapshot).
    const snapshot = (id: string) => this.state.check(id);
    this.state.addService(service, source);
    definitions.forEach((d, i) => {
      const check = this.#checkFromDefinition(d, service, i, definitions.length);
      const prev = snapshot(check.CheckID);
      if (prev !== undefined) Object.assign(check, { Status: prev.Status, Output: prev.Output });
      keep.add(check.CheckID);
      this.#addCheck(check, { ...d, ServiceID: service.ID }, source);
    });
    for (const x of options.externalChecks ?? []) {
      const prev = snapshot(x.CheckID);
      const check: LocalCheck = {
        ...this.#baseCheck(x.CheckID, x.Name, service),
        Notes: x.Notes ?? '',
        Status: prev?.Status ?? x.Status ?? 'critical',
        Output: prev?.Output ?? x.Output ?? '',
        Type: 'script',
      };
      keep.add(x.CheckID);
      this.#addCheck(check, null, source);
    }
    if (options.replaceExistingChecks) {
      for (const c of this.state.checksForService(service.ID, false)) if (!keep.has(c.CheckID)) this.#removeCheck(c.CheckID);
    }
    for (const p of this.#pending.get(service.ID) ?? []) this.#restoreCheck(p, service);
    this.#pending.delete(service.ID);
    await this.#persist();
  }

  /** `PUT /v1/agent/service/deregister/:id`: the service and all its checks. */
  async deregisterService(id: string): Promise<void> {
    if (this.state.service(id) === undefined) throw notFoundService(id);
    this.#removeService(id);
    await this.#persist();
  }

  /** `PUT /v1/agent/service/maintenance/:id`. Enabling twice keeps the first reason, as Consul does. */
  async setServiceMaintenance(id: string, enable: boolean, reason: string): Promise<void> {
    const service = this.state.service(id);
    if (service === undefined) throw notFoundService(id);
    const checkId = `${SERVICE_MAINTENANCE_PREFIX}${id}`;
    if (enable) {
      if (this.state.check(checkId) !== undefined) return;
      this.#addCheck({
        ...this.#baseCheck(checkId, SERVICE_MAINTENANCE_NAME, service),
        ServiceTags: [],
        Notes: reason || DEFAULT_SERVICE_MAINTENANCE_REASON,
        Type: MAINTENANCE_CHECK_TYPE,
      }, null, 'api');
      this.#log.info(`Service ${id} entered maintenance mode`);
    } else {
      if (!this.#removeCheck(checkId)) return;
      this.#log.info(`Service ${id} left maintenance mode`);
    }
    await this.#persist();
  }

  /** `PUT /v1/agent/maintenance`. */
  async setNodeMaintenance(enable: boolean, reason: string): Promise<void> {
    if (enable) {
      if (this.state.check(NODE_MAINTENANCE_CHECK_ID) !== undefined) return;
      this.#addCheck({
        ...this.#baseCheck(NODE_MAINTENANCE_CHECK_ID, NODE_MAINTENANCE_NAME, undefined),
        Notes: reason || DEFAULT_NODE_MAINTENANCE_REASON,
        Type: MAINTENANCE_CHECK_TYPE,
      }, null, 'api');
      this.#log.info('Node entered maintenance mode');
    } else {
      if (!this.#removeCheck(NODE_MAINTENANCE_CHECK_ID)) return;
      this.#log.info('Node left maintenance mode');
    }
    await this.#persist();
  }

  // ---- checks ---------------------------------------------------------------------------------

  /** `PUT /v1/agent/check/register`. ID defaults to Name. */
  async registerCheck(def: CheckDefinition): Promise<void> {
    validateCheckDefinition(def);
    let service: LocalService | undefined;
    if (def.ServiceID) {
      service = this.state.service(def.ServiceID);
      if (service === undefined) throw new ChorusError(ErrorCode.NotFound, `ServiceID ${JSON.stringify(def.ServiceID)} does not exist`);
    }
    const check = this.#checkFromDefinition({ ...def, CheckID: def.CheckID || def.Name }, service, 0, 1);
    this.#addCheck(check, def, 'api');
    await this.#persist();
  }

  /** `PUT /v1/agent/check/deregister/:id`. */
  async deregisterCheck(id: string): Promise<void> {
    if (this.state.check(id) === undefined) throw notFoundCheck(id);
    this.#removeCheck(id);
    await this.#persist();
  }

  /** `pass|warn|fail|update` of a TTL check: its status, output (truncated) and a fresh TTL. */
  async updateTtlCheck(id: string, status: CheckStatus, output: string): Promise<void> {
    if (this.state.check(id) === undefined) throw notFoundCheck(id);
    const rt = this.#runtimes.get(id);
    if (rt?.ttl === undefined) throw new ChorusError(ErrorCode.OperationFailed, `CheckID ${JSON.stringify(id)} does not have associated TTL`);
    rt.ttl.setStatus(status, output);
    rt.ttlReportedAt = this.#deps.clock.now();
    await this.#persist();
  }

  /** Sets the status of an external check (the supervisor's health hook). NotFound for an unknown one. */
  setCheckStatus(id: string, status: CheckStatus, output: string): void {
    if (this.state.check(id) === undefined) throw notFoundCheck(id);
    this.state.updateCheck(id, status, output);
  }

  // ---- internals ------------------------------------------------------------------------------

  /** What alias checks mirror: this agent's state, and the catalog for AliasNode. */
  #makeAliasSource(): AliasSource {
    return {
      nodeName: this.#deps.nodeName,
      localChecks: () => this.state.checks(),
      serviceExists: (id) => this.state.service(id) !== undefined,
      onLocalChange: (fn) => this.state.onChange(fn),
      catalogNode: (node) => {
        if (this.#catalog === undefined) return Promise.reject(new ChorusError(ErrorCode.Unavailable, 'No known Consul servers'));
        return this.#catalog.nodeState(node);
      },
    };
  }

  #baseCheck(checkId: string, name: string, service: LocalService | undefined): LocalCheck {
    return {
      Node: this.#deps.nodeName,
      CheckID: checkId,
      Name: name,
      Status: 'critical',
      Notes: '',
      Output: '',
      ServiceID: service?.ID ?? '',
      ServiceName: service?.Service ?? '',
      ServiceTags: service === undefined ? [] : [...service.Tags],
      Type: '',
      Interval: '',
      Timeout: '',
    };
  }

  /** The HealthCheck for a definition; embedded checks get `service:<id>[:<n>]` and `Service '<name>' check`. */
  #checkFromDefinition(def: CheckDefinition, service: LocalService | undefined, index: number, count: number): LocalCheck {
    let id = def.CheckID ?? '';
    if (id === '' && service !== undefined) id = count > 1 ? `service:${service.ID}:${index + 1}` : `service:${service.ID}`;
    const name = def.Name || (service !== undefined ? `Service '${service.Service}' check` : id);
    return {
      ...this.#baseCheck(id, name, service),
      Status: (def.Status || 'critical') as CheckStatus,
      Notes: def.Notes ?? '',
      Type: checkType(def),
      Interval: (def.IntervalMs ?? 0) > 0 ? formatGoDuration(def.IntervalMs!) : '',
      Timeout: (def.TimeoutMs ?? 0) > 0 ? formatGoDuration(def.TimeoutMs!) : '',
    };
  }

  /** Adds a check and (re)starts its runner. */
  #addCheck(check: LocalCheck, definition: CheckDefinition | null, source: RegistrationSource): CheckRuntime {
    this.#runtimes.get(check.CheckID)?.runner?.stop();
    this.#reaper.forget(check.CheckID);
    this.state.addCheck(check, source);
    const rt: CheckRuntime = { definition };
    if (definition !== null) {
      const created = createRunner(
        { clock: this.#deps.clock, random: this.#deps.random, executors: this.#executors, alias: this.#aliasSource },
        definition,
        (status, output) => this.state.updateCheck(check.CheckID, status, output),
        { checkId: check.CheckID, ...(this.#options.minCheckIntervalMs === undefined ? {} : { minIntervalMs: this.#options.minCheckIntervalMs }) },
      );
      rt.runner = created.runner;
      if (created.ttl !== undefined) rt.ttl = created.ttl;
      const reapAfter = definition.DeregisterCriticalServiceAfterMs ?? 0;
      if (reapAfter > 0 && check.ServiceID !== '') {
        const min = this.#options.deregisterCriticalMinMs ?? DEREGISTER_CRITICAL_MIN_MS;
        if (reapAfter < min) this.#log.warn(`check ${check.CheckID} has deregister interval below minimum of ${formatGoDuration(min)}`);
        this.#reaper.watch(check.CheckID, Math.max(reapAfter, min));
      }
    }
    this.#runtimes.set(check.CheckID, rt);
    if (!this.#stopped) rt.runner?.start();
    return rt;
  }

  #removeCheck(id: string): boolean {
    this.#runtimes.get(id)?.runner?.stop();
    this.#runtimes.delete(id);
    this.#reaper.forget(id);
    return this.state.removeCheck(id);
  }

  #removeService(id: string): void {
    for (const c of this.state.checksForService(id, false)) this.#removeCheck(c.CheckID);
    this.state.removeService(id);
  }

  #persist(): Promise<void> {
    if (this.#file === undefined) return Promise.resolve();
    return this.#file.save(() => this.#snapshot());
  }

  #snapshot(): PersistedState {
    const services = this.state.services().filter((s) => this.state.serviceSource(s.ID) === 'api');
    const checks: PersistedCheck[] = [];
    for (const [id, entry] of this.state.checkEntries()) {
      if (entry.deleted || entry.source !== 'api') continue;
      const rt = this.#runtimes.get(id);
      const persisted: PersistedCheck = { check: entry.check, definition: rt?.definition ?? null };
      if (rt?.ttl !== undefined && rt.ttlReportedAt !== undefined && rt.definition?.TTLMs !== undefined) {
        persisted.ttl = { status: entry.check.Status, output: entry.check.Output, expiresAt: rt.ttlReportedAt + rt.definition.TTLMs };
      }
      checks.push(persisted);
    }
    // Checks of services that have not come back yet stay saved until they do.
    for (const list of this.#pending.values()) checks.push(...list);
    return { version: 1, services, checks };
  }

  #restore(saved: PersistedState): void {
    for (const service of saved.services) this.state.addService(service, 'api');
    for (const p of saved.checks) {
      const service = p.check.ServiceID === '' ? undefined : this.state.service(p.check.ServiceID);
      if (p.check.ServiceID !== '' && service === undefined) {
        const list = this.#pending.get(p.check.ServiceID) ?? [];
        list.push(p);
        this.#pending.set(p.check.ServiceID, list);
        continue;
      }
      this.#restoreCheck(p, service);
    }
    this.#log.info(`restored ${saved.services.length} services and ${saved.checks.length} checks from the data directory`);
  }

  #restoreCheck(p: PersistedCheck, service: LocalService | undefined): void {
    const check: LocalCheck = { ...p.check, Node: this.#deps.nodeName, Output: '' };
    if (service !== undefined) Object.assign(check, { ServiceName: service.Service });
    // A TTL check comes back as last reported while its TTL lasts; everything else starts over.
    const live = p.ttl !== undefined && p.ttl.expiresAt > this.#deps.clock.now();
    if (p.definition !== null && !live && p.check.Type !== MAINTENANCE_CHECK_TYPE) check.Status = (p.definition.Status || 'critical') as CheckStatus;
    if (live) Object.assign(check, { Status: p.ttl!.status, Output: p.ttl!.output });
    const rt = this.#addCheck(check, p.definition, 'api');
    if (live) rt.ttl?.restoreOutput(p.ttl!.output);
  }
}
