import t from 'tap';
import { createConnection } from 'node:net';
import { spawn } from 'node:child_process';
import { TcpStreamTransport } from '../../../lib/net/streams.js';
import { StreamKind, type InboundConnection } from '../../../lib/net/types.js';
import { encodeFrame, FrameReader } from '../../../lib/net/frames.js';
import { withId } from '../../../lib/net/stream-connection.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { ErrorCode } from '../../../lib/core/errors.js';

async function pair(t: { teardown(fn: () => unknown): void }) {
  const server = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger(), { maxFrame: 1024 });
  const client = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  t.teardown(async () => { await client.close(); await server.close(); });
  return { server, client };
}

t.test('request and reply by stream kind', async (t) => {
  const { server, client } = await pair(t);
  server.handle(StreamKind.PushPull, async (_from, req) => Buffer.concat([Buffer.from('echo:'), req]));
  const reply = await client.request(server.localAddress, StreamKind.PushPull, Buffer.from('hi'), 2000);
  t.equal(Buffer.from(reply).toString(), 'echo:hi');
  const big = Buffer.alloc(1000, 1);
  t.equal((await client.request(server.localAddress, StreamKind.PushPull, big, 2000)).length, 1005);
});

t.test('handler errors, unknown kinds, oversized frames and dead peers are clear errors', async (t) => {
  const { server, client } = await pair(t);
  server.handle(StreamKind.Raft, async () => { throw new Error('not leader'); });
  server.handle(StreamKind.Forward, () => new Promise(() => undefined));
  await t.rejects(client.request(server.localAddress, StreamKind.Raft, Buffer.from('x'), 2000), { code: ErrorCode.Unavailable, message: /refused the request: not leader/ });
  await t.rejects(client.request(server.localAddress, StreamKind.LargeRumor, Buffer.from('x'), 2000), { message: /unknown stream kind 4/ });
  await t.rejects(client.request(server.localAddress, StreamKind.Raft, Buffer.alloc(2000), 2000), { message: /exceeds the limit of 1024/ });
  await t.rejects(client.request(server.localAddress, StreamKind.Forward, Buffer.from('x'), 100), { code: ErrorCode.Timeout });
  await t.rejects(client.request('127.0.0.1:1', StreamKind.Raft, Buffer.from('x'), 2000), { code: ErrorCode.Unavailable, message: /cannot reach/ });
  await t.rejects(client.request('bogus', StreamKind.Raft, Buffer.from('x'), 2000), { code: ErrorCode.BadRequest });
});

t.test('a request without a reply drops its connection: the next one opens a fresh connection', async (t) => {
  const { server, client } = await pair(t);
  const seen: InboundConnection[] = [];
  server.handle(StreamKind.Raft, async (_from, req, _signal, conn) => {
    seen.push(conn);
    if (['hang', 'slow'].includes(Buffer.from(req).toString())) await new Promise(() => undefined);
    return req;
  });
  await client.request(server.localAddress, StreamKind.Raft, Buffer.from('a'), 2000);
  const firstClosed = new Promise<void>((resolve) => seen[0]!.onClose(resolve));
  const waiting = client.request(server.localAddress, StreamKind.Raft, Buffer.from('slow'), 2000);
  await t.rejects(client.request(server.localAddress, StreamKind.Raft, Buffer.from('hang'), 100), { code: ErrorCode.Timeout });
  await t.rejects(waiting, { code: ErrorCode.Unavailable, message: /dropped: a request on it got no reply within 100 ms/ }, 'other requests on it fail as undelivered-or-not');
  await firstClosed;
  t.pass('the server sees the old connection close');
  t.equal(Buffer.from(await client.request(server.localAddress, StreamKind.Raft, Buffer.from('b'), 2000)).toString(), 'b');
  t.not(seen[seen.length - 1]!.id, seen[0]!.id, 'on a new connection');
});

t.test('requests on one raw stream are answered by id, a slow one after a quick one; garbage does not hurt the server', async (t) => {
  const { server, client } = await pair(t);
  server.handle(StreamKind.PushPull, async (_f, req) => {
    if (Buffer.from(req).toString() === 'a') await new Promise((r) => setTimeout(r, 100));
    return req;
  });
  const socket = createConnection(Number(server.localAddress.split(':')[1]), '127.0.0.1');
  const reader = new FrameReader(1 << 20, true);
  const replies: string[] = [];
  const done = new Promise<void>((resolve) => socket.on('data', (c: Buffer) => {
    for (const f of reader.push(c)) replies.push(`${f.payload.readUInt32BE(0)}:${f.payload.subarray(4).toString()}`);
    if (replies.length === 3) resolve();
  }));
  socket.write(Buffer.concat([Buffer.from([StreamKind.PushPull]), encodeFrame(withId(7, Buffer.from('a'))), encodeFrame(withId(8, Buffer.from('b'))), encodeFrame(withId(9, Buffer.from('c')))]));
  await done;
  socket.destroy();
  t.same(replies, ['8:b', '9:c', '7:a'], 'the slow request did not hold up the others');
  const junk = createConnection(Number(server.localAddress.split(':')[1]), '127.0.0.1');
  junk.write(Buffer.from([StreamKind.PushPull, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
  junk.resume();
  await new Promise((r) => junk.on('close', r));
  t.equal(Buffer.from(await client.request(server.localAddress, StreamKind.PushPull, Buffer.from('still'), 2000)).toString(), 'still');
});

t.test('closing aborts pending requests and refuses new ones', async (t) => {
  const server = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  const client = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  server.handle(StreamKind.Forward, () => new Promise(() => undefined));
  const pending = client.request(server.localAddress, StreamKind.Forward, Buffer.from('x'), 5000);
  await new Promise((r) => setTimeout(r, 50));
  await client.close();
  await t.rejects(pending, { code: ErrorCode.ShuttingDown });
  await t.rejects(client.request(server.localAddress, StreamKind.Forward, Buffer.from('x'), 100), { code: ErrorCode.ShuttingDown });
  await server.close();
});

t.test('a busy port is reported with its address', async (t) => {
  const { server } = await pair(t);
  const port = server.localAddress.split(':')[1];
  await t.rejects(TcpStreamTransport.listen({ host: '127.0.0.1', port: Number(port) }, silentLogger()), {
    code: ErrorCode.AddressInUse, message: `cannot start gossip-listener (TCP): address 127.0.0.1:${port} is already in use`,
  });
});

t.test('one connection serves many concurrent requests; a dead peer fails them all, and the next request reconnects', async (t) => {
  const server = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  const client = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  t.teardown(async () => { await client.close(); await server.close(); });
  const peers = new Set<string>();
  server.handle(StreamKind.Raft, async (from, req) => {
    peers.add(from);
    return req;
  });
  const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.request(server.localAddress, StreamKind.Raft, Buffer.from(String(i)), 5000)));
  t.same(replies.map((r) => Buffer.from(r).toString()), Array.from({ length: 200 }, (_, i) => String(i)));
  t.equal(peers.size, 1, 'all 200 requests came over one connection');
  const port = Number(server.localAddress.split(':')[1]);
  await server.close();
  await t.rejects(client.request(`127.0.0.1:${port}`, StreamKind.Raft, Buffer.from('x'), 2000), { code: ErrorCode.Unavailable });
  const again = await TcpStreamTransport.listen({ host: '127.0.0.1', port }, silentLogger());
  t.teardown(() => again.close());
  again.handle(StreamKind.Raft, async (_f, req) => req);
  t.equal(Buffer.from(await client.request(`127.0.0.1:${port}`, StreamKind.Raft, Buffer.from('back'), 2000)).toString(), 'back', 'a new connection to the restarted peer');
});

t.test('a handler learns which connection a request came on, and hears when the client or its process goes away', async (t) => {
  const server = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  const client = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  const other = await TcpStreamTransport.listen({ host: '127.0.0.1', port: 0 }, silentLogger());
  t.teardown(async () => { await other.close(); await client.close(); await server.close(); });
  const seen: InboundConnection[] = [];
  let arrived: () => void = () => undefined;
  server.handle(StreamKind.Raft, async (_from, req, _signal, conn) => {
    seen.push(conn);
    arrived();
    return req;
  });
  await client.request(server.localAddress, StreamKind.Raft, Buffer.from('a'), 2000);
  await client.request(server.localAddress, StreamKind.Raft, Buffer.from('b'), 2000);
  await other.request(server.localAddress, StreamKind.Raft, Buffer.from('c'), 2000);
  t.equal(seen[0]!.id, seen[1]!.id, 'requests on one connection name the same one');
  t.not(seen[2]!.id, seen[0]!.id, "another client's connection is another");

  const closedWithin = (conn: InboundConnection, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      conn.onClose(() => { clearTimeout(timer); resolve(true); });
    });
  const otherStaysOpen = closedWithin(seen[2]!, 300);
  const clientClosed = closedWithin(seen[0]!, 5000);
  await client.close();
  t.ok(await clientClosed, 'the close callback fires when the client transport closes');
  t.notOk(await otherStaysOpen, "the other client's connection is still open");

  // A client process killed with SIGKILL: the OS closes its socket, and the server hears of it.
  const port = Number(server.localAddress.split(':')[1]);
  const hello = Buffer.concat([Buffer.from([StreamKind.Raft]), encodeFrame(withId(1, Buffer.from('from a child')))]).toString('hex');
  const gotChild = new Promise<void>((resolve) => { arrived = resolve; });
  const child = spawn(process.execPath, ['-e', `
    const s = require('node:net').createConnection(${port}, '127.0.0.1');
    s.write(Buffer.from('${hello}', 'hex'));
    s.resume();
    setInterval(() => {}, 60000);
  `], { stdio: 'ignore' });
  t.teardown(() => { child.kill('SIGKILL'); });
  await gotChild;
  const childConn = seen[seen.length - 1]!;
  const childClosed = closedWithin(childConn, 5000);
  child.kill('SIGKILL');
  t.ok(await childClosed, "the close callback fires when the client's process is killed");

  let heard = false;
  seen[2]!.onClose(() => (heard = true));
  await server.close();
  // The sockets' close events follow the server's; a quiet spell lets them run.
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(heard, 'the server closing its own connections does not report them as closed by the peer');
});
