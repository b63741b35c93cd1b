import t from 'tap';
import { ChorusError, SeededRandom, VirtualClock } from '../../../lib/core/index.js';
import { SimNetwork, type SimNetworkOptions } from '../../../lib/net/sim-network.js';
import { StreamKind, type InboundConnection } from '../../../lib/net/types.js';

function makeNet(options: SimNetworkOptions = {}, seed = 1): SimNetwork {
  return new SimNetwork({ clock: new VirtualClock(), random: new SeededRandom(seed) }, options);
}

const A = '10.0.0.1:9638';
const B = '10.0.0.2:9638';
const C = '10.0.0.3:9638';

function collect(net: SimNetwork, address: string): { ep: ReturnType<SimNetwork['attach']>; got: [string, number, number][] } {
  const ep = net.attach(address);
  const got: [string, number, number][] = [];
  ep.packets.onPacket((from, p) => got.push([from, p[0]!, net.clock.now()]));
  return { ep, got };
}

t.test('datagrams arrive after a delay within the range, with the sender address and counters', async (t) => {
  const net = makeNet({ minDelayMs: 3, maxDelayMs: 9 });
  const a = collect(net, A);
  const b = collect(net, B);
  for (let i = 0; i < 50; i++) a.ep.packets.send(B, new Uint8Array([i, 1, 2]));
  t.equal(b.got.length, 0, 'nothing arrives before time moves');
  await net.runFor(100);
  t.equal(b.got.length, 50);
  t.ok(b.got.every(([from, , at]) => from === A && at >= 3 && at <= 9));
  t.same(new Set(b.got.map(([, v]) => v)).size, 50);
  const sa = net.stats(A);
  const sb = net.stats(B);
  t.equal(sa.packetsSent, 50);
  t.equal(sa.bytesSent, 150);
  t.equal(sb.packetsReceived, 50);
  t.equal(sb.bytesReceived, 150);
});

t.test('seeded loss drops about the configured share, and a seed replays exactly', async (t) => {
  const run = async (seed: number): Promise<number[]> => {
    const net = makeNet({ loss: 0.3, duplicate: 0.1, reorder: 0.2 }, seed);
    const a = collect(net, A);
    const b = collect(net, B);
    for (let i = 0; i < 2000; i++) a.ep.packets.send(B, new Uint8Array([i & 255]));
    await net.runFor(1000);
    return b.got.map(([, v, at]) => v * 100000 + at);
  };
  const first = await run(42);
  const again = await run(42);
  const other = await run(43);
  t.same(first, again, 'same seed, same deliveries in the same order and at the same times');
  t.not(JSON.stringify(first), JSON.stringify(other), 'another seed differs');
  // 2000 * 0.7 delivered, 10% of those twice: about 1540
  t.ok(first.length > 1400 && first.length < 1680, `delivered ${first.length}`);
});

t.test('duplication and reordering', async (t) => {
  const net = makeNet({ duplicate: 1 });
  const a = collect(net, A);
  const b = collect(net, B);
  a.ep.packets.send(B, new Uint8Array([7]));
  await net.runFor(50);
  t.equal(b.got.length, 2, 'every datagram twice');

  const net2 = makeNet({ reorder: 0.5, reorderDelayMs: 100, minDelayMs: 1, maxDelayMs: 1 });
  const a2 = collect(net2, A);
  const b2 = collect(net2, B);
  for (let i = 0; i < 100; i++) a2.ep.packets.send(B, new Uint8Array([i]));
  await net2.runFor(500);
  const order = b2.got.map(([, v]) => v);
  t.equal(order.length, 100);
  t.notSame(order, [...order].sort((x, y) => x - y), 'some datagrams overtook others');
});

t.test('oversized datagrams are dropped and counted as lost', async (t) => {
  const net = makeNet({ maxDatagramSize: 100 });
  const a = collect(net, A);
  const b = collect(net, B);
  a.ep.packets.send(B, new Uint8Array(101));
  a.ep.packets.send(B, new Uint8Array(100));
  await net.runFor(50);
  t.equal(b.got.length, 1);
  t.equal(net.stats(A).packetsLost, 1);
});

t.test('partitions block both ways until healed; unnamed addresses share a group', async (t) => {
  const net = makeNet();
  const a = collect(net, A);
  const b = collect(net, B);
  const c = collect(net, C);
  net.partition([A], [B]);
  a.ep.packets.send(B, new Uint8Array([1]));
  b.ep.packets.send(A, new Uint8Array([2]));
  a.ep.packets.send(C, new Uint8Array([3]));
  await net.runFor(50);
  t.equal(a.got.length, 0);
  t.equal(b.got.length, 0);
  t.equal(c.got.length, 0, 'C is in the group of unnamed addresses, apart from A');
  t.notOk(net.reachable(A, B));
  net.heal();
  t.ok(net.reachable(A, B));
  a.ep.packets.send(B, new Uint8Array([1]));
  await net.runFor(50);
  t.equal(b.got.length, 1);
});

t.test('a crashed node neither sends nor receives; restart brings it back; closed addresses can be attached again', async (t) => {
  const net = makeNet();
  const a = collect(net, A);
  const b = collect(net, B);
  net.crash(B);
  t.ok(net.isCrashed(B));
  a.ep.packets.send(B, new Uint8Array([1]));
  b.ep.packets.send(A, new Uint8Array([2]));
  await net.runFor(50);
  t.equal(a.got.length + b.got.length, 0);
  t.equal(net.stats(B).packetsSent, 0, 'a crashed node sends nothing');
  net.restart(B);
  a.ep.packets.send(B, new Uint8Array([1]));
  await net.runFor(50);
  t.equal(b.got.length, 1);
  t.throws(() => net.attach(B), ChorusError, 'an address is bound once');
  await b.ep.packets.close();
  await b.ep.streams.close();
  const again = collect(net, B);
  a.ep.packets.send(B, new Uint8Array([9]));
  await net.runFor(50);
  t.equal(again.got.length, 1);
  t.equal(b.got.length, 1, 'the closed transport hears nothing more');
});

t.test('a throwing packet handler is counted, not propagated', async (t) => {
  const net = makeNet();
  const a = net.attach(A);
  const b = net.attach(B);
  b.packets.onPacket(() => {
    throw new Error('boom');
  });
  a.packets.send(B, new Uint8Array([1]));
  await net.runFor(20);
  t.equal(net.stats(B).handlerErrors, 1);
});

t.test('streams: request and reply on virtual time', async (t) => {
  const net = makeNet({ minDelayMs: 2, maxDelayMs: 2 });
  const a = net.attach(A);
  const b = net.attach(B);
  b.streams.handle(StreamKind.PushPull, async (from, req) => {
    t.equal(from, A);
    return new Uint8Array([...req, 99]);
  });
  let reply: Uint8Array | undefined;
  void a.streams.request(B, StreamKind.PushPull, new Uint8Array([1, 2]), 1000).then((r) => (reply = r));
  await net.runFor(3);
  t.equal(reply, undefined, 'not before the round trip');
  await net.runFor(10);
  t.same([...reply!], [1, 2, 99]);
  t.equal(net.clock.now(), 13);
  t.equal(net.stats(A).streamBytesSent, 2);
  t.equal(net.stats(A).streamBytesReceived, 3);
});

t.test('streams: refused kinds, unknown hosts, handler failures, partitions and crashes', async (t) => {
  const net = makeNet();
  const a = net.attach(A);
  const b = net.attach(B);
  b.streams.handle(StreamKind.Raft, async () => {
    throw new Error('bad request');
  });
  const outcome = async (p: Promise<Uint8Array>, ms = 2000): Promise<string> => {
    let result = 'pending';
    p.then(
      () => (result = 'ok'),
      (e: ChorusError) => (result = e.code),
    );
    await net.runFor(ms);
    return result;
  };
  t.equal(await outcome(a.streams.request(B, StreamKind.PushPull, new Uint8Array(1), 1000)), 'UNAVAILABLE', 'kind without handler');
  t.equal(await outcome(a.streams.request(C, StreamKind.PushPull, new Uint8Array(1), 1000)), 'UNAVAILABLE', 'nobody there');
  t.equal(await outcome(a.streams.request(B, StreamKind.Raft, new Uint8Array(1), 1000)), 'UNAVAILABLE', 'handler threw');
  b.streams.handle(StreamKind.PushPull, async () => new Uint8Array([1]));
  net.partition([A], [B]);
  const p = a.streams.request(B, StreamKind.PushPull, new Uint8Array(1), 1000);
  t.equal(await outcome(p, 999), 'pending', 'a partition hangs until the timeout');
  t.equal(await outcome(p, 2), 'TIMEOUT');
  net.heal();
  net.crash(B);
  t.equal(await outcome(a.streams.request(B, StreamKind.PushPull, new Uint8Array(1), 500)), 'TIMEOUT', 'crashed peer');
  net.restart(B);
  t.equal(await outcome(a.streams.request(B, StreamKind.PushPull, new Uint8Array(1), 500)), 'ok');
});

t.test('streams: slow handlers see the abort when the requester gives up, and closing rejects pending requests', async (t) => {
  const net = makeNet();
  const a = net.attach(A);
  const b = net.attach(B);
  let aborted = false;
  b.streams.handle(StreamKind.PushPull, (_from, _req, signal) => {
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        aborted = true;
        resolve(new Uint8Array(0));
      });
    });
  });
  let err: ChorusError | undefined;
  a.streams.request(B, StreamKind.PushPull, new Uint8Array(1), 100).catch((e: ChorusError) => (err = e));
  await net.runFor(200);
  t.equal(err?.code, 'TIMEOUT');
  t.ok(aborted, 'the handler saw its signal abort');
  let closedErr: ChorusError | undefined;
  a.streams.request(B, StreamKind.PushPull, new Uint8Array(1), 10_000).catch((e: ChorusError) => (closedErr = e));
  await net.runFor(20);
  await a.streams.close();
  await net.runFor(1);
  t.equal(closedErr?.code, 'UNAVAILABLE');
  let afterClose: ChorusError | undefined;
  await a.streams.request(B, StreamKind.PushPull, new Uint8Array(1), 100).catch((e: ChorusError) => (afterClose = e));
  t.equal(afterClose?.code, 'UNAVAILABLE');
});

t.test('streams: a handler learns its connection, and hears of its close when the client process exits, not on a crash or across a partition', async (t) => {
  const net = makeNet({ minDelayMs: 3, maxDelayMs: 3 });
  const a = net.attach(A);
  const b = net.attach(B);
  const c = net.attach(C);
  const conns: InboundConnection[] = [];
  b.streams.handle(StreamKind.Raft, async (_from, req, _signal, conn) => {
    conns.push(conn);
    return req;
  });
  const closedAt = new Map<number, number>();
  const watch = (conn: InboundConnection): void => void conn.onClose(() => closedAt.set(conn.id, net.clock.now()));
  await Promise.all([a.streams.request(B, StreamKind.Raft, new Uint8Array(1), 100), net.runFor(10)]);
  await Promise.all([a.streams.request(B, StreamKind.Raft, new Uint8Array(1), 100), net.runFor(10)]);
  await Promise.all([c.streams.request(B, StreamKind.Raft, new Uint8Array(1), 100), net.runFor(10)]);
  t.equal(conns.length, 3);
  t.equal(conns[0]!.id, conns[1]!.id, "A's requests share one connection");
  t.not(conns[2]!.id, conns[0]!.id, "C's is another");
  watch(conns[0]!);
  watch(conns[2]!);

  net.crash(A);
  await net.runFor(100);
  t.equal(closedAt.size, 0, 'a crashed (stopped) client closes nothing');
  const before = net.clock.now();
  await a.streams.close();
  await net.runFor(100);
  t.equal(closedAt.get(conns[0]!.id), before + 3, "A's exit closes its connection after one one-way delay");
  t.notOk(closedAt.has(conns[2]!.id), "C's connection is untouched");

  net.partition([B], [C]);
  await c.streams.close();
  await net.runFor(100);
  net.heal();
  await net.runFor(100);
  t.notOk(closedAt.has(conns[2]!.id), 'a close across a partition is never heard (the FIN is lost)');

  let late = false;
  conns[0]!.onClose(() => (late = true));
  await Promise.resolve();
  t.ok(late, 'subscribing to a closed connection still hears of the close');
});

t.test('streams: resetConnections fails the requests waiting on the connection, closes it at the server, and the next request opens another', async (t) => {
  const net = makeNet({ minDelayMs: 2, maxDelayMs: 2 });
  const a = net.attach(A);
  const b = net.attach(B);
  const conns: InboundConnection[] = [];
  b.streams.handle(StreamKind.Raft, (_from, _req, _signal, conn) => {
    conns.push(conn);
    return new Promise(() => undefined);
  });
  let err: ChorusError | undefined;
  a.streams.request(B, StreamKind.Raft, new Uint8Array(1), 10_000).catch((e: ChorusError) => (err = e));
  await net.runFor(5);
  let closed = false;
  conns[0]!.onClose(() => (closed = true));
  net.resetConnections(A, B);
  await net.runFor(1);
  t.equal(err?.code, 'UNAVAILABLE', 'the pending request failed at once');
  t.notOk(closed, 'the server hears of it only after the one-way delay');
  await net.runFor(2);
  t.ok(closed, 'and then it does');
  void a.streams.request(B, StreamKind.Raft, new Uint8Array(1), 10_000).catch(() => undefined);
  await net.runFor(5);
  t.equal(conns.length, 2);
  t.not(conns[1]!.id, conns[0]!.id, 'a new connection');

  // A server that restarts has new connections; the old one's close is not delivered to the new server.
  await b.streams.close();
  await b.packets.close();
  const b2 = net.attach(B);
  const again: InboundConnection[] = [];
  b2.streams.handle(StreamKind.Raft, async (_f, req, _s, conn) => {
    again.push(conn);
    return req;
  });
  await Promise.all([a.streams.request(B, StreamKind.Raft, new Uint8Array(1), 100), net.runFor(10)]);
  t.equal(again.length, 1);
  t.notOk([conns[0]!.id, conns[1]!.id].includes(again[0]!.id), 'the restarted server sees a new connection');
});

t.test('options are validated', async (t) => {
  t.throws(() => makeNet({ loss: 2 }));
  t.throws(() => makeNet({ minDelayMs: 5, maxDelayMs: 1 }));
  const net = makeNet();
  t.throws(() => net.configure({ duplicate: -1 }));
  net.configure({ loss: 1 });
  t.equal(net.options.loss, 1);
  t.throws(() => net.crash('nowhere:1'));
});
