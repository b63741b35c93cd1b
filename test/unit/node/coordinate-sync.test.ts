import t from 'tap';
import { LocalCatalogBackend, registerCommand, type CatalogCoordinate } from '../../../lib/catalog/index.js';
import { VirtualClock } from '../../../lib/core/clock.js';
import { ChorusError, ErrorCode } from '../../../lib/core/errors.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import type { Coordinate } from '../../../lib/butterfly/index.js';
import type { Member } from '../../../lib/butterfly/index.js';
import {
  CoordinateSync, coordinateSyncInterval, serverCoordinateUpdate, serverCoordinates, type CoordinateUpdate,
} from '../../../lib/node/coordinate-sync.js';


const at = (x: number): Coordinate => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.3, Adjustment: 0, Height: 0.00001 });

/** Lets the promise chain a timer started run to its end. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(send: CoordinateUpdate, coordinate: () => Coordinate | undefined = () => at(0.001), clusterSize = 3) {
  const clock = new VirtualClock();
  const sync = new CoordinateSync({ clock, random: new SeededRandom(3), logger: silentLogger(), nodeName: 'web-1', coordinate, clusterSize: () => clusterSize, send });
  return { clock, sync };
}

t.test('the interval is Consul\'s: 15 s, longer past 64 updates a second cluster-wide', async (t) => {
  t.equal(coordinateSyncInterval(1), 15_000);
  t.equal(coordinateSyncInterval(960), 15_000);
  t.equal(coordinateSyncInterval(6400), 100_000);
  t.equal(coordinateSyncInterval(10, 500), 500);
});

t.test('sends this agent\'s coordinate every interval plus a stagger of up to one more', async (t) => {
  const sent: Array<{ at: number; update: CatalogCoordinate }> = [];
  let x = 0.001;
  const { clock, sync } = setup(async (update) => { sent.push({ at: clock.now(), update }); }, () => at(x));
  sync.start();
  clock.advance(14_999);
  await settle();
  t.equal(sent.length, 0, 'nothing before the first interval');
  clock.advance(15_001);
  await settle();
  t.equal(sent.length, 1, 'one within interval + stagger');
  t.same(sent[0]!.update, { Node: 'web-1', Segment: '', Coord: at(0.001) });
  x = 0.002;
  // Small steps, so each send sees the virtual time its timer fired at.
  for (let i = 0; i < 240; i++) {
    clock.advance(500);
    await settle();
  }
  t.ok(sent.length >= 5 && sent.length <= 9, `one send per 15–30 s (${sent.length - 1} more in 120 s)`);
  t.same(sent.at(-1)!.update.Coord, at(0.002), 'always the current coordinate');
  const gaps = sent.slice(1).map((s, i) => s.at - sent[i]!.at);
  t.ok(gaps.every((g) => g >= 15_000 && g <= 30_500), `gaps within 15–30 s: ${gaps.join(', ')}`);
  await sync.stop();
  const count = sent.length;
  clock.advance(120_000);
  await settle();
  t.equal(sent.length, count, 'nothing after stop');
});

t.test('a failed send is logged and the next tick tries again; no coordinate, nothing sent', async (t) => {
  let calls = 0;
  const { clock, sync } = setup(async () => {
    calls++;
    if (calls === 1) throw new ChorusError(ErrorCode.Unavailable, 'No known Consul servers');
  });
  t.equal(await sync.syncNow(), false, 'the first send failed');
  t.equal(await sync.syncNow(), true, 'the next one went through');
  sync.start();
  clock.advance(30_000);
  await settle();
  t.equal(calls, 3, 'the timer keeps going after failures');
  await sync.stop();
  const none = setup(async () => { calls++; }, () => undefined);
  t.equal(await none.sync.syncNow(), false);
  t.equal(calls, 3);
});

t.test('on a server the coordinate goes straight into the catalog', async (t) => {
  const backend = new LocalCatalogBackend();
  t.teardown(() => backend.close());
  await backend.write(registerCommand({ Node: 'web-1', Address: '10.0.0.1' }));
  const { sync } = setup(serverCoordinateUpdate(() => backend));
  t.equal(await sync.syncNow(), true);
  t.same(backend.state.coordinates.get('web-1'), { Node: 'web-1', Segment: '', Coord: at(0.001) });
});

t.test('serverCoordinates: alive servers with a coordinate, by name', async (t) => {
  const m = (id: string, name: string, role: string, state: Member['state'] = 'alive'): Member =>
    ({ id, name, address: '10.0.0.1', gossipPort: 9638, incarnation: 1, state, persistent: false, tags: { role }, stateChangedAt: 0 });
  const members = [m('a', 'srv-a', 'consul'), m('b', 'srv-b', 'consul', 'failed'), m('c', 'client', 'node'), m('d', 'srv-d', 'consul'), m('e', 'srv-e', 'consul')];
  const coords: Record<string, Coordinate> = { a: at(0.001), b: at(0.002), c: at(0.003), d: at(0.004) };
  t.same(serverCoordinates({ members: () => members, memberCoordinate: (id) => coords[id] }), [
    { Node: 'srv-a', Coord: at(0.001) }, { Node: 'srv-d', Coord: at(0.004) },
  ], 'failed servers, clients and servers not yet probed are left out');
});
