import { formatGoDuration as formatGoDurationMs } from '../../agent/index.js';
import { parseGoDurationNs } from '../../catalog/index.js';

/**
 * Go durations for the query strings and bodies of the Consul API (the Go
 * client sends `wait=30000ms`, people type `1m30s`), on top of the one
 * parser (catalog) and the one formatter (agent).
 */

/** Milliseconds (possibly fractional or negative), or undefined when `text` is not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  const parsed = parseGoDurationNs(text);
  return 'error' in parsed ? undefined : parsed.ns / 1e6;
}

/** Go's time.Duration.String for a number of nanoseconds: "0s", "500ms", "1.5s", "1m30s", "1h0m0s". */
export function formatGoDuration(ns: number): string {
  return formatGoDurationMs(ns / 1e6);
}
