import { decode, encode } from '../core/codec.js';
import { ChorusError, ErrorCode } from '../core/errors.js';
import { KvTable } from './kv-table.js';
import { readRegistry, writeRegistry } from './registry-snapshot.js';
import { RegistryTable } from './registry-table.js';
import type { AclTable } from './acl-table.js';
import { readAclSection, writeAclSection } from './acl-snapshot.js';
import { readSessions, writeSessions } from './session-snapshot.js';
import type { SessionTable } from './session-table.js';
import { readCoordinates, writeCoordinates } from './coordinate-snapshot.js';
import type { CoordinateTable } from './coordinate-table.js';
import type { KvEntry, LogIndex } from './types.js';

/**
 * Snapshot layout (plain MessagePack, so any tool can read one):
 *
 *   { format: 'chorus-catalog', version: 2, lastIndex,
 *     tables: { kv: { index, entries: [[Key, CreateIndex, ModifyIndex, LockIndex, Flags, Value, Session]...],
 *                     tombstones: [[Key, Index]...] },
 *               registry: { nodes, services, checks, indexes } } }   (see registry-snapshot.ts)
 *
 * plus `tables.sessions` (session-snapshot.ts, versioned on its own; absent: no sessions)
 * and `tables.coordinates` (coordinate-snapshot.ts, likewise; absent: no coordinates).
 *
 * Version 1 had only the KV table; it still reads, with an empty registry.
 * `tables.acl` (acl-snapshot.ts) carries its own layout number and is absent
 * from snapshots written before ACLs: they read with no tokens.
 *
 * Rows are tuples, not objects, because a snapshot of a few hundred thousand
 * keys would otherwise repeat every field name that many times.
 */
export const SNAPSHOT_FORMAT = 'chorus-catalog';
export const SNAPSHOT_VERSION = 2;

export interface SnapshotContents {
  lastIndex: LogIndex;
  kvIndex: LogIndex;
  kv: KvTable;
  registry: RegistryTable;
  aclIndex: LogIndex;
  acl: AclTable;
  sessions: SessionTable;
  coordinates: CoordinateTable;
}

export function writeSnapshot(s: SnapshotContents): Uint8Array {
  const entries = [...s.kv.entries()].map((e) => [e.Key, e.CreateIndex, e.ModifyIndex, e.LockIndex, e.Flags, e.Value, e.Session]);
  return encode({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    lastIndex: s.lastIndex,
    tables: {
      kv: { index: s.kvIndex, entries, tombstones: [...s.kv.tombstones()] },
      registry: writeRegistry(s.registry),
      acl: writeAclSection(s.acl, s.aclIndex),
      sessions: writeSessions(s.sessions),
      coordinates: writeCoordinates(s.coordinates),
    },
  });
}

function corrupt(message: string, cause?: unknown): ChorusError {
  return new ChorusError(ErrorCode.CorruptData, `catalog snapshot: ${message}`, cause === undefined ? {} : { cause });
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(`${what} is not a map`);
  return v as Record<string, unknown>;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw corrupt(`${what} is not a list`);
  return v;
}

function index(v: unknown, what: string, max: LogIndex): LogIndex {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw corrupt(`${what} is not an index`);
  if (v > max) throw corrupt(`${what} ${v} is past ${max}`);
  return v;
}

/** Decodes and checks every field; throws CorruptData on anything unexpected. */
export function readSnapshot(bytes: Uint8Array): SnapshotContents {
  let raw: unknown;
  try {
    raw = decode(bytes);
  } catch (err) {
    throw corrupt('not MessagePack', err);
  }
  const top = record(raw, 'snapshot');
  if (top.format !== SNAPSHOT_FORMAT) throw corrupt(`unknown format ${JSON.stringify(top.format)}`);
  if (top.version !== 1 && top.version !== SNAPSHOT_VERSION) throw corrupt(`unsupported version ${JSON.stringify(top.version)}`);
  const lastIndex = index(top.lastIndex, 'lastIndex', Number.MAX_SAFE_INTEGER);
  const tables = record(top.tables, 'tables');
  const kvRaw = record(tables.kv, 'tables.kv');
  const kvIndex = index(kvRaw.index, 'kv index', lastIndex);
  const kv = new KvTable();
  let previous: string | undefined;
  for (const row of list(kvRaw.entries, 'kv entries')) {
    const entry = kvEntry(list(row, 'kv entry'), kvIndex);
    if (previous !== undefined && entry.Key <= previous) throw corrupt(`kv keys out of order at ${JSON.stringify(entry.Key)}`);
    previous = entry.Key;
    kv.load(entry);
  }
  previous = undefined;
  for (const row of list(kvRaw.tombstones, 'kv tombstones')) {
    const [key, at] = list(row, 'kv tombstone');
    if (typeof key !== 'string') throw corrupt('tombstone key is not a string');
    if (previous !== undefined && key <= previous) throw corrupt(`tombstones out of order at ${JSON.stringify(key)}`);
    if (kv.get(key) !== undefined) throw corrupt(`tombstone for live key ${JSON.stringify(key)}`);
    previous = key;
    kv.loadTombstone(key, index(at, 'tombstone index', kvIndex));
  }
  const registry = top.version === 1 ? new RegistryTable() : readRegistry(tables.registry, lastIndex, (m) => corrupt(m));
  const acl = readAclSection(tables.acl, lastIndex);
  const sessions = readSessions(tables.sessions, lastIndex, registry, (m) => corrupt(m));
  const coordinates = readCoordinates(tables.coordinates, lastIndex, registry, (m) => corrupt(m));
  return { lastIndex, kvIndex, kv, registry, aclIndex: acl.index, acl: acl.acl, sessions, coordinates };
}

function kvEntry(row: unknown[], tableIndex: LogIndex): KvEntry {
  const [Key, create, modify, lock, flags, Value, Session] = row;
  if (row.length !== 7) throw corrupt('kv entry does not have 7 fields');
  if (typeof Key !== 'string' || Key === '') throw corrupt('kv key is not a non-empty string');
  if (!(Value instanceof Uint8Array)) throw corrupt(`kv value of ${JSON.stringify(Key)} is not bytes`);
  if (typeof Session !== 'string') throw corrupt(`kv session of ${JSON.stringify(Key)} is not a string`);
  const ModifyIndex = index(modify, `ModifyIndex of ${JSON.stringify(Key)}`, tableIndex);
  const CreateIndex = index(create, `CreateIndex of ${JSON.stringify(Key)}`, ModifyIndex);
  const LockIndex = index(lock, `LockIndex of ${JSON.stringify(Key)}`, Number.MAX_SAFE_INTEGER);
  const Flags = index(flags, `Flags of ${JSON.stringify(Key)}`, Number.MAX_SAFE_INTEGER);
  return { Key, CreateIndex, ModifyIndex, LockIndex, Flags, Value, Session };
}
