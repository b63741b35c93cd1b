import { messageOf } from '../core/index.js';
import type { RaftCore } from './core.js';
import type { LogIndex, SnapshotMeta } from './types.js';

/**
 * Takes snapshots of the state machine once enough entries were applied
 * since the last one, then compacts the log behind it, keeping
 * `trailingLogs` entries so a follower a little behind still gets entries
 * rather than a whole snapshot. The log is cut only after the snapshot is
 * durable.
 */
export class Snapshotter {
  readonly #core: RaftCore;
  /** Index of the latest durable snapshot (taken or installed). */
  lastIndex: LogIndex = 0;
  #taking = false;

  constructor(core: RaftCore) {
    this.#core = core;
  }

  maybeSnapshot(): void {
    const core = this.#core;
    if (this.#taking || !core.running) return;
    if (core.lastApplied - this.lastIndex < core.options.snapshotThreshold) return;
    void this.take();
  }

  async take(): Promise<SnapshotMeta | undefined> {
    const core = this.#core;
    if (this.#taking || core.lastApplied <= this.lastIndex) return undefined;
    const index = core.lastApplied;
    const term = core.log.termAt(index);
    if (term === undefined) return undefined;
    const meta: SnapshotMeta = { index, term, config: structuredClone(core.configs.at(index).config) };
    const data = core.stateMachine.snapshot();
    this.#taking = true;
    try {
      await core.snapshots.save(meta, data);
      this.installed(meta);
      const upTo = meta.index - core.options.trailingLogs;
      const upToTerm = core.log.termAt(upTo);
      if (upTo > core.log.baseIndex() && upToTerm !== undefined) {
        core.log.compactPrefix(upTo, upToTerm);
        core.configs.prune(upTo);
      }
      core.count('snapshots_taken');
      core.logger.debug({ index, compactedTo: upTo }, 'took raft snapshot');
      return meta;
    } catch (err) {
      core.logger.error({ err: messageOf(err) }, 'taking a raft snapshot failed');
      return undefined;
    } finally {
      this.#taking = false;
    }
  }

  installed(meta: SnapshotMeta): void {
    if (meta.index > this.lastIndex) this.lastIndex = meta.index;
  }
}
