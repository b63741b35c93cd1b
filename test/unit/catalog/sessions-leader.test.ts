import t from 'tap';
import { VirtualClock } from '../../../lib/core/clock.js';
import {
  LocalCatalogBackend, LockDelays, SessionLeader, SessionTtlTimers, registerCommand, checkRegistration, sessionCreateCommand,
  type CatalogCommand,
} from '../../../lib/catalog/index.js';

const id = (n: number): string => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const lock = (key: string, session: string): CatalogCommand => ({ type: 'kv.lock', key, value: Buffer.from('v'), flags: 0, session });

t.test('lock-delay: now + min(LockDelay, 60 s); none for 0', async (t) => {
  const clock = new VirtualClock(1_000);
  const d = new LockDelays(clock);
  d.start(['a', 'b'], 5e9);
  d.start(['long'], 3600e9);
  d.start(['none'], 0);
  t.ok(d.delayed('a'));
  t.notOk(d.delayed('none'));
  t.notOk(d.delayed('other'));
  clock.advance(4_999);
  t.ok(d.delayed('b'));
  clock.advance(1);
  t.notOk(d.delayed('b'), 'over at exactly the delay');
  t.ok(d.delayed('long'));
  clock.advance(55_000);
  t.notOk(d.delayed('long'), 'capped at 60 s');
  t.equal(d.size, 1, "an expired key is forgotten once looked at ('a' was not)");
});

t.test('lock-delay: a longer delay already running is not shortened', async (t) => {
  const clock = new VirtualClock();
  const d = new LockDelays(clock);
  d.start(['k'], 30e9);
  d.start(['k'], 1e9);
  clock.advance(10_000);
  t.ok(d.delayed('k'));
});

t.test('TTL timers: expire at TTL × multiplier, reset postpones, no TTL no timer', async (t) => {
  const clock = new VirtualClock();
  const destroyed: string[] = [];
  const timers = new SessionTtlTimers({ clock, destroy: async (x) => { destroyed.push(x); } });
  timers.reset({ ID: 'a', TTL: '10s' });
  timers.reset({ ID: 'none', TTL: '' });
  timers.reset({ ID: 'zero', TTL: '0s' });
  timers.reset({ ID: 'junk', TTL: 'soon' });
  t.equal(timers.size, 1);
  clock.advance(15_000);
  timers.reset({ ID: 'a', TTL: '10s' });
  clock.advance(19_999);
  await settle();
  t.same(destroyed, [], 'a renewal restarts the 20 s');
  clock.advance(1);
  await settle();
  t.same(destroyed, ['a']);
  t.equal(timers.size, 0);
  const short = new SessionTtlTimers({ clock, destroy: async (x) => { destroyed.push(x); } }, { multiplier: 1 });
  short.reset({ ID: 'b', TTL: '1s' });
  clock.advance(1_000);
  await settle();
  t.same(destroyed, ['a', 'b'], 'the multiplier is an option');
});

t.test('TTL timers: a failed expiry is retried with backoff, at most 6 times; clearAll stops it', async (t) => {
  const clock = new VirtualClock();
  const attempts: number[] = [];
  const timers = new SessionTtlTimers({ clock, destroy: async () => { attempts.push(clock.now()); throw new Error('no leader'); } }, { retryBaseMs: 100 });
  timers.reset({ ID: 'a', TTL: '1s' });
  for (let i = 0; i < 200; i++) {
    clock.advance(100);
    await settle();
  }
  t.same(attempts, [2_000, 2_100, 2_300, 2_700, 3_500, 5_100], 'waits 100, 200, 400, 800, 1600 ms, then gives up');
  attempts.length = 0;
  timers.reset({ ID: 'b', TTL: '1s' });
  clock.advance(2_000);
  await settle();
  t.equal(attempts.length, 1);
  timers.clearAll();
  clock.advance(10_000);
  await settle();
  t.equal(attempts.length, 1, 'a former leader stops retrying');
});

t.test('SessionLeader: timers only while leading, rebuilt on gaining leadership, dropped on losing it', async (t) => {
  const clock = new VirtualClock();
  const destroyed: string[] = [];
  const leader = new SessionLeader({ clock, destroy: async (x) => { destroyed.push(x); } });
  const s1 = { ...sessionCreateCommand({ ID: id(1), Node: 'n', TTL: '10s' }), CreateIndex: 1, ModifyIndex: 1 };
  const s2 = { ...sessionCreateCommand({ ID: id(2), Node: 'n', TTL: '10s' }), CreateIndex: 2, ModifyIndex: 2 };
  leader.events.created!(s1);
  t.equal(leader.timers.size, 0, 'a follower keeps no timers');
  t.equal(leader.renew(s1), s1);
  t.equal(leader.timers.size, 0, 'nor does a renewal reaching a follower start one');
  leader.setLeading(true, () => [s1, s2]);
  t.equal(leader.timers.size, 2, 'a new leader times every session');
  leader.events.destroyed!(id(2));
  t.equal(leader.timers.size, 1);
  clock.advance(10_000);
  t.equal(leader.renew(undefined), undefined);
  leader.renew(s1);
  clock.advance(15_000);
  await settle();
  t.same(destroyed, [], 'renewed at 10 s, so not due before 30 s');
  leader.setLeading(false, () => []);
  clock.advance(60_000);
  await settle();
  t.same(destroyed, [], 'leadership lost: no expiry from this server');
  leader.events.locksReleased!({ session: id(1), keys: ['k'], lockDelayNs: 1e9 });
  t.ok(leader.refuses(lock('k', id(3))), 'lock-delays are kept on followers too, for when they lead');
  t.notOk(leader.refuses({ type: 'kv.set', key: 'k', value: Buffer.from(''), flags: 0 }), 'only acquires wait');
});

t.test('local backend: lock-delay answers false without using an index; a TTL expires on the clock', async (t) => {
  const clock = new VirtualClock();
  const b = new LocalCatalogBackend({ clock });
  t.teardown(() => b.close());
  await b.write(registerCommand({ Node: 'n1', Address: '10.0.0.1', Checks: [checkRegistration({ CheckID: 'serfHealth', Name: 'serf', Status: 'passing' })] }));
  await b.write(sessionCreateCommand({ ID: id(1), Node: 'n1', LockDelay: 2e9, TTL: '10s' }));
  await b.write(sessionCreateCommand({ ID: id(2), Node: 'n1' }));
  t.equal(await b.write(lock('k', id(1))), true);
  await b.write({ type: 'session.destroy', ID: id(1) });
  const before = b.state.lastIndex;
  t.equal(await b.write(lock('k', id(2))), false, 'refused during the lock-delay');
  t.equal(b.state.lastIndex, before, 'without going to the log');
  clock.advance(2_000);
  t.equal(await b.write(lock('k', id(2))), true, 'taken once it is over');
  t.equal(await b.write({ type: 'kv.unlock', key: 'k', value: Buffer.from(''), flags: 0, session: id(2) }), true);
  t.equal(await b.write(lock('k', id(2))), true, 'a voluntary release starts no lock-delay');

  await b.write(sessionCreateCommand({ ID: id(3), Node: 'n1', TTL: '10s' }));
  clock.advance(15_000);
  t.same(await b.renewSession(id(3)), b.state.sessions.get(id(3)), 'renew answers with the session');
  t.equal(await b.renewSession('unknown'), undefined);
  clock.advance(19_999);
  await settle();
  t.ok(b.state.sessions.get(id(3)), 'renewed at 15 s: alive until 35 s');
  clock.advance(1);
  await settle();
  t.equal(b.state.sessions.get(id(3)), undefined, 'expired at TTL × 2 after the renewal');
});

t.test('local backend: sessions restored from a snapshot get fresh timers', async (t) => {
  const clock = new VirtualClock();
  const a = new LocalCatalogBackend({ clock });
  await a.write(registerCommand({ Node: 'n1', Address: '10.0.0.1' }));
  await a.write(sessionCreateCommand({ ID: id(1), Node: 'n1', NodeChecks: [], TTL: '10s' }));
  const snapshot = a.snapshot();
  a.close();
  const b = new LocalCatalogBackend({ clock });
  t.teardown(() => b.close());
  b.restore(snapshot);
  t.equal(b.sessionLeader.timers.size, 1);
  clock.advance(20_000);
  await settle();
  t.equal(b.state.sessions.size, 0);
});
