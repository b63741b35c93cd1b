import t from 'tap';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { SystemClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { LocalAgent } from '../../../lib/agent/index.js';
import { httpProbe, scriptProbe, systemExecutors, tcpProbe } from '../../../lib/agent/checks/index.js';
import { freePort } from '../../helpers/proc.js';
import { selfSignedCert } from '../../helpers/tls.js';

const clock = new SystemClock();
const ex = systemExecutors(clock);
const signal = new AbortController().signal;

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('HTTP checks against a real server: statuses, method, headers, body, redirects, output tail', async (t) => {
  const seen: Array<{ method: string; ua: string; x: string; body: string }> = [];
  const base = await listen((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method!, ua: req.headers['user-agent'] ?? '', x: String(req.headers['x-token'] ?? ''), body });
      if (req.url === '/ok') res.end('healthy');
      else if (req.url === '/busy') { res.statusCode = 429; res.end('slow down'); }
      else if (req.url === '/moved') { res.statusCode = 302; res.setHeader('Location', '/ok'); res.end(); }
      else if (req.url === '/long') res.end('a'.repeat(100) + 'END');
      else if (req.url === '/hang') { /* never answers */ }
      else { res.statusCode = 500; res.end('broken'); }
    });
  });
  const probe = (path: string, extra: Partial<Parameters<typeof httpProbe>[1]> = {}) =>
    httpProbe(ex, { url: `${base}${path}`, timeoutMs: 2000, maxOutput: 4096, ...extra })(signal);
  t.same(await probe('/ok'), { status: 'passing', output: `HTTP GET ${base}/ok: 200 OK Output: healthy` });
  t.equal(seen[0]!.ua, 'Consul Health Check');
  t.match(await probe('/busy'), { status: 'warning', output: /429 Too Many Requests Output: slow down$/ });
  t.match(await probe('/nope'), { status: 'critical', output: /500 Internal Server Error Output: broken$/ });
  t.match(await probe('/moved'), { status: 'passing', output: /200 OK Output: healthy$/ }, 'redirects followed');
  t.match(await probe('/moved', { disableRedirects: true }), { status: 'critical', output: /302 Found/ });
  t.match(await probe('/long', { maxOutput: 10 }), { output: /Output: aaaaaaaEND$/ }, 'the last bytes are kept');
  await probe('/ok', { method: 'POST', body: 'ping', header: { 'X-Token': ['t1'] } });
  t.match(seen.at(-1), { method: 'POST', x: 't1', body: 'ping' });
  const started = Date.now();
  t.match(await probe('/hang', { timeoutMs: 300 }), { status: 'critical', output: /Client\.Timeout exceeded/ });
  t.ok(Date.now() - started < 2000, 'the timeout cut it short');
  const closed = await freePort();
  t.same(await httpProbe(ex, { url: `http://127.0.0.1:${closed}/`, timeoutMs: 2000, maxOutput: 4096 })(signal), {
    status: 'critical', output: `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
  });
});

t.test('HTTPS checks: a self-signed certificate fails unless TLSSkipVerify', async (t) => {
  const tls = selfSignedCert(t.testdir({}));
  if (tls === undefined) {
    t.comment('openssl is not available: nothing to test against');
    return;
  }
  const server = createHttpsServer(tls, (_req, res) => res.end('tls ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  t.equal((await httpProbe(ex, { url, timeoutMs: 2000, maxOutput: 4096 })(signal)).status, 'critical');
  t.same(await httpProbe(ex, { url, timeoutMs: 2000, maxOutput: 4096, tlsSkipVerify: true })(signal), { status: 'passing', output: `HTTP GET ${url}: 200 OK Output: tls ok` });
});

t.test('TCP checks against a real port', async (t) => {
  const server = createTcpServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.same(await tcpProbe(ex, address, 2000)(signal), { status: 'passing', output: `TCP connect ${address}: Success` });
  const closed = `127.0.0.1:${await freePort()}`;
  t.same(await tcpProbe(ex, closed, 2000)(signal), { status: 'critical', output: `dial tcp ${closed}: connect: connection refused` });
  t.same(await tcpProbe(ex, 'no-port', 2000)(signal), { status: 'critical', output: 'dial tcp: address no-port: missing port in address' });
});

t.test('script checks run real processes without a shell', async (t) => {
  t.same(await scriptProbe(ex, ['/bin/sh', '-c', 'echo fine; exit 0'], 5000, 4096)(signal), { status: 'passing', output: 'fine\n' });
  t.same(await scriptProbe(ex, ['/bin/sh', '-c', 'echo meh >&2; exit 1'], 5000, 4096)(signal), { status: 'warning', output: 'meh\n' });
  t.equal((await scriptProbe(ex, ['/bin/sh', '-c', 'exit 7'], 5000, 4096)(signal)).status, 'critical');
  t.same(await scriptProbe(ex, ['echo', '$HOME', ';', 'ls'], 5000, 4096)(signal), { status: 'passing', output: '$HOME ; ls\n' }, 'arguments are not interpreted by a shell');
  t.same(await scriptProbe(ex, ['/bin/sh', '-c', 'printf "%0100d" 0; printf END'], 5000, 10)(signal), {
    status: 'passing', output: 'Captured 10 of 103 bytes\n...\n0000000END',
  });
  const started = Date.now();
  t.same(await scriptProbe(ex, ['/bin/sh', '-c', 'sleep 30'], 300, 4096)(signal), { status: 'critical', output: 'Timed out (300ms) running check' });
  t.ok(Date.now() - started < 5000, 'killed at the timeout');
  t.same(await scriptProbe(ex, ['/no/such/binary'], 5000, 4096)(signal), {
    status: 'critical', output: 'Failed to invoke: exec: "/no/such/binary": executable file not found in $PATH',
  });
});

t.test('an agent with real executors runs a registered TCP check', async (t) => {
  const server = createTcpServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const agent = new LocalAgent({ clock, random: new SeededRandom(1), logger: silentLogger(), nodeName: 'n1' }, { minCheckIntervalMs: 50 });
  await agent.start();
  t.teardown(() => agent.stop());
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await agent.registerService({ Name: 'db', Check: { TCP: address, IntervalMs: 100 } });
  const deadline = Date.now() + 10_000;
  while (agent.checksJson()['service:db']!.Status !== 'passing' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.match(agent.checksJson()['service:db'], { Status: 'passing', Output: `TCP connect ${address}: Success` });
});
