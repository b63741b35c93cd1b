import type { InboundConnection } from '../net/types.js';
import type { RaftCore } from './core.js';
import type { AppendRequest, AppendResponse, SnapshotRequest, SnapshotResponse } from './messages.js';
import type { LogIndex, SnapshotMeta, Term } from './types.js';

interface IncomingSnapshot {
  leaderId: string;
  term: Term;
  meta: SnapshotMeta;
  chunks: Uint8Array[];
  size: number;
}

/** The connection the current leader's requests arrive on, watched for its close. */
interface LeaderConnection {
  connId: number;
  leaderId: string;
  term: Term;
  unsubscribe: () => void;
}

/**
 * The receiving side of replication: AppendEntries and InstallSnapshot.
 * The log is changed synchronously when a request arrives; the reply waits
 * until those changes (and any term change) are durable, so a leader never
 * counts an entry that a crash could still take back.
 */
export class FollowerHandlers {
  readonly #core: RaftCore;
  readonly #onSnapshotInstalled: (meta: SnapshotMeta) => void;
  #incoming: IncomingSnapshot | undefined;
  #leaderConn: LeaderConnection | undefined;

  constructor(core: RaftCore, onSnapshotInstalled: (meta: SnapshotMeta) => void) {
    this.#core = core;
    this.#onSnapshotInstalled = onSnapshotInstalled;
  }

  /** Common to both: adopt the leader's term, follow it, restart the election timer. False if the request is from an old term. */
  #acceptLeader(term: Term, leaderId: string, leaderAddress: string, conn: InboundConnection | undefined): boolean {
    const core = this.#core;
    if (term < core.term) return false;
    core.observeTerm(term);
    if (core.role !== 'follower' || core.leaderId !== leaderId) core.becomeFollower(leaderId, leaderAddress);
    else core.resetElectionTimer();
    core.heardFromLeader();
    if (conn !== undefined) this.#watchLeaderConnection(conn, leaderId, core.term);
    return true;
  }

  /**
   * Remembers the connection the leader's latest request came on; when it
   * closes while we still follow that leader in that term, the leader is
   * taken for dead (core.leaderConnectionLost). A leader that reconnects
   * just moves the watch to the new connection.
   */
  #watchLeaderConnection(conn: InboundConnection, leaderId: string, term: Term): void {
    const current = this.#leaderConn;
    if (current !== undefined && current.connId === conn.id && current.leaderId === leaderId && current.term === term) return;
    current?.unsubscribe();
    const watch: LeaderConnection = { connId: conn.id, leaderId, term, unsubscribe: () => undefined };
    this.#leaderConn = watch;
    watch.unsubscribe = conn.onClose(() => {
      if (this.#leaderConn !== watch) return;
      this.#leaderConn = undefined;
      this.#core.leaderConnectionLost(leaderId, term);
    });
  }

  async handleAppend(req: AppendRequest, conn?: InboundConnection): Promise<AppendResponse> {
    const core = this.#core;
    const log = core.log;
    if (!this.#acceptLeader(req.term, req.leaderId, req.leaderAddress, conn)) {
      return { type: 'appendResponse', term: core.term, success: false, matchIndex: 0, hintIndex: log.lastIndex() };
    }
    const term = core.term;
    let success = false;
    let hintIndex: LogIndex = 0;
    const lastNew = req.prevLogIndex + req.entries.length;
    const base = log.baseIndex();
    if (req.prevLogIndex > log.lastIndex()) {
      hintIndex = log.lastIndex();
    } else if (req.prevLogIndex >= base && log.termAt(req.prevLogIndex) !== req.prevLogTerm) {
      // Skip back over the whole conflicting term at once; committed entries never conflict.
      const conflictTerm = log.termAt(req.prevLogIndex);
      let h = req.prevLogIndex - 1;
      while (h > base && h > core.commitIndex && log.termAt(h) === conflictTerm) h--;
      hintIndex = h;
      core.count('append_conflicts');
    } else {
      // prevLogIndex matches, or lies in our compacted prefix, which is committed and so matches too.
      this.#merge(req);
      success = true;
      const commit = Math.min(req.leaderCommit, lastNew);
      if (commit > core.commitIndex && commit <= log.lastIndex()) core.commitTo(commit);
    }
    await Promise.all([log.sync(), core.hardStateDurable]);
    if (success) {
      // While we waited, a newer leader may have replaced what we are about to vouch for.
      const expected = req.entries.length > 0 ? req.entries[req.entries.length - 1]!.term : req.prevLogTerm;
      const still = core.term === term && (lastNew <= log.baseIndex() || log.termAt(lastNew) === expected);
      if (!still) return { type: 'appendResponse', term: core.term, success: false, matchIndex: 0, hintIndex: core.commitIndex };
    }
    return { type: 'appendResponse', term, success, matchIndex: success ? lastNew : 0, hintIndex };
  }

  /** Appends the entries we lack, truncating our log at the first conflicting entry (§5.3). */
  #merge(req: AppendRequest): void {
    const core = this.#core;
    const log = core.log;
    for (let i = 0; i < req.entries.length; i++) {
      const e = req.entries[i]!;
      if (e.index <= log.baseIndex()) continue;
      const mine = log.termAt(e.index);
      if (mine === e.term) continue;
      if (mine !== undefined) {
        if (e.index <= core.commitIndex) {
          core.logger.fatal({ index: e.index, mine, theirs: e.term }, 'raft leader sent a conflicting committed entry');
          throw new Error(`refusing to truncate committed entry ${e.index}`);
        }
        log.truncateSuffix(e.index);
        core.configs.onTruncate(e.index);
      }
      const rest = req.entries.slice(i);
      log.append(rest);
      core.configs.onAppend(rest);
      return;
    }
  }

  async handleSnapshot(req: SnapshotRequest, conn?: InboundConnection): Promise<SnapshotResponse> {
    const core = this.#core;
    if (!this.#acceptLeader(req.term, req.leaderId, req.leaderAddress, conn)) {
      return { type: 'snapshotResponse', term: core.term, success: false, nextOffset: 0 };
    }
    const term = core.term;
    const { meta } = req;
    if (req.offset === 0) {
      this.#incoming = { leaderId: req.leaderId, term, meta, chunks: [], size: 0 };
    }
    const incoming = this.#incoming;
    if (
      incoming === undefined ||
      incoming.term !== term ||
      incoming.leaderId !== req.leaderId ||
      incoming.meta.index !== meta.index ||
      incoming.meta.term !== meta.term ||
      incoming.size !== req.offset
    ) {
      await core.hardStateDurable;
      return { type: 'snapshotResponse', term, success: false, nextOffset: 0 };
    }
    incoming.chunks.push(req.chunk);
    incoming.size += req.chunk.byteLength;
    const nextOffset = incoming.size;
    if (req.done) {
      this.#incoming = undefined;
      if (meta.index > core.lastApplied) {
        const data = Buffer.concat(incoming.chunks);
        // The snapshot is durable before the log that it replaces is cut.
        await core.snapshots.save(meta, data);
        if (meta.index > core.lastApplied) this.#install(meta, data);
      }
    }
    await Promise.all([core.log.sync(), core.hardStateDurable]);
    return { type: 'snapshotResponse', term, success: true, nextOffset };
  }

  #install(meta: SnapshotMeta, data: Uint8Array): void {
    const core = this.#core;
    const log = core.log;
    core.stateMachine.restore(data);
    if (log.termAt(meta.index) !== meta.term) {
      // Our log disagrees at the snapshot's index: everything after it is from a dead branch.
      if (log.lastIndex() > log.baseIndex()) log.truncateSuffix(log.baseIndex() + 1);
    }
    log.compactPrefix(meta.index, meta.term);
    core.configs.reset({ index: meta.index, config: meta.config }, log.entries(meta.index + 1, log.lastIndex()));
    core.lastApplied = meta.index;
    if (core.commitIndex < meta.index) core.commitIndex = meta.index;
    core.count('snapshots_installed');
    core.logger.info({ index: meta.index, term: meta.term }, 'installed raft snapshot from leader');
    this.#onSnapshotInstalled(meta);
  }
}
