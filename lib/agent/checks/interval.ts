import type { Clock, Timer } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { CheckStatus } from '../types.js';
import type { CheckNotify, CheckRunner } from './types.js';

/** One run of a check: its verdict and the output to show. */
export type Probe = (signal: AbortSignal) => Promise<{ status: CheckStatus; output: string }>;

export interface IntervalRunnerDeps {
  clock: Clock;
  random: Random;
  probe: Probe;
  notify: CheckNotify;
}

/**
 * Runs a probe every interval, one run at a time, as Consul's interval checks
 * do: the first run after a random pause within one interval (so checks
 * registered together spread out), then one interval after each run ends.
 * `stop()` cancels the timer and aborts a run in flight, whose late result is
 * dropped.
 */
export class IntervalRunner implements CheckRunner {
  readonly #deps: IntervalRunnerDeps;
  readonly #intervalMs: number;
  #timer: Timer | undefined;
  #abort: AbortController | undefined;
  #running = false;

  constructor(deps: IntervalRunnerDeps, intervalMs: number) {
    this.#deps = deps;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#schedule(Math.floor(this.#deps.random.next() * this.#intervalMs));
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#abort?.abort();
  }

  #schedule(ms: number): void {
    this.#timer = this.#deps.clock.setTimer(ms, () => void this.#run());
  }

  async #run(): Promise<void> {
    const abort = this.#abort!;
    let result: { status: CheckStatus; output: string };
    try {
      result = await this.#deps.probe(abort.signal);
    } catch (err) {
      result = { status: 'critical', output: err instanceof Error ? err.message : String(err) };
    }
    if (!this.#running || abort.signal.aborted) return;
    this.#deps.notify(result.status, result.output);
    this.#schedule(this.#intervalMs);
  }
}
