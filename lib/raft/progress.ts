import type { LogIndex, ServerId } from './types.js';

/**
 * What a leader knows about one follower (etcd's Progress):
 * probe — one AppendEntries at a time, looking for where the logs match;
 * replicate — the logs match; up to maxInflight AppendEntries in flight, nextIndex optimistic;
 * snapshot — an InstallSnapshot is under way; no AppendEntries.
 * `epoch` changes whenever nextIndex is reset, so responses to requests sent
 * before are recognised as stale (they may still raise matchIndex).
 */
export class Progress {
  readonly id: ServerId;
  address: string;
  state: 'probe' | 'replicate' | 'snapshot' = 'probe';
  matchIndex: LogIndex = 0;
  nextIndex: LogIndex;
  epoch = 0;
  inflight = 0;
  /** When a response in this term was last received (check quorum). */
  lastContact: number;
  /** The highest ReadIndex round this follower has answered. */
  ackedRound = 0;
  /** When the latest AppendEntries this follower answered in this term was sent (the leader's read lease). */
  ackedSentAt = Number.NEGATIVE_INFINITY;

  constructor(id: ServerId, address: string, nextIndex: LogIndex, now: number) {
    this.id = id;
    this.address = address;
    this.nextIndex = nextIndex;
    this.lastContact = now;
  }

  becomeProbe(nextIndex: LogIndex): void {
    this.state = 'probe';
    this.nextIndex = Math.max(nextIndex, this.matchIndex + 1);
    this.epoch++;
    this.inflight = 0;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.nextIndex = Math.max(this.nextIndex, this.matchIndex + 1);
  }

  becomeSnapshot(): void {
    this.state = 'snapshot';
    this.epoch++;
    this.inflight = 0;
  }

  /** Records a success reported for `matchIndex`; true if it moved forward. */
  matched(matchIndex: LogIndex): boolean {
    if (matchIndex <= this.matchIndex) return false;
    this.matchIndex = matchIndex;
    this.nextIndex = Math.max(this.nextIndex, matchIndex + 1);
    return true;
  }

  inflightLimit(maxInflight: number): number {
    return this.state === 'replicate' ? maxInflight : this.state === 'probe' ? 1 : 0;
  }
}
