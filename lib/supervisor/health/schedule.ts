import type { Clock, Timer } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { HealthStatus } from '../types.js';
import { DEFAULT_HEALTH_CHECK_INTERVAL_MS, NON_OK_RETRY_MAX_MS } from './constants.js';

/**
 * When the next health check runs, Habitat's way: a non-ok result is
 * rechecked after min(interval, 30 s); the first ok result is followed by a
 * random splay in [0, interval) so the checks of many services (and many
 * nodes started together) drift apart; later ok results wait the interval.
 */
export class HealthCheckSchedule {
  readonly intervalMs: number;
  readonly #random: Random;
  #splayed = false;

  constructor(random: Random, intervalMs = DEFAULT_HEALTH_CHECK_INTERVAL_MS) {
    this.#random = random;
    this.intervalMs = Math.max(1, intervalMs);
  }

  /** The wait after a check that returned `status`. */
  delayAfter(status: HealthStatus): number {
    if (status !== 'Ok') return Math.min(this.intervalMs, NON_OK_RETRY_MAX_MS);
    if (!this.#splayed) {
      this.#splayed = true;
      return Math.floor(this.#random.next() * this.intervalMs);
    }
    return this.intervalMs;
  }
}

export interface HealthCheckLoopDeps {
  clock: Clock;
  random: Random;
  /** Runs one check; a rejection counts as Unknown. */
  check: (signal: AbortSignal) => Promise<HealthStatus>;
  /** Called with every result, in order. */
  onResult: (status: HealthStatus) => void;
}

export interface HealthCheckLoopOptions {
  /** Default 30 000 ms. */
  intervalMs?: number;
}

/**
 * Runs checks one at a time forever, first one at once, on the injected
 * clock; `stop()` cancels the pending timer and aborts a check in flight.
 */
export class HealthCheckLoop {
  readonly #deps: HealthCheckLoopDeps;
  readonly #schedule: HealthCheckSchedule;
  #timer: Timer | undefined;
  #controller: AbortController | undefined;
  #running = false;

  constructor(deps: HealthCheckLoopDeps, options: HealthCheckLoopOptions = {}) {
    this.#deps = deps;
    this.#schedule = new HealthCheckSchedule(deps.random, options.intervalMs);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#controller = new AbortController();
    this.#schedule_(0);
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#controller?.abort();
  }

  #schedule_(ms: number): void {
    this.#timer = this.#deps.clock.setTimer(ms, () => void this.#runOnce());
  }

  async #runOnce(): Promise<void> {
    const controller = this.#controller!;
    let status: HealthStatus;
    try {
      status = await this.#deps.check(controller.signal);
    } catch {
      status = 'Unknown';
    }
    // A result that arrives after stop() belongs to a service no longer checked.
    if (!this.#running || controller.signal.aborted) return;
    this.#deps.onResult(status);
    this.#schedule_(this.#schedule.delayAfter(status));
  }
}
