import t from 'tap';
import { runChaos } from './chaos.js';

/**
 * Many seeded runs of 3- and 5-server clusters under faults. CHORUS_RAFT_SEEDS
 * sets how many seeds per cluster size (default 40, about a minute and a half on two
 * cores); CHORUS_SEED replays one seed exactly; CHORUS_RAFT_CHAOS_MS sets the
 * virtual time under faults per run (default 30 s).
 */
t.setTimeout(30 * 60_000);
const count = Number(process.env.CHORUS_RAFT_SEEDS ?? 40);
const only = process.env.CHORUS_SEED;
const chaosMs = Number(process.env.CHORUS_RAFT_CHAOS_MS ?? 30_000);
const first = Number(process.env.CHORUS_RAFT_FIRST_SEED ?? 1000);

for (const size of [3, 5]) {
  t.test(`${size}-server clusters under partitions, loss, duplication, reordering, crashes and pauses`, async (t) => {
    const seeds = only !== undefined && only !== '' ? [Number(only) >>> 0] : Array.from({ length: count }, (_, i) => first + size * 100_000 + i);
    let ops = 0;
    let unknown = 0;
    let elections = 0;
    for (const seed of seeds) {
      let report;
      try {
        report = await runChaos({ seed, size, chaosMs });
      } catch (err) {
        t.fail(`seed ${seed} (${size} servers): ${(err as Error).message} — replay with CHORUS_SEED=${seed}`);
        continue;
      }
      ops += report.ops;
      unknown += report.counts.unknown;
      elections += report.leaders;
      const where = `seed ${seed} (${size} servers) — replay with CHORUS_SEED=${seed}`;
      if (report.violations.length > 0) t.fail(`safety violated, ${where}: ${report.violations.join('; ')}`);
      if (!report.linearizable) t.fail(`history not linearizable, ${where}`);
      if (!report.finalWrite) t.fail(`no write succeeded after the faults stopped, ${where}`);
      if (!report.converged) t.fail(`servers did not converge on one state, ${where}`);
    }
    t.pass(`${seeds.length} seeds: ${ops} operations checked (${unknown} with unknown outcome), ${elections} leaders elected`);
  });
}
