import t from 'tap';
import { CatalogState } from '../../../lib/catalog/state.js';
import { decode, encode } from '../../../lib/core/codec.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import type { ChangeListener } from '../../../lib/catalog/types.js';

function populated(): CatalogState {
  const s = new CatalogState();
  s.apply(1, { type: 'kv.set', key: 'a/1', value: Buffer.from('one'), flags: 5 });
  s.apply(2, { type: 'kv.set', key: 'a/2', value: new Uint8Array(0), flags: 0 });
  s.apply(3, { type: 'kv.lock', key: 'l', value: Buffer.from([0, 255, 1]), flags: 0, session: 'sess' });
  s.apply(4, { type: 'kv.set', key: 'gone', value: Buffer.from('x'), flags: 0 });
  s.apply(5, { type: 'kv.delete', key: 'gone' });
  s.apply(7, { type: 'kv.set', key: 'a/1', value: Buffer.from('uno'), flags: 5 });
  s.apply(9, { type: 'kv.reapTombstones', upTo: 0 });
  return s;
}

const view = (s: CatalogState) => ({
  lastIndex: s.lastIndex,
  kvIndex: s.tableIndex('kv'),
  entries: s.kv.list('').items.map((e) => ({ ...e, Value: Buffer.from(e.Value).toString('hex') })),
  gone: s.kv.keyIndex('gone'),
  tombstones: s.kv.tombstoneCount,
});

t.test('snapshot and restore round-trip every field, tombstones included', async (t) => {
  const s = populated();
  const bytes = s.snapshot();
  const log: string[] = [];
  const listener: ChangeListener = { changed: () => log.push('changed'), reset: () => log.push('reset') };
  const r = new CatalogState(listener);
  r.restore(bytes);
  t.same(view(r), view(s));
  t.equal(view(r).gone, 5, 'the tombstone survived');
  t.same(log, ['reset'], 'restore tells the watchers to look again');
  t.same(Buffer.from(r.snapshot()), Buffer.from(bytes), 'a restored state snapshots to the same bytes');
  // The restored state keeps working: indexes continue after the snapshot's.
  t.throws(() => r.apply(9, { type: 'kv.delete', key: 'a/1' }), { code: ErrorCode.Internal });
  r.apply(10, { type: 'kv.set', key: 'a/3', value: Buffer.from('3'), flags: 0 });
  t.same(r.kv.list('a/').items.map((e) => e.Key), ['a/1', 'a/2', 'a/3']);
});

t.test('a large table round-trips', async (t) => {
  const s = new CatalogState();
  for (let i = 1; i <= 20_000; i++) s.apply(i, { type: 'kv.set', key: `k/${i % 100}/${i}`, value: Buffer.from(String(i)), flags: i });
  const start = performance.now();
  const bytes = s.snapshot();
  const r = new CatalogState();
  r.restore(bytes);
  t.comment(`20,000 keys: ${bytes.length} bytes, snapshot+restore ${(performance.now() - start).toFixed(0)} ms`);
  t.equal(r.kv.size, 20_000);
  t.same(r.kv.listKeys('k/42/', '').items, s.kv.listKeys('k/42/', '').items);
});

t.test('restore refuses anything malformed and leaves the state alone', async (t) => {
  const good = decode(populated().snapshot()) as Record<string, any>;
  const mutate = (fn: (o: any) => void): Uint8Array => {
    const copy = decode(encode(good)) as any;
    fn(copy);
    return encode(copy);
  };
  const cases: Array<[string, Uint8Array]> = [
    ['not msgpack', Buffer.from([0xc1])],
    ['not a map', encode([1, 2])],
    ['wrong format', mutate((o) => { o.format = 'etcd'; })],
    ['future version', mutate((o) => { o.version = 3; })],
    ['no tables', mutate((o) => { delete o.tables; })],
    ['negative index', mutate((o) => { o.lastIndex = -1; })],
    ['table index past lastIndex', mutate((o) => { o.tables.kv.index = 99; })],
    ['entries not a list', mutate((o) => { o.tables.kv.entries = {}; })],
    ['short entry', mutate((o) => { o.tables.kv.entries[0].pop(); })],
    ['empty key', mutate((o) => { o.tables.kv.entries[0][0] = ''; })],
    ['value not bytes', mutate((o) => { o.tables.kv.entries[0][5] = 'text'; })],
    ['session not a string', mutate((o) => { o.tables.kv.entries[0][6] = 1; })],
    ['create after modify', mutate((o) => { o.tables.kv.entries[0][1] = 8; })],
    ['modify past table index', mutate((o) => { o.tables.kv.entries[0][2] = 8; })],
    ['keys out of order', mutate((o) => { o.tables.kv.entries.reverse(); })],
    ['fractional flags', mutate((o) => { o.tables.kv.entries[0][4] = 0.5; })],
    ['tombstone key not a string', mutate((o) => { o.tables.kv.tombstones[0][0] = 3; })],
    ['tombstone of a live key', mutate((o) => { o.tables.kv.tombstones[0][0] = 'a/1'; })],
    ['tombstones out of order', mutate((o) => { o.tables.kv.tombstones.push(['a', 1]); })],
  ];
  const target = populated();
  const before = view(target);
  for (const [name, bytes] of cases) t.throws(() => target.restore(bytes), { code: ErrorCode.CorruptData }, name);
  t.same(view(target), before);
});
