import { decode, encode } from '../core/codec.js';
import { validateAclCommand } from './acl-commands.js';
import { badCommand, str as fieldStr } from './fields.js';
import { validateDeregister, validateRegister } from './registry-commands.js';
import { validateSessionCreate, validateSessionDestroy } from './session-commands.js';
import { validateCoordinateBatch } from './coordinate-commands.js';
import type { CatalogCommand } from './types.js';

/**
 * Commands travel through the Raft log as plain MessagePack and are checked
 * field by field when they come back out, so a corrupt or foreign entry is
 * refused the same way on every replica instead of half-applied.
 */
export function encodeCommand(command: CatalogCommand): Uint8Array {
  return encode(validateCommand(command));
}

export function decodeCommand(bytes: Uint8Array): CatalogCommand {
  return validateCommand(decode(bytes));
}

const bad = badCommand;

function str(o: Record<string, unknown>, field: string): string {
  return fieldStr(o, field, bad);
}

/** Keys are never empty: Consul answers "Missing key name" before anything reaches the log. */
function key(o: Record<string, unknown>): string {
  const v = str(o, 'key');
  if (v === '') throw bad('key must not be empty');
  return v;
}

function uint(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${field} must be a non-negative safe integer`);
  return v;
}

function optionalUint(o: Record<string, unknown>, field: string): number | undefined {
  return o[field] === undefined || o[field] === null ? undefined : uint(o, field);
}

function bytes(o: Record<string, unknown>, field: string): Uint8Array {
  const v = o[field];
  if (!(v instanceof Uint8Array)) throw bad(`${field} must be bytes`);
  return v;
}

/** Checks an untrusted value is a well-formed command and returns it typed (without unknown fields). */
export function validateCommand(value: unknown): CatalogCommand {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not an object');
  const o = value as Record<string, unknown>;
  switch (o.type) {
    case 'kv.set': {
      const cas = optionalUint(o, 'cas');
      const base = { type: 'kv.set' as const, key: key(o), value: bytes(o, 'value'), flags: uint(o, 'flags') };
      return cas === undefined ? base : { ...base, cas };
    }
    case 'kv.delete': {
      const cas = optionalUint(o, 'cas');
      const base = { type: 'kv.delete' as const, key: key(o) };
      return cas === undefined ? base : { ...base, cas };
    }
    case 'kv.deleteTree':
      return { type: 'kv.deleteTree', prefix: str(o, 'prefix') };
    case 'kv.lock':
    case 'kv.unlock': {
      const session = str(o, 'session');
      if (session === '') throw bad('session must not be empty');
      return { type: o.type, key: key(o), value: bytes(o, 'value'), flags: uint(o, 'flags'), session };
    }
    case 'acl.set':
    case 'acl.delete':
      return validateAclCommand(o);
    case 'kv.reapTombstones':
      return { type: 'kv.reapTombstones', upTo: uint(o, 'upTo') };
    case 'catalog.register':
      return validateRegister(o);
    case 'catalog.deregister':
      return validateDeregister(o);
    case 'session.create':
      return validateSessionCreate(o);
    case 'session.destroy':
      return validateSessionDestroy(o);
    case 'coordinate.batch-update':
      return validateCoordinateBatch(o);
    default:
      throw bad(`unknown type ${JSON.stringify(o.type)}`);
  }
}
