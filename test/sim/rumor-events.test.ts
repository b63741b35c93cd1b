import t from 'tap';
import { isChorusError, ErrorCode } from '../../lib/core/index.js';
import { encodeRumor } from '../../lib/butterfly/index.js';
import { seedFor, SimCluster } from './harness.js';
import { publication, timeUntilAll } from './rumor-helpers.js';

/** A scenario touching every rumor kind; returns the log of every rumor event at every member. */
async function scenario(seed: number): Promise<string[]> {
  const c = new SimCluster({ seed, size: 12, net: { loss: 0.05, maxDelayMs: 20 }, butterfly: { serviceTombstoneTtlMs: 20_000 } });
  const log: string[] = [];
  c.onSpawn.push((m) => {
    const at = (): number => c.clock.now();
    m.node.rumors.on('serviceChanged', (ch) => log.push(`${at()} ${m.id} service ${ch.reason} ${(ch.current ?? ch.previous)?.memberId}@${(ch.current ?? ch.previous)?.incarnation}`));
    m.node.rumors.on('configChanged', (ch) => log.push(`${at()} ${m.id} config ${ch.current?.version}`));
    m.node.rumors.on('fileChanged', (ch) => log.push(`${at()} ${m.id} file ${ch.current?.filename}@${ch.current?.version}`));
    m.node.rumors.on('event', (e) => log.push(`${at()} ${m.id} event ${e.name}@${e.ltime}`));
  });
  await c.spawnAll();
  await c.net.runUntil(() => c.converged(), 60_000);
  const [a, b, d] = [c.members[1]!, c.members[4]!, c.members[9]!];
  a.node.rumors.publishService(publication(a, 'x.default'));
  b.node.rumors.applyConfig('x.default', 1, 'k = 1');
  d.node.rumors.uploadFile('x.default', 'f', 1, c.random.fork().bytes(5_000));
  d.node.rumors.fireEvent({ name: 'deploy', payload: new Uint8Array([1]) });
  await c.net.runFor(3_000);
  a.node.rumors.withdrawService('x.default');
  await c.net.runFor(40_000);
  await c.stopAll();
  return log;
}

t.test('the same seed replays the same rumor run', async (t) => {
  const seed = seedFor(3600);
  t.comment(`seed ${seed}`);
  const first = await scenario(seed);
  const second = await scenario(seed);
  t.ok(first.length > 40, `the run did things (${first.length} rumor events)`);
  t.same(second, first, 'identical event logs');
  const other = await scenario(seed + 1);
  t.not(other.join('\n'), first.join('\n'), 'a different seed gives a different run');
});

t.test('user events reach every member; only members matching the filters handle them', async (t) => {
  const seed = seedFor(3700);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 10 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  c.members[2]!.node.setTags({ role: 'db' });
  c.members[3]!.node.setTags({ role: 'db' });
  c.members[3]!.node.rumors.publishService(publication(c.members[3]!, 'pg.default'));
  await c.net.runFor(3_000);
  const handled = new Map<string, string[]>();
  for (const m of c.members) m.node.rumors.on('event', (e) => handled.set(e.name, [...(handled.get(e.name) ?? []), m.id]));
  const clockBefore = c.members[7]!.node.rumors.eventClock;
  c.members[0]!.node.rumors.fireEvent({ name: 'all' });
  c.members[0]!.node.rumors.fireEvent({ name: 'dbs', tagFilters: { role: '^db$' } });
  c.members[0]!.node.rumors.fireEvent({ name: 'pg', serviceFilter: '^pg\\.' });
  c.members[0]!.node.rumors.fireEvent({ name: 'node5', nodeFilter: '^node5$' });
  t.ok(await timeUntilAll(c, (m) => m.node.rumors.userEvents().length === 4, 5_000), 'every member stores every event');
  t.equal(handled.get('all')?.length, 10, 'an unfiltered event is handled everywhere');
  t.same(handled.get('dbs')?.sort(), ['member-2', 'member-3'], 'tag filter');
  t.same(handled.get('pg'), ['member-3'], 'service filter');
  t.same(handled.get('node5'), ['member-5'], 'node filter');
  t.ok(c.members[7]!.node.rumors.eventClock >= clockBefore + 4, 'the Lamport clock moved past the events seen');
  let err: unknown;
  try {
    c.members[0]!.node.rumors.fireEvent({ name: 'bad', nodeFilter: '(' });
  } catch (e) {
    err = e;
  }
  t.ok(isChorusError(err, ErrorCode.BadRequest), 'an event with a filter that does not compile is refused');
  try {
    c.members[0]!.node.rumors.fireEvent({ name: 'big', payload: new Uint8Array(4096) });
  } catch (e) {
    err = e;
  }
  t.ok(isChorusError(err, ErrorCode.TooLarge), 'an oversized payload is refused');
  await c.stopAll();
});

t.test('malformed rumors are dropped and counted; the member keeps working', async (t) => {
  const seed = seedFor(3800);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 3 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const victim = c.members[1]!;
  const onRumor = victim.node.context.onRumor!;
  const good = encodeRumor({ kind: 'config', group: 'g.default', version: 1, fromId: 'x', toml: 'a = 1' });
  let rnd = seed;
  const next = (): number => ((rnd = (rnd * 1103515245 + 12345) >>> 0) >>> 8) & 255;
  let thrown = 0;
  for (let i = 0; i < 2_000; i++) {
    const junk = Uint8Array.from(good);
    for (let k = 0; k < 2; k++) junk[next() % junk.length] = next();
    try {
      onRumor('10.9.9.9:9638', i % 10 === 0 ? junk.subarray(0, next() % junk.length) : junk);
    } catch {
      thrown++;
    }
  }
  t.equal(thrown, 0, 'nothing throws out of the handler');
  const counters = victim.node.rumors.counters();
  t.ok(counters.malformed > 500, `malformed rumors were counted (${counters.malformed})`);
  t.ok(Object.keys(victim.node.stats().dropped).some((k) => k.startsWith('rumor-')), 'and show in the drop counters');
  c.members[0]!.node.rumors.applyConfig('real.default', 1, 'ok = true');
  t.ok(await timeUntilAll(c, (m) => m.node.rumors.config('real.default')?.version === 1, 5_000), 'the member still takes good rumors');
  await c.stopAll();
});
