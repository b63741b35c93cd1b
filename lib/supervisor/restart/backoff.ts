import type { Random } from '../../core/random.js';
import { BACKOFF_GROWTH, DEFAULT_COOLDOWN_MS, DEFAULT_MAX_BACKOFF_MS, DEFAULT_MIN_BACKOFF_MS } from './constants.js';

export interface BackoffOptions {
  /** Shortest wait before a restart. Default 0 (Habitat's `--service-min-backoff-period`). */
  minMs?: number;
  /** Longest wait; raised to minMs if lower. Default 0. */
  maxMs?: number;
  /** A run longer than this resets the backoff to minMs. Default 300 000 (5 min). */
  cooldownMs?: number;
}

/**
 * Habitat's restart backoff: decorrelated jitter. The first wait is `min`;
 * each later one is uniform in [min, previous × 3], capped at `max`. Waits
 * spread out so that many crashing services do not restart in lock step, and
 * a service that stayed up past the cooldown starts again from `min`.
 */
export class Backoff {
  readonly minMs: number;
  readonly maxMs: number;
  readonly cooldownMs: number;
  readonly #random: Random;
  #previousMs: number | undefined;

  constructor(random: Random, options: BackoffOptions = {}) {
    this.#random = random;
    this.minMs = Math.max(0, options.minMs ?? DEFAULT_MIN_BACKOFF_MS);
    this.maxMs = Math.max(this.minMs, options.maxMs ?? DEFAULT_MAX_BACKOFF_MS);
    this.cooldownMs = Math.max(0, options.cooldownMs ?? DEFAULT_COOLDOWN_MS);
  }

  /** The wait before restarting a process that ran for `ranForMs` before it ended. */
  next(ranForMs: number): number {
    if (ranForMs > this.cooldownMs) this.reset();
    let wait: number;
    if (this.#previousMs === undefined) {
      wait = this.minMs;
    } else {
      const upper = Math.max(this.minMs, this.#previousMs * BACKOFF_GROWTH);
      wait = Math.min(this.maxMs, this.minMs + Math.floor(this.#random.next() * (upper - this.minMs + 1)));
    }
    this.#previousMs = wait;
    return wait;
  }

  /** Forgets past failures: the next wait is minMs again. */
  reset(): void {
    this.#previousMs = undefined;
  }
}
