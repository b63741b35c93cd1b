import t from 'tap';
import { CensusRing, censusInput } from '../../lib/supervisor/census/index.js';
import { seedFor, SimCluster } from './harness.js';
import { publication, timeUntilAll } from './rumor-helpers.js';

t.test('every member builds the same census from gossip; an unloaded service and a crashed member show everywhere', async (t) => {
  const seed = seedFor(3900);
  t.comment(`seed ${seed}`);
  const c = new SimCluster({ seed, size: 8 });
  await c.spawnAll();
  t.ok(await c.net.runUntil(() => c.converged(), 60_000));
  const rings = new Map(c.members.map((m) => [m.id, new CensusRing()]));
  const census = (id: string) => {
    const ring = rings.get(id)!;
    ring.update(censusInput(c.members.find((m) => m.id === id)!.node));
    return ring;
  };
  const runners = [c.members[1]!, c.members[2]!, c.members[3]!];
  for (const m of runners) m.node.rumors.publishService(publication(m, 'hello.default', { cfg: `port = ${8000 + m.index}` }));
  c.members[0]!.node.rumors.applyConfig('hello.default', 1, 'greeting = "hi"');
  const population = (id: string): string[] => Object.keys(census(id).group('hello.default')?.population ?? {});
  const all = runners.map((m) => m.id).sort();
  const seen = await timeUntilAll(c, (m) => population(m.id).join() === all.join() && census(m.id).group('hello.default')?.service_config?.incarnation === 1, 10_000);
  t.ok(seen !== undefined, `every census lists the 3 members and the config after ${seen} ms`);
  const json = JSON.stringify(census(c.members[6]!.id).toJSON());
  t.match(json, /"cfg":\{"port":8001\}/);

  runners[0]!.node.rumors.withdrawService('hello.default');
  const unloaded = await timeUntilAll(c, (m) => !population(m.id).includes(runners[0]!.id), 5_000);
  t.ok(unloaded !== undefined, `the unloaded service left every census in ${unloaded} ms`);

  const victim = runners[1]!;
  c.net.crash(victim.address);
  await victim.node.stop();
  const confirmed = await timeUntilAll(c, (m) => census(m.id).group('hello.default')?.population[victim.id]?.confirmed === true, 60_000);
  t.ok(confirmed !== undefined, `the crashed member is confirmed in every live census after ${confirmed} ms`);
  t.ok(c.live().every((m) => census(m.id).view().groups['hello.default']!.members.filter((x) => x.alive).length === 1), 'one alive member left in every view');
  await c.stopAll();
});
