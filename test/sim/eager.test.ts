import t from 'tap';
import { retransmitLimit } from '../../lib/butterfly/index.js';
import { median, seedFor, SimCluster, type SimMember } from './harness.js';

/**
 * Eager gossip (lib/butterfly/eager.ts): news goes out when it is queued,
 * not at the next gossip round. The same runs with it on and off show what
 * it buys (a join and a failure reach everyone in milliseconds rather than
 * rounds) and what it must not cost (no update sent more than the
 * retransmit limit allows, no extra traffic when nothing happens).
 */

const SIZE = 40;

interface Spread {
  /** ms after the newcomer started until each old member listed it alive. */
  join: number[];
  /** ms after the first live member marked the crashed one failed until each did. */
  failure: number[];
  /** Packets all members sent while the ring sat idle for a minute. */
  idlePackets: number;
  /** The most times any one member sent the newcomer's alive message. */
  maxSendsOfJoin: number;
  limit: number;
}

async function measure(seed: number, eagerGossip: boolean): Promise<Spread> {
  const c = new SimCluster({ seed, size: SIZE, butterfly: { eagerGossip } });
  await c.spawnAll();
  if (!(await c.net.runUntil(() => c.converged(), 60_000))) throw new Error('the ring did not converge');
  await c.net.runFor(40_000); // let the join news of the start-up run out

  const packetsBefore = c.members.reduce((n, m) => n + m.node.stats().packetsSent, 0);
  await c.net.runFor(60_000);
  const idlePackets = c.members.reduce((n, m) => n + m.node.stats().packetsSent, 0) - packetsBefore;

  // Count, per sender, the packets carrying the newcomer's alive claim: its
  // id travels in the clear inside the msgpack message.
  const sendsOfJoin = new Map<string, number>();
  const newcomerId = `member-${SIZE}`;
  const marker = Buffer.from(newcomerId);
  for (const m of c.members) {
    const send = m.endpoint.packets.send.bind(m.endpoint.packets);
    m.endpoint.packets.send = (to: string, packet: Uint8Array): void => {
      if (Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength).includes(marker)) sendsOfJoin.set(m.id, (sendsOfJoin.get(m.id) ?? 0) + 1);
      send(to, packet);
    };
  }
  const seenAt = new Map<string, number>();
  for (const m of c.members) {
    m.node.on('joined', (x) => {
      if (x.id === newcomerId && !seenAt.has(m.id)) seenAt.set(m.id, c.clock.now());
    });
  }
  const startedAt = c.clock.now();
  const newcomer = await c.spawn();
  const old = c.members.filter((m) => m !== newcomer);
  if (!(await c.net.runUntil(() => old.every((m) => seenAt.has(m.id)), 30_000))) throw new Error('the join did not reach everyone');
  const join = old.map((m) => seenAt.get(m.id)! - startedAt);
  await c.net.runFor(30_000); // the join's retransmissions run out
  const limit = retransmitLimit(c.members[0]!.node.options.retransmitMult, c.members.length);

  const victim: SimMember = c.members[1]!;
  const failedAt = new Map<string, number>();
  for (const m of c.members) {
    if (m === victim) continue;
    m.node.on('failed', (x) => {
      if (x.id === victim.id && !failedAt.has(m.id)) failedAt.set(m.id, c.clock.now());
    });
  }
  c.net.crash(victim.address);
  await victim.node.stop();
  const viewers = c.live();
  if (!(await c.net.runUntil(() => viewers.every((m) => failedAt.has(m.id)), 60_000))) throw new Error('the crash was not detected by all');
  const first = Math.min(...failedAt.values());
  const failure = viewers.map((m) => failedAt.get(m.id)! - first);
  await c.stopAll();
  return { join, failure, idlePackets, maxSendsOfJoin: Math.max(...sendsOfJoin.values()), limit };
}

t.test(`${SIZE} members: eager gossip spreads a join and a failure in a fraction of the time of plain rounds, within the same send budget`, async (t) => {
  const seed = seedFor(7100);
  t.comment(`seed ${seed}`);
  const eager = await measure(seed, true);
  const plain = await measure(seed, false);
  const fmt = (xs: number[]): string => `median ${median(xs)} ms, max ${Math.max(...xs)} ms`;
  t.comment(`join seen by all old members: eager ${fmt(eager.join)}; plain ${fmt(plain.join)}`);
  t.comment(`failure, first to last member: eager ${fmt(eager.failure)}; plain ${fmt(plain.failure)}`);
  t.comment(`idle minute, packets sent by all: eager ${eager.idlePackets}; plain ${plain.idlePackets}`);
  t.comment(`most packets one member sent carrying the join: eager ${eager.maxSendsOfJoin}, plain ${plain.maxSendsOfJoin} (limit ${eager.limit})`);

  t.ok(Math.max(...eager.join) * 3 <= Math.max(...plain.join), 'the last old member hears of the join at least 3 times sooner');
  t.ok(Math.max(...eager.join) < 200, 'with eager gossip, every old member hears of the join within one plain gossip interval');
  t.ok(Math.max(...eager.failure) * 2 <= Math.max(...plain.failure), 'a failure spreads from first to last member at least twice as fast');
  // Probes and acks also name the newcomer once it is a member, so the
  // count is an upper bound on broadcasts of its alive claim; the probe
  // schedule is the same in both runs.
  t.ok(eager.maxSendsOfJoin <= plain.maxSendsOfJoin + 1, 'no member sends the join more often than with plain rounds');
  t.ok(Math.abs(eager.idlePackets - plain.idlePackets) <= plain.idlePackets * 0.02, 'an idle ring sends the same traffic either way');
});
