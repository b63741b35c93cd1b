import t from 'tap';
import { serveConsul } from '../../helpers/consul.js';

const put = (url: string, body?: unknown, raw = false) =>
  fetch(url, { method: 'PUT', ...(body === undefined ? {} : { body: raw ? (body as string) : JSON.stringify(body) }) });
const index = (res: Response): number => Number(res.headers.get('x-consul-index'));
const NODE_ID = '40e4a748-2192-161a-0510-9bf59fe950b5';

const REDIS = {
  Datacenter: 'dc1', ID: NODE_ID, Node: 'foobar', Address: '192.168.10.10',
  TaggedAddresses: { lan: '192.168.10.10', wan: '10.0.10.10' }, NodeMeta: { somekey: 'somevalue' },
  Service: { ID: 'redis1', Service: 'redis', Tags: ['primary', 'v1'], Address: '127.0.0.1', Meta: { redis_version: '4.0' }, Port: 8000 },
  Check: { Node: 'foobar', CheckID: 'service:redis1', Name: 'Redis health check', Notes: 'Script based health check', Status: 'passing', ServiceID: 'redis1', Definition: { TCP: 'localhost:8888', Interval: '5s', Timeout: '1s', DeregisterCriticalServiceAfter: '30s' } },
};

t.test('register then read every catalog view in Consul shapes', async (t) => {
  const s = await serveConsul(t);
  const res = await put(`${s.url}/v1/catalog/register`, REDIS);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  t.equal(await res.text(), 'true');

  const nodes = await fetch(`${s.url}/v1/catalog/nodes`);
  t.equal(nodes.headers.get('x-consul-index'), '1');
  t.equal(nodes.headers.get('x-consul-knownleader'), 'true');
  t.equal(nodes.headers.get('x-consul-lastcontact'), '0');
  t.equal(nodes.headers.get('x-consul-effective-consistency'), 'leader');
  const nodeList = (await nodes.json()) as Record<string, unknown>[];
  t.same(nodeList, [{
    ID: NODE_ID, Node: 'foobar', Address: '192.168.10.10', Datacenter: 'dc1',
    TaggedAddresses: { lan: '192.168.10.10', wan: '10.0.10.10' }, Meta: { somekey: 'somevalue' }, CreateIndex: 1, ModifyIndex: 1,
  }]);
  t.same(Object.keys(nodeList[0]!), ['ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'Meta', 'CreateIndex', 'ModifyIndex']);

  t.same(await (await fetch(`${s.url}/v1/catalog/services`)).json(), { redis: ['primary', 'v1'] });

  const svc = (await (await fetch(`${s.url}/v1/catalog/service/redis`)).json()) as Record<string, unknown>[];
  t.same(Object.keys(svc[0]!), [
    'ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'NodeMeta', 'ServiceKind', 'ServiceID', 'ServiceName', 'ServiceTags',
    'ServiceAddress', 'ServiceWeights', 'ServiceMeta', 'ServicePort', 'ServiceSocketPath', 'ServiceEnableTagOverride', 'ServiceProxy',
    'ServiceConnect', 'ServiceLocality', 'CreateIndex', 'ModifyIndex',
  ], "ServiceNode in Go's field order");
  t.match(svc[0], {
    ID: NODE_ID, Node: 'foobar', NodeMeta: { somekey: 'somevalue' }, ServiceKind: '', ServiceID: 'redis1', ServiceName: 'redis',
    ServiceTags: ['primary', 'v1'], ServiceAddress: '127.0.0.1', ServiceWeights: { Passing: 1, Warning: 1 }, ServicePort: 8000,
    ServiceProxy: { Mode: '', MeshGateway: {}, Expose: {} }, ServiceConnect: {},
  });

  const node = (await (await fetch(`${s.url}/v1/catalog/node/foobar`)).json()) as { Node: unknown; Services: Record<string, Record<string, unknown>> };
  t.same(Object.keys(node.Services), ['redis1']);
  t.same(Object.keys(node.Services.redis1!), [
    'ID', 'Service', 'Tags', 'Address', 'Meta', 'Port', 'Weights', 'EnableTagOverride', 'Proxy', 'Connect', 'PeerName', 'CreateIndex', 'ModifyIndex',
  ], "NodeService in Go's field order");

  const nodeServices = (await (await fetch(`${s.url}/v1/catalog/node-services/foobar`)).json()) as { Services: unknown[] };
  t.equal(nodeServices.Services.length, 1);

  const checks = (await (await fetch(`${s.url}/v1/health/node/foobar`)).json()) as Record<string, unknown>[];
  t.same(checks, [{
    Node: 'foobar', CheckID: 'service:redis1', Name: 'Redis health check', Status: 'passing', Notes: 'Script based health check',
    Output: '', ServiceID: 'redis1', ServiceName: 'redis', ServiceTags: ['primary', 'v1'], Type: '', Interval: '', Timeout: '',
    ExposedPort: 0, Definition: { TCP: 'localhost:8888', Interval: '5s', Timeout: '1s', DeregisterCriticalServiceAfter: '30s' },
    CreateIndex: 1, ModifyIndex: 1,
  }]);

  const health = await fetch(`${s.url}/v1/health/service/redis`);
  t.equal(health.headers.get('x-consul-effective-consistency'), 'leader');
  const entries = (await health.json()) as { Node: { Node: string }; Service: { ID: string }; Checks: { CheckID: string }[] }[];
  t.same(entries.map((e) => [e.Node.Node, e.Service.ID, e.Checks.map((c) => c.CheckID)]), [['foobar', 'redis1', ['service:redis1']]]);
  t.same(Object.keys(entries[0]!), ['Node', 'Service', 'Checks']);

  t.same(((await (await fetch(`${s.url}/v1/health/checks/redis`)).json()) as unknown[]).length, 1);
  t.same(((await (await fetch(`${s.url}/v1/health/state/passing`)).json()) as unknown[]).length, 1);
  t.same(await (await fetch(`${s.url}/v1/health/state/critical`)).json(), []);
  t.same(((await (await fetch(`${s.url}/v1/health/state/any`)).json()) as unknown[]).length, 1);
  t.same(await (await fetch(`${s.url}/v1/health/state/bogus`)).json(), [], 'an unknown state is just empty');
});

t.test('empty catalog: [] and {} never null, unknown node is null, index never 0', async (t) => {
  const s = await serveConsul(t);
  for (const [path, body] of [
    ['/v1/catalog/nodes', []], ['/v1/catalog/services', {}], ['/v1/catalog/service/nope', []], ['/v1/catalog/node/nope', null],
    ['/v1/catalog/node-services/nope', { Node: null, Services: [] }], ['/v1/health/node/nope', []], ['/v1/health/checks/nope', []],
    ['/v1/health/service/nope', []], ['/v1/health/state/any', []],
  ] as const) {
    const res = await fetch(`${s.url}${path}`);
    t.equal(res.status, 200, path);
    t.equal(res.headers.get('content-type'), 'application/json', path);
    t.same(await res.json(), body, path);
    t.equal(res.headers.get('x-consul-index'), '1', `${path} index is never 0`);
  }
  const dcs = await fetch(`${s.url}/v1/catalog/datacenters`);
  t.same(await dcs.json(), ['dc1']);
  t.equal(dcs.headers.get('x-consul-index'), null, 'datacenters has no index');
});

t.test('Tags null in the body show as []; weights, ports and IDs default as Consul does', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/catalog/register`, { Node: 'n1', Address: '10.0.0.1', Service: { Service: 'web' } });
  const [sn] = (await (await fetch(`${s.url}/v1/catalog/service/web`)).json()) as Record<string, unknown>[];
  t.match(sn, { ServiceID: 'web', ServiceTags: [], ServicePort: 0, ServiceWeights: { Passing: 1, Warning: 1 }, TaggedAddresses: null, NodeMeta: null, ID: '' });
  const node = (await (await fetch(`${s.url}/v1/catalog/node/n1`)).json()) as { Services: { web: Record<string, unknown> } };
  t.notOk('Port' in node.Services.web, 'Port is omitted when 0');
  t.same(node.Services.web.Tags, []);
});

t.test('field names are case-insensitive; unknown fields, bad types and empty bodies are 400 with Go texts', async (t) => {
  const s = await serveConsul(t);
  const ok = await put(`${s.url}/v1/catalog/register`, { node: 'n1', ADDRESS: '10.0.0.1', service: { service: 'web', tags: ['a'] } });
  t.equal(ok.status, 200);
  t.same(((await (await fetch(`${s.url}/v1/catalog/service/web`)).json()) as { ServiceTags: string[] }[])[0]!.ServiceTags, ['a']);
  const cases: Array<[unknown, string, boolean?]> = [
    [{ Node: 'n', Address: 'a', Foo: 1 }, 'Request decode failed: json: unknown field "Foo"'],
    [{ Node: 'n', Address: 'a', Service: { Service: 'w', Bogus: true } }, 'Request decode failed: json: unknown field "Bogus"'],
    [{ Node: 1 }, 'Request decode failed: json: cannot unmarshal number into Go struct field RegisterRequest.Node of type string'],
    [{ Node: 'n', Service: { Service: 'w', Port: 'x' } }, 'Request decode failed: json: cannot unmarshal string into Go struct field RegisterRequest.Service.Port of type int'],
    [{ Node: 'n', Service: { Service: 'w', Port: 1.5 } }, 'Request decode failed: json: cannot unmarshal number 1.5 into Go struct field RegisterRequest.Service.Port of type int'],
    [{ Node: 'n', NodeMeta: { a: 1 } }, 'Request decode failed: json: cannot unmarshal number into Go struct field RegisterRequest.NodeMeta of type string'],
    [{ Node: 'n', Check: { Definition: { Interval: 'soon' } } }, 'Request decode failed: time: invalid duration "soon"'],
    [[], 'Request decode failed: json: cannot unmarshal array into Go value of type structs.RegisterRequest'],
    ['', 'Request decode failed: EOF', true],
    ['{"Node":', 'Request decode failed: unexpected EOF', true],
    ['{x}', "Request decode failed: invalid character 'x' looking for beginning of value", true],
  ];
  for (const [body, text, raw] of cases) {
    const res = await put(`${s.url}/v1/catalog/register`, body, raw);
    t.equal(res.status, 400, text);
    t.equal(await res.text(), text);
  }
  const defUnknown = await put(`${s.url}/v1/catalog/register`, { Node: 'n2', Address: 'a', Check: { Name: 'c', Definition: { IntervalDuration: '10s', Whatever: 1 } } });
  t.equal(defUnknown.status, 200, 'a check Definition ignores fields it does not know, as Consul does');
  const [c] = (await (await fetch(`${s.url}/v1/health/node/n2`)).json()) as { Definition: unknown; Status: string }[];
  t.same(c!.Definition, { Interval: '10s' });
  t.equal(c!.Status, 'critical', 'status defaults to critical');
  t.equal((await (await fetch(`${s.url}/v1/catalog/nodes`)).json() as unknown[]).length, 2, 'refused bodies stored nothing');
});

t.test("Consul's 500s for requests its rules refuse", async (t) => {
  const s = await serveConsul(t);
  const cases: Array<[unknown, string]> = [
    [null, 'Must provide node'],
    [{ Address: 'a' }, 'Must provide node'],
    [{ Node: 'n' }, 'Must provide address if SkipNodeUpdate is not set'],
    [{ Node: 'n', Address: 'a', ID: 'x' }, 'Bad node ID: uuid string is wrong length'],
    [{ Node: 'n', Address: 'a', Service: { ID: 'w' } }, 'Must provide service name (Service.Service) when service ID is provided'],
    [{ Node: 'n', Address: 'a', Service: { Service: 'w', Address: '0.0.0.0' } }, 'Invalid service address'],
    [{ Node: 'n', Address: 'a', Check: { Node: 'm', Name: 'c' } }, "Node 'm' for check 'c' doesn't match register request node 'n'"],
    [{ Node: 'n', Address: 'a', Check: { Name: 'c', ServiceID: 'nope' } }, "Unknown service ID 'nope' for check ID 'c'"],
    [{ Node: 'n', Address: 'a', Datacenter: 'dc2' }, 'No path to datacenter'],
  ];
  for (const [body, text] of cases) {
    const res = await put(`${s.url}/v1/catalog/register`, body);
    t.equal(res.status, 500, text);
    t.equal(await res.text(), text);
  }
  const dereg = await put(`${s.url}/v1/catalog/deregister`, {});
  t.equal(dereg.status, 500);
  t.equal(await dereg.text(), 'Must provide node');
  t.same(await (await fetch(`${s.url}/v1/catalog/nodes`)).json(), []);
});

t.test('deregister: check, service with its checks, node; missing things succeed', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/catalog/register`, REDIS);
  await put(`${s.url}/v1/catalog/register`, { Node: 'foobar', Address: '192.168.10.10', SkipNodeUpdate: true, Checks: [{ Name: 'mem', Status: 'warning' }] });
  t.equal(await (await put(`${s.url}/v1/catalog/deregister`, { Node: 'foobar', CheckID: 'mem' })).text(), 'true');
  t.same(((await (await fetch(`${s.url}/v1/health/node/foobar`)).json()) as { CheckID: string }[]).map((c) => c.CheckID), ['service:redis1']);
  await put(`${s.url}/v1/catalog/deregister`, { Node: 'foobar', ServiceID: 'redis1' });
  t.same(await (await fetch(`${s.url}/v1/health/node/foobar`)).json(), [], "the service's check went with it");
  t.same(await (await fetch(`${s.url}/v1/catalog/services`)).json(), {});
  await put(`${s.url}/v1/catalog/deregister`, { Datacenter: 'dc1', Node: 'foobar' });
  t.same(await (await fetch(`${s.url}/v1/catalog/nodes`)).json(), []);
  t.equal((await put(`${s.url}/v1/catalog/deregister`, { Node: 'ghost', ServiceID: 'x' })).status, 200);
  const wrongDc = await put(`${s.url}/v1/catalog/deregister`, { Node: 'x', Datacenter: 'dc9' });
  t.equal(wrongDc.status, 500);
  t.equal(await wrongDc.text(), 'No path to datacenter');
});

t.test('?tag (repeatable AND, case-insensitive), ?node-meta and ?passing filter', async (t) => {
  const s = await serveConsul(t);
  const reg = (node: string, id: string, tags: string[], status: string, meta: Record<string, string>) =>
    put(`${s.url}/v1/catalog/register`, { Node: node, Address: '10.0.0.1', NodeMeta: meta, Service: { ID: id, Service: 'web', Tags: tags }, Check: { Name: `${id}-check`, ServiceID: id, Status: status } });
  await reg('a', 'w1', ['primary', 'v1'], 'passing', { rack: 'r1' });
  await reg('b', 'w2', ['v1'], 'passing', { rack: 'r2' });
  await reg('c', 'w3', ['PRIMARY'], 'warning', { rack: 'r1' });
  const ids = async (path: string) => ((await (await fetch(`${s.url}${path}`)).json()) as Array<{ ServiceID?: string; Service?: { ID: string } }>)
    .map((e) => e.ServiceID ?? e.Service!.ID);
  t.same(await ids('/v1/catalog/service/web?tag=primary'), ['w1', 'w3']);
  t.same(await ids('/v1/catalog/service/web?tag=primary&tag=v1'), ['w1']);
  t.same(await ids('/v1/catalog/service/WEB?tag=V1'), ['w1', 'w2'], 'service names and tags compare case-insensitively');
  t.same(await ids('/v1/catalog/service/web?node-meta=rack:r1'), ['w1', 'w3']);
  t.same(await ids('/v1/health/service/web?passing'), ['w1', 'w2']);
  t.same(await ids('/v1/health/service/web?passing=true&tag=primary'), ['w1']);
  t.same(await ids('/v1/health/service/web?passing=0'), ['w1', 'w2', 'w3']);
  // A failing node-level check excludes every instance on that node.
  await put(`${s.url}/v1/catalog/register`, { Node: 'a', Address: '10.0.0.1', NodeMeta: { rack: 'r1' }, Check: { Name: 'disk', Status: 'critical' } });
  t.same(await ids('/v1/health/service/web?passing'), ['w2']);
  const bad = await fetch(`${s.url}/v1/health/service/web?passing=maybe`);
  t.equal(bad.status, 400);
  t.equal(await bad.text(), 'Invalid value for ?passing');
  t.same(((await (await fetch(`${s.url}/v1/catalog/nodes?node-meta=rack:r1`)).json()) as { Node: string }[]).map((n) => n.Node), ['a', 'c']);
  t.same(await (await fetch(`${s.url}/v1/catalog/services?node-meta=rack:r2`)).json(), { web: ['v1'] });
});

t.test('missing names, methods, consistency flags', async (t) => {
  const s = await serveConsul(t);
  for (const [path, text] of [
    ['/v1/catalog/service/', 'Missing service name'], ['/v1/catalog/node/', 'Missing node name'],
    ['/v1/catalog/node-services/', 'Missing node name'], ['/v1/health/node/', 'Missing node name'],
    ['/v1/health/checks/', 'Missing service name'], ['/v1/health/service/', 'Missing service name'],
    ['/v1/health/state/', 'Missing check state'],
    ['/v1/catalog/nodes?stale&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['/v1/health/service/web?index=x', 'Invalid index'],
  ]) {
    const res = await fetch(`${s.url}${path}`);
    t.equal(res.status, 400, path);
    t.equal(await res.text(), text, path);
  }
  const stale = await fetch(`${s.url}/v1/health/state/any?stale`);
  t.equal(stale.headers.get('x-consul-effective-consistency'), 'stale');
  const consistent = await fetch(`${s.url}/v1/catalog/services?consistent`);
  t.equal(consistent.headers.get('x-consul-effective-consistency'), 'consistent');
  const get = await fetch(`${s.url}/v1/catalog/register`);
  t.equal(get.status, 405);
  t.equal(get.headers.get('allow'), 'OPTIONS,PUT');
  t.equal(await get.text(), 'method GET not allowed');
  const putNodes = await fetch(`${s.url}/v1/catalog/nodes`, { method: 'PUT' });
  t.equal(putNodes.status, 405);
  t.equal(putNodes.headers.get('allow'), 'OPTIONS,GET');
  const options = await fetch(`${s.url}/v1/health/service/web`, { method: 'OPTIONS' });
  t.equal(options.status, 200);
  t.equal(options.headers.get('allow'), 'OPTIONS,GET');
  const dc = await fetch(`${s.url}/v1/catalog/nodes?dc=elsewhere`);
  t.equal(dc.status, 500);
  t.equal(await dc.text(), 'No path to datacenter');
  const filter = await fetch(`${s.url}/v1/catalog/nodes?filter=${encodeURIComponent('Node == "a"')}`);
  t.equal(filter.status, 200, '?filter is evaluated');
  t.same(await filter.json(), [], 'and keeps no node named a');
  const encoded = await put(`${s.url}/v1/catalog/register`, { Node: 'a/b', Address: 'x' });
  t.equal(encoded.status, 200);
  t.equal(((await (await fetch(`${s.url}/v1/catalog/node/a%2Fb`)).json()) as { Node: { Node: string } }).Node.Node, 'a/b', 'path names are percent-decoded');
});

t.test('an oversized body is refused with 413 and stores nothing', async (t) => {
  const s = await serveConsul(t);
  const res = await put(`${s.url}/v1/catalog/register`, { Node: 'n', Address: 'a', NodeMeta: { big: 'x'.repeat(2 * 1024 * 1024) } });
  t.equal(res.status, 413);
  t.match(await res.text(), /^Request body\(\d+ bytes\) too large, max size: 1048576 bytes$/);
  t.same(await (await fetch(`${s.url}/v1/catalog/nodes`)).json(), []);
});

t.test('identical re-registration keeps the index; a change moves it', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/catalog/register`, REDIS);
  await put(`${s.url}/v1/catalog/register`, REDIS);
  const res = await fetch(`${s.url}/v1/health/service/redis`);
  t.equal(index(res), 1);
  await put(`${s.url}/v1/catalog/register`, { ...REDIS, Check: { ...REDIS.Check, Status: 'critical', Output: 'down' } });
  const after = await fetch(`${s.url}/v1/health/service/redis`);
  t.equal(index(after), 3);
  const [entry] = (await after.json()) as { Checks: { Status: string; Output: string; CreateIndex: number; ModifyIndex: number }[] }[];
  t.match(entry!.Checks[0], { Status: 'critical', Output: 'down', CreateIndex: 1, ModifyIndex: 3 });
});

t.test('blocking: a write to the service wakes a parked health query; unrelated writes do not', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/catalog/register`, { Node: 'n1', Address: '10.0.0.1', Service: { Service: 'web' } });
  await put(`${s.url}/v1/catalog/register`, { Node: 'n2', Address: '10.0.0.2', Service: { Service: 'db' } });
  const first = await fetch(`${s.url}/v1/health/service/web`);
  const at = index(first);
  t.equal(at, 1);
  let settled = false;
  const parked = fetch(`${s.url}/v1/health/service/web?index=${at}&wait=20s`).then((r) => { settled = true; return r; });
  const parkedState = fetch(`${s.url}/v1/health/state/critical?index=${at + 1}&wait=20s`);
  // Unrelated: another service, another node, a KV key.
  await put(`${s.url}/v1/catalog/register`, { Node: 'n2', Address: '10.0.0.2', Service: { Service: 'db', Tags: ['x'] } });
  await put(`${s.url}/v1/catalog/register`, { Node: 'n3', Address: '10.0.0.3' });
  await fetch(`${s.url}/v1/kv/k`, { method: 'PUT', body: 'v' });
  await new Promise((r) => setImmediate(r));
  t.equal(settled, false, 'still parked after unrelated writes');
  t.equal(s.backend.watches.parked, 2);
  // A node-level check on n1 concerns web's instance there.
  await put(`${s.url}/v1/catalog/register`, { Node: 'n1', Address: '10.0.0.1', Check: { Name: 'disk', Status: 'critical' } });
  const woken = await parked;
  t.equal(woken.status, 200);
  t.equal(index(woken), 6);
  const [entry] = (await woken.json()) as { Checks: { CheckID: string }[] }[];
  t.same(entry!.Checks.map((c) => c.CheckID), ['disk']);
  const state = await parkedState;
  t.equal(index(state), 6, 'the checks table woke the state query');
});

t.test('blocking: deregistering the last instance wakes a parked catalog/service query', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/catalog/register`, { Node: 'n1', Address: '10.0.0.1', Service: { Service: 'web' } });
  const parked = fetch(`${s.url}/v1/catalog/service/web?index=1&wait=20s`);
  const parkedNode = fetch(`${s.url}/v1/catalog/node/n1?index=1&wait=20s`);
  await put(`${s.url}/v1/catalog/deregister`, { Node: 'n1', ServiceID: 'web' });
  const res = await parked;
  t.same(await res.json(), []);
  t.equal(index(res), 2);
  const node = await parkedNode;
  t.same(((await node.json()) as { Services: object }).Services, {});
  t.equal(index(node), 2);
});
