import t from 'tap';
import { parseGoDuration } from '../../../lib/gateway/consul/duration.js';
import { encodeGoQuery, parseQueryOptions, requireDatacenter } from '../../../lib/gateway/consul/query-options.js';
import { blockingTimeout, DEFAULT_WAIT_MS, MAX_WAIT_MS } from '../../../lib/gateway/consul/blocking.js';
import { parseUint64, queryUint } from '../../../lib/gateway/consul/numbers.js';
import { ErrorCode } from '../../../lib/core/errors.js';
import { ConsulErrorCode } from '../../../lib/gateway/consul/errors.js';
import { SeededRandom, type Random } from '../../../lib/core/random.js';

t.test('Go durations', async (t) => {
  const good: Array<[string, number]> = [
    ['0', 0], ['10s', 10_000], ['30000ms', 30_000], ['1m30s', 90_000], ['1.5h', 5_400_000], ['.5s', 500], ['5.s', 5000],
    ['1h2m3s4ms', 3_723_004], ['100us', 0.1], ['100µs', 0.1], ['2000000ns', 2], ['-5s', -5000], ['+5s', 5000], ['0s', 0],
  ];
  for (const [text, ms] of good) t.equal(parseGoDuration(text), ms, text);
  for (const text of ['', '10', 's', '.s', '1x', '1 s', '-', '10S', '1m30', 'abc', '0x10s']) t.equal(parseGoDuration(text), undefined, JSON.stringify(text));
});

t.test('query options: consistency, wait, index, dc', async (t) => {
  const q = (s: string) => parseQueryOptions(new URLSearchParams(s));
  t.same(q(''), { consistency: 'default', minIndex: 0, waitMs: undefined, datacenter: undefined });
  t.equal(q('stale').consistency, 'stale');
  t.equal(q('stale=false').consistency, 'stale', 'presence decides, not the value');
  t.equal(q('consistent=1').consistency, 'consistent');
  t.equal(q('max_stale=5s').consistency, 'stale');
  t.equal(q('max_stale=0s').consistency, 'default');
  t.equal(q('leader').consistency, 'default');
  t.same(q('index=42&wait=1m&dc=dc1'), { consistency: 'default', minIndex: 42, waitMs: 60_000, datacenter: 'dc1' });
  t.equal(q('index=&wait=').minIndex, 0, 'empty values are ignored');
  t.throws(() => q('stale&consistent'), { code: ErrorCode.BadRequest, message: 'Cannot specify ?stale with ?consistent, conflicting semantics.' });
  t.throws(() => q('wait=10'), { code: ErrorCode.BadRequest, message: 'Invalid wait time' });
  t.throws(() => q('index=-1'), { code: ErrorCode.BadRequest, message: 'Invalid index' });
  t.throws(() => q('index=1e3'), { message: 'Invalid index' });
  t.throws(() => q('index=18446744073709551616'), { message: 'Invalid index' });
  t.throws(() => q('max_stale=x'), { message: 'Invalid max_stale value "x"' });
  t.throws(() => q('stale&consistent&wait=x'), { message: /conflicting semantics/ }, 'consistency is checked first');
  t.doesNotThrow(() => requireDatacenter(q('dc=dc1'), 'dc1'));
  t.doesNotThrow(() => requireDatacenter(q('dc='), 'dc1'));
  t.throws(() => requireDatacenter(q('dc=dc2'), 'dc1'), { code: ConsulErrorCode.NoPathToDatacenter, message: 'No path to datacenter' });
});

t.test('unsigned numbers as Go parses them', async (t) => {
  t.equal(parseUint64('18446744073709551615'), 18446744073709551615n);
  t.equal(parseUint64('18446744073709551616'), 'range');
  t.equal(parseUint64('+1'), 'syntax');
  t.equal(parseUint64(''), 'syntax');
  t.equal(queryUint('007'), 7);
  t.throws(() => queryUint('x'), { code: ConsulErrorCode.InvalidNumber, message: 'strconv.ParseUint: parsing "x": invalid syntax' });
  t.throws(() => queryUint('-1'), { message: 'strconv.ParseUint: parsing "-1": invalid syntax' });
  t.throws(() => queryUint('99999999999999999999'), { message: 'strconv.ParseUint: parsing "99999999999999999999": value out of range' });
});

t.test('Go query encoding sorts keys and escapes as url.Values.Encode', async (t) => {
  t.equal(encodeGoQuery(new URLSearchParams('release=b&cas=1&acquire=a')), 'acquire=a&cas=1&release=b');
  t.equal(encodeGoQuery(new URLSearchParams('recurse&cas=5')), 'cas=5&recurse=');
  t.equal(encodeGoQuery(new URLSearchParams('acquire=a%20b!&cas=1')), 'acquire=a+b%21&cas=1');
});

t.test('blocking timeout: default 5 min, cap 10 min, jitter below wait/16', async (t) => {
  const zero: Random = { next: () => 0, int: () => 0, shuffle: (x) => [...x], bytes: (n) => new Uint8Array(n) };
  const top: Random = { ...zero, next: () => 0.999999 };
  t.equal(blockingTimeout(undefined, zero), DEFAULT_WAIT_MS);
  t.equal(blockingTimeout(0, zero), DEFAULT_WAIT_MS);
  t.equal(blockingTimeout(-5, zero), DEFAULT_WAIT_MS);
  t.equal(blockingTimeout(3_600_000, zero), MAX_WAIT_MS);
  t.equal(blockingTimeout(1600, zero), 1600);
  t.equal(blockingTimeout(1600, top), 1699);
  const r = new SeededRandom(9);
  for (let i = 0; i < 100; i++) {
    const v = blockingTimeout(16_000, r);
    if (v < 16_000 || v >= 17_000) t.fail(`out of range ${v}`);
  }
});
