import type { LogEntry, RaftStatus } from '../../../lib/raft/index.js';
import type { RaftSim, SimServer } from './harness.js';

function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a.index === b.index && a.term === b.term && a.kind === b.kind && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
}

function describe(e: LogEntry): string {
  return `${e.index}@${e.term}:${e.kind}:${Buffer.from(e.data).toString('hex').slice(0, 16)}`;
}

/**
 * The Raft safety properties (Figure 3 of the paper), checked as the
 * simulation runs: election safety on every role change, state machine safety
 * on every apply, and log matching and leader completeness after every step.
 * A violation throws with a description, failing the seed.
 */
export class SafetyChecker {
  readonly #sim: RaftSim;
  /** term → the one server that led it. */
  readonly leaders = new Map<number, string>();
  /** index → the entry applied there (by anyone), and the highest leader term known when it was first applied. */
  readonly applied = new Map<number, { entry: LogEntry; knownTerm: number }>();
  #maxLeaderTerm = 0;
  violations: string[] = [];

  constructor(sim: RaftSim) {
    this.#sim = sim;
  }

  #fail(message: string): never {
    this.violations.push(message);
    throw new Error(`raft safety violation at t=${this.#sim.clock.now()}: ${message}`);
  }

  watch(s: SimServer): void {
    s.node.on('state', (st: RaftStatus) => {
      if (st.role !== 'leader') return;
      const prior = this.leaders.get(st.term);
      if (prior !== undefined && prior !== st.id) this.#fail(`two leaders in term ${st.term}: ${prior} and ${st.id}`);
      this.leaders.set(st.term, st.id);
      if (st.term > this.#maxLeaderTerm) this.#maxLeaderTerm = st.term;
    });
    s.node.on('applied', (entry: LogEntry) => {
      const seen = this.applied.get(entry.index);
      if (seen === undefined) this.applied.set(entry.index, { entry, knownTerm: this.#maxLeaderTerm });
      else if (!sameEntry(seen.entry, entry)) this.#fail(`${s.id} applied ${describe(entry)} where another server applied ${describe(seen.entry)}`);
    });
  }

  checkStep(): void {
    const logs = this.#sim.servers.filter((s) => s.up).map((s) => ({ s, log: s.node.logEntries(), status: s.node.status() }));
    // Log matching: if two logs hold an entry with the same index and term, they agree on everything up to it.
    for (let i = 0; i < logs.length; i++) {
      for (let j = i + 1; j < logs.length; j++) {
        const a = logs[i]!;
        const b = logs[j]!;
        const lo = Math.max(a.log.base, b.log.base) + 1;
        const hi = Math.min(a.log.base + a.log.entries.length, b.log.base + b.log.entries.length);
        let matched = false;
        for (let k = hi; k >= lo; k--) {
          const ea = a.log.entries[k - a.log.base - 1]!;
          const eb = b.log.entries[k - b.log.base - 1]!;
          if (matched && !sameEntry(ea, eb)) this.#fail(`log matching: ${a.s.id} and ${b.s.id} agree above ${k} but differ at ${describe(ea)} / ${describe(eb)}`);
          if (ea.term === eb.term) {
            if (!sameEntry(ea, eb)) this.#fail(`log matching: ${a.s.id} and ${b.s.id} hold different entries ${describe(ea)} / ${describe(eb)}`);
            matched = true;
          }
        }
      }
    }
    // Leader completeness: a leader elected after an entry was committed holds it.
    for (const { s, log, status } of logs) {
      if (status.role !== 'leader') continue;
      for (const [index, { entry, knownTerm }] of this.applied) {
        if (status.term <= knownTerm || index <= log.base) continue;
        const mine = log.entries[index - log.base - 1];
        if (mine === undefined || !sameEntry(mine, entry)) {
          this.#fail(`leader completeness: ${s.id} leads term ${status.term} without committed entry ${describe(entry)}`);
        }
      }
    }
  }
}
