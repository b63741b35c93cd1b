import t from 'tap';
import { StreamKind } from '../../../lib/net/types.js';
import { RaftSim } from './harness.js';
import { encodeCommand } from './register-machine.js';
import { seedFor } from '../harness.js';

const put = (key: string, value: string): Uint8Array => encodeCommand({ op: 'put', key, value });

t.test('pre-vote: a server rejoining after a partition does not depose a healthy leader', async (t) => {
  const sim = new RaftSim({ seed: seedFor(7), size: 3 });
  await sim.startAll();
  const leader = (await sim.runUntilLeader())!;
  const term = leader.node.status().term;
  const loner = sim.servers.find((s) => s !== leader)!;
  sim.net.partition([loner.address], sim.servers.filter((s) => s !== loner).map((s) => s.address));
  await sim.run(10_000);
  t.equal(loner.node.status().term, term, 'the isolated server never raised its term (pre-votes failed)');
  sim.net.heal();
  await sim.run(3_000);
  t.equal(sim.leader(), leader, 'the leader is unchanged');
  t.equal(leader.node.status().term, term, 'and so is the term');
  await sim.stopAll();
});

t.test('a leader cut off from the quorum steps down; the majority elects another', async (t) => {
  const sim = new RaftSim({ seed: seedFor(8), size: 5 });
  await sim.startAll();
  const old = (await sim.runUntilLeader())!;
  sim.net.partition([old.address], sim.servers.filter((s) => s !== old).map((s) => s.address));
  await sim.run(2_500);
  t.not(old.node.status().role, 'leader', 'check quorum: the isolated leader stepped down');
  const next = sim.leader();
  t.ok(next !== undefined && next !== old, 'the majority has a new leader');
  const err = await sim.settle(old.node.read('consistent', () => 0)).catch((e: unknown) => e);
  t.ok(err instanceof Error, 'the old leader refuses consistent reads');
  await sim.stopAll();
});

t.test('a follower that fell far behind catches up through InstallSnapshot', async (t) => {
  const sim = new RaftSim({ seed: seedFor(9), size: 3 });
  await sim.startAll();
  const leader = (await sim.runUntilLeader())!;
  const lagger = sim.servers.find((s) => s !== leader)!;
  await sim.crash(lagger);
  for (let i = 0; i < 200; i++) await sim.settle(leader.node.propose(put(`k${i % 10}`, `v${i}`)));
  t.ok(leader.node.logEntries().base > 0, 'the leader compacted its log');
  await sim.restart(lagger);
  await sim.run(5_000);
  t.equal(lagger.machine.get('k9'), 'v199', 'the restarted follower has the latest state');
  t.ok(lagger.disk.snapshot !== undefined, 'it received a snapshot');
  t.equal(lagger.node.status().appliedIndex, leader.node.status().appliedIndex);
  t.same(sim.safety.violations, []);
  await sim.stopAll();
});

t.test('membership: a new server joins as a non-voter, is promoted, and a server is removed', async (t) => {
  const sim = new RaftSim({ seed: seedFor(10), size: 3 });
  await sim.startAll();
  const leader = (await sim.runUntilLeader())!;
  for (let i = 0; i < 100; i++) await sim.settle(leader.node.propose(put('a', `v${i}`)));
  const fresh = await sim.addFresh();
  await sim.settle(leader.node.addServer(fresh.id, fresh.address));
  const config = leader.node.status().configuration.servers;
  t.same(config.find((s) => s.id === fresh.id)?.suffrage, 'voter', 'promoted to voter');
  await sim.run(1_000);
  t.equal(fresh.machine.get('a'), 'v99', 'the new server has the state');
  const victim = sim.servers.find((s) => s !== leader && s !== fresh)!;
  await sim.settle(leader.node.removeServer(victim.id));
  t.notOk(leader.node.status().configuration.servers.some((s) => s.id === victim.id), 'removed');
  await sim.crash(victim);
  // Three voters remain (leader, fresh, one more); one more crash still leaves a quorum of 2 of 3.
  const other = sim.servers.find((s) => s !== leader && s !== fresh && s !== victim)!;
  await sim.crash(other);
  await sim.settle(leader.node.propose(put('a', 'after')));
  await sim.run(500);
  t.equal(fresh.machine.get('a'), 'after', 'writes commit with the new quorum');
  // The leader removes itself: it steps down once that is committed.
  await sim.restart(other);
  await sim.run(1_000);
  await sim.settle(leader.node.removeServer(leader.id)).catch(() => undefined);
  await sim.run(5_000);
  t.not(leader.node.status().role, 'leader', 'a removed leader steps down');
  const next = sim.leader();
  t.ok(next !== undefined && next !== leader, 'the remaining servers elect a leader');
  t.same(sim.safety.violations, []);
  await sim.stopAll();
});

t.test('malformed raft messages are refused without disturbing the server', async (t) => {
  const sim = new RaftSim({ seed: seedFor(11), size: 3 });
  await sim.startAll();
  const leader = (await sim.runUntilLeader())!;
  const probe = sim.net.attach('10.9.9.9:9638');
  const garbage = [Buffer.from([1, 2, 3]), Buffer.from([0x93, 0x01, 0x04, 0xc0]), Buffer.from([0x92, 0x09, 0x01]), Buffer.alloc(0)];
  for (const g of garbage) {
    const err = await sim.settle(probe.streams.request(leader.address, StreamKind.Raft, g, 1000)).catch((e: unknown) => e);
    t.ok(err instanceof Error, 'refused');
  }
  await sim.settle(leader.node.propose(put('x', 'y')));
  t.equal(sim.leader(), leader, 'still leading and serving');
  await sim.stopAll();
});
