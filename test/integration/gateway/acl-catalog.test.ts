import t from 'tap';
import { serveWithAcl, type AclServer } from '../../helpers/acl.js';

async function createToken(s: AclServer, rules: string): Promise<string> {
  const res = await fetch(`${s.url}/v1/acl/create`, { method: 'PUT', headers: { 'X-Consul-Token': 'root' }, body: JSON.stringify({ Name: 't', Rules: rules }) });
  return ((await res.json()) as { ID: string }).ID;
}

const as = (token: string | undefined, init: RequestInit = {}): RequestInit =>
  ({ ...init, headers: token === undefined ? {} : { 'X-Consul-Token': token } });

async function register(s: AclServer, body: unknown, token: string | undefined): Promise<Response> {
  return fetch(`${s.url}/v1/catalog/register`, as(token, { method: 'PUT', body: JSON.stringify(body) }));
}

const WEB_WRITER = 'service "web" { policy = "write" }\nnode "" { policy = "read" }';

t.test('catalog writes need node:write for the node and service:write for the service', async (t) => {
  const s = await serveWithAcl(t);
  const web = await createToken(s, WEB_WRITER);
  const node = { Node: 'n1', Address: '10.0.0.1' };
  const denied = await register(s, { ...node, Service: { Service: 'web', Port: 80 } }, web);
  t.equal(denied.status, 403, 'a node update needs node:write');
  t.equal(await denied.text(), 'Permission denied');
  t.equal(s.backend.state.registry.node('n1'), undefined, 'nothing stored');
  t.equal((await register(s, node, 'root')).status, 200);
  t.equal((await register(s, { ...node, SkipNodeUpdate: true, Service: { Service: 'web', Port: 80 }, Check: { Name: 'web alive', ServiceID: 'web' } }, web)).status, 200, 'with SkipNodeUpdate service:write is enough, its own checks included');
  t.equal((await register(s, { ...node, SkipNodeUpdate: true, Service: { Service: 'db' } }, web)).status, 403, 'another service is refused');
  t.equal((await register(s, { ...node, SkipNodeUpdate: true, Check: { Name: 'node check' } }, web)).status, 403, 'a node check needs node:write');

  const dereg = (body: unknown, token: string) => fetch(`${s.url}/v1/catalog/deregister`, as(token, { method: 'PUT', body: JSON.stringify(body) }));
  t.equal((await dereg({ Node: 'n1' }, web)).status, 403, 'the whole node needs node:write');
  t.equal((await dereg({ Node: 'n1', CheckID: 'web alive' }, web)).status, 200, "a check of the token's service may go");
  t.equal((await dereg({ Node: 'n1', ServiceID: 'web' }, web)).status, 200, 'and so may the service');
  t.equal(s.backend.state.registry.nodeServices('n1').length, 0);
  t.equal((await dereg({ Node: 'n1' }, 'root')).status, 200);
});

t.test('catalog and health reads are filtered by service and node rules', async (t) => {
  const s = await serveWithAcl(t);
  for (const [n, svc] of [['n1', 'web'], ['n2', 'db'], ['secret', 'web']] as const) {
    t.equal((await register(s, { Node: n, Address: '10.0.0.1', Service: { Service: svc }, Checks: [{ Name: 'node ok', Status: 'passing' }, { Name: `${svc} ok`, ServiceID: svc, Status: 'passing' }] }, 'root')).status, 200);
  }
  const reader = await createToken(s, 'service "web" { policy = "read" }\nnode "n" { policy = "read" }\nnode "secret" { policy = "deny" }');
  const get = async (path: string, token = reader): Promise<{ status: number; body: unknown; filtered: string | null }> => {
    const res = await fetch(`${s.url}${path}`, as(token));
    const text = await res.text();
    return { status: res.status, body: res.status === 200 ? JSON.parse(text) : text, filtered: res.headers.get('x-consul-results-filtered-by-acls') };
  };
  const nodes = await get('/v1/catalog/nodes');
  t.same((nodes.body as Array<{ Node: string }>).map((n) => n.Node), ['n1', 'n2']);
  t.equal(nodes.filtered, 'true');
  t.same(Object.keys((await get('/v1/catalog/services')).body as object), ['web']);
  t.same(((await get('/v1/catalog/service/web')).body as Array<{ Node: string }>).map((x) => x.Node), ['n1'], 'web on a denied node is hidden');
  t.same((await get('/v1/catalog/service/db')).body, [], 'an unreadable service lists empty');
  t.equal((await get('/v1/catalog/node/secret')).body, null, 'an unreadable node reads as unknown');
  t.same(Object.keys(((await get('/v1/catalog/node/n2')).body as { Services: object }).Services), [], "a readable node's unreadable services are dropped");
  t.same(((await get('/v1/health/node/n2')).body as Array<{ CheckID: string }>).map((c) => c.CheckID), ['node ok'], 'node checks by node rules, service checks by service rules');
  t.same(((await get('/v1/health/service/web')).body as Array<{ Node: { Node: string } }>).map((e) => e.Node.Node), ['n1']);
  t.same(((await get('/v1/health/state/passing')).body as Array<{ Node: string; CheckID: string }>).map((c) => `${c.Node}:${c.CheckID}`).sort(), ['n1:node ok', 'n1:web ok', 'n2:node ok', 'secret:web ok']);
  t.equal((await get('/v1/health/checks/web', 'root')).status, 200);
  t.equal((await get('/v1/catalog/nodes', 'no-such-token')).status, 403, 'an unknown token is refused, not filtered');
});

t.test('events need event:write to fire and event:read to be listed', async (t) => {
  const s = await serveWithAcl(t);
  const deployer = await createToken(s, 'event "deploy" { policy = "write" }');
  const fire = (name: string, token: string | undefined) => fetch(`${s.url}/v1/event/fire/${name}`, as(token, { method: 'PUT' }));
  t.equal((await fire('deploy', deployer)).status, 200);
  const denied = await fire('restart', deployer);
  t.equal(denied.status, 403);
  t.equal(await denied.text(), 'Permission denied');
  t.equal((await fire('restart', 'root')).status, 200);
  const listed = await fetch(`${s.url}/v1/event/list`, as(deployer));
  t.same(((await listed.json()) as Array<{ Name: string }>).map((e) => e.Name), ['deploy'], 'only the events it may read');
  t.equal(listed.headers.get('x-consul-results-filtered-by-acls'), 'true');
  t.same(((await (await fetch(`${s.url}/v1/event/list`)).json()) as unknown[]), [], 'the anonymous token under default deny sees none');
});

t.test('sessions need session:write on their node to be made, renewed or destroyed, and session:read to be seen', async (t) => {
  const s = await serveWithAcl(t);
  for (const n of ['n1', 'n2']) t.equal((await register(s, { Node: n, Address: '10.0.0.1' }, 'root')).status, 200);
  const n1 = await createToken(s, 'session "n1" { policy = "write" }');
  const create = (node: string, token: string) => fetch(`${s.url}/v1/session/create`, as(token, { method: 'PUT', body: JSON.stringify({ Node: node, Checks: [] }) }));
  const mine = await create('n1', n1);
  t.equal(mine.status, 200);
  const id = ((await mine.json()) as { ID: string }).ID;
  t.equal((await create('n2', n1)).status, 403, 'not on another node');
  const other = ((await (await create('n2', 'root')).json()) as { ID: string }).ID;
  const listed = await fetch(`${s.url}/v1/session/list`, as(n1));
  t.same(((await listed.json()) as Array<{ ID: string }>).map((x) => x.ID), [id], 'only the sessions of n1 are listed');
  t.equal((await fetch(`${s.url}/v1/session/renew/${other}`, as(n1, { method: 'PUT' }))).status, 403);
  t.equal((await fetch(`${s.url}/v1/session/renew/${id}`, as(n1, { method: 'PUT' }))).status, 200);
  t.equal((await fetch(`${s.url}/v1/session/destroy/${other}`, as(n1, { method: 'PUT' }))).status, 403);
  t.ok(s.backend.state.sessions.get(other), 'still there');
  t.equal((await fetch(`${s.url}/v1/session/destroy/${id}`, as(n1, { method: 'PUT' }))).status, 200);
  t.equal(s.backend.state.sessions.get(id), undefined);
});
