import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SystemClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { createGatewayApp } from '../../../lib/gateway/app.js';
import { LocalAgent } from '../../../lib/agent/index.js';
import { LocalCatalogBackend } from '../../../lib/catalog/index.js';
import { registerCatalog } from '../../../lib/cli/catalog.js';
import { serve } from '../../helpers/http.js';
import { emptyHabitat, fakeGossip } from '../../helpers/gateway.js';
import { runHttpCli } from '../../helpers/cli.js';
import { fakeExecutors } from '../../helpers/agent.js';

async function server(t: { teardown(fn: () => unknown): void; testdir?: unknown }) {
  const clock = new SystemClock();
  const agent = new LocalAgent({ clock, random: new SeededRandom(1), logger: silentLogger(), nodeName: 'node1', datacenter: 'dc1', executors: fakeExecutors() });
  await agent.start();
  t.teardown(() => agent.stop());
  const backend = new LocalCatalogBackend({ datacenter: 'dc1' });
  const app = createGatewayApp({
    logger: silentLogger(),
    isReady: () => true,
    gossip: fakeGossip(),
    habitat: emptyHabitat(),
    agentLocal: { agent, clock, random: new SeededRandom(2) },
    consul: { backend, clock, random: new SeededRandom(3) },
  });
  const s = await serve(app);
  t.teardown(s.close);
  return { url: s.url, agent, backend };
}

async function chorus(url: string, args: string[]): Promise<string> {
  return runHttpCli(registerCatalog, url, args);
}

t.test('chorus services register|list|deregister and chorus catalog nodes|services', async (t) => {
  const s = await server(t);
  t.equal(await chorus(s.url, ['services', 'list']), 'No services\n');
  const dir = t.testdir({});
  const file = join(dir, 'web.json');
  await writeFile(file, JSON.stringify({ Service: { Name: 'web', ID: 'web-1', Port: 8080, Tags: ['v1', 'blue'] } }));
  t.equal(await chorus(s.url, ['services', 'register', file]), `Registered service from ${file}\n`);
  t.equal(s.agent.state.services()[0]?.ID, 'web-1', 'the wrapped definition reached the agent');
  t.equal(await chorus(s.url, ['services', 'list']), 'ID     Service  Port  Tags\nweb-1  web      8080  v1,blue\n');
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{"Name": ');
  await t.rejects(chorus(s.url, ['services', 'register', bad]), { message: /bad\.json is not JSON/ });
  await t.rejects(chorus(s.url, ['services', 'register', join(dir, 'missing.json')]), { message: /cannot read .*missing\.json: ENOENT/ });
  await writeFile(bad, '{"Port": 1}');
  await t.rejects(chorus(s.url, ['services', 'register', bad]), { message: /400 Missing service name/ });
  t.equal(await chorus(s.url, ['services', 'deregister', 'web-1']), 'Deregistered service: web-1\n');
  await t.rejects(chorus(s.url, ['services', 'deregister', 'web-1']), { message: /404 Unknown service ID "web-1"/ });

  t.equal(await chorus(s.url, ['catalog', 'nodes']), 'No nodes\n');
  await fetch(`${s.url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ ID: '3f1c2d4e-0000-4000-8000-000000000001', Node: 'db1', Address: '10.0.0.9', Service: { Service: 'pg', Tags: ['primary'] } }) });
  await fetch(`${s.url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: 'db2', Address: '10.0.0.10', Service: { Service: 'pg', Tags: ['replica'] } }) });
  t.equal(await chorus(s.url, ['catalog', 'nodes']), 'Node  ID        Address    DC\ndb1   3f1c2d4e  10.0.0.9   dc1\ndb2             10.0.0.10  dc1\n');
  t.equal(await chorus(s.url, ['catalog', 'services']), 'pg\n');
  t.equal(await chorus(s.url, ['catalog', 'services', '--tags']), 'pg  primary,replica\n');
  t.same(JSON.parse(await chorus(s.url, ['catalog', 'services', '--json'])), { pg: ['primary', 'replica'] });
});
