import t from 'tap';
import { member, serveWithAcl, type AclServer } from '../../helpers/acl.js';

const APP_WRITER = 'key "app/" { policy = "write" }';

async function createToken(s: AclServer, body: Record<string, unknown>, token = 'root'): Promise<string> {
  const res = await fetch(`${s.url}/v1/acl/create`, { method: 'PUT', headers: { 'X-Consul-Token': token }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { ID: string }).ID;
}

const withToken = (token: string | undefined, init: RequestInit = {}): RequestInit =>
  ({ ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...(token === undefined ? {} : { 'X-Consul-Token': token }) } });

const put = (url: string, token?: string, body = 'v') => fetch(url, withToken(token, { method: 'PUT', body }));
const del = (url: string, token?: string) => fetch(url, withToken(token, { method: 'DELETE' }));

t.test('a client token limited to app/ writes app/x and is refused elsewhere', async (t) => {
  const s = await serveWithAcl(t);
  const app = await createToken(s, { Name: 'app', Type: 'client', Rules: APP_WRITER });
  t.match(app, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a generated ID is a UUID');

  const ok = await put(`${s.url}/v1/kv/app/x`, app);
  t.equal(ok.status, 200);
  t.equal(await ok.text(), 'true');
  const denied = await put(`${s.url}/v1/kv/other/x`, app);
  t.equal(denied.status, 403);
  t.equal(await denied.text(), 'Permission denied');
  t.match(denied.headers.get('content-type'), /^text\/plain/);
  t.equal(s.backend.state.kv.get('other/x'), undefined, 'nothing was stored');

  t.equal((await fetch(`${s.url}/v1/kv/app/x`, withToken(app))).status, 200, 'write allows read');
  const masterPut = await put(`${s.url}/v1/kv/other/x`, 'root');
  t.equal(masterPut.status, 200, 'the master token may do anything');
  const readOther = await fetch(`${s.url}/v1/kv/other/x`, withToken(app));
  t.equal(readOther.status, 403, 'a single read outside the rules is refused');
  t.equal(await readOther.text(), 'Permission denied');

  const anon = await put(`${s.url}/v1/kv/app/y`);
  t.equal(anon.status, 403, 'no token: the anonymous token under default deny');
  t.equal((await del(`${s.url}/v1/kv/other/x`, app)).status, 403);
  t.equal((await del(`${s.url}/v1/kv/app/x`, app)).status, 200);
  t.equal(s.backend.state.kv.get('app/x'), undefined);
});

t.test('list endpoints filter silently; recursive deletes need the whole prefix', async (t) => {
  const s = await serveWithAcl(t);
  for (const k of ['app/a', 'app/b/c', 'other/x', 'zed']) t.equal((await put(`${s.url}/v1/kv/${k}`, 'root')).status, 200);
  const app = await createToken(s, { Name: 'app', Rules: `${APP_WRITER}\nkey "app/b/" { policy = "read" }` });

  const all = await fetch(`${s.url}/v1/kv/?recurse`, withToken(app));
  t.equal(all.status, 200);
  t.same(((await all.json()) as Array<{ Key: string }>).map((e) => e.Key), ['app/a', 'app/b/c']);
  t.equal(all.headers.get('x-consul-results-filtered-by-acls'), 'true', 'a request with a token is told it was filtered');
  t.equal(all.headers.get('x-consul-index'), String(s.backend.state.tableIndex('kv')), 'the index is the unfiltered one');

  const keys = await fetch(`${s.url}/v1/kv/?keys&separator=/`, withToken(app));
  t.same(await keys.json(), ['app/']);
  const allKeys = await fetch(`${s.url}/v1/kv/?keys`, withToken(app));
  t.same(await allKeys.json(), ['app/a', 'app/b/c']);

  const unfiltered = await fetch(`${s.url}/v1/kv/app/?recurse`, withToken(app));
  t.equal(unfiltered.headers.get('x-consul-results-filtered-by-acls'), null, 'nothing dropped, no header');
  const none = await fetch(`${s.url}/v1/kv/other/?recurse`, withToken(app));
  t.equal(none.status, 404, 'everything filtered away is not found');
  const noneKeys = await fetch(`${s.url}/v1/kv/other/?keys`, withToken(app));
  t.equal(noneKeys.status, 404);
  const anonKeys = await fetch(`${s.url}/v1/kv/?keys`);
  t.same(await anonKeys.json(), [], 'the anonymous token sees an empty store');
  t.equal(anonKeys.headers.get('x-consul-results-filtered-by-acls'), null, 'and no header without a token');

  const tree = await del(`${s.url}/v1/kv/app/?recurse`, app);
  t.equal(tree.status, 403, 'a read rule under app/ blocks deleting app/');
  t.equal(await tree.text(), 'Permission denied');
  t.ok(s.backend.state.kv.get('app/a'), 'nothing was deleted');
  t.equal((await del(`${s.url}/v1/kv/?recurse`, app)).status, 403);
  const writable = await createToken(s, { Rules: APP_WRITER });
  t.equal((await del(`${s.url}/v1/kv/app/?recurse`, writable)).status, 200);
  t.same(s.backend.state.kv.list('').items.map((e) => e.Key), ['other/x', 'zed']);
});

t.test('the token is read from ?token, then X-Consul-Token, then Authorization: Bearer', async (t) => {
  const s = await serveWithAcl(t);
  const app = await createToken(s, { Rules: APP_WRITER });
  t.equal((await fetch(`${s.url}/v1/kv/app/q?token=${app}`, { method: 'PUT', body: 'x' })).status, 200, '?token');
  t.equal((await fetch(`${s.url}/v1/kv/app/h`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': app } })).status, 200, 'X-Consul-Token');
  t.equal((await fetch(`${s.url}/v1/kv/app/b`, { method: 'PUT', body: 'x', headers: { Authorization: `Bearer ${app}` } })).status, 200, 'Authorization: Bearer');
  t.equal((await fetch(`${s.url}/v1/kv/app/b`, { method: 'PUT', body: 'x', headers: { Authorization: `bearer   ${app} trailing` } })).status, 200, 'scheme in any case, first word only');
  t.equal((await fetch(`${s.url}/v1/kv/app/b`, { method: 'PUT', body: 'x', headers: { Authorization: `Basic ${app}` } })).status, 403, 'another scheme is no token');
  t.equal((await fetch(`${s.url}/v1/kv/app/b`, { method: 'PUT', body: 'x', headers: { Authorization: app } })).status, 403, 'a bare value is no token');
  // ?token wins over the header, the header over Authorization.
  const q = await fetch(`${s.url}/v1/kv/app/p?token=${app}`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': 'nope' } });
  t.equal(q.status, 200);
  const h = await fetch(`${s.url}/v1/kv/app/p`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': 'nope', Authorization: `Bearer ${app}` } });
  t.equal(h.status, 403);
  t.equal(await h.text(), 'ACL not found', 'the header named an unknown token');
  const emptyQuery = await fetch(`${s.url}/v1/kv/app/p?token=`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': app } });
  t.equal(emptyQuery.status, 200, 'an empty ?token= is no token');
});

t.test('an unknown token: 403 "ACL not found" wherever a check is made, never on /v1/status', async (t) => {
  const s = await serveWithAcl(t);
  for (const [method, path] of [['GET', '/v1/kv/a'], ['GET', '/v1/kv/?recurse'], ['GET', '/v1/kv/?keys'], ['PUT', '/v1/kv/a'], ['GET', '/v1/agent/self'], ['GET', '/v1/agent/members'], ['GET', '/v1/acl/list']] as const) {
    const res = await fetch(`${s.url}${path}`, { method, headers: { 'X-Consul-Token': 'no-such-token' } });
    t.equal(res.status, 403, `${method} ${path}`);
    t.equal(await res.text(), 'ACL not found', `${method} ${path}`);
  }
  const status = await fetch(`${s.url}/v1/status/leader`, { headers: { 'X-Consul-Token': 'no-such-token' } });
  t.equal(status.status, 200);
  t.equal(await status.json(), '127.0.0.1:9638');
  const info = await fetch(`${s.url}/v1/acl/info/anything`, { headers: { 'X-Consul-Token': 'no-such-token' } });
  t.equal(info.status, 200, 'info makes no check: whoever holds an ID may read it');
});

t.test('X-Consul-Default-ACL-Policy on every /v1 answer, errors included; not on Habitat routes', async (t) => {
  const deny = await serveWithAcl(t, { defaultPolicy: 'deny' });
  t.equal((await fetch(`${deny.url}/v1/kv/missing?token=root`)).headers.get('x-consul-default-acl-policy'), 'deny');
  t.equal((await fetch(`${deny.url}/v1/kv/x`, { method: 'PUT' })).headers.get('x-consul-default-acl-policy'), 'deny', 'on a 403 too');
  t.equal((await fetch(`${deny.url}/v1/status/peers`)).headers.get('x-consul-default-acl-policy'), 'deny');
  t.equal((await fetch(`${deny.url}/services`)).headers.get('x-consul-default-acl-policy'), null);
  const off = await serveWithAcl(t, { enabled: false, defaultPolicy: 'allow' });
  t.equal((await fetch(`${off.url}/v1/kv/missing`)).headers.get('x-consul-default-acl-policy'), 'allow', 'sent with ACLs off too');
});

t.test('ACLs off: everything as before, whatever token is sent', async (t) => {
  const s = await serveWithAcl(t, { enabled: false });
  t.equal((await put(`${s.url}/v1/kv/any/key`, 'made-up')).status, 200);
  t.equal((await fetch(`${s.url}/v1/kv/any/key`, withToken('made-up'))).status, 200);
  t.equal((await fetch(`${s.url}/v1/agent/self`, withToken('made-up'))).status, 200);
  t.equal((await del(`${s.url}/v1/kv/?recurse`)).status, 200);
});

t.test('default policy allow: the anonymous token may do what no rule forbids, never manage ACLs', async (t) => {
  const s = await serveWithAcl(t, { defaultPolicy: 'allow' });
  t.equal((await put(`${s.url}/v1/kv/free`)).status, 200);
  t.equal((await fetch(`${s.url}/v1/acl/list`)).status, 403);
  // The operator narrows the anonymous token: its rules now decide for requests without a token.
  const upd = await fetch(`${s.url}/v1/acl/update`, { method: 'PUT', headers: { 'X-Consul-Token': 'root' }, body: JSON.stringify({ ID: 'anonymous', Name: 'Anonymous Token', Rules: 'key "locked/" { policy = "read" }' }) });
  t.equal(upd.status, 200);
  t.equal((await put(`${s.url}/v1/kv/locked/x`)).status, 403);
  t.equal((await put(`${s.url}/v1/kv/free`)).status, 200);
});

t.test('before the leader writes the anonymous token, no token means the default policy alone', async (t) => {
  const s = await serveWithAcl(t, { noBootstrap: true, defaultPolicy: 'allow' });
  t.equal((await put(`${s.url}/v1/kv/x`)).status, 200);
  t.equal((await put(`${s.url}/v1/kv/x`, 'root')).status, 403, 'the master token is unknown until written');
});

t.test('agent endpoints: self needs agent read, members filter by node, join agent write, force-leave operator write', async (t) => {
  const s = await serveWithAcl(t, { members: [member('node1'), member('web-1'), member('db-1')] });
  const self = await fetch(`${s.url}/v1/agent/self`);
  t.equal(self.status, 403);
  t.equal(await self.text(), 'Permission denied');
  const reader = await createToken(s, { Rules: 'agent "node1" { policy = "read" }\nnode "web-" { policy = "read" }' });
  const ok = await fetch(`${s.url}/v1/agent/self`, withToken(reader));
  t.equal(ok.status, 200);
  t.same(await ok.json(), { Config: { NodeName: 'node1' } });
  const other = await createToken(s, { Rules: 'agent "node2" { policy = "write" }' });
  t.equal((await fetch(`${s.url}/v1/agent/self`, withToken(other))).status, 403, 'rules for another agent do not count');
  t.equal((await fetch(`${s.url}/v1/agent/self`, withToken('root'))).status, 200);

  const members = await fetch(`${s.url}/v1/agent/members`, withToken(reader));
  t.same(((await members.json()) as Array<{ Name: string }>).map((m) => m.Name), ['web-1']);
  t.equal(members.headers.get('x-consul-results-filtered-by-acls'), 'true');
  const anonMembers = await fetch(`${s.url}/v1/agent/members`);
  t.same(await anonMembers.json(), []);
  const all = await fetch(`${s.url}/v1/agent/members`, withToken('root'));
  t.equal(((await all.json()) as unknown[]).length, 3);

  t.equal((await fetch(`${s.url}/v1/agent/join/127.0.0.9`, withToken(reader, { method: 'PUT' }))).status, 403, 'agent read is not enough to join');
  t.same(s.gossip.joined, []);
  const writer = await createToken(s, { Rules: 'agent "" { policy = "write" }' });
  t.equal((await fetch(`${s.url}/v1/agent/join/127.0.0.9`, withToken(writer, { method: 'PUT' }))).status, 200);
  t.same(s.gossip.joined, ['127.0.0.9']);

  t.equal((await fetch(`${s.url}/v1/agent/force-leave/db-1`, withToken(writer, { method: 'PUT' }))).status, 403, 'force-leave needs operator write');
  const operator = await createToken(s, { Rules: 'operator = "write"' });
  t.equal((await fetch(`${s.url}/v1/agent/force-leave/db-1`, withToken(operator, { method: 'PUT' }))).status, 200);
  t.same(s.gossip.departed, ['db-1']);
});

t.test("with the gateway's own bearer authentication, Authorization is not an ACL token", async (t) => {
  const s = await serveWithAcl(t, { authToken: 'gw-secret', defaultPolicy: 'allow' });
  const res = await fetch(`${s.url}/v1/kv/x`, { method: 'PUT', body: 'v', headers: { Authorization: 'Bearer gw-secret' } });
  t.equal(res.status, 200, 'the gateway token is not taken for an unknown ACL token');
  const app = await createToken(s, { Rules: 'key "" { policy = "read" }' }, 'root').catch(() => '');
  t.equal(app, '', 'without the gateway token nothing gets through');
  const created = await fetch(`${s.url}/v1/acl/create`, { method: 'PUT', headers: { Authorization: 'Bearer gw-secret', 'X-Consul-Token': 'root' }, body: '{"Rules": "key \\"\\" { policy = \\"read\\" }"}' });
  const id = ((await created.json()) as { ID: string }).ID;
  const denied = await fetch(`${s.url}/v1/kv/x`, { method: 'PUT', body: 'v', headers: { Authorization: 'Bearer gw-secret', 'X-Consul-Token': id } });
  t.equal(denied.status, 403);
});
