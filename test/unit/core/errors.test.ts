import t from 'tap';
import { ChorusError, ErrorCode, isChorusError, messageOf } from '../../../lib/core/errors.js';

t.test('typed errors carry a stable code, details and cause', async (t) => {
  const cause = new Error('root');
  const err = new ChorusError(ErrorCode.NotFound, 'no such key', { cause, details: { key: 'a' } });
  t.equal(err.code, 'NOT_FOUND');
  t.equal(err.message, 'no such key');
  t.same(err.details, { key: 'a' });
  t.equal(err.cause, cause);
  t.ok(err instanceof Error);
  t.ok(isChorusError(err));
  t.ok(isChorusError(err, ErrorCode.NotFound));
  t.notOk(isChorusError(err, ErrorCode.Conflict));
  t.notOk(isChorusError(new Error('x')));
  t.same(new ChorusError(ErrorCode.Internal, 'x').details, {});
});

t.test('codes are unique strings', async (t) => {
  const codes = Object.values(ErrorCode);
  t.equal(new Set(codes).size, codes.length);
});

t.test('messageOf handles non-errors', async (t) => {
  t.equal(messageOf(new Error('boom')), 'boom');
  t.equal(messageOf('text'), 'text');
  t.equal(messageOf(42), '42');
});
