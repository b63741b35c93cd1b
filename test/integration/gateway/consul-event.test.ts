import t from 'tap';
import { VirtualClock } from '../../../lib/core/clock.js';
import { uuidToUint64 } from '../../../lib/agent/events/index.js';
import type { UserEventJson } from '../../../lib/gateway/routes/consul-event.js';
import { MAX_WAIT_MS } from '../../../lib/gateway/consul/blocking.js';
import { FakeEventRing, serveEvents } from '../../helpers/events.js';
import { eventually } from '../../helpers/proc.js';

const put = (url: string, body?: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'PUT', headers, ...(body === undefined ? {} : { body }) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('PUT /v1/event/fire/:name answers the event; GET /v1/event/list lists it', async (t) => {
  const s = await serveEvents(t);
  const res = await put(`${s.url}/v1/event/fire/deploy`, '{"v":2}', { 'Content-Type': 'application/json' });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  const text = await res.text();
  const fired = JSON.parse(text) as UserEventJson;
  t.match(fired.ID, UUID);
  t.equal(text, `{"ID":"${fired.ID}","Name":"deploy","Payload":"${Buffer.from('{"v":2}').toString('base64')}","NodeFilter":"","ServiceFilter":"","TagFilter":"","Version":1,"LTime":0}`, "Consul's exact shape and field order");

  const empty = (await (await put(`${s.url}/v1/event/fire/empty`)).json()) as UserEventJson;
  t.equal(empty.Payload, null, 'no body: Payload null');
  const filtered = (await (await put(`${s.url}/v1/event/fire/f?node=^node1$&service=web&tag=v1&dc=dc1`)).json()) as UserEventJson;
  t.same([filtered.NodeFilter, filtered.ServiceFilter, filtered.TagFilter], ['^node1$', 'web', 'v1']);
  const slashed = (await (await put(`${s.url}/v1/event/fire/a%2Fb`, 'x', { 'Content-Type': 'text/plain' })).json()) as UserEventJson;
  t.equal(slashed.Name, 'a/b', 'the name is the percent-decoded rest of the path');

  const list = await fetch(`${s.url}/v1/event/list`);
  t.equal(list.status, 200);
  t.equal(list.headers.get('content-type'), 'application/json');
  const events = (await list.json()) as UserEventJson[];
  t.same(events.map((e) => e.Name), ['deploy', 'empty', 'a/b'], 'the service filter kept f off this node, which runs no services');
  t.same(events.map((e) => e.LTime), [0, 1, 3]);
  t.equal(events[0]!.ID, fired.ID);
  t.equal(list.headers.get('x-consul-index'), uuidToUint64(slashed.ID).toString(), 'index: uuidToUint64 of the newest');
  t.equal(list.headers.get('x-consul-knownleader'), null, 'no leader headers');
  t.equal(list.headers.get('x-consul-lastcontact'), null);

  const byName = await fetch(`${s.url}/v1/event/list?name=deploy`);
  t.same(((await byName.json()) as UserEventJson[]).map((e) => e.ID), [fired.ID]);
  t.equal(byName.headers.get('x-consul-index'), uuidToUint64(fired.ID).toString(), 'the index follows the name filter');
  const none = await fetch(`${s.url}/v1/event/list?name=nothing`);
  t.equal(await none.text(), '[]');
  t.equal(none.headers.get('x-consul-index'), '1', 'an empty list has index 1');
  t.match(await (await fetch(`${s.url}/v1/event/list?pretty`)).text(), /^\[\n    \{/);
});

t.test("bad fire requests get Consul's answers and fire nothing", async (t) => {
  const s = await serveEvents(t, { ring: new FakeEventRing() });
  const check = async (path: string, status: number, text: string | RegExp, body?: string | Uint8Array): Promise<void> => {
    const res = await put(`${s.url}${path}`, body);
    t.equal(res.status, status, path);
    const got = await res.text();
    if (typeof text === 'string') t.equal(got, text, path);
    else t.match(got, text, path);
  };
  await check('/v1/event/fire/', 400, 'Missing name');
  await check('/v1/event/fire', 400, 'Missing name');
  await check('/v1/event/fire/x?tag=v1', 500, 'Cannot provide tag filter without service filter');
  await check('/v1/event/fire/x?node=(', 500, /^Invalid node filter: error parsing regexp: /);
  await check('/v1/event/fire/x?service=[a', 500, /^Invalid service filter: /);
  await check('/v1/event/fire/x?service=a&tag=*', 500, /^Invalid tag filter: /);
  await check('/v1/event/fire/x?dc=elsewhere', 500, 'No path to datacenter');
  await check('/v1/event/fire/x', 500, 'user event exceeds configured limit of 512 bytes before encoding', new Uint8Array(500));
  await check('/v1/event/fire/x', 500, 'user event exceeds configured limit of 512 bytes before encoding', new Uint8Array(100_000));
  t.same(s.events.list(), [], 'nothing was fired');
});

t.test('methods: OPTIONS and 405 as Consul answers them', async (t) => {
  const s = await serveEvents(t);
  const opt = await fetch(`${s.url}/v1/event/fire/x`, { method: 'OPTIONS' });
  t.equal(opt.status, 200);
  t.equal(opt.headers.get('allow'), 'OPTIONS,PUT');
  t.equal(await opt.text(), '');
  const get = await fetch(`${s.url}/v1/event/fire/x`);
  t.equal(get.status, 405);
  t.equal(get.headers.get('allow'), 'OPTIONS,PUT');
  t.equal(await get.text(), 'method GET not allowed');
  const listPut = await put(`${s.url}/v1/event/list`);
  t.equal(listPut.status, 405);
  t.equal(listPut.headers.get('allow'), 'OPTIONS,GET');
  t.equal(await listPut.text(), 'method PUT not allowed');
  t.equal((await fetch(`${s.url}/v1/event/list`, { method: 'OPTIONS' })).headers.get('allow'), 'OPTIONS,GET');
  t.same(s.events.list(), []);
});

t.test('bad blocking parameters are 400 with Consul\'s texts', async (t) => {
  const s = await serveEvents(t);
  const bad = async (query: string, text: string): Promise<void> => {
    const res = await fetch(`${s.url}/v1/event/list?${query}`);
    t.equal(res.status, 400, query);
    t.equal(await res.text(), text, query);
  };
  await bad('wait=soon', 'Invalid wait time');
  await bad('index=-1', 'Invalid index');
  await bad('index=18446744073709551616', 'Invalid index');
  await bad('wait=x&index=y', 'Invalid wait time');
});

t.test('a blocking list wakes at once on a new event, not on one of another name', async (t) => {
  const ring = new FakeEventRing();
  const s = await serveEvents(t, { ring });
  const other = ring.agent('node2', [], 9);
  const first = other.fire({ name: 'deploy' });
  const index = uuidToUint64(first.ID).toString();
  const head = await fetch(`${s.url}/v1/event/list?name=deploy&index=0`);
  t.equal(head.headers.get('x-consul-index'), index, 'index=0 does not block');

  const started = Date.now();
  const blocked = fetch(`${s.url}/v1/event/list?name=deploy&index=${index}&wait=30s`);
  await eventually(async () => (s.parked() === 1 ? true : undefined), 5_000, 5);
  other.fire({ name: 'other' });
  t.equal(s.parked(), 1, 'an event of another name leaves the index as it was: still waiting');
  const second = other.fire({ name: 'deploy', payload: Buffer.from('2') });
  const res = await blocked;
  t.ok(Date.now() - started < 5_000, 'answered promptly');
  t.equal(res.headers.get('x-consul-index'), uuidToUint64(second.ID).toString());
  t.same(((await res.json()) as UserEventJson[]).map((e) => e.ID), [first.ID, second.ID]);
  t.equal(s.parked(), 0);

  // An index that is not the current one (a hash, so "lower" means nothing) answers at once.
  const stale = await fetch(`${s.url}/v1/event/list?name=deploy&index=${index}`);
  t.equal(stale.headers.get('x-consul-index'), uuidToUint64(second.ID).toString());
  // The full 64 bits count: an index off by one in the last bit does not block either.
  const near = (BigInt(uuidToUint64(second.ID)) ^ 1n).toString();
  t.equal((await fetch(`${s.url}/v1/event/list?name=deploy&index=${near}`)).status, 200);
});

t.test('an empty list blocks on index 1; the client hanging up ends the wait', async (t) => {
  const s = await serveEvents(t);
  const ctl = new AbortController();
  const blocked = fetch(`${s.url}/v1/event/list?index=1`, { signal: ctl.signal }).catch(() => 'aborted');
  await eventually(async () => (s.parked() === 1 ? true : undefined), 5_000, 5);
  ctl.abort();
  t.equal(await blocked, 'aborted');
  await eventually(async () => (s.parked() === 0 ? true : undefined), 5_000, 5);
  t.pass('the parked list was released');
  const woken = fetch(`${s.url}/v1/event/list?index=1`);
  await eventually(async () => (s.parked() === 1 ? true : undefined), 5_000, 5);
  await put(`${s.url}/v1/event/fire/first`);
  t.same(((await (await woken).json()) as UserEventJson[]).map((e) => e.Name), ['first']);
});

t.test('the wait defaults to 10 minutes, is capped at 10, has no jitter (virtual time)', async (t) => {
  const clock = new VirtualClock();
  const s = await serveEvents(t, { clock });
  const ask = async (query: string, expectMs: number): Promise<void> => {
    const pending = fetch(`${s.url}/v1/event/list?index=1${query}`);
    await eventually(async () => (s.parked() === 1 ? true : undefined), 5_000, 5);
    clock.advance(expectMs - 1);
    t.equal(s.parked(), 1, `${query || 'no wait'}: still waiting 1 ms before ${expectMs} ms`);
    clock.advance(1);
    t.equal(s.parked(), 0, `${query || 'no wait'}: released at exactly ${expectMs} ms`);
    const res = await pending;
    t.equal(res.status, 200);
    t.equal(res.headers.get('x-consul-index'), '1');
    t.equal(await res.text(), '[]', 'on timeout: the same list');
  };
  await ask('', MAX_WAIT_MS);
  await ask('&wait=1h', MAX_WAIT_MS);
  await ask('&wait=0', MAX_WAIT_MS);
  await ask('&wait=1500ms', 1_500);
});

t.test('with a gateway token, the event routes need it too', async (t) => {
  const s = await serveEvents(t, { authToken: 'secret' });
  t.equal((await put(`${s.url}/v1/event/fire/x`)).status, 401);
  t.equal((await fetch(`${s.url}/v1/event/list`)).status, 401);
  t.equal((await put(`${s.url}/v1/event/fire/x`, undefined, { Authorization: 'Bearer secret' })).status, 200);
  t.same(s.events.list().map((e) => e.Name), ['x']);
});
