import type { Clock, Timer } from '../../core/clock.js';
import type { CheckStatus } from '../types.js';
import type { CheckNotify, CheckRunner } from './types.js';

/** Output over `max` bytes is cut, saying so, as Consul's CheckTTL.SetStatus does. */
export function truncateOutput(output: string, max: number): string {
  const bytes = Buffer.from(output);
  if (bytes.length <= max) return output;
  return `${bytes.subarray(0, max).toString()} ... (captured ${max} of ${bytes.length} bytes)`;
}

/**
 * A TTL check: the application reports its own status (pass/warn/fail/update)
 * and must do so again within the TTL, or the check turns critical with
 * `TTL expired`, followed by the last output it was given.
 */
export class TtlRunner implements CheckRunner {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #notify: CheckNotify;
  readonly #maxOutput: number;
  #timer: Timer | undefined;
  #lastOutput = '';
  #running = false;

  constructor(deps: { clock: Clock; notify: CheckNotify }, ttlMs: number, maxOutput: number) {
    this.#clock = deps.clock;
    this.#notify = deps.notify;
    this.#ttlMs = ttlMs;
    this.#maxOutput = maxOutput;
  }

  start(): void {
    this.#running = true;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Records a status from the application and restarts the TTL; returns the output as stored. */
  setStatus(status: CheckStatus, output: string): string {
    const stored = truncateOutput(output, this.#maxOutput);
    this.#notify(status, stored);
    this.#lastOutput = stored;
    if (this.#running) this.#arm();
    return stored;
  }

  /** The output to remember when the check comes back from the data directory. */
  restoreOutput(output: string): void {
    this.#lastOutput = output;
  }

  #arm(): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimer(this.#ttlMs, () => {
      this.#timer = undefined;
      if (!this.#running) return;
      const prefix = 'TTL expired';
      this.#notify('critical', this.#lastOutput === '' ? prefix : `${prefix} (last output before timeout follows): ${this.#lastOutput}`);
    });
  }
}
