import t from 'tap';
import Consul from 'consul';
import { eventually } from '../helpers/proc.js';
import { loopbackCluster } from '../helpers/cluster.js';
import { getJson } from '../helpers/http.js';

type Check = { Node: string; CheckID: string; Name: string; Status: string; Output: string };
type Node = { Node: string; Address: string };

const json = getJson;

t.test('three servers and a client: the leader keeps every member in the catalog with serfHealth', async (t) => {
  const nodes = await loopbackCluster(t, 4, (i) => (i <= 3 ? ['--server', '--bootstrap-expect', '3'] : []));
  for (const n of nodes) n.start();
  const [, server2, , client] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0], typeof nodes[0]];

  // Every member shows up, read through a server and through the client (forwarded).
  const names = ['node1', 'node2', 'node3', 'node4'];
  for (const via of [server2.url, client.url]) {
    const listed = await eventually(async () => {
      const list = await json<Node[]>(`${via}/v1/catalog/nodes`);
      return list !== undefined && list.length === 4 ? list : undefined;
    }, 30_000, 200);
    t.same(listed.map((n) => [n.Node, n.Address]), names.map((n, i) => [n, `127.0.0.${i + 1}`]), `all four nodes via ${via}`);
  }
  const checks = await eventually(() => json<Check[]>(`${client.url}/v1/health/node/node4`), 10_000, 200);
  t.match(checks, [{ Node: 'node4', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable' }]);

  // The servers carry the consul service; the npm client reads it unmodified.
  const consul = new Consul({ host: client.host, port: client.ports.http });
  const healthy = (await consul.health.service({ service: 'consul', passing: true })) as Array<{ Node: Node }>;
  t.same(healthy.map((e) => e.Node.Node), ['node1', 'node2', 'node3']);
  t.same(Object.keys((await consul.catalog.service.list()) as Record<string, unknown>), ['consul']);

  // A registration through the API sits beside them and is left alone.
  await fetch(`${server2.url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'external', Address: '10.1.1.1', Service: { Service: 'db', Port: 5432 } }) });
  t.same(((await consul.catalog.service.nodes('db')) as Array<{ Node: string }>).map((n) => n.Node), ['external']);

  // Kill the client: its serfHealth goes critical, and ?passing drops nothing else.
  await client.kill('SIGKILL');
  const failed = await eventually(async () => {
    const c = await json<Check[]>(`${server2.url}/v1/health/node/node4`);
    return c?.[0]?.Status === 'critical' ? c[0] : undefined;
  }, 60_000, 250);
  t.equal(failed.Output, 'Agent not live or unreachable');
  t.same(((await json<Node[]>(`${server2.url}/v1/catalog/nodes`)) ?? []).map((n) => n.Node), ['external', ...names], 'a failed node stays listed');
  const critical = await json<Check[]>(`${server2.url}/v1/health/state/critical`);
  t.same(critical?.map((c) => c.Node), ['node4']);
  for (const n of nodes) await n.kill('SIGTERM');
});
