import { parseGoDuration } from './duration.js';

/**
 * Decoding JSON the way Consul's Go decoder does (encoding/json with
 * DisallowUnknownFields): keys match field names exactly or else
 * case-insensitively, unknown keys and wrong types fail with Go's texts, null
 * leaves a field at its zero value. A schema names the Go fields; the result
 * holds the fields present, under their Go names.
 */
export type GoType =
  | { k: 'string' }
  | { k: 'int' }
  | { k: 'bool' }
  /** `interface{}` read as a duration: a Go duration string or nanoseconds; anything else is ignored. */
  | { k: 'duration' }
  /** Whatever JSON holds, kept as is. */
  | { k: 'any' }
  | { k: 'slice'; of: GoType }
  | { k: 'map'; of: GoType }
  | { k: 'struct'; s: GoStruct };

export interface GoStruct {
  /** The Go type's name, for messages (e.g. `structs.ServiceDefinition`). */
  name: string;
  fields: Record<string, GoType>;
}

export const goString: GoType = { k: 'string' };
export const goInt: GoType = { k: 'int' };
export const goBool: GoType = { k: 'bool' };
export const goDuration: GoType = { k: 'duration' };
export const goAny: GoType = { k: 'any' };

export class GoJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJsonError';
  }
}

function goTypeName(t: GoType): string {
  switch (t.k) {
    case 'string': return 'string';
    case 'int': return 'int';
    case 'bool': return 'bool';
    case 'duration':
    case 'any': return 'interface {}';
    case 'slice': return `[]${goTypeName(t.of)}`;
    case 'map': return `map[string]${goTypeName(t.of)}`;
    case 'struct': return t.s.name;
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Go's json.SyntaxError texts for what JSON.parse refuses (close enough to recognise). */
function syntaxError(text: string, err: unknown): GoJsonError {
  if (text.trim() === '') return new GoJsonError('EOF');
  const message = err instanceof Error ? err.message : '';
  if (/end of (JSON|data)/i.test(message)) return new GoJsonError('unexpected EOF');
  const at = /position (\d+)/.exec(message);
  const ch = at !== null ? text.charAt(Number(at[1])) : (/token '?(.)/.exec(message)?.[1] ?? text.trim().charAt(0));
  return new GoJsonError(`invalid character '${ch}' looking for beginning of value`);
}

/** Decodes `text` into a struct, or throws GoJsonError with the text Consul would put after `Request decode failed: `. */
export function decodeGoJson(text: string, schema: GoStruct): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw syntaxError(text, err);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GoJsonError(`json: cannot unmarshal ${jsonKind(parsed)} into Go value of type ${schema.name}`);
  }
  return decodeStruct(parsed as Record<string, unknown>, schema, schema.name, '');
}

function findField(schema: GoStruct, key: string): string | undefined {
  if (Object.hasOwn(schema.fields, key)) return key;
  const folded = key.toLowerCase();
  return Object.keys(schema.fields).find((f) => f.toLowerCase() === folded);
}

function decodeStruct(obj: Record<string, unknown>, schema: GoStruct, top: string, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const field = findField(schema, key);
    if (field === undefined) throw new GoJsonError(`json: unknown field ${JSON.stringify(key)}`);
    if (value === null) continue;
    const decoded = decodeValue(value, schema.fields[field]!, top, path === '' ? field : `${path}.${field}`);
    if (decoded !== undefined) out[field] = decoded;
  }
  return out;
}

function mismatch(value: unknown, type: GoType, top: string, path: string): GoJsonError {
  const what = typeof value === 'number' && type.k === 'int' ? `number ${value}` : jsonKind(value);
  return new GoJsonError(`json: cannot unmarshal ${what} into Go struct field ${top.replace(/^.*\./, '')}.${path} of type ${goTypeName(type)}`);
}

function decodeValue(value: unknown, type: GoType, top: string, path: string): unknown {
  switch (type.k) {
    case 'any':
      return value;
    case 'string':
      if (typeof value !== 'string') throw mismatch(value, type, top, path);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw mismatch(value, type, top, path);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch(value, type, top, path);
      return value;
    case 'duration':
      if (typeof value === 'number') return value / 1e6;
      if (typeof value === 'string') {
        const ms = parseGoDuration(value);
        if (ms === undefined) throw new GoJsonError(`time: invalid duration ${JSON.stringify(value)}`);
        return ms;
      }
      return undefined;
    case 'slice':
      if (!Array.isArray(value)) throw mismatch(value, type, top, path);
      return value.map((v) => (v === null ? zero(type.of) : decodeValue(v, type.of, top, path)));
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch(value, type, top, path);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = v === null ? zero(type.of) : decodeValue(v, type.of, top, path);
      return out;
    }
    case 'struct':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch(value, type, top, path);
      return decodeStruct(value as Record<string, unknown>, type.s, top, path);
  }
}

/** Go's zero value, for a null inside a slice or map. */
function zero(type: GoType): unknown {
  switch (type.k) {
    case 'string': return '';
    case 'int': return 0;
    case 'bool': return false;
    case 'struct': return {};
    default: return null;
  }
}
