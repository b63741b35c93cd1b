import t from 'tap';
import Consul from 'consul';
import { eventually } from '../helpers/proc.js';
import { leaderOf, loopbackCluster } from '../helpers/cluster.js';

t.test('three servers and a client: bootstrap, forwarding, the npm consul client unmodified, failover', async (t) => {
  const nodes = await loopbackCluster(t, 4, (i) => (i <= 3 ? ['--server', '--bootstrap-expect', '3'] : []));
  for (const n of nodes) n.start();
  await Promise.all(nodes.map((n) => n.proc!.waitForLine(/Starting http-gateway|"msg":"Supervisor started"/, 20_000).catch(() => undefined)));
  const leader = await eventually(() => leaderOf(nodes.slice(0, 3)), 20_000, 100);
  const peers = (await (await fetch(`${nodes[3]!.url}/v1/status/peers`)).json()) as string[];
  t.same(peers.sort(), nodes.slice(0, 3).map((n) => n.gossipAddress).sort(), 'the client sees the three servers as peers');
  t.equal(await (await fetch(`${nodes[3]!.url}/v1/status/leader`)).json(), leader.gossipAddress, 'and the same leader');

  // /v1/agent/self reports the Raft state on servers and none on the client.
  type Self = { Config: { Server: boolean; NodeName: string; Datacenter: string }; Stats: { raft?: Record<string, string> } };
  const selfLeader = (await (await fetch(`${leader.url}/v1/agent/self`)).json()) as Self;
  t.equal(selfLeader.Stats.raft?.state, 'Leader');
  t.equal(selfLeader.Stats.raft?.leader_addr, leader.gossipAddress);
  t.equal(selfLeader.Stats.raft?.num_peers, '2');
  t.ok(Number(selfLeader.Stats.raft?.commit_index) >= 1);
  t.same([selfLeader.Config.Server, selfLeader.Config.Datacenter], [true, 'dc1']);
  const selfClient = (await (await fetch(`${nodes[3]!.url}/v1/agent/self`)).json()) as Self;
  t.same([selfClient.Config.Server, selfClient.Config.NodeName, selfClient.Stats.raft], [false, 'node4', undefined]);

  // The real Consul client library, pointed at a follower and at the client node.
  const follower = nodes.slice(0, 3).find((n) => n !== leader)!;
  const viaFollower = new Consul({ host: follower.host, port: follower.ports.http });
  const viaClient = new Consul({ host: nodes[3]!.host, port: nodes[3]!.ports.http });
  t.equal(await viaFollower.kv.set('app/config/a', 'one'), true);
  t.equal(await viaClient.kv.set('app/config/b', 'two'), true);
  t.equal(await viaClient.kv.set({ key: 'app/other', value: 'x', flags: 42 }), true);
  const got = await viaClient.kv.get('app/config/a');
  t.equal(got?.Value, 'one');
  const b = await viaFollower.kv.get('app/config/b');
  t.equal(b?.Value, 'two');
  t.same((await viaClient.kv.keys('app/')).sort(), ['app/config/a', 'app/config/b', 'app/other']);
  const other = await viaFollower.kv.get('app/other');
  t.equal(other?.Flags, 42);
  // cas: a stale index loses, the current one wins.
  const idx = b!.ModifyIndex;
  t.equal(await viaClient.kv.set({ key: 'app/config/b', value: 'three', cas: idx }), true);
  // The library turns Consul's `false` body into undefined (it does so against Consul too).
  t.notOk(await viaClient.kv.set({ key: 'app/config/b', value: 'four', cas: idx }), 'a stale cas index loses');
  t.equal((await viaFollower.kv.get('app/config/b'))?.Value, 'three');
  t.notOk(await viaClient.kv.del({ key: 'app/config/b', cas: 1 }), 'a delete with a stale cas index loses');
  t.equal((await viaFollower.kv.get('app/config/b'))?.Value, 'three');

  // A watch on a key sees a change made through another node.
  const watch = viaClient.watch({ method: viaClient.kv.get, options: { key: 'app/watched' } });
  t.teardown(() => watch.end());
  const seen: string[] = [];
  watch.on('change', (data: { Value?: string } | undefined) => { if (data?.Value !== undefined) seen.push(data.Value); });
  watch.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 300));
  await viaFollower.kv.set('app/watched', 'v1');
  await eventually(async () => (seen.includes('v1') ? true : undefined), 10_000);
  await viaFollower.kv.set('app/watched', 'v2');
  await eventually(async () => (seen.includes('v2') ? true : undefined), 10_000);
  t.pass(`the watch saw ${seen.join(', ')}`);
  watch.end();

  // recurse delete.
  t.equal(await viaClient.kv.del({ key: 'app/config/', recurse: true }), true);
  t.same((await viaFollower.kv.keys('app/')).sort(), ['app/other', 'app/watched']);

  // Kill the leader: a new one is elected and writes through the survivors work again.
  const killedAt = Date.now();
  await leader.kill('SIGKILL');
  await eventually(async () => ((await viaClient.kv.set('after/failover', 'yes').catch(() => false)) === true ? true : undefined), 15_000, 50);
  t.pass(`a write succeeded ${Date.now() - killedAt} ms after the leader was killed`);
  const newLeader = await eventually(() => leaderOf(nodes.slice(0, 3)), 10_000, 100);
  t.not(newLeader, leader);

  // The killed server comes back and catches up from its disk and the new leader.
  leader.start();
  await eventually(async () => {
    const r = await fetch(`${leader.url}/v1/kv/after/failover?stale&raw`).catch(() => undefined);
    return r?.status === 200 && (await r.text()) === 'yes' ? true : undefined;
  }, 20_000, 200);
  t.pass('the restarted server has the write made while it was down');
  t.equal(await (await fetch(`${leader.url}/v1/kv/app/other?stale&raw`)).text(), 'x');

  // ?stale and ?consistent both answer; both together is Consul's 400.
  t.equal((await fetch(`${follower.url}/v1/kv/app/other?consistent`)).status, 200);
  const both = await fetch(`${follower.url}/v1/kv/app/other?consistent&stale`);
  t.equal(both.status, 400);
  for (const n of nodes) await n.kill('SIGTERM');
});
