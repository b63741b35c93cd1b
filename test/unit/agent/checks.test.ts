import t from 'tap';
import { VirtualClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { formatGoDuration } from '../../../lib/agent/index.js';
import { IntervalRunner, TtlRunner, httpProbe, scriptProbe, tcpProbe, truncateOutput, withThresholds } from '../../../lib/agent/checks/index.js';
import type { CheckStatus } from '../../../lib/agent/index.js';
import { advance, fakeExecutors, settle, testAgent } from '../../helpers/agent.js';

function recorder() {
  const seen: Array<[CheckStatus, string]> = [];
  return { seen, notify: (s: CheckStatus, o: string) => { seen.push([s, o]); } };
}

t.test("Go's Duration.String", async (t) => {
  t.same(
    [0, 10_000, 90_000, 3_600_000, 500, 1.5, 0.0015, 0.000001, 61_500, 86_400_000].map(formatGoDuration),
    ['0s', '10s', '1m30s', '1h0m0s', '500ms', '1.5ms', '1.5µs', '1ns', '1m1.5s', '24h0m0s'],
  );
});

t.test('TTL: status resets the timer; expiry is critical with the last output', async (t) => {
  const clock = new VirtualClock();
  const r = recorder();
  const ttl = new TtlRunner({ clock, notify: r.notify }, 10_000, 4096);
  ttl.start();
  clock.advance(9_000);
  ttl.setStatus('passing', 'all good');
  clock.advance(9_000);
  t.same(r.seen, [['passing', 'all good']], 'the report restarted the TTL');
  clock.advance(1_001);
  t.same(r.seen.at(-1), ['critical', 'TTL expired (last output before timeout follows): all good']);
  ttl.stop();

  const r2 = recorder();
  const bare = new TtlRunner({ clock, notify: r2.notify }, 1000, 4096);
  bare.start();
  clock.advance(1000);
  t.same(r2.seen, [['critical', 'TTL expired']]);
  bare.stop();
});

t.test('TTL output is cut at the limit, saying so', async (t) => {
  t.equal(truncateOutput('abcdef', 4), 'abcd ... (captured 4 of 6 bytes)');
  t.equal(truncateOutput('abc', 4), 'abc');
  const clock = new VirtualClock();
  const r = recorder();
  const ttl = new TtlRunner({ clock, notify: r.notify }, 1000, 4096);
  t.equal(ttl.setStatus('warning', 'x'.repeat(5000)).length, 4096 + ' ... (captured 4096 of 5000 bytes)'.length);
});

t.test('script probe: exit 0 passing, 1 warning, else critical; timeouts and start failures critical', async (t) => {
  const ex = fakeExecutors();
  const probe = scriptProbe(ex, ['/bin/check', '-v'], 30_000, 4096);
  const signal = new AbortController().signal;
  t.same(await probe(signal), { status: 'passing', output: 'ok' });
  t.same(ex.calls.script, [['/bin/check', '-v']], 'args run as given, no shell');
  ex.scriptAnswer = { exitCode: 1, output: 'meh', totalBytes: 3, timedOut: false };
  t.same(await probe(signal), { status: 'warning', output: 'meh' });
  ex.scriptAnswer = { exitCode: 2, output: 'bad', totalBytes: 3, timedOut: false };
  t.equal((await probe(signal)).status, 'critical');
  ex.scriptAnswer = { exitCode: null, output: '', totalBytes: 0, timedOut: true };
  t.same(await probe(signal), { status: 'critical', output: 'Timed out (30s) running check' });
  ex.scriptAnswer = { exitCode: null, output: '', totalBytes: 0, timedOut: false, startError: 'no such file' };
  t.same(await probe(signal), { status: 'critical', output: 'Failed to invoke: no such file' });
  ex.scriptAnswer = { exitCode: 0, output: 'tail', totalBytes: 5000, timedOut: false };
  t.same(await probe(signal), { status: 'passing', output: 'Captured 4 of 5000 bytes\n...\ntail' });
});

t.test('HTTP probe: 2xx passing, 429 warning, else critical; default GET and headers', async (t) => {
  const ex = fakeExecutors();
  const probe = httpProbe(ex, { url: 'http://h/x', timeoutMs: 10_000, maxOutput: 4096, header: { 'X-A': ['1'] } });
  const signal = new AbortController().signal;
  t.same(await probe(signal), { status: 'passing', output: 'HTTP GET http://h/x: 200 OK Output: fine' });
  t.same(ex.calls.http[0]!.headers, { 'X-A': ['1'], 'User-Agent': ['Consul Health Check'], Accept: ['text/plain, text/*, */*'] });
  ex.httpAnswer = { ok: true, statusCode: 429, statusText: 'Too Many Requests', body: '' };
  t.equal((await probe(signal)).status, 'warning');
  ex.httpAnswer = { ok: true, statusCode: 503, statusText: 'Service Unavailable', body: 'no' };
  t.same(await probe(signal), { status: 'critical', output: 'HTTP GET http://h/x: 503 Service Unavailable Output: no' });
  ex.httpAnswer = { ok: false, error: 'Get "http://h/x": dial tcp h:80: connect: connection refused' };
  t.same(await probe(signal), { status: 'critical', output: 'Get "http://h/x": dial tcp h:80: connect: connection refused' });
  const post = httpProbe(ex, { url: 'http://h/y', method: 'POST', body: '{}', timeoutMs: 1000, maxOutput: 10, header: { 'user-agent': ['me'] } });
  ex.httpAnswer = { ok: true, statusCode: 204, statusText: 'No Content', body: '' };
  t.equal((await post(signal)).status, 'passing');
  t.match(ex.calls.http.at(-1), { method: 'POST', body: '{}', timeoutMs: 1000, headers: { 'user-agent': ['me'] } });
  t.equal(ex.calls.http.at(-1)!.headers['User-Agent'], undefined, 'a given User-Agent, in any case, is kept');
});

t.test('TCP probe: a connection is passing', async (t) => {
  const ex = fakeExecutors();
  const probe = tcpProbe(ex, '127.0.0.1:5432', 10_000);
  t.same(await probe(new AbortController().signal), { status: 'passing', output: 'TCP connect 127.0.0.1:5432: Success' });
  ex.tcpAnswer = { ok: false, error: 'dial tcp 127.0.0.1:5432: connect: connection refused' };
  t.same(await probe(new AbortController().signal), { status: 'critical', output: 'dial tcp 127.0.0.1:5432: connect: connection refused' });
});

t.test('interval runner: first run within one interval, then every interval; stop drops late results', async (t) => {
  const clock = new VirtualClock();
  const r = recorder();
  const runs: number[] = [];
  const runner = new IntervalRunner({
    clock, random: new SeededRandom(3), notify: r.notify,
    probe: async () => { runs.push(clock.now()); return { status: 'passing', output: String(runs.length) }; },
  }, 10_000);
  runner.start();
  await advance(clock, 10_000, 500);
  t.equal(runs.length, 1, 'first run inside the first interval');
  const first = runs[0]!;
  await advance(clock, 20_000, 500);
  t.equal(runs.length, 3);
  // The next run is timed from when a run's result arrived, which on virtual time is the end of a 500 ms step.
  for (let i = 1; i < runs.length; i++) t.ok(runs[i]! - runs[i - 1]! >= 10_000 && runs[i]! - runs[i - 1]! <= 10_500, `gap ${i} is one interval`);
  t.ok(first < 10_000);
  runner.stop();
  await advance(clock, 30_000, 1000);
  t.equal(runs.length, 3, 'no runs after stop');
  t.same(r.seen.map((x) => x[1]), ['1', '2', '3']);
});

t.test('thresholds: report only after enough results in a row, warning before critical', async (t) => {
  const r = recorder();
  const notify = withThresholds(r.notify, { successBeforePassing: 2, failuresBeforeWarning: 1, failuresBeforeCritical: 3 });
  notify('passing', 'p1');
  notify('passing', 'p2');
  notify('critical', 'c1');
  notify('critical', 'c2');
  notify('critical', 'c3');
  t.same(r.seen, [['passing', 'p2'], ['warning', 'c1'], ['warning', 'c2'], ['critical', 'c3']]);
  const r2 = recorder();
  const plain = withThresholds(r2.notify, {});
  plain('critical', 'x');
  plain('warning', 'y');
  t.same(r2.seen, [['critical', 'x'], ['warning', 'y']], 'no thresholds: every result');
});

t.test('DeregisterCriticalServiceAfter reaps a service critical too long, raised to the minimum', async (t) => {
  const { agent, clock } = testAgent({ agent: { deregisterCriticalMinMs: 60_000, checkReapIntervalMs: 1000 } });
  const vclock = clock as VirtualClock;
  await agent.start();
  t.teardown(() => agent.stop());
  await agent.registerService({ Name: 'web', Check: { TTLMs: 5_000, DeregisterCriticalServiceAfterMs: 10_000 } });
  await agent.registerService({ Name: 'db', Check: { TTLMs: 5_000 } });
  await advance(vclock, 5_000, 1000);
  t.equal(agent.checksJson()['service:web']!.Output, 'TTL expired');
  await advance(vclock, 50_000, 1000);
  t.ok(agent.servicesJson().web, 'still there after 10 s: the minimum is 1 min');
  await advance(vclock, 12_000, 1000);
  t.same(Object.keys(agent.servicesJson()), ['db'], 'reaped once critical for over a minute; db has no reap rule');
  t.same(Object.keys(agent.checksJson()), ['service:db']);
});

t.test('a check that recovers is not reaped', async (t) => {
  const { agent, clock } = testAgent({ agent: { deregisterCriticalMinMs: 1000, checkReapIntervalMs: 500 } });
  const vclock = clock as VirtualClock;
  await agent.start();
  t.teardown(() => agent.stop());
  await agent.registerService({ Name: 'web', Check: { TTLMs: 1000, DeregisterCriticalServiceAfterMs: 3000 } });
  await advance(vclock, 2000, 100);
  await agent.updateTtlCheck('service:web', 'passing', '');
  await advance(vclock, 900, 100);
  await agent.updateTtlCheck('service:web', 'passing', '');
  await advance(vclock, 900, 100);
  t.ok(agent.servicesJson().web);
  await settle();
});
