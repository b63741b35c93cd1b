import t from 'tap';
import { createConnection } from 'node:net';
import { CtlServer, CtlClient } from '../../../lib/ctl/index.js';
import { ChorusError, ErrorCode } from '../../../lib/core/errors.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { encode } from '../../../lib/core/codec.js';
import { encodeFrame } from '../../../lib/net/frames.js';

async function start(t: { teardown(fn: () => unknown): void }) {
  const server = new CtlServer(
    {
      logger: silentLogger(),
      secret: 'right',
      handlers: {
        Echo: async (body) => body,
        Missing: async () => { throw new ChorusError(ErrorCode.NotFound, 'no such service'); },
        Bug: async () => { throw new TypeError('oops'); },
      },
    },
    { host: '127.0.0.1', port: 0 },
  );
  await server.start();
  t.teardown(() => server.stop());
  const port = Number(server.address.split(':')[1]);
  return { server, port };
}

t.test('an authenticated client gets replies and typed errors', async (t) => {
  const { port } = await start(t);
  const client = await CtlClient.connect({ host: '127.0.0.1', port, secret: 'right' });
  t.teardown(() => client.close());
  t.same(await client.request('Echo', { a: [1, 2] }), { a: [1, 2] });
  const [x, y] = await Promise.all([client.request('Echo', 'x'), client.request('Echo', 'y')]);
  t.same([x, y], ['x', 'y']);
  await t.rejects(client.request('Missing'), { code: ErrorCode.NotFound, message: 'no such service' });
  await t.rejects(client.request('Bug'), { code: ErrorCode.Internal, message: 'oops' });
  await t.rejects(client.request('toString'), { code: ErrorCode.BadRequest, message: /unknown control request "toString"/ });
});

t.test('a wrong secret is refused', async (t) => {
  const { port } = await start(t);
  await t.rejects(CtlClient.connect({ host: '127.0.0.1', port, secret: 'wrong' }), { code: ErrorCode.Unauthorized, message: 'secret key mismatch' });
});

t.test('garbage before the handshake closes the connection; the server carries on', async (t) => {
  const { port } = await start(t);
  for (const junk of [Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]), encodeFrame(encode({ type: 'Echo' })), Buffer.from([0xff, 0xff, 0xff, 0xff])]) {
    const s = createConnection(port, '127.0.0.1');
    s.write(junk);
    s.resume();
    await new Promise((r) => s.on('close', r));
  }
  const client = await CtlClient.connect({ host: '127.0.0.1', port, secret: 'right' });
  t.equal(await client.request('Echo', 1), 1);
  client.close();
  await t.rejects(client.request('Echo', 1), { code: ErrorCode.Unavailable });
});

t.test('no supervisor listening is a clear error', async (t) => {
  const { server, port } = await start(t);
  await server.stop();
  await t.rejects(CtlClient.connect({ host: '127.0.0.1', port, secret: 'x' }), { code: ErrorCode.Unavailable, message: /is a supervisor running there\?/ });
});
