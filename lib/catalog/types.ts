/** A Raft log index: every change to the catalog happens at one. */
export type LogIndex = number;

import type { CatalogDeregisterCommand, CatalogRegisterCommand } from './registry-types.js';
import type { SessionCreateCommand, SessionDestroyCommand } from './session-types.js';
import type { CoordinateBatchUpdateCommand } from './coordinate-types.js';

/** The catalog's tables; every table has its own index (the last LogIndex that changed it). */
export type TableName = 'kv' | 'nodes' | 'services' | 'checks' | 'acl' | 'sessions' | 'coordinates';

/**
 * What a watch can follow: a table, or one of Consul's finer indexes —
 * `node` (keyed by lower-case node name: the node, its services and checks)
 * and `service` (keyed by lower-case service name: its instances, their
 * checks and nodes) — so a blocking query on one service is not woken by
 * every other service's writes.
 */
export type WatchTopic = TableName | 'node' | 'service';

/**
 * One key of the KV table, named as Consul's DirEntry. Entries are immutable:
 * a change replaces the object, so a reader holding one never sees it move.
 */
export interface KvEntry {
  readonly Key: string;
  readonly CreateIndex: LogIndex;
  readonly ModifyIndex: LogIndex;
  /** How many times the key's lock was acquired: the fencing term of whoever holds it. */
  readonly LockIndex: number;
  /** Opaque to us; a safe integer (see README: values above 2^53-1 are refused). */
  readonly Flags: number;
  /** The raw bytes; an empty value is a zero-length array. */
  readonly Value: Uint8Array;
  /** The session holding the key's lock, or '' when unlocked. */
  readonly Session: string;
}

/** Set a key's value and flags; with `cas`, only if its ModifyIndex is `cas` (0: only if absent). */
export interface KvSetCommand {
  type: 'kv.set';
  key: string;
  value: Uint8Array;
  flags: number;
  cas?: LogIndex;
}

/** Delete one key; with `cas`, only if its ModifyIndex is `cas`. */
export interface KvDeleteCommand {
  type: 'kv.delete';
  key: string;
  cas?: LogIndex;
}

/** Delete every key that starts with `prefix` ('' is every key). */
export interface KvDeleteTreeCommand {
  type: 'kv.deleteTree';
  prefix: string;
}

/**
 * Acquire a key's lock for `session` and write the value (Consul's ?acquire).
 * The lock delay is checked on the leader before the command is proposed (it
 * needs a clock); the state machine refuses an unknown session and decides
 * held-by-someone-else.
 */
export interface KvLockCommand {
  type: 'kv.lock';
  key: string;
  value: Uint8Array;
  flags: number;
  session: string;
}

/** Release a lock `session` holds and write the value (Consul's ?release). */
export interface KvUnlockCommand {
  type: 'kv.unlock';
  key: string;
  value: Uint8Array;
  flags: number;
  session: string;
}

/** Forget KV tombstones made at or before `upTo` (issued by the leader's tombstone GC). */
export interface KvReapTombstonesCommand {
  type: 'kv.reapTombstones';
  upTo: LogIndex;
}

/** A legacy ACL token, named as Consul's structs.ACL. */
export interface AclToken {
  /** The secret the token is presented by; also its name in the table. */
  readonly ID: string;
  readonly Name: string;
  readonly Type: 'client' | 'management';
  /** The rules text as written (HCL or JSON); parsed when the token is used. */
  readonly Rules: string;
  readonly CreateIndex: LogIndex;
  readonly ModifyIndex: LogIndex;
}

/** Create or replace a token; with `ifAbsent`, only create (the leader's bootstrap tokens). */
export interface AclSetCommand {
  type: 'acl.set';
  id: string;
  name: string;
  tokenType: 'client' | 'management';
  rules: string;
  ifAbsent?: boolean;
}

/** Destroy a token. */
export interface AclDeleteCommand {
  type: 'acl.delete';
  id: string;
}

export type CatalogCommand =
  | AclSetCommand
  | AclDeleteCommand
  | KvSetCommand
  | KvDeleteCommand
  | KvDeleteTreeCommand
  | KvLockCommand
  | KvUnlockCommand
  | KvReapTombstonesCommand
  | CatalogRegisterCommand
  | CatalogDeregisterCommand
  | SessionCreateCommand
  | SessionDestroyCommand
  | CoordinateBatchUpdateCommand;

export type CommandType = CatalogCommand['type'];

/** What `apply` returns for each command: whether it took effect, or how many tombstones went. */
export interface CommandResults {
  'acl.set': boolean;
  'acl.delete': boolean;
  'kv.set': boolean;
  'kv.delete': boolean;
  'kv.deleteTree': boolean;
  'kv.lock': boolean;
  'kv.unlock': boolean;
  'kv.reapTombstones': number;
  'catalog.register': boolean;
  'catalog.deregister': boolean;
  /** The new session's ID. */
  'session.create': string;
  'session.destroy': boolean;
  /** How many of the coordinates were stored (those of unknown nodes are skipped). */
  'coordinate.batch-update': number;
}

export type ResultOf<C extends CatalogCommand> = CommandResults[C['type']];

/** What a blocking query waits on: a whole table, one key, or every key under a prefix. */
export type WatchScope =
  | { table: WatchTopic; match: 'table' }
  | { table: WatchTopic; match: 'key'; key: string }
  | { table: WatchTopic; match: 'prefix'; prefix: string };

/** Told of every change, after it is applied. Implemented by the watch registry. */
export interface ChangeListener {
  /** `keys` changed in `table` (or moved the finer index of `topic`) at `index`. */
  changed(topic: WatchTopic, keys: readonly string[], index: LogIndex): void;
  /** The whole state was replaced (restore): every waiter must look again. */
  reset(): void;
}
