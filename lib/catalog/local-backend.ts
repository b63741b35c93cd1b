import type { CatalogBackend, ConsistencyMode, QueryAnswer, QueryResult } from './backend.js';
import { validateCommand } from './commands.js';
import { CatalogState, type CatalogReader } from './state.js';
import type { CatalogCommand, LogIndex, ResultOf, WatchScope } from './types.js';
import { WatchRegistry } from './watch.js';

export interface LocalBackendOptions {
  /** Default 'dc1', Consul's default datacenter name. */
  datacenter?: string;
}

/**
 * The catalog in one process without Raft: every write is applied at once at
 * the next index, and this process is always the leader. Real, not a stub —
 * it is what a single server would do with a log of one — and it is what the
 * HTTP tests run against until the Raft-backed backend takes its place.
 */
export class LocalCatalogBackend implements CatalogBackend {
  readonly datacenter: string;
  readonly watches = new WatchRegistry();
  readonly state = new CatalogState(this.watches);

  constructor(options: LocalBackendOptions = {}) {
    this.datacenter = options.datacenter ?? 'dc1';
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
      return Promise.resolve(this.state.apply(this.state.lastIndex + 1, checked));
    } catch (err) {
      return Promise.reject(err);
    }
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
  }
}
