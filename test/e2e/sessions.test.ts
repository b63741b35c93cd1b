import t from 'tap';
import Consul from 'consul';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/proc.js';
import { leaderOf, loopbackCluster } from '../helpers/cluster.js';

type Session = { ID: string; Node: string; NodeChecks: string[] | null; TTL: string };
type Entry = { Session?: string; LockIndex: number; Value: string };

t.test('three servers and a client: a client session holds a lock until the client dies; lock-delay; TTL expiry', async (t) => {
  // Short TTLs for a test on real processes: 1 s minimum, expiry at the TTL itself.
  const configFile = join(await mkdtemp(join(tmpdir(), 'chorus-sessions-')), 'session.toml');
  await writeFile(configFile, '[session]\nttl_min_ms = 1000\nttl_multiplier = 1\n');
  const nodes = await loopbackCluster(t, 4, (i) => [...(i <= 3 ? ['--server', '--bootstrap-expect', '3'] : []), '--gossip-profile', 'local', '--config', configFile]);
  for (const n of nodes) n.start();
  const servers = nodes.slice(0, 3);
  const client = nodes[3]!;
  const leader = await eventually(() => leaderOf(servers), 30_000, 100);
  const follower = servers.find((n) => n !== leader)!;
  const viaClient = new Consul({ host: client.host, port: client.ports.http });
  const viaFollower = new Consul({ host: follower.host, port: follower.ports.http });

  // The leader registers every member with serfHealth; a session needs its node's.
  await eventually(async () => {
    const checks = (await viaClient.health.node('node4').catch(() => [])) as Array<{ CheckID: string; Status: string }>;
    return checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'passing') ? true : undefined;
  }, 30_000, 200);

  // A session made through the client node defaults to the client's node and its serfHealth.
  const { ID: clientSession } = (await viaClient.session.create({ name: 'client-lock', lockdelay: '10s' })) as { ID: string };
  const info = (await viaFollower.session.info(clientSession)) as unknown as Session;
  t.match(info, { Node: 'node4', NodeChecks: ['serfHealth'] });
  t.equal(await viaClient.kv.set({ key: 'e2e/lock', value: 'client', acquire: clientSession }), true, 'the client holds the lock');
  const { ID: serverSession } = (await viaFollower.session.create({ name: 'standby' })) as { ID: string };
  t.match((await viaFollower.session.info(serverSession)) as unknown as Session, { Node: `node${follower.i}` });
  t.notOk(await viaFollower.kv.set({ key: 'e2e/lock', value: 'standby', acquire: serverSession }), 'another session cannot take it');

  // kill -9 the client: the leader marks its serfHealth critical, which invalidates the session and releases the lock.
  const killedAt = Date.now();
  await client.kill('SIGKILL');
  const released = await eventually(async () => {
    const entry = (await viaFollower.kv.get('e2e/lock')) as Entry | undefined;
    return entry !== undefined && entry.Session === undefined ? entry : undefined;
  }, 60_000, 100);
  const releasedAt = Date.now();
  t.pass(`released ${releasedAt - killedAt} ms after the kill`);
  t.match(released, { LockIndex: 1, Value: 'client' }, 'the value and the LockIndex stay');
  t.equal(await viaFollower.session.info(clientSession), undefined, 'the session is gone');
  const serf = (await viaFollower.health.node('node4')) as Array<{ CheckID: string; Status: string }>;
  t.match(serf, [{ CheckID: 'serfHealth', Status: 'critical' }]);

  // Lock-delay (10 s): refused at once, taken only once it is over. The follower forwards the acquire to the leader, which checks it.
  t.notOk(await viaFollower.kv.set({ key: 'e2e/lock', value: 'standby', acquire: serverSession }), 'refused during the lock-delay');
  await eventually(async () => ((await viaFollower.kv.set({ key: 'e2e/lock', value: 'standby', acquire: serverSession })) === true ? true : undefined), 20_000, 250);
  const acquiredAfter = Date.now() - releasedAt;
  t.ok(acquiredAfter >= 8_000, `taken ${acquiredAfter} ms after the release was seen (lock-delay 10 s)`);
  t.match(await viaFollower.kv.get('e2e/lock'), { Session: serverSession, LockIndex: 2 });

  // TTL sessions, through a follower (renewals are forwarded to the leader, which keeps the timers).
  const { ID: renewed } = (await viaFollower.session.create({ name: 'renewed', ttl: '2s' })) as { ID: string };
  const { ID: forgotten } = (await viaFollower.session.create({ name: 'forgotten', ttl: '2s' })) as { ID: string };
  const createdAt = Date.now();
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setTimeout(resolve, 700));
    t.match(await viaFollower.session.renew(renewed), [{ ID: renewed, TTL: '2s' }]);
  }
  t.equal(await viaFollower.session.info(forgotten), undefined, 'the session not renewed expired');
  t.match((await viaFollower.session.info(renewed)) as unknown as Session, { ID: renewed }, `the renewed one is alive ${Date.now() - createdAt} ms later`);
  await eventually(async () => ((await viaFollower.session.info(renewed)) === undefined ? true : undefined), 10_000, 200);
  t.pass('and expires once renewals stop');

  // Only the leader times sessions: kill it, and the new leader rebuilds the timers from its state.
  const { ID: orphan } = (await viaFollower.session.create({ name: 'orphan', ttl: '3s' })) as { ID: string };
  // Every server has applied the create, so the next leader must find it in its state rather than apply it as leader.
  for (const n of servers) {
    await eventually(async () => {
      const found = (await (await fetch(`${n.url}/v1/session/info/${orphan}?stale`)).json()) as unknown[];
      return found.length === 1 ? true : undefined;
    }, 5_000, 20);
  }
  const oldLeader = await eventually(() => leaderOf(servers), 10_000, 100);
  await oldLeader.kill('SIGKILL');
  const survivor = servers.find((n) => n.running)!;
  const viaSurvivor = new Consul({ host: survivor.host, port: survivor.ports.http });
  const newLeader = await eventually(() => leaderOf(servers), 30_000, 100);
  t.not(newLeader, oldLeader, 'a new leader was elected');
  await eventually(async () => ((await viaSurvivor.session.info(orphan).catch(() => 'not yet')) === undefined ? true : undefined), 30_000, 200);
  t.pass('the TTL session the old leader timed expired under the new one');
  for (const n of servers) await n.kill('SIGTERM');
});
