import t from 'tap';
import { isChorusError, ErrorCode } from '../../lib/core/index.js';
import { retransmitLimit } from '../../lib/butterfly/index.js';
import { seedFor, SimCluster } from './harness.js';
import { VirtualClock } from '../../lib/core/clock.js';
import { publication, retire, rumorMessages, timeUntilAll } from './rumor-helpers.js';

t.test('50 members: a rumor reaches all in the expected rounds, newer versions win, withdrawn services vanish and their tombstones expire', async (t) => {
  const seed = seedFor(3100);
  t.comment(`seed ${seed}`);
  const n = 50;
  const tombstoneTtl = 60_000;
  const c = new SimCluster({ seed, size: n, butterfly: { serviceTombstoneTtlMs: tombstoneTtl, rumorSweepIntervalMs: 5_000 } });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000), 'the ring converged');
  await c.net.runFor(5_000); // let membership gossip drain so it does not count as rumor traffic
  const o = c.members[0]!.node.options;
  const limit = retransmitLimit(o.retransmitMult, n);
  const bound = limit * o.gossipIntervalMs;
  const origin = c.members[7]!;
  const group = 'redis.default';

  // Spread.
  const before = rumorMessages(c);
  const published = origin.node.rumors.publishService(publication(origin, group));
  const spread = await timeUntilAll(c, (m) => m.node.rumors.service(group, origin.id)?.incarnation === published.incarnation, 30_000);
  t.comment(`service rumor reached all ${n} in ${spread} ms = ${spread === undefined ? '-' : (spread / o.gossipIntervalMs).toFixed(1)} gossip rounds (bound: ${limit} sends x ${o.gossipIntervalMs} ms = ${bound} ms)`);
  t.ok(spread !== undefined && spread <= bound, `reached everyone within the retransmit bound (${spread} <= ${bound})`);
  await c.net.runFor(5_000);
  const sent = rumorMessages(c) - before;
  t.comment(`rumor messages received in total: ${sent} (at most ${n} members x ${limit} sends = ${n * limit})`);
  t.ok(sent <= n * limit, 'no member sent it more than retransmitMult x ceil(log10(n+1)) times');
  t.ok(sent >= n - 1, 'and everyone got it at least once');

  // Newer wins: a republish with new cfg replaces the old one everywhere.
  const v2 = origin.node.rumors.publishService(publication(origin, group, { cfg: 'port = 7000\n', health: 'CRITICAL' }));
  t.ok(v2.incarnation > published.incarnation);
  const newer = await timeUntilAll(c, (m) => m.node.rumors.service(group, origin.id)?.cfg === 'port = 7000\n', bound);
  t.ok(newer !== undefined, `the newer version replaced the older everywhere in ${newer} ms`);
  t.ok(c.members.every((m) => m.node.rumors.service(group, origin.id)?.health === 'CRITICAL'));

  // Config: concurrent applies of versions 3 and 2 after 1: 3 wins everywhere; 2 is refused locally where 3 is known.
  c.members[1]!.node.rumors.applyConfig(group, 1, 'a = 1');
  await timeUntilAll(c, (m) => m.node.rumors.config(group)?.version === 1, bound);
  c.members[2]!.node.rumors.applyConfig(group, 3, 'a = 3');
  c.members[3]!.node.rumors.applyConfig(group, 2, 'a = 2');
  const configWon = await timeUntilAll(c, (m) => m.node.rumors.config(group)?.toml === 'a = 3', bound * 2);
  t.ok(configWon !== undefined, `config version 3 won everywhere in ${configWon} ms`);
  let refused: unknown;
  try {
    c.members[40]!.node.rumors.applyConfig(group, 2, 'a = 2 again');
  } catch (err) {
    refused = err;
  }
  t.ok(isChorusError(refused, ErrorCode.Conflict), 'an apply of a version not higher than the held one is refused with Conflict');
  t.match(String((refused as Error).message), /version 2 is not higher than the current version 3/);
  t.ok(c.members.every((m) => m.node.rumors.counters().serviceConfig >= 1));

  // Withdraw: gone everywhere, tombstones remain, then expire.
  let withdrawnEvents = 0;
  for (const m of c.members) m.node.rumors.on('serviceChanged', (ch) => ch.reason === 'withdrawn' && ch.previous?.memberId === origin.id && withdrawnEvents++);
  t.ok(origin.node.rumors.withdrawService(group));
  t.notOk(origin.node.rumors.withdrawService(group), 'a second withdraw has nothing to withdraw');
  const gone = await timeUntilAll(c, (m) => m.node.rumors.service(group, origin.id) === undefined, bound);
  t.comment(`withdrawal reached all ${n} in ${gone} ms`);
  t.ok(gone !== undefined, 'the withdrawn service disappeared everywhere');
  t.equal(withdrawnEvents, n, 'every member emitted serviceChanged(withdrawn) once');
  t.ok(c.members.every((m) => m.node.rumors.withdrawnServices().length === 1), 'every member holds the tombstone');
  const expired = await timeUntilAll(c, (m) => m.node.rumors.withdrawnServices().length === 0, tombstoneTtl + 3 * 5_000);
  t.comment(`tombstones expired everywhere ${expired} ms after the withdrawal was everywhere (ttl ${tombstoneTtl} ms)`);
  t.ok(expired !== undefined && expired >= tombstoneTtl - 5_000, 'tombstones expire everywhere, not before their time');
  // Several push-pull rounds later nothing has come back.
  await c.net.runFor(90_000);
  t.ok(c.members.every((m) => m.node.rumors.service(group, origin.id) === undefined && m.node.rumors.withdrawnServices().length === 0), 'nothing resurrects');
  t.ok(c.members.every((m) => m.node.rumors.config(group)?.version === 3), 'the config stays');
  await c.stopAll();
});

t.test("a departed member's and a left member's rumors are purged everywhere after the configured time", async (t) => {
  const seed = seedFor(3200);
  t.comment(`seed ${seed}`);
  const ttl = 20_000;
  const c = new SimCluster({ seed, size: 10, butterfly: { departedRumorTtlMs: ttl, rumorSweepIntervalMs: 2_000 } });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const departing = c.members[4]!;
  const leaving = c.members[6]!;
  for (const m of [departing, leaving]) {
    m.node.rumors.publishService(publication(m, 'a.default'));
    m.node.rumors.publishService(publication(m, 'b.default'));
  }
  t.ok(await timeUntilAll(c, (m) => m.node.rumors.services().length === 4, 10_000), 'four services everywhere');
  c.members[0]!.node.depart(departing.id);
  await Promise.all([leaving.node.leave(), c.net.runFor(2_000)]);
  await retire(c, leaving);
  await retire(c, departing);
  await c.net.runFor(ttl / 2);
  t.ok(c.members.every((m) => m.node.rumors.services().length === 4), 'kept during the grace time');
  t.ok(c.members.every((m) => m.node.rumors.departures().some((d) => d.memberId === departing.id)), 'every member lists the departure');
  const purged = await timeUntilAll(c, (m) => m.node.rumors.services().length === 0, ttl);
  t.comment(`purged everywhere ${purged === undefined ? '-' : purged + ttl / 2} ms after they went (ttl ${ttl} ms)`);
  t.ok(purged !== undefined, 'purged everywhere');
  await c.net.runFor(60_000);
  t.ok(c.members.every((m) => m.node.rumors.services().length === 0 && m.node.rumors.sizes().purgeWaiting === 0), 'and they stay purged');
  await c.stopAll();
});

t.test('a member restarted without its service withdraws the old rumor; republished, it wins with a higher incarnation', async (t) => {
  const seed = seedFor(3300);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 6 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const m = c.members[3]!;
  m.node.rumors.publishService(publication(m, 'web.default'));
  m.node.rumors.publishService(publication(m, 'web.default', { cfg: 'port = 1' }));
  t.ok(await timeUntilAll(c, (x) => x.node.rumors.service('web.default', m.id)?.incarnation === 2, 10_000));
  await retire(c, m);
  const again = await c.spawn({}, m.index);
  const withdrawn = await timeUntilAll(c, (x) => x.node.rumors.service('web.default', m.id) === undefined, 20_000);
  t.ok(withdrawn !== undefined, `the restarted member withdrew its stale service everywhere in ${withdrawn} ms`);
  t.ok(again.node.rumors.withdrawnServices().some((r) => r.memberId === m.id && r.incarnation === 3), 'with a tombstone above the stale incarnation');
  const r = again.node.rumors.publishService(publication(again, 'web.default', { cfg: 'port = 2' }));
  t.equal(r.incarnation, 4, 'the republish goes above everything seen');
  t.ok(await timeUntilAll(c, (x) => x.node.rumors.service('web.default', m.id)?.cfg === 'port = 2', 10_000), 'and wins everywhere');
  await c.stopAll();
});

t.test('a 200 KiB file, a large config and a service with large exported cfg reach every member through the stream path; no packet over 1,400 bytes', async (t) => {
  const seed = seedFor(3400);
  t.comment(`seed ${seed}`);
  const n = 20;
  const c = new SimCluster({ seed, size: n, net: { maxDatagramSize: 1_400 } });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const body = c.random.fork().bytes(200 * 1024);
  const group = 'web.default';
  const changed: string[] = [];
  for (const m of c.members) m.node.rumors.on('fileChanged', (ch) => changed.push(`${m.id} ${ch.current?.filename}@${ch.current?.version}`));
  const streamBytes = (): number => c.members.reduce((s, m) => s + c.net.stats(m.address).streamBytesReceived, 0);
  const streamBefore = streamBytes();
  c.members[5]!.node.rumors.uploadFile(group, 'blob.bin', 1, body);
  const took = await timeUntilAll(c, (m) => {
    const f = m.node.rumors.files(group)[0];
    return f !== undefined && f.version === 1 && Buffer.compare(f.body, body) === 0;
  }, 30_000);
  const fetches = c.members.reduce((s, m) => s + m.node.rumors.counters().largeFetches, 0);
  const failures = c.members.reduce((s, m) => s + m.node.rumors.counters().largeFetchFailures, 0);
  const streamed = streamBytes() - streamBefore;
  t.comment(`200 KiB file on all ${n} members in ${took} ms; ${fetches} fetches (${failures} failed), ${(streamed / 1024).toFixed(0)} KiB over streams`);
  t.ok(took !== undefined, 'every member has the exact bytes');
  t.equal(changed.length, n, 'every member emitted fileChanged once');
  t.ok(fetches - failures === n - 1, 'each member but the uploader fetched it once');
  t.ok(streamed >= (n - 1) * body.length, 'the body travelled over streams');
  let conflict: unknown;
  try {
    c.members[9]!.node.rumors.uploadFile(group, 'blob.bin', 1, new Uint8Array(1));
  } catch (err) {
    conflict = err;
  }
  t.ok(isChorusError(conflict, ErrorCode.Conflict), 'an upload of a version not higher is refused');

  const bigToml = `text = "${'x'.repeat(20_000)}"\n`;
  const bigCfg = `blob = "${'y'.repeat(5_000)}"\n`;
  c.members[11]!.node.rumors.applyConfig(group, 1, bigToml);
  const owner = c.members[12]!;
  owner.node.rumors.publishService(publication(owner, group, { cfg: bigCfg }));
  const both = await timeUntilAll(c, (m) => m.node.rumors.config(group)?.toml === bigToml && m.node.rumors.service(group, owner.id)?.cfg === bigCfg, 30_000);
  t.ok(both !== undefined, `a 20 KB config and a service with 5 KB of exported cfg reached everyone in ${both} ms`);
  const lost = c.members.reduce((s, m) => s + c.net.stats(m.address).packetsLost, 0);
  t.equal(lost, 0, 'no datagram was over 1,400 bytes (none lost)');
  await c.stopAll();
});

/** Virtual time that, like a real clock, has moved on a little every time it is read. */
class CreepingClock extends VirtualClock {
  #reads = 0;
  override now(): number {
    return super.now() + ++this.#reads * 0.001;
  }
}

t.test('on a clock with fractions of a millisecond (as a real one reads), a withdrawal still reaches everyone', async (t) => {
  const seed = seedFor(3177);
  t.comment(`seed ${seed}`);
  // A bug once let a fractional time into a tombstone's remaining life, which every receiver then refused as malformed.
  const c = new SimCluster({ seed, size: 3, clock: new CreepingClock(1_795_333_172_306.25) });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 30_000), 'the ring converged');
  const origin = c.members[1]!;
  origin.node.rumors.publishService(publication(origin, 'redis.default'));
  t.ok(await c.net.runUntil(() => c.members.every((m) => m.node.rumors.services('redis.default').length === 1), 10_000), 'published everywhere');
  origin.node.rumors.withdrawService('redis.default');
  t.ok(await c.net.runUntil(() => c.members.every((m) => m.node.rumors.services('redis.default').length === 0), 10_000), 'withdrawn everywhere');
  t.same(c.members.map((m) => m.node.rumors.counters().malformed), [0, 0, 0], 'no rumor refused as malformed');
});
