import type { Clock, Timer } from '../../../lib/core/index.js';

/**
 * A server's view of the simulator's clock that can be paused, as a process
 * stopped with SIGSTOP or stuck in a long GC pause: time goes on, but its
 * timers do not fire until it resumes, and then all at once, late.
 */
export class PausableClock implements Clock {
  readonly #inner: Clock;
  #paused = false;
  #queued: (() => void)[] = [];

  constructor(inner: Clock) {
    this.#inner = inner;
  }

  now(): number {
    return this.#inner.now();
  }

  setTimer(ms: number, fn: () => void): Timer {
    let cancelled = false;
    const t = this.#inner.setTimer(ms, () => {
      if (cancelled) return;
      if (this.#paused) this.#queued.push(() => { if (!cancelled) fn(); });
      else fn();
    });
    return { cancel: () => { cancelled = true; t.cancel(); } };
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const queued = this.#queued;
    this.#queued = [];
    for (const fn of queued) fn();
  }
}
