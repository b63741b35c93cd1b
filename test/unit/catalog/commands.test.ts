import t from 'tap';
import { decodeCommand, encodeCommand, validateCommand } from '../../../lib/catalog/commands.js';
import { encode } from '../../../lib/core/codec.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import type { CatalogCommand } from '../../../lib/catalog/types.js';

t.test('every command round-trips through MessagePack', async (t) => {
  const commands: CatalogCommand[] = [
    { type: 'kv.set', key: 'a', value: Buffer.from('x'), flags: 7 },
    { type: 'kv.set', key: 'a', value: new Uint8Array(0), flags: 0, cas: 0 },
    { type: 'kv.delete', key: 'a' },
    { type: 'kv.delete', key: 'a', cas: 12 },
    { type: 'kv.deleteTree', prefix: '' },
    { type: 'kv.lock', key: 'l', value: Buffer.from('v'), flags: 1, session: 's' },
    { type: 'kv.unlock', key: 'l', value: Buffer.from('v'), flags: 1, session: 's' },
    { type: 'kv.reapTombstones', upTo: 99 },
  ];
  for (const c of commands) {
    const back = decodeCommand(encodeCommand(c));
    t.same({ ...back, ...('value' in back ? { value: Buffer.from(back.value).toString('hex') } : {}) },
      { ...c, ...('value' in c ? { value: Buffer.from(c.value).toString('hex') } : {}) }, c.type);
  }
});

t.test('malformed commands are refused with BadRequest', async (t) => {
  const bad: unknown[] = [
    null, [], 'kv.set', { type: 'nope' },
    { type: 'kv.set', key: '', value: Buffer.from(''), flags: 0 },
    { type: 'kv.set', key: 'a', value: 'text', flags: 0 },
    { type: 'kv.set', key: 'a', value: Buffer.from(''), flags: -1 },
    { type: 'kv.set', key: 'a', value: Buffer.from(''), flags: 1.5 },
    { type: 'kv.set', key: 'a', value: Buffer.from(''), flags: 0, cas: 'x' },
    { type: 'kv.delete', key: 5 },
    { type: 'kv.deleteTree' },
    { type: 'kv.lock', key: 'a', value: Buffer.from(''), flags: 0, session: '' },
    { type: 'kv.reapTombstones', upTo: Number.MAX_SAFE_INTEGER + 2 },
  ];
  for (const b of bad) t.throws(() => validateCommand(b), { code: ErrorCode.BadRequest }, JSON.stringify(b));
  t.throws(() => decodeCommand(Buffer.from([0xc1])), { code: ErrorCode.BadRequest }, 'undecodable bytes');
  t.throws(() => decodeCommand(encode({ type: 'kv.delete' })), { code: ErrorCode.BadRequest });
});

t.test('unknown fields are dropped', async (t) => {
  t.same(validateCommand({ type: 'kv.deleteTree', prefix: 'p', extra: 1 }), { type: 'kv.deleteTree', prefix: 'p' });
});
