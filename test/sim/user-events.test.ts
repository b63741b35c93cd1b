import t from 'tap';
import { SeededRandom, silentLogger } from '../../lib/core/index.js';
import { UserEvents } from '../../lib/agent/events/index.js';
import { butterflyEventGossip } from '../../lib/node/user-events.js';
import { seedFor, SimCluster, type SimMember } from './harness.js';
import { timeUntilAll } from './rumor-helpers.js';

t.test('Consul user events over Butterfly: every member lists the same ID; filters are checked where the event lands', async (t) => {
  const seed = seedFor(4100);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 12, net: { loss: 0.05, maxDelayMs: 20 } });
  const agents = new Map<SimMember, UserEvents>();
  c.onSpawn.push((m) => {
    const events = new UserEvents({
      gossip: butterflyEventGossip(m.node),
      random: new SeededRandom(seed + m.index),
      nodeName: `node${m.index}`,
      localServices: () => (m.index % 3 === 0 ? [{ ID: 'web', Service: 'web', Tags: m.index % 2 === 0 ? ['even'] : [] }] : []),
      logger: silentLogger(),
    });
    events.start();
    agents.set(m, events);
  });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000), 'the ring converged');
  const of = (m: SimMember): UserEvents => agents.get(m)!;
  const firer = c.members[5]!;

  const all = of(firer).fire({ name: 'deploy', payload: Buffer.from('v2') });
  const node7 = of(firer).fire({ name: 'node7', nodeFilter: '^node7$' });
  const web = of(firer).fire({ name: 'web', serviceFilter: '^web$' });
  const webEven = of(firer).fire({ name: 'web-even', serviceFilter: 'web', tagFilter: '^even$' });
  t.not(await timeUntilAll(c, (m) => of(m).list().some((e) => e.ID === all.ID), 10_000), undefined, 'every member lists the unfiltered event');
  // Events spread as one burst: by the time the last ones arrive, the filtered ones had their chance everywhere.
  t.not(await timeUntilAll(c, (m) => m.node.rumors.userEvents().length === 4, 10_000), undefined, 'every member received all four');

  for (const m of c.members) {
    const listed = of(m).list();
    const e = listed.find((x) => x.ID === all.ID)!;
    t.equal(Buffer.from(e.Payload!).toString(), 'v2');
    t.equal(e.Version, 1);
    const expect = ['deploy', ...(m.index === 7 ? ['node7'] : []), ...(m.index % 3 === 0 ? ['web'] : []), ...(m.index % 6 === 0 ? ['web-even'] : [])];
    t.same(listed.map((x) => x.Name).sort(), expect.sort(), `node${m.index} keeps what its name and services match`);
  }
  const ids = new Set(c.members.flatMap((m) => of(m).list().map((e) => e.ID)));
  t.same([...ids].sort(), [all.ID, node7.ID, web.ID, webEven.ID].sort(), 'one ID per event across the ring');
  const ltimes = new Set(c.members.map((m) => of(m).list().find((e) => e.ID === all.ID)!.LTime));
  t.equal(ltimes.size, 1, 'every member lists the same Lamport time for it');
  for (const a of agents.values()) a.stop();
  await c.stopAll();
});
