/**
 * Go's time.ParseDuration, with its error texts, because Consul echoes them:
 * `Session TTL 'x' invalid: time: invalid duration "x"`. Sessions carry their
 * TTL as the string the client sent, so the catalog parses it here (the
 * leader's TTL timers) as well as the routes (validation).
 */

const UNIT_NS: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/** Go's time.Duration range: a parse past it fails as Go's does. */
const MAX_DURATION_NS = 9223372036854775807;

export type DurationParse = { ns: number } | { error: string };

/** Nanoseconds, or Go's error text ("time: invalid duration \"x\""). */
export function parseGoDurationNs(text: string): DurationParse {
  const quoted = JSON.stringify(text);
  const invalid = { error: `time: invalid duration ${quoted}` };
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ns: 0 };
  if (rest === '') return invalid;
  let total = 0;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const [whole = '', fraction] = [number[1], number[2]];
    if (whole === '' && (fraction === undefined || fraction === '')) return invalid;
    rest = rest.slice(number[0].length);
    const unitLength = /^[^0-9.]*/.exec(rest)![0].length;
    if (unitLength === 0) return { error: `time: missing unit in duration ${quoted}` };
    const unit = rest.slice(0, unitLength);
    rest = rest.slice(unitLength);
    const per = UNIT_NS[unit];
    if (per === undefined) return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}` };
    total += Number(`${whole || '0'}.${fraction || '0'}`) * per;
    if (total > MAX_DURATION_NS) return invalid;
  }
  return { ns: sign * Math.trunc(total) };
}
