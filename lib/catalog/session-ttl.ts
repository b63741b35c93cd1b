import type { Clock, Timer } from '../core/clock.js';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseGoDurationNs } from './go-duration.js';
import { SESSION_TTL_MULTIPLIER, type CatalogSession } from './session-types.js';

/** Consul retries a failed expiry this many times, waiting 10 s · 2^attempt in between. */
export const INVALIDATE_ATTEMPTS = 6;
export const INVALIDATE_RETRY_BASE_MS = 10_000;

export interface SessionTtlDeps {
  clock: Clock;
  /** Destroys a session through the log. */
  destroy(id: string): Promise<unknown>;
  logger?: Logger | undefined;
}

export interface SessionTtlOptions {
  /** The TTL is multiplied by this before a session expires (Consul's grace; default 2). */
  multiplier?: number;
  /** First wait before retrying a failed expiry; doubles each attempt (default 10 s). */
  retryBaseMs?: number;
}

/** A session's TTL in milliseconds, or undefined when it has none (or one that does not parse). */
export function ttlMs(ttl: string): number | undefined {
  const parsed = parseGoDurationNs(ttl);
  if ('error' in parsed || parsed.ns <= 0) return undefined;
  return parsed.ns / 1e6;
}

/**
 * The leader's session TTL timers (Consul's session_ttl.go): one per session
 * with a TTL, set to TTL × multiplier on create and on every renew; when one
 * fires the session is destroyed through the log, retried with backoff if
 * that fails. Only the leader holds timers: a new leader rebuilds them all
 * from its state, so a session's clock restarts at a failover (it can only
 * live longer, never expire early).
 */
export class SessionTtlTimers {
  readonly #timers = new Map<string, Timer>();
  readonly #multiplier: number;
  readonly #retryBaseMs: number;
  /** Moves on clearAll, so an expiry still retrying for a former leader stops. */
  #generation = 0;

  constructor(private readonly deps: SessionTtlDeps, options: SessionTtlOptions = {}) {
    this.#multiplier = options.multiplier ?? SESSION_TTL_MULTIPLIER;
    this.#retryBaseMs = options.retryBaseMs ?? INVALIDATE_RETRY_BASE_MS;
  }

  get size(): number {
    return this.#timers.size;
  }

  has(id: string): boolean {
    return this.#timers.has(id);
  }

  /** (Re)starts `session`'s timer; a session without a TTL gets none. */
  reset(session: Pick<CatalogSession, 'ID' | 'TTL'>): void {
    const ms = ttlMs(session.TTL);
    if (ms === undefined) return;
    this.clear(session.ID);
    const generation = this.#generation;
    this.#timers.set(session.ID, this.deps.clock.setTimer(ms * this.#multiplier, () => this.#expire(session.ID, generation, 0)));
  }

  clear(id: string): void {
    this.#timers.get(id)?.cancel();
    this.#timers.delete(id);
  }

  clearAll(): void {
    this.#generation++;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }

  #expire(id: string, generation: number, attempt: number): void {
    this.#timers.delete(id);
    this.deps.destroy(id).then(
      () => this.deps.logger?.debug({ session: id }, 'Session TTL expired'),
      (err: unknown) => {
        if (generation !== this.#generation || this.#timers.has(id)) return;
        if (attempt + 1 >= INVALIDATE_ATTEMPTS) {
          this.deps.logger?.error({ session: id }, `maximum revoke attempts reached for session: ${messageOf(err)}`);
          return;
        }
        this.deps.logger?.warn({ session: id }, `Session invalidation failed: ${messageOf(err)}`);
        const wait = this.#retryBaseMs * 2 ** attempt;
        this.#timers.set(id, this.deps.clock.setTimer(wait, () => this.#expire(id, generation, attempt + 1)));
      },
    );
  }
}
