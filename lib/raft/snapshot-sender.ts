import { messageOf } from '../core/index.js';
import type { Leadership } from './leadership.js';
import type { Progress } from './progress.js';

/**
 * Sends the latest snapshot to a follower whose next entry was compacted
 * away, one chunk at a time; each chunk waits for its acknowledgement. When
 * the last chunk is acknowledged the follower's log matches up to the
 * snapshot's index, and replication resumes from there.
 */
export async function sendSnapshot(l: Leadership, pr: Progress): Promise<void> {
  const core = l.core;
  pr.becomeSnapshot();
  const epoch = pr.epoch;
  const still = (): boolean => l.active && pr.epoch === epoch && l.progress.get(pr.id) === pr;
  try {
    const snapshot = await core.snapshots.latest();
    if (!still()) return;
    if (snapshot === undefined) throw new Error('log compacted but no snapshot stored');
    const { meta, data } = snapshot;
    const size = core.options.snapshotChunkBytes;
    core.count('snapshots_sent');
    core.logger.info({ to: pr.id, index: meta.index, bytes: data.byteLength }, 'sending raft snapshot');
    let offset = 0;
    for (;;) {
      const chunk = data.subarray(offset, offset + size);
      const done = offset + chunk.byteLength >= data.byteLength;
      const resp = await core.request(
        pr.address,
        { type: 'snapshot', term: l.term, leaderId: core.id, leaderAddress: core.address, meta, offset, chunk, done },
        core.options.snapshotRpcTimeoutMs,
      );
      if (!still()) return;
      if (resp.term > l.term) {
        core.observeTerm(resp.term);
        core.becomeFollower();
        return;
      }
      pr.lastContact = core.clock.now();
      if (!resp.success) throw new Error(`follower refused snapshot chunk at ${offset}`);
      if (done) {
        pr.matched(meta.index);
        pr.becomeProbe(meta.index + 1);
        l.maybeCommit();
        l.sendAppend(pr);
        return;
      }
      offset = resp.nextOffset;
    }
  } catch (err) {
    if (!still()) return;
    core.logger.debug({ to: pr.id, err: messageOf(err) }, 'snapshot transfer failed; will retry');
    // Back to probing; the next heartbeat tick starts the transfer again.
    pr.becomeProbe(pr.matchIndex + 1);
  }
}
