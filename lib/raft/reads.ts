import type { ChorusError } from '../core/index.js';
import type { Leadership } from './leadership.js';
import type { LogIndex } from './types.js';

interface PendingRead {
  /** The commit index when the read was accepted; undefined until this term has committed an entry. */
  readIndex: LogIndex | undefined;
  round: number;
  confirmed: boolean;
  resolve: (index: LogIndex) => void;
  reject: (err: ChorusError) => void;
}

/**
 * ReadIndex (Ongaro's thesis §6.4): remember the commit index, confirm with a
 * quorum that we were still the leader after the read arrived (a heartbeat
 * round), then wait until that index is applied. Reads that arrive before the
 * leader has committed an entry of its own term wait for it, since until then
 * its commit index may be behind the cluster's.
 */
export class ReadIndexQueue {
  readonly #leadership: Leadership;
  #reads: PendingRead[] = [];

  constructor(leadership: Leadership) {
    this.#leadership = leadership;
  }

  get size(): number {
    return this.#reads.length;
  }

  /** Resolves with the read index once leadership is confirmed and it is applied. */
  add(): Promise<LogIndex> {
    return new Promise<LogIndex>((resolve, reject) => {
      const read: PendingRead = { readIndex: undefined, round: 0, confirmed: false, resolve, reject };
      this.#reads.push(read);
      this.#begin(read);
      this.#settle();
    });
  }

  #begin(read: PendingRead): void {
    const l = this.#leadership;
    if (read.readIndex !== undefined || !l.committedInTerm()) return;
    read.readIndex = l.core.commitIndex;
    read.round = l.broadcastRound();
  }

  /** A follower answered a round. */
  onAck(): void {
    this.#settle();
  }

  onCommit(): void {
    for (const read of this.#reads) this.#begin(read);
    this.#settle();
  }

  onApplied(): void {
    this.#settle();
  }

  #settle(): void {
    const l = this.#leadership;
    const core = l.core;
    if (this.#reads.length === 0) return;
    const voters = core.voterIds();
    const quorum = core.quorum();
    const self = voters.includes(core.id) ? 1 : 0;
    const remaining: PendingRead[] = [];
    for (const read of this.#reads) {
      if (read.readIndex !== undefined && !read.confirmed) {
        let acks = self;
        for (const id of voters) if ((l.progress.get(id)?.ackedRound ?? 0) >= read.round) acks++;
        read.confirmed = acks >= quorum;
      }
      if (read.confirmed && read.readIndex !== undefined && core.lastApplied >= read.readIndex) read.resolve(read.readIndex);
      else remaining.push(read);
    }
    this.#reads = remaining;
  }

  rejectAll(err: ChorusError): void {
    const reads = this.#reads;
    this.#reads = [];
    for (const read of reads) read.reject(err);
  }
}
