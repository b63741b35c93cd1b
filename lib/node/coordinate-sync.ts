import type { Butterfly } from '../butterfly/index.js';
import type { Coordinate } from '../butterfly/coordinate/types.js';
import type { CatalogBackend, CatalogCoordinate } from '../catalog/index.js';
import type { Clock, Timer } from '../core/clock.js';
import { ChorusError, ErrorCode, messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Random } from '../core/random.js';
import { CATALOG_SYNC_TIMEOUT_MS, type HttpCatalogSyncDeps } from './catalog-sync-http.js';

/** Consul's sync_coordinate_interval_min: an agent sends its coordinate at most this often. */
export const SYNC_COORDINATE_INTERVAL_MIN_MS = 15_000;
/** Consul's sync_coordinate_rate_target: past this many updates a second cluster-wide, agents slow down. */
export const SYNC_COORDINATE_RATE_TARGET = 64;

/**
 * Consul's lib.RateScaledInterval: `minMs`, or longer once `clusterSize`
 * agents each sending that often would exceed `rate` updates a second.
 */
export function coordinateSyncInterval(clusterSize: number, minMs = SYNC_COORDINATE_INTERVAL_MIN_MS, rate = SYNC_COORDINATE_RATE_TARGET): number {
  return Math.max(minMs, (1000 * clusterSize) / rate);
}

/** Where an agent's coordinate goes: Consul's Coordinate.Update. */
export type CoordinateUpdate = (update: CatalogCoordinate) => Promise<void>;

export interface CoordinateSyncDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  nodeName: string;
  /** This agent's coordinate now; undefined when it has none. */
  coordinate(): Coordinate | undefined;
  /** Members of the ring, for the rate scaling. */
  clusterSize(): number;
  send: CoordinateUpdate;
}

/**
 * Consul's agent sendCoordinate loop: every interval plus a random stagger of
 * up to one more interval (so a cluster started at once does not send at
 * once), this agent's coordinate goes to the servers. A failed send is
 * logged and the next tick tries again with a fresher coordinate.
 */
export class CoordinateSync {
  #timer: Timer | undefined;
  #stopped = false;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CoordinateSyncDeps, private readonly intervalMinMs = SYNC_COORDINATE_INTERVAL_MIN_MS) {}

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#inFlight;
  }

  /** Sends the current coordinate now; resolves false when there was none to send or the send failed. */
  async syncNow(): Promise<boolean> {
    const Coord = this.deps.coordinate();
    if (Coord === undefined) return false;
    try {
      await this.deps.send({ Node: this.deps.nodeName, Segment: '', Coord });
      return true;
    } catch (err) {
      const denied = err instanceof ChorusError && /Permission denied|ACL not found/.test(err.message);
      if (denied) this.deps.logger.warn('Coordinate update blocked by ACLs');
      else this.deps.logger.warn(`Coordinate update error: ${messageOf(err)}`);
      return false;
    }
  }

  #schedule(): void {
    const interval = coordinateSyncInterval(this.deps.clusterSize(), this.intervalMinMs);
    const stagger = this.deps.random.next() * interval;
    this.#timer = this.deps.clock.setTimer(interval + stagger, () => {
      if (this.#stopped) return;
      this.#schedule();
      // Chained: a slow send delays the next rather than overlapping it.
      this.#inFlight = this.#inFlight.then(() => this.syncNow()).then(() => undefined);
    });
  }
}

/** On a server: straight into the Raft log (a follower forwards it to the leader). */
export function serverCoordinateUpdate(backend: () => Pick<CatalogBackend, 'write'>): CoordinateUpdate {
  return async (update) => {
    await backend().write({ type: 'coordinate.batch-update', Coordinates: [update] });
  };
}

/** On a client: Consul's PUT /v1/coordinate/update on a server's gateway, with the agent's tokens. */
export function httpCoordinateUpdate(deps: HttpCatalogSyncDeps): CoordinateUpdate {
  const headers: Record<string, string> = {};
  if (deps.gatewayAuthToken !== undefined) headers.Authorization = `Bearer ${deps.gatewayAuthToken}`;
  if (deps.aclToken !== undefined) headers['X-Consul-Token'] = deps.aclToken;
  return async (update) => {
    const base = deps.server();
    if (base === undefined) throw new ChorusError(ErrorCode.Unavailable, 'No known Consul servers');
    const res = await fetch(`${base}/v1/coordinate/update`, {
      method: 'PUT', headers, body: JSON.stringify(update), signal: AbortSignal.timeout(CATALOG_SYNC_TIMEOUT_MS),
    });
    const text = (await res.text()).trim();
    if (!res.ok) throw new ChorusError(res.status === 403 ? ErrorCode.Forbidden : ErrorCode.OperationFailed, `PUT /v1/coordinate/update: ${res.status} ${text}`);
  };
}

/** The alive servers' coordinates as this member's gossip has them: Consul's WAN pool for one datacenter. */
export function serverCoordinates(butterfly: Pick<Butterfly, 'members' | 'memberCoordinate'>): Array<{ Node: string; Coord: Coordinate }> {
  const out: Array<{ Node: string; Coord: Coordinate }> = [];
  for (const m of butterfly.members()) {
    if (m.state !== 'alive' || m.tags.role !== 'consul') continue;
    const Coord = butterfly.memberCoordinate(m.id);
    if (Coord !== undefined) out.push({ Node: m.name, Coord });
  }
  return out;
}
