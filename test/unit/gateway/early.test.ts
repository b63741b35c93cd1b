import t from 'tap';
import { request, Agent } from 'node:http';
import { silentLogger } from '../../../lib/core/index.js';
import { earlyGateway, NOT_STARTED } from '../../../lib/gateway/early.js';
import { GatewayListener } from '../../../lib/gateway/listener.js';
import type { ConsulMember } from '../../../lib/gateway/types.js';

const member = (name: string, role: string): ConsulMember => ({
  Name: name, Addr: '127.0.0.1', Port: 9638, Tags: { role }, Status: 1,
  ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
});

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function call(port: number, path: string, headers: Record<string, string> = {}, agent?: Agent, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function open(members: () => ConsulMember[] | undefined, authToken?: string): Promise<{ listener: GatewayListener; port: number }> {
  const listener = new GatewayListener(earlyGateway({ members, authToken }), silentLogger());
  await listener.listen({ host: '127.0.0.1', port: 0 });
  return { listener, port: Number(listener.address.split(':').pop()) };
}

t.test('before the gateway is loaded: the membership is served, everything else is 503 "not fully started"', async (t) => {
  const { listener, port } = await open(() => [member('s1', 'consul'), member('c1', 'node')]);
  t.teardown(() => listener.close());

  const all = await call(port, '/v1/agent/members');
  t.equal(all.status, 200);
  t.equal(all.headers['content-type'], 'application/json');
  t.same((JSON.parse(all.body) as ConsulMember[]).map((m) => m.Name), ['s1', 'c1']);

  const wan = await call(port, '/v1/agent/members?wan=1&pretty');
  t.same((JSON.parse(wan.body) as ConsulMember[]).map((m) => m.Name), ['s1'], '?wan: the servers');
  t.match(wan.body, /^\[\n {4}\{\n {8}"Name"/, '?pretty indents by four');

  const both = await call(port, '/v1/agent/members?wan=1&segment=a');
  t.equal(both.status, 400);
  t.equal(both.body, 'Cannot provide a segment with wan=true');

  for (const [method, path] of [['GET', '/services'], ['GET', '/v1/kv/x'], ['PUT', '/v1/agent/members'], ['GET', '/v1/agent/members/x']] as const) {
    const r = await call(port, path, {}, undefined, method);
    t.equal(r.status, 503, `${method} ${path}`);
    t.equal(r.body, NOT_STARTED);
    t.equal(r.headers['retry-after'], '1');
  }
});

t.test('membership that may not be shown yet (ACLs on) is 503 too', async (t) => {
  const { listener, port } = await open(() => undefined);
  t.teardown(() => listener.close());
  const r = await call(port, '/v1/agent/members');
  t.equal(r.status, 503);
  t.equal(r.body, NOT_STARTED);
});

t.test('with a gateway token, nothing is answered without it', async (t) => {
  const { listener, port } = await open(() => [member('s1', 'consul')], 'sekret');
  t.teardown(() => listener.close());
  const none = await call(port, '/v1/agent/members');
  t.equal(none.status, 401);
  t.equal(none.body, '');
  t.equal((await call(port, '/v1/agent/members', { authorization: 'Bearer wrong' })).status, 401);
  t.equal((await call(port, '/services', { authorization: 'Bearer wrong' })).status, 401, 'not 503: an unauthenticated caller learns nothing');
  t.equal((await call(port, '/v1/agent/members', { authorization: 'Bearer sekret' })).status, 200);
});

t.test('once the gateway is loaded it answers every request, on connections opened before too', async (t) => {
  const { listener, port } = await open(() => [member('s1', 'consul')]);
  t.teardown(() => listener.close());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await call(port, '/services', {}, agent)).status, 503);
  listener.serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('full gateway');
  });
  const after = await call(port, '/services', {}, agent);
  t.equal(after.status, 200);
  t.equal(after.body, 'full gateway');
  t.equal((await call(port, '/v1/agent/members', {}, agent)).body, 'full gateway');
});

t.test('a port in use is refused with the address in the message', async (t) => {
  const { listener, port } = await open(() => []);
  t.teardown(() => listener.close());
  const second = new GatewayListener(earlyGateway({ members: () => [] }), silentLogger());
  await t.rejects(second.listen({ host: '127.0.0.1', port }), { message: new RegExp(`127\\.0\\.0\\.1:${port}`) });
});
