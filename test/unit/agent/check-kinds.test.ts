import t from 'tap';
import { VirtualClock } from '../../../lib/core/clock.js';
import type { CatalogNodeState, CatalogSync } from '../../../lib/agent/index.js';
import { aliasStatus, grpcProbe, udpProbe, type AliasedCheck } from '../../../lib/agent/checks/index.js';
import {
  decodeHealthCheckResponse, encodeHealthCheckRequest, grpcFrame, parseGrpcTarget,
} from '../../../lib/agent/checks/grpc-health.js';
import { advance, fakeExecutors, settle, testAgent } from '../../helpers/agent.js';

const signal = new AbortController().signal;

t.test('UDP probe: nothing refused is passing; an error is critical with its text', async (t) => {
  const ex = fakeExecutors();
  t.same(await udpProbe(ex, '127.0.0.1:53', 1000)(signal), { status: 'passing', output: 'UDP connect 127.0.0.1:53: Success' });
  ex.udpAnswer = { ok: false, error: 'read udp 127.0.0.1:4000->127.0.0.1:53: read: connection refused' };
  t.same(await udpProbe(ex, '127.0.0.1:53', 1000)(signal), { status: 'critical', output: 'read udp 127.0.0.1:4000->127.0.0.1:53: read: connection refused' });
  t.same(ex.calls.udp, ['127.0.0.1:53', '127.0.0.1:53']);
});

t.test('gRPC probe: SERVING is passing, any other status or a failed call critical', async (t) => {
  const ex = fakeExecutors();
  const probe = grpcProbe(ex, { target: '127.0.0.1:9000/api', useTls: true, tlsSkipVerify: true, timeoutMs: 500 });
  t.same(await probe(signal), { status: 'passing', output: 'gRPC check 127.0.0.1:9000/api: success' });
  t.match(ex.calls.grpc[0], { target: '127.0.0.1:9000/api', useTls: true, tlsSkipVerify: true, tlsServerName: '', timeoutMs: 500 });
  ex.grpcAnswer = { ok: true, servingStatus: 2 };
  t.same(await probe(signal), { status: 'critical', output: 'gRPC 127.0.0.1:9000/api serving status: NOT_SERVING' });
  ex.grpcAnswer = { ok: true, servingStatus: 0 };
  t.same(await probe(signal), { status: 'critical', output: 'gRPC 127.0.0.1:9000/api serving status: UNKNOWN' });
  ex.grpcAnswer = { ok: true, servingStatus: 9 };
  t.same(await probe(signal), { status: 'critical', output: 'gRPC 127.0.0.1:9000/api serving status: 9' }, 'an unknown enum value prints as a number, as Go does');
  ex.grpcAnswer = { ok: false, error: 'rpc error: code = NotFound desc = unknown service' };
  t.same(await probe(signal), { status: 'critical', output: 'rpc error: code = NotFound desc = unknown service' });
});

t.test('the health protocol by hand: request, frame, response', async (t) => {
  t.same(encodeHealthCheckRequest(''), Buffer.alloc(0), 'the empty service is the empty message');
  t.same(encodeHealthCheckRequest('api'), Buffer.from([0x0a, 3, 0x61, 0x70, 0x69]));
  const long = encodeHealthCheckRequest('s'.repeat(200));
  t.same([...long.subarray(0, 3)], [0x0a, 0xc8, 0x01], 'a length past 127 takes two varint bytes');
  t.same(grpcFrame(Buffer.from([1, 2, 3])), Buffer.from([0, 0, 0, 0, 3, 1, 2, 3]));
  t.equal(decodeHealthCheckResponse(Buffer.from([0x08, 0x01])), 1);
  t.equal(decodeHealthCheckResponse(Buffer.alloc(0)), 0, 'an absent status is UNKNOWN');
  t.equal(decodeHealthCheckResponse(Buffer.from([0x12, 0x02, 0x61, 0x62, 0x08, 0x02, 0x1d, 1, 2, 3, 4])), 2, 'unknown fields are skipped');
  t.throws(() => decodeHealthCheckResponse(Buffer.from([0x08])), /truncated/);
  t.throws(() => decodeHealthCheckResponse(Buffer.from([0x12, 0x05, 0x61])), /truncated/);
  t.same(parseGrpcTarget('127.0.0.1:9000/pkg.Svc'), { host: '127.0.0.1', port: 9000, service: 'pkg.Svc' });
  t.same(parseGrpcTarget('[::1]:9000'), { host: '::1', port: 9000, service: '' });
  t.same(parseGrpcTarget('example.com'), { host: 'example.com', port: 443, service: '' }, "grpc-go's default port");
});

t.test("alias status: Consul's precedence and texts", async (t) => {
  const target = { checkId: 'alias', node: '', serviceId: 'web' };
  const exists = () => true;
  const check = (id: string, Status: string, ServiceID = 'web', extra: Partial<AliasedCheck> = {}): AliasedCheck =>
    ({ CheckID: id, Name: id, Status, Output: `${id} says ${Status}`, ServiceID, Node: 'n1', ...extra });
  t.same(aliasStatus([], target, exists), { status: 'passing', output: 'No checks found.' });
  t.same(aliasStatus([check('a', 'passing'), check('b', 'passing')], target, exists), { status: 'passing', output: 'All checks passing.' });
  t.same(aliasStatus([check('a', 'warning'), check('b', 'passing')], target, exists), { status: 'warning', output: 'Aliased check "a" failing: a says warning' });
  t.same(aliasStatus([check('a', 'warning'), check('b', 'critical'), check('c', 'warning')], target, exists), {
    status: 'critical', output: 'Aliased check "b" failing: b says critical',
  });
  t.same(aliasStatus([check('other', 'critical', 'db')], target, exists), { status: 'passing', output: 'No checks found.' }, "another service's checks do not count");
  t.same(aliasStatus([check('maint', 'critical', '')], target, exists).status, 'critical', "the node's own checks count");
  t.same(aliasStatus([check('alias', 'critical', '')], target, exists).status, 'passing', 'the alias never mirrors itself');
  t.same(aliasStatus([], target, () => false), { status: 'critical', output: 'Service web could not be found on node ' });
  const remote = { checkId: 'alias', node: 'DB-1', serviceId: '' };
  t.same(aliasStatus([check('serfHealth', 'passing', '', { Node: 'db-1' }), check('x', 'critical', '', { Node: 'elsewhere' })], remote, () => false), {
    status: 'passing', output: 'All checks passing.',
  }, 'node names match case-insensitively; other nodes are ignored');
  t.same(aliasStatus([check('alias', 'critical', '', { Node: 'db-1' })], remote, () => false, { node: 'me' }).status, 'critical',
    'a check with our ID on another node is not us');
});

t.test('an AliasService check follows the aliased local service as it changes', async (t) => {
  const { agent } = testAgent();
  await agent.start();
  t.teardown(() => agent.stop());
  await agent.registerService({ Name: 'web', Check: { TTLMs: 60_000 } });
  await agent.registerService({ Name: 'proxy', Check: { AliasService: 'web' } });
  const alias = () => agent.checksJson()['service:proxy'];
  await settle();
  t.match(alias(), { Type: 'alias', Status: 'critical', Output: `Aliased check "Service 'web' check" failing: ` });
  await agent.updateTtlCheck('service:web', 'passing', 'ok');
  await settle();
  t.match(alias(), { Status: 'passing', Output: 'All checks passing.' });
  await agent.updateTtlCheck('service:web', 'warning', 'slow');
  await settle();
  t.match(alias(), { Status: 'warning', Output: `Aliased check "Service 'web' check" failing: slow` });
  await agent.setNodeMaintenance(true, 'patching');
  await settle();
  t.match(alias(), { Status: 'critical', Output: 'Aliased check "Node Maintenance Mode" failing: ' }, 'node checks count');
  await agent.setNodeMaintenance(false, '');
  await agent.deregisterService('web');
  await settle();
  t.match(alias(), { Status: 'critical', Output: 'Service web could not be found on node ' });
  await agent.registerService({ Name: 'web' });
  await settle();
  t.match(alias(), { Status: 'passing', Output: 'No checks found.' }, 'a service without checks is passing');
});

/** A catalog whose answer for one node a test sets. */
function fakeCatalog(): CatalogSync & { state: CatalogNodeState | undefined; failing: boolean; reads: number } {
  const fake = {
    state: undefined as CatalogNodeState | undefined,
    failing: false,
    reads: 0,
    register: async () => undefined,
    deregister: async () => undefined,
    nodeState: async (node: string) => {
      fake.reads++;
      if (fake.failing) throw new Error('No cluster leader');
      return node === 'db-1' ? fake.state : undefined;
    },
  };
  return fake;
}

t.test('an AliasNode check reads the catalog, polling; a second failure in a row is critical', async (t) => {
  const { agent, clock } = testAgent();
  const vclock = clock as VirtualClock;
  await agent.start();
  t.teardown(() => agent.stop());
  const alias = () => agent.checksJson()['db-alias'];
  await agent.registerCheck({ Name: 'db-alias', AliasNode: 'db-1', AliasService: 'db' });
  await settle();
  t.match(alias(), { Status: 'critical', Output: '' }, 'without a catalog yet, one failure is not reported');
  await advance(vclock, 5_000);
  t.match(alias(), { Status: 'critical', Output: 'Failure checking aliased node or service: No known Consul servers' });

  const catalog = fakeCatalog();
  agent.startAntiEntropy(catalog, () => ({ Node: 'node1', ID: '', Address: '127.0.0.1', TaggedAddresses: {}, Meta: {} }));
  catalog.state = {
    Node: { ID: '', Node: 'db-1', Address: '10.0.0.2', TaggedAddresses: null, Meta: null },
    Services: [{ ID: 'db' }],
    Checks: [
      { Node: 'db-1', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable', ServiceID: '' },
      { Node: 'db-1', CheckID: 'service:db', Name: 'db check', Status: 'warning', Output: 'lagging', ServiceID: 'db' },
    ],
  };
  await advance(vclock, 5_000);
  t.match(alias(), { Status: 'warning', Output: 'Aliased check "db check" failing: lagging' });
  catalog.state.Checks[0]!.Status = 'critical';
  catalog.state.Checks[0]!.Output = 'Agent not live or unreachable';
  await advance(vclock, 5_000);
  t.match(alias(), { Status: 'critical', Output: 'Aliased check "Serf Health Status" failing: Agent not live or unreachable' });
  catalog.state.Services = [];
  catalog.state.Checks = [];
  await advance(vclock, 5_000);
  t.match(alias(), { Status: 'critical', Output: 'Service db could not be found on node db-1' });
  const reads = catalog.reads;
  await agent.deregisterCheck('db-alias');
  await advance(vclock, 20_000);
  t.equal(catalog.reads, reads, 'a removed alias check stops polling');
});
