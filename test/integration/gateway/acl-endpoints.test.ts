import t from 'tap';
import { serveWithAcl } from '../../helpers/acl.js';

type Acl = { ID: string; Name: string; Type: string; Rules: string; CreateIndex: number; ModifyIndex: number };

const root = { 'X-Consul-Token': 'root' };
const putAs = (url: string, body?: string, headers: Record<string, string> = root) => fetch(url, { method: 'PUT', headers, ...(body === undefined ? {} : { body }) });

t.test('ACLs off: every legacy endpoint answers 401 "ACL support disabled"', async (t) => {
  const s = await serveWithAcl(t, { enabled: false });
  for (const [method, path] of [['PUT', '/v1/acl/create'], ['PUT', '/v1/acl/update'], ['PUT', '/v1/acl/destroy/x'], ['GET', '/v1/acl/info/x'], ['PUT', '/v1/acl/clone/x'], ['GET', '/v1/acl/list']] as const) {
    const res = await fetch(`${s.url}${path}`, { method, headers: root, ...(method === 'PUT' ? { body: '{}' } : {}) });
    t.equal(res.status, 401, `${method} ${path}`);
    t.equal(await res.text(), 'ACL support disabled');
  }
  t.equal(s.backend.state.acl.size, 0, 'nothing was written');
});

t.test('create: defaults, given fields, given ID; info shows the token', async (t) => {
  const s = await serveWithAcl(t);
  const bare = await putAs(`${s.url}/v1/acl/create`);
  t.equal(bare.status, 200, 'seed 004: no body at all means the defaults');
  t.equal(bare.headers.get('content-type'), 'application/json');
  const bareId = ((await bare.json()) as { ID: string }).ID;
  const made = s.backend.state.acl.get(bareId)!;
  t.same([made.Name, made.Type, made.Rules], ['', 'client', '']);

  const res = await putAs(`${s.url}/v1/acl/create`, JSON.stringify({ Name: 'my-app-token', Type: 'management', Rules: '' }));
  const id = ((await res.json()) as { ID: string }).ID;
  const info = await fetch(`${s.url}/v1/acl/info/${id}`);
  t.equal(info.status, 200);
  const body = (await info.json()) as Acl[];
  t.same(body, [{ ID: id, Name: 'my-app-token', Type: 'management', Rules: '', CreateIndex: made.CreateIndex + 1, ModifyIndex: made.CreateIndex + 1 }]);
  t.same(Object.keys(body[0]!), ['ID', 'Name', 'Type', 'Rules', 'CreateIndex', 'ModifyIndex'], 'field order');
  t.equal(info.headers.get('x-consul-index'), String(s.backend.state.tableIndex('acl')));
  t.equal(info.headers.get('x-consul-knownleader'), 'true');
  t.equal(info.headers.get('x-consul-lastcontact'), '0');

  const given = await putAs(`${s.url}/v1/acl/create`, JSON.stringify({ id: 'my-chosen-id', name: 'lower', type: 'client', rules: 'key "" { policy = "read" }' }));
  t.same(await given.json(), { ID: 'my-chosen-id' }, 'an ID may be given; field names match in any case');
  t.equal(s.backend.state.acl.get('my-chosen-id')!.Name, 'lower');

  const missing = await fetch(`${s.url}/v1/acl/info/not-there`);
  t.equal(missing.status, 200);
  t.equal(await missing.text(), 'null', 'seed 004: an unknown ID answers null');
  const encoded = await fetch(`${s.url}/v1/acl/info/my%2Dchosen%2Did`);
  t.equal(((await encoded.json()) as Acl[])[0]!.ID, 'my-chosen-id', 'the ID is percent-decoded');
});

t.test('create and update refuse malformed bodies, bad types and bad rules, storing nothing', async (t) => {
  const s = await serveWithAcl(t);
  const before = s.backend.state.acl.size;
  const cases: Array<[string, string, number, string]> = [
    ['/v1/acl/create', '{"Name": "x", "Foo": 1}', 400, 'Request decode failed: json: unknown field "Foo"'],
    ['/v1/acl/create', '  \n', 400, 'Request decode failed: EOF'],
    ['/v1/acl/create', '{"Name": ', 400, 'Request decode failed: unexpected EOF'],
    ['/v1/acl/create', 'xyz', 400, "Request decode failed: invalid character 'x' looking for beginning of value"],
    ['/v1/acl/create', '[1]', 400, 'Request decode failed: json: cannot unmarshal array into Go value of type structs.ACL'],
    ['/v1/acl/create', '{"Name": 5}', 400, 'Request decode failed: json: cannot unmarshal number into Go struct field ACL.Name of type string'],
    ['/v1/acl/create', '{"CreateIndex": "x"}', 400, 'Request decode failed: json: cannot unmarshal string into Go struct field ACL.CreateIndex of type uint64'],
    ['/v1/acl/create', '{"Type": "root"}', 400, 'Invalid ACL Type'],
    ['/v1/acl/create', '{"Rules": "key \\"a\\" { policy = \\"admin\\" }"}', 400, 'ACL rule compilation failed: Invalid key policy: &acl.KeyPolicy{Prefix:"a", Policy:"admin"}'],
    ['/v1/acl/create', '{"Rules": "key \\"a\\" {"}', 400, 'ACL rule compilation failed: Failed to parse ACL rules: At 1:10: object expected closing RBRACE got: EOF'],
    ['/v1/acl/update', '{"Name": "no id"}', 400, 'ACL ID must be set'],
    ['/v1/acl/update', '', 400, 'ACL ID must be set'],
  ];
  for (const [path, body, status, text] of cases) {
    const res = await putAs(`${s.url}${path}`, body);
    t.equal(res.status, status, `${path} ${body}`);
    t.equal(await res.text(), text, `${path} ${body}`);
  }
  t.equal(s.backend.state.acl.size, before, 'nothing stored');
  const ok = await putAs(`${s.url}/v1/acl/create`, 'null');
  t.equal(ok.status, 200, 'a JSON null body is the defaults, as Go decodes it');
  const indexes = await putAs(`${s.url}/v1/acl/create`, '{"CreateIndex": 99, "ModifyIndex": 99}');
  t.equal(indexes.status, 200, 'the raft index fields are known and ignored');
  const id = ((await indexes.json()) as { ID: string }).ID;
  t.not(s.backend.state.acl.get(id)!.CreateIndex, 99);
});

t.test('update replaces name, type and rules and keeps CreateIndex', async (t) => {
  const s = await serveWithAcl(t);
  const id = ((await (await putAs(`${s.url}/v1/acl/create`, '{"Name": "a", "Rules": "key \\"\\" { policy = \\"read\\" }"}')).json()) as { ID: string }).ID;
  const created = s.backend.state.acl.get(id)!;
  const res = await putAs(`${s.url}/v1/acl/update`, JSON.stringify({ ID: id, Name: 'my-app-token-updated', Type: 'client', Rules: '# New Rules' }));
  t.equal(res.status, 200);
  t.same(await res.json(), { ID: id });
  const after = s.backend.state.acl.get(id)!;
  t.same([after.Name, after.Rules, after.CreateIndex], ['my-app-token-updated', '# New Rules', created.CreateIndex]);
  t.ok(after.ModifyIndex > created.ModifyIndex);
  const defaults = await putAs(`${s.url}/v1/acl/update`, JSON.stringify({ ID: id }));
  t.equal(defaults.status, 200);
  t.same([s.backend.state.acl.get(id)!.Name, s.backend.state.acl.get(id)!.Rules], ['', ''], 'seed 004: the other fields default to blank');
});

t.test('management is required for create, update, destroy, clone and list; info is open', async (t) => {
  const s = await serveWithAcl(t, { defaultPolicy: 'allow' });
  const client = ((await (await putAs(`${s.url}/v1/acl/create`, '{"Name": "c", "Rules": "key \\"\\" { policy = \\"write\\" }"}')).json()) as { ID: string }).ID;
  const size = s.backend.state.acl.size;
  for (const token of [client, undefined]) {
    const headers: Record<string, string> = token === undefined ? {} : { 'X-Consul-Token': token };
    const who = token === undefined ? 'anonymous' : 'client token';
    for (const [method, path, body] of [
      ['PUT', '/v1/acl/create', '{}'], ['PUT', '/v1/acl/update', `{"ID": "${client}", "Type": "management"}`],
      ['PUT', `/v1/acl/destroy/${client}`, ''], ['PUT', `/v1/acl/clone/${client}`, ''], ['GET', '/v1/acl/list', undefined],
    ] as const) {
      const res = await fetch(`${s.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      t.equal(res.status, 403, `${who}: ${method} ${path}`);
      t.equal(await res.text(), 'Permission denied');
    }
    const info = await fetch(`${s.url}/v1/acl/info/${client}`, { headers });
    t.equal(info.status, 200, `${who}: info`);
  }
  t.equal(s.backend.state.acl.size, size, 'nothing was created');
  t.equal(s.backend.state.acl.get(client)!.Type, 'client', 'nor promoted');
});

t.test('list shows every token, the bootstrapped ones included, and blocks on ?index', async (t) => {
  const s = await serveWithAcl(t);
  const res = await fetch(`${s.url}/v1/acl/list`, { headers: root });
  t.equal(res.status, 200);
  const list = (await res.json()) as Acl[];
  t.same(list.map((a) => [a.ID, a.Name, a.Type]), [['anonymous', 'Anonymous Token', 'client'], ['root', 'Master Token', 'management']]);
  const index = Number(res.headers.get('x-consul-index'));
  t.ok(index >= 1);

  const started = Date.now();
  const blocked = fetch(`${s.url}/v1/acl/list?index=${index}&wait=5s`, { headers: root });
  // Nothing changed: the query is parked; a write wakes it.
  await new Promise((r) => setImmediate(r));
  await putAs(`${s.url}/v1/acl/create`, '{"ID": "later", "Name": "later"}');
  const woke = await blocked;
  t.ok(Date.now() - started < 4_000, 'woken by the write, not by the timeout');
  t.ok(Number(woke.headers.get('x-consul-index')) > index);
  t.ok(((await woke.json()) as Acl[]).some((a) => a.ID === 'later'));

  const shortWait = await fetch(`${s.url}/v1/acl/info/later?index=${s.backend.state.tableIndex('acl')}&wait=50ms`);
  t.equal(shortWait.status, 200, 'info blocks too, and answers at the timeout');
  const dc = await fetch(`${s.url}/v1/acl/list?dc=dc9`, { headers: root });
  t.equal(dc.status, 500);
  t.equal(await dc.text(), 'No path to datacenter');
});

t.test('clone copies name, type and rules under a new ID; destroy removes', async (t) => {
  const s = await serveWithAcl(t);
  await putAs(`${s.url}/v1/acl/create`, JSON.stringify({ ID: 'template', Name: 'tpl', Rules: 'key "app/" { policy = "write" }' }));
  const clone = await putAs(`${s.url}/v1/acl/clone/template`);
  t.equal(clone.status, 200);
  const id = ((await clone.json()) as { ID: string }).ID;
  t.not(id, 'template');
  const copy = s.backend.state.acl.get(id)!;
  t.same([copy.Name, copy.Type, copy.Rules], ['tpl', 'client', 'key "app/" { policy = "write" }']);
  const missing = await putAs(`${s.url}/v1/acl/clone/nope`);
  t.equal(missing.status, 403);
  t.equal(await missing.text(), 'Permission denied');

  const destroy = await putAs(`${s.url}/v1/acl/destroy/${id}`);
  t.equal(destroy.status, 200);
  t.equal(await destroy.text(), 'true');
  t.equal(s.backend.state.acl.get(id), undefined);
  t.equal(await (await fetch(`${s.url}/v1/acl/info/${id}`)).text(), 'null');
  t.equal((await putAs(`${s.url}/v1/acl/destroy/${id}`)).status, 200, 'destroying what is gone succeeds');
  // A destroyed token no longer works.
  const useIt = await fetch(`${s.url}/v1/kv/app/x`, { method: 'PUT', body: 'v', headers: { 'X-Consul-Token': id } });
  t.equal(useIt.status, 403);
  t.equal(await useIt.text(), 'ACL not found');

  const anon = await putAs(`${s.url}/v1/acl/destroy/anonymous`);
  t.equal(anon.status, 403);
  t.equal(await anon.text(), 'Permission denied: Cannot delete anonymous token');
  t.ok(s.backend.state.acl.get('anonymous'));
  for (const path of ['/v1/acl/destroy/', '/v1/acl/clone/']) {
    const res = await putAs(`${s.url}${path}`);
    t.equal(res.status, 400, path);
    t.equal(await res.text(), 'Missing ACL');
  }
  const info = await fetch(`${s.url}/v1/acl/info/`);
  t.equal(info.status, 400);
  t.equal(await info.text(), 'Missing ACL');
  const method = await fetch(`${s.url}/v1/acl/create`, { headers: root });
  t.equal(method.status, 405, 'create is PUT only');
});
