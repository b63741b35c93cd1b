import t from 'tap';
import { CatalogState } from '../../../lib/catalog/state.js';
import { decodeCommand, encodeCommand, validateCommand } from '../../../lib/catalog/commands.js';
import { decode, encode } from '../../../lib/core/codec.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import type { ChangeListener, WatchTopic } from '../../../lib/catalog/types.js';

const set = (id: string, extra: Partial<{ name: string; tokenType: 'client' | 'management'; rules: string; ifAbsent: boolean }> = {}) => ({
  type: 'acl.set' as const, id, name: extra.name ?? id, tokenType: extra.tokenType ?? ('client' as const), rules: extra.rules ?? '', ...(extra.ifAbsent === undefined ? {} : { ifAbsent: extra.ifAbsent }),
});

t.test('acl.set creates and replaces tokens; CreateIndex stays, ModifyIndex moves', async (t) => {
  const changes: Array<[WatchTopic, readonly string[], number]> = [];
  const listener: ChangeListener = { changed: (table, keys, index) => changes.push([table, keys, index]), reset: () => undefined };
  const s = new CatalogState(listener);
  t.equal(s.apply(3, set('t1', { name: 'one', rules: 'key "" { policy = "read" }' })), true);
  t.same(s.acl.get('t1'), { ID: 't1', Name: 'one', Type: 'client', Rules: 'key "" { policy = "read" }', CreateIndex: 3, ModifyIndex: 3 });
  t.equal(s.apply(5, set('t1', { name: 'uno', tokenType: 'management' })), true);
  t.same(s.acl.get('t1'), { ID: 't1', Name: 'uno', Type: 'management', Rules: '', CreateIndex: 3, ModifyIndex: 5 });
  t.equal(s.tableIndex('acl'), 5);
  t.equal(s.tableIndex('kv'), 0, 'the KV table index does not move');
  t.equal(s.scopeIndex({ table: 'acl', match: 'table' }), 5);
  t.same(changes, [['acl', ['t1'], 3], ['acl', ['t1'], 5]], 'watchers on the acl table are told');
  t.equal(s.apply(6, set('t1', { name: 'uno', tokenType: 'management' })), true, 'an identical write succeeds');
  t.equal(s.acl.get('t1')!.ModifyIndex, 5, 'but changes nothing');
  t.equal(changes.length, 2, 'and wakes nobody');
});

t.test('ifAbsent only creates', async (t) => {
  const s = new CatalogState();
  t.equal(s.apply(1, set('anonymous', { name: 'Anonymous Token', ifAbsent: true })), true);
  s.apply(2, set('anonymous', { name: 'Anonymous Token', rules: 'key "" { policy = "read" }' }));
  t.equal(s.apply(3, set('anonymous', { name: 'Anonymous Token', ifAbsent: true })), false);
  t.equal(s.acl.get('anonymous')!.Rules, 'key "" { policy = "read" }', "the operator's change stays");
  t.equal(s.tableIndex('acl'), 2);
});

t.test('acl.delete; list is ordered by ID', async (t) => {
  const s = new CatalogState();
  s.apply(1, set('b'));
  s.apply(2, set('a'));
  s.apply(3, set('c'));
  t.same(s.acl.list().map((x) => x.ID), ['a', 'b', 'c']);
  t.equal(s.apply(4, { type: 'acl.delete', id: 'b' }), true);
  t.equal(s.acl.get('b'), undefined);
  t.equal(s.tableIndex('acl'), 4, 'a delete moves the table index, so blocking lists wake');
  t.equal(s.apply(5, { type: 'acl.delete', id: 'b' }), true, 'deleting what is gone succeeds');
  t.equal(s.tableIndex('acl'), 4);
  t.equal(s.acl.size, 2);
});

t.test('commands are validated and survive encoding', async (t) => {
  const cmd = set('id-1', { name: 'n', tokenType: 'management', rules: 'r', ifAbsent: true });
  t.same(decodeCommand(encodeCommand(cmd)), cmd);
  t.same(decodeCommand(encodeCommand({ type: 'acl.delete', id: 'x' })), { type: 'acl.delete', id: 'x' });
  t.same(validateCommand({ ...set('x'), extra: 1, ifAbsent: false }), set('x'), 'unknown fields and a false ifAbsent dropped');
  const bad: unknown[] = [
    { ...set('x'), tokenType: 'admin' },
    { ...set('x'), id: '' },
    { ...set('x'), id: 7 },
    { ...set('x'), name: null },
    { ...set('x'), rules: 'x'.repeat(64 * 1024 + 1) },
    { ...set('x'), id: 'x'.repeat(257) },
    { ...set('x'), ifAbsent: 'yes' },
    { type: 'acl.delete', id: '' },
    { type: 'acl.delete' },
  ];
  for (const b of bad) t.throws(() => validateCommand(b), { code: ErrorCode.BadRequest }, JSON.stringify(b).slice(0, 80));
  const s = new CatalogState();
  t.throws(() => s.apply(1, { ...set('x'), tokenType: 'root' } as never), { code: ErrorCode.BadRequest });
  t.equal(s.acl.size, 0);
});

t.test('snapshots carry the tokens and the acl index; a KV-only snapshot still reads', async (t) => {
  const s = new CatalogState();
  s.apply(1, { type: 'kv.set', key: 'k', value: Buffer.from('v'), flags: 0 });
  s.apply(2, set('m', { name: 'Master Token', tokenType: 'management' }));
  s.apply(3, set('anonymous', { name: 'Anonymous Token', rules: 'key "" { policy = "read" }' }));
  s.apply(4, set('m', { name: 'Master Token', tokenType: 'management', rules: '# changed' }));
  const r = new CatalogState();
  r.restore(s.snapshot());
  t.same(r.acl.list(), s.acl.list());
  t.equal(r.tableIndex('acl'), 4);
  t.equal(r.tableIndex('kv'), 1);
  t.same(Buffer.from(r.snapshot()), Buffer.from(s.snapshot()));

  // A snapshot written before ACLs existed: no tables.acl at all.
  const raw = decode(s.snapshot()) as { tables: Record<string, unknown> };
  delete raw.tables.acl;
  const old = new CatalogState();
  old.restore(encode(raw));
  t.equal(old.acl.size, 0);
  t.equal(old.tableIndex('acl'), 0);
  t.equal(old.kv.get('k')!.Key, 'k');
});

t.test('a corrupt acl section is refused and the state is kept', async (t) => {
  const s = new CatalogState();
  s.apply(1, set('a'));
  s.apply(2, set('b'));
  const good = decode(s.snapshot()) as { tables: { acl: { layout: number; index: number; tokens: unknown[][] } } };
  const mutations: Array<[string, (x: typeof good) => void]> = [
    ['layout', (x) => { x.tables.acl.layout = 9; }],
    ['not a map', (x) => { (x.tables as Record<string, unknown>).acl = [1]; }],
    ['index past lastIndex', (x) => { x.tables.acl.index = 99; }],
    ['tokens not a list', (x) => { (x.tables.acl as Record<string, unknown>).tokens = 'no'; }],
    ['short row', (x) => { x.tables.acl.tokens[0] = ['a']; }],
    ['out of order', (x) => { x.tables.acl.tokens.reverse(); }],
    ['bad type', (x) => { x.tables.acl.tokens[0]![2] = 'root'; }],
    ['empty id', (x) => { x.tables.acl.tokens[0]![0] = ''; }],
    ['bad name', (x) => { x.tables.acl.tokens[0]![1] = 5; }],
    ['modify past table index', (x) => { x.tables.acl.index = 1; }],
    ['create after modify', (x) => { x.tables.acl.tokens[1]![4] = 2; x.tables.acl.tokens[1]![5] = 1; }],
  ];
  for (const [name, mutate] of mutations) {
    const copy = decode(s.snapshot()) as typeof good;
    mutate(copy);
    const target = new CatalogState();
    target.apply(1, set('keep'));
    t.throws(() => target.restore(encode(copy)), { code: ErrorCode.CorruptData }, name);
    t.same(target.acl.list().map((x) => x.ID), ['keep'], `${name}: state kept`);
  }
});
