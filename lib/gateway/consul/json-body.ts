import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { parseGoDurationNs } from '../../catalog/index.js';
import { readRawBody } from './body.js';

/**
 * Consul's request-body decoding (lib.DecodeJSON: Go's encoding/json with
 * DisallowUnknownFields), driven by a schema: field names match exactly or
 * case-insensitively as Go matches them, snake_case aliases where Consul's
 * own decoders take them, `null` leaves a field unset, and every mistake is
 * refused with Go's text behind "Request decode failed: " (400). The one
 * decoder of every JSON body the Consul API takes: catalog, session, ACL and
 * the agent's service, check and check-update bodies.
 *
 * A decoded struct holds only the fields the body set, under their
 * canonical names; the caller fills Go's zero values for the rest.
 */

export type FieldType =
  | { kind: 'string' }
  | { kind: 'bool' }
  /** A Go integer type; `goType` names it in errors (int, uint64, ...). */
  | { kind: 'int'; goType: string; min: number }
  /** time.Duration: a Go duration string or a number of nanoseconds; decodes to nanoseconds. */
  | { kind: 'duration' }
  /**
   * `interface{}` read as a duration, as Consul's CheckType and
   * CheckDefinition UnmarshalJSON read Interval, TTL and the like: a Go
   * duration string or a number of nanoseconds; any other JSON value is
   * ignored. Decodes to nanoseconds.
   */
  | { kind: 'looseDuration' }
  | { kind: 'map'; of: FieldType }
  | { kind: 'list'; of: FieldType }
  | { kind: 'struct'; schema: Schema }
  /** Anything; kept as parsed (for fields accepted and ignored). */
  | { kind: 'any' };

export interface Field {
  type: FieldType;
  /** Other names Consul accepts for the field (snake_case), matched case-insensitively too. */
  aliases?: readonly string[];
}

export interface Schema {
  /** Go's type name, as errors print it: `RegisterRequest`. */
  name: string;
  /** Go's package-qualified name for errors about the whole value: `structs.RegisterRequest`. */
  qualifiedName?: string;
  fields: Readonly<Record<string, Field | FieldType>>;
  /** Unknown fields are ignored rather than refused (Consul's own lenient decoders, e.g. a check Definition). */
  lenient?: boolean;
}

export const t = {
  string: { kind: 'string' } as FieldType,
  bool: { kind: 'bool' } as FieldType,
  int: { kind: 'int', goType: 'int', min: Number.MIN_SAFE_INTEGER } as FieldType,
  uint64: { kind: 'int', goType: 'uint64', min: 0 } as FieldType,
  duration: { kind: 'duration' } as FieldType,
  looseDuration: { kind: 'looseDuration' } as FieldType,
  any: { kind: 'any' } as FieldType,
  map: (of: FieldType): FieldType => ({ kind: 'map', of }),
  list: (of: FieldType): FieldType => ({ kind: 'list', of }),
  struct: (schema: Schema): FieldType => ({ kind: 'struct', schema }),
};

/** Go's default for a body with no limit of its own. */
export const DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

class DecodeError extends Error {}

/** The whole of Go's error text: "json: …", "EOF", "time: …". */
function decodeFailed(message: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `Request decode failed: ${message}`);
}

/** Reads the request body (413 past `maxBytes`) and decodes it against `schema`. */
export async function readJsonBody(ctx: Context, schema: Schema, maxBytes = DEFAULT_MAX_BODY_SIZE): Promise<Record<string, unknown> | null> {
  const raw = await readRawBody(ctx, maxBytes, bodyTooLarge);
  return decodeJsonBody(raw.toString('utf8'), schema);
}

/** The 413 for a JSON body past its limit (KV values have their own text, see body.ts). */
export function bodyTooLarge(bytes: number, max: number): ChorusError {
  return new ChorusError(ErrorCode.TooLarge, `Request body(${bytes} bytes) too large, max size: ${max} bytes`);
}

/**
 * Decodes `text` against `schema`. Returns null for a body that is JSON
 * `null` (Go leaves the struct at its zero value); throws BadRequest with
 * Go's text otherwise.
 */
export function decodeJsonBody(text: string, schema: Schema): Record<string, unknown> | null {
  if (text.trim() === '') throw decodeFailed('EOF');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw decodeFailed(syntaxMessage(text, err as Error));
  }
  if (parsed === null) return null;
  try {
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DecodeError(`json: cannot unmarshal ${jsonKind(parsed)} into Go value of type ${schema.qualifiedName ?? schema.name}`);
    }
    return decodeStruct(parsed as Record<string, unknown>, schema, schema.name);
  } catch (err) {
    if (err instanceof DecodeError) throw decodeFailed(err.message);
    throw err;
  }
}

function decodeStruct(o: Record<string, unknown>, schema: Schema, path: string): Record<string, unknown> {
  const names = fieldNames(schema);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    const name = names.get(key) ?? names.get(key.toLowerCase());
    if (name === undefined) {
      if (schema.lenient) continue;
      throw new DecodeError(`json: unknown field ${JSON.stringify(key)}`);
    }
    const spec = schema.fields[name]!;
    const type = 'kind' in spec ? spec : spec.type;
    if (value === null) continue;
    const decoded = decodeValue(value, type, `${path}.${name}`);
    if (decoded !== undefined) out[name] = decoded;
  }
  return out;
}

const namesCache = new WeakMap<Schema, Map<string, string>>();

/** Exact names first, then lower-cased names and aliases: Go prefers an exact match, then folds case. */
function fieldNames(schema: Schema): Map<string, string> {
  let names = namesCache.get(schema);
  if (names !== undefined) return names;
  names = new Map();
  for (const [name, spec] of Object.entries(schema.fields)) {
    names.set(name.toLowerCase(), name);
    if (!('kind' in spec)) for (const alias of spec.aliases ?? []) names.set(alias.toLowerCase(), name);
  }
  for (const name of Object.keys(schema.fields)) names.set(name, name);
  namesCache.set(schema, names);
  return names;
}

function decodeValue(value: unknown, type: FieldType, path: string): unknown {
  const mismatch = (goType: string, what = jsonKind(value)): DecodeError =>
    new DecodeError(`json: cannot unmarshal ${what} into Go struct field ${path} of type ${goType}`);
  switch (type.kind) {
    case 'any':
      return value;
    case 'string':
      if (typeof value !== 'string') throw mismatch('string');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw mismatch('bool');
      return value;
    case 'int':
      if (typeof value !== 'number') throw mismatch(type.goType);
      if (!Number.isSafeInteger(value) || value < type.min) throw mismatch(type.goType, `number ${String(value)}`);
      return value;
    case 'duration':
    case 'looseDuration':
      if (typeof value === 'number') return Math.trunc(value);
      if (typeof value === 'string') return durationNs(value);
      if (type.kind === 'looseDuration') return undefined;
      throw mismatch('time.Duration');
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value) || value === null) throw mismatch(`map[string]${goTypeOf(type.of)}`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = v === null ? zeroOf(type.of) : decodeValue(v, type.of, path);
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) throw mismatch(`[]${goTypeOf(type.of)}`);
      return value.map((v) => (v === null ? zeroOf(type.of) : decodeValue(v, type.of, path)));
    case 'struct':
      if (typeof value !== 'object' || Array.isArray(value) || value === null) throw mismatch(type.schema.qualifiedName ?? type.schema.name);
      return decodeStruct(value as Record<string, unknown>, type.schema, path);
  }
}

function durationNs(text: string): number {
  const parsed = parseGoDurationNs(text);
  if ('error' in parsed) throw new DecodeError(parsed.error);
  return parsed.ns;
}

function goTypeOf(type: FieldType): string {
  switch (type.kind) {
    case 'string': return 'string';
    case 'bool': return 'bool';
    case 'int': return type.goType;
    case 'duration': return 'time.Duration';
    case 'map': return `map[string]${goTypeOf(type.of)}`;
    case 'list': return `[]${goTypeOf(type.of)}`;
    case 'struct': return type.schema.qualifiedName ?? type.schema.name;
    case 'any': case 'looseDuration': return 'interface {}';
  }
}

/** What Go leaves for a null inside a map or list. */
function zeroOf(type: FieldType): unknown {
  switch (type.kind) {
    case 'string': return '';
    case 'bool': return false;
    case 'int': case 'duration': case 'looseDuration': return 0;
    case 'struct': return {};
    default: return null;
  }
}

/** Go's names for JSON value kinds in unmarshal errors. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

/** Go's SyntaxError texts for what JSON.parse refused (the common two). */
function syntaxMessage(text: string, err: Error): string {
  if (/end of (JSON )?input|Unterminated|Unexpected end/i.test(err.message)) return 'unexpected EOF';
  const at = /position (\d+)/.exec(err.message);
  let position = at === null ? -1 : Number(at[1]);
  if (position < 0) {
    const token = /Unexpected token '?(.)'?/.exec(err.message);
    position = token === null ? 0 : Math.max(0, text.indexOf(token[1]!));
  }
  const c = text[position] ?? '';
  if (c === '') return 'unexpected EOF';
  return `invalid character ${goQuoteRune(c)} looking for beginning of value`;
}

function goQuoteRune(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '\n') return "'\\n'";
  if (c === '\t') return "'\\t'";
  if (c === '\r') return "'\\r'";
  return `'${c}'`;
}
