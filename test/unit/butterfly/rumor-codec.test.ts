import t from 'tap';
import { Packr } from 'msgpackr';
import { decodeRumor, encodeRumor, RUMOR_DEFAULTS, RumorStore, UserEventBuffer, matchesFilters } from '../../../lib/butterfly/index.js';
import type { RumorWire, ServiceRumor, UserEventRumor } from '../../../lib/butterfly/index.js';
import { decodeFetchReply, decodeFetchRequest, encodeFetchReply, encodeFetchRequest } from '../../../lib/butterfly/rumors/codec.js';
import { DecodeError } from '../../../lib/butterfly/errors.js';

const packr = new Packr({ useRecords: false });
const limits = RUMOR_DEFAULTS;
/** A copy of `xs` with element `i` replaced (Array.prototype.with is ES2023). */
const withAt = (xs: unknown[], i: number, value: unknown): unknown[] => xs.map((x, k) => (k === i ? value : x));

export const sys = {
  ip: '10.0.0.1',
  hostname: 'h1',
  gossip_ip: '10.0.0.1',
  gossip_port: 9638,
  http_gateway_ip: '0.0.0.0',
  http_gateway_port: 9631,
  ctl_gateway_ip: '127.0.0.1',
  ctl_gateway_port: 9632,
};

const service: ServiceRumor = {
  kind: 'service',
  group: 'redis.default',
  memberId: 'm1',
  incarnation: 3,
  pkg: 'core/redis/4.0.14/20190319155852',
  pkgIncarnation: 0,
  cfg: 'port = 6379\n',
  sys,
  health: 'CRITICAL',
  initialized: true,
  withdrawn: false,
  expiresInMs: 0,
};

const event: UserEventRumor = {
  kind: 'event',
  name: 'deploy',
  payload: new Uint8Array([1, 2, 3]),
  nodeFilter: '^web',
  serviceFilter: '',
  tagFilters: { role: 'server|client' },
  ltime: 7,
  origin: 'm2',
};

const samples: RumorWire[] = [
  service,
  { ...service, withdrawn: true, incarnation: 4, expiresInMs: 3_600_000 },
  { kind: 'config', group: 'redis.default', version: 2, fromId: 'm1', toml: 'a = 1' },
  { kind: 'file', group: 'redis.default', filename: 'a.pem', version: 1, fromId: 'm1', body: new Uint8Array([45, 10]) },
  { kind: 'departure', memberId: 'm9' },
  event,
  { kind: 'header', of: 'file', group: 'redis.default', name: 'a.pem', version: 1, size: 204_800, holder: '10.0.0.1:9638' },
  { kind: 'header', of: 'config', group: 'redis.default', name: '', version: 3, size: 2_000, holder: '10.0.0.1:9638' },
  { kind: 'header', of: 'service', group: 'redis.default', name: 'm1', version: 3, size: 2_000, holder: '10.0.0.1:9638' },
];

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DecodeError ? err.reason : `threw ${String(err)}`;
  }
}

t.test('every rumor kind round-trips through the codec', async (t) => {
  for (const r of samples) t.same(decodeRumor(encodeRumor(r), limits), r, r.kind);
});

t.test('malformed rumors are refused with a DecodeError, never anything else', async (t) => {
  const bad = (fields: unknown[]): Uint8Array => packr.pack(fields);
  const raw = encodeRumor(service);
  t.equal(reason(() => decodeRumor(new Uint8Array(0), limits)), 'empty');
  t.equal(reason(() => decodeRumor(raw.subarray(0, raw.length - 3), limits)), 'malformed', 'truncated');
  t.equal(reason(() => decodeRumor(bad([99, 'x']), limits)), 'type', 'unknown kind');
  t.equal(reason(() => decodeRumor(bad([1, 'g']), limits)), 'shape', 'too few fields');
  t.equal(reason(() => decodeRumor(bad({ a: 1 } as never), limits)), 'shape', 'not an array');
  t.equal(reason(() => decodeRumor(bad([1, 'g', 'm', -1, 'p', 0, '', [], 0, true, false, 0]), limits)), 'field', 'negative incarnation');
  const svc: unknown[] = [1, 'g', 'm', 1, 'p', 0, '', ['ip', 'h', 'gi', 1, 'hi', 2, 'ci', 3], 0, true, false, 0];
  t.equal(reason(() => decodeRumor(bad(svc), limits)), undefined, 'the good service decodes');
  t.equal(reason(() => decodeRumor(bad(withAt(svc, 8, 4)), limits)), 'field', 'health out of range');
  t.equal(reason(() => decodeRumor(bad(withAt(svc, 7, ['ip', 'h', 'gi', 70_000, 'hi', 2, 'ci', 3])), limits)), 'field', 'port out of range');
  t.equal(reason(() => decodeRumor(bad(withAt(svc, 1, 'x'.repeat(257))), limits)), 'field', 'group too long');
  t.equal(reason(() => decodeRumor(bad(withAt(svc, 6, 'x'.repeat(limits.maxServiceCfgBytes + 1))), limits)), 'field', 'cfg too long');
  t.equal(reason(() => decodeRumor(bad(withAt(svc, 2, '')), limits)), 'field', 'empty member id');
  for (const name of ['../etc/passwd', '.', '..', 'a/b', 'a\\b', 'a\0b', '']) {
    t.equal(reason(() => decodeRumor(bad([3, 'g', name, 1, 'm', new Uint8Array(1)]), limits)), 'field', `file name ${JSON.stringify(name)}`);
  }
  t.equal(reason(() => decodeRumor(bad([3, 'g', 'f', 1, 'm', new Uint8Array(limits.maxFileBytes + 1)]), limits)), 'field', 'file too large');
  t.equal(reason(() => decodeRumor(bad([3, 'g', 'f', 1, 'm', 'not bytes']), limits)), 'field', 'body not bytes');
  t.equal(reason(() => decodeRumor(bad([2, 'g', 1, 'm', 'x'.repeat(limits.maxConfigBytes + 1)]), limits)), 'field', 'config too large');
  const ev: unknown[] = [5, 'n', new Uint8Array(0), '', '', [], 1, 'm'];
  t.equal(reason(() => decodeRumor(bad(ev), limits)), undefined);
  t.equal(reason(() => decodeRumor(bad(withAt(ev, 3, '(')), limits)), 'field', 'node filter does not compile');
  t.equal(reason(() => decodeRumor(bad(withAt(ev, 5, ['role', '['])), limits)), 'field', 'tag filter does not compile');
  t.equal(reason(() => decodeRumor(bad(withAt(ev, 5, ['role'])), limits)), 'shape', 'odd tag filter list');
  t.equal(reason(() => decodeRumor(bad(withAt(ev, 5, new Array(40).fill('a'))), limits)), 'count', 'too many tag filters');
  t.equal(reason(() => decodeRumor(bad(withAt(ev, 2, new Uint8Array(limits.maxEventPayloadBytes + 1))), limits)), 'field', 'payload too large');
  t.equal(reason(() => decodeRumor(bad(withAt(ev, 1, '')), limits)), 'field', 'empty event name');
  t.equal(reason(() => decodeRumor(bad([6, 4, 'g', 'm', 1, 1, 'h:1']), limits)), 'field', 'header of an unstored kind');
  t.equal(reason(() => decodeRumor(bad([6, 3, 'g', '../x', 1, 1, 'h:1']), limits)), 'field', 'header with a bad file name');
  t.equal(reason(() => decodeRumor(bad([6, 3, 'g', 'x', 1, 1, '']), limits)), 'field', 'header without a holder');
  t.equal(reason(() => decodeRumor(bad([4, 'm', 'extra']), limits)), 'shape', 'departure with extra fields');
  // [1, [[[[...]]]]] nested 200,000 deep, made by hand (msgpackr cannot even pack it).
  const deep = new Uint8Array(200_003).fill(0x91);
  deep.set([0x92, 0x01], 0);
  t.equal(reason(() => decodeRumor(deep, limits)), 'malformed', 'deep nesting is refused, not a stack overflow out of the handler');
  // Random garbage: only DecodeErrors.
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 255;
  for (let i = 0; i < 5_000; i++) {
    const junk = Uint8Array.from(raw);
    for (let k = 0; k < 3; k++) junk[rnd() % junk.length] = rnd();
    const r = reason(() => decodeRumor(junk, limits));
    if (r !== undefined && r.startsWith('threw')) t.fail(`mutated rumor threw ${r}`);
  }
});

t.test('fetch requests and replies are framed and checked', async (t) => {
  const req = { of: 'file' as const, group: 'g.default', name: 'a.txt', version: 4 };
  t.same(decodeFetchRequest(encodeFetchRequest(req)), req);
  t.same(decodeFetchReply(encodeFetchReply(new Uint8Array([1, 2])), 10), new Uint8Array([1, 2]));
  t.equal(decodeFetchReply(encodeFetchReply(undefined), 10), undefined, 'an empty reply means not held');
  t.equal(reason(() => decodeFetchReply(encodeFetchReply(new Uint8Array(20)), 10)), 'oversized');
  t.equal(reason(() => decodeFetchRequest(encodeFetchReply(undefined))), 'type');
  const wrongVersion = encodeFetchRequest(req);
  wrongVersion[0] = 99;
  t.equal(reason(() => decodeFetchRequest(wrongVersion)), 'version');
});

t.test('a store keeps the newest version of each (key, id) and counts changes', async (t) => {
  const s = new RumorStore<{ v: number }>('test', (r) => r.v, 3);
  const e = new Uint8Array(0);
  t.equal(s.insert('g', 'a', { v: 1 }, e, 0), 'new');
  t.equal(s.insert('g', 'a', { v: 1 }, e, 0), 'stale', 'equal is ignored');
  t.equal(s.insert('g', 'a', { v: 0 }, e, 0), 'stale', 'older is ignored');
  t.equal(s.insert('g', 'a', { v: 5 }, e, 10), 'newer');
  t.equal(s.get('g', 'a')?.rumor.v, 5);
  t.equal(s.get('g', 'a')?.storedAt, 10);
  t.equal(s.updateCounter, 2);
  t.equal(s.insert('g', 'b', { v: 1 }, e, 0), 'new');
  t.equal(s.insert('h', 'a', { v: 1 }, e, 0), 'new');
  t.equal(s.insert('h', 'b', { v: 1 }, e, 0), 'full', 'a full store refuses new keys');
  t.equal(s.insert('h', 'a', { v: 2 }, e, 0), 'newer', 'but still takes newer versions of held ones');
  t.same([...s.under('g')].map(([id]) => id).sort(), ['a', 'b']);
  t.same(s.keys().sort(), ['g', 'h']);
  t.equal(s.delete('h', 'a')?.rumor.v, 2);
  t.equal(s.delete('h', 'a'), undefined);
  t.same(s.keys(), ['g'], 'an empty key is dropped');
  t.equal(s.size, 2);
});

t.test('user events: Lamport clock, de-duplication, the newest N kept, filters', async (t) => {
  const b = new UserEventBuffer(4);
  const ev = (ltime: number, origin = 'o', name = 'e'): UserEventRumor => ({ ...event, ltime, origin, name, nodeFilter: '', tagFilters: {} });
  t.equal(b.nextTime(), 0);
  t.equal(b.nextTime(), 1);
  b.witness(10);
  t.equal(b.clock, 11, 'witnessing moves past the time seen');
  b.witness(3);
  t.equal(b.clock, 11, 'never backwards');
  for (const l of [5, 3, 9, 7]) t.ok(b.add(ev(l)));
  t.notOk(b.add(ev(7)), 'a duplicate is refused');
  t.ok(b.add(ev(7, 'other')), 'same time from another origin is another event');
  t.same(b.list().map((e) => e.ltime), [5, 7, 7, 9], 'the oldest was dropped');
  t.notOk(b.add(ev(1)), 'older than everything kept: refused as stale');
  t.equal(b.updateCounter, 5);
  const me = { id: 'web-1', name: 'web-1.example', tags: { role: 'server', dc: 'eu' }, services: ['redis.default'] };
  t.ok(matchesFilters({ ...event, nodeFilter: '', tagFilters: {} }, me), 'no filters: matches');
  t.ok(matchesFilters({ ...event, tagFilters: {} }, me), 'node filter');
  t.notOk(matchesFilters({ ...event, nodeFilter: '^db', tagFilters: {} }, me));
  t.ok(matchesFilters({ ...event, nodeFilter: '', tagFilters: { role: '^server$' } }, me), 'tag filter');
  t.notOk(matchesFilters({ ...event, nodeFilter: '', tagFilters: { role: '^client$' } }, me));
  t.notOk(matchesFilters({ ...event, nodeFilter: '', tagFilters: { missing: '.*' } }, me), 'a missing tag does not match');
  t.ok(matchesFilters({ ...event, nodeFilter: '', serviceFilter: '^redis\\.', tagFilters: {} }, me), 'service filter');
  t.notOk(matchesFilters({ ...event, nodeFilter: '', serviceFilter: '^nginx', tagFilters: {} }, me));
});
