import t from 'tap';
import { SeededRandom } from '../../../lib/core/index.js';
import {
  CoordinateClient, DEFAULT_COORDINATE_CONFIG, distanceTo, isValidCoordinate, newCoordinate, validateCoordinate, type Coordinate,
} from '../../../lib/butterfly/coordinate/index.js';
import { isChorusError, ErrorCode } from '../../../lib/core/errors.js';

/** The error `fn` throws, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/**
 * serf's simulation (coordinate/util_test.go Simulate): every cycle each node
 * probes one random other node and observes the true RTT to it.
 */
function simulate(clients: CoordinateClient[], truthMs: number[][], cycles: number, random: SeededRandom): void {
  const n = clients.length;
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (let i = 0; i < n; i++) {
      let j = random.int(n - 1);
      if (j >= i) j++;
      clients[i]!.update(`node-${j}`, clients[j]!.coordinate, truthMs[i]![j]!);
    }
  }
}

function relativeErrors(clients: CoordinateClient[], truthMs: number[][]): number[] {
  const out: number[] = [];
  for (let i = 0; i < clients.length; i++) {
    for (let j = i + 1; j < clients.length; j++) {
      const estimateMs = distanceTo(clients[i]!.coordinate, clients[j]!.coordinate) * 1000;
      out.push(Math.abs(estimateMs - truthMs[i]![j]!) / truthMs[i]![j]!);
    }
  }
  return out;
}

t.test('defaults are serf\'s: 8 dimensions, error 1.5, ce = cc = 0.25, window 20, height 10 µs, filter 3, rho 150', async (t) => {
  t.same({ ...DEFAULT_COORDINATE_CONFIG }, {
    dimensionality: 8, vivaldiErrorMax: 1.5, vivaldiCE: 0.25, vivaldiCC: 0.25, adjustmentWindowSize: 20, heightMin: 10e-6, latencyFilterSize: 3, gravityRho: 150,
  });
  const c = new CoordinateClient(new SeededRandom(1)).coordinate;
  t.same(c, { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 10e-6 }, 'a new node sits at the origin, unsure of itself');
});

t.test('a triangle of known RTTs: the estimates converge to within 10%', async (t) => {
  const random = new SeededRandom(42);
  // 10 ms, 20 ms and 25 ms sides: a real triangle, so a Euclidean embedding exists.
  const truth = [
    [0, 10, 20],
    [10, 0, 25],
    [20, 25, 0],
  ];
  const clients = truth.map(() => new CoordinateClient(random.fork()));
  t.ok(relativeErrors(clients, truth).every((e) => e > 0.9), 'at the start every estimate is far off');
  simulate(clients, truth, 1000, random);
  const errors = relativeErrors(clients, truth);
  t.ok(errors.every((e) => e < 0.1), `every pair within 10% (${errors.map((e) => e.toFixed(3)).join(', ')})`);
  for (const c of clients) t.ok(c.coordinate.Error < 0.5, `confidence grew (error ${c.coordinate.Error.toFixed(3)})`);
});

t.test('four nodes on a 10 ms square: sides and diagonals within 15%', async (t) => {
  const random = new SeededRandom(7);
  const side = 10;
  const diagonal = side * Math.SQRT2;
  const truth = [
    [0, side, diagonal, side],
    [side, 0, side, diagonal],
    [diagonal, side, 0, side],
    [side, diagonal, side, 0],
  ];
  const clients = truth.map(() => new CoordinateClient(random.fork()));
  simulate(clients, truth, 1000, random);
  const errors = relativeErrors(clients, truth);
  t.ok(errors.every((e) => e < 0.15), `every pair within 15% (${errors.map((e) => e.toFixed(3)).join(', ')})`);
  // The nearest neighbour by estimate is a true neighbour, never the far corner: what ?near relies on.
  const estimate = (i: number, j: number): number => distanceTo(clients[i]!.coordinate, clients[j]!.coordinate);
  t.ok(estimate(0, 1) < estimate(0, 2) && estimate(0, 3) < estimate(0, 2), 'the diagonal is estimated farther than the sides');
});

t.test('two nodes at the origin push apart in a random direction (injected randomness replays)', async (t) => {
  const run = (seed: number): Coordinate => {
    const a = new CoordinateClient(new SeededRandom(seed));
    const b = new CoordinateClient(new SeededRandom(seed + 1000));
    return a.update('b', b.coordinate, 10);
  };
  const first = run(3);
  t.ok(first.Vec.some((x) => x !== 0), 'moved off the origin');
  t.same(run(3), first, 'the same seed moves it the same way');
  t.notSame(run(4).Vec, first.Vec, 'another seed, another direction');
});

t.test('invalid and incompatible coordinates are refused and change nothing', async (t) => {
  const client = new CoordinateClient(new SeededRandom(5));
  const peer = new CoordinateClient(new SeededRandom(6));
  client.update('peer', peer.coordinate, 12);
  const before = client.coordinate;
  const good = peer.coordinate;
  const bad: Array<[string, Coordinate, string]> = [
    ['NaN in Vec', { ...good, Vec: [Number.NaN, ...good.Vec.slice(1)] }, 'invalid coordinate'],
    ['Inf error', { ...good, Error: Number.POSITIVE_INFINITY }, 'invalid coordinate'],
    ['-Inf adjustment', { ...good, Adjustment: Number.NEGATIVE_INFINITY }, 'invalid coordinate'],
    ['NaN height', { ...good, Height: Number.NaN }, 'invalid coordinate'],
    ['4 dimensions', { ...good, Vec: [0, 0, 0, 0] }, 'incompatible coordinate'],
  ];
  for (const [what, c, message] of bad) {
    t.equal(validateCoordinate(c, 8), message, `${what}: ${message}`);
    const err = thrown(() => client.update('peer', c, 12));
    t.ok(isChorusError(err, ErrorCode.BadRequest) && err.message === message, `${what}: update refuses it`);
    t.ok(isChorusError(thrown(() => client.setCoordinate(c)), ErrorCode.BadRequest), `${what}: setCoordinate refuses it`);
  }
  for (const rtt of [-1, 10_001, Number.NaN]) t.ok(isChorusError(thrown(() => client.update('peer', good, rtt)), ErrorCode.BadRequest), `rtt ${rtt} refused`);
  t.same(client.coordinate, before, 'the coordinate did not move');
  t.equal(validateCoordinate(good, 8), undefined);
  t.ok(isValidCoordinate(newCoordinate(DEFAULT_COORDINATE_CONFIG)));
});

t.test('the latency filter: a moving median of 3 samples per node hides one spike', async (t) => {
  const peer = new CoordinateClient(new SeededRandom(9)).coordinate;
  const feed = (rtts: number[], forgetBeforeLast = false): Coordinate => {
    const c = new CoordinateClient(new SeededRandom(11));
    let last = c.coordinate;
    rtts.forEach((rtt, i) => {
      if (forgetBeforeLast && i === rtts.length - 1) c.forgetNode('peer');
      last = c.update('peer', peer, rtt);
    });
    return last;
  };
  t.same(feed([10, 10, 500]), feed([10, 10, 10]), 'a 500 ms spike after two 10 ms samples counts as 10 ms');
  t.notSame(feed([10, 500, 500]), feed([10, 10, 10]), 'two slow samples of three move the median');
  t.same(feed([10, 10, 10, 10, 500, 500]).Vec.length, 8);
  t.notSame(feed([10, 10, 500], true), feed([10, 10, 10]), 'forgetting the node drops its samples: the spike counts alone');
  // Samples are per node: another node's samples do not dilute this one's.
  const c = new CoordinateClient(new SeededRandom(11));
  c.update('peer', peer, 10);
  c.update('other', peer, 500);
  const mixed = c.update('peer', peer, 10);
  const d = new CoordinateClient(new SeededRandom(11));
  d.update('peer', peer, 10);
  d.update('other', peer, 500);
  t.same(mixed, d.update('peer', peer, 10));
});

t.test('options are checked', async (t) => {
  const r = new SeededRandom(1);
  for (const bad of [{ dimensionality: 0 }, { latencyFilterSize: 0 }, { adjustmentWindowSize: -1 }, { vivaldiCC: 0 }, { gravityRho: Number.NaN }]) {
    t.ok(isChorusError(thrown(() => new CoordinateClient(r, bad)), ErrorCode.InvalidConfig), JSON.stringify(bad));
  }
  const small = new CoordinateClient(r, { dimensionality: 2, adjustmentWindowSize: 0 });
  const moved = small.update('x', new CoordinateClient(r, { dimensionality: 2 }).coordinate, 20);
  t.equal(moved.Vec.length, 2);
  t.equal(moved.Adjustment, 0, 'no adjustment with a window of 0');
  t.equal(small.stats.resets, 0);
  t.ok(thrown(() => distanceTo(small.coordinate, newCoordinate(DEFAULT_COORDINATE_CONFIG))) instanceof RangeError, 'no distance across dimensionalities');
  small.setCoordinate({ Vec: [0.01, 0], Error: 0.2, Adjustment: 0, Height: 0.001 });
  t.equal(small.distanceTo({ Vec: [0, 0], Error: 0.2, Adjustment: 0, Height: 0.001 }), 0.012, 'Euclidean distance plus both heights, in seconds');
});
