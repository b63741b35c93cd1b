import { ConsulApiError, ConsulErrorCode } from './errors.js';

const UINT64_MAX = 18446744073709551615n;

/**
 * Go's strconv.ParseUint(text, 10, 64): digits only, no sign, no spaces.
 * 'syntax' and 'range' are Go's two failure kinds.
 */
export function parseUint64(text: string): bigint | 'syntax' | 'range' {
  if (!/^[0-9]+$/.test(text)) return 'syntax';
  const value = BigInt(text);
  return value > UINT64_MAX ? 'range' : value;
}

/**
 * A query number that becomes a flag or an index (`?flags=`, `?cas=`),
 * failing as Consul does: 500 with Go's strconv text. Values past 2^53-1
 * parse in Go but cannot be held exactly here, so they fail as out of range.
 */
export function queryUint(text: string): number {
  const parsed = parseUint64(text);
  if (typeof parsed === 'bigint' && parsed <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(parsed);
  const reason = parsed === 'syntax' ? 'invalid syntax' : 'value out of range';
  throw new ConsulApiError(ConsulErrorCode.InvalidNumber, `strconv.ParseUint: parsing ${goQuote(text)}: ${reason}`);
}

/** Go's %q for the strings we echo back (printable ASCII as is, the rest escaped). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}
