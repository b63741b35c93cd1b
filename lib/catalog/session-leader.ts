import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { LockDelays } from './lock-delay.js';
import { SessionTtlTimers, type SessionTtlOptions } from './session-ttl.js';
import type { CatalogSession, SessionEvents } from './session-types.js';
import type { CatalogCommand } from './types.js';

export interface SessionLeaderDeps {
  clock: Clock;
  /** Destroys a session through the log (a TTL expired). */
  destroy(id: string): Promise<unknown>;
  logger?: Logger | undefined;
}

/**
 * What a server does for sessions beside the state machine, because it needs
 * a clock: lock-delays (remembered on every server from what apply reports,
 * enforced by the leader before it proposes an acquire) and, while this
 * server leads, the TTL timers. The state machine's events feed it; the
 * server tells it when leadership comes and goes.
 */
export class SessionLeader {
  readonly lockDelays: LockDelays;
  readonly timers: SessionTtlTimers;
  #leading = false;

  /** Hand these to the CatalogState. */
  readonly events: SessionEvents = {
    created: (session) => {
      if (this.#leading) this.timers.reset(session);
    },
    destroyed: (id) => this.timers.clear(id),
    locksReleased: (released) => this.lockDelays.start(released.keys, released.lockDelayNs),
  };

  constructor(deps: SessionLeaderDeps, options: SessionTtlOptions = {}) {
    this.lockDelays = new LockDelays(deps.clock);
    this.timers = new SessionTtlTimers(deps, options);
  }

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * This server leads (or no longer does). Gaining leadership starts a timer
   * for every session with a TTL, as Consul's initializeSessionTimers does;
   * losing it drops them all.
   */
  setLeading(leading: boolean, sessions: () => Iterable<CatalogSession>): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.timers.clearAll();
    if (leading) for (const session of sessions()) this.timers.reset(session);
  }

  /** An acquire the leader answers `false` without proposing: the key is in its lock-delay. */
  refuses(command: CatalogCommand): boolean {
    return command.type === 'kv.lock' && this.lockDelays.delayed(command.key);
  }

  /** Renews `session` (from this leader's state): its TTL timer starts again. */
  renew(session: CatalogSession | undefined): CatalogSession | undefined {
    if (session !== undefined && this.#leading) this.timers.reset(session);
    return session;
  }

  stop(): void {
    this.#leading = false;
    this.timers.clearAll();
  }
}
