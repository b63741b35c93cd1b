import t from 'tap';
import Consul from 'consul';
import { createServer } from 'node:http';
import { eventually } from '../helpers/proc.js';
import { loopbackCluster } from '../helpers/cluster.js';
import { getJson } from '../helpers/http.js';

type Entry = { Node: { Node: string }; Service: { ID: string; Service: string; Port: number }; Checks: Array<{ CheckID: string; Status: string }> };

const json = getJson;

t.test('a service registered on a client agent reaches the catalog on every server, and its failing HTTP check takes it out of ?passing', async (t) => {
  // The service's health endpoint, which the client agent's HTTP check probes.
  let healthy = true;
  const probe = createServer((_req, res) => {
    res.statusCode = healthy ? 200 : 500;
    res.end(healthy ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  t.teardown(() => probe.close());
  const probePort = (probe.address() as { port: number }).port;

  const nodes = await loopbackCluster(t, 5, (i) => (i <= 3 ? ['--server', '--bootstrap-expect', '3'] : []));
  for (const n of nodes) n.start();
  const client = nodes[3]!;
  const servers = nodes.slice(0, 3);
  await eventually(async () => ((await json<unknown[]>(`${servers[0]!.url}/v1/catalog/nodes`))?.length === 5 ? true : undefined), 40_000, 200);

  const consul = new Consul({ host: client.host, port: client.ports.http });
  await consul.agent.service.register({
    name: 'web',
    id: 'web-1',
    port: 8080,
    tags: ['v1'],
    check: { name: 'web health', http: `http://127.0.0.1:${probePort}/health`, interval: '1s', timeout: '2s' },
  });

  for (const server of servers) {
    const entries = await eventually(async () => {
      const list = await json<Entry[]>(`${server.url}/v1/health/service/web?passing`);
      return list?.length === 1 ? list : undefined;
    }, 30_000, 200);
    t.equal(entries[0]!.Node.Node, 'node4', `${server.host} lists web on node4, passing`);
    t.same(entries[0]!.Checks.map((c) => [c.CheckID, c.Status]).sort(), [['serfHealth', 'passing'], ['service:web-1', 'passing']]);
    const catalog = await json<Array<{ ServiceID: string; ServiceTags: string[]; ServicePort: number }>>(`${server.url}/v1/catalog/service/web`);
    t.match(catalog, [{ ServiceID: 'web-1', ServiceTags: ['v1'], ServicePort: 8080 }]);
  }

  healthy = false;
  for (const server of servers) {
    await eventually(async () => ((await json<Entry[]>(`${server.url}/v1/health/service/web?passing`))?.length === 0 ? true : undefined), 30_000, 200);
    t.pass(`${server.host}: ?passing drops web once its check fails`);
  }
  const all = await json<Entry[]>(`${servers[1]!.url}/v1/health/service/web`);
  t.equal(all?.[0]?.Checks.find((c) => c.CheckID === 'service:web-1')?.Status, 'critical', 'without ?passing it is listed, critical');
  const agentHealth = await fetch(`${client.url}/v1/agent/health/service/name/web?format=text`);
  t.equal(agentHealth.status, 503);
  t.equal(await agentHealth.text(), 'critical');

  // Deregistering on the agent removes it from the catalog too.
  await consul.agent.service.deregister('web-1');
  await eventually(async () => ((await json<unknown[]>(`${servers[2]!.url}/v1/catalog/service/web`))?.length === 0 ? true : undefined), 30_000, 200);
  t.pass('deregistered everywhere');
  for (const n of nodes) await n.kill('SIGTERM');
});
