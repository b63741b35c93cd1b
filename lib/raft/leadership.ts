import { messageOf, type Timer } from '../core/index.js';
import type { RaftCore } from './core.js';
import type { AppendRequest, AppendResponse } from './messages.js';
import { Progress } from './progress.js';
import { ReadIndexQueue } from './reads.js';
import { sendSnapshot } from './snapshot-sender.js';
import type { Configuration, EntryKind, LogEntry, LogIndex, ServerId } from './types.js';

/** The part of an election timeout a read lease lasts: the rest is margin for clock rate differences and scheduling. */
export const LEASE_FRACTION = 0.8;

/**
 * One term of leadership: per-follower progress, heartbeats, pipelined
 * replication, the commit rule and check quorum. Created when a server wins
 * an election and discarded when it steps down; anything that arrives for a
 * discarded leadership (late replies) sees `active` false and is dropped.
 */
export class Leadership {
  readonly core: RaftCore;
  readonly term: number;
  readonly progress = new Map<ServerId, Progress>();
  readonly reads: ReadIndexQueue;
  active = true;
  /** The leader's own log is durable up to here (it counts in the quorum like a follower). */
  selfMatch: LogIndex = 0;
  /** ReadIndex round; every request carries the round current when it was sent. */
  round = 0;
  #heartbeat: Timer | undefined;
  #checkQuorum: Timer | undefined;
  #flushScheduled = false;

  constructor(core: RaftCore) {
    this.core = core;
    this.term = core.term;
    this.reads = new ReadIndexQueue(this);
    this.syncProgress();
  }

  start(): void {
    const core = this.core;
    // The no-op commits entries of earlier terms, which a leader may not count replicas of directly (§5.4.2).
    this.append('noop', new Uint8Array(0));
    this.#tick();
    this.#armCheckQuorum();
    core.logger.info({ term: core.term }, 'became raft leader');
  }

  stop(): void {
    this.active = false;
    this.#heartbeat?.cancel();
    this.#checkQuorum?.cancel();
  }

  /** Makes the progress table match the latest configuration (servers added or removed). */
  syncProgress(): void {
    const core = this.core;
    const servers = core.latestConfig().servers;
    const now = core.clock.now();
    for (const s of servers) {
      if (s.id === core.id) continue;
      const pr = this.progress.get(s.id);
      if (pr === undefined) this.progress.set(s.id, new Progress(s.id, s.address, core.log.lastIndex() + 1, now));
      else pr.address = s.address;
    }
    for (const id of this.progress.keys()) if (!servers.some((s) => s.id === id)) this.progress.delete(id);
  }

  /** Appends an entry of this term to the leader's log and starts replicating it. */
  append(kind: EntryKind, data: Uint8Array, config?: Configuration): LogIndex {
    const core = this.core;
    const entry: LogEntry = { index: core.log.lastIndex() + 1, term: this.term, kind, data };
    if (config !== undefined) entry.config = config;
    core.log.append([entry]);
    if (config !== undefined) {
      core.configs.onAppend([entry]);
      this.syncProgress();
    }
    this.#scheduleFlush();
    return entry.index;
  }

  /**
   * Coalesces proposals made in one turn of the event loop into one
   * AppendEntries per follower and one durable write here. The appends go
   * out first: the followers write their copies while we write ours, which
   * may hold this thread until the disk answers (FileLogStore's inline writes).
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      if (!this.active) return;
      for (const pr of this.progress.values()) this.sendAppend(pr);
      const core = this.core;
      const index = core.log.lastIndex();
      core.log.sync().then(
        () => {
          if (!this.active) return;
          if (index > this.selfMatch) this.selfMatch = index;
          this.maybeCommit();
        },
        (err: unknown) => core.logger.error({ err }, 'raft log sync failed'),
      );
    });
  }

  #tick(): void {
    if (!this.active) return;
    for (const pr of this.progress.values()) {
      if (!this.sendAppend(pr)) this.sendHeartbeat(pr);
    }
    this.#heartbeat = this.core.clock.setTimer(this.core.options.heartbeatIntervalMs, () => this.#tick());
  }

  /** A new ReadIndex round: every follower is asked, now, to confirm this leadership. */
  broadcastRound(): number {
    this.round++;
    for (const pr of this.progress.values()) this.sendHeartbeat(pr);
    return this.round;
  }

  #armCheckQuorum(): void {
    const core = this.core;
    if (!core.options.checkQuorum) return;
    this.#checkQuorum = core.clock.setTimer(core.options.electionTimeoutMs, () => {
      if (!this.active) return;
      const since = core.clock.now() - core.options.electionTimeoutMs;
      const voters = core.voterIds();
      let heard = voters.includes(core.id) ? 1 : 0;
      for (const id of voters) {
        const pr = this.progress.get(id);
        if (pr !== undefined && pr.lastContact >= since) heard++;
      }
      if (heard < core.quorum()) {
        core.logger.warn({ term: core.term, heard, voters: voters.length }, 'raft leader lost contact with a quorum; stepping down');
        core.count('check_quorum_step_downs');
        core.becomeFollower();
        return;
      }
      this.#armCheckQuorum();
    });
  }

  /** Sends the next AppendEntries with entries to `pr` if its window allows; false if nothing was sent. */
  sendAppend(pr: Progress): boolean {
    const core = this.core;
    if (!this.active || pr.inflight >= pr.inflightLimit(core.options.maxInflightAppends)) return false;
    const prevLogIndex = pr.nextIndex - 1;
    const prevLogTerm = core.log.termAt(prevLogIndex);
    if (prevLogTerm === undefined) {
      if (prevLogIndex < core.log.baseIndex()) {
        void sendSnapshot(this, pr);
        return true;
      }
      // nextIndex is past our log (a stale hint): start over from what we know matches.
      pr.becomeProbe(pr.matchIndex + 1);
      return false;
    }
    const o = core.options;
    const entries = core.log.entries(pr.nextIndex, pr.nextIndex + o.maxEntriesPerAppend - 1, o.maxBytesPerAppend);
    // In replicate state an empty append says nothing new; heartbeats carry the commit index.
    if (entries.length === 0 && pr.state === 'replicate') return false;
    if (pr.state === 'replicate') pr.nextIndex = entries[entries.length - 1]!.index + 1;
    this.#send(pr, { type: 'append', term: this.term, leaderId: core.id, leaderAddress: core.address, prevLogIndex, prevLogTerm, entries, leaderCommit: core.commitIndex }, true);
    return true;
  }

  /** An empty AppendEntries anchored at the last index known to match, so it never fails on a log gap. */
  sendHeartbeat(pr: Progress): void {
    const core = this.core;
    if (!this.active || pr.state === 'snapshot') return;
    const prevLogTerm = core.log.termAt(pr.matchIndex);
    if (prevLogTerm === undefined) return;
    this.#send(pr, { type: 'append', term: this.term, leaderId: core.id, leaderAddress: core.address, prevLogIndex: pr.matchIndex, prevLogTerm, entries: [], leaderCommit: core.commitIndex }, false);
  }

  #send(pr: Progress, req: AppendRequest, counted: boolean): void {
    const core = this.core;
    const epoch = pr.epoch;
    const round = this.round;
    const sentAt = core.clock.now();
    if (counted) pr.inflight++;
    core.count('append_sent');
    core.request(pr.address, req, core.options.rpcTimeoutMs).then(
      (resp) => this.#onResponse(pr, req, resp, epoch, round, counted, sentAt),
      (err: unknown) => this.#onFailure(pr, epoch, counted, err),
    );
  }

  #onFailure(pr: Progress, epoch: number, counted: boolean, err: unknown): void {
    if (!this.active || epoch !== pr.epoch) return;
    if (counted) pr.inflight = Math.max(0, pr.inflight - 1);
    this.core.logger.trace({ to: pr.id, err: messageOf(err) }, 'append failed');
    // A lost request leaves a gap behind the optimistic nextIndex: fall back to probing; the next tick retries.
    if (counted && pr.state === 'replicate') pr.becomeProbe(pr.matchIndex + 1);
  }

  #onResponse(pr: Progress, req: AppendRequest, resp: AppendResponse, epoch: number, round: number, counted: boolean, sentAt: number): void {
    const core = this.core;
    if (!this.active) return;
    if (counted && epoch === pr.epoch) pr.inflight = Math.max(0, pr.inflight - 1);
    if (resp.term > this.term) {
      core.observeTerm(resp.term);
      core.becomeFollower();
      return;
    }
    if (resp.term < this.term) return;
    pr.lastContact = core.clock.now();
    // The follower heard us no earlier than sentAt, and will not help elect anyone else for an election timeout after.
    if (sentAt > pr.ackedSentAt) pr.ackedSentAt = sentAt;
    if (round > pr.ackedRound) {
      pr.ackedRound = round;
      this.reads.onAck();
    }
    if (resp.success) {
      if (pr.matched(resp.matchIndex)) this.maybeCommit();
      if (pr.state === 'probe' && epoch === pr.epoch) pr.becomeReplicate();
    } else if (epoch === pr.epoch && req.prevLogIndex >= pr.matchIndex) {
      // A real mismatch (not a stale reply): probe backwards from the follower's hint.
      pr.becomeProbe(Math.min(req.prevLogIndex, resp.hintIndex + 1));
      core.count('append_rejected');
    }
    if (this.active) this.sendAppend(pr);
  }

  /** Commits the highest index a quorum of voters has durably, if it is of this term (§5.4.2). */
  maybeCommit(): void {
    const core = this.core;
    if (!this.active) return;
    const matches = core.voterIds().map((id) => (id === core.id ? this.selfMatch : (this.progress.get(id)?.matchIndex ?? 0)));
    if (matches.length === 0) return;
    const n = quorumValue(matches, core.quorum());
    if (n > core.commitIndex && core.log.termAt(n) === this.term) {
      core.commitTo(n);
      this.reads.onCommit();
    }
  }

  /**
   * Whether this leader may answer a read from its own state without asking
   * anyone (etcd's lease read): a quorum answered appends sent less than
   * LEASE_FRACTION of an election timeout ago, so none of them votes for
   * another leader before that time is up, and an entry of this term is
   * committed, so the state holds everything earlier leaders acknowledged.
   * A leader cut off from the others loses the lease well before they can
   * elect another, and reads fall back to ReadIndex.
   */
  holdsReadLease(): boolean {
    const core = this.core;
    if (!this.active || !this.committedInTerm()) return false;
    const now = core.clock.now();
    const times = core.voterIds().map((id) => (id === core.id ? now : (this.progress.get(id)?.ackedSentAt ?? Number.NEGATIVE_INFINITY)));
    if (times.length === 0) return false;
    const quorumSentAt = quorumValue(times, core.quorum());
    return now < quorumSentAt + core.options.electionTimeoutMs * LEASE_FRACTION;
  }

  /** Whether an entry of this term is committed, which ReadIndex and config changes wait for. */
  committedInTerm(): boolean {
    return this.core.log.termAt(this.core.commitIndex) === this.term;
  }
}

/**
 * The quorum-th largest of `values` (-Infinity when there are fewer): the
 * highest index a quorum has matched, the latest time a quorum acknowledged.
 * Counted rather than sorted: it runs on every append response and default
 * read, and Array#sort allocates its work space on each call.
 */
export function quorumValue(values: readonly number[], quorum: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const candidate of values) {
    if (candidate <= best) continue;
    let reached = 0;
    for (const v of values) if (v >= candidate) reached++;
    if (reached >= quorum) best = candidate;
  }
  return best;
}
