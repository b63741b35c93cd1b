import t from 'tap';
import { TombstoneGc } from '../../../lib/catalog/tombstone-gc.js';

t.test('reaps up to the index sampled a TTL ago, once', async (t) => {
  const gc = new TombstoneGc(60_000, 10_000);
  t.equal(gc.due(0, 5), undefined, 'first sample, nothing old yet');
  t.equal(gc.due(5_000, 9), undefined, 'inside the granularity: no new sample');
  t.equal(gc.due(10_000, 12), undefined);
  t.equal(gc.due(59_999, 20), undefined, 'not yet a TTL old');
  t.equal(gc.due(60_000, 21), 5, 'the sample taken at 0 is a TTL old');
  gc.reaped(5);
  t.equal(gc.due(65_000, 21), undefined, 'nothing newer is due');
  t.equal(gc.due(70_000, 22), 12, 'the next sample comes due a granularity later');
  gc.reaped(12);
  t.equal(gc.due(200_000, 22), 22, 'several due at once: the newest of them');
});

t.test('an idle catalog adds no samples, and a reset forgets them', async (t) => {
  const gc = new TombstoneGc(60_000, 10_000);
  gc.due(0, 7);
  gc.due(20_000, 7);
  gc.due(40_000, 7);
  t.equal(gc.due(60_000, 7), 7);
  gc.reaped(7);
  t.equal(gc.due(130_000, 7), undefined, 'the same index is not reaped twice');
  gc.due(140_000, 9);
  gc.reset();
  t.equal(gc.due(300_000, 9), undefined, 'after a reset the old samples are gone');
  t.equal(gc.due(360_000, 10), 9, 'and sampling starts over');
});
