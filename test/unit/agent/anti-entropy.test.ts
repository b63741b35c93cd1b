import t from 'tap';
import { VirtualClock } from '../../../lib/core/clock.js';
import { scaleFactor, type AgentNodeInfo, type CatalogNodeState, type CatalogSync, type DeregisterRequest, type HealthCheckJson, type NodeServiceJson, type RegisterRequest } from '../../../lib/agent/index.js';
import { advance, testAgent } from '../../helpers/agent.js';

/** The catalog's entries for one node, in memory, with Consul's register/deregister semantics. */
class FakeCatalog implements CatalogSync {
  node: CatalogNodeState['Node'] | undefined;
  services = new Map<string, Partial<NodeServiceJson>>();
  checks = new Map<string, Partial<HealthCheckJson>>();
  registers: RegisterRequest[] = [];
  deregisters: DeregisterRequest[] = [];
  failing = false;
  /** Resolves the next register only when the test says so. */
  gate: Promise<void> | undefined;

  async register(req: RegisterRequest): Promise<void> {
    if (this.failing) throw new Error('No cluster leader');
    await this.gate;
    this.registers.push(structuredClone(req));
    if (!req.SkipNodeUpdate || this.node === undefined) {
      this.node = { ID: req.ID, Node: req.Node, Address: req.Address, TaggedAddresses: req.TaggedAddresses, Meta: req.NodeMeta };
    }
    if (req.Service) this.services.set(req.Service.ID, structuredClone(req.Service));
    for (const c of [...(req.Check ? [req.Check] : []), ...(req.Checks ?? [])]) this.checks.set(c.CheckID, structuredClone(c));
  }

  async deregister(req: DeregisterRequest): Promise<void> {
    if (this.failing) throw new Error('No cluster leader');
    this.deregisters.push({ ...req });
    if (req.ServiceID !== undefined) {
      this.services.delete(req.ServiceID);
      for (const [id, c] of this.checks) if (c.ServiceID === req.ServiceID) this.checks.delete(id);
    } else if (req.CheckID !== undefined) {
      this.checks.delete(req.CheckID);
    }
  }

  async nodeState(): Promise<CatalogNodeState | undefined> {
    if (this.failing) throw new Error('No cluster leader');
    if (this.node === undefined) return undefined;
    return { Node: structuredClone(this.node), Services: [...this.services.values()].map((s) => structuredClone(s)), Checks: [...this.checks.values()].map((c) => structuredClone(c)) };
  }
}

const nodeInfo = (): AgentNodeInfo => ({
  Node: 'node1', ID: '11111111-2222-3333-4444-555555555555', Address: '10.0.0.1',
  TaggedAddresses: { lan: '10.0.0.1', wan: '10.0.0.1' }, Meta: { 'consul-network-segment': '' },
});

async function setup(t: { teardown(fn: () => unknown): void }, options: { checkUpdateIntervalMs?: number } = {}) {
  const { agent, clock } = testAgent({ agent: { checkUpdateIntervalMs: options.checkUpdateIntervalMs ?? 0 } });
  const vclock = clock as VirtualClock;
  const catalog = new FakeCatalog();
  await agent.start();
  t.teardown(() => agent.stop());
  const start = () => agent.startAntiEntropy(catalog, nodeInfo, { intervalMs: 60_000, retryMs: 15_000 });
  return { agent, clock: vclock, catalog, start };
}

t.test('scale factor grows one step per doubling past 128 nodes', async (t) => {
  t.same([1, 128, 129, 256, 257, 512, 513, 1024, 5000].map(scaleFactor), [1, 1, 2, 2, 3, 3, 4, 4, 7]);
});

t.test('the first full sync registers the node, services and checks; serfHealth is left alone', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  await agent.registerService({ Name: 'web', Port: 80, Tags: ['a'], Check: { TTLMs: 30_000, Status: 'passing' } });
  await agent.registerCheck({ Name: 'disk', TTLMs: 30_000 });
  catalog.node = { ID: nodeInfo().ID, Node: 'node1', Address: '10.0.0.1', TaggedAddresses: nodeInfo().TaggedAddresses, Meta: nodeInfo().Meta };
  catalog.checks.set('serfHealth', { Node: 'node1', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' });
  start();
  await advance(clock, 10, 1);
  t.match(catalog.services.get('web'), { ID: 'web', Service: 'web', Port: 80, Tags: ['a'], Weights: { Passing: 1, Warning: 1 } });
  t.match(catalog.checks.get('service:web'), { Node: 'node1', Status: 'passing', ServiceID: 'web', ServiceName: 'web' });
  t.match(catalog.checks.get('disk'), { Status: 'critical' });
  t.ok(catalog.checks.has('serfHealth'), 'serfHealth untouched');
  t.notOk(catalog.deregisters.some((d) => d.CheckID === 'serfHealth'));
  const svcReg = catalog.registers.find((r) => r.Service?.ID === 'web')!;
  t.match(svcReg, { Node: 'node1', Address: '10.0.0.1', SkipNodeUpdate: true, Check: { CheckID: 'service:web' } }, 'the service carries its check');
  t.notOk(agent.state.outOfSync, 'everything in sync');
});

t.test('an unknown node is registered in full first', async (t) => {
  const { clock, catalog, start } = await setup(t);
  start();
  await advance(clock, 10, 1);
  t.match(catalog.registers[0], { Node: 'node1', ID: nodeInfo().ID, TaggedAddresses: { lan: '10.0.0.1' }, NodeMeta: { 'consul-network-segment': '' }, SkipNodeUpdate: false });
  t.equal(catalog.registers[0]!.Service, undefined);
});

t.test('local changes reach the catalog at once (partial sync)', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  start();
  await advance(clock, 10, 1);
  await agent.registerService({ Name: 'api', Check: { TTLMs: 30_000 } });
  await advance(clock, 10, 1);
  t.ok(catalog.services.has('api'));
  await agent.updateTtlCheck('service:api', 'passing', 'up');
  await advance(clock, 10, 1);
  t.match(catalog.checks.get('service:api'), { Status: 'passing', Output: 'up' });
  await agent.deregisterService('api');
  await advance(clock, 10, 1);
  t.notOk(catalog.services.has('api'));
  t.notOk(catalog.checks.has('service:api'));
  t.same(agent.state.serviceEntries(), [], 'the deleted entry is gone once the catalog forgot it');
  await agent.setNodeMaintenance(true, 'x');
  await advance(clock, 10, 1);
  t.match(catalog.checks.get('_node_maintenance'), { Status: 'critical', Notes: 'x' });
});

t.test('syncChanges pushes before an HTTP handler answers', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  start();
  await advance(clock, 10, 1);
  await agent.registerService({ Name: 'api' });
  await agent.syncChanges();
  t.ok(catalog.services.has('api'), 'in the catalog without waiting for a timer');
});

t.test('a full sync repairs what the catalog lost or someone else changed', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  await agent.registerService({ Name: 'web', Port: 80 });
  await agent.registerService({ Name: 'db', Port: 5432, Check: { TTLMs: 600_000, Status: 'passing' } });
  start();
  await advance(clock, 10, 1);
  catalog.services.delete('web');
  catalog.services.set('db', { ...catalog.services.get('db')!, Port: 1 });
  catalog.checks.set('service:db', { ...catalog.checks.get('service:db')!, Status: 'critical' });
  catalog.services.set('stray', { ID: 'stray', Service: 'stray' });
  catalog.checks.set('stray-check', { Node: 'node1', CheckID: 'stray-check', Status: 'passing' });
  catalog.services.set('consul', { ID: 'consul', Service: 'consul' });
  await advance(clock, 121_000, 1000);
  t.match(catalog.services.get('web'), { Port: 80 }, 'lost service registered again');
  t.match(catalog.services.get('db'), { Port: 5432 }, 'overwritten port restored');
  t.match(catalog.checks.get('service:db'), { Status: 'passing' }, 'overwritten check restored');
  t.notOk(catalog.services.has('stray'), 'a service only the catalog had is removed');
  t.notOk(catalog.checks.has('stray-check'));
  t.ok(catalog.services.has('consul'), "the servers' consul service stays");
  t.same(Object.keys(agent.servicesJson()).sort(), ['db', 'web'], 'tombstones never show locally');
});

t.test('with EnableTagOverride the catalog keeps tags set by others', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  await agent.registerService({ Name: 'web', Tags: ['mine'], EnableTagOverride: true, Port: 80 });
  start();
  await advance(clock, 10, 1);
  catalog.services.set('web', { ...catalog.services.get('web')!, Tags: ['theirs'], Port: 81 });
  await advance(clock, 121_000, 1000);
  t.match(catalog.services.get('web'), { Tags: ['theirs'], Port: 80 }, 'tags kept, port restored');
  t.same(agent.servicesJson().web!.Tags, ['theirs'], 'the agent adopted the tags');
});

t.test('failures are retried after 15 s plus a stagger', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  await agent.registerService({ Name: 'web' });
  catalog.failing = true;
  start();
  await advance(clock, 10, 1);
  t.notOk(catalog.services.has('web'));
  t.ok(agent.state.outOfSync);
  catalog.failing = false;
  await advance(clock, 14_000, 1000);
  t.notOk(catalog.services.has('web'), 'not before the retry wait');
  await advance(clock, 17_000, 1000);
  t.ok(catalog.services.has('web'), 'retried within 15-30 s');
  t.notOk(agent.state.outOfSync);
});

t.test('a partial sync that fails is retried by a full sync', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  start();
  await advance(clock, 10, 1);
  catalog.failing = true;
  await agent.registerService({ Name: 'web' });
  await advance(clock, 10, 1);
  catalog.failing = false;
  t.notOk(catalog.services.has('web'));
  await advance(clock, 31_000, 1000);
  t.ok(catalog.services.has('web'));
});

t.test('a change during a sync is not lost', async (t) => {
  const { agent, clock, catalog, start } = await setup(t);
  start();
  await advance(clock, 10, 1);
  let open!: () => void;
  catalog.gate = new Promise((r) => { open = r; });
  await agent.registerService({ Name: 'web', Port: 1 });
  await advance(clock, 10, 1);
  await agent.registerService({ Name: 'web', Port: 2 });
  catalog.gate = undefined;
  open();
  await advance(clock, 10, 1);
  t.match(catalog.services.get('web'), { Port: 2 }, 'the newer registration reached the catalog');
  t.notOk(agent.state.outOfSync);
});

t.test('output-only check changes are deferred; status changes are not', async (t) => {
  const { agent, clock, catalog, start } = await setup(t, { checkUpdateIntervalMs: 60_000 });
  await agent.registerCheck({ Name: 'mem', TTLMs: 600_000 });
  start();
  await advance(clock, 10, 1);
  await agent.updateTtlCheck('mem', 'passing', 'one');
  await advance(clock, 10, 1);
  t.match(catalog.checks.get('mem'), { Status: 'passing', Output: 'one' }, 'status change synced at once');
  await agent.updateTtlCheck('mem', 'passing', 'two');
  await advance(clock, 1000, 100);
  t.equal(catalog.checks.get('mem')!.Output, 'one', 'output-only change waits');
  t.equal(agent.checksJson().mem!.Output, 'two', 'but shows locally at once');
  await advance(clock, 90_000, 1000);
  t.equal(catalog.checks.get('mem')!.Output, 'two', 'synced within 30-90 s');
});
