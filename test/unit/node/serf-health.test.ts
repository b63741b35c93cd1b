import t from 'tap';
import { LocalCatalogBackend, registerCommand, checkRegistration } from '../../../lib/catalog/index.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { nodeIdOf, SerfHealthReconciler, type RingMember } from '../../../lib/node/serf-health.js';

const member = (name: string, state: RingMember['state'], extra: Partial<RingMember> = {}): RingMember => ({
  id: `${name.padEnd(8, '0').slice(0, 8).replace(/[^0-9a-f]/g, 'a')}${'0'.repeat(24)}`, name, address: `10.0.0.${name.length}`, gossipPort: 9638, state, tags: { dc: 'dc1' }, ...extra,
});

function setup(members: RingMember[]) {
  const backend = new LocalCatalogBackend();
  const ring = { members };
  const reconciler = new SerfHealthReconciler({ datacenter: 'dc1', nodeName: 'leader' }, { backend, members: () => ring.members, logger: silentLogger() });
  const serf = (node: string) => backend.state.registry.nodeChecks(node).find((c) => c.CheckID === 'serfHealth');
  return { backend, ring, reconciler, serf };
}

t.test('alive members become nodes with a passing serfHealth; servers get the consul service', async (t) => {
  const { backend, reconciler, serf } = setup([
    member('leader', 'alive', { tags: { dc: 'dc1', role: 'consul' } }),
    member('web-1', 'alive'),
    member('web-2', 'suspect'),
    member('other-dc', 'alive', { tags: { dc: 'dc2' } }),
  ]);
  t.equal(await reconciler.reconcile(), 3);
  t.same(backend.state.registry.nodes().map((n) => [n.Node, n.Address, n.Datacenter]), [
    ['leader', '10.0.0.6', 'dc1'], ['web-1', '10.0.0.5', 'dc1'], ['web-2', '10.0.0.5', 'dc1'],
  ]);
  t.match(serf('web-1'), { Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable', ServiceID: '' });
  t.equal(serf('web-2')!.Status, 'passing', 'a suspect is not yet failed');
  t.match(backend.state.registry.nodeServices('leader'), [{ ID: 'consul', Service: 'consul', Port: 9638 }]);
  t.same(backend.state.registry.nodeServices('web-1'), []);
  t.equal(backend.state.registry.node('web-1')!.ID, nodeIdOf(member('web-1', 'alive').id));
  const index = backend.state.lastIndex;
  t.equal(await reconciler.reconcile(), 0, 'nothing changed: nothing written');
  t.equal(backend.state.lastIndex, index);
});

t.test('failed → critical, back alive → passing, address changes follow the ring', async (t) => {
  const { backend, ring, reconciler, serf } = setup([member('web-1', 'alive')]);
  await reconciler.reconcile();
  ring.members = [member('web-1', 'failed')];
  t.equal(await reconciler.reconcile(), 1);
  t.match(serf('web-1'), { Status: 'critical', Output: 'Agent not live or unreachable' });
  t.ok(backend.state.registry.node('web-1'), 'a failed node stays in the catalog');
  ring.members = [member('web-1', 'alive', { address: '10.9.9.9' })];
  await reconciler.reconcile();
  t.match(serf('web-1'), { Status: 'passing' });
  t.equal(backend.state.registry.node('web-1')!.Address, '10.9.9.9');
});

t.test('left, departed and forgotten members are deregistered; external nodes and the leader are not', async (t) => {
  const { backend, ring, reconciler } = setup([member('leader', 'alive'), member('a', 'alive'), member('b', 'alive'), member('c', 'alive')]);
  await reconciler.reconcile();
  await backend.write(registerCommand({ Node: 'external', Address: '1.2.3.4', Checks: [checkRegistration({ Name: 'ping', Status: 'passing' })] }));
  await backend.write(registerCommand({ Node: 'a', Address: '10.0.0.1', SkipNodeUpdate: true, Checks: [checkRegistration({ Name: 'app' })] }));
  ring.members = [member('leader', 'left'), member('a', 'left'), member('b', 'departed')];
  t.equal(await reconciler.reconcile(), 3);
  t.same(backend.state.registry.nodes().map((n) => n.Node), ['external', 'leader'], 'c was forgotten by the ring');
  t.same(backend.state.registry.nodeChecks('a'), [], "a left node's other checks went with it");
});

t.test('an existing node keeps its ID, tagged addresses and meta', async (t) => {
  const { backend, reconciler } = setup([member('web-1', 'alive')]);
  const id = '11111111-2222-3333-4444-555555555555';
  await backend.write(registerCommand({ Node: 'web-1', ID: id, Address: 'old', TaggedAddresses: { lan: 'x' }, NodeMeta: { rack: 'r1' } }));
  await reconciler.reconcile();
  t.match(backend.state.registry.node('web-1'), { ID: id, Address: '10.0.0.5', TaggedAddresses: { lan: 'x' }, Meta: { rack: 'r1' } });
});

t.test('a pass asked for while one runs runs once more after it', async (t) => {
  const { backend, ring, reconciler } = setup([member('a', 'alive')]);
  const first = reconciler.reconcile();
  ring.members = [member('a', 'alive'), member('b', 'alive')];
  const second = reconciler.reconcile();
  t.equal(first, second, 'the same pass answers both');
  t.equal(await second, 2);
  t.equal(backend.state.registry.nodeCount, 2);
});

t.test('nodeIdOf formats 32 hex digits as a UUID', async (t) => {
  t.equal(nodeIdOf('0123456789abcdef0123456789ABCDEF'), '01234567-89ab-cdef-0123-456789abcdef');
  t.equal(nodeIdOf('not-hex'), undefined);
});
