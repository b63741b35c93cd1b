import t, { type Test } from 'tap';
import Consul from 'consul';
import { SystemClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { createGatewayApp } from '../../../lib/gateway/app.js';
import { LocalAgent } from '../../../lib/agent/index.js';
import { serve } from '../../helpers/http.js';
import { emptyHabitat, fakeGossip } from '../../helpers/gateway.js';
import { fakeExecutors } from '../../helpers/agent.js';
import { serveConsul } from '../../helpers/consul.js';
import { serveWithAcl } from '../../helpers/acl.js';

const PREFIX = 'Failed to create boolean expression evaluator: ';
const q = (expression: string) => `filter=${encodeURIComponent(expression)}`;
const put = (url: string, body: unknown) => fetch(url, { method: 'PUT', body: JSON.stringify(body) });

/** Three nodes: web1 on n1 (qa, a critical check), web2 on n2 (prod, passing), db1 on n3. */
async function catalog(t: Test) {
  const s = await serveConsul(t);
  const register = async (body: unknown) => t.equal((await put(`${s.url}/v1/catalog/register`, body)).status, 200);
  await register({
    Node: 'n1', Address: '10.0.0.1', NodeMeta: { env: 'qa', 'rack-id': 'r1' },
    Service: { ID: 'web1', Service: 'web', Tags: ['primary', 'v1'], Port: 8080 },
    Checks: [
      { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' },
      { CheckID: 'service:web1', Name: 'web1 alive', Status: 'critical', ServiceID: 'web1' },
    ],
  });
  await register({
    Node: 'n2', Address: '10.0.0.2', NodeMeta: { env: 'prod' },
    Service: { ID: 'web2', Service: 'web', Tags: [], Port: 9090 },
    Check: { CheckID: 'service:web2', Name: 'web2 alive', Status: 'passing', ServiceID: 'web2' },
  });
  await register({ Node: 'n3', Address: '10.0.0.3', Service: { ID: 'db1', Service: 'db', Tags: ['primary'], Meta: { version: '2.0' }, Port: 5432 } });
  await register({ Node: 'n1', Address: '10.0.0.1', NodeMeta: { env: 'qa', 'rack-id': 'r1' }, Service: { ID: 'cache1', Service: 'cache', Port: 6379 } });
  const get = (path: string, expression: string, extra = '') => fetch(`${s.url}${path}?${q(expression)}${extra}`);
  const json = async <T>(path: string, expression: string): Promise<T> => {
    const res = await get(path, expression);
    t.equal(res.status, 200, `${path} ?filter=${expression}`);
    return (await res.json()) as T;
  };
  return { url: s.url, get, json };
}

/** A bad expression and an unknown selector both answer 500 with bexpr's text. */
async function refuses(t: Test, get: (path: string, expression: string) => Promise<Response>, path: string, selector: string) {
  const bad = await get(path, `${selector} ==`);
  t.equal(bad.status, 500, `${path}: a syntax error is a 500`);
  t.match(await bad.text(), new RegExp(`^${PREFIX}1:\\d+ \\(\\d+\\): no match found, expected: `));
  const unknown = await get(path, 'Bogus.Field == 1');
  t.equal(unknown.status, 500, `${path}: an unknown selector is a 500`);
  t.equal(await unknown.text(), `${PREFIX}Selector "Bogus" is not valid`);
}

t.test('/v1/catalog/nodes filters nodes', async (t) => {
  const c = await catalog(t);
  const names = async (e: string) => (await c.json<{ Node: string }[]>('/v1/catalog/nodes', e)).map((n) => n.Node);
  t.same(await names('Meta.env == qa'), ['n1']);
  t.same(await names('Meta.env != qa'), ['n2', 'n3'], 'a node without env is not qa');
  t.same(await names('"rack-id" in Meta or Address matches "\\\\.3$"'), ['n1', 'n3']);
  t.same(await names('Node == n1'), ['n1']);
  await refuses(t, c.get, '/v1/catalog/nodes', 'Node');
});

t.test('/v1/catalog/services keeps the services with an instance the filter keeps', async (t) => {
  const c = await catalog(t);
  t.same(await c.json('/v1/catalog/services', 'NodeMeta.env == qa'), { cache: [], web: ['primary', 'v1'] });
  t.same(await c.json('/v1/catalog/services', '"primary" in ServiceTags'), { db: ['primary'], web: ['primary', 'v1'] },
    'tags are those of the instances kept');
  t.same(await c.json('/v1/catalog/services', 'ServicePort == 1'), {});
  await refuses(t, c.get, '/v1/catalog/services', 'ServiceName');
});

t.test('/v1/catalog/service/:name filters ServiceNodes', async (t) => {
  const c = await catalog(t);
  const ids = async (e: string) => (await c.json<{ ServiceID: string }[]>('/v1/catalog/service/web', e)).map((x) => x.ServiceID);
  t.same(await ids('NodeMeta.env == prod'), ['web2']);
  t.same(await ids('ServicePort == 8080 and "v1" in ServiceTags'), ['web1']);
  t.same(await ids('ServiceTags is empty'), ['web2']);
  await refuses(t, c.get, '/v1/catalog/service/web', 'ServiceID');
  const empty = await c.get('/v1/catalog/service/nothing-here', 'NoSuchField == 1');
  t.equal(empty.status, 500, 'a typo fails even when there is nothing to filter');
  t.equal(await empty.text(), `${PREFIX}Selector "NoSuchField" is not valid`);
});

t.test('/v1/catalog/node/:node and /v1/catalog/node-services/:node filter the node\'s services', async (t) => {
  const c = await catalog(t);
  const node = await c.json<{ Node: { Node: string }; Services: Record<string, unknown> }>('/v1/catalog/node/n1', 'Port == 6379');
  t.equal(node.Node.Node, 'n1', 'the node itself is not filtered');
  t.same(Object.keys(node.Services), ['cache1']);
  const list = await c.json<{ Services: { ID: string }[] }>('/v1/catalog/node-services/n1', '"v1" in Tags');
  t.same(list.Services.map((x) => x.ID), ['web1']);
  await refuses(t, c.get, '/v1/catalog/node/n1', 'Service');
  await refuses(t, c.get, '/v1/catalog/node-services/n1', 'Service');
});

t.test('/v1/health/node, /checks and /state filter checks', async (t) => {
  const c = await catalog(t);
  const ids = async (path: string, e: string) => (await c.json<{ CheckID: string }[]>(path, e)).map((x) => x.CheckID);
  t.same(await ids('/v1/health/node/n1', 'ServiceName != ""'), ['service:web1']);
  t.same(await ids('/v1/health/node/n1', 'Status == passing'), ['serfHealth']);
  t.same(await ids('/v1/health/checks/web', 'Node == n2'), ['service:web2']);
  t.same(await ids('/v1/health/state/any', 'Name matches "alive$" and Status != critical'), ['service:web2']);
  t.same(await ids('/v1/health/state/passing', 'CheckID contains "web"'), ['service:web2'], 'after the state is chosen');
  for (const path of ['/v1/health/node/n1', '/v1/health/checks/web', '/v1/health/state/any']) await refuses(t, c.get, path, 'Status');
});

t.test('/v1/health/service/:name filters {Node, Service, Checks}, any check matching a Checks selector', async (t) => {
  const c = await catalog(t);
  const ids = async (e: string) => (await c.json<{ Service: { ID: string } }[]>('/v1/health/service/web', e)).map((x) => x.Service.ID);
  t.same(await ids('Checks.Status == critical'), ['web1']);
  t.same(await ids('not Checks.Status != passing'), ['web2'], 'every check passing');
  t.same(await ids('Node.Meta["rack-id"] == r1'), ['web1']);
  t.same(await ids('Service.Port == 9090 or Service.Tags contains v1'), ['web1', 'web2']);
  const both = await c.get('/v1/health/service/web', 'Service.Port == 8080', '&passing');
  t.same(await both.json(), [], '?passing and ?filter both apply');
  await refuses(t, c.get, '/v1/health/service/web', 'Service.ID');
  const op = await c.get('/v1/health/service/web', 'Checks == x');
  t.equal(op.status, 500);
  t.equal(await op.text(), `${PREFIX}Invalid match operator "Equal" for selector "Checks"`);
});

t.test('the npm consul client passes filter through', async (t) => {
  const c = await catalog(t);
  const url = new URL(c.url);
  const consul = new Consul({ host: url.hostname, port: Number(url.port) });
  const entries = (await consul.health.service({ service: 'web', filter: 'Checks.Status == critical' } as never)) as { Service: { ID: string } }[];
  t.same(entries.map((e) => e.Service.ID), ['web1']);
  const nodes = (await consul.catalog.nodes({ filter: 'Meta.env == prod' } as never)) as { Node: string }[];
  t.same(nodes.map((n) => n.Node), ['n2']);
  const refused = await consul.catalog.nodes({ filter: 'Meta.env ==' } as never).then(() => undefined, (err: unknown) => err as { response?: { statusCode?: number } });
  t.equal(refused?.response?.statusCode, 500);
});

t.test('filtering leaves X-Consul-Index alone, and a bad filter does not block', async (t) => {
  const c = await catalog(t);
  const plain = await fetch(`${c.url}/v1/health/service/web`);
  const filtered = await c.get('/v1/health/service/web', 'Service.ID == nothing');
  t.same(await filtered.json(), []);
  t.equal(filtered.headers.get('x-consul-index'), plain.headers.get('x-consul-index'));
  const started = Date.now();
  const bad = await c.get('/v1/health/service/web', 'Nope == 1', `&index=${plain.headers.get('x-consul-index')}&wait=30s`);
  t.equal(bad.status, 500);
  t.ok(Date.now() - started < 10_000, 'answered before the wait');
  const status = await c.get('/v1/catalog/nodes', 'Node == n1', '&stale&consistent');
  t.equal(status.status, 400, "the query's own 400s come first");
});

t.test('ACLs filter first: a filter never brings back what the token may not see', async (t) => {
  const s = await serveWithAcl(t);
  const root = { 'X-Consul-Token': 'root' };
  for (const node of ['n1', 'n2', 'secret']) {
    t.equal((await fetch(`${s.url}/v1/catalog/register`, { method: 'PUT', headers: root, body: JSON.stringify({ Node: node, Address: '10.0.0.1' }) })).status, 200);
  }
  const created = await fetch(`${s.url}/v1/acl/create`, {
    method: 'PUT', headers: root, body: JSON.stringify({ Name: 'reader', Rules: 'node "" { policy = "read" }\nnode "secret" { policy = "deny" }' }),
  });
  const reader = { 'X-Consul-Token': ((await created.json()) as { ID: string }).ID };
  const nodes = async (expression: string) => {
    const res = await fetch(`${s.url}/v1/catalog/nodes?${q(expression)}`, { headers: reader });
    t.equal(res.status, 200);
    t.equal(res.headers.get('x-consul-results-filtered-by-acls'), 'true', 'the ACL filter still reports what it hid');
    return ((await res.json()) as { Node: string }[]).map((n) => n.Node);
  };
  t.same(await nodes('Node == secret'), []);
  t.same(await nodes('Address == "10.0.0.1"'), ['n1', 'n2']);
});

async function agentServer(t: Test) {
  const clock = new SystemClock();
  const agent = new LocalAgent({ clock, random: new SeededRandom(1), logger: silentLogger(), nodeName: 'node1', datacenter: 'dc1', executors: fakeExecutors() });
  await agent.start();
  const app = createGatewayApp({
    logger: silentLogger(), isReady: () => true, gossip: fakeGossip(), habitat: emptyHabitat(),
    agentLocal: { agent, clock, random: new SeededRandom(2) },
  });
  const s = await serve(app);
  t.teardown(async () => {
    await s.close();
    await agent.stop();
  });
  const register = async (body: unknown) => t.equal((await put(`${s.url}/v1/agent/service/register`, body)).status, 200);
  await register({ ID: 'redis1', Name: 'redis', Tags: ['primary', 'production'], Meta: { env: 'production' }, Port: 1234, Check: { TTL: '30s' } });
  await register({ ID: 'redis2', Name: 'redis', Tags: ['secondary', 'production'], Meta: { env: 'production' }, Port: 1235 });
  await register({ ID: 'redis3', Name: 'redis', Tags: ['primary', 'qa'], Meta: { env: 'qa' }, Port: 1234, Check: { TTL: '30s', Status: 'passing' } });
  return { get: (path: string, expression: string) => fetch(`${s.url}${path}?${q(expression)}`) };
}

t.test('/v1/agent/services and /v1/agent/checks filter their maps by value', async (t) => {
  const a = await agentServer(t);
  const keys = async (path: string, e: string) => {
    const res = await a.get(path, e);
    t.equal(res.status, 200);
    return Object.keys((await res.json()) as object).sort();
  };
  t.same(await keys('/v1/agent/services', 'Meta.env == "qa"'), ['redis3'], "Consul's own example");
  t.same(await keys('/v1/agent/services', 'Port == 1234 and "primary" in Tags'), ['redis1', 'redis3']);
  t.same(await keys('/v1/agent/services', 'Weights.Passing == 1'), ['redis1', 'redis2', 'redis3']);
  t.same(await keys('/v1/agent/checks', 'Status == passing'), ['service:redis3']);
  t.same(await keys('/v1/agent/checks', 'ServiceID == redis1 or ServiceID == redis2'), ['service:redis1']);
  await refuses(t, a.get, '/v1/agent/services', 'Service');
  await refuses(t, a.get, '/v1/agent/checks', 'Status');
});
