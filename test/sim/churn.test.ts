import t from 'tap';
import { recordEvents, seedFor, SimCluster, type SimMember } from './harness.js';

async function retire(c: SimCluster, m: SimMember): Promise<void> {
  await m.node.stop();
  await m.endpoint.packets.close();
  await m.endpoint.streams.close();
  c.members.splice(c.members.indexOf(m), 1);
}

t.test('a graceful leave is seen as left, not failed', async (t) => {
  const seed = seedFor(5);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 10 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const events = recordEvents(c);
  const leaver = c.members[4]!;
  await Promise.all([leaver.node.leave(), c.net.runFor(2_000)]);
  await retire(c, leaver);
  const allSeeLeft = await c.net.runUntil(() => c.members.every((m) => m.node.member(leaver.id)?.state === 'left'), 10_000);
  t.ok(allSeeLeft, 'every member marks it left');
  await c.net.runFor(30_000);
  t.same(events.filter((e) => / (failed|suspect) /.test(e)), [], 'nobody suspected or failed it');
  t.ok(c.members.every((m) => m.node.member(leaver.id)?.state === 'left'), 'still left, not failed');
  await c.stopAll();
});

t.test('a member already given up as failed that then leaves is seen as left', async (t) => {
  const seed = seedFor(7);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 8 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const leaver = c.members[3]!;
  const others = c.members.filter((m) => m !== leaver);
  // Cut off (as a server stalled by its own shutdown would be) until everyone has failed it.
  c.net.partition([leaver.address], others.map((m) => m.address));
  t.ok(await c.net.runUntil(() => others.every((m) => m.node.member(leaver.id)?.state === 'failed'), 120_000), 'every member fails it');
  c.net.heal();
  await Promise.all([leaver.node.leave(), c.net.runFor(2_000)]);
  await retire(c, leaver);
  t.ok(await c.net.runUntil(() => others.every((m) => m.node.member(leaver.id)?.state === 'left'), 10_000), 'its leave turns failed into left everywhere');
  await c.stopAll();
});

t.test('a departed member is departed everywhere and never comes back alive under its id', async (t) => {
  const seed = seedFor(6);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 8 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const victim = c.members[6]!;
  let selfDeparted = false;
  victim.node.on('selfDeparted', () => (selfDeparted = true));
  c.members[0]!.node.depart(victim.id);
  const departed = await c.net.runUntil(
    () => selfDeparted && c.members.every((m) => m === victim || m.node.member(victim.id)?.state === 'departed'),
    10_000,
  );
  t.ok(departed, 'every member marks it departed');
  t.ok(selfDeparted, 'the departed member was told');
  // It keeps running (a misbehaving node) and is even restarted with a high incarnation: nobody takes it back.
  await retire(c, victim);
  const again = await c.spawn({}, victim.index);
  await c.net.runFor(60_000);
  t.ok(
    c.members.every((m) => m === again || m.node.member(victim.id)?.state === 'departed'),
    'still departed for everyone else after its restart',
  );
  await c.stopAll();
});

t.test('member tables and queues stay flat over many join/leave cycles', async (t) => {
  const seed = seedFor(8);
  t.comment(`seed ${seed}`);
  const reapAfterMs = 30_000;
  const reapIntervalMs = 5_000;
  const c = new SimCluster({ seed, size: 10, butterfly: { reapAfterMs, reapIntervalMs } });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const base = [...c.members];
  const cycleMs = 10_000;
  const perCycle = 3;
  const cycles = 40;
  const sizes: number[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const joiners: SimMember[] = [];
    for (let i = 0; i < perCycle; i++) joiners.push(await c.spawn());
    await c.net.runFor(cycleMs / 2);
    await Promise.all([...joiners.map((j) => j.node.leave()), c.net.runFor(1_000)]);
    for (const j of joiners) await retire(c, j);
    await c.net.runFor(cycleMs / 2 - 1_000);
    sizes.push(Math.max(...base.map((m) => m.node.sizes().members)));
  }
  const maxRetained = base.length + perCycle * Math.ceil((reapAfterMs + reapIntervalMs + cycleMs) / cycleMs);
  const firstHalf = Math.max(...sizes.slice(0, cycles / 2));
  const secondHalf = Math.max(...sizes.slice(cycles / 2));
  t.comment(`${cycles * perCycle} members came and went; largest member table per cycle: ${sizes.join(' ')}`);
  t.ok(secondHalf <= maxRetained, `member tables stay bounded (${secondHalf} <= ${maxRetained})`);
  t.ok(secondHalf <= firstHalf + perCycle, `and flat (${firstHalf} then ${secondHalf})`);
  for (const m of base) {
    const s = m.node.sizes();
    t.ok(s.queue < 50 && s.suspicions === 0 && s.pendingAcks < 10, `no build-up in ${m.id}: ${JSON.stringify(s)}`);
  }
  await c.net.runFor(reapAfterMs + 2 * reapIntervalMs);
  t.ok(base.every((m) => m.node.sizes().members === base.length), 'after the reap timeout only the base members remain');
  t.ok(c.converged(), 'the base ring is whole');
  await c.stopAll();
});
