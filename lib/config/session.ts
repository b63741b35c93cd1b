import { z } from 'zod';
import { ChorusError, ErrorCode } from '../core/errors.js';

/**
 * The config file's `[session]` table: Consul's session_ttl_min and the TTL
 * multiplier its servers use (fixed at 2 in Consul; an option here so tests
 * on real processes can expire sessions in seconds).
 */
export const sessionTable = z
  .object({
    ttl_min_ms: z.number({ error: 'must be a number of milliseconds' }).int('must be whole milliseconds')
      .min(1, 'must be at least 1').max(24 * 3_600_000, 'must be at most 24 hours (the longest TTL)'),
    ttl_multiplier: z.number({ error: 'must be a number' }).min(1, 'must be at least 1 (a session never expires before its TTL)').max(10, 'must be at most 10'),
  })
  .partial()
  .strict();

export interface SessionSettings {
  /** The shortest TTL a session may ask for (Consul's session_ttl_min; default 10 s). */
  ttlMinMs?: number;
  /** A session expires TTL × this after its last renewal (default 2). */
  ttlMultiplier?: number;
}

export function parseSessionTable(raw: unknown, file: string): SessionSettings {
  const result = sessionTable.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `session.${issue.path.join('.')}` : 'session';
    const message = issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
    throw new ChorusError(ErrorCode.InvalidConfig, `config file ${file}: ${where}: ${message}`);
  }
  const out: SessionSettings = {};
  if (result.data.ttl_min_ms !== undefined) out.ttlMinMs = result.data.ttl_min_ms;
  if (result.data.ttl_multiplier !== undefined) out.ttlMultiplier = result.data.ttl_multiplier;
  return out;
}
