import t from 'tap';
import { serveConsul, type ConsulServer } from '../../helpers/consul.js';
import { serveWithAcl } from '../../helpers/acl.js';
import type { Coordinate } from '../../../lib/catalog/index.js';

const put = (url: string, body: unknown, raw = false): Promise<Response> =>
  fetch(url, { method: 'PUT', body: raw ? (body as string) : JSON.stringify(body) });

/** A coordinate `x` seconds out along the first axis. */
const at = (x: number): Coordinate => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0, Height: 0.00001 });

async function registerNode(s: ConsulServer, node: string, service?: string): Promise<void> {
  const res = await put(`${s.url}/v1/catalog/register`, {
    Node: node, Address: '10.0.0.1',
    ...(service === undefined ? {} : { Service: { Service: service }, Check: { Name: `${service} ok`, ServiceID: service, Status: 'passing' } }),
  });
  if (res.status !== 200) throw new Error(`register ${node}: ${res.status} ${await res.text()}`);
}

async function update(s: ConsulServer, node: string, coord: Coordinate): Promise<void> {
  const res = await put(`${s.url}/v1/coordinate/update`, { Node: node, Segment: '', Coord: coord });
  if (res.status !== 200) throw new Error(`update ${node}: ${res.status} ${await res.text()}`);
}

t.test('update, then nodes and node show the coordinate in Consul\'s shape', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'web-1');
  await registerNode(s, 'db-1');
  const res = await put(`${s.url}/v1/coordinate/update`, { Node: 'web-1', Segment: '', Coord: at(0.001) });
  t.equal(res.status, 200);
  t.equal(await res.text(), '', 'an empty 200, as Consul answers a nil result');
  t.equal(res.headers.get('content-type'), null);
  await update(s, 'db-1', at(0.002));

  const nodes = await fetch(`${s.url}/v1/coordinate/nodes`);
  t.equal(nodes.status, 200);
  t.equal(nodes.headers.get('content-type'), 'application/json');
  t.equal(nodes.headers.get('x-consul-index'), '4', 'the coordinates table index');
  t.equal(nodes.headers.get('x-consul-knownleader'), 'true');
  const list = (await nodes.json()) as Array<Record<string, unknown>>;
  t.same(list, [{ Node: 'db-1', Segment: '', Coord: at(0.002) }, { Node: 'web-1', Segment: '', Coord: at(0.001) }], 'ordered by node');
  t.same(Object.keys(list[0]!), ['Node', 'Segment', 'Coord']);
  t.same(Object.keys(list[0]!.Coord as object), ['Vec', 'Error', 'Adjustment', 'Height']);
  t.same(await (await fetch(`${s.url}/v1/coordinate/nodes?segment=`)).json(), list, '?segment= keeps the default segment');
  t.same(await (await fetch(`${s.url}/v1/coordinate/nodes?segment=other`)).json(), [], 'another segment has none');

  const one = await fetch(`${s.url}/v1/coordinate/node/web-1`);
  t.equal(one.status, 200);
  t.same(await one.json(), [{ Node: 'web-1', Segment: '', Coord: at(0.001) }]);
  const unknown = await fetch(`${s.url}/v1/coordinate/node/nobody`);
  t.equal(unknown.status, 404, 'a node without a coordinate is 404');
  t.equal(await unknown.text(), '');
  t.equal(unknown.headers.get('x-consul-index'), '4', 'with the query meta all the same');

  t.equal((await put(`${s.url}/v1/coordinate/update`, { Node: 'ghost', Coord: at(0.5) })).status, 200, 'an unknown node is accepted…');
  t.equal(s.backend.state.coordinates.get('ghost'), undefined, '…and skipped, as Consul skips it');
  await put(`${s.url}/v1/catalog/deregister`, { Node: 'db-1' });
  t.same(((await (await fetch(`${s.url}/v1/coordinate/nodes`)).json()) as Array<{ Node: string }>).map((c) => c.Node), ['web-1'], 'a deregistered node takes its coordinate along');
});

t.test('update refuses bad bodies with Consul\'s texts and stores nothing', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'web-1');
  const cases: Array<[string, unknown, boolean, number, string]> = [
    ['empty body', '', true, 400, 'Request decode failed: EOF'],
    ['not JSON', '{', true, 400, 'Request decode failed: unexpected EOF'],
    ['unknown field', { Node: 'web-1', Coord: at(0), Foo: 1 }, false, 400, 'Request decode failed: json: unknown field "Foo"'],
    ['unknown Coord field', { Node: 'web-1', Coord: { ...at(0), Bar: 1 } }, false, 400, 'Request decode failed: json: unknown field "Bar"'],
    ['Node a number', { Node: 5, Coord: at(0) }, false, 400, 'Request decode failed: json: cannot unmarshal number into Go struct field CoordinateUpdateRequest.Node of type string'],
    ['Coord a string', { Node: 'web-1', Coord: 'x' }, false, 400, 'Request decode failed: json: cannot unmarshal string into Go struct field CoordinateUpdateRequest.Coord of type coordinate.Coordinate'],
    ['Vec an object', { Node: 'web-1', Coord: { ...at(0), Vec: {} } }, false, 400, 'Request decode failed: json: cannot unmarshal object into Go struct field CoordinateUpdateRequest.Coord.Vec of type []float64'],
    ['Vec of strings', { Node: 'web-1', Coord: { ...at(0), Vec: ['1'] } }, false, 400, 'Request decode failed: json: cannot unmarshal string into Go struct field CoordinateUpdateRequest.Coord.Vec of type float64'],
    ['Error a bool', { Node: 'web-1', Coord: { ...at(0), Error: true } }, false, 400, 'Request decode failed: json: cannot unmarshal bool into Go struct field CoordinateUpdateRequest.Coord.Error of type float64'],
    ['Height past float64', '{"Node":"web-1","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Height":1e400}}', true, 400, 'Request decode failed: json: cannot unmarshal number into Go struct field CoordinateUpdateRequest.Coord.Height of type float64'],
    ['no Coord', { Node: 'web-1' }, false, 500, 'invalid coordinate'],
    ['4 dimensions', { Node: 'web-1', Coord: { ...at(0), Vec: [0, 0, 0, 0] } }, false, 500, 'incompatible coordinate'],
    ['another datacenter', { Datacenter: 'dc2', Node: 'web-1', Coord: at(0) }, false, 500, 'No path to datacenter'],
  ];
  for (const [what, body, raw, status, text] of cases) {
    const res = await put(`${s.url}/v1/coordinate/update`, body, raw);
    t.equal(res.status, status, `${what}: ${status}`);
    t.equal(await res.text(), text, `${what}: ${text}`);
  }
  t.equal((await put(`${s.url}/v1/coordinate/update?dc=dc2`, { Node: 'web-1', Coord: at(0) })).status, 500, '?dc= of another datacenter');
  t.equal(s.backend.state.coordinates.size, 0, 'nothing stored');
  t.equal((await fetch(`${s.url}/v1/coordinate/update`)).status, 405, 'GET update is 405');
  t.equal((await put(`${s.url}/v1/coordinate/nodes`, {})).status, 405, 'PUT nodes is 405');
  t.equal((await put(`${s.url}/v1/coordinate/update`, { node: 'web-1', coord: { vec: [0, 0, 0, 0, 0, 0, 0, 0], error: 1, height: 0.1 } })).status, 200, 'field names match case-insensitively, as Go matches them');
  t.equal(s.backend.state.coordinates.get('web-1')?.Coord.Height, 0.1);
});

t.test('nodes blocks until a coordinate changes', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'web-1');
  await update(s, 'web-1', at(0.001));
  const first = await fetch(`${s.url}/v1/coordinate/nodes`);
  const index = first.headers.get('x-consul-index')!;
  const started = Date.now();
  const blocked = fetch(`${s.url}/v1/coordinate/nodes?index=${index}&wait=5s`);
  setTimeout(() => void update(s, 'web-1', at(0.003)), 200);
  const res = await blocked;
  t.ok(Date.now() - started < 4_000, 'woken by the update, not the timeout');
  t.ok(Number(res.headers.get('x-consul-index')) > Number(index));
  t.equal(((await res.json()) as Array<{ Coord: Coordinate }>)[0]!.Coord.Vec[0], 0.003);
});

t.test('datacenters lists the servers\' coordinates in the one datacenter', async (t) => {
  const s = await serveConsul(t, { coordinates: { dimensionality: 8, servers: () => [{ Node: 'srv-b', Coord: at(0.002) }, { Node: 'srv-a', Coord: at(0.001) }] } });
  const res = await fetch(`${s.url}/v1/coordinate/datacenters`);
  t.equal(res.status, 200);
  t.same(await res.json(), [{ Datacenter: 'dc1', AreaID: 'wan', Coordinates: [{ Node: 'srv-a', Coord: at(0.001) }, { Node: 'srv-b', Coord: at(0.002) }] }]);
});

t.test('with coordinates disabled every coordinate endpoint is 401 "Coordinate support disabled"', async (t) => {
  const s = await serveConsul(t, { coordinates: null });
  for (const [method, path] of [['GET', '/v1/coordinate/datacenters'], ['GET', '/v1/coordinate/nodes'], ['GET', '/v1/coordinate/node/x'], ['PUT', '/v1/coordinate/update']] as const) {
    const res = await fetch(`${s.url}${path}`, { method, ...(method === 'PUT' ? { body: '{}' } : {}) });
    t.equal(res.status, 401, `${method} ${path}`);
    t.equal(await res.text(), 'Coordinate support disabled');
  }
});

t.test('?near sorts catalog nodes, catalog service, health checks and health service by estimated RTT', async (t) => {
  const s = await serveConsul(t, { nodeName: 'agent-1' });
  // On one axis: agent-1 at 0, c at 1 ms, a at 3 ms, b at 6 ms; d has no coordinate.
  for (const node of ['a', 'agent-1', 'b', 'c', 'd']) await registerNode(s, node, 'web');
  for (const [node, x] of [['agent-1', 0], ['a', 0.003], ['b', 0.006], ['c', 0.001]] as const) await update(s, node, at(x));
  const order = async (path: string, nodeOf: (x: any) => string): Promise<string[]> => {
    const res = await fetch(`${s.url}${path}`);
    t.equal(res.status, 200, path);
    return ((await res.json()) as unknown[]).map(nodeOf);
  };
  const endpoints: Array<[string, (x: any) => string]> = [
    ['/v1/catalog/nodes', (n) => n.Node],
    ['/v1/catalog/service/web', (n) => n.Node],
    ['/v1/health/checks/web', (c) => c.Node],
    ['/v1/health/service/web', (e) => e.Node.Node],
  ];
  for (const [path, nodeOf] of endpoints) {
    t.same(await order(path, nodeOf), ['a', 'agent-1', 'b', 'c', 'd'], `${path}: by name without ?near`);
    t.same(await order(`${path}?near=agent-1`, nodeOf), ['agent-1', 'c', 'a', 'b', 'd'], `${path}?near=agent-1: nearest first, no coordinate last`);
    t.same(await order(`${path}?near=_agent`, nodeOf), ['agent-1', 'c', 'a', 'b', 'd'], `${path}?near=_agent: this agent's node`);
    t.same(await order(`${path}?near=b`, nodeOf), ['b', 'a', 'c', 'agent-1', 'd'], `${path}?near=b`);
    t.same(await order(`${path}?near=d`, nodeOf), ['a', 'agent-1', 'b', 'c', 'd'], `${path}?near=d: a source without a coordinate leaves the order alone`);
    t.same(await order(`${path}?near=nobody`, nodeOf), ['a', 'agent-1', 'b', 'c', 'd'], `${path}?near=nobody: so does an unknown one`);
  }
  // Equal distances keep their order: c and e both 1 ms from agent-1 (on opposite sides).
  await registerNode(s, 'e', 'web');
  await update(s, 'e', at(-0.001));
  t.same(await order('/v1/catalog/nodes?near=agent-1', (n) => n.Node), ['agent-1', 'c', 'e', 'a', 'b', 'd'], 'a tie keeps the name order');
  // A client node's forwarded request: _agent is the client's node, not the server's.
  const forwarded = await fetch(`${s.url}/v1/catalog/nodes?near=_agent`, { headers: { 'x-chorus-forwarded': '1', 'x-chorus-agent-node': 'b' } });
  t.same(((await forwarded.json()) as Array<{ Node: string }>).map((n) => n.Node), ['b', 'a', 'c', 'agent-1', 'e', 'd']);
});

t.test('ACLs: lists are filtered by node:read, one node needs node:read, an update needs node:write', async (t) => {
  const s = await serveWithAcl(t);
  const root = { 'X-Consul-Token': 'root' };
  for (const node of ['n1', 'secret']) {
    t.equal((await fetch(`${s.url}/v1/catalog/register`, { method: 'PUT', headers: root, body: JSON.stringify({ Node: node, Address: '10.0.0.1' }) })).status, 200);
    t.equal((await fetch(`${s.url}/v1/coordinate/update`, { method: 'PUT', headers: root, body: JSON.stringify({ Node: node, Coord: at(0.001) }) })).status, 200);
  }
  const created = await fetch(`${s.url}/v1/acl/create`, {
    method: 'PUT', headers: root, body: JSON.stringify({ Name: 'n1', Rules: 'node "n1" { policy = "write" }\nnode "secret" { policy = "deny" }' }),
  });
  const token = { 'X-Consul-Token': ((await created.json()) as { ID: string }).ID };
  const list = await fetch(`${s.url}/v1/coordinate/nodes`, { headers: token });
  t.same(((await list.json()) as Array<{ Node: string }>).map((c) => c.Node), ['n1'], 'the denied node is filtered out');
  t.equal(list.headers.get('x-consul-results-filtered-by-acls'), 'true');
  t.equal((await fetch(`${s.url}/v1/coordinate/node/n1`, { headers: token })).status, 200);
  const denied = await fetch(`${s.url}/v1/coordinate/node/secret`, { headers: token });
  t.equal(denied.status, 403);
  t.equal(await denied.text(), 'Permission denied');
  t.equal((await fetch(`${s.url}/v1/coordinate/update`, { method: 'PUT', headers: token, body: JSON.stringify({ Node: 'n1', Coord: at(0.004) }) })).status, 200, 'node:write on its node');
  const refused = await fetch(`${s.url}/v1/coordinate/update`, { method: 'PUT', headers: token, body: JSON.stringify({ Node: 'secret', Coord: at(0.004) }) });
  t.equal(refused.status, 403, 'not on another');
  t.equal(s.backend.state.coordinates.get('secret')?.Coord.Vec[0], 0.001, 'unchanged');
  t.equal((await fetch(`${s.url}/v1/coordinate/nodes`, { headers: { 'X-Consul-Token': 'no-such-token' } })).status, 403, 'an unknown token is refused');
});
