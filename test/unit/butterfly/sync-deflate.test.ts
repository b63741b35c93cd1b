import t from 'tap';
import { deflateRawSync } from 'node:zlib';
import { decodePushPull, encodePushPull, DEFLATE_FROM_BYTES } from '../../../lib/butterfly/wire/sync.js';
import { MessageType, type PushPullMessage } from '../../../lib/butterfly/wire/messages.js';
import { PROTOCOL_VERSION } from '../../../lib/butterfly/constants.js';

const limits = { maxBytes: 1 << 20, maxMembers: 10_000 };

function state(n: number): PushPullMessage {
  return {
    join: false,
    members: Array.from({ length: n }, (_, i) => ({
      id: i.toString(16).padStart(32, '0'),
      name: `node${i}`,
      address: `127.0.0.${i + 1}`,
      gossipPort: 9638,
      incarnation: i,
      persistent: false,
      tags: { role: 'node', dc: 'dc1', build: '0.1.0', vsn: '2', http_port: '9631' },
      state: 'alive' as const,
    })),
    departed: [],
    rumors: [],
  };
}

t.test('a large full state goes deflated and comes back the same', async (t) => {
  const m = state(32);
  const bytes = encodePushPull(m);
  t.equal(bytes[1], MessageType.PushPullDeflated);
  const plainSize = encodePushPull(state(1)).byteLength * 32;
  t.ok(bytes.byteLength < plainSize / 2, `${bytes.byteLength} bytes deflated, about ${plainSize} plain`);
  t.same(decodePushPull(bytes, limits), m);
});

t.test('a small one goes as it is', async (t) => {
  const m = state(1);
  const bytes = encodePushPull(m);
  t.ok(bytes.byteLength < DEFLATE_FROM_BYTES + 2);
  t.equal(bytes[1], MessageType.PushPull);
  t.same(decodePushPull(bytes, limits), m);
});

t.test('a deflate bomb and garbage are refused, not inflated', async (t) => {
  const bomb = deflateRawSync(Buffer.alloc(8 << 20));
  const packet = Buffer.concat([Buffer.from([PROTOCOL_VERSION, MessageType.PushPullDeflated]), bomb]);
  t.ok(packet.byteLength < limits.maxBytes, `a ${packet.byteLength}-byte message`);
  t.throws(() => decodePushPull(packet, limits), { name: 'DecodeError', message: /^oversized/ });
  const garbage = Buffer.from([PROTOCOL_VERSION, MessageType.PushPullDeflated, 1, 2, 3, 4, 5]);
  t.throws(() => decodePushPull(garbage, limits), { name: 'DecodeError', message: /^malformed/ });
  const notMsgpack = Buffer.concat([Buffer.from([PROTOCOL_VERSION, MessageType.PushPullDeflated]), deflateRawSync(Buffer.from([0xc1, 0xc1]))]);
  t.throws(() => decodePushPull(notMsgpack, limits), { name: 'DecodeError', message: /^malformed/ });
});
