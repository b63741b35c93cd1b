import t from 'tap';
import { seedFor, SimCluster, type SimMember } from './harness.js';
import { publication, retire } from './rumor-helpers.js';

t.test('rumor stores and queues stay flat over many join/leave cycles with services published and withdrawn', async (t) => {
  const seed = seedFor(3500);
  t.comment(`seed ${seed}`);
  const ttl = 20_000;
  const sweep = 2_000;
  const reapAfterMs = 30_000;
  const c = new SimCluster({
    seed,
    size: 10,
    butterfly: { serviceTombstoneTtlMs: ttl, departedRumorTtlMs: ttl, rumorSweepIntervalMs: sweep, reapAfterMs, reapIntervalMs: 5_000 },
  });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const base = [...c.members];
  for (const m of base) m.node.rumors.publishService(publication(m, 'base.default'));
  const cycleMs = 10_000;
  const perCycle = 3;
  const cycles = 40;
  const services: number[] = [];
  const tombstones: number[] = [];
  const queues: number[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const joiners: SimMember[] = [];
    for (let i = 0; i < perCycle; i++) joiners.push(await c.spawn());
    await c.net.runFor(500);
    for (const j of joiners) {
      j.node.rumors.publishService(publication(j, 'churn.default'));
      j.node.rumors.publishService(publication(j, 'other.default'));
    }
    await c.net.runFor(cycleMs / 4);
    for (const j of joiners) j.node.rumors.withdrawService('other.default');
    await c.net.runFor(cycleMs / 4 - 500);
    await Promise.all([...joiners.map((j) => j.node.leave()), c.net.runFor(1_000)]);
    for (const j of joiners) await retire(c, j);
    await c.net.runFor(cycleMs / 2 - 1_000);
    services.push(Math.max(...base.map((m) => m.node.rumors.sizes().services)));
    tombstones.push(Math.max(...base.map((m) => m.node.rumors.sizes().tombstones)));
    queues.push(Math.max(...base.map((m) => m.node.sizes().queue)));
  }
  t.comment(`${cycles * perCycle} members came and went, each publishing 2 services and withdrawing 1`);
  t.comment(`largest live service store per cycle: ${services.join(' ')}`);
  t.comment(`largest tombstone count per cycle: ${tombstones.join(' ')}`);
  t.comment(`largest broadcast queue per cycle: ${queues.join(' ')}`);
  // A departed joiner's live service stays until ttl after it left (plus a sweep); the tombstone ttl after the withdrawal.
  const retainedCycles = Math.ceil((ttl + sweep + cycleMs) / cycleMs);
  const maxServices = base.length + perCycle * retainedCycles;
  const maxTombstones = perCycle * retainedCycles;
  const half = cycles / 2;
  const maxOf = (xs: number[], from: number, to: number): number => Math.max(...xs.slice(from, to));
  t.ok(maxOf(services, half, cycles) <= maxServices, `live services bounded (${maxOf(services, half, cycles)} <= ${maxServices})`);
  t.ok(maxOf(tombstones, half, cycles) <= maxTombstones, `tombstones bounded (${maxOf(tombstones, half, cycles)} <= ${maxTombstones})`);
  t.ok(maxOf(services, half, cycles) <= maxOf(services, 0, half) + perCycle, 'and flat: the second half holds no more than the first');
  t.ok(maxOf(queues, 0, cycles) < 50, 'broadcast queues stay short');
  for (const m of base) {
    const s = m.node.rumors.sizes();
    t.ok(s.fetches === 0 && s.configs === 0 && s.files === 0 && s.events === 0, `no build-up in ${m.id}: ${JSON.stringify(s)}`);
  }
  await c.net.runFor(ttl + reapAfterMs + 4 * sweep + 10_000);
  const end = base.map((m) => m.node.rumors.sizes());
  t.ok(end.every((s) => s.services === base.length && s.tombstones === 0 && s.purgeWaiting === 0), `after the timeouts only the base services remain: ${JSON.stringify(end[0])}`);
  t.ok(base.every((m) => m.node.rumors.services('churn.default').length === 0 && m.node.rumors.services('base.default').length === base.length));
  await c.stopAll();
});
