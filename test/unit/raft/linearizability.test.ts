import t from 'tap';
import { checkOperations, casRegisterModel, type Operation, type RegisterInput, type RegisterOutput } from '../../helpers/linearizability.js';

type Op = Operation<RegisterInput, RegisterOutput>;
const put = (client: number, key: string, value: string, call: number, ret: number): Op => ({ client, input: { op: 'put', key, value }, output: true, call, ret });
const get = (client: number, key: string, output: string | null, call: number, ret: number): Op => ({ client, input: { op: 'get', key }, output, call, ret });
const cas = (client: number, key: string, from: string | null, to: string, output: boolean | undefined, call: number, ret: number): Op => ({
  client,
  input: { op: 'cas', key, from, to },
  output,
  call,
  ret,
});

t.test('a sequential history is linearizable', async (t) => {
  t.ok(checkOperations(casRegisterModel, [put(0, 'a', '1', 0, 1), get(1, 'a', '1', 2, 3), cas(0, 'a', '1', '2', true, 4, 5), get(1, 'a', '2', 6, 7)]).ok);
});

t.test('a stale read after a completed write is rejected', async (t) => {
  const r = checkOperations(casRegisterModel, [put(0, 'a', '1', 0, 1), get(1, 'a', null, 2, 3)]);
  t.notOk(r.ok, 'reading the old value after the write returned is not linearizable');
});

t.test('concurrent operations may take effect in either order', async (t) => {
  t.ok(checkOperations(casRegisterModel, [put(0, 'a', '1', 0, 10), get(1, 'a', '1', 1, 2), get(2, 'a', null, 1, 3)]).ok);
  // But not un-happen: once a read saw the new value, a later read cannot see the old one.
  t.notOk(checkOperations(casRegisterModel, [put(0, 'a', '1', 0, 10), get(1, 'a', '1', 1, 2), get(2, 'a', null, 3, 4)]).ok);
});

t.test('two successful compare-and-sets from the same value cannot both win', async (t) => {
  t.notOk(checkOperations(casRegisterModel, [put(0, 'a', 'x', 0, 1), cas(1, 'a', 'x', 'y', true, 2, 5), cas(2, 'a', 'x', 'z', true, 2, 5)]).ok);
});

t.test('an operation with unknown outcome may or may not have happened', async (t) => {
  const pending = cas(0, 'a', null, '1', undefined, 0, Infinity);
  t.ok(checkOperations(casRegisterModel, [pending, get(1, 'a', '1', 5, 6)]).ok, 'it happened');
  t.ok(checkOperations(casRegisterModel, [pending, get(1, 'a', null, 5, 6)]).ok, 'it did not (yet)');
  t.notOk(checkOperations(casRegisterModel, [pending, get(1, 'a', '1', 5, 6), get(1, 'a', null, 7, 8)]).ok, 'but it cannot un-happen');
});

t.test('keys are checked independently, and a violation in any fails the whole', async (t) => {
  const ops = [put(0, 'a', '1', 0, 1), get(1, 'a', '1', 2, 3), put(0, 'b', '1', 0, 1), get(1, 'b', null, 2, 3)];
  const r = checkOperations(casRegisterModel, ops);
  t.notOk(r.ok);
  t.equal(r.failedPartition, 1);
});
