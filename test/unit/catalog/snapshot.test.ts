import t from 'tap';
import { CatalogState } from '../../../lib/catalog/state.js';
import { decode, encode } from '../../../lib/core/codec.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import type { ChangeListener } from '../../../lib/catalog/types.js';
import { registerCommand, sessionCreateCommand } from '../../../lib/catalog/index.js';

const SESSION = 'adf4238a-882b-9ddc-4a9d-5b6758e4159e';

function populated(): CatalogState {
  const s = new CatalogState();
  s.apply(1, { type: 'kv.set', key: 'a/1', value: Buffer.from('one'), flags: 5 });
  s.apply(2, { type: 'kv.set', key: 'a/2', value: new Uint8Array(0), flags: 0 });
  // A lock needs a live session, and a session a node.
  s.apply(3, registerCommand({ Node: 'n1', Address: '10.0.0.1' }));
  s.apply(4, { type: 'kv.set', key: 'gone', value: Buffer.from('x'), flags: 0 });
  s.apply(5, { type: 'kv.delete', key: 'gone' });
  s.apply(6, sessionCreateCommand({ ID: SESSION, Node: 'n1', NodeChecks: [], TTL: '30s' }));
  s.apply(7, { type: 'kv.set', key: 'a/1', value: Buffer.from('uno'), flags: 5 });
  s.apply(8, { type: 'kv.lock', key: 'l', value: Buffer.from([0, 255, 1]), flags: 0, session: SESSION });
  s.apply(9, { type: 'kv.reapTombstones', upTo: 0 });
  return s;
}

const view = (s: CatalogState) => ({
  lastIndex: s.lastIndex,
  kvIndex: s.tableIndex('kv'),
  entries: s.kv.list('').items.map((e) => ({ ...e, Value: Buffer.from(e.Value).toString('hex') })),
  gone: s.kv.keyIndex('gone'),
  tombstones: s.kv.tombstoneCount,
  sessions: s.sessions.list(),
  sessionsIndex: s.tableIndex('sessions'),
  held: s.kv.heldBy(SESSION),
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
    ['modify past table index', mutate((o) => { o.tables.kv.entries[0][2] = 9; })],
    ['keys out of order', mutate((o) => { o.tables.kv.entries.reverse(); })],
    ['fractional flags', mutate((o) => { o.tables.kv.entries[0][4] = 0.5; })],
    ['tombstone key not a string', mutate((o) => { o.tables.kv.tombstones[0][0] = 3; })],
    ['tombstone of a live key', mutate((o) => { o.tables.kv.tombstones[0][0] = 'a/1'; })],
    ['tombstones out of order', mutate((o) => { o.tables.kv.tombstones.push(['a', 1]); })],
    ['sessions section of a future version', mutate((o) => { o.tables.sessions.version = 2; })],
    ['sessions not a list', mutate((o) => { o.tables.sessions.sessions = {}; })],
    ['sessions index past lastIndex', mutate((o) => { o.tables.sessions.index = 10; })],
    ['session modified after its table', mutate((o) => { o.tables.sessions.index = 5; })],
    ['session created after modified', mutate((o) => { o.tables.sessions.sessions[0].CreateIndex = 7; })],
    ['session on an unknown node', mutate((o) => { o.tables.sessions.sessions[0].Node = 'n2'; })],
    ['session with an unknown behavior', mutate((o) => { o.tables.sessions.sessions[0].Behavior = 'keep'; })],
    ['repeated session', mutate((o) => { o.tables.sessions.sessions.push(o.tables.sessions.sessions[0]); })],
    ['session checks not strings', mutate((o) => { o.tables.sessions.sessions[0].NodeChecks = [1]; })],
    ['session service checks malformed', mutate((o) => { o.tables.sessions.sessions[0].ServiceChecks = [{ ID: 'x' }]; })],
  ];
  const target = populated();
  const before = view(target);
  for (const [name, bytes] of cases) t.throws(() => target.restore(bytes), { code: ErrorCode.CorruptData }, name);
  t.same(view(target), before);
});

t.test('sessions round-trip with the keys they hold; snapshots from before sessions read with none', async (t) => {
  const s = populated();
  const r = new CatalogState();
  r.restore(s.snapshot());
  t.equal(r.sessions.get(SESSION)?.TTL, '30s');
  t.same(r.kv.heldBy(SESSION), ['l'], 'the held keys are indexed again');
  t.equal(r.tableIndex('sessions'), 6);
  // The restored session still invalidates: destroying it releases its key.
  r.apply(10, { type: 'session.destroy', ID: SESSION });
  t.match(r.kv.get('l'), { Session: '', LockIndex: 1, ModifyIndex: 10 });

  const old = decode(s.snapshot()) as Record<string, any>;
  delete old.tables.sessions;
  old.tables.kv.entries = old.tables.kv.entries.filter((e: unknown[]) => e[0] !== 'l');
  const o = new CatalogState();
  o.restore(encode(old));
  t.equal(o.sessions.size, 0);
  t.equal(o.tableIndex('sessions'), 0);
  t.equal(o.registry.nodeCount, 1);
});
