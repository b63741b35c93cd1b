import t from 'tap';
import { serveConsul } from '../../helpers/consul.js';
import { VirtualClock } from '../../../lib/core/clock.js';
import { DEFAULT_WAIT_MS, MAX_WAIT_MS } from '../../../lib/gateway/consul/blocking.js';

const put = (url: string, body: string) => fetch(url, { method: 'PUT', body });
const index = (res: Response): number => Number(res.headers.get('x-consul-index'));

/** Polls until `check` holds, failing after a generous deadline (no fixed sleeps). */
async function until(check: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

t.test('a blocking GET returns when its key changes', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/k`, 'one');
  const first = await fetch(`${s.url}/v1/kv/k`);
  const started = Date.now();
  const blocked = fetch(`${s.url}/v1/kv/k?index=${index(first)}&wait=10s`);
  await until(() => s.backend.watches.parked === 1, 'the query to park');
  await put(`${s.url}/v1/kv/other`, 'x');
  t.equal(s.backend.watches.parked, 1, 'a write to another key does not wake it');
  await put(`${s.url}/v1/kv/k`, 'two');
  const res = await blocked;
  t.ok(Date.now() - started < 5000, 'returned on the change, long before the wait');
  t.equal(res.status, 200);
  t.equal(index(res), 3);
  const body = (await res.json()) as Array<{ Value: string }>;
  t.equal(Buffer.from(body[0]!.Value, 'base64').toString(), 'two');
});

t.test('a blocking GET times out with the same index after ?wait', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/k`, 'one');
  const started = Date.now();
  const res = await fetch(`${s.url}/v1/kv/k?index=1&wait=200ms`);
  const took = Date.now() - started;
  t.equal(res.status, 200);
  t.equal(index(res), 1);
  t.ok(took >= 195, `waited the full 200 ms (${took} ms)`);
  t.ok(took < 200 * (17 / 16) + 1000, 'plus at most wait/16 of jitter and some slack');
  t.equal(s.backend.watches.parked, 0, 'nothing is left parked');
});

t.test('index=0 or an index already passed answers at once', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/k`, 'one');
  await put(`${s.url}/v1/kv/k`, 'two');
  for (const q of ['index=0&wait=10s', 'index=1&wait=10s']) {
    const started = Date.now();
    const res = await fetch(`${s.url}/v1/kv/k?${q}`);
    t.ok(Date.now() - started < 2000, q);
    t.equal(index(res), 2);
  }
});

t.test('a blocking 404 returns when the key is created', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/a`, '1');
  const miss = await fetch(`${s.url}/v1/kv/later`);
  t.equal(miss.status, 404);
  const blocked = fetch(`${s.url}/v1/kv/later?index=${index(miss)}&wait=10s`);
  await until(() => s.backend.watches.parked === 1, 'the query to park');
  await put(`${s.url}/v1/kv/later`, 'here');
  const res = await blocked;
  t.equal(res.status, 200);
  t.equal(index(res), 2);
});

t.test('a blocking recurse wakes on a delete inside the prefix', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/svc/a`, '1');
  await put(`${s.url}/v1/kv/svc/b`, '1');
  const first = await fetch(`${s.url}/v1/kv/svc/?recurse`);
  const blocked = fetch(`${s.url}/v1/kv/svc/?recurse&index=${index(first)}&wait=10s`);
  const keys = fetch(`${s.url}/v1/kv/svc/?keys&index=${index(first)}&wait=10s`);
  await until(() => s.backend.watches.parked === 2, 'both queries to park');
  await put(`${s.url}/v1/kv/svcx`, 'outside');
  t.equal(s.backend.watches.parked, 2, 'a key outside the prefix does not wake them');
  await fetch(`${s.url}/v1/kv/svc/a`, { method: 'DELETE' });
  const res = await blocked;
  t.equal(index(res), 4);
  t.same(((await res.json()) as Array<{ Key: string }>).map((e) => e.Key), ['svc/b']);
  t.same(await (await keys).json(), ['svc/b']);
});

t.test('a client index ahead of ours blocks until the timeout and gets our lower index', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/k`, 'one');
  const started = Date.now();
  const blocked = fetch(`${s.url}/v1/kv/k?index=1000&wait=300ms`);
  await until(() => s.backend.watches.parked === 1, 'the query to park');
  await put(`${s.url}/v1/kv/k`, 'two');
  t.equal(s.backend.watches.parked, 1, 'a change below the client index does not end the wait');
  const res = await blocked;
  t.ok(Date.now() - started >= 295, 'it waited for the timeout');
  t.equal(index(res), 2, 'and answered with the current, lower index');
});

t.test('a restore wakes parked queries', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/k`, 'one');
  const snapshot = s.backend.snapshot();
  await put(`${s.url}/v1/kv/k`, 'two');
  await put(`${s.url}/v1/kv/k`, 'three');
  const blocked = fetch(`${s.url}/v1/kv/?recurse&index=3&wait=10s`);
  await until(() => s.backend.watches.parked === 1, 'the query to park');
  s.backend.restore(snapshot);
  // After the restore the store's index (1) is below the client's (3): Consul keeps
  // blocking until the timeout; the wake-up makes it look again rather than miss a change.
  t.equal(s.backend.watches.parked, 0, 'the restore woke it');
  await until(() => s.backend.watches.parked === 1, 'it to look again and park again behind the client index');
  await put(`${s.url}/v1/kv/k`, 'four');
  await put(`${s.url}/v1/kv/k`, 'five');
  await put(`${s.url}/v1/kv/k`, 'six');
  const res = await blocked;
  t.equal(index(res), 4);
});

t.test('a client that goes away unparks its query', async (t) => {
  const s = await serveConsul(t);
  const ctl = new AbortController();
  const blocked = fetch(`${s.url}/v1/kv/k?index=5&wait=10s`, { signal: ctl.signal }).catch(() => 'aborted');
  await until(() => s.backend.watches.parked === 1, 'the query to park');
  ctl.abort();
  t.equal(await blocked, 'aborted');
  await until(() => s.backend.watches.parked === 0, 'the query to unpark');
  t.pass('unparked');
});

t.test('the default wait is 5 minutes and waits are capped at 10 (virtual time)', async (t) => {
  const clock = new VirtualClock();
  const s = await serveConsul(t, { clock });
  await put(`${s.url}/v1/kv/k`, 'one');
  let done = false;
  const noWait = fetch(`${s.url}/v1/kv/k?index=1`).then((r) => { done = true; return r; });
  await until(() => s.backend.watches.parked === 1, 'the query to park');
  clock.advance(DEFAULT_WAIT_MS - 1);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(done, false, 'still waiting just before 5 minutes');
  clock.advance(DEFAULT_WAIT_MS / 16 + 1);
  t.equal(index(await noWait), 1, 'answered within 5 min + jitter');

  done = false;
  const long = fetch(`${s.url}/v1/kv/k?index=1&wait=1h`).then((r) => { done = true; return r; });
  await until(() => s.backend.watches.parked === 1, 'the query to park');
  clock.advance(MAX_WAIT_MS - 1);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(done, false, 'still waiting just before 10 minutes');
  clock.advance(MAX_WAIT_MS / 16 + 1);
  t.equal((await long).status, 200, 'a 1h wait is cut to 10 min + jitter');
});
