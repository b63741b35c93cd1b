import type { Clock, Timer } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { CHECK_UPDATE_INTERVAL_MS, NODE_MAINTENANCE_CHECK_ID, SERVICE_MAINTENANCE_PREFIX } from './constants.js';
import { sameService } from './shapes.js';
import type { CheckStatus, LocalCheck, LocalService, RegistrationSource } from './types.js';

/**
 * What the agent knows locally (Consul's agent/local State): services and
 * checks, each with an in-sync flag for anti-entropy. A removal only marks an
 * entry deleted; it disappears once the catalog has forgotten it too, so a
 * deregistration is never lost to a failed sync.
 */
export interface ServiceEntry {
  service: LocalService;
  inSync: boolean;
  deleted: boolean;
  source: RegistrationSource;
  /** Bumped on every change, so a sync that raced a change does not mark the newer state in sync. */
  version: number;
}

export interface CheckEntry {
  check: LocalCheck;
  inSync: boolean;
  deleted: boolean;
  source: RegistrationSource;
  version: number;
  /** Since when (clock ms) the check has been critical without a break; undefined when it is not. */
  criticalSince: number | undefined;
  /** Pending catalog update of an output-only change. */
  deferTimer: Timer | undefined;
}

export type StateChange =
  | { kind: 'service'; id: string }
  | { kind: 'check'; id: string; serviceId: string }
  | { kind: 'node' };

export interface LocalStateDeps {
  clock: Clock;
  random: Random;
}

export interface LocalStateOptions {
  /**
   * Output-only changes of a check reach the catalog after interval/2 plus up
   * to one interval (Consul's check_update_interval); 0 sends them at once.
   * Default 5 minutes.
   */
  checkUpdateIntervalMs?: number;
}

export class LocalState {
  readonly #deps: LocalStateDeps;
  readonly #checkUpdateIntervalMs: number;
  readonly #services = new Map<string, ServiceEntry>();
  readonly #checks = new Map<string, CheckEntry>();
  readonly #listeners = new Set<(change: StateChange) => void>();
  #version = 0;
  /** Whether the catalog's node entry matches ours (ID, tagged addresses, meta). */
  nodeInfoInSync = false;

  constructor(deps: LocalStateDeps, options: LocalStateOptions = {}) {
    this.#deps = deps;
    this.#checkUpdateIntervalMs = options.checkUpdateIntervalMs ?? CHECK_UPDATE_INTERVAL_MS;
  }

  /** Calls `fn` after every change; returns a function that stops it. */
  onChange(fn: (change: StateChange) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(change: StateChange): void {
    for (const fn of [...this.#listeners]) fn(change);
  }

  #nextVersion(): number {
    return ++this.#version;
  }

  /** Moves on every change of any service or check: a cheap "anything new?" for callers. */
  get version(): number {
    return this.#version;
  }

  // ---- reads: deleted entries are invisible ------------------------------------------------

  service(id: string): LocalService | undefined {
    const e = this.#services.get(id);
    return e === undefined || e.deleted ? undefined : e.service;
  }

  serviceSource(id: string): RegistrationSource | undefined {
    const e = this.#services.get(id);
    return e === undefined || e.deleted ? undefined : e.source;
  }

  /** Live services ordered by ID. */
  services(): LocalService[] {
    return [...this.#services.values()].filter((e) => !e.deleted).map((e) => e.service).sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  }

  check(id: string): LocalCheck | undefined {
    const e = this.#checks.get(id);
    return e === undefined || e.deleted ? undefined : e.check;
  }

  checkEntry(id: string): CheckEntry | undefined {
    const e = this.#checks.get(id);
    return e === undefined || e.deleted ? undefined : e;
  }

  /** Live checks ordered by ID. */
  checks(): LocalCheck[] {
    return [...this.#checks.values()].filter((e) => !e.deleted).map((e) => e.check).sort((a, b) => (a.CheckID < b.CheckID ? -1 : a.CheckID > b.CheckID ? 1 : 0));
  }

  /** The checks of one service, and with `includeNode` the node's own checks too (ChecksForService). */
  checksForService(serviceId: string, includeNode: boolean): LocalCheck[] {
    return this.checks().filter((c) => c.ServiceID === serviceId || (includeNode && c.ServiceID === ''));
  }

  /** Every entry, deleted ones included, for anti-entropy. */
  serviceEntries(): Array<[string, ServiceEntry]> {
    return [...this.#services.entries()];
  }

  checkEntries(): Array<[string, CheckEntry]> {
    return [...this.#checks.entries()];
  }

  // ---- writes --------------------------------------------------------------------------------

  /** Adds or replaces a service. It stays in sync only if it was and nothing the catalog keeps changed. */
  addService(service: LocalService, source: RegistrationSource): void {
    const prev = this.#services.get(service.ID);
    const inSync = prev !== undefined && !prev.deleted && prev.inSync && sameService(prev.service, service);
    this.#services.set(service.ID, { service, inSync, deleted: false, source, version: this.#nextVersion() });
    this.#emit({ kind: 'service', id: service.ID });
  }

  /** Marks a service deleted; false when there is no such live service. */
  removeService(id: string): boolean {
    const e = this.#services.get(id);
    if (e === undefined || e.deleted) return false;
    e.deleted = true;
    e.inSync = false;
    e.version = this.#nextVersion();
    this.#emit({ kind: 'service', id });
    return true;
  }

  /** Adds or replaces a check; an unchanged critical check keeps counting from when it turned critical. */
  addCheck(check: LocalCheck, source: RegistrationSource): void {
    const prev = this.#checks.get(check.CheckID);
    prev?.deferTimer?.cancel();
    const live = prev !== undefined && !prev.deleted;
    this.#checks.set(check.CheckID, {
      check,
      inSync: live && prev.inSync && sameLocalCheck(prev.check, check),
      deleted: false,
      source,
      version: this.#nextVersion(),
      criticalSince: live && prev.check.Status === 'critical' && check.Status === 'critical' ? prev.criticalSince : undefined,
      deferTimer: undefined,
    });
    this.#emit({ kind: 'check', id: check.CheckID, serviceId: check.ServiceID });
  }

  removeCheck(id: string): boolean {
    const e = this.#checks.get(id);
    if (e === undefined || e.deleted) return false;
    e.deleted = true;
    e.inSync = false;
    e.deferTimer?.cancel();
    e.deferTimer = undefined;
    e.version = this.#nextVersion();
    this.#emit({ kind: 'check', id, serviceId: e.check.ServiceID });
    return true;
  }

  /**
   * A check's new result (State.UpdateCheck). Identical results change
   * nothing; a change of output alone is shown locally at once but reaches
   * the catalog later, so chatty checks do not write to Raft on every run.
   * Returns whether anything changed.
   */
  updateCheck(id: string, status: CheckStatus, output: string): boolean {
    const e = this.#checks.get(id);
    if (e === undefined || e.deleted) return false;
    if (status === 'critical') e.criticalSince ??= this.#deps.clock.now();
    else e.criticalSince = undefined;
    if (e.check.Status === status && e.check.Output === output) return false;
    e.version = this.#nextVersion();
    if (this.#checkUpdateIntervalMs > 0 && e.check.Status === status) {
      e.check = { ...e.check, Output: output };
      if (e.deferTimer === undefined && e.inSync) {
        const interval = this.#checkUpdateIntervalMs;
        const wait = interval / 2 + Math.floor(this.#deps.random.next() * interval);
        e.deferTimer = this.#deps.clock.setTimer(wait, () => {
          e.deferTimer = undefined;
          if (e.deleted) return;
          e.inSync = false;
          this.#emit({ kind: 'check', id, serviceId: e.check.ServiceID });
        });
      } else if (e.deferTimer === undefined) {
        // Already out of sync: the next sync carries the new output anyway.
        this.#emit({ kind: 'check', id, serviceId: e.check.ServiceID });
      }
      return true;
    }
    e.deferTimer?.cancel();
    e.deferTimer = undefined;
    e.check = { ...e.check, Status: status, Output: output };
    e.inSync = false;
    this.#emit({ kind: 'check', id, serviceId: e.check.ServiceID });
    return true;
  }

  /** Adopts tags set in the catalog by someone else (EnableTagOverride); the service stays as in sync as it was. */
  adoptServiceTags(id: string, tags: string[]): void {
    const e = this.#services.get(id);
    if (e === undefined || e.deleted) return;
    if (JSON.stringify(e.service.Tags) === JSON.stringify(tags)) return;
    e.service = { ...e.service, Tags: [...tags] };
    e.version = this.#nextVersion();
    this.#emit({ kind: 'service', id });
  }

  // ---- anti-entropy bookkeeping ------------------------------------------------------------

  /** Marks an entry in sync after the catalog took `version` of it; a newer local change wins. */
  markServiceSynced(id: string, version: number): void {
    const e = this.#services.get(id);
    if (e !== undefined && e.version === version && !e.deleted) e.inSync = true;
  }

  markCheckSynced(id: string, version: number): void {
    const e = this.#checks.get(id);
    if (e !== undefined && e.version === version && !e.deleted) e.inSync = true;
  }

  setServiceInSync(id: string, inSync: boolean): void {
    const e = this.#services.get(id);
    if (e !== undefined) e.inSync = inSync;
  }

  setCheckInSync(id: string, inSync: boolean): void {
    const e = this.#checks.get(id);
    if (e !== undefined) e.inSync = inSync;
  }

  /** Forgets a deleted service once the catalog has too (and its deleted checks with it). */
  pruneService(id: string, version: number): void {
    const e = this.#services.get(id);
    if (e === undefined || !e.deleted || e.version !== version) return;
    this.#services.delete(id);
    for (const [checkId, c] of this.#checks) {
      if (c.deleted && c.check.ServiceID === id) this.#checks.delete(checkId);
    }
  }

  pruneCheck(id: string, version: number): void {
    const e = this.#checks.get(id);
    if (e !== undefined && e.deleted && e.version === version) this.#checks.delete(id);
  }

  /** Records a service only the catalog has, so the next sync removes it there. */
  addServiceTombstone(service: LocalService): void {
    if (this.#services.has(service.ID)) return;
    this.#services.set(service.ID, { service, inSync: false, deleted: true, source: 'api', version: this.#nextVersion() });
  }

  addCheckTombstone(check: LocalCheck): void {
    if (this.#checks.has(check.CheckID)) return;
    this.#checks.set(check.CheckID, {
      check, inSync: false, deleted: true, source: 'api', version: this.#nextVersion(), criticalSince: undefined, deferTimer: undefined,
    });
  }

  /** Whether anything waits to be pushed to the catalog. */
  get outOfSync(): boolean {
    if (!this.nodeInfoInSync) return true;
    for (const e of this.#services.values()) if (!e.inSync) return true;
    for (const e of this.#checks.values()) if (!e.inSync) return true;
    return false;
  }

  /** Cancels pending deferred updates (on agent stop). */
  close(): void {
    for (const e of this.#checks.values()) {
      e.deferTimer?.cancel();
      e.deferTimer = undefined;
    }
  }
}

function sameLocalCheck(a: LocalCheck, b: LocalCheck): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether a check id names a maintenance check (node or service). */
export function isMaintenanceCheck(id: string): boolean {
  return id === NODE_MAINTENANCE_CHECK_ID || id.startsWith(SERVICE_MAINTENANCE_PREFIX);
}
