import type { Clock, Timer } from '../core/index.js';
import type { Coordinate } from './coordinate/types.js';

export interface AckHandler {
  /** `coordinate`: the acker's, when one came with the ack (a direct ack from a member with coordinates on). */
  onAck(coordinate?: Coordinate): void;
  onNack?(): void;
  /** Called once when no ack came within the timeout. */
  onExpire?(): void;
}

interface Entry {
  handler: AckHandler;
  timer: Timer;
  coordinate?: Coordinate;
}

/** Pending probes by sequence number; an ack completes one, a nack is counted, the timeout expires it. */
export class AckRegistry {
  #clock: Clock;
  #pending = new Map<number, Entry>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#pending.size;
  }

  register(seq: number, timeoutMs: number, handler: AckHandler): void {
    this.#pending.get(seq)?.timer.cancel();
    const timer = this.#clock.setTimer(timeoutMs, () => {
      if (this.#pending.get(seq)?.timer !== timer) return;
      this.#pending.delete(seq);
      handler.onExpire?.();
    });
    this.#pending.set(seq, { handler, timer });
  }

  /** True when the ack matched a pending probe. */
  ack(seq: number): boolean {
    const entry = this.#pending.get(seq);
    if (entry === undefined) return false;
    this.#pending.delete(seq);
    entry.timer.cancel();
    entry.handler.onAck(entry.coordinate);
    return true;
  }

  /** Keeps the coordinate that arrived just before the ack `seq`, for its handler; false when no such probe is pending. */
  attachCoordinate(seq: number, coordinate: Coordinate): boolean {
    const entry = this.#pending.get(seq);
    if (entry === undefined) return false;
    entry.coordinate = coordinate;
    return true;
  }

  nack(seq: number): boolean {
    const entry = this.#pending.get(seq);
    if (entry === undefined) return false;
    entry.handler.onNack?.();
    return true;
  }

  clear(): void {
    for (const entry of this.#pending.values()) entry.timer.cancel();
    this.#pending.clear();
  }
}
