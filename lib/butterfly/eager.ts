import type { Timer } from '../core/index.js';
import { EAGER_GOSSIP_ROUNDS_PER_INTERVAL } from './constants.js';
import type { Context } from './context.js';
import { gossipRound } from './gossip.js';

/**
 * Eager dissemination: when news is queued (a member joined, is suspected,
 * failed, left; a rumor changed), a gossip round runs at once instead of at
 * the next tick. Each hop then costs one network trip rather than up to a
 * gossip interval, so a join or failure spreads in milliseconds where plain
 * memberlist takes a few 200 ms rounds. The rounds draw on the same
 * per-update send budget as periodic ones (BroadcastQueue counts every send),
 * so no update is sent more often than retransmitLimit allows; rounds are
 * spaced at least gossipIntervalMs / EAGER_GOSSIP_ROUNDS_PER_INTERVAL apart,
 * so a burst of news shares rounds and a steady stream of it costs at most
 * that many extra packets per interval.
 */
export class EagerGossip {
  #ctx: Context;
  #timer: Timer | undefined;
  #lastRoundAt = Number.NEGATIVE_INFINITY;

  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /** Asks for a round soon; calls before it runs share it. */
  request(): void {
    const ctx = this.#ctx;
    if (this.#timer !== undefined || !ctx.running || !ctx.opts.eagerGossip) return;
    const gap = ctx.opts.gossipIntervalMs / EAGER_GOSSIP_ROUNDS_PER_INTERVAL;
    const wait = Math.max(0, this.#lastRoundAt + gap - ctx.now);
    this.#timer = ctx.deps.clock.setTimer(wait, () => {
      this.#timer = undefined;
      if (!ctx.running || ctx.queue.size === 0) return;
      this.#lastRoundAt = ctx.now;
      gossipRound(ctx);
    });
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
