import type { Context } from './context.js';
import { COMPOUND_HEADER, COMPOUND_PART_OVERHEAD } from './wire/codec.js';
import { LIMITS } from './constants.js';

/**
 * One gossip round (memberlist gossip): up to `gossipNodes` random members
 * (alive, suspect, or failed within gossipToTheDead) each get one packet of
 * queued broadcasts; a round with nothing queued sends nothing.
 */
export function gossipRound(ctx: Context): void {
  const o = ctx.opts;
  const now = ctx.now;
  const targets = ctx.randomMembers(o.gossipNodes, (m) => {
    if (m.state === 'alive' || m.state === 'suspect') return true;
    return m.state === 'failed' && now - m.stateChangedAt < o.gossipToTheDeadMs;
  });
  for (const target of targets) {
    if (ctx.queue.size === 0) return;
    const parts = ctx.queue.take(o.packetBudget - COMPOUND_HEADER, COMPOUND_PART_OVERHEAD, LIMITS.compoundParts);
    ctx.sendParts(target.transportAddress, parts);
  }
}

/** memberlist's pushPullScale: past 32 members the interval grows by one step per doubling. */
export function pushPullScale(intervalMs: number, members: number, threshold: number): number {
  if (members <= threshold) return intervalMs;
  const multiplier = Math.ceil(Math.log2(members) - Math.log2(threshold)) + 1;
  return intervalMs * multiplier;
}
