import { badCommand } from './fields.js';
import type { AclDeleteCommand, AclSetCommand } from './types.js';

/** Token IDs, names and rules are bounded so one entry cannot bloat every replica's log. */
export const MAX_ACL_ID_LENGTH = 256;
export const MAX_ACL_NAME_LENGTH = 1024;
export const MAX_ACL_RULES_LENGTH = 64 * 1024;

const bad = badCommand;

function boundedString(o: Record<string, unknown>, field: string, max: number): string {
  const v = o[field];
  if (typeof v !== 'string') throw bad(`${field} must be a string`);
  if (v.length > max) throw bad(`${field} must be at most ${max} characters`);
  return v;
}

function tokenId(o: Record<string, unknown>): string {
  const id = boundedString(o, 'id', MAX_ACL_ID_LENGTH);
  if (id === '') throw bad('id must not be empty');
  return id;
}

/**
 * The ACL commands' fields, checked like the KV ones. Rules are kept as
 * text: their syntax is checked by the API before a command is proposed
 * (the parser lives above the catalog), and again when a token is used.
 */
export function validateAclCommand(o: Record<string, unknown>): AclSetCommand | AclDeleteCommand {
  if (o.type === 'acl.delete') return { type: 'acl.delete', id: tokenId(o) };
  const tokenType = o.tokenType;
  if (tokenType !== 'client' && tokenType !== 'management') throw bad('tokenType must be "client" or "management"');
  if (o.ifAbsent !== undefined && o.ifAbsent !== null && typeof o.ifAbsent !== 'boolean') throw bad('ifAbsent must be a boolean');
  const base: AclSetCommand = {
    type: 'acl.set',
    id: tokenId(o),
    name: boundedString(o, 'name', MAX_ACL_NAME_LENGTH),
    tokenType,
    rules: boundedString(o, 'rules', MAX_ACL_RULES_LENGTH),
  };
  return o.ifAbsent === true ? { ...base, ifAbsent: true } : base;
}
