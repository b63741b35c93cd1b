import type { Context } from 'koa';
import { ChorusError, ErrorCode } from '../../core/errors.js';
import { readRawBody } from './body.js';

/** JSON request bodies are small documents; anything larger is refused before it is parsed. */
export const MAX_JSON_BODY = 1024 * 1024;

/** The Go type of a struct field, for Go's "cannot unmarshal" message. */
export type GoFieldType = 'string' | 'uint64' | 'bool';

/** A struct's JSON fields as Go declares them, e.g. { ID: 'string', CreateIndex: 'uint64' }. */
export type GoStruct = Record<string, GoFieldType>;

function decodeFailed(reason: string): ChorusError {
  return new ChorusError(ErrorCode.BadRequest, `Request decode failed: ${reason}`);
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

function fits(type: GoFieldType, v: unknown): boolean {
  if (v === null) return true; // Go leaves the field as it was
  if (type === 'string') return typeof v === 'string';
  if (type === 'bool') return typeof v === 'boolean';
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Go's encoding/json syntax errors, near enough for a client to see what is wrong. */
function syntaxReason(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/end of (JSON )?input|Unterminated/i.test(message)) return 'unexpected EOF';
  const token = /Unexpected token '(.)'/.exec(message)?.[1];
  const at = /position (\d+)/.exec(message);
  const ch = token ?? (at === null ? undefined : text[Number(at[1])]);
  return ch === undefined ? 'unexpected EOF' : `invalid character '${ch}' looking for beginning of value`;
}

/**
 * Decodes a JSON body into `struct`'s fields as Consul's lib.DecodeJSON does:
 * field names match case-insensitively, an unknown field is refused
 * (`json: unknown field "Foo"`), a value of the wrong type is refused with
 * Go's message, and a body of only whitespace is `EOF`. Returns the fields
 * under their declared names; `undefined` when the body is empty (0 bytes)
 * and `optional`, so the caller applies its defaults.
 */
export async function decodeJsonBody(ctx: Context, structName: string, struct: GoStruct, optional: boolean): Promise<Record<string, unknown> | undefined> {
  const raw = await readRawBody(ctx, MAX_JSON_BODY);
  if (raw.length === 0 && optional) return undefined;
  const text = raw.toString('utf8');
  if (text.trim() === '') throw decodeFailed('EOF');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw decodeFailed(syntaxReason(text, err));
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw decodeFailed(`json: cannot unmarshal ${jsonKind(value)} into Go value of type structs.${structName}`);
  }
  const byLower = new Map(Object.keys(struct).map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = byLower.get(key.toLowerCase());
    if (field === undefined) throw decodeFailed(`json: unknown field ${JSON.stringify(key)}`);
    const type = struct[field]!;
    if (!fits(type, v)) {
      throw decodeFailed(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${structName}.${field} of type ${type}`);
    }
    if (v !== null) out[field] = v;
  }
  return out;
}
