import { LIMITS } from '../constants.js';
import { MAX_DIMENSIONS } from '../coordinate/constants.js';
import type { Coordinate } from '../coordinate/types.js';
import { DecodeError } from '../errors.js';

/** Field checks applied to every decoded value; each throws DecodeError naming the field. */
export function str(v: unknown, field: string, max: number, min = 0): string {
  if (typeof v !== 'string' || v.length > max || v.length < min) throw new DecodeError('field', field);
  return v;
}

export function uint(v: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new DecodeError('field', field);
  return v;
}

export function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new DecodeError('field', field);
  return v;
}

export function bytes(v: unknown, field: string, max: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.byteLength > max) throw new DecodeError('field', field);
  return v;
}

export function tuple(v: unknown, field: string, min: number, max = min): unknown[] {
  if (!Array.isArray(v) || v.length < min || v.length > max) throw new DecodeError('shape', field);
  return v;
}

export function array(v: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) throw new DecodeError('count', field);
  return v;
}

export function memberId(v: unknown, field = 'id'): string {
  return str(v, field, LIMITS.idLength, 1);
}

/** Tags travel as a flat [key, value, key, value, ...] array. */
export function tags(v: unknown): Record<string, string> {
  const flat = array(v, 'tags', LIMITS.tagCount * 2);
  if (flat.length % 2 !== 0) throw new DecodeError('shape', 'tags');
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const key = str(flat[i], 'tags.key', LIMITS.tagKeyLength, 1);
    if (key === '__proto__') throw new DecodeError('field', 'tags.key');
    out[key] = str(flat[i + 1], 'tags.value', LIMITS.tagValueLength);
  }
  return out;
}

export function flattenTags(t: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(t)) out.push(k, v);
  return out;
}

function coordinateNumber(v: unknown, field: string): number {
  if (typeof v !== 'number') throw new DecodeError('bad-coordinate', field);
  return v;
}

/**
 * A coordinate's fields, from [_, Vec, Error, Adjustment, Height]: numbers
 * in a bounded vector, or the part is dropped as a bad coordinate. NaN, Inf
 * and a dimensionality other than ours are refused by the receiving
 * handler, which knows our dimensionality, under the same drop counter.
 */
export function coordinate(f: unknown[]): Coordinate {
  if (!Array.isArray(f[1]) || f[1].length > MAX_DIMENSIONS) throw new DecodeError('bad-coordinate', 'coordinate.Vec');
  return {
    Vec: (f[1] as unknown[]).map((x) => coordinateNumber(x, 'coordinate.Vec')),
    Error: coordinateNumber(f[2], 'coordinate.Error'),
    Adjustment: coordinateNumber(f[3], 'coordinate.Adjustment'),
    Height: coordinateNumber(f[4], 'coordinate.Height'),
  };
}
