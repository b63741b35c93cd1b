import { checkOperations, casRegisterModel } from '../../helpers/linearizability.js';
import { RaftSim, type SimServer } from './harness.js';
import { Workload } from './workload.js';
import { encodeCommand } from './register-machine.js';

export interface ChaosOptions {
  seed: number;
  size: number;
  /** Virtual time under faults. */
  chaosMs: number;
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

/**
 * One seeded run: a cluster under random partitions, lost, duplicated and
 * reordered messages, crashes with restarts from disk, and pauses, while
 * clients write and read. Then the faults stop, the cluster must recover,
 * and the history must be linearizable.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const sim = new RaftSim({ seed: o.seed, size: o.size, net: { reorder: 0.1, reorderDelayMs: 40 }, syncDelayMs: [1, 15] });
  await sim.startAll();
  const r = sim.random.fork();
  const workload = new Workload(sim, { clients: 3, keys: 3, timeoutMs: 3_000, thinkMs: [5, 60] });
  const clients = workload.start();
  const end = sim.clock.now() + o.chaosMs;
  const pick = (): SimServer => sim.servers[r.int(sim.servers.length)]!;
  while (sim.clock.now() < end) {
    const roll = r.next();
    if (roll < 0.12) {
      // A random split into two sides.
      const shuffled = r.shuffle(sim.servers.map((s) => s.address));
      const cut = 1 + r.int(shuffled.length - 1);
      sim.net.partition(shuffled.slice(0, cut), shuffled.slice(cut));
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
    await sim.run(100 + r.int(900));
  }
  // Recovery: no more faults; every server back.
  sim.net.heal();
  sim.streamFaults.loss = 0;
  sim.streamFaults.duplicate = 0;
  for (const s of sim.servers) {
    sim.resume(s);
    await sim.restart(s);
  }
  await sim.run(5_000);
  const leader = await sim.runUntilLeader(20_000);
  let finalWrite = false;
  if (leader !== undefined) {
    finalWrite = await sim
      .settle(leader.node.propose(encodeCommand({ op: 'put', key: 'end', value: 'x' })), 10_000)
      .then(() => true, () => false);
  }
  workload.stop();
  await sim.run(4_000);
  await sim.settle(clients, 10_000).catch(() => undefined);
  const applied = sim.servers.map((s) => s.node.status().appliedIndex);
  const converged = applied.every((a) => a === applied[0]) && sim.servers.every((s) => JSON.stringify([...s.machine.values]) === JSON.stringify([...sim.servers[0]!.machine.values]));
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
