import { ChorusError, ErrorCode } from '../../core/errors.js';
import type { StringMap } from '../../catalog/index.js';

/** `?node-meta=key:value` (repeatable; all must hold). A filter without a colon wants the key with an empty value, as Consul parses it. */
export function nodeMetaFilter(params: URLSearchParams): (meta: StringMap) => boolean {
  const wanted = params.getAll('node-meta').map((f) => {
    const at = f.indexOf(':');
    return at < 0 ? [f, ''] : [f.slice(0, at), f.slice(at + 1)];
  });
  if (wanted.length === 0) return () => true;
  return (meta) => wanted.every(([k, v]) => meta !== null && Object.hasOwn(meta, k!) && meta[k!] === v);
}

/** `?tag=` (repeatable): every tag must be on the service, compared case-insensitively. */
export function tagFilter(params: URLSearchParams): (tags: readonly string[] | null) => boolean {
  const wanted = params.getAll('tag').map((t) => t.toLowerCase());
  if (wanted.length === 0) return () => true;
  return (tags) => wanted.every((w) => (tags ?? []).some((t) => t.toLowerCase() === w));
}

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** `?passing`: present without a value is true, otherwise Go's bool syntax. */
export function passingParam(params: URLSearchParams): boolean {
  const v = params.get('passing');
  if (v === null) return false;
  if (v === '') return true;
  const b = parseGoBool(v);
  if (b === undefined) throw new ChorusError(ErrorCode.BadRequest, 'Invalid value for ?passing');
  return b;
}
