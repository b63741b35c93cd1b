import t from 'tap';
import { CHUNK_SIZE, SortedKeys } from '../../../lib/catalog/sorted-keys.js';

/** A deterministic shuffle so a failure replays. */
function shuffled(n: number, seed = 7): string[] {
  const keys = Array.from({ length: n }, (_, i) => `k/${(i * 7919) % n}/${i % 13}`);
  let s = seed;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = Math.floor(s / 65536) % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return keys;
}

t.test('keeps keys sorted and unique across chunk splits and merges', async (t) => {
  const set = new SortedKeys();
  const keys = shuffled(CHUNK_SIZE * 6);
  t.ok(keys.every((k) => set.insert(k)), 'every new key is inserted');
  t.equal(set.insert(keys[0]!), false, 'a duplicate is refused');
  t.equal(set.size, keys.length);
  const expected = [...keys].sort();
  t.same([...set.all()], expected);
  t.ok(keys.slice(0, keys.length / 2).every((k) => set.delete(k)), 'every present key is deleted');
  t.equal(set.delete('absent'), false);
  t.equal(set.delete(keys[0]!), false, 'deleting twice is refused');
  t.same([...set.all()], [...keys.slice(keys.length / 2)].sort());
  for (const k of keys.slice(keys.length / 2)) set.delete(k);
  t.equal(set.size, 0);
  t.same([...set.all()], []);
  t.same([...set.withPrefix('')], []);
});

t.test('prefix scans return exactly the keys with the prefix, in order', async (t) => {
  const set = new SortedKeys();
  const keys = ['a', 'a/', 'a/b', 'a/b/c', 'a0', 'ab', 'b', 'b/x', '', 'a/\uffff', 'a/\u{1F600}'];
  for (const k of keys) set.insert(k);
  for (const prefix of ['', 'a', 'a/', 'a/b', 'b', 'c', 'a/b/c/d']) {
    t.same([...set.withPrefix(prefix)], keys.filter((k) => k.startsWith(prefix)).sort(), `prefix ${JSON.stringify(prefix)}`);
  }
});

t.test('fromSorted loads a sorted list that later inserts keep in order', async (t) => {
  const sorted = shuffled(2000).sort();
  const set = SortedKeys.fromSorted(sorted);
  t.equal(set.size, 2000);
  set.insert('zzz');
  set.insert('');
  t.same([...set.all()], ['', ...sorted, 'zzz']);
  t.same([...set.withPrefix('k/1')], sorted.filter((k) => k.startsWith('k/1')));
});

t.test('inserting 100,000 random keys stays fast (chunked vs one array)', async (t) => {
  const keys = shuffled(100_000);
  let start = performance.now();
  const set = new SortedKeys();
  for (const k of keys) set.insert(k);
  const chunked = performance.now() - start;
  start = performance.now();
  const flat: string[] = [];
  for (const k of keys) {
    let lo = 0;
    let hi = flat.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (flat[mid]! < k) lo = mid + 1; else hi = mid; }
    flat.splice(lo, 0, k);
  }
  const single = performance.now() - start;
  t.comment(`100,000 inserts: chunked ${chunked.toFixed(0)} ms, one sorted array ${single.toFixed(0)} ms`);
  t.same([...set.all()], flat);
  // Generous bound for a shared 2-core machine; the point is it is not quadratic.
  t.ok(chunked < 5000, 'chunked inserts finish well inside 5 s');
});
