import t from 'tap';
import { CatalogState } from '../../../lib/catalog/state.js';
import { isChorusError, ErrorCode } from '../../../lib/core/errors.js';
import type { CatalogCommand, ChangeListener } from '../../../lib/catalog/types.js';
import { registerCommand, sessionCreateCommand } from '../../../lib/catalog/index.js';

const bytes = (s: string): Uint8Array => Buffer.from(s);
const set = (key: string, value = 'v', extra: Partial<{ flags: number; cas: number }> = {}): CatalogCommand =>
  ({ type: 'kv.set', key, value: bytes(value), flags: extra.flags ?? 0, ...(extra.cas === undefined ? {} : { cas: extra.cas }) });

function recorder(): ChangeListener & { log: string[] } {
  const log: string[] = [];
  return { log, changed: (table, keys, index) => log.push(`${table}@${index}:${keys.join(',')}`), reset: () => log.push('reset') };
}

t.test('set creates then updates an entry with indexes from the log', async (t) => {
  const s = new CatalogState();
  t.equal(s.apply(5, set('a', 'one', { flags: 42 })), true);
  t.match(s.kv.get('a'), { Key: 'a', CreateIndex: 5, ModifyIndex: 5, LockIndex: 0, Flags: 42, Session: '' });
  t.equal(Buffer.from(s.kv.get('a')!.Value).toString(), 'one');
  t.equal(s.apply(9, set('a', 'two')), true);
  t.match(s.kv.get('a'), { CreateIndex: 5, ModifyIndex: 9, Flags: 0 }, 'flags are overwritten, not kept');
  t.equal(s.tableIndex('kv'), 9);
  t.equal(s.lastIndex, 9);
});

t.test('an identical set changes nothing and wakes nobody', async (t) => {
  const listener = recorder();
  const s = new CatalogState(listener);
  s.apply(1, set('a', 'x', { flags: 3 }));
  t.equal(s.apply(2, set('a', 'x', { flags: 3 })), true);
  t.equal(s.kv.get('a')!.ModifyIndex, 1);
  t.equal(s.tableIndex('kv'), 1);
  t.equal(s.lastIndex, 2, 'the log index is consumed all the same');
  t.same(listener.log, ['kv@1:a']);
});

t.test('cas: 0 creates only, n updates only at ModifyIndex n', async (t) => {
  const s = new CatalogState();
  t.equal(s.apply(1, set('a', 'x', { cas: 0 })), true, 'cas=0 creates an absent key');
  t.equal(s.apply(2, set('a', 'y', { cas: 0 })), false, 'cas=0 refuses an existing key');
  t.equal(s.apply(3, set('a', 'y', { cas: 7 })), false, 'a stale index is refused');
  t.equal(s.apply(4, set('b', 'y', { cas: 7 })), false, 'a non-zero cas on an absent key is refused');
  t.equal(s.kv.get('b'), undefined);
  t.equal(s.apply(5, set('a', 'z', { cas: 1 })), true);
  t.equal(s.kv.get('a')!.ModifyIndex, 5);
  t.equal(s.tableIndex('kv'), 5, 'refused writes do not move the table index');
});

t.test('delete: plain, missing, cas', async (t) => {
  const s = new CatalogState();
  s.apply(1, set('a'));
  s.apply(2, set('b'));
  t.equal(s.apply(3, { type: 'kv.delete', key: 'missing' }), true, 'deleting nothing succeeds');
  t.equal(s.tableIndex('kv'), 2, 'and changes no index');
  t.equal(s.apply(4, { type: 'kv.delete', key: 'a', cas: 9 }), false);
  t.ok(s.kv.get('a'));
  t.equal(s.apply(5, { type: 'kv.delete', key: 'a', cas: 1 }), true);
  t.equal(s.kv.get('a'), undefined);
  t.equal(s.apply(6, { type: 'kv.delete', key: 'a', cas: 1 }), true, 'cas delete of an absent key succeeds');
  t.equal(s.apply(7, { type: 'kv.delete', key: 'b' }), true);
  t.equal(s.kv.size, 0);
  t.equal(s.tableIndex('kv'), 7);
});

t.test('deleteTree removes exactly the prefix', async (t) => {
  const listener = recorder();
  const s = new CatalogState(listener);
  ['web/a', 'web/b/c', 'web', 'webx', 'db/a'].forEach((k, i) => s.apply(i + 1, set(k)));
  t.equal(s.apply(10, { type: 'kv.deleteTree', prefix: 'web/' }), true);
  t.same(s.kv.list('').items.map((e) => e.Key), ['db/a', 'web', 'webx']);
  t.equal(listener.log.at(-1), 'kv@10:web/a,web/b/c');
  s.apply(11, { type: 'kv.deleteTree', prefix: 'nothing/' });
  t.equal(s.tableIndex('kv'), 10, 'deleting an empty prefix changes nothing');
  s.apply(12, { type: 'kv.deleteTree', prefix: '' });
  t.equal(s.kv.size, 0, "'' deletes everything");
});

t.test('tombstones keep a prefix index from going backwards until reaped', async (t) => {
  const s = new CatalogState();
  s.apply(1, set('app/a'));
  s.apply(2, set('app/b'));
  s.apply(3, set('other'));
  t.equal(s.kv.prefixIndex('app/'), 2);
  s.apply(4, { type: 'kv.delete', key: 'app/b' });
  t.equal(s.kv.list('app/').index, 4, 'the delete of app/b is the prefix index');
  t.equal(s.kv.listKeys('app/', '').index, 4);
  t.equal(s.kv.keyIndex('app/b'), 4);
  s.apply(5, { type: 'kv.deleteTree', prefix: 'app/' });
  t.same(s.kv.list('app/'), { items: [], index: 5 }, 'an emptied prefix still reports its last delete');
  t.equal(s.kv.tombstoneCount, 2);
  s.apply(6, set('app/b', 'back'));
  t.equal(s.kv.tombstoneCount, 1, 're-creating a key drops its tombstone');
  t.equal(s.kv.prefixIndex('app/'), 6);
  t.equal(s.apply(7, { type: 'kv.reapTombstones', upTo: 4 }), 0, 'nothing as old as 4 is left');
  t.equal(s.apply(8, { type: 'kv.reapTombstones', upTo: 5 }), 1);
  t.equal(s.kv.tombstoneCount, 0);
  t.equal(s.kv.prefixIndex('app/'), 6);
  t.equal(s.kv.keyIndex('app/a'), 0, 'a reaped key has no index');
});

t.test('the prefix index never decreases over a random history', async (t) => {
  const s = new CatalogState();
  const prefixes = ['', 'a', 'a/', 'a/b', 'b/'];
  const last = new Map(prefixes.map((p) => [p, 0]));
  let seed = 3;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n; };
  const keys = ['a/1', 'a/2', 'a/b/1', 'a/b/2', 'b/1', 'ax'];
  for (let index = 1; index <= 2000; index++) {
    const key = keys[rnd(keys.length)]!;
    const op = rnd(4);
    s.apply(index, op === 0 ? { type: 'kv.delete', key } : op === 1 ? { type: 'kv.deleteTree', prefix: key.slice(0, 2) } : set(key, String(index)));
    for (const p of prefixes) {
      const now = s.kv.prefixIndex(p);
      if (now < last.get(p)!) t.fail(`prefix ${p} went from ${last.get(p)} to ${now} at ${index}`);
      last.set(p, now);
    }
  }
  t.equal(last.get(''), s.tableIndex('kv'), 'with no reaping the root prefix index is the table index');
  t.ok(s.tableIndex('kv') > 1000, 'most commands changed something');
});

t.test('lock and unlock: LockIndex is a term, the holder is exclusive', async (t) => {
  const s = new CatalogState();
  // Locks need live sessions.
  const s1 = '00000000-0000-0000-0000-000000000001';
  const s2 = '00000000-0000-0000-0000-000000000002';
  s.apply(1, registerCommand({ Node: 'n1', Address: '10.0.0.1' }));
  s.apply(2, sessionCreateCommand({ ID: s1, Node: 'n1', NodeChecks: [] }));
  s.apply(3, sessionCreateCommand({ ID: s2, Node: 'n1', NodeChecks: [] }));
  const lock = (key: string, session: string, value = 'v'): CatalogCommand => ({ type: 'kv.lock', key, value: bytes(value), flags: 0, session });
  const unlock = (key: string, session: string): CatalogCommand => ({ type: 'kv.unlock', key, value: bytes('u'), flags: 0, session });
  t.equal(s.apply(11, lock('l', s1)), true, 'a new key can be acquired');
  t.match(s.kv.get('l'), { LockIndex: 1, Session: s1, CreateIndex: 11 });
  t.equal(s.apply(12, lock('l', s2)), false, 'held by another session');
  t.equal(s.apply(13, lock('l', s1, 'again')), true, 'the holder may re-acquire');
  t.match(s.kv.get('l'), { LockIndex: 1, ModifyIndex: 13 });
  t.equal(s.apply(14, set('l', 'plain')), true, 'locks are advisory');
  t.match(s.kv.get('l'), { LockIndex: 1, Session: s1 }, 'a plain set keeps holder and term');
  t.equal(s.apply(15, unlock('l', s2)), false, 'only the holder releases');
  t.equal(s.apply(16, unlock('missing', s1)), false);
  t.equal(s.apply(17, unlock('l', s1)), true);
  t.match(s.kv.get('l'), { LockIndex: 1, Session: '', ModifyIndex: 17 });
  t.equal(s.apply(18, lock('l', s2)), true);
  t.match(s.kv.get('l'), { LockIndex: 2, Session: s2 }, 'a new holder gets the next term');
});

t.test('apply refuses indexes that do not increase and malformed commands', async (t) => {
  const s = new CatalogState();
  s.apply(3, set('a'));
  t.throws(() => s.apply(3, set('b')), { code: ErrorCode.Internal });
  t.throws(() => s.apply(2, set('b')), { code: ErrorCode.Internal });
  try {
    s.apply(4, { type: 'kv.nope' } as unknown as CatalogCommand);
    t.fail('should throw');
  } catch (err) {
    t.ok(isChorusError(err, ErrorCode.BadRequest));
  }
  t.equal(s.lastIndex, 4, 'the bad command used its index');
  t.equal(s.kv.get('b'), undefined);
});

t.test('scopeIndex answers for table, key and prefix', async (t) => {
  const s = new CatalogState();
  s.apply(1, set('a/x'));
  s.apply(2, set('b'));
  t.equal(s.scopeIndex({ table: 'kv', match: 'table' }), 2);
  t.equal(s.scopeIndex({ table: 'kv', match: 'key', key: 'a/x' }), 1);
  t.equal(s.scopeIndex({ table: 'kv', match: 'key', key: 'zz' }), 0);
  t.equal(s.scopeIndex({ table: 'kv', match: 'prefix', prefix: 'a/' }), 1);
});

t.test('listKeys with a separator', async (t) => {
  const s = new CatalogState();
  ['/web/bar', '/web/foo', '/web/subdir/a', '/web/subdir/b', '/web/x/y/z', '/webby'].forEach((k, i) => s.apply(i + 1, set(k)));
  t.same(s.kv.listKeys('/web/', '/').items, ['/web/bar', '/web/foo', '/web/subdir/', '/web/x/']);
  t.equal(s.kv.listKeys('/web/', '/').index, 5, 'collapsed keys still count for the index');
  t.same(s.kv.listKeys('/web', '/').items, ['/web/', '/webby']);
  t.same(s.kv.listKeys('', '').items.length, 6);
  t.same(s.kv.listKeys('/web/', 'sub').items, ['/web/bar', '/web/foo', '/web/sub', '/web/x/y/z']);
});
