import t from 'tap';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../lib/core/clock.js';
import { isChorusError, ErrorCode } from '../../../lib/core/errors.js';
import { fakeExecutors, settle, testAgent } from '../../helpers/agent.js';

t.test('a registered service has Consul defaults: Tags [], Meta {}, weights 1/1, ID = Name', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'redis' });
  t.same(agent.servicesJson(), {
    redis: { ID: 'redis', Service: 'redis', Tags: [], Meta: {}, Port: 0, Address: '', Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false },
  });
  t.same(Object.keys(agent.servicesJson().redis!), ['ID', 'Service', 'Tags', 'Meta', 'Port', 'Address', 'Weights', 'EnableTagOverride'], "Go's field order");
});

t.test('an IP address adds lan/wan tagged addresses of its family, unless given', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web', ID: 'web1', Address: '10.0.0.5', Port: 80, TaggedAddresses: { wan_ipv4: { Address: '1.2.3.4', Port: 8080 } } });
  await agent.registerService({ Name: 'web', ID: 'web6', Address: '::1', Port: 81 });
  await agent.registerService({ Name: 'web', ID: 'webh', Address: 'example.com', Port: 82 });
  const s = agent.servicesJson();
  t.same(s.web1!.TaggedAddresses, { lan_ipv4: { Address: '10.0.0.5', Port: 80 }, wan_ipv4: { Address: '1.2.3.4', Port: 8080 } });
  t.same(s.web6!.TaggedAddresses, { lan_ipv6: { Address: '::1', Port: 81 }, wan_ipv6: { Address: '::1', Port: 81 } });
  t.equal(s.webh!.TaggedAddresses, undefined, 'a host name is not an IP');
});

t.test('validation errors carry Consul texts and store nothing', async (t) => {
  const { agent } = testAgent();
  const cases: Array<[object, string]> = [
    [{}, 'Missing service name'],
    [{ Name: 'a', Address: '0.0.0.0' }, 'Invalid service address'],
    [{ Name: 'a', Weights: { Passing: 0, Warning: 1 } }, 'Invalid Weights: Passing must be greater than 0'],
    [{ Name: 'a', Weights: { Passing: 1, Warning: -1 } }, 'Invalid Weights: Warning must be greater or equal than 0'],
    [{ Name: 'a', Meta: { 'bad key': 'v' } }, "Invalid Service Meta: Couldn't load metadata pair ('bad key', 'v'): Key contains invalid characters"],
    [{ Name: 'a', Meta: { 'consul-x': 'v' } }, "Invalid Service Meta: Couldn't load metadata pair ('consul-x', 'v'): Key prefix 'consul-' is reserved for internal use"],
    [{ Name: 'a', Check: { HTTP: 'http://x' } }, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks'],
    [{ Name: 'a', Check: { Notes: 'n' } }, 'Invalid check: TTL must be > 0 for TTL checks'],
    [{ Name: 'a', Check: { TTLMs: 1000, IntervalMs: 1000 } }, 'Invalid check: Interval and TTL cannot both be specified'],
    [{ Name: 'a', Check: { TTLMs: 1000, Status: 'bogus' } }, "Status for checks must 'passing', 'warning', 'critical'"],
  ];
  for (const [def, text] of cases) {
    await t.rejects(agent.registerService(def), { code: ErrorCode.BadRequest, message: text }, text);
  }
  t.same(agent.servicesJson(), {});
  t.same(agent.checksJson(), {});
});

t.test('embedded checks get service:<id> IDs and Consul names; status starts critical unless given', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web', ID: 'web1', Tags: ['a'], Check: { TTLMs: 10_000 } });
  await agent.registerService({ Name: 'db', Checks: [{ TTLMs: 10_000 }, { TTLMs: 5000, Status: 'passing', Name: 'custom', Notes: 'n' }, { TTLMs: 5000, CheckID: 'mine' }] });
  const checks = agent.checksJson();
  t.same(Object.keys(checks), ['mine', 'service:db:1', 'service:db:2', 'service:web1']);
  t.match(checks['service:web1'], { Node: 'node1', Name: "Service 'web' check", Status: 'critical', ServiceID: 'web1', ServiceName: 'web', ServiceTags: ['a'], Type: 'ttl', Definition: {}, CreateIndex: 0 });
  t.match(checks['service:db:2'], { Name: 'custom', Status: 'passing', Notes: 'n' });
});

t.test('re-registering keeps check status; replace-existing-checks drops the unnamed ones', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web', Checks: [{ TTLMs: 10_000, CheckID: 'a' }, { TTLMs: 10_000, CheckID: 'b' }] });
  await agent.updateTtlCheck('a', 'passing', 'good');
  await agent.registerService({ Name: 'web', Port: 81, Checks: [{ TTLMs: 10_000, CheckID: 'a' }] });
  t.match(agent.checksJson().a, { Status: 'passing', Output: 'good' }, 'status survives re-registration');
  t.ok(agent.checksJson().b, 'without replace-existing-checks, b stays');
  await agent.registerService({ Name: 'web', Checks: [{ TTLMs: 10_000, CheckID: 'a' }] }, { replaceExistingChecks: true });
  t.same(Object.keys(agent.checksJson()), ['a']);
});

t.test('deregister removes the service and its checks; unknown IDs are 404 with Consul texts', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web', Check: { TTLMs: 1000 } });
  await agent.registerCheck({ Name: 'disk', TTLMs: 1000 });
  await agent.deregisterService('web');
  t.same(Object.keys(agent.checksJson()), ['disk']);
  await t.rejects(agent.deregisterService('web'), { code: ErrorCode.NotFound, message: 'Unknown service ID "web". Ensure that the service ID is passed, not the service name.' });
  await t.rejects(agent.deregisterCheck('nope'), { code: ErrorCode.NotFound, message: 'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.' });
  await agent.deregisterCheck('disk');
  t.same(agent.checksJson(), {});
});

t.test('check registration: ID defaults to Name, unknown ServiceID is 404, non-TTL update is 500', async (t) => {
  const { agent } = testAgent();
  await t.rejects(agent.registerCheck({ TTLMs: 1000 }), { message: 'Missing check name' });
  await t.rejects(agent.registerCheck({ Name: 'x', TTLMs: 1000, Status: 'ok' }), { message: 'Bad check status' });
  await t.rejects(agent.registerCheck({ Name: 'x', TTLMs: 1000, ServiceID: 'ghost' }), { code: ErrorCode.NotFound, message: 'ServiceID "ghost" does not exist' });
  await agent.registerCheck({ Name: 'mem', TCP: '127.0.0.1:1', IntervalMs: 10_000, TimeoutMs: 1500 });
  t.match(agent.checksJson().mem, { CheckID: 'mem', Type: 'tcp', Interval: '10s', Timeout: '1.5s' });
  const err = await agent.updateTtlCheck('mem', 'passing', '').catch((e: unknown) => e);
  t.ok(isChorusError(err, ErrorCode.OperationFailed));
  t.equal((err as Error).message, 'CheckID "mem" does not have associated TTL');
});

t.test('service maintenance: critical check with Consul names, AggregatedStatus maintenance, idempotent', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web', Check: { TTLMs: 10_000, Status: 'passing' } });
  await agent.setServiceMaintenance('web', true, '');
  await agent.setServiceMaintenance('web', true, 'second reason is ignored');
  t.match(agent.checksJson()['_service_maintenance:web'], {
    Name: 'Service Maintenance Mode', Status: 'critical', ServiceID: 'web', ServiceName: 'web', Type: 'maintenance',
    Notes: 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.',
  });
  t.equal(agent.serviceHealth('web')!.AggregatedStatus, 'maintenance');
  await agent.setServiceMaintenance('web', false, '');
  t.equal(agent.serviceHealth('web')!.AggregatedStatus, 'passing');
  await t.rejects(agent.setServiceMaintenance('nope', true, ''), { code: ErrorCode.NotFound });
});

t.test('node maintenance shows in every service health', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web' });
  t.equal(agent.serviceHealth('web')!.AggregatedStatus, 'passing', 'no checks is passing');
  await agent.setNodeMaintenance(true, 'upgrading');
  t.match(agent.checksJson()._node_maintenance, { Name: 'Node Maintenance Mode', Notes: 'upgrading', Status: 'critical', ServiceID: '' });
  t.equal(agent.serviceHealth('web')!.AggregatedStatus, 'maintenance');
  await agent.setNodeMaintenance(false, '');
  t.same(agent.checksJson(), {});
});

t.test('aggregated status: critical beats warning beats passing; by name lists every instance', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web', ID: 'web1', Check: { TTLMs: 10_000, Status: 'passing' } });
  await agent.registerService({ Name: 'web', ID: 'web2', Checks: [{ TTLMs: 10_000, Status: 'warning' }, { TTLMs: 10_000, Status: 'passing' }] });
  t.equal(agent.serviceHealth('web2')!.AggregatedStatus, 'warning');
  await agent.updateTtlCheck('service:web1', 'critical', 'down');
  t.same(agent.serviceHealthByName('web').map((h) => h.AggregatedStatus), ['critical', 'warning']);
  t.same(agent.serviceHealthByName('nope'), []);
  t.equal(agent.serviceHealth('nope'), undefined);
});

t.test('ContentHash: 16 hex, stable for identical content, changes with content', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web', Meta: { b: '2', a: '1' } });
  const h1 = agent.serviceJson('web')!.ContentHash!;
  t.match(h1, /^[0-9a-f]{16}$/);
  await agent.registerService({ Name: 'web', Meta: { a: '1', b: '2' } });
  t.equal(agent.serviceJson('web')!.ContentHash, h1, 'map order does not matter');
  await agent.registerService({ Name: 'web', Meta: { a: '1', b: '3' } });
  t.not(agent.serviceJson('web')!.ContentHash, h1);
});

t.test('waitForServiceChange resolves on a change of that service only, or on abort', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'web' });
  let woke = false;
  const waiting = agent.waitForServiceChange('web', new AbortController().signal).then(() => { woke = true; });
  await agent.registerService({ Name: 'other' });
  await settle();
  t.notOk(woke, 'another service changing does not wake it');
  await agent.registerService({ Name: 'web', Port: 1 });
  await waiting;
  t.ok(woke);
  const ac = new AbortController();
  const aborted = agent.waitForServiceChange('web', ac.signal);
  ac.abort();
  await aborted;
});

t.test('services, checks and maintenance survive a restart; supervisor registrations do not', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-agent-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const clock = new VirtualClock(5_000_000);
  const first = testAgent({ clock, dataDir: dir });
  await first.agent.start();
  await first.agent.registerService({ Name: 'web', Port: 80, Check: { TTLMs: 60_000 } });
  await first.agent.registerService({ Name: 'sup', ID: 'sup.default' }, { source: 'supervisor' });
  await first.agent.registerCheck({ Name: 'http', HTTP: 'http://127.0.0.1:1/', IntervalMs: 10_000 });
  await first.agent.setServiceMaintenance('sup.default', true, 'patching');
  await first.agent.setNodeMaintenance(true, 'why not');
  await first.agent.updateTtlCheck('service:web', 'passing', 'I am fine');
  await first.agent.stop();
  const saved = JSON.parse(await readFile(join(dir, 'agent/local.json'), 'utf8')) as { services: unknown[] };
  t.equal(saved.services.length, 1, 'only the API service is saved');

  clock.advance(10_000);
  const second = testAgent({ clock, dataDir: dir });
  await second.agent.start();
  t.teardown(() => second.agent.stop());
  t.same(Object.keys(second.agent.servicesJson()), ['web']);
  t.same(Object.keys(second.agent.checksJson()), ['_node_maintenance', 'http', 'service:web']);
  t.match(second.agent.checksJson()['service:web'], { Status: 'passing', Output: 'I am fine' }, 'a TTL report within its TTL comes back');
  t.match(second.agent.checksJson()._node_maintenance, { Notes: 'why not', Status: 'critical' });
  await second.agent.registerService({ Name: 'sup', ID: 'sup.default' }, { source: 'supervisor' });
  t.match(second.agent.checksJson()['_service_maintenance:sup.default'], { Notes: 'patching' }, 'maintenance returns with its supervisor service');
});

t.test('an expired TTL report does not come back; a corrupt state file is set aside', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'chorus-agent-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const clock = new VirtualClock(5_000_000);
  const first = testAgent({ clock, dataDir: dir });
  await first.agent.start();
  await first.agent.registerService({ Name: 'web', Check: { TTLMs: 1000 } });
  await first.agent.updateTtlCheck('service:web', 'passing', 'ok');
  await first.agent.stop();
  clock.advance(5000);
  const second = testAgent({ clock, dataDir: dir });
  await second.agent.start();
  t.teardown(() => second.agent.stop());
  t.match(second.agent.checksJson()['service:web'], { Status: 'critical', Output: '' });

  const bad = await mkdtemp(join(tmpdir(), 'chorus-agent-'));
  t.teardown(() => rm(bad, { recursive: true, force: true }));
  await mkdir(join(bad, 'agent'));
  await writeFile(join(bad, 'agent/local.json'), '{"version":1,');
  const restarted = testAgent({ dataDir: bad }).agent;
  await restarted.start();
  t.teardown(() => restarted.stop());
  t.same(restarted.servicesJson(), {}, 'the agent starts empty (test/unit/agent/persist.test.ts has the details)');
});

t.test('external checks follow setCheckStatus', async (t) => {
  const { agent } = testAgent();
  await agent.registerService({ Name: 'hello', ID: 'hello.default' }, { source: 'supervisor', externalChecks: [{ CheckID: 'service:hello.default', Name: "Service 'hello' check" }] });
  t.equal(agent.checksJson()['service:hello.default']!.Status, 'critical');
  agent.setCheckStatus('service:hello.default', 'warning', 'meh');
  t.match(agent.checksJson()['service:hello.default'], { Status: 'warning', Output: 'meh' });
  t.throws(() => agent.setCheckStatus('nope', 'passing', ''), { code: ErrorCode.NotFound });
});

t.test('interval checks run through the executors and report', async (t) => {
  const executors = fakeExecutors();
  const { agent, clock } = testAgent({ executors });
  await agent.registerService({ Name: 'web', Check: { HTTP: 'http://127.0.0.1:8080/health', IntervalMs: 10_000 } });
  (clock as VirtualClock).advance(10_000);
  await settle();
  t.match(agent.checksJson()['service:web'], { Status: 'passing', Output: 'HTTP GET http://127.0.0.1:8080/health: 200 OK Output: fine', Type: 'http', Interval: '10s' });
  await agent.stop();
});
