import t from 'tap';
import { RaftSim, SIM_RAFT, type SimServer } from './harness.js';
import { encodeCommand } from './register-machine.js';
import { seedFor } from '../harness.js';

/**
 * A leader whose process dies has its connections closed by the OS; its
 * followers hear of it and campaign at once instead of waiting out the
 * election timeout. A leader that merely goes silent (partition, SIGSTOP)
 * is still found by the timeout, and a leader that loses one connection
 * but is still heard by the others keeps its place.
 */
const HEARTBEAT = SIM_RAFT.heartbeatIntervalMs!;
const ELECTION = SIM_RAFT.electionTimeoutMs!;
/** Simulated one-way delay is at most 10 ms; fsyncs at most 5 ms. */
const LATENCY = 50;

const put = (key: string, value: string): Uint8Array => encodeCommand({ op: 'put', key, value });
const term = (s: SimServer): number => s.node.status().term;
const counter = (s: SimServer, name: string): number => s.counters.get(name) ?? 0;

async function steadyCluster(seed: number, size: number): Promise<{ sim: RaftSim; leader: SimServer }> {
  const sim = new RaftSim({ seed, size });
  await sim.startAll();
  const leader = (await sim.runUntilLeader())!;
  await sim.settle(leader.node.propose(put('k', 'before')));
  await sim.run(500);
  return { sim, leader };
}

/** Runs until a live server other than `old` leads; the virtual ms it took, or undefined. */
async function timeToNewLeader(sim: RaftSim, old: SimServer, maxMs: number): Promise<number | undefined> {
  const t0 = sim.clock.now();
  const ok = await sim.runUntil(() => { const l = sim.leader(); return l !== undefined && l !== old; }, maxMs, 1);
  return ok ? sim.clock.now() - t0 : undefined;
}

t.test('a crashed leader is replaced well within the election timeout', async (t) => {
  const base = seedFor(400);
  const seeds = process.env.CHORUS_SEED ? [base] : Array.from({ length: 20 }, (_, i) => base + i);
  const times: number[] = [];
  for (const seed of seeds) {
    for (const size of [3, 5]) {
      const { sim, leader } = await steadyCluster(seed, size);
      await sim.crash(leader);
      const ms = await timeToNewLeader(sim, leader, 5_000);
      const where = `seed ${seed}, ${size} servers (replay with CHORUS_SEED=${seed})`;
      if (ms === undefined || ms >= 3 * HEARTBEAT + LATENCY) {
        t.fail(`new leader after ${ms ?? 'more than 5000'} ms, want < ${3 * HEARTBEAT + LATENCY}: ${where}`);
        continue;
      }
      times.push(ms);
      const survivors = sim.servers.filter((s) => s !== leader);
      if (!survivors.every((s) => counter(s, 'leader_connection_lost') === 1)) t.fail(`every survivor counted the lost connection once: ${where}`);
      const next = sim.leader()!;
      await sim.settle(next.node.propose(put('k', 'after')));
      await sim.run(500);
      if (!survivors.every((s) => s.machine.get('k') === 'after')) t.fail(`the new leader commits: ${where}`);
      if (sim.safety.violations.length > 0) t.fail(`safety: ${sim.safety.violations.join('; ')}: ${where}`);
      await sim.stopAll();
    }
  }
  times.sort((a, b) => a - b);
  t.equal(times.length, seeds.length * 2, `every crash was followed by a new leader within ${3 * HEARTBEAT + LATENCY} ms (min ${times[0]}, median ${times[times.length >> 1]}, max ${times[times.length - 1]} ms; the election timeout is ${ELECTION} ms)`);
});

t.test('a leader that goes silent without closing its connections is replaced only after the election timeout', async (t) => {
  for (const fault of ['partition', 'pause'] as const) {
    const { sim, leader } = await steadyCluster(seedFor(420), 3);
    if (fault === 'partition') sim.net.partition([leader.address], sim.servers.filter((s) => s !== leader).map((s) => s.address));
    else sim.pause(leader);
    const ms = await timeToNewLeader(sim, leader, 5_000);
    t.ok(ms !== undefined && ms >= ELECTION, `${fault}: new leader after ${ms} ms, not before the ${ELECTION} ms election timeout`);
    t.ok(sim.servers.every((s) => counter(s, 'leader_connection_lost') === 0), `${fault}: no connection was seen to close`);
    t.same(sim.safety.violations, []);
    if (fault === 'pause') sim.resume(leader);
    sim.net.heal();
    await sim.run(2_000);
    t.same(sim.safety.violations, []);
    await sim.stopAll();
  }
});

t.test("a live leader's connection to one follower closing does not disrupt the cluster: the follower's pre-vote is refused", async (t) => {
  const { sim, leader } = await steadyCluster(seedFor(430), 3);
  const [lonely, other] = sim.servers.filter((s) => s !== leader) as [SimServer, SimServer];
  const startTerm = term(leader);
  const resets = 10;
  for (let i = 0; i < resets; i++) {
    sim.net.resetConnections(leader.address, lonely.address);
    if (i === 0) {
      await sim.runUntil(() => counter(lonely, 'leader_connection_lost') === 1, 100, 1);
      const contact = lonely.node.status().lastContactMs;
      t.ok(contact !== undefined && contact <= HEARTBEAT + LATENCY, `the follower still reports its last contact with the leader (${contact} ms ago) once the lease is gone`);
    }
    await sim.run(1_500);
    await sim.settle(leader.node.propose(put('k', `v${i}`)));
  }
  await sim.run(500);
  t.equal(counter(lonely, 'leader_connection_lost'), resets, 'the follower heard of every close');
  t.ok(counter(lonely, 'election_timeouts') >= 1, `it campaigned early ${counter(lonely, 'election_timeouts')} times (the other times a heartbeat on a new connection came first)`);
  t.equal(counter(other, 'election_timeouts'), 0, 'the other follower never campaigned');
  t.equal(sim.leader(), leader, 'the leader is unchanged');
  t.same(sim.servers.map(term), sim.servers.map(() => startTerm), 'no server changed its term (the pre-votes failed)');
  t.equal(lonely.node.status().leaderId, leader.id, 'the follower follows the leader again');
  t.equal(lonely.machine.get('k'), `v${resets - 1}`, 'and has every write');
  t.same(sim.safety.violations, []);
  await sim.stopAll();
});
