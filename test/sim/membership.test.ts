import t from 'tap';
import { detectionBound, median, recordEvents, seedFor, SimCluster, type SimMember } from './harness.js';

/**
 * Crashes `victim` and runs until every live member marks it failed; returns
 * each viewer's detection time (ms after the crash).
 */
async function crashAndDetect(c: SimCluster, victim: SimMember, maxMs: number): Promise<number[]> {
  const crashAt = c.clock.now();
  const detected = new Map<string, number>();
  for (const m of c.members) {
    if (m === victim) continue;
    m.node.on('failed', (x) => {
      if (x.id === victim.id && !detected.has(m.id)) detected.set(m.id, c.clock.now() - crashAt);
    });
  }
  c.net.crash(victim.address);
  await victim.node.stop();
  const viewers = c.live();
  await c.net.runUntil(() => viewers.every((m) => detected.has(m.id)), maxMs);
  return viewers.map((m) => detected.get(m.id) ?? Infinity);
}

for (const size of [3, 50]) {
  t.test(`${size} members: all see all alive, a crash is detected by all within the predicted time`, async (t) => {
    const seed = seedFor(1000 + size);
    t.comment(`seed ${seed}`);
    const c = new SimCluster({ seed, size });
    const events = recordEvents(c);
    await c.spawnAll();
    const spawnedAt = c.clock.now();
    const converged = await c.net.runUntil(() => c.converged(), 60_000);
    t.ok(converged, 'every member sees every member alive');
    t.comment(`${size} members converged ${c.clock.now() - spawnedAt} ms after the last one started`);

    // Quiet network, no loss: nobody live is ever suspected or failed.
    await c.net.runFor(60_000);
    const falseAlarms = events.filter((e) => / (suspect|failed) /.test(e));
    t.ok(events.filter((e) => e.includes(' joined ')).length >= size * (size - 1), 'the event log saw every join');
    t.same(falseAlarms, [], 'at 0% loss no live member is suspected or marked failed');
    t.ok(c.converged(), 'still one view after a minute');

    const victim = c.members[size - 1]!;
    const o = c.members[0]!.node.options;
    const { bound, minSuspicion, maxSuspicion } = detectionBound(size, o);
    const times = await crashAndDetect(c, victim, bound + 10_000);
    const max = Math.max(...times);
    t.comment(
      `crash of 1 of ${size}: detected by all ${times.length} live members; min ${Math.min(...times)} ms, median ${median(times)} ms, max ${max} ms; ` +
        `formula: suspicion ${minSuspicion}..${maxSuspicion} ms, bound ${bound} ms`,
    );
    t.ok(max <= bound, `every live member marked the crashed one failed within the bound (${max} <= ${bound})`);
    t.ok(max >= minSuspicion, 'not before the minimum suspicion timeout');
    for (const m of c.live()) t.equal(m.node.member(victim.id)?.state, 'failed');
    t.equal(c.live().filter((m) => m.node.countIn('alive') !== size - 1).length, 0, 'the rest stay alive');
    await c.stopAll();
  });
}

t.test('the same seed replays the same run', async (t) => {
  const run = async (seed: number): Promise<string[]> => {
    const c = new SimCluster({ seed, size: 12, net: { loss: 0.05, duplicate: 0.02, reorder: 0.1, maxDelayMs: 40 } });
    const events = recordEvents(c);
    await c.spawnAll();
    await c.net.runFor(15_000);
    c.net.crash(c.members[5]!.address);
    await c.members[5]!.node.stop();
    await c.net.runFor(40_000);
    const totals = c.net.totals();
    events.push(`totals ${JSON.stringify(totals)}`);
    events.push(...c.members.map((m) => JSON.stringify(m.node.stats())));
    await c.stopAll();
    return events;
  };
  const seed = seedFor(77);
  t.comment(`seed ${seed}`);
  const a = await run(seed);
  const b = await run(seed);
  const other = await run(seed + 1);
  t.ok(a.length > 100, `a busy run (${a.length} events)`);
  t.same(b, a, 'identical events, times and counters');
  t.notSame(other, a, 'another seed gives another run');
});

t.test('a restarted member comes back alive with a higher incarnation', async (t) => {
  const seed = seedFor(31);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 8 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 30_000));
  const victim = c.members[3]!;
  const firstIncarnation = victim.node.self.incarnation;
  const times = await crashAndDetect(c, victim, 120_000);
  t.ok(times.every(Number.isFinite), 'crash detected');
  await victim.endpoint.packets.close();
  await victim.endpoint.streams.close();
  c.members.splice(c.members.indexOf(victim), 1);
  // The new process has lost nothing but its memory: it restarts with the persisted incarnation.
  const again = await c.spawn({}, victim.index);
  t.equal(again.id, victim.id);
  t.ok(await c.net.runUntil(() => c.converged(), 60_000), 'everyone sees it alive again');
  const seen = c.members[0]!.node.member(victim.id)!;
  t.equal(seen.state, 'alive');
  t.ok(seen.incarnation > firstIncarnation, `incarnation ${seen.incarnation} > ${firstIncarnation}`);
  await c.stopAll();
});
