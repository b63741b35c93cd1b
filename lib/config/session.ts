import { checkTable, numberRule } from './rules.js';

/**
 * The config file's `[session]` table: Consul's session_ttl_min and the TTL
 * multiplier its servers use (fixed at 2 in Consul; an option here so tests
 * on real processes can expire sessions in seconds).
 */
const SESSION_TABLE = {
  ttl_min_ms: numberRule({
    type: 'must be a number of milliseconds', int: 'must be whole milliseconds', min: [1, 'must be at least 1'], max: [24 * 3_600_000, 'must be at most 24 hours (the longest TTL)'],
  }),
  ttl_multiplier: numberRule({ type: 'must be a number', min: [1, 'must be at least 1 (a session never expires before its TTL)'], max: [10, 'must be at most 10'] }),
};

export interface SessionSettings {
  /** The shortest TTL a session may ask for (Consul's session_ttl_min; default 10 s). */
  ttlMinMs?: number;
  /** A session expires TTL × this after its last renewal (default 2). */
  ttlMultiplier?: number;
}

export function parseSessionTable(raw: unknown, file: string): SessionSettings {
  return checkTable('session', raw, file, SESSION_TABLE) as SessionSettings;
}
