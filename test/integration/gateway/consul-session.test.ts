import t from 'tap';
import { serveConsul, type ConsulServer } from '../../helpers/consul.js';

type Session = Record<string, unknown> & { ID: string };

const put = (url: string, body?: unknown, raw = false): Promise<Response> =>
  fetch(url, { method: 'PUT', ...(body === undefined ? {} : { body: raw ? (body as string) : JSON.stringify(body) }) });
const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Registers `node` with a serfHealth check (and others) through the catalog API, as the leader would. */
async function registerNode(s: ConsulServer, node: string, checks: Record<string, string> = {}): Promise<void> {
  const all = { serfHealth: 'passing', ...checks };
  const res = await put(`${s.url}/v1/catalog/register`, {
    Node: node, Address: '10.0.0.1', Checks: Object.entries(all).map(([CheckID, Status]) => ({ CheckID, Name: CheckID, Status })),
  });
  if (res.status !== 200) throw new Error(`register: ${res.status} ${await res.text()}`);
}

async function create(s: ConsulServer, body?: unknown): Promise<string> {
  const res = await put(`${s.url}/v1/session/create`, body);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`create: ${res.status} ${text}`);
  return (JSON.parse(text) as { ID: string }).ID;
}

const info = async (s: ConsulServer, id: string): Promise<Session[]> => json<Session[]>(fetch(`${s.url}/v1/session/info/${id}`));

t.test('create without a body: this agent, serfHealth, 15 s lock-delay, release; Session JSON in Go order', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1');
  const res = await put(`${s.url}/v1/session/create`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  const { ID } = (await res.json()) as { ID: string };
  t.match(ID, UUID);
  const got = await fetch(`${s.url}/v1/session/info/${ID}`);
  t.equal(got.headers.get('x-consul-index'), '2');
  t.equal(got.headers.get('x-consul-knownleader'), 'true');
  t.equal(got.headers.get('x-consul-lastcontact'), '0');
  t.equal(got.headers.get('x-consul-effective-consistency'), null, 'session reads do not set it (catalog and health do)');
  const [session] = (await got.json()) as Session[];
  t.same(Object.keys(session!), ['ID', 'Name', 'Node', 'LockDelay', 'Behavior', 'TTL', 'NodeChecks', 'ServiceChecks', 'CreateIndex', 'ModifyIndex']);
  t.same(session, {
    ID, Name: '', Node: 'agent-1', LockDelay: 15e9, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null,
    CreateIndex: 2, ModifyIndex: 2,
  });
});

t.test("the body over the defaults, then Consul's fix-up of Checks and NodeChecks", async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1', { mem: 'passing' });
  await registerNode(s, 'other');
  const cases: Array<[string, unknown, Record<string, unknown>]> = [
    ['empty object', {}, { NodeChecks: ['serfHealth'] }],
    ['JSON null', null, { NodeChecks: ['serfHealth'] }],
    ['Checks [] drops the default node check', { Checks: [] }, { NodeChecks: [] }],
    ['Checks null too', { Checks: null }, { NodeChecks: [] }],
    ['NodeChecks alone', { NodeChecks: ['mem'] }, { NodeChecks: ['mem'] }],
    ['NodeChecks null', { NodeChecks: null }, { NodeChecks: null }],
    ['custom Checks keep the default NodeChecks (npm consul)', { Checks: ['mem'] }, { NodeChecks: ['serfHealth'], Checks: ['mem'] }],
    ['custom Checks with NodeChecks [] are dropped', { Checks: ['mem'], NodeChecks: [] }, { NodeChecks: [] }],
    ['explicit serfHealth Checks defer to NodeChecks', { Checks: ['serfHealth'], NodeChecks: ['mem'] }, { NodeChecks: ['mem'] }],
    ['ServiceChecks', { NodeChecks: [], ServiceChecks: [{ ID: 'mem' }] }, { NodeChecks: [], ServiceChecks: [{ ID: 'mem', Namespace: '' }] }],
    ['lock delay string', { LockDelay: '20s' }, { LockDelay: 20e9 }],
    ['lock delay below 1000 is seconds', { LockDelay: 5 }, { LockDelay: 5e9 }],
    ['a short duration string is seconds too', { LockDelay: '999ns' }, { LockDelay: 999e9 }],
    ['lock delay in nanoseconds', { LockDelay: 2_500_000_000 }, { LockDelay: 2.5e9 }],
    ['lock delay 0', { LockDelay: '0s' }, { LockDelay: 0 }],
    ['names any case, behavior delete, a TTL, another node', { name: 'web-lock', BEHAVIOR: 'delete', ttl: '30s', node: 'other' },
      { Name: 'web-lock', Behavior: 'delete', TTL: '30s', Node: 'other' }],
    ['empty behavior is release', { Behavior: '' }, { Behavior: 'release' }],
    ['TTL 0 is none', { TTL: '0s' }, { TTL: '0s' }],
  ];
  for (const [name, body, expect] of cases) {
    const id = await create(s, body);
    const [session] = await info(s, id);
    t.match(session, expect, name);
    if (!('Checks' in expect)) t.notOk('Checks' in session!, `${name}: no Checks shown`);
  }
});

t.test('create refuses with Consul statuses and texts, and stores nothing', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1', { down: 'critical' });
  const cases: Array<[string, unknown, number, string]> = [
    ['unknown field', { Foo: 1 }, 400, 'Request decode failed: json: unknown field "Foo"'],
    ['not JSON', '{"Name":', 400, 'Request decode failed: unexpected EOF'],
    ['wrong type', { Name: 5 }, 400, 'Request decode failed: json: cannot unmarshal number into Go struct field Session.Name of type string'],
    ['bad lock delay', { LockDelay: 'soon' }, 400, 'Request decode failed: time: invalid duration "soon"'],
    ['bad behavior', { Behavior: 'keep' }, 500, "Invalid Behavior setting 'keep'"],
    ['TTL unparsable', { TTL: 'x' }, 500, `Session TTL 'x' invalid: time: invalid duration "x"`],
    ['TTL too short', { TTL: '5s' }, 500, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"],
    ['TTL too long', { TTL: '25h' }, 500, "Invalid Session TTL '90000000000000', must be between [10s=24h0m0s]"],
    ['unknown node', { Node: 'ghost' }, 500, 'Missing node registration'],
    ['empty node', { Node: '' }, 500, 'Must provide Node'],
    ['unknown check', { NodeChecks: ['nope'] }, 500, "Missing check 'nope' registration"],
    ['critical check', { NodeChecks: ['serfHealth', 'down'] }, 500, "Check 'down' is in critical state"],
  ];
  for (const [name, body, status, text] of cases) {
    const res = await put(`${s.url}/v1/session/create`, body, typeof body === 'string');
    t.equal(res.status, status, name);
    t.equal(await res.text(), text, name);
  }
  const dc = await put(`${s.url}/v1/session/create?dc=dc2`, {});
  t.same([dc.status, await dc.text()], [500, 'No path to datacenter']);
  const get = await fetch(`${s.url}/v1/session/create`);
  t.same([get.status, get.headers.get('allow'), await get.text()], [405, 'OPTIONS,PUT', 'method GET not allowed']);
  t.same(await json(fetch(`${s.url}/v1/session/list`)), [], 'nothing was stored');
});

t.test('a shorter minimum TTL is a setting', async (t) => {
  const s = await serveConsul(t, { sessionTtlMinMs: 1_000 });
  await registerNode(s, 'agent-1');
  t.ok(await create(s, { TTL: '2s' }));
  const res = await put(`${s.url}/v1/session/create`, { TTL: '500ms' });
  t.equal(await res.text(), "Invalid Session TTL '500000000', must be between [1s=24h0m0s]");
});

t.test('list, node, info, destroy and renew', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1');
  await registerNode(s, 'other');
  const a = await create(s, { Name: 'a' });
  const b = await create(s, { Name: 'b', Node: 'other', TTL: '10s' });
  const list = await fetch(`${s.url}/v1/session/list`);
  t.equal(list.headers.get('x-consul-index'), '4');
  t.same(((await list.json()) as Session[]).map((x) => x.ID), [a, b].sort(), 'ordered by ID');
  t.same((await json<Session[]>(fetch(`${s.url}/v1/session/node/OTHER`))).map((x) => x.Name), ['b'], 'node names are case-insensitive');
  t.same(await json(fetch(`${s.url}/v1/session/node/nobody`)), []);
  t.same(await json(fetch(`${s.url}/v1/session/info/nope`)), [], 'an unknown session is [] (never null)');

  const renewed = await put(`${s.url}/v1/session/renew/${b}`);
  t.equal(renewed.status, 200);
  t.equal(renewed.headers.get('x-consul-index'), null, 'renew is no query: no meta headers');
  t.match(await renewed.json(), [{ ID: b, TTL: '10s' }]);
  const unknown = await put(`${s.url}/v1/session/renew/nope`);
  t.same([unknown.status, await unknown.text()], [404, "Session id 'nope' not found"]);

  for (const path of ['info/', 'renew/', 'destroy/']) {
    const res = path === 'info/' ? await fetch(`${s.url}/v1/session/${path}`) : await put(`${s.url}/v1/session/${path}`);
    t.same([res.status, await res.text()], [400, 'Missing session'], path);
  }
  const noNode = await fetch(`${s.url}/v1/session/node/`);
  t.same([noNode.status, await noNode.text()], [400, 'Missing node name']);
  const conflict = await fetch(`${s.url}/v1/session/list?stale&consistent`);
  t.same([conflict.status, await conflict.text()], [400, 'Cannot specify ?stale with ?consistent, conflicting semantics.']);
  t.equal((await fetch(`${s.url}/v1/session/info/${a}?dc=dc2`)).status, 500);
  t.equal((await fetch(`${s.url}/v1/session/destroy/${a}`)).status, 405, 'destroy is PUT only');

  const destroyed = await put(`${s.url}/v1/session/destroy/${a}`);
  t.same([destroyed.status, await destroyed.text()], [200, 'true']);
  t.same(await info(s, a), []);
  t.equal(await (await put(`${s.url}/v1/session/destroy/${a}`)).text(), 'true', 'destroying again is fine');
  t.equal(await (await put(`${s.url}/v1/session/destroy/never-was`)).text(), 'true');
  t.equal((await fetch(`${s.url}/v1/session/list`)).headers.get('x-consul-index'), '5', 'only the real destroy moved the index');
});

t.test('a blocking info wakes when the session goes', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1');
  const id = await create(s);
  const first = await fetch(`${s.url}/v1/session/info/${id}`);
  const index = first.headers.get('x-consul-index')!;
  const started = Date.now();
  const parked = fetch(`${s.url}/v1/session/info/${id}?index=${index}&wait=10s`);
  setTimeout(() => void put(`${s.url}/v1/session/destroy/${id}`), 100);
  const woken = await parked;
  t.same(await woken.json(), []);
  t.ok(Number(woken.headers.get('x-consul-index')) > Number(index));
  t.ok(Date.now() - started < 5_000, 'woken by the destroy, not the wait');
});

t.test('?acquire and ?release: LockIndex, Session, the value replaced, Consul texts', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1');
  const one = await create(s);
  const two = await create(s);
  const kv = async (key: string) => (await json<Array<Record<string, unknown>>>(fetch(`${s.url}/v1/kv/${key}`)))[0]!;
  t.equal(await (await put(`${s.url}/v1/kv/svc/leader?acquire=${one}`, 'me', true)).text(), 'true');
  t.match(await kv('svc/leader'), { LockIndex: 1, Session: one, Value: Buffer.from('me').toString('base64') });
  t.equal(await (await put(`${s.url}/v1/kv/svc/leader?acquire=${one}`, 'me again', true)).text(), 'true', 'the holder may acquire again');
  t.match(await kv('svc/leader'), { LockIndex: 1, Session: one, Value: Buffer.from('me again').toString('base64') });
  t.equal(await (await put(`${s.url}/v1/kv/svc/leader?acquire=${two}`, 'you', true)).text(), 'false', 'held by another');
  t.equal(await (await put(`${s.url}/v1/kv/svc/leader?release=${two}`)).text(), 'false', 'only the holder releases');
  t.equal(await (await put(`${s.url}/v1/kv/nothing?release=${one}`)).text(), 'false', 'nothing to release');
  t.equal((await fetch(`${s.url}/v1/kv/nothing`)).status, 404);
  t.equal(await (await put(`${s.url}/v1/kv/svc/leader?release=${one}`)).text(), 'true');
  t.match(await kv('svc/leader'), { LockIndex: 1, Session: undefined, Value: null }, 'released: no Session, LockIndex kept, empty body is a null Value');
  t.equal(await (await put(`${s.url}/v1/kv/svc/leader?acquire=${two}`, 'you', true)).text(), 'true', 'a voluntary release starts no lock-delay');
  t.match(await kv('svc/leader'), { LockIndex: 2, Session: two });

  const invalid = await put(`${s.url}/v1/kv/k?acquire=nope`, 'x', true);
  t.same([invalid.status, await invalid.text()], [500, 'invalid session "nope"']);
  const empty = await put(`${s.url}/v1/kv/k?acquire=`, 'x', true);
  t.same([empty.status, await empty.text()], [500, 'missing session']);
  t.equal((await fetch(`${s.url}/v1/kv/k`)).status, 404, 'nothing was written');
  const both = await put(`${s.url}/v1/kv/k?acquire=${one}&release=${one}`, 'x', true);
  t.equal(both.status, 400);
});

t.test('invalidation through the catalog API releases or deletes the held keys', async (t) => {
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1');
  await registerNode(s, 'n2');
  const released = await create(s, { LockDelay: 0 });
  const deleted = await create(s, { Node: 'n2', Behavior: 'delete', LockDelay: 0 });
  await put(`${s.url}/v1/kv/a?acquire=${released}`, 'A', true);
  await put(`${s.url}/v1/kv/b?acquire=${deleted}`, 'B', true);
  await registerNode(s, 'agent-1', { serfHealth: 'critical' });
  t.same(await info(s, released), [], 'serfHealth critical invalidates');
  t.match((await json<Array<Record<string, unknown>>>(fetch(`${s.url}/v1/kv/a`)))[0], { Session: undefined, LockIndex: 1, Value: Buffer.from('A').toString('base64') });
  await put(`${s.url}/v1/catalog/deregister`, { Node: 'n2' });
  t.same(await info(s, deleted), [], 'deregistering the node invalidates');
  t.equal((await fetch(`${s.url}/v1/kv/b`)).status, 404, 'behavior delete deleted the key');
});

t.test('session create on a client node defaults to that node (forwarded with its name)', async (t) => {
  const server = await serveConsul(t, { nodeName: 'server-1' });
  await registerNode(server, 'server-1');
  await registerNode(server, 'client-1');
  const { createGatewayApp } = await import('../../../lib/gateway/app.js');
  const { silentLogger } = await import('../../../lib/core/logger.js');
  const { serve } = await import('../../helpers/http.js');
  const { emptyHabitat, fakeGossip } = await import('../../helpers/gateway.js');
  const client = await serve(createGatewayApp({
    logger: silentLogger(), isReady: () => true, gossip: fakeGossip(), habitat: emptyHabitat(), forwardTo: () => server.url, nodeName: 'client-1',
  }));
  t.teardown(client.close);
  const viaClient = await json<{ ID: string }>(put(`${client.url}/v1/session/create`));
  t.match(await info(server, viaClient.ID), [{ Node: 'client-1' }]);
  const direct = await create(server);
  t.match(await info(server, direct), [{ Node: 'server-1' }]);
  const spoofed = await json<{ ID: string }>(fetch(`${server.url}/v1/session/create`, { method: 'PUT', headers: { 'x-chorus-agent-node': 'client-1' } }));
  t.match(await info(server, spoofed.ID), [{ Node: 'server-1' }], 'the header counts only on a forwarded request');
});

t.test('lock-delay and TTL expiry on the virtual clock', async (t) => {
  const { VirtualClock } = await import('../../../lib/core/clock.js');
  const clock = new VirtualClock();
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const s = await serveConsul(t, { clock });
  await registerNode(s, 'agent-1');
  const holder = await create(s, { LockDelay: '5s', TTL: '10s' });
  const waiter = await create(s);
  t.equal(await (await put(`${s.url}/v1/kv/lock?acquire=${holder}`, 'h', true)).text(), 'true');

  // The TTL is 10 s; the leader gives it twice that. A renewal at 15 s pushes expiry to 35 s.
  clock.advance(15_000);
  t.equal((await put(`${s.url}/v1/session/renew/${holder}`)).status, 200);
  clock.advance(19_999);
  await settle();
  t.equal((await info(s, holder)).length, 1, 'alive just before TTL × 2 after the renewal');
  clock.advance(1);
  await settle();
  t.same(await info(s, holder), [], 'expired');
  t.match((await json<Array<Record<string, unknown>>>(fetch(`${s.url}/v1/kv/lock`)))[0], { Session: undefined, LockIndex: 1 });

  // Its key is in lock-delay for 5 s: acquires answer false without writing anything.
  const before = (await fetch(`${s.url}/v1/kv/lock`)).headers.get('x-consul-index');
  t.equal(await (await put(`${s.url}/v1/kv/lock?acquire=${waiter}`, 'w', true)).text(), 'false');
  t.equal((await fetch(`${s.url}/v1/kv/lock`)).headers.get('x-consul-index'), before, 'nothing was written');
  clock.advance(4_999);
  t.equal(await (await put(`${s.url}/v1/kv/lock?acquire=${waiter}`, 'w', true)).text(), 'false');
  clock.advance(1);
  t.equal(await (await put(`${s.url}/v1/kv/lock?acquire=${waiter}`, 'w', true)).text(), 'true', 'free once the delay is over');
  t.match((await json<Array<Record<string, unknown>>>(fetch(`${s.url}/v1/kv/lock`)))[0], { Session: waiter, LockIndex: 2 });

  // An explicit destroy starts the lock-delay too (15 s by default), capped at 60 s.
  const long = await create(s, { LockDelay: '10m' });
  await put(`${s.url}/v1/kv/other?acquire=${long}`, 'x', true);
  await put(`${s.url}/v1/session/destroy/${long}`);
  clock.advance(59_999);
  t.equal(await (await put(`${s.url}/v1/kv/other?acquire=${waiter}`, 'w', true)).text(), 'false');
  clock.advance(1);
  t.equal(await (await put(`${s.url}/v1/kv/other?acquire=${waiter}`, 'w', true)).text(), 'true');
});

t.test('the npm consul client: session.* and kv.set with acquire and release', async (t) => {
  const { default: Consul } = await import('consul');
  const s = await serveConsul(t);
  await registerNode(s, 'agent-1', { app: 'passing' });
  const url = new URL(s.url);
  const consul = new Consul({ host: url.hostname, port: Number(url.port) });
  const created = (await consul.session.create({ name: 'leader', lockdelay: '1s', checks: ['app'], ttl: '15s', behavior: 'delete' })) as { ID: string };
  t.match(created.ID, UUID);
  const got = (await consul.session.info(created.ID)) as unknown as Session;
  t.match(got, { ID: created.ID, Name: 'leader', Node: 'agent-1', LockDelay: 1e9, Behavior: 'delete', TTL: '15s', NodeChecks: ['serfHealth'], Checks: ['app'] });
  t.equal(await consul.session.info('nope'), undefined, 'info of an unknown session is undefined (body[0] of [])');
  t.same(((await consul.session.list()) as unknown as Session[]).map((x) => x.ID), [created.ID]);
  t.same(((await consul.session.node('agent-1')) as unknown as Session[]).map((x) => x.ID), [created.ID]);
  t.match(await consul.session.renew(created.ID), [{ ID: created.ID }]);
  const status = await consul.session.renew('nope').then(() => 200, (err: { statusCode?: number }) => err.statusCode);
  t.equal(status, 404, 'renewing an unknown session throws a 404');
  t.equal(await consul.kv.set({ key: 'app/leader', value: 'me', acquire: created.ID }), true);
  t.match(await consul.kv.get('app/leader'), { Session: created.ID, LockIndex: 1, Value: 'me' });
  t.equal(await consul.kv.set({ key: 'app/leader', value: 'me', release: created.ID }), true);
  t.equal(await consul.kv.set({ key: 'app/leader', value: 'me', acquire: created.ID }), true);
  // The app check goes critical: the session goes, and with behavior delete, its key.
  await registerNode(s, 'agent-1', { app: 'critical' });
  t.equal(await consul.session.info(created.ID), undefined);
  t.equal(await consul.kv.get('app/leader'), undefined);
  await consul.session.destroy(created.ID);
});
