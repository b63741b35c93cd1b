import type { CatalogReader } from './state.js';
import type { CatalogCommand, LogIndex, ResultOf, WatchScope } from './types.js';

/**
 * Consul's read modes: `default` is answered by the leader from its state,
 * `consistent` by the leader after confirming with a quorum that it still
 * leads (ReadIndex), `stale` by any server from its own state.
 */
export type ConsistencyMode = 'default' | 'consistent' | 'stale';

/** What a query computes from the state: its value and the index a blocking query waits past. */
export interface QueryResult<T> {
  value: T;
  index: LogIndex;
}

/** A query's result with the facts Consul reports in X-Consul-KnownLeader and X-Consul-LastContact. */
export interface QueryAnswer<T> extends QueryResult<T> {
  knownLeader: boolean;
  /** Milliseconds since this server last heard from the leader; 0 on the leader. */
  lastContactMs: number;
}

/**
 * The catalog as the HTTP API sees it. Two implementations: the local backend
 * (one process, no Raft; tests and single-node use) and the Raft-backed one,
 * which routes writes through the log and reads through the leader.
 */
export interface CatalogBackend {
  /** The datacenter this catalog serves; requests for any other one fail. */
  readonly datacenter: string;
  /**
   * Runs `query` against a state that satisfies `mode`. The query must be
   * synchronous and must not keep references into the state past its return
   * beyond the immutable entries it collected.
   */
  read<T>(mode: ConsistencyMode, query: (state: CatalogReader) => QueryResult<T>): Promise<QueryAnswer<T>>;
  /** Commits `command` and resolves with its result once applied. */
  write<C extends CatalogCommand>(command: C): Promise<ResultOf<C>>;
  /**
   * Resolves true as soon as `scope`'s index on this server is above
   * `minIndex` (at once if it already is), false if `signal` aborts first.
   */
  waitForChange(scope: WatchScope, minIndex: LogIndex, signal: AbortSignal): Promise<boolean>;
}
