import t from 'tap';
import { createConnection } from 'node:net';
import { TcpStreamTransport } from '../../../lib/net/streams.js';
import { StreamKind } from '../../../lib/net/types.js';
import { encodeFrame, FrameReader } from '../../../lib/net/frames.js';
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

t.test('several requests on one raw stream are answered in order; garbage does not hurt the server', async (t) => {
  const { server, client } = await pair(t);
  server.handle(StreamKind.PushPull, async (_f, req) => req);
  const socket = createConnection(Number(server.localAddress.split(':')[1]), '127.0.0.1');
  const reader = new FrameReader(1 << 20, true);
  const replies: string[] = [];
  const done = new Promise<void>((resolve) => socket.on('data', (c: Buffer) => {
    for (const f of reader.push(c)) replies.push(f.payload.toString());
    if (replies.length === 3) resolve();
  }));
  socket.write(Buffer.concat([Buffer.from([StreamKind.PushPull]), encodeFrame(Buffer.from('a')), encodeFrame(Buffer.from('b')), encodeFrame(Buffer.from('c'))]));
  await done;
  socket.destroy();
  t.same(replies, ['a', 'b', 'c']);
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
