import t from 'tap';
import Consul from 'consul';
import { chorus, eventually } from '../helpers/proc.js';
import { loopbackCluster } from '../helpers/cluster.js';

const MASTER = 'e2e-master-token';

t.test('three servers with ACLs on: the master token makes a client token through the npm consul client; it is enforced on every node', async (t) => {
  const nodes = await loopbackCluster(t, 4, (i) => [
    ...(i <= 3 ? ['--server', '--bootstrap-expect', '3'] : []),
    '--acl-enabled', '--acl-default-policy', 'deny',
  ], { CHORUS_ACL_MASTER_TOKEN: MASTER });
  for (const n of nodes) n.start();
  const servers = nodes.slice(0, 3);
  const client = nodes[3]!;

  // The leader writes the master and anonymous tokens through Raft once it is elected; every server then has them.
  await eventually(async () => {
    for (const n of servers) {
      const r = await fetch(`${n.url}/v1/acl/info/anonymous?stale`).catch(() => undefined);
      if (r?.status !== 200 || (await r.text()) === 'null') return undefined;
    }
    return true;
  }, 30_000, 200);

  const master = new Consul({ host: servers[1]!.host, port: servers[1]!.ports.http, defaults: { token: MASTER } });
  const list = (await master.acl.legacy.list()) as Array<{ ID: string; Name: string; Type: string }>;
  t.same(list.map((a) => [a.ID, a.Name, a.Type]).sort(), [['anonymous', 'Anonymous Token', 'client'], [MASTER, 'Master Token', 'management']]);

  const created = (await master.acl.legacy.create({ name: 'app', type: 'client', rules: 'key "app/" { policy = "write" }\nagent "" { policy = "read" }' })) as { ID: string };
  t.match(created.ID, /^[0-9a-f-]{36}$/);

  // The new token, used through another server and through the client node (forwarded).
  for (const n of [servers[2]!, client]) {
    const app = new Consul({ host: n.host, port: n.ports.http, defaults: { token: created.ID } });
    // A follower may not have applied the create yet when asked at once: the first write retries briefly.
    t.equal(await eventually(async () => (await app.kv.set(`app/${n.i}`, 'yes').catch(() => undefined)) ?? undefined, 10_000, 100), true, `node${n.i}: app/ is writable`);
    const err = await app.kv.set('other/x', 'no').then(() => undefined, (e: { statusCode?: number; message: string }) => e);
    t.equal(err?.statusCode, 403, `node${n.i}: other/x is refused`);
    t.match(err?.message, /Permission denied/);
    t.equal((await app.kv.get(`app/${n.i}`))?.Value, 'yes');
  }
  const anonymous = new Consul({ host: client.host, port: client.ports.http });
  const status = (p: Promise<unknown>): Promise<number | undefined> => p.then(() => 200, (e: { statusCode?: number }) => e.statusCode);
  t.equal(await status(anonymous.kv.set('app/anon', 'no')), 403, 'no token: the anonymous token under default deny');
  t.equal(await status(anonymous.acl.legacy.list()), 403);

  // Agent endpoints on the client node resolve the token through a server.
  const self = await fetch(`${client.url}/v1/agent/self`, { headers: { 'X-Consul-Token': created.ID } });
  t.equal(self.status, 200, 'the client node looked the token up on a server');
  t.equal((await fetch(`${client.url}/v1/agent/self`)).status, 403);
  const unknown = await fetch(`${client.url}/v1/agent/self`, { headers: { 'X-Consul-Token': 'not-a-token' } });
  t.equal(unknown.status, 403);
  t.equal(await unknown.text(), 'ACL not found');

  // The CLI with the master token, against the client node.
  const cli = await chorus(['acl', 'list', '--http-addr', client.url, '--token', MASTER]);
  t.equal(cli.code, 0, cli.stderr);
  t.match(cli.stdout, new RegExp(`^${created.ID}\\tclient\\tapp$`, 'm'));

  // Destroyed: refused everywhere (a server reads its own state; the client node's cache expires with acl_ttl).
  await master.acl.legacy.destroy(created.ID);
  for (const n of servers) {
    await eventually(async () => {
      const r = await fetch(`${n.url}/v1/kv/app/x?stale`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': created.ID } });
      return r.status === 403 && (await r.text()) === 'ACL not found' ? true : undefined;
    }, 10_000, 100);
  }
  t.pass('a destroyed token is unknown on every server');
  for (const n of nodes) await n.kill('SIGTERM');
});
