import type { Clock, Timer } from '../../core/clock.js';
import type { LocalState } from '../local-state.js';

export interface ReaperDeps {
  clock: Clock;
  state: LocalState;
  /** Removes a service and its checks (the agent's deregistration). */
  reap: (serviceId: string) => void;
}

/**
 * DeregisterCriticalServiceAfter: every interval, a service with a check
 * that has been critical for longer than that check allows is deregistered,
 * once, whatever its other checks say (Agent.reapServicesInternal).
 */
export class CriticalServiceReaper {
  readonly #deps: ReaperDeps;
  readonly #intervalMs: number;
  readonly #reapAfter = new Map<string, number>();
  #timer: Timer | undefined;

  constructor(deps: ReaperDeps, intervalMs: number) {
    this.#deps = deps;
    this.#intervalMs = intervalMs;
  }

  /** Watches a check: its service goes once the check is critical for more than `afterMs`. */
  watch(checkId: string, afterMs: number): void {
    this.#reapAfter.set(checkId, afterMs);
  }

  forget(checkId: string): void {
    this.#reapAfter.delete(checkId);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const tick = () => {
      this.sweep();
      this.#timer = this.#deps.clock.setTimer(this.#intervalMs, tick);
    };
    this.#timer = this.#deps.clock.setTimer(this.#intervalMs, tick);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** One pass; public so the agent's tests can run one without waiting. */
  sweep(): void {
    const now = this.#deps.clock.now();
    const reaped = new Set<string>();
    for (const [checkId, afterMs] of this.#reapAfter) {
      const entry = this.#deps.state.checkEntry(checkId);
      if (entry === undefined) continue;
      const serviceId = entry.check.ServiceID;
      if (serviceId === '' || reaped.has(serviceId) || entry.criticalSince === undefined) continue;
      if (now - entry.criticalSince > afterMs) {
        reaped.add(serviceId);
        this.#deps.reap(serviceId);
      }
    }
  }
}
