import { ChorusError, ErrorCode } from '../core/errors.js';
import { validateCommand } from './commands.js';
import { KvTable, type Mutation } from './kv-table.js';
import { RegistryTable, type RegistryChanges } from './registry-table.js';
import { AclTable } from './acl-table.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { SessionTable } from './session-table.js';
import { CoordinateTable } from './coordinate-table.js';
import type { SessionEvents } from './session-types.js';
import type {
  CatalogCommand, ChangeListener, LogIndex, ResultOf, TableName, WatchScope,
} from './types.js';

/** What readers (HTTP routes, through a backend) may see of the catalog. */
export interface CatalogReader {
  /** The last LogIndex applied. */
  readonly lastIndex: LogIndex;
  readonly kv: Pick<KvTable, 'get' | 'list' | 'listKeys' | 'keyIndex' | 'prefixIndex' | 'size'>;
  /** The node, service and check tables. */
  readonly registry: RegistryReader;
  /** The legacy ACL tokens. */
  readonly acl: Pick<AclTable, 'get' | 'list' | 'size'>;
  readonly sessions: SessionReader;
  /** The latest network coordinate of each node. */
  readonly coordinates: CoordinateReader;
  /** The last LogIndex that changed `table` (0 when nothing ever did). */
  tableIndex(table: TableName): LogIndex;
  /** The index a watch on `scope` compares against. */
  scopeIndex(scope: WatchScope): LogIndex;
}

export type RegistryReader = Pick<RegistryTable,
  | 'nodeCount' | 'nodes' | 'node' | 'nodeServices' | 'nodeChecks' | 'serviceInstances' | 'instanceChecks'
  | 'serviceChecks' | 'checks' | 'services' | 'nodeIndex' | 'serviceIndex'>;

export type SessionReader = Pick<SessionTable, 'get' | 'list' | 'nodeSessions' | 'size'>;

export type CoordinateReader = Pick<CoordinateTable, 'get' | 'list' | 'node' | 'size'>;

const NO_LISTENER: ChangeListener = { changed: () => undefined, reset: () => undefined };

/**
 * The replicated state machine. Pure and deterministic: it changes only in
 * `apply` and `restore`, reads no clock and does no I/O, so every replica
 * that applies the same log holds the same state. Indexes come from the log.
 */
export class CatalogState implements CatalogReader {
  #kv = new KvTable();
  #registry = new RegistryTable();
  #sessions = new SessionTable();
  #coordinates = new CoordinateTable();
  #lastIndex: LogIndex = 0;
  #kvIndex: LogIndex = 0;
  #acl = new AclTable();
  #aclIndex: LogIndex = 0;
  readonly #listener: ChangeListener;
  readonly #events: SessionEvents;

  constructor(listener: ChangeListener = NO_LISTENER, events: SessionEvents = {}) {
    this.#listener = listener;
    this.#events = events;
  }

  get lastIndex(): LogIndex {
    return this.#lastIndex;
  }

  get kv(): KvTable {
    return this.#kv;
  }

  get registry(): RegistryTable {
    return this.#registry;
  }

  get acl(): AclTable {
    return this.#acl;
  }

  get sessions(): SessionTable {
    return this.#sessions;
  }

  get coordinates(): CoordinateTable {
    return this.#coordinates;
  }

  tableIndex(table: TableName): LogIndex {
    if (table === 'acl') return this.#aclIndex;
    if (table === 'sessions') return this.#sessions.index;
    if (table === 'coordinates') return this.#coordinates.index;
    return table === 'kv' ? this.#kvIndex : this.#registry.tableIndex(table);
  }

  scopeIndex(scope: WatchScope): LogIndex {
    switch (scope.table) {
      case 'kv':
        if (scope.match === 'key') return this.#kv.keyIndex(scope.key);
        if (scope.match === 'prefix') return this.#kv.prefixIndex(scope.prefix);
        return this.#kvIndex;
      // A session key only narrows who is woken, as on the registry tables.
      case 'sessions':
        return this.#sessions.index;
      case 'coordinates':
        return this.#coordinates.index;
      // Keys on these tables only narrow who is woken; the index is the table's.
      case 'nodes':
      case 'services':
      case 'checks':
        return this.#registry.tableIndex(scope.table);
      // ACL queries wait on the whole table (a token list is small).
      case 'acl':
        return this.#aclIndex;
      case 'node':
      case 'service':
        if (scope.match !== 'key') throw new ChorusError(ErrorCode.Internal, `a ${scope.table} watch needs a key`);
        return scope.table === 'node' ? this.#registry.nodeIndex(scope.key) : this.#registry.serviceIndex(scope.key);
    }
  }

  /**
   * Applies the command committed at `index` and returns its result.
   * Indexes must increase (gaps are fine: not every log entry is ours).
   * A malformed command throws BadRequest — identically on every replica —
   * after the index is consumed, and changes nothing else.
   */
  apply<C extends CatalogCommand>(index: LogIndex, command: C): ResultOf<C> {
    if (!Number.isSafeInteger(index) || index <= this.#lastIndex) {
      throw new ChorusError(ErrorCode.Internal, `log index ${index} applied after ${this.#lastIndex}`);
    }
    this.#lastIndex = index;
    const cmd = validateCommand(command);
    let mutation: Mutation<boolean | number>;
    switch (cmd.type) {
      case 'kv.set': mutation = this.#kv.set(index, cmd); break;
      case 'kv.delete': mutation = this.#kv.delete(index, cmd); break;
      case 'kv.deleteTree': mutation = this.#kv.deleteTree(index, cmd.prefix); break;
      case 'kv.lock':
        if (this.#sessions.get(cmd.session) === undefined) throw new ChorusError(ErrorCode.Rejected, `invalid session ${JSON.stringify(cmd.session)}`);
        mutation = this.#kv.lock(index, cmd);
        break;
      case 'kv.unlock': mutation = this.#kv.unlock(index, cmd); break;
      // Reaping changes no visible entry and no table index: nobody is woken.
      case 'kv.reapTombstones': mutation = { result: this.#kv.reapTombstones(cmd.upTo), changed: [] }; break;
      case 'acl.set':
      case 'acl.delete': {
        const m = cmd.type === 'acl.set' ? this.#acl.set(index, cmd) : this.#acl.delete(index, cmd);
        if (m.changed.length > 0) {
          this.#aclIndex = index;
          this.#listener.changed('acl', m.changed, index);
        }
        return m.result as ResultOf<C>;
      }
      case 'catalog.register':
        this.#notify(this.#registry.register(index, cmd), index);
        return true as ResultOf<C>;
      case 'catalog.deregister':
        this.#notify(this.#registry.deregister(index, cmd), index);
        return true as ResultOf<C>;
      case 'session.create': {
        const session = this.#sessions.create(index, cmd, this.#registry);
        this.#listener.changed('sessions', [session.ID], index);
        this.#events.created?.(session);
        return session.ID as ResultOf<C>;
      }
      case 'session.destroy':
        this.#destroySessions(index, [cmd.ID]);
        return true as ResultOf<C>;
      case 'coordinate.batch-update': {
        const nodes = this.#coordinates.batchUpdate(index, cmd.Coordinates, (node) => this.#registry.node(node) !== undefined);
        if (nodes.length > 0) this.#listener.changed('coordinates', nodes, index);
        return cmd.Coordinates.filter((c) => this.#registry.node(c.Node) !== undefined).length as ResultOf<C>;
      }
    }
    if (mutation.changed.length > 0) {
      this.#kvIndex = index;
      this.#listener.changed('kv', mutation.changed, index);
    }
    return mutation.result as ResultOf<C>;
  }

  #notify(changes: RegistryChanges, index: LogIndex): void {
    for (const topic of ['nodes', 'services', 'checks', 'node', 'service'] as const) {
      if (changes[topic].size > 0) this.#listener.changed(topic, [...changes[topic]], index);
    }
    // A node's coordinate goes with the node (Consul's deleteNodeTxn), in the same apply.
    const gone = [...changes.nodes].filter((key) => this.#registry.node(key) === undefined && this.#coordinates.deleteNode(index, key));
    if (gone.length > 0) this.#listener.changed('coordinates', gone, index);
    // Consul's invalidation: a session whose node or checks this change broke goes in the same apply.
    const doomed = this.#sessions.invalidatedBy(new Set([...changes.nodes, ...changes.checks]), this.#registry);
    if (doomed.length > 0) this.#destroySessions(index, doomed);
  }

  #destroySessions(index: LogIndex, ids: string[]): void {
    const gone = this.#sessions.destroy(index, ids, this.#kv);
    if (gone.ids.length > 0) this.#listener.changed('sessions', gone.ids, index);
    if (gone.kvKeys.length > 0) {
      this.#kvIndex = index;
      this.#listener.changed('kv', gone.kvKeys, index);
    }
    for (const id of gone.ids) this.#events.destroyed?.(id);
    for (const released of gone.released) this.#events.locksReleased?.(released);
  }

  /** The whole state as plain MessagePack (see snapshot.ts for the layout). */
  snapshot(): Uint8Array {
    return writeSnapshot({
      lastIndex: this.#lastIndex, kvIndex: this.#kvIndex, kv: this.#kv, registry: this.#registry, aclIndex: this.#aclIndex, acl: this.#acl, sessions: this.#sessions,
      coordinates: this.#coordinates,
    });
  }

  /**
   * Replaces the state with a snapshot's. The bytes are fully validated
   * before anything is replaced: a bad snapshot throws CorruptData and
   * leaves the current state as it was.
   */
  restore(bytes: Uint8Array): void {
    const loaded = readSnapshot(bytes);
    this.#kv = loaded.kv;
    this.#registry = loaded.registry;
    this.#sessions = loaded.sessions;
    this.#coordinates = loaded.coordinates;
    this.#lastIndex = loaded.lastIndex;
    this.#kvIndex = loaded.kvIndex;
    this.#acl = loaded.acl;
    this.#aclIndex = loaded.aclIndex;
    this.#listener.reset();
  }
}
