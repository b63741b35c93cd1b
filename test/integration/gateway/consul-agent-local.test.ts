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

async function agentServer(t: { teardown(fn: () => unknown): void }) {
  const clock = new SystemClock();
  const agent = new LocalAgent({ clock, random: new SeededRandom(1), logger: silentLogger(), nodeName: 'node1', datacenter: 'dc1', executors: fakeExecutors() });
  await agent.start();
  const app = createGatewayApp({
    logger: silentLogger(),
    isReady: () => true,
    gossip: fakeGossip(),
    habitat: emptyHabitat(),
    agentLocal: { agent, clock, random: new SeededRandom(2) },
  });
  const s = await serve(app);
  t.teardown(async () => {
    await s.close();
    await agent.stop();
  });
  const put = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${s.url}${path}`, { method: 'PUT', headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers });
  return { url: s.url, agent, put, get };
}

async function expectText(t: Test, res: Response, status: number, text: string): Promise<void> {
  t.equal(res.status, status, text);
  t.equal(await res.text(), text);
}

t.test('register, list and read a service: Consul shapes, ContentHash in body and header, no X-Consul-Index', async (t) => {
  const s = await agentServer(t);
  const reg = await s.put('/v1/agent/service/register', {
    ID: 'redis1', Name: 'redis', Tags: ['primary', 'v1'], Address: '127.0.0.1', Port: 8000, Meta: { redis_version: '4.0' },
    EnableTagOverride: false, Weights: { Passing: 10, Warning: 1 },
    Check: { DeregisterCriticalServiceAfter: '90m', HTTP: 'http://localhost:5000/health', Interval: '10s' },
  });
  t.equal(reg.status, 200);
  t.equal(await reg.text(), '');
  t.equal(reg.headers.get('content-type'), null, 'an empty 200 has no content type');
  const list = await s.get('/v1/agent/services');
  t.equal(list.headers.get('content-type'), 'application/json');
  t.equal(list.headers.get('x-consul-index'), null);
  t.same(await list.json(), {
    redis1: {
      ID: 'redis1', Service: 'redis', Tags: ['primary', 'v1'], Meta: { redis_version: '4.0' }, Port: 8000, Address: '127.0.0.1',
      TaggedAddresses: { lan_ipv4: { Address: '127.0.0.1', Port: 8000 }, wan_ipv4: { Address: '127.0.0.1', Port: 8000 } },
      Weights: { Passing: 10, Warning: 1 }, EnableTagOverride: false, Datacenter: 'dc1',
    },
  });
  const one = await s.get('/v1/agent/service/redis1');
  const body = (await one.json()) as { ContentHash: string };
  t.match(body.ContentHash, /^[0-9a-f]{16}$/);
  t.equal(one.headers.get('x-consul-contenthash'), body.ContentHash);
  t.equal(one.headers.get('x-consul-index'), null);
  await expectText(t, await s.get('/v1/agent/service/nope'), 404, 'unknown service ID: nope');
  const checks = (await (await s.get('/v1/agent/checks')).json()) as Record<string, Record<string, unknown>>;
  t.match(checks['service:redis1'], { Name: "Service 'redis' check", Status: 'critical', Type: 'http', Interval: '10s', ServiceTags: ['primary', 'v1'] });
});

t.test('strict decoding: EOF, unknown fields, types, case-insensitive names, snake_case, size', async (t) => {
  const s = await agentServer(t);
  await expectText(t, await s.put('/v1/agent/service/register'), 400, 'Request decode failed: EOF');
  await expectText(t, await s.put('/v1/agent/service/register', { Name: 'a', Foo: 1 }), 400, 'Request decode failed: json: unknown field "Foo"');
  await expectText(t, await s.put('/v1/agent/service/register', { Name: 'a', Check: { ID: 'x', TTL: '1s' } }), 400, 'Request decode failed: json: unknown field "ID"');
  const wrong = await s.put('/v1/agent/service/register', { Name: 'a', Port: '80' });
  t.equal(wrong.status, 400);
  t.match(await wrong.text(), /^Request decode failed: json: cannot unmarshal string into Go struct field .*Port of type int$/);
  await expectText(t, await s.put('/v1/agent/service/register', { Name: 'a', Check: { TTL: 'soon' } }), 400, 'Request decode failed: time: invalid duration "soon"');
  await expectText(t, await s.put('/v1/agent/service/register', '{"Name":'), 400, 'Request decode failed: unexpected EOF');
  await expectText(t, await s.put('/v1/agent/service/register', '[1]'), 400, 'Request decode failed: json: cannot unmarshal array into Go value of type structs.ServiceDefinition');
  await expectText(t, await s.put('/v1/agent/service/register', { name: '' }), 400, 'Missing service name');
  const big = await s.put('/v1/agent/service/register', JSON.stringify({ Name: 'a', Notes: 'x'.repeat(600 * 1024) }));
  t.equal(big.status, 413);
  t.same(await (await s.get('/v1/agent/services')).json(), {}, 'nothing stored by refused bodies');

  t.equal((await s.put('/v1/agent/service/register', {
    name: 'web', id: 'web1', port: 80, enable_tag_override: true, tagged_addresses: { lan: { address: '10.0.0.1', port: 80 } },
    checks: [{ args: ['/bin/true'], interval: 10_000_000_000, deregister_critical_service_after: '1m' }, { ttl: '30s', status: 'passing' }],
  })).status, 200);
  const web = (await (await s.get('/v1/agent/service/web1')).json()) as Record<string, unknown>;
  t.match(web, { Service: 'web', Port: 80, EnableTagOverride: true, TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 } } });
  const checks = (await (await s.get('/v1/agent/checks')).json()) as Record<string, Record<string, unknown>>;
  t.match(checks['service:web1:1'], { Type: 'script', Interval: '10s' });
  t.match(checks['service:web1:2'], { Type: 'ttl', Status: 'passing' });
});

t.test('validation answers: address, weights, meta, checks', async (t) => {
  const s = await agentServer(t);
  await expectText(t, await s.put('/v1/agent/service/register', { Name: 'a', Address: '0.0.0.0' }), 400, 'Invalid service address');
  await expectText(t, await s.put('/v1/agent/service/register', { Name: 'a', Weights: { Warning: 3 } }), 400, 'Invalid Weights: Passing must be greater than 0');
  await expectText(t, await s.put('/v1/agent/service/register', { Name: 'a', Check: { Interval: '10s', TCP: 'x:1', TTL: '5s' } }), 400, 'Invalid check: Interval and TTL cannot both be specified');
  await expectText(t, await s.put('/v1/agent/service/register', { Name: 'a', Check: { TTL: '5s', Status: 'up' } }), 400, "Status for checks must 'passing', 'warning', 'critical'");
});

t.test('methods: OPTIONS answers Allow; other methods 405 with Consul text', async (t) => {
  const s = await agentServer(t);
  const options = await fetch(`${s.url}/v1/agent/service/register`, { method: 'OPTIONS' });
  t.equal(options.status, 200);
  t.equal(options.headers.get('allow'), 'OPTIONS,PUT');
  const get = await s.get('/v1/agent/service/register');
  t.equal(get.headers.get('allow'), 'OPTIONS,PUT');
  await expectText(t, get, 405, 'method GET not allowed');
  await expectText(t, await s.get('/v1/agent/check/pass/x'), 405, 'method GET not allowed');
  await expectText(t, await s.put('/v1/agent/services'), 405, 'method PUT not allowed');
  t.equal((await s.get('/v1/agent/join/x')).status, 405, 'the other agent routes keep their answers');
});

t.test('hash-based blocking: returns at once without hash or with a stale one, waits for a change, times out', async (t) => {
  const s = await agentServer(t);
  await s.put('/v1/agent/service/register', { Name: 'web' });
  const first = (await (await s.get('/v1/agent/service/web')).json()) as { ContentHash: string };
  const quick = await s.get('/v1/agent/service/web?hash=0000000000000000&wait=10s');
  t.equal(((await quick.json()) as { ContentHash: string }).ContentHash, first.ContentHash, 'a different hash answers at once');

  const started = Date.now();
  const timedOut = await s.get(`/v1/agent/service/web?hash=${first.ContentHash}&wait=200ms`);
  t.ok(Date.now() - started >= 190, 'waited for the wait time');
  t.equal(timedOut.headers.get('x-consul-contenthash'), first.ContentHash, 'unchanged after the wait');

  const blocked = s.get(`/v1/agent/service/web?hash=${first.ContentHash}&wait=30s`);
  // The change must land while the query is parked; the deadline bounds how long we try.
  const deadline = Date.now() + 10_000;
  let port = 1;
  let answered: Response | undefined;
  blocked.then((r) => { answered = r; }, () => undefined);
  while (answered === undefined && Date.now() < deadline) {
    await s.put('/v1/agent/service/register', { Name: 'web', Port: port++ });
    await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(answered, 'answered before the deadline');
  const changed = (await answered!.json()) as { ContentHash: string; Port: number };
  t.not(changed.ContentHash, first.ContentHash);
  t.ok(Date.now() - started < 25_000, 'did not wait out the 30 s');
  await expectText(t, await s.get('/v1/agent/service/web?hash=x&wait=soon'), 400, 'Invalid wait time');
  await expectText(t, await s.get('/v1/agent/service/web?index=-1'), 400, 'Invalid index');
});

t.test('agent health by ID and by name: codes, text and JSON, X-Consul-Reason', async (t) => {
  const s = await agentServer(t);
  await s.put('/v1/agent/service/register', { Name: 'web', ID: 'web1', Check: { TTL: '30s', Status: 'passing' } });
  await s.put('/v1/agent/service/register', { Name: 'web', ID: 'web2', Check: { TTL: '30s', Status: 'passing' } });

  const ok = await s.get('/v1/agent/health/service/id/web1');
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('x-consul-reason'), 'passing');
  const okBody = (await ok.json()) as { AggregatedStatus: string; Service: { ID: string }; Checks: Array<{ CheckID: string }> };
  t.equal(okBody.AggregatedStatus, 'passing');
  t.equal(okBody.Service.ID, 'web1');
  t.same(okBody.Checks.map((c) => c.CheckID), ['service:web1']);

  await s.put('/v1/agent/check/warn/service:web2?note=slow');
  const warnText = await s.get('/v1/agent/health/service/id/web2?format=text');
  t.equal(warnText.headers.get('content-type'), 'text/plain');
  await expectText(t, warnText, 429, 'warning');
  await expectText(t, await s.get('/v1/agent/health/service/name/web', { Accept: 'text/plain; q=1' }), 429, 'warning');
  const byName = await s.get('/v1/agent/health/service/name/web');
  t.equal(byName.status, 429);
  t.same(((await byName.json()) as Array<{ AggregatedStatus: string }>).map((h) => h.AggregatedStatus), ['passing', 'warning']);

  await s.put('/v1/agent/check/fail/service:web1');
  await expectText(t, await s.get('/v1/agent/health/service/name/web?format=text'), 503, 'critical');
  await s.put('/v1/agent/service/maintenance/web2?enable=true');
  await expectText(t, await s.get('/v1/agent/health/service/id/web2?format=text'), 503, 'maintenance');

  const missing = await s.get('/v1/agent/health/service/id/web9');
  t.equal(missing.status, 404);
  t.equal(missing.headers.get('x-consul-reason'), 'ServiceId web9 not found');
  t.same(await missing.json(), { AggregatedStatus: 'critical', Service: null, Checks: null });
  const missingText = await s.get('/v1/agent/health/service/id/web9?format=text');
  t.equal(missingText.headers.get('content-type'), 'application/json', 'Consul labels this one JSON');
  await expectText(t, missingText, 404, '"ServiceId web9 not found"');
  const noName = await s.get('/v1/agent/health/service/name/db');
  t.equal(noName.status, 404);
  t.equal(noName.headers.get('x-consul-reason'), 'ServiceName db Not Found');
  t.same(await noName.json(), []);
  await expectText(t, await s.get('/v1/agent/health/service/name/db?format=text'), 404, 'ServiceName db Not Found');
  await expectText(t, await s.get('/v1/agent/health/service/name/'), 400, 'Missing service Name');
  await expectText(t, await s.get('/v1/agent/health/service/id/'), 400, 'Missing serviceID');
});

t.test('checks: register, TTL updates, notes, update body, deregister, errors', async (t) => {
  const s = await agentServer(t);
  t.equal((await s.put('/v1/agent/check/register', { Name: 'mem', TTL: '15s', Notes: 'memory' })).status, 200);
  await expectText(t, await s.put('/v1/agent/check/register', { TTL: '15s' }), 400, 'Missing check name');
  await expectText(t, await s.put('/v1/agent/check/register', { Name: 'x', TTL: '15s', Status: 'fine' }), 400, 'Bad check status');
  await expectText(t, await s.put('/v1/agent/check/register', { Name: 'x' }), 400, 'Invalid check: TTL must be > 0 for TTL checks');
  await expectText(t, await s.put('/v1/agent/check/register', { Name: 'x', TTL: '1s', ServiceID: 'ghost' }), 404, 'ServiceID "ghost" does not exist');
  await expectText(t, await s.put('/v1/agent/check/register', { Name: 'x', TTL: '1s', CheckID: 'y' }), 400, 'Request decode failed: json: unknown field "CheckID"');

  t.equal((await s.put('/v1/agent/check/pass/mem?note=all%20good')).status, 200);
  let mem = ((await (await s.get('/v1/agent/checks')).json()) as Record<string, Record<string, unknown>>).mem!;
  t.match(mem, { CheckID: 'mem', Name: 'mem', Notes: 'memory', Status: 'passing', Output: 'all good', Type: 'ttl', Node: 'node1' });

  t.equal((await s.put('/v1/agent/check/update/mem', { Status: 'warning', Output: 'x'.repeat(5000) })).status, 200);
  mem = ((await (await s.get('/v1/agent/checks')).json()) as Record<string, Record<string, unknown>>).mem!;
  t.equal(mem.Status, 'warning');
  t.equal(mem.Output, `${'x'.repeat(4096)} ... (captured 4096 of 5000 bytes)`);
  await expectText(t, await s.put('/v1/agent/check/update/mem', { Status: 'ok' }), 400, "Invalid check status: 'ok'");
  await expectText(t, await s.put('/v1/agent/check/update/mem'), 400, 'Request decode failed: EOF');
  await expectText(t, await s.put('/v1/agent/check/update/nope', { Status: 'passing' }), 404, 'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.');
  await expectText(t, await s.put('/v1/agent/check/fail/nope'), 404, 'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.');

  await s.put('/v1/agent/check/register', { Name: 'port', TCP: '127.0.0.1:1', Interval: '10s' });
  await expectText(t, await s.put('/v1/agent/check/pass/port'), 500, 'CheckID "port" does not have associated TTL');

  t.equal((await s.put('/v1/agent/check/deregister/mem')).status, 200);
  await expectText(t, await s.put('/v1/agent/check/deregister/mem'), 404, 'Unknown check ID "mem". Ensure that the check ID is passed, not the check name.');
});

t.test('maintenance: service and node, with Consul errors', async (t) => {
  const s = await agentServer(t);
  await s.put('/v1/agent/service/register', { Name: 'web' });
  await expectText(t, await s.put('/v1/agent/service/maintenance/web'), 400, 'Missing value for enable');
  await expectText(t, await s.put('/v1/agent/service/maintenance/web?enable=maybe'), 400, 'Invalid value for enable: "maybe"');
  await expectText(t, await s.put('/v1/agent/service/maintenance/?enable=true'), 400, 'Missing service ID');
  await expectText(t, await s.put('/v1/agent/service/maintenance/db?enable=true'), 404, 'Unknown service ID "db". Ensure that the service ID is passed, not the service name.');
  t.equal((await s.put('/v1/agent/service/maintenance/web?enable=true&reason=For+the+docs')).status, 200);
  const checks = (await (await s.get('/v1/agent/checks')).json()) as Record<string, Record<string, unknown>>;
  t.match(checks['_service_maintenance:web'], { Name: 'Service Maintenance Mode', Notes: 'For the docs', Status: 'critical', ServiceID: 'web' });
  t.equal((await s.put('/v1/agent/service/maintenance/web?enable=false')).status, 200);

  await expectText(t, await s.put('/v1/agent/maintenance?enable=nope'), 400, 'Invalid value for enable: "nope"');
  t.equal((await s.put('/v1/agent/maintenance?enable=1')).status, 200);
  const node = ((await (await s.get('/v1/agent/checks')).json()) as Record<string, Record<string, unknown>>)._node_maintenance;
  t.match(node, { Name: 'Node Maintenance Mode', Notes: 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.' });
  t.equal((await s.put('/v1/agent/maintenance?enable=false')).status, 200);
  t.same(await (await s.get('/v1/agent/checks')).json(), {});
});

t.test('deregister and replace-existing-checks through HTTP', async (t) => {
  const s = await agentServer(t);
  await s.put('/v1/agent/service/register', { Name: 'web', Checks: [{ CheckID: 'a', TTL: '10s' }, { CheckID: 'b', TTL: '10s' }] });
  await s.put('/v1/agent/service/register?replace-existing-checks', { Name: 'web', Checks: [{ CheckID: 'a', TTL: '10s' }] });
  t.same(Object.keys((await (await s.get('/v1/agent/checks')).json()) as object), ['a']);
  await s.put('/v1/agent/service/register?replace-existing-checks=false', { Name: 'web', Checks: [{ CheckID: 'c', TTL: '10s' }] });
  t.same(Object.keys((await (await s.get('/v1/agent/checks')).json()) as object), ['a', 'c'], '=false keeps them');
  t.equal((await s.put('/v1/agent/service/deregister/web')).status, 200);
  t.same(await (await s.get('/v1/agent/checks')).json(), {});
  await expectText(t, await s.put('/v1/agent/service/deregister/web'), 404, 'Unknown service ID "web". Ensure that the service ID is passed, not the service name.');
});

t.test('the npm consul client drives the agent endpoints', async (t) => {
  const s = await agentServer(t);
  const url = new URL(s.url);
  const consul = new Consul({ host: url.hostname, port: Number(url.port) });
  await consul.agent.service.register({ name: 'api', id: 'api1', port: 9000, tags: ['v2'], check: { ttl: '30s', notes: 'ttl' } as never });
  const services = (await consul.agent.service.list()) as Record<string, { Port: number; Tags: string[] }>;
  t.match(services.api1, { Port: 9000, Tags: ['v2'] });
  await consul.agent.check.pass({ id: 'service:api1', note: 'fine' });
  const checks = (await consul.agent.check.list()) as Record<string, { Status: string; Output: string }>;
  t.match(checks['service:api1'], { Status: 'passing', Output: 'fine' });
  await consul.agent.service.maintenance({ id: 'api1', enable: true, reason: 'deploy' });
  await consul.agent.maintenance({ enable: true });
  await consul.agent.check.register({ name: 'disk', ttl: '10s' } as never);
  await consul.agent.check.deregister('disk');
  await consul.agent.service.deregister('api1');
  t.same(await consul.agent.service.list(), {});
});
