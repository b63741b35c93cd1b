import t from 'tap';
import { SimNetwork } from '../../../lib/net/sim-network.js';
import { Butterfly } from '../../../lib/butterfly/index.js';
import { VirtualClock } from '../../../lib/core/clock.js';
import { SeededRandom } from '../../../lib/core/random.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { consulMember, gossipView } from '../../../lib/node/gossip-view.js';
import { ErrorCode } from '../../../lib/core/errors.js';

const ID = (n: number): string => n.toString(16).padStart(32, '0');

async function ring(size: number) {
  const clock = new VirtualClock();
  const random = new SeededRandom(11);
  const net = new SimNetwork({ clock, random });
  const nodes: Butterfly[] = [];
  for (let i = 1; i <= size; i++) {
    const ep = net.attach(`10.0.0.${i}:9638`);
    const b = new Butterfly(
      { clock, random: random.fork(), packets: ep.packets, streams: ep.streams, logger: silentLogger() },
      { id: ID(i), name: `node${i}`, tags: { role: i === 1 ? 'consul' : 'node', dc: 'dc1' } },
      { profile: 'local', seeds: i === 1 ? [] : ['10.0.0.1:9638'] },
    );
    await b.start();
    nodes.push(b);
  }
  await net.runUntil(() => nodes.every((b) => b.members().filter((m) => m.state === 'alive').length === size), 30_000, 100);
  return { clock, net, nodes };
}

t.test('members in Consul\'s shape; /butterfly in Habitat\'s', async (t) => {
  const { net, nodes } = await ring(3);
  const view = gossipView(nodes[0]!);
  const members = view.members().sort((a, b) => a.Name.localeCompare(b.Name));
  t.same(members.map((m) => [m.Name, m.Addr, m.Port, m.Status, m.Tags.role]), [
    ['node1', '10.0.0.1', 9638, 1, 'consul'],
    ['node2', '10.0.0.2', 9638, 1, 'node'],
    ['node3', '10.0.0.3', 9638, 1, 'node'],
  ]);
  t.equal(members[0]!.ProtocolCur, 2);
  net.crash('10.0.0.3:9638');
  await net.runUntil(() => nodes[0]!.member(ID(3))?.state === 'failed', 60_000, 100);
  t.equal(view.members().find((m) => m.Name === 'node3')!.Status, 4, 'failed is status 4');
  const doc = view.butterfly() as { member: { health: Record<string, string>; update_counter: number }; membership: Record<string, { health: string; left: boolean }>; departed_members: string[] };
  t.equal(doc.member.health[ID(3)], 'Confirmed');
  t.equal(doc.member.health[ID(2)], 'Alive');
  t.ok(doc.member.update_counter > 0, 'changes are counted');
  view.forceLeave('node3');
  t.equal(view.members().find((m) => m.Name === 'node3')!.Status, 3, 'departed shows as left');
  t.same((view.butterfly() as typeof doc).departed_members, [ID(3)]);
  t.throws(() => view.forceLeave('nobody'), { code: ErrorCode.NotFound });
  // The join waits on virtual time: run the network while it does.
  const joining = view.join('10.0.0.99').then(() => undefined, (err: unknown) => err);
  await net.runFor(20_000);
  t.match(await joining, { code: ErrorCode.OperationFailed, message: /failed to join 10\.0\.0\.99/ });
  for (const n of nodes) await n.stop();
});

t.test('a graceful leave is status 3 and Habitat health Confirmed with left=true', async (t) => {
  const { net, nodes } = await ring(2);
  const leaving = nodes[1]!.leave();
  await net.runFor(5_000);
  await leaving;
  const m = nodes[0]!.member(ID(2))!;
  t.equal(consulMember(m).Status, 3);
  const doc = gossipView(nodes[0]!).butterfly() as { membership: Record<string, { health: string; left: boolean }> };
  t.same([doc.membership[ID(2)]!.health, doc.membership[ID(2)]!.left], ['Confirmed', true]);
  for (const n of nodes) await n.stop();
});
