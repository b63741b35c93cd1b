import t from 'tap';
import { CatalogState } from '../../../lib/catalog/state.js';
import { decodeCommand, encodeCommand } from '../../../lib/catalog/commands.js';
import { deregisterCommand, registerCommand, serviceRegistration, type CatalogCommand, type ChangeListener, type Coordinate } from '../../../lib/catalog/index.js';
import { decode, encode } from '../../../lib/core/codec.js';
import { ErrorCode } from '../../../lib/core/errors.js';

const coord = (x: number): Coordinate => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: -0.0001, Height: 0.00002 });
const batch = (...rows: Array<[string, number]>): CatalogCommand => ({
  type: 'coordinate.batch-update', Coordinates: rows.map(([Node, x]) => ({ Node, Segment: '', Coord: coord(x) })),
});

function recorder(): ChangeListener & { log: string[] } {
  const log: string[] = [];
  return { log, changed: (topic, keys, index) => log.push(`${topic}@${index}:${[...keys].sort().join(',')}`), reset: () => log.push('reset') };
}

function withNodes(listener?: ChangeListener): CatalogState {
  const s = new CatalogState(listener);
  s.apply(1, registerCommand({ Node: 'web-1', Address: '10.0.0.1' }));
  s.apply(2, registerCommand({ Node: 'Db-1', Address: '10.0.0.2' }));
  return s;
}

t.test('a batch stores the coordinates of known nodes, skips unknown ones, and moves only the coordinates index', async (t) => {
  const listener = recorder();
  const s = withNodes(listener);
  listener.log.length = 0;
  t.equal(s.apply(3, batch(['web-1', 0.001], ['nobody', 0.5], ['db-1', 0.002])), 2, 'two stored; the unknown node skipped, as Consul skips it');
  t.same(s.coordinates.list().map((c) => [c.Node, c.Coord.Vec[0]]), [['db-1', 0.002], ['web-1', 0.001]], 'listed by node, case-insensitively');
  t.same(s.coordinates.get('WEB-1')?.Coord, coord(0.001), 'looked up case-insensitively');
  t.same(s.coordinates.node('web-1').map((c) => c.Segment), ['']);
  t.same(s.coordinates.node('nobody'), []);
  t.equal(s.tableIndex('coordinates'), 3);
  t.equal(s.scopeIndex({ table: 'coordinates', match: 'table' }), 3);
  t.equal(s.tableIndex('nodes'), 2, 'the nodes index did not move: node queries are not woken');
  t.same(listener.log, ['coordinates@3:db-1,web-1']);
  t.equal(s.apply(4, batch(['nobody', 1])), 0);
  t.equal(s.tableIndex('coordinates'), 3, 'a batch that stored nothing changes no index');
  s.apply(5, batch(['web-1', 0.003]));
  t.equal(s.coordinates.get('web-1')?.Coord.Vec[0], 0.003, 'the latest wins');
  t.equal(s.coordinates.size, 2);
});

t.test('deleting a node deletes its coordinate in the same apply; a service deregistration does not', async (t) => {
  const listener = recorder();
  const s = withNodes(listener);
  s.apply(3, batch(['web-1', 0.001], ['db-1', 0.002]));
  s.apply(4, registerCommand({ Node: 'web-1', Address: '10.0.0.1', Service: serviceRegistration({ ID: 'api', Service: 'api' }) }));
  listener.log.length = 0;
  s.apply(5, deregisterCommand({ Node: 'web-1', ServiceID: 'api' }));
  t.ok(s.coordinates.get('web-1'), 'still there after a service went');
  t.equal(s.tableIndex('coordinates'), 3);
  s.apply(6, deregisterCommand({ Node: 'WEB-1' }));
  t.equal(s.coordinates.get('web-1'), undefined, 'gone with its node');
  t.equal(s.tableIndex('coordinates'), 6);
  t.ok(listener.log.includes('coordinates@6:web-1'), 'coordinate watchers are told');
  t.same(s.coordinates.list().map((c) => c.Node), ['db-1']);
  s.apply(7, registerCommand({ Node: 'web-1', Address: '10.0.0.1' }));
  t.equal(s.coordinates.get('web-1'), undefined, 'a node that comes back starts without one');
});

t.test('the command is validated field by field and survives the log encoding', async (t) => {
  const good = batch(['web-1', 0.001]);
  t.same(decodeCommand(encodeCommand(good)), good);
  const bad: Array<[string, unknown]> = [
    ['no list', { type: 'coordinate.batch-update' }],
    ['node not a string', { type: 'coordinate.batch-update', Coordinates: [{ Node: 1, Segment: '', Coord: coord(0) }] }],
    ['no segment', { type: 'coordinate.batch-update', Coordinates: [{ Node: 'a', Coord: coord(0) }] }],
    ['no coord', { type: 'coordinate.batch-update', Coordinates: [{ Node: 'a', Segment: '' }] }],
    ['NaN', { type: 'coordinate.batch-update', Coordinates: [{ Node: 'a', Segment: '', Coord: { ...coord(0), Error: Number.NaN } }] }],
    ['Inf in Vec', { type: 'coordinate.batch-update', Coordinates: [{ Node: 'a', Segment: '', Coord: { ...coord(0), Vec: [Infinity] } }] }],
    ['empty Vec', { type: 'coordinate.batch-update', Coordinates: [{ Node: 'a', Segment: '', Coord: { ...coord(0), Vec: [] } }] }],
    ['Vec of strings', { type: 'coordinate.batch-update', Coordinates: [{ Node: 'a', Segment: '', Coord: { ...coord(0), Vec: ['1'] } }] }],
    ['too many', { type: 'coordinate.batch-update', Coordinates: new Array(641).fill({ Node: 'a', Segment: '', Coord: coord(0) }) }],
  ];
  const s = withNodes();
  for (const [what, command] of bad) {
    t.throws(() => encodeCommand(command as CatalogCommand), { code: ErrorCode.BadRequest }, `${what}: refused before the log`);
    t.throws(() => s.apply(s.lastIndex + 1, command as CatalogCommand), { code: ErrorCode.BadRequest }, `${what}: refused by apply`);
  }
  t.equal(s.coordinates.size, 0, 'nothing stored');
});

t.test('coordinates round-trip through a snapshot; older snapshots read with none; a bad section is refused', async (t) => {
  const s = withNodes();
  s.apply(3, batch(['web-1', 0.001], ['db-1', 0.002]));
  const r = new CatalogState();
  r.restore(s.snapshot());
  t.same(r.coordinates.list(), s.coordinates.list());
  t.equal(r.tableIndex('coordinates'), 3);
  t.same(Buffer.from(r.snapshot()), Buffer.from(s.snapshot()), 'the same bytes again');
  r.apply(4, deregisterCommand({ Node: 'db-1' }));
  t.equal(r.coordinates.get('db-1'), undefined, 'the restored table still follows its nodes');

  const raw = decode(s.snapshot()) as Record<string, any>;
  const old = decode(encode(raw)) as Record<string, any>;
  delete old.tables.coordinates;
  const o = new CatalogState();
  o.restore(encode(old));
  t.equal(o.coordinates.size, 0, 'a snapshot from before coordinates reads with none');
  t.equal(o.tableIndex('coordinates'), 0);
  t.equal(o.registry.nodeCount, 2);

  const mutate = (fn: (o: any) => void): Uint8Array => {
    const copy = decode(encode(raw)) as any;
    fn(copy);
    return encode(copy);
  };
  const cases: Array<[string, Uint8Array]> = [
    ['future section version', mutate((x) => { x.tables.coordinates.version = 2; })],
    ['index past lastIndex', mutate((x) => { x.tables.coordinates.index = 99; })],
    ['not a list', mutate((x) => { x.tables.coordinates.coordinates = {}; })],
    ['unknown node', mutate((x) => { x.tables.coordinates.coordinates[0].Node = 'nobody'; })],
    ['repeated row', mutate((x) => { x.tables.coordinates.coordinates.push(x.tables.coordinates.coordinates[0]); })],
    ['NaN', mutate((x) => { x.tables.coordinates.coordinates[0].Coord.Height = Number.NaN; })],
  ];
  for (const [what, bytes] of cases) t.throws(() => r.restore(bytes), { code: ErrorCode.CorruptData }, what);
  t.equal(r.coordinates.size, 1, 'a refused snapshot leaves the state alone');
});
