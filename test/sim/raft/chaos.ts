import { checkOperations, casRegisterModel } from '../../helpers/linearizability.js';
import { RaftSim, type SimServer } from './harness.js';
import { Workload } from './workload.js';
import { encodeCommand } from './register-machine.js';

export interface ChaosOptions {
  seed: number;
  size: number;
  /** Virtual time under faults. */
  chaosMs: number;
  /** How long each fault (or quiet spell) lasts before the next roll: [min, max] ms. Default [100, 999]. */
  faultStepMs?: [number, number];
  /** Virtual time with every server back, clients still running, before a leader is looked for. Default 5 s. */
  recoveryMs?: number;
  /** After the clients stop: at most this long for their last operations to end and the servers to converge. Default 4 s. */
  drainMs?: number;
  /** The share of client operations sent to a random server rather than the believed leader. Default 0.5. */
  wander?: number;
  /**
   * The probability that a partition, crash or pause is aimed at the current
   * leader (a partition then leaves it on the minority side), as Jepsen's
   * nemeses do: a deposed leader that has not noticed yet is where stale
   * reads and lost writes come from. Default 0.5.
   */
  leaderBias?: number;
  /** Concurrent clients. Default 5. */
  clients?: number;
  /** A client gives up on an operation after this long (a write then has an unknown outcome). Default 1 s. */
  clientTimeoutMs?: number;
}

export interface ChaosReport {
  seed: number;
  ops: number;
  counts: Workload['counts'];
  linearizable: boolean;
  violations: string[];
  leaders: number;
  finalWrite: boolean;
  converged: boolean;
}

function convergedOn(sim: RaftSim): boolean {
  const applied = sim.servers.map((s) => s.node.status().appliedIndex);
  const values = sim.servers.map((s) => JSON.stringify([...s.machine.values]));
  return applied.every((a) => a === applied[0]) && values.every((v) => v === values[0]);
}

/**
 * One seeded run: a cluster under random partitions, lost, duplicated and
 * reordered messages, crashes with restarts from disk, and pauses, while
 * clients write and read. Then the faults stop, the cluster must recover,
 * and the history must be linearizable. The safety properties are checked
 * after every 20 ms step throughout.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const [stepMin, stepMax] = o.faultStepMs ?? [100, 999];
  const sim = new RaftSim({ seed: o.seed, size: o.size, net: { reorder: 0.1, reorderDelayMs: 40 }, syncDelayMs: [1, 15] });
  await sim.startAll();
  const r = sim.random.fork();
  const workload = new Workload(sim, { clients: o.clients ?? 5, keys: 3, timeoutMs: o.clientTimeoutMs ?? 1_000, thinkMs: [5, 60], wander: o.wander ?? 0.5 });
  let clientsDone = false;
  const clients = workload.start();
  void clients.then(() => { clientsDone = true; }, () => { clientsDone = true; });
  const end = sim.clock.now() + o.chaosMs;
  const leaderBias = o.leaderBias ?? 0.5;
  /** The live leader, when this fault is to be aimed at it. */
  const aim = (): SimServer | undefined => (leaderBias > 0 && r.next() < leaderBias ? sim.leader() : undefined);
  const pick = (): SimServer => aim() ?? sim.servers[r.int(sim.servers.length)]!;
  while (sim.clock.now() < end) {
    const roll = r.next();
    if (roll < 0.12) {
      // A random split into two sides, or the leader cut off with a minority.
      const leader = aim();
      if (leader !== undefined) {
        const others = r.shuffle(sim.servers.filter((s) => s !== leader).map((s) => s.address));
        const cut = r.int(Math.floor((o.size - 1) / 2));
        sim.net.partition([leader.address, ...others.slice(0, cut)], others.slice(cut));
      } else {
        const shuffled = r.shuffle(sim.servers.map((s) => s.address));
        const cut = 1 + r.int(shuffled.length - 1);
        sim.net.partition(shuffled.slice(0, cut), shuffled.slice(cut));
      }
    } else if (roll < 0.25) {
      sim.net.heal();
    } else if (roll < 0.30) {
      await sim.crash(pick());
    } else if (roll < 0.33) {
      // A power cut across a majority at once: only what each disk synced survives.
      for (const s of r.shuffle(sim.servers).slice(0, Math.floor(o.size / 2) + 1)) await sim.crash(s);
    } else if (roll < 0.48) {
      const down = sim.servers.filter((s) => !s.up);
      if (down.length > 0) await sim.restart(down[r.int(down.length)]!);
    } else if (roll < 0.53) {
      sim.pause(pick());
    } else if (roll < 0.63) {
      for (const s of sim.servers) sim.resume(s);
    } else if (roll < 0.73) {
      sim.streamFaults.loss = r.next() < 0.5 ? 0 : r.next() * 0.2;
      sim.streamFaults.duplicate = r.next() < 0.5 ? 0 : r.next() * 0.2;
    }
    await sim.run(stepMin + r.int(stepMax - stepMin + 1));
  }
  // Recovery: no more faults; every server back.
  sim.net.heal();
  sim.streamFaults.loss = 0;
  sim.streamFaults.duplicate = 0;
  for (const s of sim.servers) {
    sim.resume(s);
    await sim.restart(s);
  }
  await sim.run(o.recoveryMs ?? 5_000);
  // Liveness: a write succeeds soon. Right after the heal a leader may still
  // be deposed (a restarted server's election), so a failed attempt is
  // retried at whoever leads next, as a client would, until the deadline.
  let finalWrite = false;
  const deadline = sim.clock.now() + 30_000;
  while (!finalWrite && sim.clock.now() < deadline) {
    const leader = await sim.runUntilLeader(deadline - sim.clock.now());
    sim.safety.checkStep();
    if (leader === undefined) break;
    finalWrite = await sim
      .settle(leader.node.propose(encodeCommand({ op: 'put', key: 'end', value: 'x' })), 10_000)
      .then(() => true, () => false);
    if (!finalWrite) await sim.run(100);
  }
  workload.stop();
  await sim.runUntil(() => clientsDone && convergedOn(sim), o.drainMs ?? 4_000);
  await sim.settle(clients, 10_000).catch(() => undefined);
  sim.safety.checkStep();
  const converged = convergedOn(sim);
  const check = checkOperations(casRegisterModel, workload.history);
  await sim.stopAll();
  return {
    seed: o.seed,
    ops: workload.history.length,
    counts: workload.counts,
    linearizable: check.ok,
    violations: sim.safety.violations,
    leaders: sim.safety.leaders.size,
    finalWrite,
    converged,
  };
}
