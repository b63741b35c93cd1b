import t from 'tap';
import { seedFor, SimCluster } from './harness.js';

t.test('a partition that heals ends with one view', async (t) => {
  const seed = seedFor(4242);
  t.comment(`seed ${seed}`);
  const size = 20;
  const c = new SimCluster({ seed, size });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000), 'one ring');
  const left = c.members.slice(0, 10);
  const right = c.members.slice(10);
  c.net.partition(
    left.map((m) => m.address),
    right.map((m) => m.address),
  );
  const splitAt = c.clock.now();
  const split = await c.net.runUntil(
    () =>
      left.every((m) => right.every((r) => m.node.member(r.id)?.state === 'failed')) &&
      right.every((m) => left.every((l) => m.node.member(l.id)?.state === 'failed')),
    180_000,
  );
  t.ok(split, 'each side marks the other failed');
  t.comment(`both sides saw the other failed ${c.clock.now() - splitAt} ms after the split`);
  t.ok(left.every((m) => m.node.countIn('alive') === 10) && right.every((m) => m.node.countIn('alive') === 10), 'each side sees itself alive');

  c.net.heal();
  const healedAt = c.clock.now();
  const merged = await c.net.runUntil(() => c.converged(), 180_000);
  t.ok(merged, 'after healing every member sees all 20 alive');
  t.comment(`one view again ${c.clock.now() - healedAt} ms after the heal (reconnect interval ${c.members[0]!.node.options.reconnectIntervalMs} ms)`);
  await c.net.runFor(30_000);
  t.ok(c.converged(), 'and it stays that way');
  await c.stopAll();
});

t.test('permanent peers heal a split even after the failed members were forgotten', async (t) => {
  const seed = seedFor(99);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 6, butterfly: { reapAfterMs: 60_000, reconnectIntervalMs: 10_000 } });
  // member-0 is everyone's permanent peer
  c.options.butterfly = { ...c.options.butterfly, permanentPeers: ['10.0.0.1:9638'] };
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const a = c.members.slice(0, 3).map((m) => m.address);
  const b = c.members.slice(3).map((m) => m.address);
  c.net.partition(a, b);
  // Long enough that failed members are reaped on both sides.
  await c.net.runFor(200_000);
  t.equal(c.members[4]!.node.member(c.members[0]!.id), undefined, 'the other side was forgotten');
  c.net.heal();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000), 'the permanent peer brought the ring back together');
  await c.stopAll();
});
