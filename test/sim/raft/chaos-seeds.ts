import type { ChaosOptions } from './chaos.js';

/**
 * The chaos simulation in two tiers, over 3- and 5-server clusters:
 *
 * - fast: many short runs (5 s of virtual time under faults, a fault rolled
 *   every 50–500 ms): every kind of fault, the safety properties after every
 *   step, and the linearizability of the history, in about 40–80 ms of CPU a
 *   seed. Spread over several test files so tap runs them in parallel.
 *   CHORUS_RAFT_FAST_SEEDS seeds per cluster size (default 600).
 * - long: fewer long runs (30 s under faults, a fault every 100–999 ms), for
 *   histories long enough to go through many elections, snapshots and
 *   catch-ups. CHORUS_RAFT_SEEDS seeds per cluster size (default 8);
 *   CHORUS_RAFT_CHAOS_MS sets the virtual time under faults.
 *
 * A seed names its tier and cluster size (fast: 1s000000 + i, where s is the
 * size; long: s00000 + 1000 + i), so CHORUS_SEED=<n> replays exactly the run
 * that printed n, whichever file it came from. CHORUS_RAFT_FAST_FIRST_SEED
 * and CHORUS_RAFT_FIRST_SEED shift the seeds swept (a nightly run can cover
 * new ones).
 */

export type Tier = 'fast' | 'long';
export const SIZES = [3, 5] as const;

const env = process.env;
const num = (v: string | undefined, fallback: number): number => (v === undefined || v === '' ? fallback : Number(v));

const FAST_BASE = 10_000_000;
const FAST_STRIDE = 1_000_000;
const LONG_STRIDE = 100_000;

export const TIERS: Record<Tier, { seedsPerSize: number; first: number; options: Omit<ChaosOptions, 'seed' | 'size'> }> = {
  fast: {
    seedsPerSize: num(env.CHORUS_RAFT_FAST_SEEDS, 600),
    first: num(env.CHORUS_RAFT_FAST_FIRST_SEED, 0),
    options: { chaosMs: 5_000, faultStepMs: [50, 500], recoveryMs: 1_000, drainMs: 4_000, clientTimeoutMs: 500, leaderBias: 0.75 },
  },
  long: {
    seedsPerSize: num(env.CHORUS_RAFT_SEEDS, 8),
    first: num(env.CHORUS_RAFT_FIRST_SEED, 1000),
    options: { chaosMs: num(env.CHORUS_RAFT_CHAOS_MS, 30_000) },
  },
};

export function seedOf(tier: Tier, size: number, i: number): number {
  return tier === 'fast' ? FAST_BASE + size * FAST_STRIDE + TIERS.fast.first + i : size * LONG_STRIDE + TIERS.long.first + i;
}

/** The tier, cluster size and position of a seed this suite prints; undefined for any other number. */
export function decodeSeed(seed: number): { tier: Tier; size: number; i: number } | undefined {
  if (seed >= FAST_BASE) {
    const size = Math.floor((seed - FAST_BASE) / FAST_STRIDE);
    const i = seed - FAST_BASE - size * FAST_STRIDE - TIERS.fast.first;
    return (SIZES as readonly number[]).includes(size) && i >= 0 ? { tier: 'fast', size, i } : undefined;
  }
  const size = Math.floor(seed / LONG_STRIDE);
  const i = seed - size * LONG_STRIDE - TIERS.long.first;
  return (SIZES as readonly number[]).includes(size) && i >= 0 ? { tier: 'long', size, i } : undefined;
}
