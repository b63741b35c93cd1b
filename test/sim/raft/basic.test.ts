import t from 'tap';
import { isChorusError } from '../../../lib/core/index.js';
import { RaftSim } from './harness.js';
import { encodeCommand } from './register-machine.js';
import { seedFor } from '../harness.js';

t.test('a 3-server cluster elects one leader and replicates writes to all', async (t) => {
  const seed = seedFor(1);
  const sim = new RaftSim({ seed, size: 3 });
  await sim.startAll();
  const leader = await sim.runUntilLeader();
  t.ok(leader, `a leader is elected (seed ${seed})`);
  const started = sim.clock.now();
  const results: unknown[] = [];
  for (let i = 0; i < 50; i++) {
    void leader!.node.propose(encodeCommand({ op: 'put', key: `k${i % 5}`, value: `v${i}` })).then((r) => results.push(r));
  }
  await sim.net.runUntil(() => results.length === 50, 5_000);
  t.equal(results.length, 50, 'every proposal resolves');
  t.ok(sim.clock.now() - started < 500, `50 writes took ${sim.clock.now() - started} ms of virtual time`);
  await sim.run(1_000);
  for (const s of sim.servers) t.equal(s.machine.get('k4'), 'v49', `${s.id} applied the last write`);
  const r = await sim.settle(leader!.node.read('consistent', () => leader!.machine.get('k0')));
  t.equal(r.value, 'v45');
  t.equal(r.lastContactMs, 0);
  const follower = sim.servers.find((s) => s !== leader)!;
  const err = await sim.settle(follower.node.propose(encodeCommand({ op: 'put', key: 'x', value: 'y' }))).catch((e: unknown) => e);
  t.ok(isChorusError(err, 'UNAVAILABLE'), 'a follower refuses proposals');
  t.equal((err as { details: { leaderId: string } }).details.leaderId, leader!.id, 'and names the leader');
  const stale = await follower.node.read('stale', () => follower.machine.get('k4'));
  t.equal(stale.value, 'v49');
  t.ok(stale.knownLeader);
  t.ok(stale.lastContactMs < 200, 'a follower reports recent contact with the leader');
  t.same(sim.safety.violations, []);
  await sim.stopAll();
});
