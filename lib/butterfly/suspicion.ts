import type { Clock, Timer } from '../core/index.js';
import type { MemberId } from './types.js';

/**
 * A Lifeguard suspicion timer (memberlist suspicion.go). It starts at `maxMs`
 * and, with each independent confirmation from another member, shrinks
 * logarithmically towards `minMs`, reaching it after `k` confirmations:
 *
 *   timeout(n) = max(minMs, maxMs − (maxMs − minMs) × log(n + 1) / log(k + 1))
 *
 * With k < 1 (too few members to expect confirmations) it is `minMs` from the start.
 */
export class Suspicion {
  readonly k: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly startedAt: number;
  #clock: Clock;
  #confirmations = new Set<MemberId>();
  #n = 0;
  #timer: Timer;
  #fired = false;
  #onTimeout: (confirmations: number) => void;

  constructor(
    clock: Clock,
    from: MemberId,
    k: number,
    minMs: number,
    maxMs: number,
    onTimeout: (confirmations: number) => void,
  ) {
    this.#clock = clock;
    this.k = k;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.startedAt = clock.now();
    this.#onTimeout = onTimeout;
    this.#confirmations.add(from);
    this.#timer = clock.setTimer(k < 1 ? minMs : maxMs, () => this.#fire());
  }

  get confirmations(): number {
    return this.#n;
  }

  /** When the suspicion times out, if nothing else confirms it. */
  get deadline(): number {
    return this.startedAt + remainingSuspicionTime(this.#n, this.k, 0, this.minMs, this.maxMs);
  }

  /** Counts a confirmation from a member not heard before; true when it was new (and worth re-gossiping). */
  confirm(from: MemberId): boolean {
    if (this.#fired || this.#n >= this.k || this.#confirmations.has(from)) return false;
    this.#confirmations.add(from);
    this.#n++;
    const remaining = remainingSuspicionTime(this.#n, this.k, this.#clock.now() - this.startedAt, this.minMs, this.maxMs);
    this.#timer.cancel();
    this.#timer = this.#clock.setTimer(Math.max(0, remaining), () => this.#fire());
    return true;
  }

  cancel(): void {
    this.#fired = true;
    this.#timer.cancel();
  }

  #fire(): void {
    if (this.#fired) return;
    this.#fired = true;
    this.#onTimeout(this.#n);
  }
}

export function remainingSuspicionTime(n: number, k: number, elapsedMs: number, minMs: number, maxMs: number): number {
  const frac = k < 1 ? 1 : Math.log(n + 1) / Math.log(k + 1);
  const raw = maxMs - frac * (maxMs - minMs);
  const timeout = Math.max(minMs, Math.floor(raw));
  return timeout - elapsedMs;
}

/** memberlist's suspicionTimeout: suspicionMult × max(1, log10(max(1, n))) × probeInterval. */
export function suspicionTimeout(suspicionMult: number, members: number, probeIntervalMs: number): number {
  const scale = Math.max(1, Math.log10(Math.max(1, members)));
  return Math.floor(suspicionMult * scale * probeIntervalMs);
}
