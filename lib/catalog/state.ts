import { ChorusError, ErrorCode } from '../core/errors.js';
import { validateCommand } from './commands.js';
import { KvTable, type Mutation } from './kv-table.js';
import { AclTable } from './acl-table.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import type {
  CatalogCommand, ChangeListener, LogIndex, ResultOf, TableName, WatchScope,
} from './types.js';

/** What readers (HTTP routes, through a backend) may see of the catalog. */
export interface CatalogReader {
  /** The last LogIndex applied. */
  readonly lastIndex: LogIndex;
  readonly kv: Pick<KvTable, 'get' | 'list' | 'listKeys' | 'keyIndex' | 'prefixIndex' | 'size'>;
  readonly acl: Pick<AclTable, 'get' | 'list' | 'size'>;
  /** The last LogIndex that changed `table` (0 when nothing ever did). */
  tableIndex(table: TableName): LogIndex;
  /** The index a watch on `scope` compares against. */
  scopeIndex(scope: WatchScope): LogIndex;
}

const NO_LISTENER: ChangeListener = { changed: () => undefined, reset: () => undefined };

/**
 * The replicated state machine. Pure and deterministic: it changes only in
 * `apply` and `restore`, reads no clock and does no I/O, so every replica
 * that applies the same log holds the same state. Indexes come from the log.
 */
export class CatalogState implements CatalogReader {
  #kv = new KvTable();
  #acl = new AclTable();
  #lastIndex: LogIndex = 0;
  #tableIndexes: Record<TableName, LogIndex> = { kv: 0, acl: 0 };
  readonly #listener: ChangeListener;

  constructor(listener: ChangeListener = NO_LISTENER) {
    this.#listener = listener;
  }

  get lastIndex(): LogIndex {
    return this.#lastIndex;
  }

  get kv(): KvTable {
    return this.#kv;
  }

  get acl(): AclTable {
    return this.#acl;
  }

  tableIndex(table: TableName): LogIndex {
    return this.#tableIndexes[table];
  }

  scopeIndex(scope: WatchScope): LogIndex {
    // ACL queries wait on the whole table (a token list is small).
    if (scope.table === 'acl') return this.#tableIndexes.acl;
    switch (scope.match) {
      case 'table': return this.#tableIndexes[scope.table];
      case 'key': return this.#kv.keyIndex(scope.key);
      case 'prefix': return this.#kv.prefixIndex(scope.prefix);
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
    let table: TableName = 'kv';
    switch (cmd.type) {
      case 'acl.set': table = 'acl'; mutation = this.#acl.set(index, cmd); break;
      case 'acl.delete': table = 'acl'; mutation = this.#acl.delete(index, cmd); break;
      case 'kv.set': mutation = this.#kv.set(index, cmd); break;
      case 'kv.delete': mutation = this.#kv.delete(index, cmd); break;
      case 'kv.deleteTree': mutation = this.#kv.deleteTree(index, cmd.prefix); break;
      case 'kv.lock': mutation = this.#kv.lock(index, cmd); break;
      case 'kv.unlock': mutation = this.#kv.unlock(index, cmd); break;
      // Reaping changes no visible entry and no table index: nobody is woken.
      case 'kv.reapTombstones': mutation = { result: this.#kv.reapTombstones(cmd.upTo), changed: [] }; break;
    }
    if (mutation.changed.length > 0) {
      this.#tableIndexes[table] = index;
      this.#listener.changed(table, mutation.changed, index);
    }
    return mutation.result as ResultOf<C>;
  }

  /** The whole state as plain MessagePack (see snapshot.ts for the layout). */
  snapshot(): Uint8Array {
    return writeSnapshot({ lastIndex: this.#lastIndex, tableIndexes: this.#tableIndexes, kv: this.#kv, acl: this.#acl });
  }

  /**
   * Replaces the state with a snapshot's. The bytes are fully validated
   * before anything is replaced: a bad snapshot throws CorruptData and
   * leaves the current state as it was.
   */
  restore(bytes: Uint8Array): void {
    const loaded = readSnapshot(bytes);
    this.#kv = loaded.kv;
    this.#acl = loaded.acl;
    this.#lastIndex = loaded.lastIndex;
    this.#tableIndexes = loaded.tableIndexes;
    this.#listener.reset();
  }
}
