import t from 'tap';
import { CatalogState } from '../../../lib/catalog/state.js';
import { decodeCommand, encodeCommand, validateCommand } from '../../../lib/catalog/commands.js';
import { checkRegistration, deregisterCommand, registerCommand, serviceRegistration } from '../../../lib/catalog/registry-builders.js';
import { decode, encode } from '../../../lib/core/codec.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import type { ChangeListener } from '../../../lib/catalog/types.js';

const NODE_ID = '40e4a748-2192-161a-0510-9bf59fe950b5';

function recorder(): ChangeListener & { log: string[] } {
  const log: string[] = [];
  return { log, changed: (topic, keys, index) => log.push(`${topic}@${index}:${[...keys].sort().join(',')}`), reset: () => log.push('reset') };
}

const web = (node = 'n1', id = 'web1', tags: string[] | null = ['v1']) =>
  registerCommand({ Node: node, Address: '10.0.0.1', Datacenter: 'dc1', Service: serviceRegistration({ ID: id, Service: 'web', Tags: tags, Port: 80 }) });

t.test('register creates a node, a service and checks with indexes from the log', async (t) => {
  const s = new CatalogState();
  t.equal(s.apply(3, registerCommand({
    Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', ID: NODE_ID, NodeMeta: { rack: 'a' },
    Service: serviceRegistration({ Service: 'redis', Tags: ['primary'], Port: 6379 }),
    Checks: [
      checkRegistration({ Name: 'mem', Status: 'passing' }),
      checkRegistration({ CheckID: 'redis-alive', Name: 'Redis', ServiceID: 'redis' }),
    ],
  })), true);
  const r = s.registry;
  t.match(r.node('N1'), { ID: NODE_ID, Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', Meta: { rack: 'a' }, TaggedAddresses: null, CreateIndex: 3, ModifyIndex: 3 }, 'node names are case-insensitive');
  t.match(r.nodeServices('n1'), [{ ID: 'redis', Service: 'redis', Tags: ['primary'], Port: 6379, CreateIndex: 3 }], 'the service ID defaults to its name');
  const checks = r.nodeChecks('n1');
  t.same(checks.map((c) => [c.CheckID, c.Status, c.ServiceName, c.ServiceTags]), [
    ['mem', 'passing', '', null],
    ['redis-alive', 'critical', 'redis', ['primary']],
  ], 'CheckID defaults to Name, Status to critical, ServiceName and ServiceTags come from the service');
  t.equal(s.tableIndex('nodes'), 3);
  t.equal(s.tableIndex('services'), 3);
  t.equal(s.tableIndex('checks'), 3);
  t.equal(r.serviceIndex('REDIS'), 3);
  t.equal(r.nodeIndex('n1'), 3);
});

t.test('an identical re-registration changes nothing and wakes nobody', async (t) => {
  const listener = recorder();
  const s = new CatalogState(listener);
  const cmd = { ...web(), Checks: [checkRegistration({ Name: 'alive', ServiceID: 'web1', Status: 'passing' })] };
  s.apply(1, cmd);
  const before = listener.log.length;
  s.apply(2, structuredClone(cmd));
  t.equal(listener.log.length, before, 'no watch fired');
  t.equal(s.registry.node('n1')!.ModifyIndex, 1);
  t.equal(s.registry.nodeServices('n1')[0]!.ModifyIndex, 1);
  t.equal(s.registry.nodeChecks('n1')[0]!.ModifyIndex, 1);
  t.equal(s.tableIndex('nodes'), 1);
  t.equal(s.registry.serviceIndex('web'), 1);
  t.equal(s.lastIndex, 2, 'the log index is consumed all the same');
});

t.test('changes move only the indexes they touch', async (t) => {
  const listener = recorder();
  const s = new CatalogState(listener);
  s.apply(1, web('n1'));
  s.apply(2, registerCommand({ Node: 'n2', Address: '10.0.0.2', Service: serviceRegistration({ Service: 'db' }) }));
  listener.log.length = 0;
  // A service check on web: web's and n1's indexes move, db's does not.
  s.apply(3, registerCommand({ Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', Checks: [checkRegistration({ Name: 'c', ServiceID: 'web1' })] }));
  t.same(listener.log, ['checks@3:n1', 'node@3:n1', 'service@3:web']);
  t.equal(s.registry.serviceIndex('web'), 3);
  t.equal(s.registry.serviceIndex('db'), 2);
  t.equal(s.tableIndex('nodes'), 2, 'the node itself did not change');
  // A node-level check on n2 moves every service on n2.
  listener.log.length = 0;
  s.apply(4, registerCommand({ Node: 'n2', Address: '10.0.0.2', Checks: [checkRegistration({ Name: 'disk' })] }));
  t.same(listener.log, ['checks@4:n2', 'node@4:n2', 'service@4:db']);
  // The node's address changes: its services' indexes move, the services table does not.
  listener.log.length = 0;
  s.apply(5, registerCommand({ Node: 'n2', Address: '10.9.9.9' }));
  t.same(listener.log, ['nodes@5:n2', 'node@5:n2', 'service@5:db']);
  t.equal(s.tableIndex('services'), 2);
  t.equal(s.registry.node('n2')!.CreateIndex, 2);
  t.equal(s.registry.node('n2')!.ModifyIndex, 5);
});

t.test('SkipNodeUpdate leaves the node alone but registers the service', async (t) => {
  const s = new CatalogState();
  s.apply(1, registerCommand({ Node: 'n1', Address: '10.0.0.1', NodeMeta: { a: 'b' } }));
  s.apply(2, registerCommand({ Node: 'n1', SkipNodeUpdate: true, Service: serviceRegistration({ Service: 'web' }) }));
  t.match(s.registry.node('n1'), { Address: '10.0.0.1', Meta: { a: 'b' }, ModifyIndex: 1 });
  t.equal(s.registry.nodeServices('n1').length, 1);
  s.apply(3, registerCommand({ Node: 'fresh', SkipNodeUpdate: true }));
  t.match(s.registry.node('fresh'), { Address: '', CreateIndex: 3 }, 'a missing node is still created');
});

t.test('a service moved to another name leaves the old name', async (t) => {
  const s = new CatalogState();
  s.apply(1, web('n1', 'x'));
  s.apply(2, registerCommand({ Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', Service: serviceRegistration({ ID: 'x', Service: 'api' }) }));
  t.same(s.registry.serviceInstances('web'), []);
  t.equal(s.registry.serviceInstances('api')[0]!.service.CreateIndex, 1, 'same instance, CreateIndex kept');
  t.equal(s.registry.serviceIndex('web'), 2, 'the vanished name answers with the extinction index');
  t.same([...s.registry.services().keys()], ['api']);
});

t.test('services() unions tags per name; instances are ordered by node then ID', async (t) => {
  const s = new CatalogState();
  s.apply(1, web('b', 'w2', ['v2', 'x']));
  s.apply(2, web('a', 'w9', ['v1']));
  s.apply(3, web('a', 'w1', null));
  s.apply(4, registerCommand({ Node: 'a', Address: 'x', Service: serviceRegistration({ Service: 'db' }) }));
  t.same(Object.fromEntries(s.registry.services()), { db: [], web: ['v1', 'v2', 'x'] });
  t.same(s.registry.serviceInstances('WEB').map((i) => `${i.node.Node}/${i.service.ID}`), ['a/w1', 'a/w9', 'b/w2']);
});

t.test('deregister: a check, a service with its checks, a whole node', async (t) => {
  const listener = recorder();
  const s = new CatalogState(listener);
  s.apply(1, { ...web('n1'), Checks: [
    checkRegistration({ Name: 'svc-check', ServiceID: 'web1' }),
    checkRegistration({ Name: 'node-check' }),
    checkRegistration({ Name: 'other' }),
  ] });
  s.apply(2, registerCommand({ Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', Service: serviceRegistration({ Service: 'db' }) }));
  s.apply(3, deregisterCommand({ Node: 'n1', CheckID: 'OTHER' }));
  t.same(s.registry.nodeChecks('n1').map((c) => c.CheckID), ['node-check', 'svc-check']);
  s.apply(4, deregisterCommand({ Node: 'n1', ServiceID: 'web1', CheckID: 'node-check' }));
  t.same(s.registry.nodeServices('n1').map((x) => x.ID), ['db'], 'ServiceID wins over CheckID');
  t.same(s.registry.nodeChecks('n1').map((c) => c.CheckID), ['node-check'], "the service's checks went with it");
  t.equal(s.registry.serviceIndex('web'), 4);
  listener.log.length = 0;
  s.apply(5, deregisterCommand({ Node: 'n1' }));
  t.equal(s.registry.node('n1'), undefined);
  t.same(s.registry.nodeServices('n1'), []);
  t.same(s.registry.checks(), []);
  t.same(listener.log, ['nodes@5:n1', 'services@5:db', 'checks@5:n1', 'node@5:n1', 'service@5:db']);
  t.equal(s.registry.nodeIndex('n1'), 5, 'a removed node answers with the extinction index');
  listener.log.length = 0;
  s.apply(6, deregisterCommand({ Node: 'n1' }));
  s.apply(7, deregisterCommand({ Node: 'ghost', ServiceID: 'x' }));
  t.same(listener.log, [], 'removing what is not there changes nothing');
  t.equal(s.tableIndex('nodes'), 5);
});

t.test("Consul's request rules are refused before the log with its texts", async (t) => {
  const cases: Array<[unknown, string]> = [
    [registerCommand({ Node: '', Address: 'a' }), 'Must provide node'],
    [registerCommand({ Node: 'n', Address: 'a', ID: 'nope' }), 'Bad node ID: uuid string is wrong length'],
    [registerCommand({ Node: 'n', Address: 'a', ID: '40e4a748x2192-161a-0510-9bf59fe950b5' }), 'Bad node ID: uuid is improperly formatted'],
    [registerCommand({ Node: 'n', Address: 'a', ID: '40e4a748-2192-161a-0510-9bf59fe950bg' }), "Bad node ID: encoding/hex: invalid byte: U+0067 'g'"],
    [registerCommand({ Node: 'n' }), 'Must provide address if SkipNodeUpdate is not set'],
    [registerCommand({ Node: 'n', Address: 'a', Service: serviceRegistration({ ID: 'x', Service: '' }) }), 'Must provide service name (Service.Service) when service ID is provided'],
    [registerCommand({ Node: 'n', Address: 'a', Service: serviceRegistration({ Service: 'w', Address: '0.0.0.0' }) }), 'Invalid service address'],
    [registerCommand({ Node: 'n', Address: 'a', Checks: [checkRegistration({ Node: 'm', Name: 'c' })] }), "Node 'm' for check 'c' doesn't match register request node 'n'"],
    [deregisterCommand({ Node: '' }), 'Must provide node'],
  ];
  for (const [cmd, message] of cases) t.throws(() => validateCommand(cmd), { code: ErrorCode.Rejected, message }, message);
  t.doesNotThrow(() => validateCommand(registerCommand({ Node: 'n', Address: 'a', Checks: [checkRegistration({ Node: 'N', Name: 'c' })] })), 'check nodes compare case-insensitively');
});

t.test('rules that need the state refuse the whole command, identically on every replica', async (t) => {
  const replicas = [new CatalogState(), new CatalogState()];
  const bad = registerCommand({
    Node: 'n1', Address: '10.0.0.1', Service: serviceRegistration({ Service: 'web' }),
    Checks: [checkRegistration({ Name: 'a', ServiceID: 'web' }), checkRegistration({ Name: 'b', ServiceID: 'nope' })],
  });
  for (const s of replicas) {
    t.throws(() => s.apply(1, decodeCommand(encodeCommand(bad))), { code: ErrorCode.Rejected, message: "Unknown service ID 'nope' for check ID 'b'" });
    t.equal(s.registry.node('n1'), undefined, 'nothing of it was applied');
    t.equal(s.lastIndex, 1);
  }
  t.same(replicas[0]!.snapshot(), replicas[1]!.snapshot());
});

t.test('node IDs: a rename frees the old name, a healthy holder keeps its name', async (t) => {
  const s = new CatalogState();
  const serf = (status: string) => [checkRegistration({ CheckID: 'serfHealth', Name: 'Serf Health Status', Status: status })];
  s.apply(1, registerCommand({ Node: 'old', ID: NODE_ID, Address: '10.0.0.1', Service: serviceRegistration({ Service: 'web' }) }));
  s.apply(2, registerCommand({ Node: 'new', ID: NODE_ID, Address: '10.0.0.1' }));
  t.equal(s.registry.node('old'), undefined, 'the old name and its services are gone');
  t.same(s.registry.serviceInstances('web'), []);
  t.match(s.registry.node('new'), { ID: NODE_ID, CreateIndex: 1, ModifyIndex: 2 });

  const other = '11111111-2222-3333-4444-555555555555';
  s.apply(3, registerCommand({ Node: 'taken', ID: other, Address: '10.0.0.2', Checks: serf('passing') }));
  t.throws(() => s.apply(4, registerCommand({ Node: 'TAKEN', ID: NODE_ID, Address: '10.0.0.1' })), {
    code: ErrorCode.Rejected,
    message: `Error while renaming Node ID: "${NODE_ID}" (10.0.0.1): Node name TAKEN is reserved by node ${other} with name taken (10.0.0.2)`,
  });
  t.ok(s.registry.node('new'), 'the refused rename changed nothing');
  const third = '99999999-2222-3333-4444-555555555555';
  t.throws(() => s.apply(5, registerCommand({ Node: 'taken', ID: third, Address: '10.0.0.3' })), {
    message: `Error while renaming Node ID: "${third}": Node name taken is reserved by node ${other} with name taken (10.0.0.2)`,
  });
  s.apply(6, registerCommand({ Node: 'taken', ID: other, Address: '10.0.0.2', Checks: serf('critical') }));
  s.apply(7, registerCommand({ Node: 'taken', ID: third, Address: '10.0.0.3' }));
  t.match(s.registry.node('taken'), { ID: third, Address: '10.0.0.3' }, 'a failed holder gives its name up');
});

t.test('malformed registry commands are refused with BadRequest', async (t) => {
  const good = registerCommand({ Node: 'n', Address: 'a', Service: serviceRegistration({ Service: 's' }), Checks: [checkRegistration({ Name: 'c' })] });
  const variants: Array<(o: any) => void> = [
    (o) => { o.Node = 1; },
    (o) => { o.Checks = {}; },
    (o) => { o.NodeMeta = { a: 1 }; },
    (o) => { o.Service.Tags = [1]; },
    (o) => { o.Service.Port = 1.5; },
    (o) => { o.Service.Weights = { Passing: 'x' }; },
    (o) => { o.Service.TaggedAddresses = { lan: { Address: 'x' } }; },
    (o) => { o.Checks[0].Definition = null; },
    (o) => { o.Checks[0].Definition.IntervalNs = -1; },
    (o) => { o.Checks[0].Definition.Header = { a: 'b' }; },
    (o) => { delete o.SkipNodeUpdate; },
  ];
  for (const mutate of variants) {
    const copy = structuredClone(good) as any;
    mutate(copy);
    t.throws(() => validateCommand(copy), { code: ErrorCode.BadRequest }, mutate.toString());
  }
  t.throws(() => validateCommand({ type: 'catalog.deregister', Node: 'n' }), { code: ErrorCode.BadRequest });
});

t.test('registry commands round-trip through MessagePack', async (t) => {
  const cmd = validateCommand(registerCommand({
    Node: 'n', Address: 'a', TaggedAddresses: { lan: '10.0.0.1' },
    Service: serviceRegistration({ Service: 's', TaggedAddresses: { lan: { Address: '1.2.3.4', Port: 5 } }, Weights: { Passing: 3, Warning: 1 }, Meta: { k: 'v' } }),
    Checks: [checkRegistration({ Name: 'c', Definition: { HTTP: 'http://x', IntervalNs: 10e9, Header: { A: ['b'] }, ScriptArgs: ['a'] } })],
  }));
  t.same(decodeCommand(encodeCommand(cmd)), cmd);
});

function populated(): CatalogState {
  const s = new CatalogState();
  s.apply(1, { type: 'kv.set', key: 'k', value: Buffer.from('v'), flags: 0 });
  s.apply(2, { ...web('n1'), ID: NODE_ID, NodeMeta: { m: '1' }, TaggedAddresses: { lan: '10.0.0.1' }, Checks: [checkRegistration({ Name: 'c', ServiceID: 'web1', Definition: { TCP: 'x:1', TimeoutNs: 5 } })] });
  s.apply(3, web('n2', 'web2'));
  s.apply(4, registerCommand({ Node: 'gone', Address: 'g', Service: serviceRegistration({ Service: 'ghost' }) }));
  s.apply(5, deregisterCommand({ Node: 'gone' }));
  return s;
}

const view = (s: CatalogState) => ({
  lastIndex: s.lastIndex,
  tables: ['kv', 'nodes', 'services', 'checks'].map((x) => s.tableIndex(x as 'kv')),
  nodes: s.registry.nodes(),
  services: s.registry.nodes().map((n) => s.registry.nodeServices(n.Node)),
  checks: s.registry.checks(),
  indexes: ['n1', 'n2', 'gone'].map((n) => s.registry.nodeIndex(n)).concat(['web', 'ghost', 'none'].map((n) => s.registry.serviceIndex(n))),
});

t.test('snapshots carry the registry and its indexes; version 1 snapshots still load', async (t) => {
  const s = populated();
  const r = new CatalogState();
  r.restore(s.snapshot());
  t.same(view(r), view(s));
  t.same(view(r).indexes, [2, 3, 5, 3, 5, 5]);
  t.same(Buffer.from(r.snapshot()), Buffer.from(s.snapshot()), 'a restored state snapshots to the same bytes');
  r.apply(6, web('n3', 'web3'));
  t.equal(r.registry.serviceInstances('web').length, 3, 'the restored state keeps working');

  const v1 = decode(s.snapshot()) as any;
  v1.version = 1;
  delete v1.tables.registry;
  const old = new CatalogState();
  old.restore(encode(v1));
  t.equal(old.kv.get('k')?.Key, 'k');
  t.equal(old.registry.nodeCount, 0);
  t.equal(old.tableIndex('nodes'), 0);
});

t.test('a malformed registry in a snapshot is refused and the state kept', async (t) => {
  const good = decode(populated().snapshot()) as any;
  const variants: Array<[string, (o: any) => void]> = [
    ['no registry', (o) => { delete o.tables.registry; }],
    ['node not a map', (o) => { o.tables.registry.nodes[0] = 1; }],
    ['repeated node', (o) => { o.tables.registry.nodes.push(o.tables.registry.nodes[0]); }],
    ['service on unknown node', (o) => { o.tables.registry.services[0].Node = 'nobody'; }],
    ['check on unknown node', (o) => { o.tables.registry.checks[0].Node = 'nobody'; }],
    ['index past lastIndex', (o) => { o.tables.registry.indexes.nodes = 99; }],
    ['row past its table', (o) => { o.tables.registry.nodes[0].ModifyIndex = 4; o.tables.registry.indexes.nodes = 3; }],
    ['create after modify', (o) => { o.tables.registry.services[0].CreateIndex = 5; }],
    ['bad service index pair', (o) => { o.tables.registry.indexes.service = [['web']]; }],
    ['bad service tags', (o) => { o.tables.registry.checks[0].ServiceTags = 'x'; }],
  ];
  const target = populated();
  const before = view(target);
  for (const [name, mutate] of variants) {
    const copy = structuredClone(good);
    mutate(copy);
    t.throws(() => target.restore(encode(copy)), { code: ErrorCode.CorruptData }, name);
  }
  t.same(view(target), before);
});
