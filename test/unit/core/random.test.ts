import t from 'tap';
import { SeededRandom, SystemRandom } from '../../../lib/core/random.js';

t.test('the same seed gives the same sequence, another seed another', async (t) => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const sa = Array.from({ length: 20 }, () => a.next());
  const sb = Array.from({ length: 20 }, () => b.next());
  const sc = Array.from({ length: 20 }, () => c.next());
  t.same(sa, sb);
  t.not(JSON.stringify(sa), JSON.stringify(sc));
  t.equal(a.seed, 42);
});

t.test('values stay in range and are spread evenly', async (t) => {
  const r = new SeededRandom(7);
  const buckets = new Array<number>(10).fill(0);
  let outOfRange = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = r.next();
    if (x < 0 || x >= 1) outOfRange++;
    else buckets[Math.floor(x * 10)]!++;
  }
  t.equal(outOfRange, 0);
  for (const count of buckets) t.ok(count > 9_500 && count < 10_500, `bucket count ${count} near 10000`);
});

t.test('int, shuffle, bytes and fork', async (t) => {
  const r = new SeededRandom(1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(r.int(5));
  t.same([...seen].sort(), [0, 1, 2, 3, 4]);
  t.throws(() => r.int(0), RangeError);
  t.throws(() => r.int(2.5), RangeError);
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = r.shuffle(items);
  t.not(shuffled.join(), items.join(), 'order changed');
  t.same([...shuffled].sort((a, b) => a - b), items, 'same elements');
  t.equal(items[0], 0, 'input untouched');
  t.equal(r.bytes(16).length, 16);
  const f1 = new SeededRandom(9).fork();
  const f2 = new SeededRandom(9).fork();
  t.equal(f1.next(), f2.next(), 'forks of equal parents are equal');
});

t.test('system random', async (t) => {
  const r = new SystemRandom();
  const x = r.next();
  t.ok(x >= 0 && x < 1);
  t.equal(r.bytes(32).length, 32);
  t.ok(r.int(3) < 3);
});
