import { record, uint, type Fail } from './fields.js';
import type { RegistryTable } from './registry-table.js';
import { readSession } from './session-commands.js';
import { SessionTable } from './session-table.js';
import { SessionBehaviors, type CatalogSession } from './session-types.js';
import type { LogIndex } from './types.js';

/**
 * The sessions' part of a snapshot, `tables.sessions`, with its own version:
 *
 *   { version: 1, index, sessions: [Session...] }   (rows with Consul's field names, ordered by ID)
 *
 * Snapshots written before sessions existed have no such section and read as
 * an empty table.
 */
export const SESSIONS_SECTION_VERSION = 1;

export interface SessionsSection {
  version: number;
  index: LogIndex;
  sessions: CatalogSession[];
}

export function writeSessions(t: SessionTable): SessionsSection {
  return { version: SESSIONS_SECTION_VERSION, index: t.index, sessions: t.list() };
}

/** Reads and checks the section; `max` bounds every index, and each session's node must be in `registry`. */
export function readSessions(raw: unknown, max: LogIndex, registry: Pick<RegistryTable, 'node'>, fail: Fail): SessionTable {
  const table = new SessionTable();
  if (raw === undefined) return table;
  const o = record(raw, 'sessions section', fail);
  if (o.version !== SESSIONS_SECTION_VERSION) throw fail(`unsupported sessions section version ${JSON.stringify(o.version)}`);
  const bounded = (v: Record<string, unknown>, field: string, limit: LogIndex): LogIndex => {
    const n = uint(v, field, fail);
    if (n > limit) throw fail(`session ${field} ${n} is past ${limit}`);
    return n;
  };
  const index = bounded(o, 'index', max);
  if (!Array.isArray(o.sessions)) throw fail('sessions is not a list');
  for (const row of o.sessions as unknown[]) {
    const r = record(row, 'a session row', fail);
    const ModifyIndex = bounded(r, 'ModifyIndex', index);
    const session: CatalogSession = { ...readSession(r, fail), CreateIndex: bounded(r, 'CreateIndex', ModifyIndex), ModifyIndex };
    if (session.ID === '' || table.get(session.ID) !== undefined) throw fail(`session ID ${JSON.stringify(session.ID)} is empty or repeated`);
    if (!SessionBehaviors.includes(session.Behavior)) throw fail(`session ${session.ID} has behavior ${JSON.stringify(session.Behavior)}`);
    if (registry.node(session.Node) === undefined) throw fail(`session ${session.ID} is on unknown node ${JSON.stringify(session.Node)}`);
    table.load(session);
  }
  table.loadIndex(index);
  return table;
}
