import t from 'tap';
import { SeededRandom, VirtualClock, silentLogger } from '../../../lib/core/index.js';
import { SimNetwork } from '../../../lib/net/sim-network.js';
import { EncryptedPacketTransport, Keyring } from '../../../lib/net/keyring.js';
import { Butterfly } from '../../../lib/butterfly/index.js';
import { decodePacket, encodePart, framePacket } from '../../../lib/butterfly/wire/codec.js';

function seedFor(fallback: number): number {
  const env = process.env.CHORUS_SEED;
  return env !== undefined && env !== '' ? Number(env) >>> 0 : fallback;
}

/** Valid packets to mutate: pings, acks, alive/suspect/dead claims, compounds. */
function corpus(r: SeededRandom): Uint8Array[] {
  const member = { id: 'm-x', name: 'x', address: '10.0.0.9', gossipPort: 9638, incarnation: 5, persistent: false, tags: { role: 'server' } };
  return [
    framePacket([encodePart({ type: 'ping', seq: 1, targetId: 'target', fromId: 'm-x' })]),
    framePacket([encodePart({ type: 'ack', seq: 7 })]),
    framePacket([
      encodePart({ type: 'coordinate', seq: 8, coordinate: { Vec: [0.001, 0, 0, 0, 0, 0, 0, -0.002], Error: 0.4, Adjustment: 0.0001, Height: 0.00001 } }),
      encodePart({ type: 'ack', seq: 8 }),
    ]),
    framePacket([encodePart({ type: 'alive', member })]),
    framePacket([encodePart({ type: 'suspect', id: 'target', incarnation: 99, from: 'm-x' })]),
    framePacket([
      encodePart({ type: 'dead', id: 'target', incarnation: 3, from: 'm-x' }),
      encodePart({ type: 'indirect-ping', seq: 3, targetId: 'm-y', targetAddress: '10.0.0.8:9638', nack: true }),
      encodePart({ type: 'alive', member: { ...member, id: `m-${r.int(1000)}` } }),
    ]),
  ];
}

function mutate(r: SeededRandom, base: Uint8Array): Uint8Array {
  const p = base.slice();
  switch (r.int(7)) {
    case 0: // truncated
      return p.subarray(0, r.int(p.byteLength));
    case 1: // wrong version
      p[0] = 2 + r.int(250);
      return p;
    case 2: // flipped bytes
      for (let i = 0; i < 1 + r.int(4); i++) p[r.int(p.byteLength)] = r.int(256);
      return p;
    case 3: {
      // huge counts: msgpack array32/map32/str32 headers claiming billions of items
      const at = 2 + r.int(Math.max(1, p.byteLength - 2));
      const header = [0xdd, 0xdf, 0xdb, 0xc6][r.int(4)]!;
      const out = new Uint8Array(p.byteLength + 5);
      out.set(p.subarray(0, at));
      out.set([header, 0xff, 0xff, 0xff, 0xf0], at);
      out.set(p.subarray(at), at + 5);
      return out;
    }
    case 4: // compound header claiming many parts / long parts
      return Uint8Array.of(1, 9, r.int(256), 0xff, 0xff, ...p.subarray(0, r.int(40)));
    case 5: // pure noise, up to oversized
      return r.bytes(r.next() < 0.01 ? 70_000 : r.int(1400));
    default: // unknown message type
      p[1] = 12 + r.int(200);
      return p;
  }
}

t.test('100,000+ random and mutated packets: the node keeps answering probes, nothing throws, drops are counted', async (t) => {
  const seed = seedFor(2024);
  t.comment(`seed ${seed}`);
  const clock = new VirtualClock();
  const r = new SeededRandom(seed);
  const net = new SimNetwork({ clock, random: r.fork() });
  const targetEp = net.attach('10.0.0.1:9638');
  const friendEp = net.attach('10.0.0.2:9638');
  const attacker = net.attach('10.0.0.66:9638');
  const mk = (id: string, ep: typeof targetEp, seeds: string[]): Butterfly =>
    new Butterfly({ clock, random: r.fork(), packets: ep.packets, streams: ep.streams, logger: silentLogger() }, { id }, { seeds });
  const target = mk('target', targetEp, []);
  const friend = mk('friend', friendEp, ['10.0.0.1:9638']);
  await target.start();
  await friend.start();
  await net.runFor(5_000);
  t.equal(target.countIn('alive'), 2, 'a two-member ring');

  const base = corpus(r);
  const total = 120_000;
  const keyring = new Keyring(r.bytes(32), [], r.fork());
  let sent = 0;
  // Interleaved with the garbage, the attacker's address also sends real probes and counts the acks.
  const acked = new Set<number>();
  attacker.packets.onPacket((_from, p) => {
    for (const m of decodePacket(p).messages) if (m.type === 'ack' && m.seq >= 1_000_000) acked.add(m.seq);
  });
  let probes = 0;
  for (let round = 0; round < 120; round++) {
    for (let i = 0; i < 5; i++) {
      attacker.packets.send(targetEp.address, framePacket([encodePart({ type: 'ping', seq: 1_000_000 + probes++, targetId: 'target', fromId: 'friend' })]));
    }
    for (let i = 0; i < total / 120; i++) {
      const roll = r.next();
      let packet: Uint8Array;
      if (roll < 0.05) packet = keyring.seal(base[r.int(base.length)]!); // sealed with a key the node does not have
      else packet = mutate(r, base[r.int(base.length)]!);
      attacker.packets.send(targetEp.address, packet);
      sent++;
    }
    await net.runFor(1_000);
  }
  const stats = target.stats();
  const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  t.comment(`sent ${sent} bad packets; drops by reason: ${JSON.stringify(stats.dropped)}`);
  t.ok(sent >= 100_000);
  t.equal(net.stats(targetEp.address).handlerErrors, 0, 'nothing escaped the receive handler');
  t.ok(dropped > sent * 0.5, `most were dropped and counted (${dropped})`);
  t.equal(acked.size, probes, `${acked.size} acked: every one of the ${probes} real probes sent among the garbage was acked`);
  // (Datagrams over 65,507 bytes never reach a node: the network drops them, as UDP would.)
  for (const reason of ['version', 'malformed', 'type', 'empty', 'field', 'shape']) t.ok((stats.dropped[reason] ?? 0) > 0, `drops for ${reason}`);
  t.equal(target.member('friend')?.state, 'alive', 'the friend is still alive to the target');
  t.equal(friend.member('target')?.state, 'alive', 'the friend still sees the target alive');
  await target.stop();
  await friend.stop();
});

t.test('a node behind a keyring drops plaintext and wrongly keyed packets and still works', async (t) => {
  const seed = seedFor(77);
  const clock = new VirtualClock();
  const r = new SeededRandom(seed);
  const net = new SimNetwork({ clock, random: r.fork() });
  const key = r.bytes(32);
  const aEp = net.attach('10.0.0.1:9638');
  const bEp = net.attach('10.0.0.2:9638');
  const evil = net.attach('10.0.0.3:9638');
  const aPackets = new EncryptedPacketTransport(aEp.packets, new Keyring(key, [], r.fork()));
  const a = new Butterfly({ clock, random: r.fork(), packets: aPackets, streams: aEp.streams, logger: silentLogger() }, { id: 'a' });
  const b = new Butterfly(
    { clock, random: r.fork(), packets: new EncryptedPacketTransport(bEp.packets, new Keyring(key, [], r.fork())), streams: bEp.streams, logger: silentLogger() },
    { id: 'b' },
    { seeds: [aEp.address] },
  );
  await a.start();
  await b.start();
  await net.runFor(5_000);
  const wrong = new Keyring(r.bytes(32), [], r.fork());
  const base = corpus(r);
  for (let i = 0; i < 5_000; i++) {
    const p = base[r.int(base.length)]!;
    evil.packets.send(aEp.address, i % 2 === 0 ? p : wrong.seal(p));
  }
  await net.runFor(5_000);
  t.same(aPackets.stats, { plaintext: 2_500, undecryptable: 2_500 });
  t.equal(a.member('m-x'), undefined, 'no forged member got in');
  t.equal(b.member('a')?.state, 'alive');
  await a.stop();
  await b.stop();
});
