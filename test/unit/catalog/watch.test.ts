import t from 'tap';
import { LocalCatalogBackend } from '../../../lib/catalog/local-backend.js';
import { WatchRegistry } from '../../../lib/catalog/watch.js';
import type { WatchScope } from '../../../lib/catalog/types.js';

const key = (k: string): WatchScope => ({ table: 'kv', match: 'key', key: k });
const prefix = (p: string): WatchScope => ({ table: 'kv', match: 'prefix', prefix: p });
const table: WatchScope = { table: 'kv', match: 'table' };

/** Settles within the current macrotask or reports 'pending'. */
async function state(p: Promise<boolean>): Promise<boolean | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

t.test('a write wakes the waiters on its key, its prefixes and its table only', async (t) => {
  const w = new WatchRegistry();
  const never = new AbortController().signal;
  const onKey = w.wait(key('a/b'), 0, never);
  const onOtherKey = w.wait(key('a/c'), 0, never);
  const onPrefix = w.wait(prefix('a/'), 0, never);
  const onRoot = w.wait(prefix(''), 0, never);
  const onOtherPrefix = w.wait(prefix('b/'), 0, never);
  const onLongerPrefix = w.wait(prefix('a/b/c'), 0, never);
  const onTable = w.wait(table, 0, never);
  t.equal(w.parked, 7);
  w.changed('kv', ['a/b'], 5);
  t.equal(await state(onKey), true);
  t.equal(await state(onPrefix), true);
  t.equal(await state(onRoot), true);
  t.equal(await state(onTable), true);
  t.equal(await state(onOtherKey), 'pending');
  t.equal(await state(onOtherPrefix), 'pending');
  t.equal(await state(onLongerPrefix), 'pending');
  t.equal(w.parked, 3);
  w.reset();
  t.equal(await state(onOtherKey), true, 'reset wakes everyone');
  t.equal(await state(onLongerPrefix), true);
  t.equal(w.parked, 0);
});

t.test('a waiter ahead of the write stays parked', async (t) => {
  const w = new WatchRegistry();
  const ahead = w.wait(key('k'), 100, new AbortController().signal);
  w.changed('kv', ['k'], 50);
  t.equal(await state(ahead), 'pending');
  w.changed('kv', ['k'], 101);
  t.equal(await state(ahead), true);
});

t.test('abort settles false and unparks', async (t) => {
  const w = new WatchRegistry();
  const ctl = new AbortController();
  const p = w.wait(prefix('x'), 0, ctl.signal);
  ctl.abort();
  t.equal(await p, false);
  t.equal(w.parked, 0);
  t.equal(await w.wait(prefix('x'), 0, ctl.signal), false, 'an aborted signal never parks');
  w.changed('kv', ['x'], 9);
  t.equal(w.parked, 0);
});

t.test('the local backend answers at once when the scope is already past the index', async (t) => {
  const b = new LocalCatalogBackend();
  await b.write({ type: 'kv.set', key: 'k', value: Buffer.from('1'), flags: 0 });
  const never = new AbortController().signal;
  t.equal(await state(b.waitForChange(key('k'), 0, never)), true);
  const parked = b.waitForChange(key('k'), 1, never);
  t.equal(await state(parked), 'pending');
  await b.write({ type: 'kv.set', key: 'other', value: Buffer.from('1'), flags: 0 });
  t.equal(await state(parked), 'pending', 'a write elsewhere does not wake it');
  await b.write({ type: 'kv.delete', key: 'k' });
  t.equal(await state(parked), true, 'a delete wakes it');
});

t.test('10,000 parked waiters and 1,000 writes', async (t) => {
  const b = new LocalCatalogBackend();
  const ctl = new AbortController();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const waits: Promise<boolean>[] = [];
  for (let i = 0; i < 10_000; i++) {
    // Half on keys, a quarter on per-service prefixes, a quarter on one shared prefix.
    const scope = i % 2 === 0 ? key(`svc/${i}/config`) : i % 4 === 1 ? prefix(`svc/${i}/`) : prefix('shared/');
    waits.push(b.waitForChange(scope, 0, ctl.signal));
  }
  const heapParked = process.memoryUsage().heapUsed - heapBefore;
  t.equal(b.watches.parked, 10_000);
  const start = performance.now();
  // 1,000 writes to keys nobody waits on, then one to a watched key.
  for (let i = 0; i < 1000; i++) await b.write({ type: 'kv.set', key: `svc/${i * 2}/other`, value: Buffer.from(String(i)), flags: 0 });
  const unwatchedMs = performance.now() - start;
  t.equal(b.watches.parked, 10_000, 'writes to unwatched keys wake nobody (svc/1/ is not a prefix of svc/10/other)');
  await b.write({ type: 'kv.set', key: 'svc/0/config', value: Buffer.from('x'), flags: 0 });
  t.equal(await waits[0], true);
  await b.write({ type: 'kv.set', key: 'shared/x', value: Buffer.from('x'), flags: 0 });
  const perWrite = (unwatchedMs / 1000) * 1000;
  t.comment(`10,000 parked waiters: ~${(heapParked / 10_000).toFixed(0)} bytes each (heap delta ${(heapParked / 1e6).toFixed(1)} MB); 1,000 writes took ${unwatchedMs.toFixed(1)} ms (${perWrite.toFixed(1)} µs/write)`);
  t.ok(unwatchedMs < 2000, 'writes do not scan the parked waiters');
  t.equal(b.watches.parked, 10_000 - 1 - 2500, 'one key waiter and the shared prefix waiters woke');
  ctl.abort();
  t.same(new Set(await Promise.all(waits)), new Set([true, false]));
  t.equal(b.watches.parked, 0);
});

t.test('the local backend rejects malformed commands without using an index, and query errors', async (t) => {
  const b = new LocalCatalogBackend();
  await t.rejects(b.write({ type: 'kv.set', key: '', value: Buffer.from(''), flags: 0 }), { message: /key must not be empty/ });
  t.equal(b.state.lastIndex, 0);
  await t.rejects(b.read('default', () => { throw new Error('query bug'); }), { message: 'query bug' });
  t.equal(b.datacenter, 'dc1');
  t.equal(new LocalCatalogBackend({ datacenter: 'eu' }).datacenter, 'eu');
});
