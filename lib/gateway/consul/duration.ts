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

/** Go's time.Duration.String for a number of nanoseconds: "0s", "500ms", "1.5s", "1m30s", "1h0m0s". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let rest = Math.abs(Math.trunc(ns));
  if (rest < 1e9) {
    const [unit, per] = rest < 1e3 ? ['ns', 1] : rest < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${sign}${withFraction(rest, per)}${unit}`;
  }
  const h = Math.floor(rest / 3.6e12);
  rest -= h * 3.6e12;
  const m = Math.floor(rest / 6e10);
  rest -= m * 6e10;
  const s = `${withFraction(rest, 1e9)}s`;
  return sign + (h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s);
}

/** `value / per` in decimal, trailing zeros of the fraction dropped. */
function withFraction(value: number, per: number): string {
  const whole = Math.floor(value / per);
  const frac = value - whole * per;
  if (frac === 0) return String(whole);
  const digits = String(per).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}
