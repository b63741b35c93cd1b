/**
 * Go's time.ParseDuration, because Consul clients send Go durations:
 * the Go API client sends `wait=30000ms`, people type `1m30s` or `1.5h`.
 * A sign, then one or more <decimal><unit> pairs; a bare "0" is allowed.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

const COMPONENT = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Milliseconds (possibly fractional or negative), or undefined when `text` is not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    // Go needs at least one digit on either side of the point, and a unit after.
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * UNIT_MS[m[3]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
