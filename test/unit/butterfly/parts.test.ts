import t from 'tap';
import { VirtualClock } from '../../../lib/core/index.js';
import { BroadcastQueue, retransmitLimit } from '../../../lib/butterfly/broadcast-queue.js';
import { Suspicion, remainingSuspicionTime, suspicionTimeout } from '../../../lib/butterfly/suspicion.js';
import { Awareness } from '../../../lib/butterfly/awareness.js';
import { decodePacket, encodePart, framePacket, packetSize } from '../../../lib/butterfly/wire/codec.js';
import { decodePushPull, encodePushPull } from '../../../lib/butterfly/wire/sync.js';
import type { Message } from '../../../lib/butterfly/wire/messages.js';
import { resolveOptions, pushPullScale, parseAddress, formatAddress } from '../../../lib/butterfly/index.js';
import { DecodeError } from '../../../lib/butterfly/errors.js';

const part = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);

t.test('broadcast queue: least-sent first, replacement by subject, retransmit limit, budget', async (t) => {
  let limit = 2;
  const q = new BroadcastQueue(() => limit, 100);
  q.enqueue('a', part(10, 1));
  q.enqueue('b', part(10, 2));
  t.same(q.take(100, 2, 255).map((p) => p[0]), [1, 2]);
  q.enqueue('c', part(10, 3));
  t.same(q.take(12, 2, 255).map((p) => p[0]), [3], 'the never-sent one first, within the budget');
  q.enqueue('a', part(10, 9));
  t.equal(q.size, 3, 'a newer update replaces the older about the same subject');
  t.same(q.take(100, 2, 255).map((p) => p[0]).sort(), [2, 3, 9]);
  t.equal(q.size, 1, 'b and c reached the limit of 2 sends; a has one left');
  t.same(q.take(100, 2, 1).map((p) => p[0]), [9]);
  t.equal(q.size, 0);
  t.same(q.take(100, 2, 255), []);
  limit = 5;
  for (let i = 0; i < 150; i++) q.enqueue(`s${i}`, part(20));
  t.equal(q.size, 100, 'bounded');
  t.equal(q.take(1371, 2, 255).length, Math.floor(1371 / 22), 'a packet is filled up to its budget');
  q.forget('s149');
  t.notOk(q.has('s149'));
  q.clear();
  t.equal(q.size, 0);
  t.equal(retransmitLimit(4, 1), 4);
  t.equal(retransmitLimit(4, 9), 4);
  t.equal(retransmitLimit(4, 10), 8);
  t.equal(retransmitLimit(4, 1000), 16);
});

t.test('suspicion: starts at max, shrinks with confirmations to min (memberlist suspicion.go)', async (t) => {
  t.equal(suspicionTimeout(4, 3, 1000), 4000);
  t.equal(suspicionTimeout(4, 100, 1000), 8000);
  t.equal(remainingSuspicionTime(0, 3, 0, 2000, 30000), 30000);
  t.equal(remainingSuspicionTime(1, 3, 0, 2000, 30000), 16000);
  t.equal(remainingSuspicionTime(3, 3, 0, 2000, 30000), 2000);
  t.equal(remainingSuspicionTime(3, 3, 5000, 2000, 30000), -3000);
  const clock = new VirtualClock();
  let firedWith = -1;
  const s = new Suspicion(clock, 'x', 3, 2000, 30000, (n) => (firedWith = n));
  clock.advance(1000);
  t.ok(s.confirm('y'));
  t.notOk(s.confirm('y'), 'a member confirms once');
  t.notOk(s.confirm('x'), 'the first suspecter does not confirm itself');
  t.equal(s.deadline, 16000);
  clock.advance(14_999);
  t.equal(firedWith, -1);
  clock.advance(1);
  t.equal(firedWith, 1, 'fired at 16 s with one confirmation');
  const none = new Suspicion(clock, 'x', 0, 2000, 30000, () => (firedWith = 99));
  clock.advance(2000);
  t.equal(firedWith, 99, 'k = 0: the minimum from the start');
  t.notOk(none.confirm('z'));
  const cancelled = new Suspicion(clock, 'x', 3, 2000, 30000, () => t.fail('cancelled'));
  cancelled.cancel();
  clock.advance(60_000);
});

t.test('awareness: bounded score scales timeouts', async (t) => {
  const a = new Awareness(8);
  a.applyDelta(-1);
  t.equal(a.score, 0);
  a.applyDelta(3);
  t.equal(a.scale(500), 2000);
  a.applyDelta(100);
  t.equal(a.score, 7);
  t.equal(a.scale(1000), 8000);
});

t.test('codec: every message round-trips alone and in compounds; bad framing throws DecodeError', async (t) => {
  const member = { id: 'm1', name: 'one', address: '10.0.0.1', gossipPort: 9638, incarnation: 3, persistent: true, tags: { role: 'server', dc: 'dc1' } };
  const messages: Message[] = [
    { type: 'ping', seq: 1, targetId: 'm2', fromId: 'm1' },
    { type: 'indirect-ping', seq: 2, targetId: 'm2', targetAddress: '10.0.0.2:9638', nack: true },
    { type: 'ack', seq: 3 },
    { type: 'nack', seq: 4 },
    { type: 'alive', member },
    { type: 'suspect', id: 'm2', incarnation: 1, from: 'm1' },
    { type: 'dead', id: 'm2', incarnation: 1, from: 'm2' },
    { type: 'departed', id: 'm3' },
    { type: 'rumor', body: Uint8Array.of(1, 2, 3) },
  ];
  for (const m of messages) t.same(decodePacket(framePacket([encodePart(m)])).messages, [m], m.type);
  const parts = messages.map(encodePart);
  const packet = framePacket(parts);
  t.equal(packet.byteLength, packetSize(parts));
  t.same(decodePacket(packet).messages, messages);
  t.throws(() => decodePacket(Uint8Array.of(1)), DecodeError);
  t.throws(() => decodePacket(Uint8Array.of(7, 1, 1)), DecodeError);
  t.throws(() => decodePacket(packet.subarray(0, packet.byteLength - 3)), DecodeError);
  const bad = decodePacket(Uint8Array.of(1, 99, 0x90));
  t.equal(bad.errors[0]?.reason, 'type');
  const wrongField = decodePacket(framePacket([Uint8Array.of(3, 0x91, 0xa1, 0x78)]));
  t.equal(wrongField.errors[0]?.reason, 'field', 'an ack whose seq is a string');
  t.throws(() => framePacket([]));
});

t.test('push-pull state round-trips and is bounded', async (t) => {
  const msg = {
    join: true,
    members: [{ id: 'm1', name: 'one', address: 'h', gossipPort: 1, incarnation: 2, persistent: false, tags: {}, state: 'suspect' as const }],
    departed: ['gone'],
    rumors: [Uint8Array.of(9)],
  };
  const bytes = encodePushPull(msg);
  t.same(decodePushPull(bytes, { maxBytes: 1000, maxMembers: 10 }), msg);
  t.throws(() => decodePushPull(bytes, { maxBytes: 10, maxMembers: 10 }), DecodeError);
  t.throws(() => decodePushPull(encodePushPull({ ...msg, members: [msg.members[0]!, msg.members[0]!] }), { maxBytes: 1000, maxMembers: 1 }), DecodeError);
});

t.test('options: profiles, validation, scaling helpers, addresses', async (t) => {
  const lan = resolveOptions();
  t.equal(lan.probeIntervalMs, 1000);
  t.equal(lan.probeTimeoutMs, 500);
  t.equal(lan.gossipIntervalMs, 200);
  t.equal(lan.pushPullIntervalMs, 30000);
  const local = resolveOptions({ profile: 'local', gossipNodes: 4 });
  t.equal(local.probeTimeoutMs, 200);
  t.equal(local.gossipNodes, 4);
  t.throws(() => resolveOptions({ probeIntervalMs: 0 }));
  t.throws(() => resolveOptions({ probeTimeoutMs: 2000 }));
  t.throws(() => resolveOptions({ seeds: ['nope'] }));
  t.throws(() => resolveOptions({ profile: 'wan' as never }));
  t.equal(pushPullScale(30000, 32, 32), 30000);
  t.equal(pushPullScale(30000, 64, 32), 60000);
  t.equal(pushPullScale(30000, 1000, 32), 180000);
  t.same(parseAddress('[::1]:9638'), { host: '::1', port: 9638 });
  t.equal(parseAddress('host:99999'), undefined);
  t.equal(formatAddress('::1', 1), '[::1]:1');
});
