import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { ConsistencyMode } from '../../catalog/index.js';
import { parseGoDuration } from './duration.js';
import { ConsulApiError, ConsulErrorCode } from './errors.js';
import { parseUint64 } from './numbers.js';

/** The query parameters every Consul read endpoint understands (reference §2). */
export interface QueryOptions {
  consistency: ConsistencyMode;
  /** `?index=`: 0 (or absent) means answer at once; otherwise block until the index moves past it. */
  minIndex: number;
  /** `?wait=` in milliseconds, undefined when absent. */
  waitMs: number | undefined;
  /** `?dc=`, undefined when absent or empty. */
  datacenter: string | undefined;
}

/**
 * Consul tests flags by presence (`?stale`, `?stale=false` alike); values
 * matter only where it says so.
 * Parses the shared options in Consul's order: consistency first, then wait
 * and index, so `?stale&consistent&wait=x` reports the consistency conflict.
 */
export function parseQueryOptions(params: URLSearchParams): QueryOptions {
  return {
    consistency: parseConsistency(params),
    ...parseBlocking(params),
    datacenter: params.get('dc') || undefined,
  };
}

export function parseConsistency(params: URLSearchParams): ConsistencyMode {
  let stale = params.has('stale');
  const consistent = params.has('consistent');
  const maxStale = params.get('max_stale');
  if (maxStale !== null && maxStale !== '') {
    const ms = parseGoDuration(maxStale);
    if (ms === undefined) throw new ChorusError(ErrorCode.BadRequest, `Invalid max_stale value ${JSON.stringify(maxStale)}`);
    if (ms > 0) stale = true;
  }
  if (stale && consistent) {
    throw new ChorusError(ErrorCode.BadRequest, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  }
  // ?leader asks for the default explicitly; it only matters when an agent defaults to stale.
  if (params.has('leader')) return 'default';
  return consistent ? 'consistent' : stale ? 'stale' : 'default';
}

function parseBlocking(params: URLSearchParams): { minIndex: number; waitMs: number | undefined } {
  let waitMs: number | undefined;
  const wait = params.get('wait');
  if (wait !== null && wait !== '') {
    waitMs = parseGoDuration(wait);
    if (waitMs === undefined) throw new ChorusError(ErrorCode.BadRequest, 'Invalid wait time');
  }
  let minIndex = 0;
  const index = params.get('index');
  if (index !== null && index !== '') {
    const parsed = parseUint64(index);
    if (typeof parsed !== 'bigint') throw new ChorusError(ErrorCode.BadRequest, 'Invalid index');
    // Past 2^53 precision is lost, but such an index is ahead of any real one either way.
    minIndex = Number(parsed);
  }
  return { minIndex, waitMs };
}

/** One datacenter for now: anything else has no path, as Consul says for an unknown one. */
export function requireDatacenter(options: QueryOptions, ours: string): void {
  if (options.datacenter !== undefined && options.datacenter !== ours) {
    throw new ConsulApiError(ConsulErrorCode.NoPathToDatacenter, 'No path to datacenter');
  }
}

/** Go's url.Values.Encode: keys sorted, each value query-escaped (space as +), as Consul echoes a query back. */
export function encodeGoQuery(params: URLSearchParams): string {
  const escape = (s: string): string =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
  const keys = [...new Set(params.keys())].sort();
  return keys.flatMap((k) => params.getAll(k).map((v) => `${escape(k)}=${escape(v)}`)).join('&');
}
