import { ChorusError, ErrorCode } from '../core/errors.js';

/**
 * Field readers for untrusted plain objects (decoded log entries and
 * snapshots): each returns the field typed or throws what `fail` makes, so
 * commands fail as BadRequest and snapshots as CorruptData with one set of
 * readers.
 */
export type Fail = (message: string) => Error;

/** How a malformed command fails: the same BadRequest on every replica. */
export const badCommand: Fail = (message) => new ChorusError(ErrorCode.BadRequest, `invalid catalog command: ${message}`);
export type Obj = Record<string, unknown>;

export function record(v: unknown, what: string, fail: Fail): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) throw fail(`${what} must be a map`);
  return v as Obj;
}

export function str(o: Obj, field: string, fail: Fail): string {
  const v = o[field];
  if (typeof v !== 'string') throw fail(`${field} must be a string`);
  return v;
}

export function bool(o: Obj, field: string, fail: Fail): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') throw fail(`${field} must be a boolean`);
  return v;
}

/** A safe integer, negative allowed (Go ints: ports, weights). */
export function int(o: Obj, field: string, fail: Fail): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw fail(`${field} must be a safe integer`);
  return v;
}

export function uint(o: Obj, field: string, fail: Fail): number {
  const v = int(o, field, fail);
  if (v < 0) throw fail(`${field} must not be negative`);
  return v;
}

/** A map of strings, or null (Go's nil map). */
export function stringMap(o: Obj, field: string, fail: Fail): Readonly<Record<string, string>> | null {
  const v = o[field];
  if (v === null) return null;
  const m = record(v, field, fail);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(m)) {
    if (typeof x !== 'string') throw fail(`${field}.${k} must be a string`);
    out[k] = x;
  }
  return out;
}

/** A list of strings, or null. */
export function stringList(o: Obj, field: string, fail: Fail): readonly string[] | null {
  const v = o[field];
  if (v === null) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw fail(`${field} must be a list of strings`);
  return [...(v as string[])];
}

/** Deep equality for the JSON-like values the tables hold (null and {} differ, as in Go). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => same(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && same((a as Obj)[k], (b as Obj)[k]));
}
