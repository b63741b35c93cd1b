import t from 'tap';
import { quorumValue } from '../../../lib/raft/leadership.js';
import { SeededRandom } from '../../../lib/core/random.js';

t.test('quorumValue is the quorum-th largest value, as sorting would find it', async (t) => {
  t.equal(quorumValue([5, 9, 7], 2), 7);
  t.equal(quorumValue([5, 9, 7], 1), 9);
  t.equal(quorumValue([5, 9, 7], 3), 5);
  t.equal(quorumValue([4, 4, 1], 2), 4, 'ties count once each');
  t.equal(quorumValue([3], 2), Number.NEGATIVE_INFINITY, 'fewer values than the quorum');
  t.equal(quorumValue([Number.NEGATIVE_INFINITY, 10, Number.NEGATIVE_INFINITY], 2), Number.NEGATIVE_INFINITY, 'unheard voters hold a lease back');
  const random = new SeededRandom(7);
  for (let run = 0; run < 500; run++) {
    const values = Array.from({ length: 1 + random.int(7) }, () => random.int(20));
    const quorum = 1 + random.int(values.length);
    const sorted = [...values].sort((a, b) => b - a);
    if (quorumValue(values, quorum) !== sorted[quorum - 1]) t.fail(`quorumValue(${JSON.stringify(values)}, ${quorum})`);
  }
  t.pass('500 random cases agree with sorting');
});
