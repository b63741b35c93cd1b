import t from 'tap';
import { eventually } from '../helpers/proc.js';
import { loopbackCluster } from '../helpers/cluster.js';

t.test('a later server joins the Raft configuration, a server that leaves is removed, a departed one too', async (t) => {
  const nodes = await loopbackCluster(t, 5, (i) => [...(i <= 3 ? ['--server', '--bootstrap-expect', '3'] : ['--server'])]);
  for (const n of nodes.slice(0, 3)) n.start();
  const peers = async (): Promise<string[]> => ((await (await fetch(`${nodes[0]!.url}/v1/status/peers`)).json()) as string[]).sort();
  const addr = (is: number[]): string[] => is.map((i) => nodes[i - 1]!.gossipAddress).sort();
  await eventually(async () => (JSON.stringify(await peers().catch(() => [])) === JSON.stringify(addr([1, 2, 3])) ? true : undefined), 20_000, 100);
  t.pass('three servers bootstrapped');
  await fetch(`${nodes[1]!.url}/v1/kv/before`, { method: 'PUT', body: 'x' });

  // Servers 4 and 5 arrive later, with no --bootstrap-expect: the leader adds them.
  nodes[3]!.start();
  nodes[4]!.start();
  await eventually(async () => (JSON.stringify(await peers()) === JSON.stringify(addr([1, 2, 3, 4, 5])) ? true : undefined), 30_000, 200);
  t.pass('the leader added both as voters');
  await eventually(async () => {
    const r = await fetch(`${nodes[4]!.url}/v1/kv/before?stale&raw`).catch(() => undefined);
    return r?.status === 200 && (await r.text()) === 'x' ? true : undefined;
  }, 10_000, 100);
  t.pass('a new server caught up with what was written before it joined');

  // A graceful leave takes server 5 out of the configuration.
  const leaderBefore = (await (await fetch(`${nodes[0]!.url}/v1/status/leader`)).json()) as string;
  t.comment(`leader before the leave: ${leaderBefore}`);
  await nodes[4]!.kill('SIGTERM');
  const leaveExit = await nodes[4]!.proc!.exited;
  try {
    await eventually(async () => (JSON.stringify(await peers()) === JSON.stringify(addr([1, 2, 3, 4])) ? true : undefined), 40_000, 200);
  } catch (err) {
    // What the servers said about membership, to see why the leave was not followed.
    for (const n of nodes) for (const line of n.proc?.stdout.filter((l) => /raft|RAFT/.test(l)) ?? []) t.comment(`node${n.i}: ${line.slice(0, 300)}`);
    t.comment(`peers now: ${JSON.stringify(await peers())}`);
    t.comment(`node5 exited with ${leaveExit}; stderr: ${nodes[4]!.proc!.stderr.slice(-5).join(' | ')}; last lines: ${nodes[4]!.proc!.stdout.slice(-6).join(' | ').slice(0, 1500)}`);
    for (const n of nodes.slice(0, 4)) {
      const members = (await (await fetch(`${n.url}/v1/agent/members`)).json()) as Array<{ Name: string; Status: number; Tags: Record<string, string> }>;
      t.comment(`node${n.i} sees ${members.map((m) => `${m.Name}:${m.Status}:${m.Tags.raft ?? ''}`).join(' ')}; leader ${JSON.stringify(await (await fetch(`${n.url}/v1/status/leader`)).json())}`);
    }
    throw err;
  }
  t.equal(leaveExit, 0, 'the leaving server exited 0');
  t.pass('a server that left was removed (by its leave: the dead-server removal waits 5 minutes)');
  for (const n of nodes.slice(0, 4)) {
    const members = (await (await fetch(`${n.url}/v1/agent/members`)).json()) as Array<{ Name: string; Status: number }>;
    t.equal(members.find((m) => m.Name === 'node5')?.Status, 3, `node${n.i} sees node5 left (3), not failed`);
  }

  // A dead server marked departed (force-leave) is removed too.
  await nodes[3]!.kill('SIGKILL');
  await eventually(async () => {
    const r = await fetch(`${nodes[0]!.url}/v1/agent/force-leave/node4`, { method: 'PUT' });
    return r.status === 200 ? true : undefined;
  }, 10_000, 200);
  await eventually(async () => (JSON.stringify(await peers()) === JSON.stringify(addr([1, 2, 3])) ? true : undefined), 20_000, 200);
  t.pass('a force-left server was removed');
  t.equal((await fetch(`${nodes[2]!.url}/v1/kv/after`, { method: 'PUT', body: 'y' })).status, 200, 'the cluster still takes writes');
  for (const n of nodes) await n.kill('SIGTERM');
});
