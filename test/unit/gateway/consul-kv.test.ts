import t from 'tap';
import { serveConsul } from '../../helpers/consul.js';
import { createGatewayApp } from '../../../lib/gateway/app.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { serve } from '../../helpers/http.js';
import { emptyHabitat, fakeGossip } from '../../helpers/gateway.js';

type DirEntry = { LockIndex: number; Key: string; Flags: number; Value: string | null; Session?: string; CreateIndex: number; ModifyIndex: number };

const put = (url: string, body?: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'PUT', ...(body === undefined ? {} : { body }), headers });

const index = (res: Response): number => Number(res.headers.get('x-consul-index'));

t.test('PUT then GET a key: DirEntry shape, base64 value, index headers', async (t) => {
  const s = await serveConsul(t);
  const res = await put(`${s.url}/v1/kv/web/config`, 'hello', { 'Content-Type': 'text/plain' });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  t.equal(await res.text(), 'true');
  const get = await fetch(`${s.url}/v1/kv/web/config`);
  t.equal(get.status, 200);
  t.equal(get.headers.get('content-type'), 'application/json');
  const body = (await get.json()) as DirEntry[];
  t.same(body, [{ LockIndex: 0, Key: 'web/config', Flags: 0, Value: Buffer.from('hello').toString('base64'), CreateIndex: 1, ModifyIndex: 1 }]);
  t.same(Object.keys(body[0]!), ['LockIndex', 'Key', 'Flags', 'Value', 'CreateIndex', 'ModifyIndex'], "Go's field order, no Session when unlocked");
  t.equal(get.headers.get('x-consul-index'), '1');
  t.equal(get.headers.get('x-consul-knownleader'), 'true');
  t.equal(get.headers.get('x-consul-lastcontact'), '0');
});

t.test('values are raw bytes whatever the content type; empty is null', async (t) => {
  const s = await serveConsul(t);
  const bin = new Uint8Array([0, 1, 2, 250, 255]);
  await put(`${s.url}/v1/kv/bin`, bin, { 'Content-Type': 'application/x-www-form-urlencoded' });
  await put(`${s.url}/v1/kv/json`, '{"not":"parsed"}', { 'Content-Type': 'application/json' });
  await put(`${s.url}/v1/kv/empty`);
  const all = (await (await fetch(`${s.url}/v1/kv/?recurse`)).json()) as DirEntry[];
  t.same(all.map((e) => [e.Key, e.Value]), [
    ['bin', Buffer.from(bin).toString('base64')],
    ['empty', null],
    ['json', Buffer.from('{"not":"parsed"}').toString('base64')],
  ]);
  const raw = await fetch(`${s.url}/v1/kv/bin?raw`);
  t.same([...new Uint8Array(await raw.arrayBuffer())], [...bin]);
  const rawEmpty = await fetch(`${s.url}/v1/kv/empty?raw`);
  t.equal(rawEmpty.status, 200);
  t.equal(rawEmpty.headers.get('content-length'), '0');
});

t.test('?raw headers keep browsers from sniffing or running values', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/page`, '<script>alert(1)</script>');
  const res = await fetch(`${s.url}/v1/kv/page?raw`);
  t.equal(res.headers.get('content-type'), 'text/plain');
  t.equal(res.headers.get('x-content-type-options'), 'nosniff');
  t.equal(res.headers.get('content-security-policy'), 'sandbox');
  t.equal(res.headers.get('content-length'), '25');
  t.equal(res.headers.get('x-consul-index'), '1');
  t.equal(await res.text(), '<script>alert(1)</script>');
  const recursed = await fetch(`${s.url}/v1/kv/page?raw&recurse`);
  t.equal(recursed.headers.get('content-type'), 'application/json', '?raw is ignored with ?recurse');
});

t.test('?flags is stored and overwritten; bad numbers answer 500 with Go text', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/f?flags=42`, 'x');
  t.equal(((await (await fetch(`${s.url}/v1/kv/f`)).json()) as DirEntry[])[0]!.Flags, 42);
  await put(`${s.url}/v1/kv/f`, 'y');
  t.equal(((await (await fetch(`${s.url}/v1/kv/f`)).json()) as DirEntry[])[0]!.Flags, 0, 'a PUT without ?flags sets 0');
  const bad = await put(`${s.url}/v1/kv/f?flags=abc`, 'x');
  t.equal(bad.status, 500);
  t.equal(await bad.text(), 'strconv.ParseUint: parsing "abc": invalid syntax');
  const badCas = await put(`${s.url}/v1/kv/f?cas=-1`, 'x');
  t.equal(badCas.status, 500);
  t.equal(await badCas.text(), 'strconv.ParseUint: parsing "-1": invalid syntax');
  const badDel = await fetch(`${s.url}/v1/kv/f?cas=x`, { method: 'DELETE' });
  t.equal(badDel.status, 500);
});

t.test('PUT ?cas: 0 creates only, otherwise the ModifyIndex must match', async (t) => {
  const s = await serveConsul(t);
  t.equal(await (await put(`${s.url}/v1/kv/c?cas=0`, 'a')).text(), 'true');
  t.equal(await (await put(`${s.url}/v1/kv/c?cas=0`, 'b')).text(), 'false');
  t.equal(await (await put(`${s.url}/v1/kv/c?cas=99`, 'b')).text(), 'false');
  t.equal(await (await put(`${s.url}/v1/kv/c?cas=1`, 'b')).text(), 'true');
  const e = ((await (await fetch(`${s.url}/v1/kv/c`)).json()) as DirEntry[])[0]!;
  t.equal(Buffer.from(e.Value!, 'base64').toString(), 'b');
  t.equal(e.ModifyIndex, 4, 'every write takes a log index, refused or not');
});

t.test('a missing key is 404 with an empty body and the index headers', async (t) => {
  const s = await serveConsul(t);
  const empty = await fetch(`${s.url}/v1/kv/nothing`);
  t.equal(empty.status, 404);
  t.equal(await empty.text(), '');
  t.equal(empty.headers.get('x-consul-index'), '1', 'never 0, even on an empty store');
  t.equal(empty.headers.get('x-consul-knownleader'), 'true');
  t.equal(empty.headers.get('x-consul-lastcontact'), '0');
  await put(`${s.url}/v1/kv/a`, '1');
  await put(`${s.url}/v1/kv/b`, '2');
  t.equal(index(await fetch(`${s.url}/v1/kv/nothing`)), 2, 'a missing key reports the table index');
  t.equal(index(await fetch(`${s.url}/v1/kv/a`)), 1, 'a present key reports its ModifyIndex');
});

t.test('missing key names', async (t) => {
  const s = await serveConsul(t);
  for (const [method, path] of [['GET', '/v1/kv/'], ['GET', '/v1/kv'], ['PUT', '/v1/kv/'], ['DELETE', '/v1/kv/']] as const) {
    const res = await fetch(`${s.url}${path}`, { method });
    t.equal(res.status, 400, `${method} ${path}`);
    t.equal(await res.text(), 'Missing key name');
  }
  await put(`${s.url}/v1/kv/x/1`, '1');
  await put(`${s.url}/v1/kv/y`, '1');
  t.equal((await fetch(`${s.url}/v1/kv/?recurse`)).status, 200, 'recurse on the root lists everything');
  t.equal(await (await fetch(`${s.url}/v1/kv/?recurse`, { method: 'DELETE' })).text(), 'true', 'recurse delete on the root wipes all');
  t.equal((await fetch(`${s.url}/v1/kv/?recurse`)).status, 404);
});

t.test('?recurse lists a prefix with the highest index in it', async (t) => {
  const s = await serveConsul(t);
  for (const k of ['app/a', 'app/b/c', 'apple', 'other']) await put(`${s.url}/v1/kv/${k}`, k);
  await put(`${s.url}/v1/kv/app/a`, 'again');
  const res = await fetch(`${s.url}/v1/kv/app/?recurse`);
  const body = (await res.json()) as DirEntry[];
  t.same(body.map((e) => e.Key), ['app/a', 'app/b/c']);
  t.equal(index(res), 5);
  t.same(((await (await fetch(`${s.url}/v1/kv/app?recurse=true`)).json()) as DirEntry[]).map((e) => e.Key), ['app/a', 'app/b/c', 'apple']);
  const none = await fetch(`${s.url}/v1/kv/zzz/?recurse`);
  t.equal(none.status, 404);
  t.equal(index(none), 5, 'an empty prefix reports the table index');
});

t.test('?keys with ?separator (and the historic ?seperator)', async (t) => {
  const s = await serveConsul(t);
  t.same(await (await fetch(`${s.url}/v1/kv/?keys`)).json(), [], 'the root is [] when empty, not 404');
  for (const k of ['web/bar', 'web/foo', 'web/subdir/a', 'web/subdir/b', 'webby']) await put(`${s.url}/v1/kv/${k}`, '1');
  t.same(await (await fetch(`${s.url}/v1/kv/web/?keys&separator=/`)).json(), ['web/bar', 'web/foo', 'web/subdir/']);
  t.same(await (await fetch(`${s.url}/v1/kv/web/?keys&seperator=/`)).json(), ['web/bar', 'web/foo', 'web/subdir/']);
  t.same(await (await fetch(`${s.url}/v1/kv/web/?keys&seperator=x&separator=/`)).json(), ['web/bar', 'web/foo', 'web/subdir/'], 'the right spelling wins');
  t.same(await (await fetch(`${s.url}/v1/kv/?keys&separator=/`)).json(), ['web/', 'webby']);
  t.same(await (await fetch(`${s.url}/v1/kv/web?keys`)).json(), ['web/bar', 'web/foo', 'web/subdir/a', 'web/subdir/b', 'webby']);
  const missing = await fetch(`${s.url}/v1/kv/nope/?keys`);
  t.equal(missing.status, 404);
  t.equal(await missing.text(), '');
  t.equal(index(missing), 5);
});

t.test('DELETE: plain, ?cas, ?recurse, and tombstones keep the prefix index', async (t) => {
  const s = await serveConsul(t);
  for (const k of ['d/1', 'd/2', 'd/3/x', 'keep']) await put(`${s.url}/v1/kv/${k}`, '1');
  const del = await fetch(`${s.url}/v1/kv/d/1`, { method: 'DELETE' });
  t.equal(del.status, 200);
  t.equal(del.headers.get('content-type'), 'application/json');
  t.equal(await del.text(), 'true');
  t.equal((await fetch(`${s.url}/v1/kv/d/1`)).status, 404);
  t.equal(await (await fetch(`${s.url}/v1/kv/absent`, { method: 'DELETE' })).text(), 'true', 'deleting nothing is true');
  t.equal(await (await fetch(`${s.url}/v1/kv/d/2?cas=99`, { method: 'DELETE' })).text(), 'false');
  t.equal(await (await fetch(`${s.url}/v1/kv/d/2?cas=2`, { method: 'DELETE' })).text(), 'true');
  const listed = await fetch(`${s.url}/v1/kv/d/?recurse`);
  t.equal(index(listed), 8, 'the prefix index is the last delete (index 8), not the remaining key (3)');
  t.equal(await (await fetch(`${s.url}/v1/kv/d/?recurse`, { method: 'DELETE' })).text(), 'true');
  const gone = await fetch(`${s.url}/v1/kv/d/?recurse`);
  t.equal(gone.status, 404);
  t.equal(index(gone), 9);
  t.equal((await fetch(`${s.url}/v1/kv/keep`)).status, 200);
});

t.test('conflicting flags are 400 with the query echoed back', async (t) => {
  const s = await serveConsul(t);
  const res = await put(`${s.url}/v1/kv/k?release=b&cas=1&acquire=a`, 'x');
  t.equal(res.status, 400);
  t.equal(await res.text(), 'Conflicting flags: acquire=a&cas=1&release=b\n');
  const del = await fetch(`${s.url}/v1/kv/k?recurse&cas=5`, { method: 'DELETE' });
  t.equal(del.status, 400);
  t.equal(await del.text(), 'Conflicting flags: cas=5&recurse=\n');
});

t.test('bodies over 512 KiB are 413', async (t) => {
  const s = await serveConsul(t);
  const big = await put(`${s.url}/v1/kv/big`, new Uint8Array(512 * 1024 + 1));
  t.equal(big.status, 413);
  t.equal(await big.text(), 'Request body(524289 bytes) too large, max size: 524288 bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.');
  const edge = await put(`${s.url}/v1/kv/edge`, new Uint8Array(512 * 1024));
  t.equal(edge.status, 200, 'exactly 512 KiB is allowed');
  t.equal((await fetch(`${s.url}/v1/kv/big`)).status, 404);
});

t.test('a chunked body is counted as it arrives', async (t) => {
  const s = await serveConsul(t, { maxValueSize: 10 });
  const chunks = new ReadableStream<Uint8Array>({
    start(c) { for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(4)); c.close(); },
  });
  const res = await fetch(`${s.url}/v1/kv/chunked`, { method: 'PUT', body: chunks, duplex: 'half' } as RequestInit);
  t.equal(res.status, 413);
  t.match(await res.text(), /^Request body\(1[2-6] bytes\) too large, max size: 10 bytes/);
  t.equal((await fetch(`${s.url}/v1/kv/chunked`)).status, 404);
});

t.test('path segments are percent-decoded; keys may contain /', async (t) => {
  const s = await serveConsul(t);
  t.equal(await (await put(`${s.url}/v1/kv/a%2Fb/c%20d%3F`, 'v')).text(), 'true');
  const res = await fetch(`${s.url}/v1/kv/a/b/c%20d%3F`);
  t.equal(res.status, 200);
  t.equal(((await res.json()) as DirEntry[])[0]!.Key, 'a/b/c d?');
  t.same(await (await fetch(`${s.url}/v1/kv/a%2F?keys`)).json(), ['a/b/c d?']);
  const bad = await fetch(`${s.url}/v1/kv/%zz`);
  t.equal(bad.status, 400);
});

t.test('consistency modes, ?dc and ?pretty', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/kv/k`, 'v');
  for (const q of ['stale', 'consistent', 'leader', 'dc=dc1']) {
    const res = await fetch(`${s.url}/v1/kv/k?${q}`);
    t.equal(res.status, 200, q);
    t.equal(res.headers.get('x-consul-knownleader'), 'true');
    t.equal(res.headers.get('x-consul-lastcontact'), '0');
  }
  const both = await fetch(`${s.url}/v1/kv/k?stale&consistent`);
  t.equal(both.status, 400);
  t.equal(await both.text(), 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  for (const [method, path] of [['GET', '/v1/kv/k?dc=dc2'], ['PUT', '/v1/kv/k?dc=dc2'], ['DELETE', '/v1/kv/k?dc=dc2'], ['GET', '/v1/kv/?keys&dc=dc2']] as const) {
    const res = await fetch(`${s.url}${path}`, { method });
    t.equal(res.status, 500, `${method} ${path}`);
    t.equal(await res.text(), 'No path to datacenter');
  }
  t.equal((await fetch(`${s.url}/v1/kv/k`)).status, 200, 'the PUT to dc2 wrote nothing... and the key is intact');
  const pretty = await (await fetch(`${s.url}/v1/kv/k?pretty`)).text();
  t.match(pretty, /^\[\n    \{\n        "LockIndex": 0,/);
});

t.test('methods: OPTIONS lists them, others are 405 with Consul text', async (t) => {
  const s = await serveConsul(t);
  const opt = await fetch(`${s.url}/v1/kv/k`, { method: 'OPTIONS' });
  t.equal(opt.status, 200);
  t.equal(opt.headers.get('allow'), 'OPTIONS,GET,PUT,DELETE');
  const post = await fetch(`${s.url}/v1/kv/k`, { method: 'POST', body: 'x' });
  t.equal(post.status, 405);
  t.equal(post.headers.get('allow'), 'OPTIONS,GET,PUT,DELETE');
  t.equal(await post.text(), 'method POST not allowed');
});

t.test('bad ?wait and ?index are 400 on every method', async (t) => {
  const s = await serveConsul(t);
  const w = await fetch(`${s.url}/v1/kv/k?index=1&wait=10`);
  t.equal(w.status, 400);
  t.equal(await w.text(), 'Invalid wait time');
  const i = await fetch(`${s.url}/v1/kv/k?index=abc`);
  t.equal(i.status, 400);
  t.equal(await i.text(), 'Invalid index');
  t.equal((await put(`${s.url}/v1/kv/k?wait=x`, 'v')).status, 400);
});

t.test('without deps.consul the node has no KV routes', async (t) => {
  const srv = await serve(createGatewayApp({
    logger: silentLogger(), isReady: () => true, gossip: fakeGossip(),
    habitat: emptyHabitat(),
  }));
  t.teardown(srv.close);
  t.equal((await fetch(`${srv.url}/v1/kv/k`)).status, 404);
});

t.test('the backend decides the mode and the leader facts the headers report', async (t) => {
  const modes: string[] = [];
  const s = await serveConsul(t, {
    // A follower's view: same data, no known leader, last heard from one 42.4 ms ago.
    wrap: (local) => ({
      datacenter: local.datacenter,
      read: async (mode, query) => { modes.push(mode); return { ...(await local.read(mode, query)), knownLeader: false, lastContactMs: 42.4 }; },
      write: (command) => local.write(command),
      waitForChange: (scope, minIndex, signal) => local.waitForChange(scope, minIndex, signal),
    }),
  });
  await put(`${s.url}/v1/kv/k`, 'v');
  for (const q of ['', '?stale', '?consistent', '?max_stale=1s', '?leader']) {
    const res = await fetch(`${s.url}/v1/kv/k${q}`);
    t.equal(res.headers.get('x-consul-knownleader'), 'false');
    t.equal(res.headers.get('x-consul-lastcontact'), '42');
  }
  const miss = await fetch(`${s.url}/v1/kv/missing?stale`);
  t.equal(miss.status, 404);
  t.equal(miss.headers.get('x-consul-knownleader'), 'false', 'a 404 carries the meta headers too');
  t.same(modes, ['default', 'stale', 'consistent', 'stale', 'default', 'stale']);
});

t.test('a held lock shows its Session between Value and CreateIndex', async (t) => {
  const s = await serveConsul(t);
  await put(`${s.url}/v1/catalog/register`, JSON.stringify({ Node: 'agent-1', Address: '10.0.0.1' }));
  await put(`${s.url}/v1/session/create`, JSON.stringify({ ID: 'ignored', NodeChecks: [] }));
  const [session] = (await (await fetch(`${s.url}/v1/session/list`)).json()) as Array<{ ID: string }>;
  await put(`${s.url}/v1/kv/leader?acquire=${session!.ID}`, 'me');
  const body = (await (await fetch(`${s.url}/v1/kv/leader`)).json()) as DirEntry[];
  t.same(Object.keys(body[0]!), ['LockIndex', 'Key', 'Flags', 'Value', 'Session', 'CreateIndex', 'ModifyIndex']);
  t.match(body[0], { LockIndex: 1, Session: session!.ID });
  await put(`${s.url}/v1/kv/leader`, 'plain');
  t.match(((await (await fetch(`${s.url}/v1/kv/leader`)).json()) as DirEntry[])[0], { LockIndex: 1, Session: session!.ID },
    'a plain PUT keeps the holder and the term (locks are advisory)');
});
