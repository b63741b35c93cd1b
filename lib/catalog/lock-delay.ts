import type { Clock } from '../core/clock.js';
import { MAX_LOCK_DELAY_MS } from './session-types.js';

/** Past this many remembered keys, expired ones are swept on the next start. */
const SWEEP_AT = 1024;

/**
 * Consul's lock-delay: after a session is invalidated, the keys it held
 * cannot be acquired again for its LockDelay (at most 60 s), so a holder
 * that was cut off has time to notice it lost the lock before another takes
 * it. It reads a clock, so it lives beside the state machine, fed by what
 * apply reports, and is enforced on the leader before an acquire is
 * proposed: only the leader's clock counts, as in Consul.
 */
export class LockDelays {
  readonly #until = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** How many keys are remembered (some possibly already expired). */
  get size(): number {
    return this.#until.size;
  }

  /** Starts the delay of `keys` (from now); a LockDelay of 0 or less starts none. */
  start(keys: readonly string[], lockDelayNs: number): void {
    const ms = Math.min(lockDelayNs / 1e6, MAX_LOCK_DELAY_MS);
    if (!(ms > 0)) return;
    const now = this.clock.now();
    if (this.#until.size >= SWEEP_AT) {
      for (const [key, until] of this.#until) if (until <= now) this.#until.delete(key);
    }
    for (const key of keys) this.#until.set(key, Math.max(this.#until.get(key) ?? 0, now + ms));
  }

  /** Whether an acquire of `key` must be refused now. */
  delayed(key: string): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.#until.delete(key);
    return false;
  }
}
