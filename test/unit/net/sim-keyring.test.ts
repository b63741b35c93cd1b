import t from 'tap';
import { ChorusError, SeededRandom, VirtualClock, silentLogger } from '../../../lib/core/index.js';
import { SimNetwork } from '../../../lib/net/sim-network.js';
import { EncryptedPacketTransport, EncryptedStreamTransport, KEYRING_OVERHEAD, Keyring } from '../../../lib/net/keyring.js';
import { StreamKind } from '../../../lib/net/types.js';
import { Butterfly } from '../../../lib/butterfly/index.js';

const random = new SeededRandom(3);
const k1 = random.bytes(32);
const k2 = random.bytes(32);
const k3 = random.bytes(32);

t.test('seal and open; other installed keys open too; wrong keys and tampering do not', async (t) => {
  const ring = new Keyring(k1, [], new SeededRandom(1));
  const msg = new TextEncoder().encode('hello ring');
  const sealed = ring.seal(msg);
  t.equal(sealed.byteLength, msg.byteLength + KEYRING_OVERHEAD);
  t.notSame([...sealed.subarray(13, 23)], [...msg], 'ciphertext differs from plaintext');
  t.same([...ring.open(sealed)!], [...msg]);
  t.not(Buffer.from(ring.seal(msg)).toString('hex'), Buffer.from(sealed).toString('hex'), 'fresh nonce per message');

  const rotating = new Keyring(k2, [k1]);
  t.same([...rotating.open(sealed)!], [...msg], 'a non-primary key still opens');
  t.equal(new Keyring(k3).open(sealed), undefined, 'a ring without the key cannot');
  const tampered = sealed.slice();
  tampered[20]! ^= 1;
  t.equal(ring.open(tampered), undefined, 'tampering is detected');
  t.equal(ring.open(msg), undefined, 'plaintext is not sealed');
  t.equal(ring.open(new Uint8Array(0)), undefined);
});

t.test('key management', async (t) => {
  const ring = new Keyring(k1, [k2, k2]);
  t.equal(ring.size, 2, 'duplicates are installed once');
  ring.useKey(k2);
  t.same([...ring.primary], [...k2]);
  t.throws(() => ring.removeKey(k2), ChorusError, 'the primary stays');
  ring.removeKey(k1);
  t.equal(ring.size, 1);
  t.throws(() => ring.useKey(k3), ChorusError);
  t.throws(() => new Keyring(new Uint8Array(16)), ChorusError, 'keys are 32 bytes');
  const b64 = Buffer.from(k1).toString('base64');
  t.same([...Keyring.parseKey(`${b64}\n`)], [...k1]);
  t.throws(() => Keyring.parseKey('not base64!'), ChorusError);
  t.throws(() => Keyring.parseKey(Buffer.from('short').toString('base64')), ChorusError);
});

function net(): SimNetwork {
  return new SimNetwork({ clock: new VirtualClock(), random: new SeededRandom(9) });
}

t.test('encrypted packet transport: sealed on the wire, plaintext and wrongly keyed packets dropped and counted', async (t) => {
  const n = net();
  const a = n.attach('10.0.0.1:9638');
  const b = n.attach('10.0.0.2:9638');
  const c = n.attach('10.0.0.3:9638');
  const ea = new EncryptedPacketTransport(a.packets, new Keyring(k1));
  const eb = new EncryptedPacketTransport(b.packets, new Keyring(k2, [k1]));
  const ec = new EncryptedPacketTransport(c.packets, new Keyring(k3));
  const got: string[] = [];
  eb.onPacket((from, p) => got.push(`${from} ${new TextDecoder().decode(p)}`));
  ea.send(b.address, new TextEncoder().encode('one'));
  ec.send(b.address, new TextEncoder().encode('two'));
  a.packets.send(b.address, new TextEncoder().encode('\u0001three'));
  await n.runFor(50);
  t.same(got, ['10.0.0.1:9638 one']);
  t.same(eb.stats, { plaintext: 1, undecryptable: 1 });
  t.equal(n.stats(a.address).bytesSent, 3 + KEYRING_OVERHEAD + 6, 'the wire carries sealed bytes');
  t.equal(ea.localAddress, a.address);
});

t.test('encrypted stream transport: requests and replies sealed; strangers refused', async (t) => {
  const n = net();
  const a = n.attach('10.0.0.1:9638');
  const b = n.attach('10.0.0.2:9638');
  const c = n.attach('10.0.0.3:9638');
  const sa = new EncryptedStreamTransport(a.streams, new Keyring(k1));
  const sb = new EncryptedStreamTransport(b.streams, new Keyring(k1));
  const sc = new EncryptedStreamTransport(c.streams, new Keyring(k3));
  sb.handle(StreamKind.PushPull, async (_from, req) => Uint8Array.from([...req].reverse()));
  let reply: Uint8Array | undefined;
  void sa.request(b.address, StreamKind.PushPull, Uint8Array.of(1, 2, 3), 1000).then((r) => (reply = r));
  let refused: ChorusError | undefined;
  sc.request(b.address, StreamKind.PushPull, Uint8Array.of(1), 1000).catch((e: ChorusError) => (refused = e));
  let plain: ChorusError | undefined;
  a.streams.request(b.address, StreamKind.PushPull, Uint8Array.of(1), 1000).catch((e: ChorusError) => (plain = e));
  await n.runFor(100);
  t.same([...reply!], [3, 2, 1]);
  t.equal(refused?.code, 'UNAVAILABLE', 'a wrongly keyed request is refused');
  t.equal(plain?.code, 'UNAVAILABLE');
  t.same(sb.stats, { plaintext: 1, undecryptable: 1 });
  await sa.close();
});

t.test('a member with the wrong ring key cannot join', async (t) => {
  const clock = new VirtualClock();
  const n = new SimNetwork({ clock, random: new SeededRandom(5) });
  const mk = (i: number, key: Uint8Array, seeds: string[]): Butterfly => {
    const ep = n.attach(`10.0.0.${i}:9638`);
    const ring = new Keyring(key, [], new SeededRandom(i));
    return new Butterfly(
      {
        clock,
        random: new SeededRandom(100 + i),
        packets: new EncryptedPacketTransport(ep.packets, ring),
        streams: new EncryptedStreamTransport(ep.streams, ring),
        logger: silentLogger(),
      },
      { id: `m${i}` },
      { seeds, packetBudget: 1400 - KEYRING_OVERHEAD },
    );
  };
  const a = mk(1, k1, []);
  const b = mk(2, k1, ['10.0.0.1:9638']);
  const stranger = mk(3, k3, ['10.0.0.1:9638']);
  await a.start();
  await b.start();
  await stranger.start();
  await n.runFor(20_000);
  t.equal(a.countIn('alive'), 2, 'the keyed member joined');
  t.equal(b.countIn('alive'), 2);
  t.equal(a.member('m3'), undefined, 'the stranger is unknown');
  t.equal(stranger.countIn('alive'), 1, 'and knows nobody');
  for (const x of [a, b, stranger]) await x.stop();
});
