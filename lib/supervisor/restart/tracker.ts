import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { TerminationReason } from '../types.js';
import { Backoff, type BackoffOptions } from './backoff.js';

/** The end of the previous process, as `/services` reports it (times in ms since the epoch). */
export interface LastProcessState {
  pid: number | null;
  terminationReason: TerminationReason;
  terminatedAt: number;
}

export interface RestartTrackerDeps {
  clock: Clock;
  random: Random;
}

/**
 * Bookkeeping for automatic restarts: how many there were, when the next one
 * is due, and how the last process ended. The service asks it how long to
 * wait; the tracker does not set timers itself.
 */
export class RestartTracker {
  readonly backoff: Backoff;
  readonly #clock: Clock;
  #restartCount = 0;
  #nextRestartAt: number | undefined;
  #last: LastProcessState | undefined;

  constructor(deps: RestartTrackerDeps, options: BackoffOptions = {}) {
    this.#clock = deps.clock;
    this.backoff = new Backoff(deps.random, options);
  }

  /** Automatic restarts since the service was loaded; it only goes up. */
  get restartCount(): number {
    return this.#restartCount;
  }

  /** When the pending restart is due, or undefined when none is pending. */
  get nextRestartAt(): number | undefined {
    return this.#nextRestartAt;
  }

  get lastProcessState(): LastProcessState | undefined {
    return this.#last;
  }

  /**
   * Records a process that ended by itself (or whose init failed) and returns
   * the wait before restarting it.
   */
  failed(pid: number | null, reason: TerminationReason, startedAt: number): number {
    const now = this.#clock.now();
    this.#last = { pid, terminationReason: reason, terminatedAt: now };
    const wait = this.backoff.next(now - startedAt);
    this.#restartCount += 1;
    this.#nextRestartAt = now + wait;
    return wait;
  }

  /**
   * Records a process stopped on purpose (config or hook change, operator):
   * Habitat restarts those at once and starts the backoff over.
   */
  stoppedOnPurpose(pid: number | null, reason: TerminationReason): void {
    this.#last = { pid, terminationReason: reason, terminatedAt: this.#clock.now() };
    this.backoff.reset();
    this.#nextRestartAt = undefined;
  }

  /** The pending restart happened (or was cancelled). */
  restarted(): void {
    this.#nextRestartAt = undefined;
  }
}
