import { runChaos } from './chaos.js';
import { TIERS, seedOf, type Tier } from './chaos-seeds.js';

/**
 * Runs a range of chaos seeds without tap and prints one JSON line:
 * `node dist/test/sim/raft/sweep.js <fast|long> <size> <from> <to>`.
 * Used by mutants.js, and handy for sweeping seeds by hand.
 */
const [tier, size, from, to] = [process.argv[2] as Tier, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const cpu = process.cpuUsage();
const failed: { seed: number; why: string }[] = [];
for (let i = from; i < to; i++) {
  const seed = seedOf(tier, size, i);
  try {
    const r = await runChaos({ seed, size, ...TIERS[tier].options });
    const why = [r.violations.length > 0 && 'safety', !r.linearizable && 'linearizability', !r.finalWrite && 'no final write', !r.converged && 'no convergence'].filter(Boolean).join(', ');
    if (why !== '') failed.push({ seed, why });
  } catch (err) {
    failed.push({ seed, why: (err as Error).message.slice(0, 200) });
  }
}
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ tier, size, seeds: to - from, failed, cpuMs: Math.round((used.user + used.system) / 1000) }));
