import t from 'tap';
import { runChaos } from './chaos.js';
import { SIZES, TIERS, decodeSeed, seedOf, type Tier } from './chaos-seeds.js';

const env = process.env;

/**
 * Registers this file's share of one tier: seed i of each size when
 * i % shards === shard. With CHORUS_SEED set, only that seed, in the file
 * whose share it is (a number the suite did not print runs in the long tier's
 * file, for both sizes).
 */
export function chaosTests(tier: Tier, shard = 0, shards = 1): void {
  t.setTimeout(30 * 60_000);
  const only = env.CHORUS_SEED;
  const plan = new Map<number, number[]>();
  if (only !== undefined && only !== '') {
    const seed = Number(only) >>> 0;
    const d = decodeSeed(seed);
    if (d === undefined) {
      if (tier === 'long' && shard === 0) for (const size of SIZES) plan.set(size, [seed]);
    } else if (d.tier === tier && d.i % shards === shard) plan.set(d.size, [seed]);
    if (plan.size === 0) {
      t.pass(`CHORUS_SEED=${seed} is replayed by another file`);
      return;
    }
  } else {
    for (const size of SIZES) {
      const seeds: number[] = [];
      for (let i = shard; i < TIERS[tier].seedsPerSize; i += shards) seeds.push(seedOf(tier, size, i));
      plan.set(size, seeds);
    }
  }
  for (const [size, seeds] of plan) {
    const { chaosMs } = TIERS[tier].options;
    t.test(`${tier}: ${seeds.length} ${size}-server clusters, ${chaosMs / 1000} s each under partitions, loss, duplication, reordering, crashes and pauses`, async (t) => {
      let ops = 0;
      let unknown = 0;
      let elections = 0;
      let failed = 0;
      for (const seed of seeds) {
        const where = `seed ${seed} (${tier}, ${size} servers) — replay with CHORUS_SEED=${seed}`;
        let report;
        try {
          report = await runChaos({ seed, size, ...TIERS[tier].options });
        } catch (err) {
          failed++;
          t.fail(`${where}: ${(err as Error).message}`);
          continue;
        }
        ops += report.ops;
        unknown += report.counts.unknown;
        elections += report.leaders;
        const problems: string[] = [];
        if (report.violations.length > 0) problems.push(`safety violated: ${report.violations.join('; ')}`);
        if (!report.linearizable) problems.push('history not linearizable');
        if (!report.finalWrite) problems.push('no write succeeded after the faults stopped');
        if (!report.converged) problems.push('servers did not converge on one state');
        if (problems.length > 0) {
          failed++;
          t.fail(`${problems.join('; ')}, ${where}`);
        }
      }
      if (failed === 0) t.pass(`${seeds.length} seeds: ${ops} operations checked (${unknown} with unknown outcome), ${elections} leaders elected`);
    });
  }
}
