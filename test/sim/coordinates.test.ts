import t from 'tap';
import { seedFor, SimCluster } from './harness.js';
import { distanceTo, type Coordinate } from '../../lib/butterfly/index.js';
import { decodePacket, encodePart, framePacket, wirePackr } from '../../lib/butterfly/wire/codec.js';
import { MessageType, type Message } from '../../lib/butterfly/wire/messages.js';
import { PROTOCOL_VERSION } from '../../lib/butterfly/constants.js';

/** A probe the way a member sends one, from a raw endpoint, and the reply packets it gets. */
function prober(c: SimCluster, address: string): { ping(to: string, targetId: string, seq: number): void; replies: { messages: Message[]; bytes: number }[] } {
  const endpoint = c.net.attach(address);
  const replies: { messages: Message[]; bytes: number }[] = [];
  endpoint.packets.onPacket((_from, p) => replies.push({ messages: decodePacket(p).messages, bytes: p.byteLength }));
  return {
    replies,
    ping: (to, targetId, seq) => endpoint.packets.send(to, framePacket([encodePart({ type: 'ping', seq, targetId, fromId: 'outsider' })])),
  };
}

t.test('probes move coordinates: a member 40 ms further away is estimated so by everyone, others stay close', async (t) => {
  const seed = seedFor(4040);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 4, net: { minDelayMs: 1, maxDelayMs: 1 } });
  await c.spawnAll();
  // 20 ms more each way for everything the last member sends or receives: 42 ms round trips to it, 2 ms between the rest.
  c.net.slow(c.members[3]!.address, 20, 20);
  t.ok(await c.net.runUntil(() => c.converged(), 30_000), 'a converged ring');
  await c.net.runFor(180_000);
  const own = c.members.map((m) => m.node.coordinate()!);
  const truthMs = (i: number, j: number): number => (i === 3 || j === 3 ? 42 : 2);
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) {
      const estimate = distanceTo(own[i]!, own[j]!) * 1000;
      const truth = truthMs(i, j);
      // Within 20%, or a millisecond for the 2 ms links (the latency filter and heights blur below that).
      t.ok(Math.abs(estimate - truth) <= Math.max(0.2 * truth, 1), `${i}↔${j}: estimated ${estimate.toFixed(2)} ms, really ${truth} ms`);
    }
  }
  for (const viewer of c.members) {
    for (const subject of c.members) {
      if (subject === viewer) {
        t.same(viewer.node.memberCoordinate(viewer.id), viewer.node.coordinate(), 'our own id gives our own coordinate');
        continue;
      }
      const cached = viewer.node.memberCoordinate(subject.id);
      t.ok(cached !== undefined && cached.Vec.length === 8, `${viewer.id} cached ${subject.id}'s coordinate`);
    }
    t.same(viewer.node.stats().dropped, {}, `${viewer.id} dropped nothing`);
  }
  t.equal(c.members[0]!.node.memberCoordinate('nobody'), undefined, 'no coordinate for an unknown member');
  await c.stopAll();
});

t.test('an ack comes with the acker\'s coordinate in the part before it; with coordinates off, the ack alone', async (t) => {
  const c = new SimCluster({ seed: seedFor(7), size: 2 });
  await c.spawn();
  await c.spawn({ disableCoordinates: true });
  await c.net.runUntil(() => c.converged(), 30_000);
  const outsider = prober(c, '10.9.9.9:9638');
  outsider.ping(c.members[0]!.address, c.members[0]!.id, 77);
  outsider.ping(c.members[1]!.address, c.members[1]!.id, 78);
  await c.net.runFor(100);
  const [on, off] = [77, 78].map((seq) => outsider.replies.find((r) => r.messages.some((m) => m.type === 'ack' && m.seq === seq))!);
  const kinds = on!.messages.map((m) => m.type);
  t.same(kinds.slice(0, 2), ['coordinate', 'ack'], 'coordinate first, then the ack');
  const part = on!.messages[0] as Extract<Message, { type: 'coordinate' }>;
  t.equal(part.seq, 77, 'for the same probe');
  t.same(part.coordinate, c.members[0]!.node.coordinate(), 'the acker\'s own coordinate');
  t.ok(on!.bytes <= 1_400, `the packet stays under 1,400 bytes (${on!.bytes})`);
  t.notOk(off!.messages.some((m) => m.type === 'coordinate'), 'a member with coordinates off sends the ack alone');
  t.equal(c.members[1]!.node.coordinate(), undefined);
  // The two still probe each other fine: a coordinate-less ack is an ack, and a coordinate part is ignored where unwanted.
  await c.net.runFor(60_000);
  t.ok(c.converged(), 'both still see each other alive');
  t.equal(c.members[0]!.node.memberCoordinate(c.members[1]!.id), undefined, 'nothing cached for a member that sends none');
  t.same(c.members[0]!.node.stats().dropped, {});
  t.same(c.members[1]!.node.stats().dropped, {}, 'coordinate parts are not counted as drops by a member with coordinates off');
  await c.stopAll();
});

t.test('garbage coordinates with acks are dropped and counted; the acks still count and our coordinate stays sound', async (t) => {
  const c = new SimCluster({ seed: seedFor(99), size: 2 });
  const [a, liar] = [await c.spawn(), await c.spawn()];
  await c.net.runUntil(() => c.converged(), 30_000);
  // The liar answers every ping itself, with a bad coordinate part before a good ack.
  const good = a!.node.coordinate()!;
  const raw = (body: unknown[]): Uint8Array => {
    const packed = wirePackr.pack(body);
    const part = new Uint8Array(packed.byteLength + 1);
    part[0] = MessageType.Coordinate;
    part.set(packed, 1);
    return part;
  };
  const garbage: Array<(seq: number) => Uint8Array> = [
    (seq) => encodePart({ type: 'coordinate', seq, coordinate: { ...good, Vec: good.Vec.map(() => Number.NaN) } }),
    (seq) => encodePart({ type: 'coordinate', seq, coordinate: { ...good, Height: Number.POSITIVE_INFINITY } }),
    (seq) => encodePart({ type: 'coordinate', seq, coordinate: { ...good, Vec: [1, 2, 3] } }),
    (seq) => raw([seq, ['x', 1], 0.1, 0, 0.00001]),
    (seq) => raw([seq, new Array(100).fill(0), 0.1, 0, 0.00001]),
    (seq) => raw([seq, good.Vec, 'error', 0, 0.00001]),
  ];
  let answered = 0;
  liar.endpoint.packets.onPacket((from, p) => {
    for (const m of decodePacket(p).messages) {
      if (m.type !== 'ping') continue;
      const bad = garbage[answered++ % garbage.length]!(m.seq);
      liar.endpoint.packets.send(from, framePacket([bad, encodePart({ type: 'ack', seq: m.seq })]));
    }
  });
  const before = a!.node.coordinate();
  await c.net.runFor(60_000);
  t.ok(answered >= 20, `the liar answered ${answered} probes`);
  const dropped = a!.node.stats().dropped['bad-coordinate'] ?? 0;
  t.equal(dropped, answered, `every bad coordinate was dropped and counted (${dropped})`);
  t.equal(a!.node.member(liar.id)?.state, 'alive', 'the acks still counted: the liar is alive');
  t.equal(a!.node.memberCoordinate(liar.id), undefined, 'nothing cached from it');
  t.same(a!.node.coordinate(), before, 'our coordinate did not move');
  t.equal(c.net.stats(a!.address).handlerErrors, 0, 'nothing escaped the receive path');
  await c.stopAll();
});

t.test('a reaped member\'s coordinate is forgotten', async (t) => {
  const c = new SimCluster({ seed: seedFor(12), size: 3, butterfly: { reapAfterMs: 10_000, reapIntervalMs: 1_000 } });
  await c.spawnAll();
  await c.net.runUntil(() => c.converged(), 30_000);
  await c.net.runFor(30_000);
  const [a, , gone] = c.members;
  t.ok(a!.node.memberCoordinate(gone!.id) !== undefined, 'known while it is a member');
  const leaving = gone!.node.leave();
  await c.net.runFor(2_000);
  await leaving;
  await gone!.node.stop();
  await c.net.runUntil(() => a!.node.member(gone!.id) === undefined, 60_000);
  t.equal(a!.node.memberCoordinate(gone!.id), undefined, 'forgotten once reaped');
  await c.stopAll();
});

t.test('the coordinate part decodes as it was sent, and old-style packets without it still decode', async (t) => {
  const coordinate: Coordinate = { Vec: [0.001, -0.002, 0, 0, 0, 0, 0, 0.5], Error: 0.25, Adjustment: -0.0001, Height: 0.00002 };
  const packet = framePacket([encodePart({ type: 'coordinate', seq: 9, coordinate }), encodePart({ type: 'ack', seq: 9 })]);
  t.same(decodePacket(packet).messages, [{ type: 'coordinate', seq: 9, coordinate }, { type: 'ack', seq: 9 }]);
  t.same(decodePacket(framePacket([encodePart({ type: 'ack', seq: 9 })])).messages, [{ type: 'ack', seq: 9 }]);
  t.equal(packet[0], PROTOCOL_VERSION, 'same protocol version: a member without coordinates drops only the part it does not know');
});
