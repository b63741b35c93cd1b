import t from 'tap';
import Consul from 'consul';
import { chorus, eventually, fullyStarted } from '../helpers/proc.js';
import { loopbackCluster, type LoopbackNode } from '../helpers/cluster.js';

interface Ev { ID: string; Name: string; Payload: string | null; NodeFilter: string; LTime: number }

async function list(node: LoopbackNode, query = ''): Promise<{ events: Ev[]; index: string }> {
  const res = await fetch(`${node.url}/v1/event/list${query}`);
  return { events: (await res.json()) as Ev[], index: res.headers.get('x-consul-index') ?? '' };
}

/** Resolves once every node in `nodes` lists an event with `id`. */
function listedEverywhere(nodes: LoopbackNode[], id: string, timeoutMs = 10_000): Promise<true> {
  return eventually(async () => {
    for (const n of nodes) if (!(await list(n)).events.some((e) => e.ID === id)) return undefined;
    return true;
  }, timeoutMs, 50);
}

t.test('user events on three real nodes: CLI fire reaches all, ?node= limits, blocking list wakes, npm consul works', async (t) => {
  const nodes = await loopbackCluster(t, 3);
  for (const n of nodes) n.start();
  await eventually(async () => {
    for (const n of nodes) {
      const members = (await (await fetch(`${n.url}/v1/agent/members`)).json()) as Array<{ Status: number }>;
      if (members.filter((m) => m.Status === 1).length !== 3) return undefined;
    }
    return true;
  }, 20_000, 100);
  for (const n of nodes) await fullyStarted(n.url);
  const [n1, n2, n3] = nodes as [LoopbackNode, LoopbackNode, LoopbackNode];

  // Fired on node1 through the CLI: every node lists the same ID and payload.
  const fired = await chorus(['event', 'fire', 'deploy', 'v1.2.3', '--http-addr', n1.url]);
  t.equal(fired.code, 0, fired.stderr);
  const id = /^Event ID: ([0-9a-f-]{36})$/.exec(fired.stdout.trim())?.[1];
  t.ok(id, `the CLI printed the ID: ${fired.stdout}`);
  await listedEverywhere(nodes, id!);
  for (const n of nodes) {
    const e = (await list(n)).events.find((x) => x.ID === id)!;
    t.equal(Buffer.from(e.Payload!, 'base64').toString(), 'v1.2.3', `${n.host} has the payload`);
  }
  const table = await chorus(['event', 'list', '--http-addr', n3.url]);
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, new RegExp(`${id}\\s+deploy\\s+v1\\.2\\.3\\s+\\d+`), 'node3 lists it in the CLI table');

  // ?node= limits an event to node2; a later unfiltered marker shows the others had their chance.
  const only2 = (await (await fetch(`${n1.url}/v1/event/fire/only2?node=%5Enode2%24`, { method: 'PUT' })).json()) as Ev;
  t.equal(only2.NodeFilter, '^node2$');
  const marker = (await (await fetch(`${n1.url}/v1/event/fire/marker`, { method: 'PUT' })).json()) as Ev;
  await listedEverywhere(nodes, marker.ID);
  await eventually(async () => ((await list(n2)).events.some((e) => e.ID === only2.ID) ? true : undefined), 10_000);
  t.pass('node2 lists the event filtered to it');
  t.notOk((await list(n1)).events.some((e) => e.ID === only2.ID), 'node1 fired it but does not list it');
  t.notOk((await list(n3)).events.some((e) => e.ID === only2.ID), 'node3 does not list it');

  // A blocking list on node3 returns promptly when an event fired on node2 arrives.
  const before = await list(n3, '?name=wake');
  t.equal(before.index, '1', 'no wake events yet');
  const started = Date.now();
  const blocked = fetch(`${n3.url}/v1/event/list?name=wake&index=${before.index}&wait=60s`);
  const wake = await chorus(['event', 'fire', 'wake', '--http-addr', n2.url]);
  t.equal(wake.code, 0, wake.stderr);
  const res = await blocked;
  const woke = (await res.json()) as Ev[];
  t.ok(Date.now() - started < 10_000, `the blocked list answered after ${Date.now() - started} ms`);
  t.same(woke.map((e) => e.Name), ['wake']);
  t.not(res.headers.get('x-consul-index'), '1');

  // The npm consul client, unmodified.
  const c1 = new Consul({ host: n1.host, port: n1.ports.http });
  const c3 = new Consul({ host: n3.host, port: n3.ports.http });
  const viaNpm = (await c1.event.fire('npm', 'hello from npm')) as unknown as Ev;
  t.equal(viaNpm.Payload, 'hello from npm', 'fire decodes the payload it gets back');
  t.equal(viaNpm.Name, 'npm');
  const seen = await eventually(async () => {
    const events = (await c3.event.list('npm')) as unknown as Ev[];
    return events.length === 1 ? events : undefined;
  }, 10_000);
  t.equal(seen[0]!.ID, viaNpm.ID);
  t.equal(seen[0]!.Payload, 'hello from npm', 'list decodes payloads on another node');
  const filtered = (await c1.event.fire({ name: 'npm-filtered', payload: Buffer.from([1, 2]), node: 'node3' })) as unknown as { NodeFilter: string };
  t.equal(filtered.NodeFilter, 'node3');
  t.same(await c1.event.list('npm-filtered'), [], 'node1 did not keep the event for node3');
  const refused = await c1.event.fire({ name: 'bad', payload: '', node: 'node3', tag: 'x' }).then(() => 'accepted', (err: { statusCode?: number; message?: string }) => `${err.statusCode} ${err.message}`);
  t.equal(refused, '500 Cannot provide tag filter without service filter', "Consul's status and text reach the client");

  for (const n of nodes) await n.kill('SIGTERM');
});
