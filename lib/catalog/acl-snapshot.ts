import { ChorusError, ErrorCode } from '../core/errors.js';
import { AclTable } from './acl-table.js';
import type { AclToken, LogIndex } from './types.js';

/**
 * The snapshot section of the ACL table, under `tables.acl`:
 *
 *   { layout: 1, index, tokens: [[ID, Name, Type, Rules, CreateIndex, ModifyIndex]...] }   (sorted by ID)
 *
 * The section carries its own layout number so it can change without the
 * whole snapshot's version; a snapshot without the section (written before
 * ACLs existed) reads as an empty table at index 0, and a reader that does
 * not know the section ignores it.
 */
export const ACL_SECTION_LAYOUT = 1;

export interface AclSection {
  layout: number;
  index: LogIndex;
  tokens: unknown[][];
}

export function writeAclSection(acl: AclTable, index: LogIndex): AclSection {
  return {
    layout: ACL_SECTION_LAYOUT,
    index,
    tokens: acl.list().map((t) => [t.ID, t.Name, t.Type, t.Rules, t.CreateIndex, t.ModifyIndex]),
  };
}

function corrupt(message: string): ChorusError {
  return new ChorusError(ErrorCode.CorruptData, `catalog snapshot: ${message}`);
}

function index(v: unknown, what: string, max: LogIndex): LogIndex {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw corrupt(`${what} is not an index`);
  if (v > max) throw corrupt(`${what} ${v} is past ${max}`);
  return v;
}

/** Reads `tables.acl` (undefined: an older snapshot without ACLs); throws CorruptData on anything unexpected. */
export function readAclSection(raw: unknown, lastIndex: LogIndex): { acl: AclTable; index: LogIndex } {
  const acl = new AclTable();
  if (raw === undefined) return { acl, index: 0 };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt('tables.acl is not a map');
  const section = raw as Record<string, unknown>;
  if (section.layout !== ACL_SECTION_LAYOUT) throw corrupt(`unsupported acl layout ${JSON.stringify(section.layout)}`);
  const tableIndex = index(section.index, 'acl index', lastIndex);
  if (!Array.isArray(section.tokens)) throw corrupt('acl tokens is not a list');
  let previous: string | undefined;
  for (const row of section.tokens) {
    if (!Array.isArray(row) || row.length !== 6) throw corrupt('acl token does not have 6 fields');
    const [ID, Name, Type, Rules, create, modify] = row as unknown[];
    if (typeof ID !== 'string' || ID === '') throw corrupt('acl token ID is not a non-empty string');
    if (previous !== undefined && ID <= previous) throw corrupt(`acl tokens out of order at ${JSON.stringify(ID)}`);
    previous = ID;
    if (typeof Name !== 'string' || typeof Rules !== 'string') throw corrupt(`acl token ${JSON.stringify(ID)} has a bad name or rules`);
    if (Type !== 'client' && Type !== 'management') throw corrupt(`acl token ${JSON.stringify(ID)} has type ${JSON.stringify(Type)}`);
    const ModifyIndex = index(modify, `ModifyIndex of acl token ${JSON.stringify(ID)}`, tableIndex);
    const CreateIndex = index(create, `CreateIndex of acl token ${JSON.stringify(ID)}`, ModifyIndex);
    const token: AclToken = { ID, Name, Type, Rules, CreateIndex, ModifyIndex };
    acl.load(token);
  }
  return { acl, index: tableIndex };
}
