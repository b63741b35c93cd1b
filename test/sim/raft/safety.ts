import type { LogEntry, RaftStatus } from '../../../lib/raft/index.js';
import type { RaftSim, SimServer } from './harness.js';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a === b || (a.index === b.index && a.term === b.term && a.kind === b.kind && sameBytes(a.data, b.data));
}

function describe(e: LogEntry): string {
  return `${e.index}@${e.term}:${e.kind}:${Buffer.from(e.data).toString('hex').slice(0, 16)}`;
}

/** What every log that holds entry (index, term) must agree on. */
interface Known {
  entry: LogEntry;
  /** The term of the entry just below it (or of the snapshot it follows), in the log it was first seen in. */
  prevTerm: number;
  /** Where it was first seen, for the message. */
  seenIn: string;
}

/** What checkStep verified of one server's log last time, so unchanged entries are not checked again. */
interface Checked {
  base: number;
  entries: LogEntry[];
}

/**
 * The Raft safety properties (Figure 3 of the paper), checked as the
 * simulation runs: election safety on every role change, state machine safety
 * on every apply, and log matching and leader completeness after every step.
 * A violation throws with a description, failing the seed.
 *
 * Log matching is checked incrementally, against every log seen so far rather
 * than pairwise between the logs up at one moment: each (index, term) names
 * one entry and the term of the entry before it, the first time any server
 * holds it; every later holder must agree on both. By induction down the log,
 * two logs that share (index, term) then agree on every entry down to the
 * higher of their snapshot bases — the pairwise property — and it holds
 * across time too (a server that crashed is still compared with the rest).
 * Only entries that are new in a log since the last step (a different object
 * at that position, or a different one below it) are looked at again.
 */
export class SafetyChecker {
  readonly #sim: RaftSim;
  /** term → the one server that led it. */
  readonly leaders = new Map<number, string>();
  /** index → the entry applied there (by anyone), and the highest leader term known when it was first applied. */
  readonly applied = new Map<number, { entry: LogEntry; knownTerm: number }>();
  #maxAppliedIndex = 0;
  #maxLeaderTerm = 0;
  /** index → term → the entry every log holding (index, term) must agree with. */
  readonly #known = new Map<number, Map<number, Known>>();
  readonly #checked = new Map<string, Checked>();
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
      if (seen === undefined) {
        this.applied.set(entry.index, { entry, knownTerm: this.#maxLeaderTerm });
        if (entry.index > this.#maxAppliedIndex) this.#maxAppliedIndex = entry.index;
      } else if (!sameEntry(seen.entry, entry)) this.#fail(`${s.id} applied ${describe(entry)} where another server applied ${describe(seen.entry)}`);
    });
  }

  /** Log matching for one entry at position `index` of `s`'s log, whose predecessor has term `prevTerm`. */
  #checkEntry(s: SimServer, index: number, e: LogEntry, prevTerm: number): void {
    if (e.index !== index) this.#fail(`${s.id} holds ${describe(e)} at position ${index} of its log`);
    let byTerm = this.#known.get(index);
    if (byTerm === undefined) this.#known.set(index, (byTerm = new Map()));
    const known = byTerm.get(e.term);
    if (known === undefined) {
      byTerm.set(e.term, { entry: e, prevTerm, seenIn: s.id });
      return;
    }
    if (!sameEntry(known.entry, e)) this.#fail(`log matching: ${known.seenIn} and ${s.id} hold different entries ${describe(known.entry)} / ${describe(e)}`);
    if (known.prevTerm !== prevTerm) {
      this.#fail(`log matching: ${known.seenIn} and ${s.id} both hold ${describe(e)} but differ below it (term ${known.prevTerm} / ${prevTerm} at ${index - 1})`);
    }
  }

  checkStep(): void {
    for (const s of this.#sim.servers) {
      if (!s.up) continue;
      const log = s.node.logEntries();
      const { base, entries } = log;
      const before = this.#checked.get(s.id);
      for (let i = 0; i < entries.length; i++) {
        const index = base + 1 + i;
        const e = entries[i]!;
        // Unchanged since the last step, and so is the entry below it: already checked.
        if (before !== undefined && i > 0 && before.entries[index - before.base - 1] === e && before.entries[index - before.base - 2] === entries[i - 1]) continue;
        this.#checkEntry(s, index, e, i === 0 ? log.baseTerm : entries[i - 1]!.term);
      }
      this.#checked.set(s.id, { base, entries });
      // Leader completeness: a leader elected after an entry was committed holds it.
      if (!s.node.isLeader) continue;
      const status = s.node.status();
      for (let index = base + 1; index <= this.#maxAppliedIndex; index++) {
        const applied = this.applied.get(index);
        if (applied === undefined || status.term <= applied.knownTerm) continue;
        const mine = entries[index - base - 1];
        if (mine === undefined || !sameEntry(mine, applied.entry)) {
          this.#fail(`leader completeness: ${s.id} leads term ${status.term} without committed entry ${describe(applied.entry)}`);
        }
      }
    }
  }
}
