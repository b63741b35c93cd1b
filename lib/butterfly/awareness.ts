/**
 * Lifeguard's local health multiplier (memberlist awareness.go). The score
 * rises when this member seems to be the slow one (missed nacks, having to
 * refute suspicions of itself) and falls with each successful probe; probe
 * intervals and timeouts are multiplied by score + 1.
 */
export class Awareness {
  readonly max: number;
  #score = 0;

  /** @param max the multiplier never exceeds this (the score stays below it) */
  constructor(max: number) {
    this.max = Math.max(1, max);
  }

  get score(): number {
    return this.#score;
  }

  applyDelta(delta: number): void {
    this.#score = Math.min(this.max - 1, Math.max(0, this.#score + delta));
  }

  scale(ms: number): number {
    return ms * (this.#score + 1);
  }
}
