import t from 'tap';
import { createSocket } from 'node:dgram';
import {
  createSecureServer, createServer as createH2Server, type Http2SecureServer, type Http2Server, type ServerHttp2Stream, type IncomingHttpHeaders,
} from 'node:http2';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { SystemClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { LocalAgent } from '../../../lib/agent/index.js';
import { grpcProbe, systemExecutors, udpProbe } from '../../../lib/agent/checks/index.js';
import { selfSignedCert } from '../../helpers/tls.js';

const clock = new SystemClock();
const ex = systemExecutors(clock);
const signal = new AbortController().signal;

async function eventually(fn: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !fn()) await new Promise((r) => setTimeout(r, 20));
  return fn();
}

/** A UDP port nothing listens on (bound once, then let go). */
async function closedUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}

t.test('UDP checks against real sockets: silence passes, an answer passes, port unreachable is critical', async (t) => {
  const silent = createSocket('udp4');
  const received: number[] = [];
  silent.on('message', (m) => received.push(m.length));
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  t.teardown(() => silent.close());
  const quiet = `127.0.0.1:${silent.address().port}`;
  const started = Date.now();
  t.same(await udpProbe(ex, quiet, 300)(signal), { status: 'passing', output: `UDP connect ${quiet}: Success` });
  t.ok(Date.now() - started >= 250, 'it waited the timeout for a refusal that never came');
  t.ok(await eventually(() => received.length > 0), 'a datagram arrived');
  t.equal(received[0], 0, "an empty one, like Consul's");

  const echo = createSocket('udp4');
  echo.on('message', (_m, from) => echo.send('pong', from.port, from.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  t.teardown(() => echo.close());
  const answering = `127.0.0.1:${echo.address().port}`;
  const quick = Date.now();
  t.same(await udpProbe(ex, answering, 5000)(signal), { status: 'passing', output: `UDP connect ${answering}: Success` });
  t.ok(Date.now() - quick < 4000, 'an answer ends the wait');

  const port = await closedUdpPort();
  const refused = await udpProbe(ex, `127.0.0.1:${port}`, 3000)(signal);
  t.equal(refused.status, 'critical');
  t.match(refused.output, new RegExp(`^read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: read: connection refused$`));
  t.same(await udpProbe(ex, 'no-port', 300)(signal), { status: 'critical', output: 'dial udp: address no-port: missing port in address' });
});

/** A gRPC health service: '' SERVING, 'down' NOT_SERVING, 'hang' never answers, anything else NOT_FOUND. */
function healthHandler(seen: string[]) {
  return (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      if (headers[':path'] !== '/grpc.health.v1.Health/Check' || headers['content-type'] !== 'application/grpc' || headers.te !== 'trailers') {
        stream.respond({ ':status': 404 });
        stream.end();
        return;
      }
      // HealthCheckRequest { string service = 1 }: a frame header, then tag 0x0a, a one-byte length, the name.
      const message = body.subarray(5, 5 + body.readUInt32BE(1));
      const service = message.length === 0 ? '' : message.subarray(2, 2 + message[1]!).toString();
      seen.push(service);
      if (service === 'hang') return;
      if (service !== '' && service !== 'down') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'unknown%20service' }));
        stream.end();
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      const frame = Buffer.from([0, 0, 0, 0, 2, 0x08, service === '' ? 1 : 2]);
      stream.end(frame);
    });
  };
}

async function listenH2(server: Http2Server | Http2SecureServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

t.test('gRPC checks against a real HTTP/2 health service', async (t) => {
  const seen: string[] = [];
  const server = createH2Server();
  server.on('stream', healthHandler(seen));
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  t.teardown(() => { for (const s of sessions) s.destroy(); });
  const port = await listenH2(server);
  const probe = (target: string, timeoutMs = 3000) => grpcProbe(ex, { target, useTls: false, timeoutMs })(signal);
  t.same(await probe(`127.0.0.1:${port}`), { status: 'passing', output: `gRPC check 127.0.0.1:${port}: success` });
  t.same(await probe(`127.0.0.1:${port}/down`), { status: 'critical', output: `gRPC 127.0.0.1:${port}/down serving status: NOT_SERVING` });
  t.same(await probe(`127.0.0.1:${port}/pkg.Missing`), { status: 'critical', output: 'rpc error: code = NotFound desc = unknown service' });
  t.same(seen, ['', 'down', 'pkg.Missing'], 'the service after the slash is the one asked about');
  const started = Date.now();
  t.same(await probe(`127.0.0.1:${port}/hang`, 300), { status: 'critical', output: 'rpc error: code = DeadlineExceeded desc = context deadline exceeded' });
  t.ok(Date.now() - started < 2500, 'the timeout cut it short');

  const tcp: Server = createTcpServer();
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const closed = (tcp.address() as AddressInfo).port;
  await new Promise<void>((r) => tcp.close(() => r()));
  t.same(await probe(`127.0.0.1:${closed}`), {
    status: 'critical',
    output: `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:${closed}: connect: connection refused"`,
  });
});

t.test('gRPC over TLS: a self-signed certificate fails unless TLSSkipVerify', async (t) => {
  const tls = selfSignedCert(t.testdir({}));
  if (tls === undefined) {
    t.comment('openssl is not available: nothing to test against');
    return;
  }
  const seen: string[] = [];
  const server = createSecureServer(tls);
  server.on('stream', healthHandler(seen));
  const port = await listenH2(server);
  const target = `127.0.0.1:${port}`;
  const refused = await grpcProbe(ex, { target, useTls: true, timeoutMs: 3000 })(signal);
  t.equal(refused.status, 'critical');
  t.match(refused.output, /^rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: /);
  t.same(await grpcProbe(ex, { target, useTls: true, tlsSkipVerify: true, timeoutMs: 3000 })(signal), { status: 'passing', output: `gRPC check ${target}: success` });
  t.same(seen, [''], 'only the verified-or-skipped call got through');
});

t.test('an agent with real executors: UDP, gRPC and an alias of a TCP-checked service', async (t) => {
  const agent = new LocalAgent({ clock, random: new SeededRandom(1), logger: silentLogger(), nodeName: 'n1' }, { minCheckIntervalMs: 50 });
  await agent.start();
  t.teardown(() => agent.stop());

  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  t.teardown(() => udp.close());
  const h2 = createH2Server();
  h2.on('stream', healthHandler([]));
  const h2Port = await listenH2(h2);
  const db: Server = createTcpServer((s) => s.end());
  await new Promise<void>((r) => db.listen(0, '127.0.0.1', r));
  const dbAddress = `127.0.0.1:${(db.address() as AddressInfo).port}`;

  await agent.registerService({ Name: 'dns', Check: { UDP: `127.0.0.1:${udp.address().port}`, IntervalMs: 100, TimeoutMs: 100 } });
  await agent.registerService({ Name: 'api', Check: { GRPC: `127.0.0.1:${h2Port}/down`, IntervalMs: 100 } });
  await agent.registerService({ Name: 'db', Check: { TCP: dbAddress, IntervalMs: 100 } });
  await agent.registerService({ Name: 'db-sidecar', Check: { AliasService: 'db' } });
  const check = (id: string) => agent.checksJson()[id]!;

  t.ok(await eventually(() => check('service:dns').Status === 'passing'), 'UDP passing');
  t.match(check('service:dns'), { Type: 'udp', Output: `UDP connect 127.0.0.1:${udp.address().port}: Success` });
  t.ok(await eventually(() => check('service:api').Output !== ''), 'gRPC ran');
  t.match(check('service:api'), { Type: 'grpc', Status: 'critical', Output: `gRPC 127.0.0.1:${h2Port}/down serving status: NOT_SERVING` });
  t.ok(await eventually(() => check('service:db-sidecar').Status === 'passing'), 'the alias follows db to passing');
  t.match(check('service:db-sidecar'), { Type: 'alias', Output: 'All checks passing.' });

  await new Promise<void>((r) => db.close(() => r()));
  t.ok(await eventually(() => check('service:db-sidecar').Status === 'critical'), 'and to critical when db goes down');
  t.match(check('service:db-sidecar'), { Output: `Aliased check "Service 'db' check" failing: dial tcp ${dbAddress}: connect: connection refused` });
});
