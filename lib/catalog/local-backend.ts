import { SystemClock, type Clock } from '../core/clock.js';
import type { CatalogBackend, ConsistencyMode, QueryAnswer, QueryResult } from './backend.js';
import { validateCommand } from './commands.js';
import { SessionLeader } from './session-leader.js';
import type { CatalogSession } from './session-types.js';
import { CatalogState, type CatalogReader } from './state.js';
import type { CatalogCommand, LogIndex, ResultOf, WatchScope } from './types.js';
import { WatchRegistry } from './watch.js';

export interface LocalBackendOptions {
  /** Default 'dc1', Consul's default datacenter name. */
  datacenter?: string;
  /** Runs session TTL timers and lock-delays; default the system clock. */
  clock?: Clock;
  /** Session TTL multiplier (default 2, Consul's). */
  sessionTtlMultiplier?: number;
}

/**
 * The catalog in one process without Raft: every write is applied at once at
 * the next index, and this process is always the leader (so it keeps the
 * session TTL timers and enforces lock-delays). Real, not a stub — it is what
 * a single server would do with a log of one — and it is what the HTTP tests
 * run against until the Raft-backed backend takes its place.
 */
export class LocalCatalogBackend implements CatalogBackend {
  readonly datacenter: string;
  readonly watches = new WatchRegistry();
  readonly sessionLeader: SessionLeader;
  readonly state: CatalogState;

  constructor(options: LocalBackendOptions = {}) {
    this.datacenter = options.datacenter ?? 'dc1';
    this.sessionLeader = new SessionLeader(
      { clock: options.clock ?? new SystemClock(), destroy: (id) => this.write({ type: 'session.destroy', ID: id }) },
      options.sessionTtlMultiplier === undefined ? {} : { multiplier: options.sessionTtlMultiplier },
    );
    this.state = new CatalogState(this.watches, this.sessionLeader.events);
    this.sessionLeader.setLeading(true, () => []);
  }

  // Every mode reads the same state: a single process is its own quorum.
  read<T>(_mode: ConsistencyMode, query: (state: CatalogReader) => QueryResult<T>): Promise<QueryAnswer<T>> {
    try {
      return Promise.resolve({ ...query(this.state), knownLeader: true, lastContactMs: 0 });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  write<C extends CatalogCommand>(command: C): Promise<ResultOf<C>> {
    try {
      // Validate first so a malformed command does not use up an index.
      const checked = validateCommand(command) as C;
      if (this.sessionLeader.refuses(checked)) return Promise.resolve(false as ResultOf<C>);
      return Promise.resolve(this.state.apply(this.state.lastIndex + 1, checked));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Restarts a session's TTL timer; undefined when there is no such session. */
  renewSession(id: string): Promise<CatalogSession | undefined> {
    return Promise.resolve(this.sessionLeader.renew(this.state.sessions.get(id)));
  }

  waitForChange(scope: WatchScope, minIndex: LogIndex, signal: AbortSignal): Promise<boolean> {
    if (this.state.scopeIndex(scope) > minIndex) return Promise.resolve(true);
    return this.watches.wait(scope, minIndex, signal);
  }

  snapshot(): Uint8Array {
    return this.state.snapshot();
  }

  restore(bytes: Uint8Array): void {
    this.state.restore(bytes);
    // The restored sessions get fresh timers, as a new leader's would.
    this.sessionLeader.setLeading(false, () => []);
    this.sessionLeader.setLeading(true, () => this.state.sessions.list());
  }

  /** Drops every TTL timer (the clock's timers would otherwise outlive the backend). */
  close(): void {
    this.sessionLeader.stop();
  }
}
